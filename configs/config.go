// Package configs defines a model's configuration, the JSON object a model file carries in its
// metadata, and the named YAML presets (ShuffleNet 0.5x / 1x / 2x, g=3, at 300 and 600). The
// detector's configuration is composed of the config types of the packages that implement each
// stage (transform, rpn, roihead), which take them as they are.
//
// Errors: Preset and Validate return errors that name the preset or the offending value.
package configs

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/shuffledet/shuffledet/backbone"
	"github.com/shuffledet/shuffledet/backbone/shufflenet"
	"github.com/shuffledet/shuffledet/roihead"
	"github.com/shuffledet/shuffledet/rpn"
	"github.com/shuffledet/shuffledet/transform"
)

// Model is the whole configuration of a model file (docs/MODEL_FORMAT.md). It holds its
// Detector by pointer, so a copy shares it: change a Clone.
type Model struct {
	Version  int               `json:"version" yaml:"version"` // the format's version: 1
	Backbone shufflenet.Config `json:"backbone" yaml:"backbone"`
	Detector *Detector         `json:"detector" yaml:"detector"`
}

// Detector configures Faster R-CNN with torchvision's test-time semantics. It is composed of the
// configurations of the packages that implement each stage, which take them as they are: the
// input transform (its fields appear at this level of a model file, torchvision's names),
// the RPN and the RoI head.
type Detector struct {
	transform.Config `yaml:",inline"`
	Classes          []Class        `json:"classes" yaml:"classes"`
	RPN              rpn.Config     `json:"rpn" yaml:"rpn"`
	RoI              roihead.Config `json:"roi" yaml:"roi"`
}

// Class is one detection class: its dataset id (COCO's sparse 1..90) and name.
type Class struct {
	ID   int    `json:"id" yaml:"id"`
	Name string `json:"name" yaml:"name"`
}

// DefaultDetector returns the paper-era test-time defaults at shorter side res (the longer side
// capped at LongerSideCap(res); a res that CheckResolution refuses gives a configuration that
// Validate refuses) for the 80 COCO classes, each from the
// package that implements it (transform, rpn, roihead), so a default is written down once; the
// YAML presets spell them out and a test keeps them equal.
func DefaultDetector(res int) *Detector {
	return &Detector{
		Config:  transform.DefaultConfig(res, LongerSideCap(res)),
		Classes: slices.Clone(COCOClasses),
		RPN:     rpn.DefaultConfig(),
		RoI:     roihead.DefaultConfig(),
	}
}

// LongerSideCap is the cap on the longer side that goes with shorter side res: 5/3 of it, rounded
// down, as in the paper's two sizes (300 / 500, 600 / 1000) and Detectron2's 800 / 1333.
func LongerSideCap(res int) int { return res * 5 / 3 }

// MaxResolution is the largest shorter side SetResolution takes: its longer side's cap stays
// within the 4096 pixels Validate allows.
const MaxResolution = 2458

// SetResolution sets the shorter side to res and the longer side's cap to LongerSideCap(res):
// 300 (longer side at most 500) and 600 (at most 1000) are the paper's sizes, any res from
// MinShorterSide to MaxResolution runs.
func (d *Detector) SetResolution(res int) error {
	if err := CheckResolution(res); err != nil {
		return err
	}
	d.ShorterSide, d.MaxLongerSide = res, LongerSideCap(res)
	return nil
}

// CheckResolution reports whether res is a shorter side SetResolution takes (MinShorterSide to
// MaxResolution).
func CheckResolution(res int) error {
	if res < MinShorterSide || res > MaxResolution {
		return fmt.Errorf("resolution %d out of range (%d to %d; the paper's are 300 and 600)", res, MinShorterSide, MaxResolution)
	}
	return nil
}

// Clone returns a copy of m that shares nothing with it (its Detector cloned).
func (m Model) Clone() Model {
	if m.Detector != nil {
		d := m.Detector.Clone()
		m.Detector = &d
	}
	return m
}

