//go:build !noasm && (amd64 || arm64)

package kernels

// blendKernel computes n outputs of Blend, n a positive multiple of the kernel's vector width:
//
//	for i := 0; i < n; i++ {
//		dst[i] = float32(a[i]*wa) + float32(b[i]*wb)
//	}
type blendKernel func(dst, a, b *float32, n int, wa, wb float32)

// blendSIMD returns a Blend that runs the whole vectors through k and recomputes a ragged
// remainder with an overlapping last vector (dst does not overlap a or b); fewer values than a
// vector take the portable loop.
func blendSIMD(k blendKernel, width int) func(dst, a, b []float32, wa, wb float32) {
	mustBePowerOfTwo(width)
	return func(dst, a, b []float32, wa, wb float32) {
		n := len(dst)
		if n < width {
			blendGeneric(dst, a, b, wa, wb)
			return
		}
		a, b = a[:n], b[:n] // the kernel reads inside these (panics as the plain loop would)
		m := n &^ (width - 1)
		k(&dst[0], &a[0], &b[0], m, wa, wb)
		if m < n {
			k(&dst[n-width], &a[n-width], &b[n-width], width, wa, wb)
		}
	}
}
