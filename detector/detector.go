// Package detector assembles a Faster R-CNN (C4 style, torchvision 0.14 semantics) on a ShuffleNet
// v1 trunk from a .bin model file and turns images into detections:
//
//	preprocess -> trunk to stage 3 -> RPN head -> proposals -> RoIAlign 14x14 -> stage 4 (box head)
//	-> global average pool -> box predictor -> per-class NMS -> boxes in original pixels
//
// A Detector is for one goroutine at a time; Clone gives another one that shares the weights.
package detector

import (
	"fmt"
	"image"
	"math"
	"slices"

	"github.com/shuffledet/shuffledet/anchors"
	"github.com/shuffledet/shuffledet/backbone"
	"github.com/shuffledet/shuffledet/boxes"
	"github.com/shuffledet/shuffledet/configs"
	"github.com/shuffledet/shuffledet/nn"
	"github.com/shuffledet/shuffledet/roihead"
	"github.com/shuffledet/shuffledet/rpn"
	"github.com/shuffledet/shuffledet/transform"
)

// Detection is one detected object.
type Detection struct {
	Box        [4]float32 // x, y, width, height in original image pixels (COCO bbox)
	Score      float32
	CategoryID int    // the dataset's class id (COCO: sparse 1..90)
	Label      string // class name
}

// Option changes a Detector's run-time settings.
type Option func(*configs.Detector) error

// WithResolution runs the model at shorter side 300 (longer side at most 500) or 600 (at most 1000).
func WithResolution(res int) Option {
	return func(d *configs.Detector) error { return d.SetResolution(res) }
}

// WithScoreThreshold keeps detections whose class score is above s (default: the model's
// roi.score_thresh, 0.05 in the presets).
func WithScoreThreshold(s float32) Option {
	return func(d *configs.Detector) error {
		if !(s >= 0 && s < 1) {
			return fmt.Errorf("score threshold %g out of range [0, 1)", s)
		}
		d.RoI.ScoreThresh = float64(s)
		return nil
	}
}

// Detector runs a Model on images. It owns every buffer it uses, so after the first image of a
// given size, detection allocates nothing. Not safe for concurrent use: use Clone per goroutine.
type Detector struct {
	model *Model
	cfg   configs.Detector

	pre      *transform.Preprocessor
	trunk    backbone.Runner
	anchors  *anchors.Generator
	proposer *rpn.Proposer
	align    *roihead.Align
	post     *roihead.PostProcessor

	input, hidden, objectness, deltas, rois nn.Tensor
	feat                                    *nn.Tensor // the trunk's stage-3 output for the last image
	scratch                                 nn.Scratch
	pooled, logits, regression              []float32
	proposals                               []boxes.Box
	dets                                    []Detection
}

// Load reads a detector model file and returns a Detector for it.
func Load(path string, opts ...Option) (*Detector, error) {
	m, err := LoadModel(path)
	if err != nil {
		return nil, err
	}
	return m.NewDetector(opts...)
}

// NewDetector returns a Detector running m with the given options.
func (m *Model) NewDetector(opts ...Option) (*Detector, error) {
	cfg := *m.Config.Detector
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, fmt.Errorf("model %s: %w", m.Path, err)
		}
	}
	return m.newDetector(cfg)
}

func (m *Model) newDetector(cfg configs.Detector) (*Detector, error) {
	pre, err := transform.New(cfg.Config)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", m.Path, err)
	}
	align := roihead.NewAlign()
	align.OutH, align.OutW, align.SamplingRatio = cfg.RoI.OutputSize, cfg.RoI.OutputSize, cfg.RoI.SamplingRatio
	return &Detector{
		model: m, cfg: cfg, pre: pre,
		trunk:    m.trunk.NewRunner(),
		anchors:  anchors.NewGenerator(cfg.RPN.AnchorSizes, cfg.RPN.AspectRatios),
		proposer: rpn.NewProposer(cfg.RPN),
		align:    align,
		post:     roihead.NewPostProcessor(cfg.RoI),
	}, nil
}

// Clone returns a new Detector with the same model and settings and its own buffers.
func (d *Detector) Clone() (*Detector, error) { return d.model.newDetector(d.cfg) }

// Model returns the Detector's model.
func (d *Detector) Model() *Model { return d.model }

// Config returns the detector settings in effect (the model's, changed by options).
func (d *Detector) Config() configs.Detector { return d.cfg }

// Detect finds objects in img. The returned slice is owned by the Detector and valid until its
// next call.
func (d *Detector) Detect(img image.Image) ([]Detection, error) {
	in, err := d.pre.Image(img)
	if err != nil {
		return nil, err
	}
	return d.run(in)
}

