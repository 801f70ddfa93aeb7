package shufflenet

import (
	"github.com/shuffledet/shuffledet/backbone"
	"github.com/shuffledet/shuffledet/nn"
	"github.com/shuffledet/shuffledet/parallel"
)

// Trunk returns n as a detector's trunk (Faster R-CNN's C4 layout, as torchvision builds it on a
// ResNet): conv1 to stage 3 give the stride-16 features, and stage 4 with global average pooling
// is the box head on the pooled RoIs.
func (n *Net) Trunk() backbone.Trunk { return trunk{n} }

type trunk struct{ net *Net }

func (t trunk) Name() string         { return t.net.Config.Name() }
func (t trunk) FeatureChannels() int { return t.net.Config.StageWidths()[1] }
func (t trunk) HeadChannels() int    { return t.net.Config.StageWidths()[2] }

// NewRunner returns two Runners' worth of buffers, both on pool: the box head's stage 4 must not
// overwrite the stage-3 features it pools from.
func (t trunk) NewRunner(pool *parallel.Pool) backbone.Runner {
	r := &trunkRunner{features: t.net.NewRunner(), head: t.net.NewRunner()}
	r.features.SetPool(pool)
	r.head.SetPool(pool)
	return r
}

// FeatureCost sums conv1, stage 2 and stage 3 on an h x w input.
func (t trunk) FeatureCost(h, w int) nn.Cost {
	c := nn.Cost{Name: "backbone"}
	for _, s := range t.net.Config.Complexity(h, w).Stages {
		switch s.Name {
		case "conv1", "stage2", "stage3":
			c.MACs += s.MACs
			c.Params += s.Params
			c.OutC, c.OutH, c.OutW = s.OutC, s.OutH, s.OutW
		}
	}
	return c
}

// HeadCost is stage 4 on one size x size RoI (the pooling is free).
func (t trunk) HeadCost(size int) nn.Cost {
	cfg := t.net.Config
	c := nn.Cost{Name: "box_head", OutC: t.HeadChannels(), OutH: 1, OutW: 1}
	h, w := size, size
	for _, u := range cfg.Units() {
		if u.Stage == Stage4 {
			m, p, oh, ow := unitCost(u, cfg.Groups, h, w)
			c.MACs += m
			c.Params += p
			h, w = oh, ow
		}
	}
	return c
}

type trunkRunner struct {
	features, head *Runner
}

func (r *trunkRunner) Features(x *nn.Tensor) *nn.Tensor { return r.features.Forward(x, Stage3) }

func (r *trunkRunner) BoxHead(dst []float32, rois *nn.Tensor) {
	top := r.head.Stage(rois, Stage4)
	nn.GlobalAvgPool(dst[:top.N*top.C], top, &r.head.scratch)
}
