//go:build !noasm

package kernels

import "golang.org/x/sys/cpu"

// The arm64 assembly routines, one .s file each, and the CPU features they need.

func init() {
	sgemm.add("neon", cpu.ARM64.HasASIMD, tiled(sgemmKernelNEON, 4, 8))
}

// sgemmKernelNEON (sgemm_arm64.s) adds A·B into a block of 1 <= rows <= 4 rows and n columns of
// C, n a multiple of 8 (a, b, c point at element (0, 0), strides are in elements; 4x16 tiles,
// then one 4x8):
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
