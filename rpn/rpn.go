// Package rpn turns the raw outputs of the region proposal network head for one image into
// proposals, exactly as torchvision 0.14's RegionProposalNetwork does at inference (decode with
// weights (1, 1, 1, 1), then filter_proposals): per-anchor top-k on the objectness logits,
// sigmoid, clip to the image, drop small and low-scoring boxes, NMS, keep the best.
//
// The head's convolutions run elsewhere; this package starts from their output tensors.
package rpn

import (
	"fmt"
	"math"
	"slices"

	"github.com/shuffledet/shuffledet/anchors"
	"github.com/shuffledet/shuffledet/boxes"
	"github.com/shuffledet/shuffledet/nms"
)

// Config configures the region proposal network: its head's width, its anchors and the
// test-time proposal parameters (torchvision's rpn_*_test arguments). The JSON and YAML keys are
// those of a model file's rpn section. Thresholds are float64 like the Python floats torchvision
// takes; each is rounded where torchvision compares it with float32 values.
type Config struct {
	// Channels is the width of the head's 3x3 conv (256).
	Channels int `json:"channels" yaml:"channels"`
	// AnchorSizes are the anchors' square-root areas in input pixels (32, 64, 128, 256, 512).
	AnchorSizes []float32 `json:"anchor_sizes" yaml:"anchor_sizes"`
	// AspectRatios are the anchors' height / width ratios (0.5, 1, 2).
	AspectRatios []float32 `json:"aspect_ratios" yaml:"aspect_ratios"`
	// PreNMSTopN is how many anchors, by objectness, are decoded and filtered (6000).
	PreNMSTopN int `json:"pre_nms_top_n" yaml:"pre_nms_top_n"`
	// PostNMSTopN is how many proposals survive NMS at most (300).
	PostNMSTopN int `json:"post_nms_top_n" yaml:"post_nms_top_n"`
	// NMSThresh is the IoU above which a lower-scoring proposal is suppressed (0.7).
	NMSThresh float64 `json:"nms_thresh" yaml:"nms_thresh"`
	// ScoreThresh drops proposals whose sigmoid score is below it (0.0; kept when >=).
	ScoreThresh float64 `json:"score_thresh" yaml:"score_thresh"`
	// MinBoxSize drops proposals with a side shorter than it after clipping (1e-3).
	MinBoxSize float64 `json:"min_box_size" yaml:"min_box_size"`
}

// DefaultConfig returns the paper-era C4 detector's RPN: 256 channels, the default anchors, and
// the test-time values 6000 / 300 / 0.7 / 0.0 / 1e-3.
func DefaultConfig() Config {
	return Config{Channels: 256,
		AnchorSizes: slices.Clone(anchors.DefaultSizes), AspectRatios: slices.Clone(anchors.DefaultRatios),
		PreNMSTopN: 6000, PostNMSTopN: 300, NMSThresh: 0.7, ScoreThresh: 0, MinBoxSize: 1e-3}
}

// NumAnchors returns the anchors per feature-map location: sizes x aspect ratios.
func (c *Config) NumAnchors() int { return len(c.AnchorSizes) * len(c.AspectRatios) }

// Validate reports values that would break the RPN.
func (c *Config) Validate() error {
	switch {
	case c.Channels <= 0 || c.Channels > 4096:
		return fmt.Errorf("rpn: channels %d out of range (1..4096)", c.Channels)
	case len(c.AnchorSizes) == 0 || len(c.AspectRatios) == 0:
		return fmt.Errorf("rpn: needs anchor sizes and aspect ratios")
	case c.PreNMSTopN <= 0 || c.PostNMSTopN <= 0:
		return fmt.Errorf("rpn: pre_nms_top_n %d and post_nms_top_n %d must be positive", c.PreNMSTopN, c.PostNMSTopN)
	}
	for _, v := range []float64{c.NMSThresh, c.ScoreThresh, c.MinBoxSize} {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return fmt.Errorf("rpn: threshold %g is not a finite non-negative number", v)
		}
	}
	for _, v := range slices.Concat(c.AnchorSizes, c.AspectRatios) {
		if !(v > 0 && v <= math.MaxFloat32) {
			return fmt.Errorf("rpn: anchor sizes and aspect ratios must be finite and positive, found %g", v)
		}
	}
	return nil
}

