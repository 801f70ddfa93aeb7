package nn

import "math"

// SqueezeExcite rescales each channel by sigmoid(FC2(relu(FC1(mean over the plane)))), the SE
// block of Hu et al.
type SqueezeExcite struct {
	FC1, FC2 *Linear
}

// Forward rescales channels [c0, c0+FC2.Out) of every image of t in place.
func (l *SqueezeExcite) Forward(t *Tensor, c0 int, s *Scratch) {
	c, hidden := l.FC2.Out, l.FC1.Out
	buf := s.Get(c + hidden + c)
	pooled, h, scale := buf[:c], buf[c:c+hidden], buf[c+hidden:]
	inv := 1 / float32(t.H*t.W)
	for n := 0; n < t.N; n++ {
		for ci := 0; ci < c; ci++ {
			var sum float32
			for _, v := range t.Plane(n, c0+ci) {
				sum += v
			}
			pooled[ci] = sum * inv
		}
		l.FC1.Forward(h, pooled, 1)
		for i, v := range h {
			if v < 0 {
				h[i] = 0
			}
		}
		l.FC2.Forward(scale, h, 1)
		for ci := 0; ci < c; ci++ {
			g := float32(1 / (1 + math.Exp(-float64(scale[ci]))))
			p := t.Plane(n, c0+ci)
			for i := range p {
				p[i] *= g
			}
		}
	}
}
