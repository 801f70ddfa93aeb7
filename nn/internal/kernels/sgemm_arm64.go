//go:build !noasm

package kernels

// sgemmKernelNEON adds A·B into a block of 1 <= rows <= 4 rows and n columns of C, n a multiple of
// 8 (a, b, c point at element (0, 0), strides are in elements; 4x16 tiles, then one 4x8):
//
//	for i := 0; i < rows; i++ {
//		for j := 0; j < n; j++ {
//			for p := 0; p < k; p++ {
//				c[i*ldc+j] += a[i*lda+p] * b[p*ldb+j]
//			}
//		}
//	}
//
//go:noescape
func sgemmKernelNEON(rows, k, n int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int)

const kernelRows = 4

func init() {
	useKernel("neon", sgemmKernelNEON, 8) // Advanced SIMD is part of every arm64 CPU Go supports
}
