package nn

import (
	"fmt"

	"github.com/shuffledet/shuffledet/internal/kernels"
)

// Conv is a 2-D convolution with groups, a bias (BatchNorm folded in) and an optional ReLU.
// Weight is [OutC][InC/Groups][K][K].
type Conv struct {
	InC, OutC, K, Stride, Pad, Groups int
	Act                               Activation
	Weight, Bias                      []float32
}

// Check reports whether the layer's fields are consistent.
func (l *Conv) Check() error {
	switch {
	case l.InC <= 0 || l.OutC <= 0 || l.K <= 0 || l.Stride <= 0 || l.Pad < 0 || l.Groups <= 0:
		return fmt.Errorf("conv: bad geometry in=%d out=%d k=%d stride=%d pad=%d groups=%d", l.InC, l.OutC, l.K, l.Stride, l.Pad, l.Groups)
	case l.InC%l.Groups != 0 || l.OutC%l.Groups != 0:
		return fmt.Errorf("conv: channels %d->%d not divisible by %d groups", l.InC, l.OutC, l.Groups)
	case len(l.Weight) != l.OutC*l.InC/l.Groups*l.K*l.K:
		return fmt.Errorf("conv: weight has %d values, want %d", len(l.Weight), l.OutC*l.InC/l.Groups*l.K*l.K)
	case len(l.Bias) != l.OutC:
		return fmt.Errorf("conv: bias has %d values, want %d", len(l.Bias), l.OutC)
	}
	return nil
}

// OutSize returns the output height and width for an h x w input.
func (l *Conv) OutSize(h, w int) (int, int) {
	return ConvOut(h, l.K, l.Stride, l.Pad), ConvOut(w, l.K, l.Stride, l.Pad)
}

// convColumns is the width of the column blocks a convolution's matrix product is split into
// over threads (a multiple of every GEMM kernel's column step; kernels.Sgemm gives every element
// the same value whichever block it is computed in).
const convColumns = 256

// Forward writes act(conv(src) + bias [+ res]) into channels [c0, c0+OutC) of dst, which must
// already have src's batch size and the output's spatial size. res, when not nil, has the output's
// shape (OutC channels) and is added before the activation.
//
// The work is split over s's pool in blocks of (image, group, up to convColumns output
// positions); each block starts from the bias, accumulates its matrix product and adds the
// residual and activation while its outputs are in cache. A convolution that is not 1x1 first
// lays out its windows (im2col), split by input channel, one image at a time.
func (l *Conv) Forward(dst *Tensor, c0 int, src, res *Tensor, s *Scratch) {
	oh, ow := l.OutSize(src.H, src.W)
	ohw := oh * ow
	t := &s.conv
	*t = convTask{l: l, dst: dst, src: src, res: res, c0: c0, ohw: ohw, nb: (ohw + convColumns - 1) / convColumns}
	if l.K == 1 && l.Stride == 1 && l.Pad == 0 {
		t.n = -1
		s.pool.Run(src.N*l.Groups*t.nb, t)
		*t = convTask{}
		return
	}
	kk := l.K * l.K
	t.cols = s.Get(l.InC * kk * ohw)
	ic := &s.im2col
	for n := 0; n < src.N; n++ {
		*ic = im2colTask{l: l, cols: t.cols, in: src.Image(n), h: src.H, w: src.W, oh: oh, ow: ow}
		s.pool.Run(l.InC, ic)
		t.n = n
		s.pool.Run(l.Groups*t.nb, t)
	}
	*ic, *t = im2colTask{}, convTask{}
}

// convTask is one Conv.Forward call as a loop over blocks of (image, group, column block): all
// images (n < 0, a 1x1 convolution reading src directly) or image n's windows laid out in cols.
type convTask struct {
	l             *Conv
	dst, src, res *Tensor
	cols          []float32
	c0, n         int
	ohw, nb       int // output positions per plane; column blocks per plane
}

// Run computes blocks [lo, hi).
func (t *convTask) Run(_, lo, hi int) {
	l, ohw := t.l, t.ohw
	icg, ocg := l.InC/l.Groups, l.OutC/l.Groups
	kk := l.K * l.K
	for u := lo; u < hi; u++ {
		jb, g, n := u%t.nb, u/t.nb%l.Groups, t.n
		if n < 0 {
			n = u / t.nb / l.Groups
		}
		j0, j1 := jb*convColumns, min((jb+1)*convColumns, ohw)
		out := t.dst.Image(n)[(t.c0+g*ocg)*ohw : (t.c0+(g+1)*ocg)*ohw]
		var b []float32
		ldb := ohw
		if t.cols != nil {
			b = t.cols[g*icg*kk*ohw+j0:]
		} else {
			ldb = t.src.H * t.src.W
			b = t.src.Image(n)[g*icg*ldb+j0:]
		}
		// Rows start at the bias; the residual and the ReLU are applied as the kernel stores C.
		ep := kernels.Epilogue{Bias: l.Bias[g*ocg : (g+1)*ocg], ReLU: l.Act == ReLU}
		if t.res != nil {
			ep.Res = t.res.Image(n)[g*ocg*ohw+j0:]
		}
		kernels.SgemmEpilogue(ocg, j1-j0, icg*kk, l.Weight[g*ocg*icg*kk:], icg*kk, b, ldb, out[j0:], ohw, ep)
	}
}

// im2colTask lays out one image's windows for Conv.Forward, split by input channel.
type im2colTask struct {
	l            *Conv
	cols, in     []float32
	h, w, oh, ow int
}

// Run lays out the windows of input channels [lo, hi).
func (t *im2colTask) Run(_, lo, hi int) {
	l := t.l
	kk, ohw, hw := l.K*l.K, t.oh*t.ow, t.h*t.w
	kernels.Im2col(t.cols[lo*kk*ohw:], t.in[lo*hw:], hi-lo, t.h, t.w, l.K, l.Stride, l.Pad, t.oh, t.ow)
}
