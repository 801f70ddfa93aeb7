//go:build !noasm && (amd64 || arm64)

package kernels

// lerpKernel computes n outputs of LerpRow, n a positive multiple of the kernel's vector width,
// from src of ns values (ns >= 1), and reports true; where an index of a vector lies outside
// src it stops before reading through it and reports false (outputs before it may be written):
//
//	for o := 0; o < n; o++ {
//		dst[o] = float32(src[i0[o]]*w0[o]) + float32(src[i1[o]]*w1[o])
//	}
//	return true
type lerpKernel func(dst, src *float32, i0, i1 *int32, w0, w1 *float32, n, ns int) bool

// lerpSIMD returns a LerpRow that runs the whole vectors through k and recomputes a ragged
// remainder with an overlapping last vector (dst does not overlap the others); fewer values than
// a vector take the portable loop, as does a row with an index outside src, where it panics as the
// plain loop does.
func lerpSIMD(k lerpKernel, width int) func(dst, src []float32, i0, i1 []int32, w0, w1 []float32) {
	mustBePowerOfTwo(width)
	return func(dst, src []float32, i0, i1 []int32, w0, w1 []float32) {
		n := len(dst)
		if n < width || len(src) == 0 {
			lerpRowGeneric(dst, src, i0, i1, w0, w1)
			return
		}
		i0, i1, w0, w1 = i0[:n], i1[:n], w0[:n], w1[:n] // the kernel reads inside these (panics as the plain loop would)
		m := n &^ (width - 1)
		if !k(&dst[0], &src[0], &i0[0], &i1[0], &w0[0], &w1[0], m, len(src)) ||
			m < n && !k(&dst[n-width], &src[0], &i0[n-width], &i1[n-width], &w0[n-width], &w1[n-width], width, len(src)) {
			lerpRowGeneric(dst, src, i0, i1, w0, w1) // an index outside src: the plain loop panics at it
		}
	}
}
