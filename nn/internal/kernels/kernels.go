// Package kernels holds the engine's hot loops behind small, layer-agnostic signatures. Each
// routine's meaning is the plain Go loop in its doc comment; the portable versions are in *_generic.go.
package kernels

// Sgemm computes C += A·B for row-major A (m×k, row stride lda), B (k×n, ldb) and C (m×n, ldc):
//
//	for i := 0; i < m; i++ {
//		for j := 0; j < n; j++ {
//			for p := 0; p < k; p++ {
//				c[i*ldc+j] += a[i*lda+p] * b[p*ldb+j]
//			}
//		}
//	}
func Sgemm(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if m == 0 || n == 0 || k == 0 {
		return
	}
	sgemm(m, n, k, a, lda, b, ldb, c, ldc)
}

// BiasAct writes x[i] = act(x[i] + bias) for a row, where act is ReLU when relu is set:
//
//	for i := range x { v := x[i] + bias; if relu && v < 0 { v = 0 }; x[i] = v }
func BiasAct(x []float32, bias float32, relu bool) {
	biasAct(x, bias, relu)
}

// AddAct writes x[i] = act(x[i] + r[i]), ReLU when relu is set. len(r) must be >= len(x).
func AddAct(x, r []float32, relu bool) {
	addAct(x, r, relu)
}

// Depthwise3x3 convolves one h x w plane with a 3x3 filter wt (row-major), padding 1 and the
// given stride, into an oh x ow plane, adding bias:
//
//	for oy, ox: out[oy*ow+ox] = bias + sum over ky, kx in 0..2 of
//		wt[ky*3+kx] * in[(oy*stride+ky-1)*w + ox*stride+kx-1]   (zero outside the plane)
func Depthwise3x3(out, in []float32, h, w, oh, ow, stride int, wt []float32, bias float32) {
	depthwise3x3Generic(out, in, h, w, oh, ow, stride, wt, bias)
}
