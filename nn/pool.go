package nn

import "github.com/shuffledet/shuffledet/internal/kernels"

// MaxPool3x3s2 writes the 3x3, stride 2, padding 1 max pool of src into dst (resized to fit).
// Padding never wins, as in PyTorch.
func MaxPool3x3s2(dst, src *Tensor) {
	oh, ow := ConvOut(src.H, 3, 2, 1), ConvOut(src.W, 3, 2, 1)
	dst.Resize(src.N, src.C, oh, ow)
	for n := 0; n < src.N; n++ {
		for c := 0; c < src.C; c++ {
			kernels.MaxPool3x3s2(dst.Plane(n, c), src.Plane(n, c), src.H, src.W, oh, ow)
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
			kernels.AvgPool3x3s2(dst.Plane(n, c0+c), src.Plane(n, c), src.H, src.W, oh, ow)
		}
	}
}

// GlobalAvgPool writes the mean of each channel of src into dst, an N x C row-major slice.
func GlobalAvgPool(dst []float32, src *Tensor) {
	inv := 1 / float32(src.H*src.W)
	for n := 0; n < src.N; n++ {
		for c := 0; c < src.C; c++ {
			dst[n*src.C+c] = kernels.Sum(src.Plane(n, c)) * inv
		}
	}
}
