//go:build !noasm && (amd64 || arm64)

package kernels

// bilinearKernel is BilinearSum for n channels, n a positive multiple of the kernel's vector
// width, and nt >= 1 taps: out and src point at channel 0, taps at the first tap. The offsets are
// checked by the driver: every tap reads inside src.
type bilinearKernel func(out, src *float32, taps *Tap, nt, n int, div float32)

// bilinearVec is a BilinearSum kernel and its vector width.
type bilinearVec struct {
	fn    bilinearKernel
	width int // a power of two
}

// bilinearSumSIMD returns a BilinearSum that runs the channels through the kernels, widest first,
// recomputes a ragged remainder with an overlapping last vector of the narrowest (the outputs are
// independent and out does not overlap src), and leaves fewer channels than that vector to the
// portable version.
func bilinearSumSIMD(vecs []bilinearVec) func(out, src []float32, taps []Tap, div float32) {
	for _, v := range vecs {
		mustBePowerOfTwo(v.width)
	}
	return func(out, src []float32, taps []Tap, div float32) {
		n := len(out)
		if n < vecs[len(vecs)-1].width || len(taps) == 0 {
			bilinearSumGeneric(out, src, taps, div)
			return
		}
		for i := range taps {
			for _, o := range taps[i].Off {
				_ = src[int(o) : int(o)+n] // the kernels read inside these (panics as the plain loop would)
			}
		}
		j := 0
		for _, v := range vecs {
			if m := (n - j) &^ (v.width - 1); m > 0 {
				v.fn(&out[j], &src[j], &taps[0], len(taps), m, div)
				j += m
			}
		}
		if j < n {
			v := vecs[len(vecs)-1]
			v.fn(&out[n-v.width], &src[n-v.width], &taps[0], len(taps), v.width, div)
		}
	}
}
