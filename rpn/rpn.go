// Package rpn is the region proposal network of a Faster R-CNN, as torchvision 0.14's
// RegionProposalNetwork runs it at inference: the head (RPNHead: a 3x3 conv with ReLU, then 1x1
// convs to A objectness logits and 4A box deltas per feature-map location), the anchors
// (anchors.Generator), and the proposals: one top-k over all H*W*A anchors' objectness logits, decode with
// weights (1, 1, 1, 1), sigmoid, clip to the image, drop small and low-scoring boxes, NMS, keep
// the best.
//
// A Head holds the read-only weights and is shared; each goroutine turns feature maps into
// proposals through its own Runner.
//
// Errors: weights and configurations that do not fit, and a feature map of the wrong shape given
// to Forward, are returned as errors. Predict, a step of Forward, trusts its caller with the
// shape, as nn's layers do: a map of another width is a programmer error and panics.
package rpn

import (
	"fmt"
	"slices"

	"github.com/shuffledet/shuffledet/anchors"
	"github.com/shuffledet/shuffledet/boxes"
	"github.com/shuffledet/shuffledet/nn"
	"github.com/shuffledet/shuffledet/parallel"
)

// Head is the RPN head's weights for a feature map of a given width.
type Head struct {
	cfg        Config
	conv       *nn.Conv // 3x3, ReLU
	objectness *nn.Conv // 1x1 -> A logits
	deltas     *nn.Conv // 1x1 -> 4A box deltas
}

// LoadHead loads the head that cfg describes for a feature map of inChannels channels from the
// tensors rpn.head.conv, rpn.head.cls_logits and rpn.head.bbox_pred (weight and bias each).
func LoadHead(w nn.Weights, cfg Config, inChannels int) (*Head, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	a := cfg.NumAnchors()
	h := &Head{cfg: cfg}
	var err error
	if h.conv, err = nn.LoadConv(w, "rpn.head.conv", inChannels, cfg.Channels, 3, 1, 1, 1, nn.ReLU); err != nil {
		return nil, err
	}
	if h.objectness, err = nn.LoadConv(w, "rpn.head.cls_logits", cfg.Channels, a, 1, 1, 0, 1, nn.Identity); err != nil {
		return nil, err
	}
	if h.deltas, err = nn.LoadConv(w, "rpn.head.bbox_pred", cfg.Channels, 4*a, 1, 1, 0, 1, nn.Identity); err != nil {
		return nil, err
	}
	return h, nil
}

// Cost is the head's cost on a featH x featW map (the proposals' is not counted).
func (h *Head) Cost(featH, featW int) nn.Cost {
	hw := int64(featH * featW)
	var c nn.Cost
	for _, l := range []*nn.Conv{h.conv, h.objectness, h.deltas} {
		p := int64(len(l.Weight) + len(l.Bias))
		c.MACs += hw * int64(len(l.Weight))
		c.Params += p
	}
	c.Name, c.OutC, c.OutH, c.OutW = "rpn", h.objectness.OutC+h.deltas.OutC, featH, featW
	return c
}

// NewRunner returns a Runner of the head with the proposal settings of cfg, which must describe
// the head's own width and anchor count (only the top-n values and thresholds may differ from
// the ones it was loaded with).
func (h *Head) NewRunner(cfg Config) (*Runner, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Channels != h.cfg.Channels || cfg.NumAnchors() != h.cfg.NumAnchors() {
		return nil, fmt.Errorf("rpn: %d channels and %d anchors per location, the head has %d and %d",
			cfg.Channels, cfg.NumAnchors(), h.cfg.Channels, h.cfg.NumAnchors())
	}
	return &Runner{head: h, anchors: anchors.NewGenerator(cfg.AnchorSizes, cfg.AspectRatios), proposer: newProposer(cfg)}, nil
}

