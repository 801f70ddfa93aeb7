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

// Forward computes dst (n x Out) = src (n x In) W^T + b for n rows.
func (l *Linear) Forward(dst, src []float32, n int) {
	dst = dst[:n*l.Out]
	for r := 0; r < n; r++ {
		row := dst[r*l.Out : (r+1)*l.Out]
		if l.Bias != nil {
			copy(row, l.Bias)
		} else {
			clear(row)
		}
	}
	kernels.Sgemm(n, l.Out, l.In, src, l.In, l.WeightT, l.Out, dst, l.Out)
}
