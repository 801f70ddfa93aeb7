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
	if len(weight) != sizeOf(in, out) || (bias != nil && len(bias) != out) {
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

// Forward computes dst (n x Out) = src (n x In) W^T + b for n rows, split over s's pool by blocks
// of output columns (s may be nil: one thread). A column block changes no digit
// (kernels.Sgemm's columns are exact whichever block computes them; its rows are not split).
func (l *Linear) Forward(dst, src []float32, n int, s *Scratch) {
	t := linearTask{l: l, n: n, dst: dst[:n*l.Out], src: src}
	blocks := (l.Out + linearColumns - 1) / linearColumns
	if s == nil || n == 0 {
		t.Run(0, 0, blocks)
		return
	}
	s.linear = t
	s.pool.Run(blocks, &s.linear)
	s.linear = linearTask{}
}

// linearColumns is the column block of Linear.Forward's split: whole vectors of the GEMM's tiles.
const linearColumns = 32

// linearTask is Linear.Forward as a loop over blocks of output columns.
type linearTask struct {
	l        *Linear
	n        int // rows
	dst, src []float32
}

// Run computes column blocks [lo, hi) of every row: one product.
func (t *linearTask) Run(_, lo, hi int) {
	l, n := t.l, t.n
	j0, j1 := lo*linearColumns, min(hi*linearColumns, l.Out)
	for r := 0; r < n; r++ {
		row := t.dst[r*l.Out+j0 : r*l.Out+j1]
		if l.Bias != nil {
			copy(row, l.Bias[j0:j1])
		} else {
			clear(row)
		}
	}
	kernels.Sgemm(n, j1-j0, l.In, t.src, l.In, l.WeightT[j0:], l.Out, t.dst[j0:], l.Out)
}
