// Package roihead is the box branch of a Faster R-CNN, as torchvision 0.14's RoIHeads runs it at
// inference in the C4 layout: the pooler (MultiScaleRoIAlign on the one stride-16 map: RoIAlign,
// not aligned, at scale 1/16, which torchvision infers from its first batch), the box head (the
// trunk's last stage, supplied by the trunk as a BoxHead), the box predictor (FastRCNNPredictor:
// class logits and class-specific box deltas) and the post-processing
// (postprocess_detections, then the transform's resize of the boxes to the original image).
//
// A Predictor holds the read-only weights and is shared; each goroutine runs the branch through
// its own Runner.
//
// Errors: weights and configurations that do not fit, inputs of inconsistent sizes and RoIs whose
// adaptive sampling grid is too large are returned as errors. The BoxHead is trusted with the
// pooled RoIs' shape, as nn's layers are.
package roihead

import (
	"fmt"
	"slices"

	"github.com/shuffledet/shuffledet/backbone"
	"github.com/shuffledet/shuffledet/boxes"
	"github.com/shuffledet/shuffledet/nn"
	"github.com/shuffledet/shuffledet/parallel"
)

// BoxHead is the network run on the pooled RoIs; a detector's trunk supplies one per thread
// (backbone.BoxHead), each with its own buffers and run by one goroutine at a time.
type BoxHead interface {
	// BoxHead runs on rois, [N, C, S, S] in either layout (the Runner passes nn.CNHW), and writes
	// one vector per RoI into dst (N rows), on the calling goroutine alone.
	BoxHead(dst []float32, rois *nn.Tensor)
}

// Predictor is the box predictor's weights: fully connected layers from the box head's vector to
// the class logits (background first) and the class-specific box deltas.
type Predictor struct {
	classes, deltas *nn.Linear
}

// LoadPredictor loads the predictor for box head vectors of inChannels values and numClasses
// classes, the background included, from the tensors roi_heads.box_predictor.cls_score and
// roi_heads.box_predictor.bbox_pred (weight and bias each).
func LoadPredictor(w nn.Weights, inChannels, numClasses int) (*Predictor, error) {
	if inChannels <= 0 || numClasses < 1 {
		return nil, fmt.Errorf("roi: box predictor for %d channels and %d classes", inChannels, numClasses)
	}
	p := &Predictor{}
	var err error
	if p.classes, err = nn.LoadLinear(w, "roi_heads.box_predictor.cls_score", inChannels, numClasses); err != nil {
		return nil, err
	}
	if p.deltas, err = nn.LoadLinear(w, "roi_heads.box_predictor.bbox_pred", inChannels, 4*numClasses); err != nil {
		return nil, err
	}
	return p, nil
}

// NumClasses returns the number of classes, the background included.
func (p *Predictor) NumClasses() int { return p.classes.Out }

// Cost is the predictor's cost on one RoI.
func (p *Predictor) Cost() nn.Cost {
	var c nn.Cost
	for _, l := range []*nn.Linear{p.classes, p.deltas} {
		c.MACs += int64(len(l.WeightT))
		c.Params += int64(len(l.WeightT) + len(l.Bias))
	}
	c.Name, c.OutC, c.OutH, c.OutW = "box_predictor", p.classes.Out+p.deltas.Out, 1, 1
	return c
}

// roisPerChunk is how many RoIs a thread takes through RoIAlign and the box head at a time, in
// its own buffers and with its own box head: the pooled RoIs and the box head's activations are
// held for one chunk per thread, not for all proposals (300 RoIs of 1x g3's 480 x 14 x 14 values
// would be 113 MB). Four RoIs keep a chunk's activations (1.5 MB at 1x) near the core's caches:
// the 1x detector at 600 ran 1.06x faster than with 16 in paired runs on an idle machine and
// peaked 12 MB lower, and with another process on the same core stage 4 took 0.86x the time per
// RoI (BenchmarkBoxHead; idle, 4 and 16 cost the same per RoI there). A chunk is pooled
// channel-major (nn.CNHW), so each 1x1 convolution of the box head is one matrix product over the
// chunk's RoIs (4 x 49 columns at 7 x 7, not 49 per product). Every value is computed the same
// whatever the chunk (kernels.SgemmEpilogue does not depend on the column block), so results do
// not depend on it or on the thread count.
//
// Each thread runs whole chunks, every layer of the box head on data it wrote itself. Splitting
// each layer of one shared chunk over the threads instead had them write neighbouring parts of the
// same cache lines (RoIAlign's planes, the products' column blocks) and read what the other core
// had just written, layer after layer: on 2 threads the 1x detector at 600 ran only 1.1x faster
// than on one (BenchmarkDetect), and RoIAlign's transposes took 4x the CPU time.
const roisPerChunk = 4

