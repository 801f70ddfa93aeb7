package roihead

import (
	"fmt"
	"slices"

	"github.com/shuffledet/shuffledet/boxes"
	"github.com/shuffledet/shuffledet/internal/kernels"
	"github.com/shuffledet/shuffledet/nms"
)

// MinBoxSize is the smallest side a detection keeps after clipping: torchvision's
// postprocess_detections fixes it at 1e-2.
const MinBoxSize = 1e-2

// Detections are the final detections of one image, best first. Labels are 1..K (0, the
// background, never appears).
type Detections struct {
	Boxes  []boxes.Box
	Scores []float32
	Labels []int
}

// Len returns the number of detections.
func (d Detections) Len() int { return len(d.Scores) }

// postProcessor turns box predictor outputs into detections and keeps its buffers between calls.
// It is not safe for concurrent use.
type postProcessor struct {
	cfg   Config      // the pooler's fields and the box weights are not used here
	coder boxes.Coder // from the box weights
	only  []bool      // only[j]: label j is kept (empty: every label; cfg.Labels)

	sup    nms.Suppressor
	probs  []float32
	cand   []boxes.Box
	cscore []float32
	clabel []int
	keep   []int
	out    Detections
}

// newPostProcessor returns a postProcessor with the given configuration, whose box weights
// (4, as Validate requires) make its box coder once.
func newPostProcessor(cfg Config) *postProcessor {
	p := &postProcessor{}
	p.configure(cfg)
	return p
}

// configure makes the postProcessor follow cfg from its next run on, keeping its buffers (so
// that a Runner's thresholds and classes change between images with nothing allocated).
func (p *postProcessor) configure(cfg Config) {
	w := cfg.BBoxRegWeights
	p.cfg, p.coder = cfg, boxes.NewCoder(w[0], w[1], w[2], w[3])
	p.only = p.only[:0]
	if len(cfg.Labels) > 0 {
		n := slices.Max(cfg.Labels) + 1
		p.only = slices.Grow(p.only, n)[:n]
		clear(p.only)
		for _, j := range cfg.Labels {
			p.only[j] = true
		}
	}
}

// run post-processes the predictions for the proposals of one image with the results of
// RoIHeads.postprocess_detections: softmax the class logits, keep scores > ScoreThresh (the
// background column dropped, proposal-major and class-minor), decode those boxes with the box
// coder and clip them to imageH x imageW (the resized image before padding), drop boxes with a
// side < MinBoxSize, per-class NMS, keep the best DetectionsPerImg (of cfg.Labels' classes only,
// when it names some: the others are dropped with the low scores). torchvision decodes every
// proposal once per class before the threshold; a box the threshold drops changes nothing.
//
// classLogits is [P, numClasses] and boxRegression [P, 4*numClasses] (row-major), where P is
// len(proposals) and numClasses = K+1 counts the background. The returned slices belong to the
// postProcessor and stay valid until the next call. Inconsistent lengths give an error.
func (p *postProcessor) run(classLogits, boxRegression []float32, proposals []boxes.Box, numClasses, imageH, imageW int) (Detections, error) {
	cfg := p.cfg
	np := len(proposals)
	if numClasses < 1 {
		return Detections{}, fmt.Errorf("roihead: numClasses %d, want >= 1 (background included)", numClasses)
	}
	if len(classLogits) != np*numClasses {
		return Detections{}, fmt.Errorf("roihead: class logits have %d values, want %d proposals x %d classes = %d", len(classLogits), np, numClasses, np*numClasses)
	}
	if len(boxRegression) != 4*np*numClasses {
		return Detections{}, fmt.Errorf("roihead: box regression has %d values, want %d", len(boxRegression), 4*np*numClasses)
	}
	coder := p.coder
	fw, fh := float32(imageW), float32(imageH)
	thresh := float32(cfg.ScoreThresh)
	if cap(p.probs) < numClasses {
		p.probs = make([]float32, numClasses)
	}
	probs := p.probs[:numClasses]
	p.cand, p.cscore, p.clabel = p.cand[:0], p.cscore[:0], p.clabel[:0]
	for i, prop := range proposals {
		softmax(probs, classLogits[i*numClasses:(i+1)*numClasses])
		reg := boxRegression[i*4*numClasses : (i+1)*4*numClasses]
		for j := 1; j < numClasses; j++ {
			s := probs[j]
			if !(s > thresh) || len(p.only) > 0 && (j >= len(p.only) || !p.only[j]) {
				continue
			}
			d := reg[4*j : 4*j+4]
			b := coder.Decode(prop, d[0], d[1], d[2], d[3]).Clip(fw, fh)
			if !b.IsLarge(MinBoxSize) {
				continue
			}
			p.cand = append(p.cand, b)
			p.cscore = append(p.cscore, s)
			p.clabel = append(p.clabel, j)
		}
	}
	out := Detections{Boxes: p.out.Boxes[:0], Scores: p.out.Scores[:0], Labels: p.out.Labels[:0]}
	// DetectionsPerImg is at least 1 (Config.Validate).
	p.keep = p.sup.Batched(p.keep[:0], p.cand, p.cscore, p.clabel, cfg.NMSThresh, cfg.DetectionsPerImg)
	for _, k := range p.keep {
		out.Boxes = append(out.Boxes, p.cand[k])
		out.Scores = append(out.Scores, p.cscore[k])
		out.Labels = append(out.Labels, p.clabel[k])
	}
	p.out = out
	return out, nil
}