// Proposer generates proposals and keeps its buffers between calls: after the first frame of a
// given size it does not allocate. It is not safe for concurrent use.
type Proposer struct {
	// Config is read on every call and may be changed between calls.
	Config Config

	coder  boxes.Coder
	sup    nms.Suppressor
	top    []scored
	cand   []boxes.Box
	cscore []float32
	keep   []int
	levels []int // feature level of each candidate: all 0 (one level)
	boxes  []boxes.Box
	scores []float32
}

// NewProposer returns a Proposer with the given configuration.
func NewProposer(cfg Config) *Proposer {
	return &Proposer{Config: cfg, coder: boxes.NewCoder(1, 1, 1, 1)}
}

// Propose computes the proposals of one image.
//
// objectness is the objectness conv output, A x featH x featW (channel-major, as the 1x1 conv
// writes it); deltas is the box conv output, 4A x featH x featW, channel a*4+c holding
// coordinate c (dx, dy, dw, dh) of anchor a. anchors holds featH*featW*A boxes in
// anchors.Grid order. imageH and imageW are the size of the resized image before padding (what
// torchvision calls image_sizes): proposals are clipped to it.
//
// It returns the proposals and their sigmoid scores, best first. The slices belong to the
// Proposer and stay valid until the next call. Inconsistent lengths give an error; an empty
// feature map gives no proposals.
func (p *Proposer) Propose(objectness, deltas []float32, anchors []boxes.Box, numAnchors, featH, featW, imageH, imageW int) ([]boxes.Box, []float32, error) {
	if p.coder.Weights == [4]float32{} {
		p.coder = boxes.NewCoder(1, 1, 1, 1)
	}
	if numAnchors < 0 || featH < 0 || featW < 0 {
		return nil, nil, fmt.Errorf("rpn: negative dimensions A=%d H=%d W=%d", numAnchors, featH, featW)
	}
	hw := featH * featW
	n := numAnchors * hw
	if len(objectness) != n {
		return nil, nil, fmt.Errorf("rpn: objectness has %d values, want A*H*W = %d*%d*%d = %d", len(objectness), numAnchors, featH, featW, n)
	}
	if len(deltas) != 4*n {
		return nil, nil, fmt.Errorf("rpn: deltas have %d values, want 4*A*H*W = %d", len(deltas), 4*n)
	}
	if len(anchors) != n {
		return nil, nil, fmt.Errorf("rpn: %d anchors, want H*W*A = %d", len(anchors), n)
	}
	p.boxes, p.scores = p.boxes[:0], p.scores[:0]
	if n == 0 {
		return p.boxes, p.scores, nil
	}
	cfg := p.Config

	// Top-k by logit over the flattened (H, W, A) order of concat_box_prediction_layers.
	p.top = p.top[:0]
	for loc := 0; loc < hw; loc++ {
		for a := 0; a < numAnchors; a++ {
			p.top = append(p.top, scored{objectness[a*hw+loc], int32(loc*numAnchors + a)})
		}
	}
	k := min(max(cfg.PreNMSTopN, 0), n)
	selectTop(p.top, k)
	top := p.top[:k]
	slices.SortFunc(top, order)

	// Decode, sigmoid, clip, remove small, threshold.
	fw, fh := float32(imageW), float32(imageH)
	st := float32(cfg.ScoreThresh)
	p.cand, p.cscore = p.cand[:0], p.cscore[:0]
	vecEnd := k - k%16
	for j, t := range top {
		i := int(t.i)
		loc, a := i/numAnchors, i%numAnchors
		d := deltas[a*4*hw+loc:]
		b := p.coder.Decode(anchors[i], d[0], d[hw], d[2*hw], d[3*hw]).Clip(fw, fh)
		if !b.IsLarge(cfg.MinBoxSize) {
			continue
		}
		s := sigmoid(t.v, j < vecEnd)
		if !(s >= st) {
			continue
		}
		p.cand = append(p.cand, b)
		p.cscore = append(p.cscore, s)
	}

	// torchvision runs batched_nms over the feature levels even with one level: the same boxes
	// as plain NMS, but above nms.CoordinateTrickMax boxes in the order of torch's unstable
	// CPU sort (libstdc++'s std::sort introsort, reproduced in nms/torchsort.go), which decides
	// ties (common: the float32 sigmoid saturates near 1).
	limit := cfg.PostNMSTopN
	if limit <= 0 {
		return p.boxes, p.scores, nil
	}
	if cap(p.levels) < len(p.cand) {
		p.levels = make([]int, len(p.cand))
	}
	p.levels = p.levels[:len(p.cand)]
	p.keep = p.sup.Batched(p.keep[:0], p.cand, p.cscore, p.levels, cfg.NMSThresh, limit)
	for _, i := range p.keep {
		p.boxes = append(p.boxes, p.cand[i])
		p.scores = append(p.scores, p.cscore[i])
	}
	return p.boxes, p.scores, nil
}

