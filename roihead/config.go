package roihead

import (
	"fmt"
)

// Config configures the RoI head: the pooler (torchvision's MultiScaleRoIAlign) and the test-time
// post-processing (RoIHeads' box_* arguments). The JSON and YAML keys are those of a model file's
// roi section. Thresholds are float64 like the Python floats torchvision takes; each is rounded
// where torchvision compares it with float32 values.
type Config struct {
	// OutputSize is the side of the pooled RoIs (14: stage 4 then sees what it sees at 224x224).
	OutputSize int `json:"output_size" yaml:"output_size"`
	// SamplingRatio is the number of RoIAlign samples per bin and axis (2; 0 = adaptive).
	SamplingRatio int `json:"sampling_ratio" yaml:"sampling_ratio"`
	// ScoreThresh keeps class scores strictly greater than it (0.05).
	ScoreThresh float64 `json:"score_thresh" yaml:"score_thresh"`
	// NMSThresh is the per-class NMS IoU threshold (0.5).
	NMSThresh float64 `json:"nms_thresh" yaml:"nms_thresh"`
	// DetectionsPerImg caps the number of detections (100).
	DetectionsPerImg int `json:"detections_per_img" yaml:"detections_per_img"`
	// BBoxRegWeights are the box coder weights of the box predictor (10, 10, 5, 5): 4 numbers.
	// A slice, so that a model file's list of another length is an error (Validate) rather
	// than filled with zeros or cut short by encoding/json.
	BBoxRegWeights []float32 `json:"bbox_reg_weights" yaml:"bbox_reg_weights"`
	// Labels, when not empty, are the only class labels (1..K, the background 0 excluded) the
	// post-processing keeps: the others are dropped with the scores below ScoreThresh, before
	// NMS and DetectionsPerImg, so that up to DetectionsPerImg detections of these classes come
	// back. Set at run time (detector.WithClasses), never from a model file.
	Labels []int `json:"-" yaml:"-"`
}

// DefaultConfig returns the C4 detector's RoI head: 14x14 RoIs sampled 2x2 per bin, and the
// test-time values 0.05 / 0.5 / 100 with box weights (10, 10, 5, 5).
func DefaultConfig() Config {
	return Config{OutputSize: 14, SamplingRatio: 2, ScoreThresh: 0.05, NMSThresh: 0.5, DetectionsPerImg: 100,
		BBoxRegWeights: []float32{10, 10, 5, 5}}
}

// Limits on the values that size the pooler's and the post-processing's buffers.
const (
	MaxOutputSize       = 64
	MaxSamplingRatio    = 16
	MaxDetectionsPerImg = 10_000 // torchvision's default is 100
)

// Validate reports values that would break the RoI head.
func (c *Config) Validate() error {
	switch {
	case c.OutputSize <= 0 || c.OutputSize > MaxOutputSize:
		return fmt.Errorf("roi: output_size %d out of range (1..%d)", c.OutputSize, MaxOutputSize)
	case c.SamplingRatio < 0 || c.SamplingRatio > MaxSamplingRatio:
		return fmt.Errorf("roi: sampling_ratio %d out of range (0..%d; 0 = adaptive)", c.SamplingRatio, MaxSamplingRatio)
	case c.DetectionsPerImg <= 0 || c.DetectionsPerImg > MaxDetectionsPerImg:
		return fmt.Errorf("roi: detections_per_img %d out of range (1..%d)", c.DetectionsPerImg, MaxDetectionsPerImg)
	}
	switch {
	case !(c.ScoreThresh >= 0 && c.ScoreThresh < 1):
		// a softmax score is below 1 but for rounding: a threshold of 1 or more keeps nothing
		return fmt.Errorf("roi: score_thresh %g out of range [0, 1)", c.ScoreThresh)
	case !(c.NMSThresh >= 0 && c.NMSThresh <= 1):
		return fmt.Errorf("roi: nms_thresh %g out of range [0, 1]", c.NMSThresh)
	}
	if len(c.BBoxRegWeights) != 4 {
		return fmt.Errorf("roi: bbox_reg_weights: want 4 numbers, got %d", len(c.BBoxRegWeights))
	}
	for _, v := range c.BBoxRegWeights { // deltas are divided by them: 1e-45 made every box infinite
		if !(v >= 1e-3 && v <= 1e3) {
			return fmt.Errorf("roi: bbox_reg_weights %v out of range [1e-3, 1e3] (torchvision's are 10, 10, 5, 5)", c.BBoxRegWeights)
		}
	}
	return nil
}
