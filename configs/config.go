// Package configs defines a model's configuration, the JSON object a model file carries in its
// metadata, and the named YAML presets (ShuffleNet 0.5x / 1x / 2x, g=3, at 300 and 600).
package configs

import (
	"fmt"
	"math"

	"github.com/shuffledet/shuffledet/anchors"
	"github.com/shuffledet/shuffledet/backbone/shufflenet"
	"github.com/shuffledet/shuffledet/roihead"
	"github.com/shuffledet/shuffledet/rpn"
	"github.com/shuffledet/shuffledet/transform"
)

// Model is the whole configuration of a model file (docs/MODEL_FORMAT.md).
type Model struct {
	Version  int             `json:"version" yaml:"version"`
	Backbone shufflenet.Config `json:"backbone" yaml:"backbone"`
	Detector *Detector       `json:"detector" yaml:"detector"`
}

// Detector configures Faster R-CNN with torchvision's test-time semantics.
type Detector struct {
	MinSize       int        `json:"min_size" yaml:"min_size"`
	MaxSize       int        `json:"max_size" yaml:"max_size"`
	ImageMean     [3]float32 `json:"image_mean" yaml:"image_mean"`
	ImageStd      [3]float32 `json:"image_std" yaml:"image_std"`
	SizeDivisible int        `json:"size_divisible" yaml:"size_divisible"`
	Classes       []Class    `json:"classes" yaml:"classes"`
	RPN           RPN        `json:"rpn" yaml:"rpn"`
	RoI           RoI        `json:"roi" yaml:"roi"`
}

// Class is one detection class: its dataset id (COCO's sparse 1..90) and name.
type Class struct {
	ID   int    `json:"id" yaml:"id"`
	Name string `json:"name" yaml:"name"`
}

// RPN configures the region proposal network.
type RPN struct {
	Channels     int       `json:"channels" yaml:"channels"`
	AnchorSizes  []float32 `json:"anchor_sizes" yaml:"anchor_sizes"`
	AspectRatios []float32 `json:"aspect_ratios" yaml:"aspect_ratios"`
	PreNMSTopN   int       `json:"pre_nms_top_n" yaml:"pre_nms_top_n"`
	PostNMSTopN  int       `json:"post_nms_top_n" yaml:"post_nms_top_n"`
	NMSThresh    float32   `json:"nms_thresh" yaml:"nms_thresh"`
	ScoreThresh  float32   `json:"score_thresh" yaml:"score_thresh"`
	MinBoxSize   float32   `json:"min_box_size" yaml:"min_box_size"`
}

// RoI configures the box head and its post-processing.
type RoI struct {
	OutputSize       int        `json:"output_size" yaml:"output_size"`
	SamplingRatio    int        `json:"sampling_ratio" yaml:"sampling_ratio"`
	ScoreThresh      float32    `json:"score_thresh" yaml:"score_thresh"`
	NMSThresh        float32    `json:"nms_thresh" yaml:"nms_thresh"`
	DetectionsPerImg int        `json:"detections_per_img" yaml:"detections_per_img"`
	BBoxRegWeights   [4]float32 `json:"bbox_reg_weights" yaml:"bbox_reg_weights"`
}

// DefaultDetector returns the paper-era test-time defaults at the given resolution (300 or 600)
// for the 80 COCO classes. Each value comes from the package that implements it (transform,
// anchors, rpn, roihead), so a default is written down once; the YAML presets spell them out and
// a test keeps them equal.
func DefaultDetector(res int) *Detector {
	pr, post, align := rpn.DefaultConfig(), roihead.DefaultPostConfig(), roihead.NewAlign()
	d := &Detector{
		SizeDivisible: transform.DefaultSizeDivisible,
		Classes:       append([]Class(nil), COCOClasses...),
		RPN: RPN{Channels: DefaultRPNChannels,
			AnchorSizes: append([]float32(nil), anchors.DefaultSizes...), AspectRatios: append([]float32(nil), anchors.DefaultRatios...),
			PreNMSTopN: pr.PreNMSTopN, PostNMSTopN: pr.PostNMSTopN,
			NMSThresh: float32(pr.NMSThresh), ScoreThresh: float32(pr.ScoreThresh), MinBoxSize: float32(pr.MinSize)},
		RoI: RoI{OutputSize: align.OutH, SamplingRatio: align.SamplingRatio,
			ScoreThresh: float32(post.ScoreThresh), NMSThresh: float32(post.NMSThresh), DetectionsPerImg: post.DetectionsPerImg,
			BBoxRegWeights: post.Weights},
	}
	for i := range 3 {
		d.ImageMean[i], d.ImageStd[i] = float32(transform.ImageNetMean[i]), float32(transform.ImageNetStd[i])
	}
	d.SetResolution(res)
	return d
}

