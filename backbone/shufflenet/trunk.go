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

// NewRunner returns a Runner that computes conv1 to stage 3 on pool.
func (t trunk) NewRunner(pool *parallel.Pool) backbone.Runner {
	r := &featureRunner{t.net.NewRunner()}
	r.SetPool(pool)
	return r
}

// NewBoxHead returns a box head with buffers of its own (stage 4 must not overwrite the stage-3
// features the RoIs are pooled from) on one thread.
func (t trunk) NewBoxHead() backbone.BoxHead { return boxHead{t.net.NewRunner()} }

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

type featureRunner struct{ *Runner }

func (r featureRunner) Features(x *nn.Tensor) *nn.Tensor { return r.Forward(x, Stage3) }

type boxHead struct{ *Runner }

func (r boxHead) BoxHead(dst []float32, rois *nn.Tensor) {
	top := r.Stage(rois, Stage4)
	nn.GlobalAvgPool(dst[:top.N*top.C], top, &r.scratch)
}