// PrepareProposalSettings checks cfg for the Runner and returns the function that makes it
// propose the next images with cfg's PreNMSTopN, PostNMSTopN, NMSThresh, ScoreThresh and
// MinBoxSize, keeping every buffer (more proposals than any before grow them once, at the next
// image). cfg's channels and anchors must be the ones the Runner was made with. Nothing changes
// until set is called, so that a caller changing several runners checks them all first.
func (r *Runner) PrepareProposalSettings(cfg Config) (set func(), err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	own := r.proposer.cfg
	if cfg.Channels != own.Channels || !slices.Equal(cfg.AnchorSizes, own.AnchorSizes) || !slices.Equal(cfg.AspectRatios, own.AspectRatios) {
		return nil, fmt.Errorf("rpn: %d channels, anchor sizes %v and aspect ratios %v; the Runner has %d, %v and %v",
			cfg.Channels, cfg.AnchorSizes, cfg.AspectRatios, own.Channels, own.AnchorSizes, own.AspectRatios)
	}
	cfg.AnchorSizes, cfg.AspectRatios = own.AnchorSizes, own.AspectRatios // (not the caller's slices)
	return func() { r.proposer.cfg = cfg }, nil
}

// Runner turns one image's feature map into proposals. It owns its buffers, so that after the
// first frame of a given size it does not allocate, and is for one goroutine at a time.
type Runner struct {
	head                       *Head
	anchors                    *anchors.Generator
	proposer                   *proposer
	scratch                    nn.Scratch
	hidden, objectness, deltas nn.Tensor
}

// SetPool makes the head's convolutions and the decoding of the proposals split their work over p
// (nil: one thread). Results do not depend on p's thread count.
func (r *Runner) SetPool(p *parallel.Pool) {
	r.scratch.SetPool(p)
	r.proposer.pool = p
}

// Predict runs the head on feat, [1, C, H, W], and returns its outputs: the objectness logits
// [1, A, H, W] and the box deltas [1, 4A, H, W] (channel a*4+c holds coordinate c, dx dy dw dh,
// of anchor a). They belong to the Runner and stay valid until its next call.
func (r *Runner) Predict(feat *nn.Tensor) (objectness, deltas *nn.Tensor) {
	h := r.head
	r.hidden.Resize(1, h.conv.OutC, feat.H, feat.W)
	h.conv.Forward(&r.hidden, 0, feat, nil, &r.scratch)
	r.objectness.Resize(1, h.objectness.OutC, feat.H, feat.W)
	h.objectness.Forward(&r.objectness, 0, &r.hidden, nil, &r.scratch)
	r.deltas.Resize(1, h.deltas.OutC, feat.H, feat.W)
	h.deltas.Forward(&r.deltas, 0, &r.hidden, nil, &r.scratch)
	return &r.objectness, &r.deltas
}

// Forward returns the proposals, best first, of the image whose feature map is feat
// ([1, C, H, W], the head's width): paddedH x paddedW is the network input the map was computed
// from (the anchors' strides derive from it, as torchvision's AnchorGenerator does) and
// resizedH x resizedW the resized image within it before padding (proposals are clipped to it).
// The boxes are in resized-image pixels, belong to the Runner and stay valid until its next call.
func (r *Runner) Forward(feat *nn.Tensor, paddedH, paddedW, resizedH, resizedW int) ([]boxes.Box, error) {
	if feat.N != 1 || feat.C != r.head.conv.InC || !feat.Consistent() {
		return nil, fmt.Errorf("rpn: feature map %v holding %d values, want [1, %d, H, W] holding C*H*W", feat.Shape(), len(feat.Data), r.head.conv.InC)
	}
	obj, del := r.Predict(feat)
	if !nn.Finite(obj.Data) || !nn.Finite(del.Data) {
		return nil, fmt.Errorf("rpn: its head's output holds NaN or infinite values: %w", nn.ErrOverflow)
	}
	grid := r.anchors.ForImage(paddedH, paddedW, feat.H, feat.W)
	props, _, err := r.proposer.propose(obj.Data, del.Data, grid, obj.C, feat.H, feat.W, resizedH, resizedW)
	return props, err
}
