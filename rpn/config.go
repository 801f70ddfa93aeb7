package rpn

import (
	"fmt"
	"slices"

	"github.com/shuffledet/shuffledet/anchors"
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

// Limits on the values that size the RPN's tensors, buffers and time, far above any real
// configuration (torchvision's defaults have 3 to 15 anchors per location, this package's 15;
// its top-n values are 1000 to 2000 per level, this package's 6000 and 300). They keep a hostile
// model file from asking for gigabytes or hours: 1000 sizes x 1000 ratios passed Validate and
// made Detect allocate some 35 GB, and a million proposals kept by an NMS threshold of 1 took 9
// minutes and 4.9 GB for one frame (NMS compares each candidate with the kept ones, and every
// proposal goes through the box head).
const (
	MaxAnchors     = 64      // anchors per feature-map location (sizes x aspect ratios)
	MaxPreNMSTopN  = 100_000 // pre_nms_top_n
	MaxPostNMSTopN = 10_000  // post_nms_top_n
	// MaxBoxSide bounds anchor sizes and min_box_size, in pixels: the longest image side the
	// engine accepts (transform.MaxSide; a test holds them equal, without the RPN importing the
	// image decoders).
	MaxBoxSide = 1 << 15
)

// NumAnchors returns the anchors per feature-map location: sizes x aspect ratios.
func (c *Config) NumAnchors() int { return len(c.AnchorSizes) * len(c.AspectRatios) }

// Validate reports values that would break the RPN or could not be meant (a threshold outside
// [0, 1] keeps every proposal or none), or that exceed the limits above.
func (c *Config) Validate() error {
	postNMS := CheckPostNMSTopN(c.PostNMSTopN)
	switch {
	case c.Channels <= 0 || c.Channels > 4096:
		return fmt.Errorf("rpn: channels %d out of range (1..4096)", c.Channels)
	case len(c.AnchorSizes) == 0 || len(c.AspectRatios) == 0:
		return fmt.Errorf("rpn: needs anchor sizes and aspect ratios")
	case len(c.AnchorSizes) > MaxAnchors || len(c.AspectRatios) > MaxAnchors || c.NumAnchors() > MaxAnchors:
		// (each list first: their product could overflow a 32-bit int)
		return fmt.Errorf("rpn: %d anchor sizes x %d aspect ratios = %d anchors per location, more than %d",
			len(c.AnchorSizes), len(c.AspectRatios), c.NumAnchors(), MaxAnchors)
	case c.PreNMSTopN <= 0 || c.PreNMSTopN > MaxPreNMSTopN:
		return fmt.Errorf("rpn: pre_nms_top_n %d out of range (1..%d)", c.PreNMSTopN, MaxPreNMSTopN)
	case postNMS != nil:
		return fmt.Errorf("rpn: %w", postNMS)
	case !(c.NMSThresh >= 0 && c.NMSThresh <= 1):
		return fmt.Errorf("rpn: nms_thresh %g out of range [0, 1]", c.NMSThresh)
	case !(c.ScoreThresh >= 0 && c.ScoreThresh <= 1):
		return fmt.Errorf("rpn: score_thresh %g out of range [0, 1] (a sigmoid score)", c.ScoreThresh)
	case !(c.MinBoxSize >= 0 && c.MinBoxSize <= MaxBoxSide):
		return fmt.Errorf("rpn: min_box_size %g out of range [0, %d] (pixels)", c.MinBoxSize, MaxBoxSide)
	}
	// Finite float32 values can still make infinite anchors (a size of 3e38 at a ratio of 1e-30):
	// sizes are pixels, up to the longest image side; ratios within a factor of 10^4 of square.
	for _, v := range c.AnchorSizes {
		if !(v > 0 && v <= MaxBoxSide) {
			return fmt.Errorf("rpn: anchor size %g out of range (0, %d] (pixels)", v, MaxBoxSide)
		}
	}
	for _, v := range c.AspectRatios {
		if !(v >= 1e-4 && v <= 1e4) {
			return fmt.Errorf("rpn: aspect ratio %g out of range [1e-4, 1e4]", v)
		}
	}
	return nil
}

// CheckPostNMSTopN reports whether n is a number of proposals a Runner may keep after its NMS
// (post_nms_top_n): 1 to MaxPostNMSTopN. Validate, detector.WithProposals and the commands'
// -proposals check it.
func CheckPostNMSTopN(n int) error {
	if n < 1 || n > MaxPostNMSTopN {
		return fmt.Errorf("post_nms_top_n %d out of range (1..%d)", n, MaxPostNMSTopN)
	}
	return nil
}
