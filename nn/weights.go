package nn

import "fmt"

// Weights supplies a model's tensors by name, checking that each has the expected shape and
// failing with an error that names the tensor (modelfile.File reads them from a model file).
type Weights interface {
	// Get returns the values of tensor name, which must have the given shape; they may be the
	// supplier's own (read-only).
	Get(name string, shape ...int) ([]float32, error)
}

// LoadConv loads a convolution with a bias from the tensors name.weight ([out, in/groups, k, k])
// and name.bias ([out]).
func LoadConv(w Weights, name string, in, out, k, stride, pad, groups int, act Activation) (*Conv, error) {
	if in <= 0 || out <= 0 || k <= 0 || groups <= 0 || in%groups != 0 {
		return nil, fmt.Errorf("conv %s: bad geometry in=%d out=%d k=%d groups=%d", name, in, out, k, groups)
	}
	wt, err := w.Get(name+".weight", out, in/groups, k, k)
	if err != nil {
		return nil, err
	}
	b, err := w.Get(name+".bias", out)
	if err != nil {
		return nil, err
	}
	c := &Conv{InC: in, OutC: out, K: k, Stride: stride, Pad: pad, Groups: groups, Act: act, Weight: wt, Bias: b}
	return c, c.Check()
}

// LoadLinear loads a fully connected layer from the tensors name.weight ([out, in]) and
// name.bias ([out]).
func LoadLinear(w Weights, name string, in, out int) (*Linear, error) {
	wt, err := w.Get(name+".weight", out, in)
	if err != nil {
		return nil, err
	}
	b, err := w.Get(name+".bias", out)
	if err != nil {
		return nil, err
	}
	return NewLinear(in, out, wt, b)
}

// WeightMap is Weights held in memory: each tensor's values by name, in PyTorch's layout (a model
// file, modelfile.File, is the usual Weights; this is for weights made in code, as the rpn and
// roihead examples make them). Get checks a tensor's length against the shape asked for.
type WeightMap map[string][]float32

// Get implements Weights.
func (m WeightMap) Get(name string, shape ...int) ([]float32, error) {
	v, ok := m[name]
	if !ok {
		return nil, fmt.Errorf("tensor %q: none of that name", name)
	}
	n := 1
	for _, d := range shape {
		n *= d
	}
	if len(v) != n {
		return nil, fmt.Errorf("tensor %q: %d values, want shape %v (%d)", name, len(v), shape, n)
	}
	return v, nil
}
