package detector

import (
	"fmt"

	"github.com/shuffledet/shuffledet/backbone"
	"github.com/shuffledet/shuffledet/backbone/shufflenet"
	"github.com/shuffledet/shuffledet/configs"
	"github.com/shuffledet/shuffledet/modelfile"
	"github.com/shuffledet/shuffledet/nn"
)

// Model is a loaded detector's read-only weights: the ShuffleNet trunk (stages 2-3 for features,
// stage 4 as the box head), the RPN head and the box predictor. Detectors made from one Model
// share it.
type Model struct {
	Path   string
	Config configs.Model

	trunk    backbone.Trunk
	rpnConv  *nn.Conv // 3x3, ReLU
	rpnCls   *nn.Conv // 1x1 -> A objectness logits
	rpnBox   *nn.Conv // 1x1 -> 4A box deltas
	clsScore *nn.Linear
	bboxPred *nn.Linear
}

// LoadModel reads a detector model file.
func LoadModel(path string) (*Model, error) {
	f, err := modelfile.Open(path)
	if err != nil {
		return nil, err
	}
	m, err := Build(path, f.Config, f)
	if err != nil {
		return nil, err
	}
	if err := f.CheckAllUsed(); err != nil {
		return nil, err
	}
	return m, nil
}

// Build assembles a detector with configuration cfg from weights w; name is used in errors.
func Build(name string, cfg configs.Model, w nn.Weights) (*Model, error) {
	if cfg.Detector == nil {
		return nil, fmt.Errorf("model %s: a %s classifier, not a detector (its config has no detector section)", name, cfg.Backbone.Name())
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("model %s: %w", name, err)
	}
	m := &Model{Path: name, Config: cfg}
	net, err := shufflenet.Build(cfg.Backbone, w)
	if err != nil {
		return nil, err
	}
	m.trunk = net.Trunk()
	d := cfg.Detector
	c3, c4 := m.trunk.FeatureChannels(), m.trunk.HeadChannels()
	a := d.RPN.NumAnchors()
	if m.rpnConv, err = conv(w, "rpn.head.conv", c3, d.RPN.Channels, 3, nn.ReLU); err != nil {
		return nil, err
	}
	if m.rpnCls, err = conv(w, "rpn.head.cls_logits", d.RPN.Channels, a, 1, nn.Identity); err != nil {
		return nil, err
	}
	if m.rpnBox, err = conv(w, "rpn.head.bbox_pred", d.RPN.Channels, 4*a, 1, nn.Identity); err != nil {
		return nil, err
	}
	k := len(d.Classes) + 1
	if m.clsScore, err = linear(w, "roi_heads.box_predictor.cls_score", c4, k); err != nil {
		return nil, err
	}
	if m.bboxPred, err = linear(w, "roi_heads.box_predictor.bbox_pred", c4, 4*k); err != nil {
		return nil, err
	}
	return m, nil
}

func conv(f nn.Weights, name string, in, out, k int, act nn.Activation) (*nn.Conv, error) {
	w, err := f.Get(name+".weight", out, in, k, k)
	if err != nil {
		return nil, err
	}
	b, err := f.Get(name+".bias", out)
	if err != nil {
		return nil, err
	}
	c := &nn.Conv{InC: in, OutC: out, K: k, Stride: 1, Pad: k / 2, Groups: 1, Act: act, Weight: w, Bias: b}
	return c, c.Check()
}

func linear(f nn.Weights, name string, in, out int) (*nn.Linear, error) {
	w, err := f.Get(name+".weight", out, in)
	if err != nil {
		return nil, err
	}
	b, err := f.Get(name+".bias", out)
	if err != nil {
		return nil, err
	}
	return nn.NewLinear(in, out, w, b)
}

// Complexity is a detector's multiply-add and parameter count for one image size.
type Complexity struct {
	Arch       string  `json:"arch"`
	Height     int     `json:"height"` // padded network input
	Width      int     `json:"width"`
	Proposals  int     `json:"proposals"`
	Backbone   nn.Cost `json:"backbone"` // conv1 .. stage 3 on the image
	RPN        nn.Cost `json:"rpn"`
	BoxHead    nn.Cost `json:"box_head"` // stage 4 on every RoI + box predictor
	MACs       int64   `json:"macs"`
	Params     int64   `json:"params"`
	NumClasses int     `json:"num_classes"`
}

// Complexity returns the cost of detecting on an h x w padded input with the given number of
// proposals (the RoI head's cost is per proposal).
func (m *Model) Complexity(h, w, proposals int) Complexity {
	d := m.Config.Detector
	r := Complexity{Arch: m.trunk.Name(), Height: h, Width: w, Proposals: proposals, NumClasses: len(d.Classes)}
	r.Backbone = m.trunk.FeatureCost(h, w)
	hw := int64(r.Backbone.OutH * r.Backbone.OutW)
	c3, c4, a, ch := int64(m.trunk.FeatureChannels()), int64(m.trunk.HeadChannels()), int64(d.RPN.NumAnchors()), int64(d.RPN.Channels)
	r.RPN = nn.Cost{Name: "rpn", MACs: hw * (ch*c3*9 + ch*5*a), Params: ch*c3*9 + ch + ch*5*a + 5*a,
		OutC: int(5 * a), OutH: r.Backbone.OutH, OutW: r.Backbone.OutW}
	head := m.trunk.HeadCost(d.RoI.OutputSize)
	k := int64(len(d.Classes) + 1)
	r.BoxHead = nn.Cost{Name: "box_head", OutC: int(5 * k), OutH: 1, OutW: 1,
		MACs: int64(proposals) * (head.MACs + c4*5*k), Params: head.Params + c4*5*k + 5*k}
	r.MACs = r.Backbone.MACs + r.RPN.MACs + r.BoxHead.MACs
	r.Params = r.Backbone.Params + r.RPN.Params + r.BoxHead.Params
	return r
}
