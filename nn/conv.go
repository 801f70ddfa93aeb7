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

// Forward writes act(conv(src) + bias [+ res]) into channels [c0, c0+OutC) of dst, which must
// already have src's batch size and the output's spatial size. res, when not nil, has the output's
// shape (OutC channels) and is added before the activation.
func (l *Conv) Forward(dst *Tensor, c0 int, src, res *Tensor, s *Scratch) {
	oh, ow := l.OutSize(src.H, src.W)
	ohw := oh * ow
	icg, ocg := l.InC/l.Groups, l.OutC/l.Groups
	kk := l.K * l.K
	direct := l.K == 1 && l.Stride == 1 && l.Pad == 0
	var cols []float32
	if !direct {
		cols = s.Get(icg * kk * ohw)
	}
	for n := 0; n < src.N; n++ {
		in := src.Image(n)
		out := dst.Image(n)[c0*ohw : (c0+l.OutC)*ohw]
		// Rows start at the bias; the matrix product accumulates onto them.
		for c := 0; c < l.OutC; c++ {
			kernels.Fill(out[c*ohw:(c+1)*ohw], l.Bias[c])
		}
		for g := 0; g < l.Groups; g++ {
			gin := in[g*icg*src.H*src.W : (g+1)*icg*src.H*src.W]
			b, ldb := gin, src.H*src.W
			if !direct {
				kernels.Im2col(cols, gin, icg, src.H, src.W, l.K, l.Stride, l.Pad, oh, ow)
				b, ldb = cols, ohw
			}
			kernels.Sgemm(ocg, ohw, icg*kk, l.Weight[g*ocg*icg*kk:], icg*kk, b, ldb, out[g*ocg*ohw:], ohw)
		}
		switch {
		case res != nil && l.Act == ReLU:
			for c := 0; c < l.OutC; c++ {
				kernels.AddReLU(out[c*ohw:(c+1)*ohw], res.Plane(n, c))
			}
		case res != nil:
			for c := 0; c < l.OutC; c++ {
				kernels.Add(out[c*ohw:(c+1)*ohw], res.Plane(n, c))
			}
		case l.Act == ReLU:
			kernels.ReLU(out)
		}
	}
}
