package nn

import (
	"math"

	"github.com/shuffledet/shuffledet/internal/kernels"
)

// SqueezeExcite rescales each channel by sigmoid(FC2(relu(FC1(mean over the plane)))), the SE
// block of Hu et al., then applies Act.
type SqueezeExcite struct {
	FC1, FC2 *Linear
	Act      Activation
}

// Forward rescales channels [c0, c0+FC2.Out) of every image of t in place and writes
// act(scaled [+ res]) over them. res, when not nil, has those channels' shape (FC2.Out channels)
// and is added before the activation, as in Conv.Forward.
func (l *SqueezeExcite) Forward(t *Tensor, c0 int, res *Tensor, s *Scratch) {
	sameLayout("SqueezeExcite.Forward", t, res)
	c, hidden := l.FC2.Out, l.FC1.Out
	buf := s.Get(c + hidden + c)
	pooled, h, scale := buf[:c], buf[c:c+hidden], buf[c+hidden:]
	for n := 0; n < t.N; n++ {
		for ci := 0; ci < c; ci++ {
			pooled[ci] = planeMean(t, n, c0+ci)
		}
		l.FC1.Forward(h, pooled, 1, nil)
		kernels.ReLU(h)
		l.FC2.Forward(scale, h, 1, nil)
		for ci := 0; ci < c; ci++ {
			p := t.Plane(n, c0+ci)
			kernels.Scale(p, float32(1/(1+math.Exp(-float64(scale[ci])))))
			switch {
			case res != nil && l.Act == ReLU:
				kernels.AddReLU(p, res.Plane(n, ci))
			case res != nil:
				kernels.Add(p, res.Plane(n, ci))
			case l.Act == ReLU:
				kernels.ReLU(p)
			}
		}
	}
}
