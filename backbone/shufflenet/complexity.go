package shufflenet

import "github.com/shuffledet/shuffledet/nn"

// Complexity is the multiply-add and parameter count of a network for one input size.
//
// Convention: multiply-adds count every convolution and fully connected layer (including the SE
// block's) at one multiply-add per weight use; pooling, BatchNorm (folded at load), ReLU and the
// shuffle are free. Parameters count convolution and linear weights and biases and BatchNorm's affine
// weight and bias (running statistics are buffers, as in PyTorch). This reproduces the megvii table
// and the paper's Table 1 to about 1%.
type Complexity struct {
	Arch   string    `json:"arch"`
	Height int       `json:"height"`
	Width  int       `json:"width"`
	Stages []nn.Cost `json:"stages"` // conv1, stage2, stage3, stage4, classifier
	MACs   int64     `json:"macs"`
	Params int64     `json:"params"`
}

// Complexity returns the cost of the backbone (and classifier, if any) on an h x w input.
func (c Config) Complexity(h, w int) Complexity {
	r := Complexity{Arch: c.Name(), Height: h, Width: w}
	stem := c.StemWidth()
	h, w = nn.ConvOut(h, 3, 2, 1), nn.ConvOut(w, 3, 2, 1)
	conv1 := nn.Cost{Name: "conv1", MACs: int64(h*w) * int64(stem*3*9), Params: int64(stem*3*9 + 2*stem)}
	h, w = nn.ConvOut(h, 3, 2, 1), nn.ConvOut(w, 3, 2, 1)
	conv1.OutC, conv1.OutH, conv1.OutW = stem, h, w
	r.Stages = append(r.Stages, conv1)
	var cur *nn.Cost
	for _, u := range c.Units() {
		if cur == nil || cur.Name != stageName(u.Stage) {
			r.Stages = append(r.Stages, nn.Cost{Name: stageName(u.Stage)})
			cur = &r.Stages[len(r.Stages)-1]
		}
		m, p, oh, ow := unitCost(u, c.Groups, h, w)
		cur.MACs += m
		cur.Params += p
		h, w = oh, ow
		cur.OutC, cur.OutH, cur.OutW = u.Out, h, w
	}
	if c.NumClasses > 0 {
		in := c.StageWidths()[2]
		r.Stages = append(r.Stages, nn.Cost{Name: "classifier", MACs: int64(in * c.NumClasses), Params: int64(in * c.NumClasses), OutC: c.NumClasses, OutH: 1, OutW: 1})
	}
	for _, s := range r.Stages {
		r.MACs += s.MACs
		r.Params += s.Params
	}
	return r
}

// unitCost returns the multiply-adds and parameters of unit u on an h x w input of a network
// with the given groups, and the unit's output size.
func unitCost(u UnitSpec, groups, h, w int) (macs, params int64, oh, ow int) {
	oh, ow = nn.ConvOut(h, 3, u.Stride, 1), nn.ConvOut(w, 3, u.Stride, 1)
	pw1 := int64(u.Mid * u.In / u.FirstGroups)
	dw := int64(u.Mid * 9)
	pw2 := int64(u.Branch * u.Mid / groups)
	macs = int64(h*w)*pw1 + int64(oh*ow)*(dw+pw2)
	params = pw1 + dw + pw2 + 2*int64(2*u.Mid+u.Branch)
	if u.SEHidden > 0 {
		se := int64(2 * u.SEHidden * u.Branch)
		macs += se
		params += se + int64(u.SEHidden+u.Branch)
	}
	return macs, params, oh, ow
}

func stageName(s int) string { return [...]string{2: "stage2", 3: "stage3", 4: "stage4"}[s] }
