package nn

import "testing"

// TestWeightMap: a tensor of the shape asked for is returned as it is; a missing one, or one of
// another size, is an error naming it.
func TestWeightMap(t *testing.T) {
	w := WeightMap{"conv.weight": make([]float32, 2*3*3*3), "conv.bias": {1, 2}}
	if v, err := w.Get("conv.bias", 2); err != nil || v[1] != 2 {
		t.Errorf("conv.bias: %v %v", v, err)
	}
	if _, err := LoadConv(w, "conv", 3, 2, 3, 1, 1, 1, Identity); err != nil {
		t.Errorf("LoadConv: %v", err)
	}
	for _, c := range []struct {
		name  string
		shape []int
		want  string
	}{
		{"fc.weight", []int{4}, `tensor "fc.weight": none of that name`},
		{"conv.bias", []int{3}, `tensor "conv.bias": 2 values, want shape [3] (3)`},
	} {
		if _, err := w.Get(c.name, c.shape...); err == nil || err.Error() != c.want {
			t.Errorf("%s %v: %v, want %s", c.name, c.shape, err, c.want)
		}
	}
}
