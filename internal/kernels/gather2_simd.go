//go:build !noasm && (amd64 || arm64)

package kernels

// gather2Kernel copies every other value, n a positive multiple of the kernel's vector width; it
// reads src[0 .. 2n):
//
//	for i := 0; i < n; i++ {
//		dst[i] = src[2*i]
//	}
type gather2Kernel func(dst, src *float32, n int)

// im2colSIMD returns an Im2col whose stride-2 runs (the stem's windows) go through k, width
// values per step, as many whole steps as src holds, and a last step over the run's last width
// values again where src's array reaches far enough; the rest takes the portable loop.
func im2colSIMD(k gather2Kernel, width int) func(cols []float32, ldc int, in []float32, c, h, w, kk, stride, pad, ow, j0, j1 int) {
	gather2 := func(dst, src []float32) {
		// A step reads 2*width values: the steps whose reads stay inside src.
		n := len(dst)
		m := min(n, len(src)/2) &^ (width - 1)
		if m > 0 {
			_ = src[2*m-1]
			k(&dst[0], &src[0], m)
		}
		if m == n {
			return
		}
		// The rest: one more step, over the last width outputs again, where src's array holds
		// the value past its last (an odd one, read and dropped: the next input row's first).
		if n >= width && cap(src) >= 2*n {
			src = src[:2*n]
			k(&dst[n-width], &src[2*(n-width)], width)
			return
		}
		for i := m; i < n; i++ {
			dst[i] = src[2*i]
		}
	}
	return func(cols []float32, ldc int, in []float32, c, h, w, kk, stride, pad, ow, j0, j1 int) {
		im2colWith(gather2, cols, ldc, in, c, h, w, kk, stride, pad, ow, j0, j1)
	}
}
