package nn

import "fmt"

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
		depthwise3x3(out, in, h, w, oh, ow, stride, wt, bias)
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

// depthwise3x3 is the pad-1 3x3 case: rows are read with a zero row standing in for the padding,
// and the interior columns run without bounds tests.
func depthwise3x3(out, in []float32, h, w, oh, ow, stride int, wt []float32, bias float32) {
	w00, w01, w02 := wt[0], wt[1], wt[2]
	w10, w11, w12 := wt[3], wt[4], wt[5]
	w20, w21, w22 := wt[6], wt[7], wt[8]
	for oy := 0; oy < oh; oy++ {
		y := oy*stride - 1
		var r0, r1, r2 []float32
		if y >= 0 {
			r0 = in[y*w : (y+1)*w]
		}
		r1 = in[(y+1)*w : (y+2)*w]
		if y+2 < h {
			r2 = in[(y+2)*w : (y+3)*w]
		}
		o := out[oy*ow : (oy+1)*ow]
		for ox := range o {
			x := ox*stride - 1
			sum := bias
			if x >= 0 && x+2 < w {
				if r0 != nil {
					sum += w00*r0[x] + w01*r0[x+1] + w02*r0[x+2]
				}
				sum += w10*r1[x] + w11*r1[x+1] + w12*r1[x+2]
				if r2 != nil {
					sum += w20*r2[x] + w21*r2[x+1] + w22*r2[x+2]
				}
			} else {
				for kx := 0; kx < 3; kx++ {
					xx := x + kx
					if xx < 0 || xx >= w {
						continue
					}
					if r0 != nil {
						sum += wt[kx] * r0[xx]
					}
					sum += wt[3+kx] * r1[xx]
					if r2 != nil {
						sum += wt[6+kx] * r2[xx]
					}
				}
			}
			o[ox] = sum
		}
	}
}
