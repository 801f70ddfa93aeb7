// Package backbone defines what a detector needs from the network under it, its trunk: a feature
// map at stride 16 for the region proposal network and the RoI pooler, and a box head that turns
// each pooled RoI into a vector for the box predictor (Faster R-CNN's C4 layout, where the
// trunk's last stage is the box head). ShuffleNet v1 (backbone/shufflenet) implements it; a new
// backbone implements Trunk and plugs into detector.NewModel without touching other packages.
//
// Errors: a Trunk is built (and its weights checked) by its own package, which returns errors
// there; afterwards nothing fails. A Runner is given inputs of the documented shapes by the
// detector, and may panic on others, as nn's layers do.
package backbone

import (
	"github.com/shuffledet/shuffledet/nn"
	"github.com/shuffledet/shuffledet/parallel"
)

// FeatureStride is the stride, in input pixels, of the feature map a Trunk gives the detector.
const FeatureStride = 16

// Trunk is a detector's backbone network with read-only weights, shared by every goroutine; each
// runs it through its own Runner.
type Trunk interface {
	// Name names the architecture, e.g. "shufflenet-g3-1.0x".
	Name() string
	// FeatureChannels is the number of channels of the stride-16 feature map.
	FeatureChannels() int
	// HeadChannels is the length of the vector the box head gives each RoI.
	HeadChannels() int
	// NewRunner returns a Runner with its own buffers that splits its work over pool (nil: one
	// thread); the results must not depend on pool's thread count.
	NewRunner(pool *parallel.Pool) Runner
	// NewBoxHead returns a BoxHead with its own buffers that runs on its caller's thread: the
	// detector runs one per thread, each on its own RoIs.
	NewBoxHead() BoxHead
	// FeatureCost is the cost of Features on an h x w input (named "backbone").
	FeatureCost(h, w int) nn.Cost
	// HeadCost is the cost of BoxHead on one size x size RoI (named "box_head").
	HeadCost(size int) nn.Cost
}

// Runner runs a Trunk's features for one goroutine at a time, owning its buffers so that
// repeated calls with the same sizes allocate nothing.
type Runner interface {
	// Features runs the trunk on x, [1, 3, H, W], and returns the stride-16 feature map
	// [1, FeatureChannels, ceil(H/16), ceil(W/16)], owned by the Runner and valid until its next
	// Features call.
	Features(x *nn.Tensor) *nn.Tensor
}

// BoxHead runs a Trunk's box head for one goroutine at a time, on that goroutine alone, owning
// its buffers so that repeated calls with the same sizes allocate nothing.
type BoxHead interface {
	// BoxHead runs the box head on rois, [N, FeatureChannels, S, S] in either layout, and writes
	// N x HeadChannels values (row-major) into dst.
	BoxHead(dst []float32, rois *nn.Tensor)
}