// softmax writes softmax(x) to dst in float32 as torch's CPU kernel for the last dimension does:
// e = exp(x - max) with torch's exp (kernels.Exp), sum(e) accumulated in 8 lanes as its AVX2
// code does, then e * (1 / sum).
func softmax(dst, x []float32) {
	m := x[0]
	for _, v := range x[1:] {
		if v > m || v != v {
			m = v
		}
	}
	dst = dst[:len(x)]
	for i, v := range x {
		dst[i] = v - m
	}
	kernels.Exp(dst, dst)
	inv := 1 / laneSum(dst)
	for i := range dst {
		dst[i] *= inv
	}
}

// lanes is the float32 vector width of the AVX2 kernels torch's reductions are written for.
const lanes = 8

// laneSum adds x in the order of torch's vec::reduce_all on AVX2: lane l accumulates x[l],
// x[l+8], ... (a trailing partial vector adds into the first lanes only), then the lanes are
// folded by halving shuffles; fewer than 8 values are added one after another.
func laneSum(x []float32) float32 {
	var acc [lanes]float32
	n := len(x)
	if n < lanes {
		copy(acc[:], x)
		return fold(acc, n)
	}
	copy(acc[:], x[:lanes])
	d := lanes
	for ; d+lanes <= n; d += lanes {
		for l := range acc {
			acc[l] += x[d+l]
		}
	}
	for l := 0; d+l < n; l++ {
		acc[l] += x[d+l]
	}
	// 128-bit, 64-bit, then 32-bit shuffles: lane 0 ends up with this sum.
	return ((acc[0] + acc[4]) + (acc[2] + acc[6])) + ((acc[1] + acc[5]) + (acc[3] + acc[7]))
}

// fold adds the first n lanes one after another, as the scalar fallback of vec_reduce_all.
func fold(acc [lanes]float32, n int) float32 {
	s := acc[0]
	for l := 1; l < n; l++ {
		s += acc[l]
	}
	return s
}

// toOriginal maps detection boxes in place from the resized image (resizedH x resizedW, before
// padding) back to the original image, as GeneralizedRCNNTransform.postprocess does with
// torchvision's transform.resize_boxes: ratio = float32(orig)/float32(resized) per axis, then
// multiply. A zero resized size gives +Inf or NaN coordinates, like torch.
func toOriginal(bs []boxes.Box, resizedH, resizedW, origH, origW int) {
	rh := float32(origH) / float32(resizedH)
	rw := float32(origW) / float32(resizedW)
	for i := range bs {
		b := &bs[i]
		b.X1 *= rw
		b.X2 *= rw
		b.Y1 *= rh
		b.Y2 *= rh
	}
}