// sigmoid is torch's float32 sigmoid, 1 / (1 + exp(-x)), rounding after each step. torch's
// vectorized loop runs over blocks of 16 values with its SIMD exp (boxes.Exp) and finishes the
// last len%16 values with the C library's expf (correctly rounded here); vec says which applies.
func sigmoid(x float32, vec bool) float32 {
	var e float32
	if vec {
		e = boxes.Exp(-x)
	} else {
		e = float32(math.Exp(-float64(x)))
	}
	return 1 / (1 + e)
}

// scored is an objectness logit and its flat anchor index.
type scored struct {
	v float32
	i int32
}

// before is the strict total order of the top-k: larger logit first (NaN first, as torch's topk
// treats NaN as the largest value), equal logits by lower index.
func before(a, b scored) bool {
	an, bn := a.v != a.v, b.v != b.v
	switch {
	case an != bn:
		return an
	case !an && a.v != b.v:
		return a.v > b.v
	}
	return a.i < b.i
}

func order(a, b scored) int {
	if before(a, b) {
		return -1
	}
	if before(b, a) {
		return 1
	}
	return 0
}

// selectTop reorders a so that a[:k] holds its k first elements under before (in no particular
// order): quickselect with median-of-three pivots.
func selectTop(a []scored, k int) {
	lo, hi := 0, len(a)
	if k <= 0 || k >= hi {
		return
	}
	for hi-lo > 12 {
		mid := lo + (hi-lo)/2
		if before(a[mid], a[lo]) {
			a[mid], a[lo] = a[lo], a[mid]
		}
		if before(a[hi-1], a[lo]) {
			a[hi-1], a[lo] = a[lo], a[hi-1]
		}
		if before(a[hi-1], a[mid]) {
			a[hi-1], a[mid] = a[mid], a[hi-1]
		}
		pv := a[mid]
		i, j := lo, hi-1
		for i <= j {
			for before(a[i], pv) {
				i++
			}
			for before(pv, a[j]) {
				j--
			}
			if i <= j {
				a[i], a[j] = a[j], a[i]
				i++
				j--
			}
		}
		// a[lo..j] precede or equal the pivot, a[i..hi) follow or equal it, a(j..i) equal it.
		switch {
		case k <= j+1:
			hi = j + 1
		case k >= i:
			lo = i
		default:
			return
		}
	}
	slices.SortFunc(a[lo:hi], order)
}
