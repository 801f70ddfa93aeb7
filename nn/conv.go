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
// over threads (a multiple of every GEMM kernel's column step; kernels.SgemmEpilogue gives every
// element the same value whichever block it is computed in).
const convColumns = 256

// Forward writes act(conv(src) + bias [+ res]) into channels [c0, c0+OutC) of dst, which must
// already have src's batch size, layout and the output's spatial size. res, when not nil, has the
// output's shape and layout (OutC channels) and is added before the activation. A CNHW src takes a
// 1x1 convolution only, as one matrix product per group over every image's positions.
//
// The work is split over s's pool in blocks of up to convColumns output positions: for a 1x1
// convolution, blocks of (image, group, positions), each one matrix product reading src in
// place; otherwise blocks of (image, positions), each laying out its panel of windows (all input
// channels, im2col) in its thread's scratch and then running one product per group, so the
// windows of a whole image (41 MB for the RPN's 3x3 conv at 1x, 600) are never held at once.
// Each product starts from the bias and adds the residual and activation as it stores its
// outputs (kernels.SgemmEpilogue).
func (l *Conv) Forward(dst *Tensor, c0 int, src, res *Tensor, s *Scratch) {
	oh, ow := l.OutSize(src.H, src.W)
	pointwise := l.K == 1 && l.Stride == 1 && l.Pad == 0
	images, ohw, ihw := src.N, oh*ow, src.H*src.W
	sameLayout("Conv.Forward", src, dst, res)
	if src.Layout == CNHW {
		if !pointwise {
			panic(fmt.Sprintf("nn: %dx%d stride %d convolution of a CNHW tensor", l.K, l.K, l.Stride))
		}
		images, ohw, ihw = 1, src.N*ohw, src.N*ihw // one image whose planes hold every image's
	}
	t := &s.conv
	*t = convTask{l: l, dst: dst, src: src, res: res, c0: c0, ow: ow, ohw: ohw, ihw: ihw, nb: (ohw + convColumns - 1) / convColumns}
	if pointwise {
		s.pool.Run(images*l.Groups*t.nb, t)
	} else {
		t.panels = s.panels(l.InC * l.K * l.K * convColumns)
		s.pool.Run(images*t.nb, t)
	}
	*t = convTask{}
}

// channels returns image n's channels, planes of hw values each, of a tensor whose images are
// hw-value planes (a CNHW tensor is one image whose planes are N times as long).
func channels(t *Tensor, n, hw int) []float32 {
	chw := t.C * hw
	return t.Data[n*chw : (n+1)*chw : (n+1)*chw]
}

// convTask is one Conv.Forward call as a loop over blocks: (image, group, column block) reading
// src in place for a 1x1 convolution (panels nil), (image, column block) through a panel of
// windows per thread otherwise.
type convTask struct {
	l             *Conv
	dst, src, res *Tensor
	panels        [][]float32 // one per worker, for the windows of a column block
	c0, ow        int
	ohw, ihw, nb  int // output and input positions per plane; column blocks per plane
}

// Run computes blocks [lo, hi).
func (t *convTask) Run(worker, lo, hi int) {
	l := t.l
	icg, kk := l.InC/l.Groups, l.K*l.K
	for u := lo; u < hi; u++ {
		jb := u % t.nb
		j0, j1 := jb*convColumns, min((jb+1)*convColumns, t.ohw)
		if t.panels == nil {
			g, n := u/t.nb%l.Groups, u/t.nb/l.Groups
			t.product(n, g, j0, j1, channels(t.src, n, t.ihw)[g*icg*t.ihw+j0:], t.ihw)
			continue
		}
		n, ld := u/t.nb, j1-j0
		panel := t.panels[worker]
		kernels.Im2col(panel, ld, t.src.Image(n), l.InC, t.src.H, t.src.W, l.K, l.Stride, l.Pad, t.ow, j0, j1)
		for g := 0; g < l.Groups; g++ {
			t.product(n, g, j0, j1, panel[g*icg*kk*ld:], ld)
		}
	}
}

// product computes output positions [j0, j1) of group g of image n from b, the group's rows of
// the right-hand side (row stride ldb): the bias, the matrix product, the residual and the
// activation in one kernels.SgemmEpilogue.
func (t *convTask) product(n, g, j0, j1 int, b []float32, ldb int) {
	l := t.l
	icg, ocg := l.InC/l.Groups, l.OutC/l.Groups
	kk := l.K * l.K
	out := channels(t.dst, n, t.ohw)[(t.c0+g*ocg)*t.ohw : (t.c0+(g+1)*ocg)*t.ohw]
	ep := kernels.Epilogue{Bias: l.Bias[g*ocg : (g+1)*ocg], ReLU: l.Act == ReLU}
	if t.res != nil {
		ep.Res = channels(t.res, n, t.ohw)[g*ocg*t.ohw+j0:]
	}
	kernels.SgemmEpilogue(ocg, j1-j0, icg*kk, l.Weight[g*ocg*icg*kk:], icg*kk, b, ldb, out[j0:], t.ohw, ep)
}
