//go:build !noasm && (amd64 || arm64)

package kernels

// Blocking: a kc-deep slice (kernels.go) of a block of rows of A (6 KiB for AVX2's 6 rows, 8 KiB
// for AVX-512's 8 and NEON's 8 packed) stays in L1 while the kernel walks the columns; the kc x nc block of B (512 KiB)
// stays in L2 while the row blocks go by.
const nc = 512

// asmOperands reports whether an assembly GEMM driver may take the product (not with a negative
// stride or k = 0: the portable loop takes those). It indexes the last element of A, B, C and the
// epilogue's bias and residual, so a call with slices too short panics here, not inside the
// assembly.
func asmOperands(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, ep Epilogue) bool {
	if lda < 0 || ldb < 0 || ldc < 0 || k == 0 {
		return false
	}
	_ = a[(m-1)*lda+k-1]
	_ = b[(k-1)*ldb+n-1]
	_ = c[(m-1)*ldc+n-1]
	if ep.Bias != nil {
		_ = ep.Bias[m-1]
	}
	if ep.Res != nil {
		_ = ep.Res[(m-1)*ldc+n-1]
	}
	return true
}

// kBlock splits k into equal blocks of at most kc and returns their size.
func kBlock(k int) int {
	blocks := (k + kc - 1) / kc
	return (k + blocks - 1) / blocks
}
