package nn

import (
	"fmt"

	"github.com/shuffledet/shuffledet/nn/internal/kernels"
)

// DepthwiseConv is a per-channel K x K convolution with a bias (BatchNorm folded in) and an
// optional ReLU. Weight is [C][K][K]. OutMap, when not nil, sends channel c to output channel
// OutMap[c]: a channel shuffle that follows the convolution costs nothing this way.
type DepthwiseConv struct {
	C, K, Stride, Pad int
	Act               Activation
	Weight, Bias      []float32
	OutMap            []int
}

// Check reports whether the layer's fields are consistent.
func (l *DepthwiseConv) Check() error {
	switch {
	case l.C <= 0 || l.K <= 0 || l.Stride <= 0 || l.Pad < 0:
		return fmt.Errorf("depthwise conv: bad geometry c=%d k=%d stride=%d pad=%d", l.C, l.K, l.Stride, l.Pad)
	case len(l.Weight) != l.C*l.K*l.K || len(l.Bias) != l.C:
		return fmt.Errorf("depthwise conv: weight/bias have %d/%d values, want %d/%d", len(l.Weight), len(l.Bias), l.C*l.K*l.K, l.C)
	case l.OutMap != nil && len(l.OutMap) != l.C:
		return fmt.Errorf("depthwise conv: output map has %d entries, want %d", len(l.OutMap), l.C)
	}
	return nil
}

// OutSize returns the output height and width for an h x w input.
func (l *DepthwiseConv) OutSize(h, w int) (int, int) {
	return ConvOut(h, l.K, l.Stride, l.Pad), ConvOut(w, l.K, l.Stride, l.Pad)
}

// Forward writes the convolution of src into channels [c0, c0+C) of dst (batch and spatial size
// already set).
func (l *DepthwiseConv) Forward(dst *Tensor, c0 int, src *Tensor) {
	oh, ow := l.OutSize(src.H, src.W)
	kk := l.K * l.K
	for n := 0; n < src.N; n++ {
		for c := 0; c < l.C; c++ {
			oc := c
			if l.OutMap != nil {
				oc = l.OutMap[c]
			}
			out := dst.Plane(n, c0+oc)
			depthwisePlane(out, src.Plane(n, c), src.H, src.W, oh, ow, l.K, l.Stride, l.Pad, l.Weight[c*kk:(c+1)*kk], l.Bias[c])
			if l.Act == ReLU {
				for i, v := range out {
					if v < 0 {
						out[i] = 0
					}
				}
			}
		}
	}
}

// depthwisePlane convolves one h x w plane with a k x k filter into an oh x ow plane.
func depthwisePlane(out, in []float32, h, w, oh, ow, k, stride, pad int, wt []float32, bias float32) {
	if k == 3 && pad == 1 {
		kernels.Depthwise3x3(out, in, h, w, oh, ow, stride, wt, bias)
		return
	}
	for oy := 0; oy < oh; oy++ {
		for ox := 0; ox < ow; ox++ {
			sum := bias
			for ky := 0; ky < k; ky++ {
				y := oy*stride - pad + ky
				if y < 0 || y >= h {
					continue
				}
				for kx := 0; kx < k; kx++ {
					x := ox*stride - pad + kx
					if x < 0 || x >= w {
						continue
					}
					sum += wt[ky*k+kx] * in[y*w+x]
				}
			}
			out[oy*ow+ox] = sum
		}
	}
}
