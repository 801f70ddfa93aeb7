package nn

import (
	"fmt"

	"github.com/shuffledet/shuffledet/internal/kernels"
)

// DepthwiseConv is a per-channel 3x3 convolution with padding 1 (ShuffleNet's only depthwise
// convolution), a bias (BatchNorm folded in) and an optional ReLU. Weight is [C][3][3]. OutMap,
// when not nil, sends channel c to output channel OutMap[c]: a channel shuffle that follows the
// convolution costs nothing this way.
type DepthwiseConv struct {
	C, Stride    int
	Act          Activation
	Weight, Bias []float32
	OutMap       []int
}

// Check reports whether the layer's fields are consistent.
func (l *DepthwiseConv) Check() error {
	switch {
	case l.C <= 0 || l.Stride <= 0:
		return fmt.Errorf("depthwise conv: bad geometry c=%d stride=%d", l.C, l.Stride)
	case len(l.Weight) != l.C*9 || len(l.Bias) != l.C:
		return fmt.Errorf("depthwise conv: weight/bias have %d/%d values, want %d/%d", len(l.Weight), len(l.Bias), l.C*9, l.C)
	case l.OutMap != nil && len(l.OutMap) != l.C:
		return fmt.Errorf("depthwise conv: output map has %d entries, want %d", len(l.OutMap), l.C)
	}
	return nil
}

// OutSize returns the output height and width for an h x w input.
func (l *DepthwiseConv) OutSize(h, w int) (int, int) {
	return ConvOut(h, 3, l.Stride, 1), ConvOut(w, 3, l.Stride, 1)
}

// Forward writes the convolution of src into channels [c0, c0+C) of dst (batch, layout and
// spatial size already set), split over s's pool by plane.
func (l *DepthwiseConv) Forward(dst *Tensor, c0 int, src *Tensor, s *Scratch) {
	sameLayout("DepthwiseConv.Forward", src, dst)
	t := &s.dw
	*t = depthwiseTask{l: l, dst: dst, src: src, c0: c0}
	s.pool.Run(src.N*l.C, t)
	*t = depthwiseTask{}
}

// depthwiseTask is one DepthwiseConv.Forward call as a loop over (image, channel) planes.
type depthwiseTask struct {
	l        *DepthwiseConv
	dst, src *Tensor
	c0       int
}

// Run convolves planes [lo, hi).
func (t *depthwiseTask) Run(_, lo, hi int) {
	l, src := t.l, t.src
	oh, ow := l.OutSize(src.H, src.W)
	for u := lo; u < hi; u++ {
		n, c := src.planeIndex(u)
		l.plane(t.dst.Plane(n, t.c0+l.outChannel(c)), src.Plane(n, c), c, src.H, src.W, oh, ow)
	}
}

// outChannel is the output channel input channel c goes to (OutMap's, or c).
func (l *DepthwiseConv) outChannel(c int) int {
	if l.OutMap != nil {
		return l.OutMap[c]
	}
	return c
}

// plane convolves channel c's h x w plane in into the oh x ow plane out: the one computation of
// both Forward and ForwardBand (their values are the same bit for bit).
func (l *DepthwiseConv) plane(out, in []float32, c, h, w, oh, ow int) {
	kernels.Depthwise3x3(out, in, h, w, oh, ow, l.Stride, l.Weight[c*9:(c+1)*9], l.Bias[c])
	if l.Act == ReLU {
		kernels.ReLU(out)
	}
}
