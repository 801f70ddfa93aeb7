package nn

import "math"

// MaxPool3x3s2 writes the 3x3, stride 2, padding 1 max pool of src into dst (resized to fit).
// Padding never wins, as in PyTorch.
func MaxPool3x3s2(dst, src *Tensor) {
	oh, ow := ConvOut(src.H, 3, 2, 1), ConvOut(src.W, 3, 2, 1)
	dst.Resize(src.N, src.C, oh, ow)
	for n := 0; n < src.N; n++ {
		for c := 0; c < src.C; c++ {
			in, out := src.Plane(n, c), dst.Plane(n, c)
			for oy := 0; oy < oh; oy++ {
				for ox := 0; ox < ow; ox++ {
					m := float32(math.Inf(-1))
					for y := max(2*oy-1, 0); y <= min(2*oy+1, src.H-1); y++ {
						for x := max(2*ox-1, 0); x <= min(2*ox+1, src.W-1); x++ {
							if v := in[y*src.W+x]; v > m {
								m = v
							}
						}
					}
					out[oy*ow+ox] = m
				}
			}
		}
	}
}

// AvgPool3x3s2 writes the 3x3, stride 2, padding 1 average pool of src into channels
// [c0, c0+src.C) of dst. Padding counts as zeros (PyTorch's count_include_pad), so every window
// divides by 9.
func AvgPool3x3s2(dst *Tensor, c0 int, src *Tensor) {
	oh, ow := ConvOut(src.H, 3, 2, 1), ConvOut(src.W, 3, 2, 1)
	for n := 0; n < src.N; n++ {
		for c := 0; c < src.C; c++ {
			in, out := src.Plane(n, c), dst.Plane(n, c0+c)
			for oy := 0; oy < oh; oy++ {
				for ox := 0; ox < ow; ox++ {
					var s float32
					for y := max(2*oy-1, 0); y <= min(2*oy+1, src.H-1); y++ {
						for x := max(2*ox-1, 0); x <= min(2*ox+1, src.W-1); x++ {
							s += in[y*src.W+x]
						}
					}
					out[oy*ow+ox] = s / 9
				}
			}
		}
	}
}

// GlobalAvgPool writes the mean of each channel of src into dst, an N x C row-major slice.
func GlobalAvgPool(dst []float32, src *Tensor) {
	inv := 1 / float32(src.H*src.W)
	for n := 0; n < src.N; n++ {
		for c := 0; c < src.C; c++ {
			var s float32
			for _, v := range src.Plane(n, c) {
				s += v
			}
			dst[n*src.C+c] = s * inv
		}
	}
}