// DetectBGR finds objects in an 8-bit interleaved BGR frame (OpenCV's layout) of w x h pixels with
// stride bytes per row. The returned slice is owned by the Detector and valid until its next call.
func (d *Detector) DetectBGR(pix []byte, w, h, stride int) ([]Detection, error) {
	in, err := d.pre.BGR(pix, w, h, stride)
	if err != nil {
		return nil, err
	}
	return d.run(in)
}

// DetectRGB is DetectBGR for frames whose bytes are in R, G, B order.
func (d *Detector) DetectRGB(pix []byte, w, h, stride int) ([]Detection, error) {
	in, err := d.pre.RGB(pix, w, h, stride)
	if err != nil {
		return nil, err
	}
	return d.run(in)
}

func (d *Detector) run(in *transform.Output) ([]Detection, error) {
	d.input = nn.Tensor{N: 1, C: 3, H: in.Height, W: in.Width, Data: in.Data}
	d.feat = d.trunk.Features(&d.input)
	if err := d.propose(d.feat, in); err != nil {
		return nil, err
	}
	d.dets = d.dets[:0]
	if len(d.proposals) == 0 {
		return d.dets, nil
	}
	if err := d.predictBoxes(d.feat, d.proposals, in.ResizedHeight); err != nil {
		return nil, err
	}
	res, err := d.post.Run(d.logits, d.regression, d.proposals, d.model.clsScore.Out, in.ResizedHeight, in.ResizedWidth)
	if err != nil {
		return nil, err
	}
	roihead.ToOriginal(res.Boxes, in.ResizedHeight, in.ResizedWidth, in.OrigHeight, in.OrigWidth)
	for i, b := range res.Boxes {
		cls := d.cfg.Classes[res.Labels[i]-1]
		d.dets = append(d.dets, Detection{Box: [4]float32{b.X1, b.Y1, b.X2 - b.X1, b.Y2 - b.Y1}, Score: res.Scores[i], CategoryID: cls.ID, Label: cls.Name})
	}
	return d.dets, nil
}

// propose runs the RPN head on the stride-16 map and fills d.proposals, in resized-image
// coordinates.
func (d *Detector) propose(feat *nn.Tensor, in *transform.Output) error {
	m := d.model
	d.hidden.Resize(1, m.rpnConv.OutC, feat.H, feat.W)
	m.rpnConv.Forward(&d.hidden, 0, feat, nil, &d.scratch)
	d.objectness.Resize(1, m.rpnCls.OutC, feat.H, feat.W)
	m.rpnCls.Forward(&d.objectness, 0, &d.hidden, nil, &d.scratch)
	d.deltas.Resize(1, m.rpnBox.OutC, feat.H, feat.W)
	m.rpnBox.Forward(&d.deltas, 0, &d.hidden, nil, &d.scratch)
	grid := d.anchors.ForImage(in.Height, in.Width, feat.H, feat.W)
	props, _, err := d.proposer.Propose(d.objectness.Data, d.deltas.Data, grid, m.rpnCls.OutC, feat.H, feat.W, in.ResizedHeight, in.ResizedWidth)
	d.proposals = props // the Proposer's buffer, valid until the next frame
	return err
}

// predictBoxes is the box branch up to the predictor: RoIAlign of every proposal, stage 4 on all
// RoIs as one batch, global average pool, class logits (d.logits) and box deltas (d.regression).
func (d *Detector) predictBoxes(feat *nn.Tensor, proposals []boxes.Box, resizedH int) error {
	m := d.model
	d.align.SpatialScale = featureScale(feat.H, resizedH)
	n, c, s := len(proposals), feat.C, d.cfg.RoI.OutputSize
	d.rois.Resize(n, c, s, s)
	if _, err := d.align.Forward(d.rois.Data, feat.Data, c, feat.H, feat.W, proposals); err != nil {
		return err
	}
	hc := m.trunk.HeadChannels()
	d.pooled = slices.Grow(d.pooled[:0], n*hc)[:n*hc]
	d.trunk.BoxHead(d.pooled, &d.rois)
	d.logits = slices.Grow(d.logits[:0], n*m.clsScore.Out)[:n*m.clsScore.Out]
	m.clsScore.Forward(d.logits, d.pooled, n)
	d.regression = slices.Grow(d.regression[:0], n*m.bboxPred.Out)[:n*m.bboxPred.Out]
	m.bboxPred.Forward(d.regression, d.pooled, n)
	return nil
}

// featureScale is torchvision MultiScaleRoIAlign's inferred scale: the power of two nearest to
// feature size / resized image size (before padding).
func featureScale(featH, imageH int) float32 {
	return float32(math.Exp2(math.RoundToEven(math.Log2(float64(featH) / float64(imageH)))))
}
