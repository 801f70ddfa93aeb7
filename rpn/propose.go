package rpn

import (
	"fmt"
	"math"
	"slices"

	"github.com/shuffledet/shuffledet/boxes"
	"github.com/shuffledet/shuffledet/nms"
)

// proposer is torchvision's RegionProposalNetwork.filter_proposals after decoding, for one image.
// It keeps its buffers between calls: after the first frame of a given size it does not allocate.
type proposer struct {
	// cfg is read on every call and may be changed between calls.
	cfg Config

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

// newProposer returns a proposer with the given configuration.
func newProposer(cfg Config) *proposer {
	return &proposer{cfg: cfg, coder: boxes.NewCoder(1, 1, 1, 1)}
}

// propose computes the proposals of one image.
//
// objectness is the objectness conv output, A x featH x featW (channel-major, as the 1x1 conv
// writes it); deltas is the box conv output, 4A x featH x featW, channel a*4+c holding
// coordinate c (dx, dy, dw, dh) of anchor a. anchors holds featH*featW*A boxes in
// anchors.Grid order. imageH and imageW are the size of the resized image before padding (what
// torchvision calls image_sizes): proposals are clipped to it.
//
// It returns the proposals and their sigmoid scores, best first. The slices belong to the
// proposer and stay valid until the next call. Inconsistent lengths give an error; an empty
// feature map gives no proposals.
func (p *proposer) propose(objectness, deltas []float32, anchors []boxes.Box, numAnchors, featH, featW, imageH, imageW int) ([]boxes.Box, []float32, error) {
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
	cfg := p.cfg

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
