//go:build noasm || !(amd64 || arm64)

package kernels

func sgemm(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	sgemmGeneric(m, n, k, a, lda, b, ldb, c, ldc)
}