// Clone returns a deep copy of d: changing one's lists (classes, anchors, means) leaves the
// other alone.
func (d Detector) Clone() Detector {
	d.ImageMean, d.ImageStd = slices.Clone(d.ImageMean), slices.Clone(d.ImageStd)
	d.Classes = slices.Clone(d.Classes)
	d.RPN.AnchorSizes, d.RPN.AspectRatios = slices.Clone(d.RPN.AnchorSizes), slices.Clone(d.RPN.AspectRatios)
	d.RoI.BBoxRegWeights, d.RoI.Labels = slices.Clone(d.RoI.BBoxRegWeights), slices.Clone(d.RoI.Labels)
	return d
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
	if m.Backbone.NumClasses != 0 {
		return fmt.Errorf("detector: backbone num_classes must be 0 (the box predictor classifies)")
	}
	if err := m.Detector.Validate(); err != nil {
		return fmt.Errorf("detector: %w", err)
	}
	return nil
}

// MinShorterSide is the smallest min_size: two feature cells (a smaller one left most images a
// side of 0 pixels, every frame an error).
const MinShorterSide = 2 * backbone.FeatureStride

// MaxClassName bounds a class name's length in bytes (COCO's longest has 14). Every detection
// carries its name into detect's JSON and summary: a model file's one name of a megabyte (within
// modelfile.MaxConfigBytes) made 10 GB of JSON a frame at 10,000 detections, and the frame's
// output ran out of memory. Names may not hold control characters either (Unicode's Cc: C0, DEL,
// C1), which detect printed as they were: a name could send escape sequences to the terminal
// (set its title, clear or rewrite lines) in the summary and in error messages.
const MaxClassName = 256

// MaxPredictorOutputs bounds post_nms_top_n x (classes + 1): the box predictor writes 5 floats
// (a logit and 4 deltas) for each, 200 MB at this limit (10,000 proposals of 999 classes).
const MaxPredictorOutputs = 10_000_000

// MaxClassNMS bounds post_nms_top_n^2 x classes, the RoI head's NMS work a frame at its worst:
// it runs class by class, each class to completion (torch's tie order needs every survivor), on
// up to post_nms_top_n boxes a class, each kept box compared with every box left, n^2/2 IoUs
// for a class of n boxes that suppress none (an NMS threshold of 1, a score threshold of 0): at
// this limit (10,000 proposals x 100 classes) 5 x 10^9 IoUs a frame. Measured once, by a review
// on this project's 2-core machine (not asserted): 1.4 s of NMS at the limit with AVX2; 10,000
// proposals x 999 classes, within MaxPredictorOutputs, 18 s of IoUs and 38 s a frame.
const MaxClassNMS = 10_000_000_000

// MaxRoIBins bounds post_nms_top_n x output_size^2, the box head's work a frame (stage 4 runs on
// every proposal's output_size x output_size map): 10,000 proposals at 14 x 14. MaxRoISamples
// bounds that times RoIAlign's bilinear samples per bin (sampling_ratio^2; for 0, adaptive, as
// many as a proposal covering a max_size x max_size image takes): 16 a bin at MaxRoIBins. Each
// stage's own limits allowed 10,000 proposals at 64 x 64 with 16 x 16 samples, minutes a frame.
const (
	MaxRoIBins    = 10_000 * 14 * 14
	MaxRoISamples = 16 * MaxRoIBins
)