// DefaultRPNChannels is the width of the RPN's 3x3 conv: a dense 3x3 at the stage-3 width would
// cost more than the backbone.
const DefaultRPNChannels = 256

// Resolutions lists the input sizes a detector runs at: shorter side and the longer side's cap.
var Resolutions = map[int]int{300: 500, 600: 1000}

// SetResolution switches the detector between shorter side 300 (max 500) and 600 (max 1000).
func (d *Detector) SetResolution(res int) error {
	max, ok := Resolutions[res]
	if !ok {
		return fmt.Errorf("resolution %d not supported (300 or 600)", res)
	}
	d.MinSize, d.MaxSize = res, max
	return nil
}

// Validate checks the configuration's values.
func (m *Model) Validate() error {
	if m.Version != 1 {
		return fmt.Errorf("config version %d not supported (1)", m.Version)
	}
	if err := m.Backbone.Validate(); err != nil {
		return err
	}
	if m.Detector == nil {
		return nil
	}
	d := m.Detector
	switch {
	case d.MinSize <= 0 || d.MaxSize < d.MinSize || d.MaxSize > 4096:
		return fmt.Errorf("detector: min_size %d / max_size %d out of range", d.MinSize, d.MaxSize)
	case d.SizeDivisible <= 0 || d.SizeDivisible%16 != 0 || d.SizeDivisible > 1024:
		return fmt.Errorf("detector: size_divisible %d must be a positive multiple of 16, at most 1024", d.SizeDivisible)
	case len(d.Classes) == 0 || len(d.Classes) > 10000:
		return fmt.Errorf("detector: %d classes (want 1..10000)", len(d.Classes))
	case d.RPN.Channels <= 0 || d.RPN.Channels > 4096:
		return fmt.Errorf("detector: rpn channels %d out of range", d.RPN.Channels)
	case len(d.RPN.AnchorSizes) == 0 || len(d.RPN.AspectRatios) == 0:
		return fmt.Errorf("detector: rpn needs anchor sizes and aspect ratios")
	case d.RPN.PreNMSTopN <= 0 || d.RPN.PostNMSTopN <= 0 || d.RoI.DetectionsPerImg <= 0:
		return fmt.Errorf("detector: top-n values must be positive")
	case d.RoI.OutputSize <= 0 || d.RoI.OutputSize > MaxRoIOutputSize:
		return fmt.Errorf("detector: roi output_size %d out of range (1..%d)", d.RoI.OutputSize, MaxRoIOutputSize)
	case d.RoI.SamplingRatio < 0 || d.RoI.SamplingRatio > MaxSamplingRatio:
		return fmt.Errorf("detector: roi sampling_ratio %d out of range (0..%d; 0 = adaptive)", d.RoI.SamplingRatio, MaxSamplingRatio)
	case m.Backbone.NumClasses != 0:
		return fmt.Errorf("detector: backbone num_classes must be 0 (the box predictor classifies)")
	}
	for _, v := range []float32{d.RPN.NMSThresh, d.RPN.ScoreThresh, d.RPN.MinBoxSize, d.RoI.ScoreThresh, d.RoI.NMSThresh} {
		if !finite(v) || v < 0 {
			return fmt.Errorf("detector: threshold %g is not a finite non-negative number", v)
		}
	}
	positive := append(append(append([]float32{}, d.RPN.AnchorSizes...), d.RPN.AspectRatios...), d.RoI.BBoxRegWeights[:]...)
	positive = append(positive, d.ImageStd[:]...)
	for _, v := range positive {
		if !finite(v) || v <= 0 {
			return fmt.Errorf("detector: anchor sizes, aspect ratios, bbox_reg_weights and image_std must be finite and positive, found %g", v)
		}
	}
	for _, v := range d.ImageMean {
		if !finite(v) {
			return fmt.Errorf("detector: image_mean %v must be finite", d.ImageMean)
		}
	}
	return nil
}

// Limits on values that size buffers.
const (
	MaxRoIOutputSize = 64
	MaxSamplingRatio = 16
)

func finite(v float32) bool { return !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0) }

// NumAnchors returns the anchors per feature-map location.
func (r *RPN) NumAnchors() int { return len(r.AnchorSizes) * len(r.AspectRatios) }
