//go:build !noasm && (amd64 || arm64)

package kernels

// Blocking: a kc-deep slice of a block of rows of A (6 KiB on amd64; 8 KiB packed on arm64)
// stays in L1 while the kernel walks the columns; the kc x nc block of B (512 KiB) stays in L2
// while the row blocks go by.
const (
	kc = 256
	nc = 512
)
