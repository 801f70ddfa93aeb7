//go:build !noasm && (amd64 || arm64)

package kernels

// Blocking: a kc-deep slice of a block of rows of A (6 KiB on amd64; 8 KiB packed on arm64)
// stays in L1 while the kernel walks the columns; the kc x nc block of B (512 KiB) stays in L2
// while the row blocks go by.
const (
	kc = 256
	nc = 512
)

// copyColumns copies the first nt values of each of rows rows from src (row stride lds) to dst
// (row stride ldd): a ragged column strip into or out of a kernel's zero-padded tail buffer.
func copyColumns(dst []float32, ldd int, src []float32, lds, rows, nt int) {
	for j := 0; j < rows; j++ {
		copy(dst[j*ldd:j*ldd+nt], src[j*lds:j*lds+nt])
	}
}