// Runner runs the box branch for one image at a time with its own buffers, so that after the
// first frame of a given size it does not allocate. It is for one goroutine at a time.
type Runner struct {
	pred                      *Predictor
	channels                  int // of the feature maps the box heads take
	newHead                   func() BoxHead
	heads                     []BoxHead   // one per thread
	rois                      []nn.Tensor // each thread's chunk of pooled RoIs
	sized                     int         // threads whose chunk and box head have their buffers
	threads                   *parallel.Pool
	align                     *align
	post                      *postProcessor
	pooled, logits, boxDeltas []float32
	scratch                   nn.Scratch // the predictor's thread pool
	task                      chunkTask
}

// NewRunner returns a Runner with the settings of cfg for feature maps of featureChannels
// channels, box heads from newHead (one per thread, each used by one goroutine at a time, taking
// RoIs of featureChannels channels; their vectors must have the predictor's input length) and the
// predictor's weights. It runs on one thread until SetPool.
func NewRunner(cfg Config, featureChannels int, newHead func() BoxHead, pred *Predictor) (*Runner, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if featureChannels < 1 {
		return nil, fmt.Errorf("roi: box head for feature maps of %d channels", featureChannels)
	}
	if err := checkLabels(cfg.Labels, pred); err != nil {
		return nil, err
	}
	a := newAlign()
	a.OutH, a.OutW, a.SamplingRatio = cfg.OutputSize, cfg.OutputSize, cfg.SamplingRatio
	r := &Runner{pred: pred, channels: featureChannels, newHead: newHead, align: a, post: newPostProcessor(cfg)}
	r.SetPool(nil)
	return r, nil
}

// checkLabels reports a label to keep that is not one of the predictor's classes.
func checkLabels(labels []int, pred *Predictor) error {
	for _, j := range labels {
		if j < 1 || j >= pred.NumClasses() {
			return fmt.Errorf("roi: label %d to keep: the predictor's classes are 1..%d", j, pred.NumClasses()-1)
		}
	}
	return nil
}

// PreparePostProcessing checks cfg for the Runner and returns the function that makes it
// post-process the next images with cfg's ScoreThresh, NMSThresh, DetectionsPerImg,
// BBoxRegWeights and Labels (its pooler's fields are not read: the pooler keeps NewRunner's),
// keeping every buffer. Nothing changes until set is called, so that a caller changing several
// runners checks them all first.
func (r *Runner) PreparePostProcessing(cfg Config) (set func(), err error) {
	cfg.OutputSize, cfg.SamplingRatio = r.align.OutH, r.align.SamplingRatio
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := checkLabels(cfg.Labels, r.pred); err != nil {
		return nil, err
	}
	return func() { r.post.configure(cfg) }, nil
}

// SetPool makes the Runner split its chunks of RoIs and the predictor's output columns over p
// (nil: one thread), with a box head of its own for each thread.
func (r *Runner) SetPool(p *parallel.Pool) {
	r.threads = p
	r.scratch.SetPool(p)
	for len(r.heads) < p.Threads() {
		r.heads = append(r.heads, r.newHead())
		r.rois = append(r.rois, nn.Tensor{})
	}
}

