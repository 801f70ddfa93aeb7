package rpn

import (
	"fmt"
	"math"

	"github.com/shuffledet/shuffledet/boxes"
	"github.com/shuffledet/shuffledet/internal/kernels"
	"github.com/shuffledet/shuffledet/nms"
	"github.com/shuffledet/shuffledet/parallel"
)

// proposer is torchvision's RegionProposalNetwork.filter_proposals after decoding, for one image.
// It keeps its buffers between calls: after the first frame of a given size it does not allocate.
type proposer struct {
	// cfg is read on every call and may be changed between calls.
	cfg Config

	coder  boxes.Coder
	sup    nms.Suppressor
	pool   *parallel.Pool // decodes the top-k over its threads (nil: on the caller)
	topk   nms.TopK       // torch's top-k over the logits in (H, W, A) order, its order among equal ones included
	top    []int32        // the top-k's anchor indices, in that order
	dec    decodeTask
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
	if n > math.MaxInt32 {
		return nil, nil, fmt.Errorf("rpn: %d anchors, more than an anchor index holds (2^31-1)", n)
	}
	p.boxes, p.scores = p.boxes[:0], p.scores[:0]
	if n == 0 {
		return p.boxes, p.scores, nil
	}
	cfg := p.cfg

	// Top-k by logit over the flattened (H, W, A) order of concat_box_prediction_layers, in the
	// order of torch's topk: equal logits (a uniform region of the frame, such as black bars, gives
	// many) are ordered by its selection algorithm, not by index, and that order decides which of
	// them make the cut and which wins in NMS.
	p.topk.Reset(n)
	for a := 0; a < numAnchors; a++ {
		for loc, v := range objectness[a*hw : (a+1)*hw] {
			p.topk.Put(loc*numAnchors+a, v)
		}
	}
	p.top = p.topk.Indices(p.top[:0], cfg.PreNMSTopN)
	top, k := p.top, len(p.top)

	// Decode, sigmoid, clip, remove small, threshold: each of the top k on its own, split over
	// the pool, then the survivors in rank order.
	p.dec.set(p, top, objectness, deltas, anchors, numAnchors, hw, imageH, imageW)
	p.pool.Run((k+decodeBlock-1)/decodeBlock, &p.dec)
	p.cand, p.cscore = p.cand[:0], p.cscore[:0]
	for j, ok := range p.dec.ok {
		if ok {
			p.cand = append(p.cand, p.dec.box[j])
			p.cscore = append(p.cscore, p.dec.score[j])
		}
	}
	p.dec.release()

	// torchvision runs batched_nms over the feature levels even with one level: the same boxes
	// as plain NMS, but above nms.CoordinateTrickMax boxes in the order of torch's unstable
	// CPU sort (libstdc++'s std::sort introsort, reproduced in nms/torchsort.go), which decides
	// ties (common: the float32 sigmoid saturates near 1).
	limit := cfg.PostNMSTopN // at least 1: Config.Validate
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

// decodeBlock is how many of the top k one chunk of the decoding loop takes.
const decodeBlock = 256

// decodeTask is propose's decoding as a loop over blocks of the top k: rank j's box, score and
// whether it survives the size and score filters, computed from j alone, so the result does not
// depend on the thread count.
type decodeTask struct {
	top                []int32 // anchor indices, best first
	objectness, deltas []float32
	anchors            []boxes.Box
	coder              boxes.Coder
	numAnchors, hw     int
	imageW, imageH     float32
	minSize            float64
	scoreThresh        float32
	box                []boxes.Box // by rank
	score              []float32
	ok                 []bool
}

// set prepares the loop over top (anchor indices, best first) and sizes its outputs.
func (t *decodeTask) set(p *proposer, top []int32, objectness, deltas []float32, anchors []boxes.Box, numAnchors, hw, imageH, imageW int) {
	k := len(top)
	if cap(t.box) < k {
		t.box, t.score, t.ok = make([]boxes.Box, k), make([]float32, k), make([]bool, k)
	}
	*t = decodeTask{
		top: top, objectness: objectness, deltas: deltas, anchors: anchors, coder: p.coder,
		numAnchors: numAnchors, hw: hw, imageW: float32(imageW), imageH: float32(imageH),
		minSize: p.cfg.MinBoxSize, scoreThresh: float32(p.cfg.ScoreThresh),
		box: t.box[:k], score: t.score[:k], ok: t.ok[:k],
	}
}

// release drops the references to the caller's data, keeping the output buffers.
func (t *decodeTask) release() {
	*t = decodeTask{box: t.box[:0], score: t.score[:0], ok: t.ok[:0]}
}

// Run decodes ranks [lo, hi) blocks.
func (t *decodeTask) Run(_, lo, hi int) {
	k := len(t.top)
	vecEnd := k - k%16
	for j := lo * decodeBlock; j < min(hi*decodeBlock, k); j++ {
		i := int(t.top[j])
		loc, a := i/t.numAnchors, i%t.numAnchors
		d := t.deltas[a*4*t.hw+loc:]
		b := t.coder.Decode(t.anchors[i], d[0], d[t.hw], d[2*t.hw], d[3*t.hw]).Clip(t.imageW, t.imageH)
		s := sigmoid(t.objectness[a*t.hw+loc], j < vecEnd)
		t.box[j], t.score[j] = b, s
		t.ok[j] = b.IsLarge(t.minSize) && s >= t.scoreThresh
	}
}

// sigmoid is torch's float32 sigmoid, 1 / (1 + exp(-x)), rounding after each step. torch's
// vectorized loop runs over blocks of 16 values with its SIMD exp (kernels.Exp1) and finishes the
// last len%16 values with the C library's expf (kernels.Expf, glibc's to the bit: not correctly
// rounded); vec says which applies.
func sigmoid(x float32, vec bool) float32 {
	var e float32
	if vec {
		e = kernels.Exp1(-x)
	} else {
		e = kernels.Expf(-x)
	}
	return 1 / (1 + e)
}
