package nn

import (
	"fmt"

	"github.com/shuffledet/shuffledet/internal/kernels"
)

// Linear is a fully connected layer y = W x + b. WeightT holds W transposed ([In][Out]) so that a
// batch is one matrix product; Bias may be nil.
type Linear struct {
	In, Out int
	WeightT []float32
	Bias    []float32
}

// NewLinear builds a Linear from a PyTorch-layout weight [Out][In] and an optional bias.
func NewLinear(in, out int, weight, bias []float32) (*Linear, error) {
	if len(weight) != in*out || (bias != nil && len(bias) != out) {
		return nil, fmt.Errorf("linear %d->%d: weight/bias have %d/%d values", in, out, len(weight), len(bias))
	}
	wt := make([]float32, in*out)
	for o := 0; o < out; o++ {
		for i := 0; i < in; i++ {
			wt[i*out+o] = weight[o*in+i]
		}
	}
	return &Linear{In: in, Out: out, WeightT: wt, Bias: bias}, nil
}

// Forward computes dst (n x Out) = src (n x In) W^T + b for n rows, split over s's pool by rows
// (s may be nil: one thread).
func (l *Linear) Forward(dst, src []float32, n int, s *Scratch) {
	t := linearTask{l: l, dst: dst[:n*l.Out], src: src}
	if s == nil {
		t.Run(0, 0, n)
		return
	}
	s.linear = t
	s.pool.Run(n, &s.linear)
	s.linear = linearTask{}
}

// linearTask is Linear.Forward as a loop over rows.
type linearTask struct {
	l        *Linear
	dst, src []float32
}

// Run computes rows [lo, hi): one product for the block.
func (t *linearTask) Run(_, lo, hi int) {
	l := t.l
	dst := t.dst[lo*l.Out : hi*l.Out]
	for r := 0; r < hi-lo; r++ {
		row := dst[r*l.Out : (r+1)*l.Out]
		if l.Bias != nil {
			copy(row, l.Bias)
		} else {
			clear(row)
		}
	}
	kernels.Sgemm(hi-lo, l.Out, l.In, t.src[lo*l.In:], l.In, l.WeightT, l.Out, dst, l.Out)
}