// Validate checks what the detector needs beyond each stage's own checks (the shorter side at
// least MinShorterSide and at most the longer side's cap, at most 4096; padding to a positive multiple of the feature stride,
// 16, at most 1024; a positive image_std; 1 to 10000 classes with positive ids and non-empty
// names of at most MaxClassName bytes without control characters, none twice;
// MaxPredictorOutputs, MaxClassNMS, MaxRoIBins, MaxRoISamples), then each stage's
// configuration.
func (d *Detector) Validate() error {
	switch {
	case d.ShorterSide < MinShorterSide || d.MaxLongerSide < d.ShorterSide || d.MaxLongerSide > 4096:
		return fmt.Errorf("min_size %d / max_size %d out of range (%d <= min_size <= max_size <= 4096)", d.ShorterSide, d.MaxLongerSide, MinShorterSide)
	case d.SizeDivisible <= 0 || d.SizeDivisible%backbone.FeatureStride != 0 || d.SizeDivisible > 1024:
		return fmt.Errorf("size_divisible %d must be a positive multiple of 16, at most 1024", d.SizeDivisible)
	case len(d.Classes) == 0 || len(d.Classes) > 10000:
		return fmt.Errorf("%d classes (want 1..10000)", len(d.Classes))
	}
	for _, v := range d.ImageStd {
		if !(v > 0) {
			return fmt.Errorf("image_std %v must be positive", d.ImageStd)
		}
	}
	ids, names := map[int]bool{}, map[string]bool{}
	for i, c := range d.Classes { // they label detections and COCO results: category ids are positive
		switch {
		case c.ID < 1:
			return fmt.Errorf("class %d (%q): id %d, want a positive category id", i, c.Name, c.ID)
		case c.Name == "":
			return fmt.Errorf("class %d (id %d): empty name", i, c.ID)
		case len(c.Name) > MaxClassName:
			return fmt.Errorf("class %d (id %d): name of %d bytes, more than %d", i, c.ID, len(c.Name), MaxClassName)
		case strings.IndexFunc(c.Name, unicode.IsControl) >= 0:
			return fmt.Errorf("class %d (id %d): name %q has a control character", i, c.ID, c.Name)
		case ids[c.ID]:
			return fmt.Errorf("class %d (%q): id %d appears twice", i, c.Name, c.ID)
		case names[c.Name]:
			return fmt.Errorf("class %d (id %d): name %q appears twice", i, c.ID, c.Name)
		}
		ids[c.ID], names[c.Name] = true, true
	}
	if err := d.Config.Validate(); err != nil {
		return err
	}
	if err := d.RPN.Validate(); err != nil {
		return err
	}
	if err := d.RoI.Validate(); err != nil {
		return err
	}
	if n := d.RPN.PostNMSTopN * (len(d.Classes) + 1); n > MaxPredictorOutputs {
		return fmt.Errorf("post_nms_top_n %d x (%d classes + 1) = %d box predictor outputs, more than %d",
			d.RPN.PostNMSTopN, len(d.Classes), n, MaxPredictorOutputs)
	}
	if n := int64(d.RPN.PostNMSTopN) * int64(d.RPN.PostNMSTopN) * int64(len(d.Classes)); n > MaxClassNMS {
		return fmt.Errorf("post_nms_top_n %d^2 x %d classes = %d, more than %d: the per-class NMS of one frame could compute %d IoUs",
			d.RPN.PostNMSTopN, len(d.Classes), n, int64(MaxClassNMS), n/2)
	}
	bins := d.RPN.PostNMSTopN * d.RoI.OutputSize * d.RoI.OutputSize
	if bins > MaxRoIBins {
		return fmt.Errorf("post_nms_top_n %d x roi output_size %d^2 = %d RoI bins a frame, more than %d",
			d.RPN.PostNMSTopN, d.RoI.OutputSize, bins, MaxRoIBins)
	}
	side := d.RoI.SamplingRatio
	if side == 0 { // adaptive: ceil(RoI side / output_size) samples a side, at most the feature map's
		side = ((d.MaxLongerSide+backbone.FeatureStride-1)/backbone.FeatureStride + d.RoI.OutputSize - 1) / d.RoI.OutputSize
	}
	if n := bins * side * side; n > MaxRoISamples {
		return fmt.Errorf("%d RoI bins x %d^2 samples (roi sampling_ratio %d) = %d bilinear samples a frame, more than %d",
			bins, side, d.RoI.SamplingRatio, n, MaxRoISamples)
	}
	return nil
}