// Predict runs the branch up to the predictor on the proposals of one image (boxes in
// resized-image pixels) and its feature map feat, [1, C, H, W] (C the feature channels given to
// NewRunner, stride backbone.FeatureStride: RoIAlign's scale is 1/16 for every image;
// torchvision's MultiScaleRoIAlign infers it from the first batch it sees and keeps it, 1/8
// where that image is resized to under 68 rows, a 13:1 panorama, and the recipes in train/ fix
// it at 1/16 as well). It returns the class logits [P, K+1] and the box deltas
// [P, 4(K+1)] of the P proposals, which belong to the Runner and stay valid until its next call.
func (r *Runner) Predict(feat *nn.Tensor, proposals []boxes.Box) (logits, deltas []float32, err error) {
	if feat.N != 1 || feat.C != r.channels || !feat.Consistent() {
		return nil, nil, fmt.Errorf("roi: feature map %v holding %d values (want [1, %d, H, W] holding %d*H*W)", feat.Shape(), len(feat.Data), r.channels, r.channels)
	}
	a := r.align
	a.SpatialScale = 1.0 / backbone.FeatureStride
	n := len(proposals)
	in, k := r.pred.classes.In, r.pred.NumClasses()
	r.pooled = slices.Grow(r.pooled[:0], n*in)[:n*in]
	if err := a.setFeatures(feat.Data, feat.C, feat.H, feat.W); err != nil {
		return nil, nil, err
	}
	if err := a.prepare(proposals, r.threads.Threads()); err != nil {
		return nil, nil, err
	}
	r.sizeThreads()
	r.task = chunkTask{r: r, n: n}
	r.threads.Run((n+roisPerChunk-1)/roisPerChunk, &r.task)
	r.task = chunkTask{}
	r.logits = slices.Grow(r.logits[:0], n*k)[:n*k]
	r.pred.classes.Forward(r.logits, r.pooled, n, &r.scratch)
	r.boxDeltas = slices.Grow(r.boxDeltas[:0], 4*n*k)[:4*n*k]
	r.pred.deltas.Forward(r.boxDeltas, r.pooled, n, &r.scratch)
	return r.logits, r.boxDeltas, nil
}

// sizeThreads gives each thread's chunk and box head the buffers of every chunk size (1 to
// roisPerChunk RoIs), on the caller, by running the heads once on zeros: the pool's threads take
// chunks as they come free, so a thread can get none in the first frames and would otherwise
// allocate its buffers in a later one.
func (r *Runner) sizeThreads() {
	in := r.pred.classes.In
	var vec []float32
	for ; r.sized < r.threads.Threads(); r.sized++ {
		if vec == nil {
			vec = make([]float32, roisPerChunk*in)
		}
		rois := &r.rois[r.sized]
		for n := roisPerChunk; n >= 1; n-- {
			rois.Resize(n, r.channels, r.align.OutH, r.align.OutW)
			rois.Layout = nn.CNHW
			clear(rois.Data)
			r.heads[r.sized].BoxHead(vec[:n*in], rois)
		}
	}
}

// chunkTask is one Predict call's loop over chunks of RoIs: RoIAlign, then the box head, each
// chunk on one thread in that thread's buffers.
type chunkTask struct {
	r *Runner
	n int // RoIs
}

// Run takes chunks [lo, hi) through RoIAlign and worker's box head.
func (t *chunkTask) Run(worker, lo, hi int) {
	r := t.r
	in := r.pred.classes.In
	rois := &r.rois[worker]
	for ch := lo; ch < hi; ch++ {
		i0 := ch * roisPerChunk
		i1 := min(i0+roisPerChunk, t.n)
		rois.Resize(i1-i0, r.align.c, r.align.OutH, r.align.OutW)
		rois.Layout = nn.CNHW
		r.align.poolRoIs(worker, rois.Data, i0, i1, rois.Layout)
		r.heads[worker].BoxHead(r.pooled[i0*in:i1*in], rois)
	}
}

// Forward returns the detections of one image: Predict, then softmax, decoding with the box
// coder, clipping to the resizedH x resizedW image, score threshold, per-class NMS and the best
// DetectionsPerImg, with the boxes mapped to the origH x origW original image. Labels are 1..K
// (0 is the background). The slices belong to the Runner and stay valid until its next call.
func (r *Runner) Forward(feat *nn.Tensor, proposals []boxes.Box, resizedH, resizedW, origH, origW int) (Detections, error) {
	if resizedH <= 0 || resizedW <= 0 || origH <= 0 || origW <= 0 {
		return Detections{}, fmt.Errorf("roi: an image resized to %dx%d from %dx%d", resizedW, resizedH, origW, origH)
	}
	if len(proposals) == 0 {
		return r.post.run(nil, nil, nil, r.pred.NumClasses(), resizedH, resizedW)
	}
	logits, deltas, err := r.Predict(feat, proposals)
	if err != nil {
		return Detections{}, err
	}
	if !nn.Finite(logits) || !nn.Finite(deltas) {
		return Detections{}, fmt.Errorf("roi: the box predictor's output holds NaN or infinite values: %w", nn.ErrOverflow)
	}
	d, err := r.post.run(logits, deltas, proposals, r.pred.NumClasses(), resizedH, resizedW)
	if err != nil {
		return Detections{}, err
	}
	toOriginal(d.Boxes, resizedH, resizedW, origH, origW)
	return d, nil
}
