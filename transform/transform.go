// Package transform is the detector's input preprocessing: torchvision 0.14's
// GeneralizedRCNNTransform (eval mode) for one image at a time.
//
// The steps, in torchvision's order, are: convert 8-bit RGB to float (x/255), normalize per
// channel ((x - mean) / std), resize bilinearly (align_corners=False) so that the shorter side is
// ShorterSide unless that makes the longer side exceed MaxLongerSide, and pad bottom/right with
// zeros to a multiple of SizeDivisible. The result is a planar float32 [3, H, W] buffer (RGB, CHW).
//
// A Preprocessor holds its output and scratch buffers and reuses them, so a steady stream of
// same-sized frames allocates nothing. Normalization is folded into the resize: every input byte
// goes through a per-channel lookup table holding exactly torch's float32 (v/255 - mean) / std, and
// the bilinear pass then runs on those values with torch's float32 weights and evaluation order,
// so the output matches PyTorch to a few ulps.
//
// Preprocessor.Image reads *image.RGBA, *image.NRGBA, *image.Gray, their 16-bit forms (each
// channel's high byte), *image.YCbCr, *image.NYCbCrA and *image.Paletted directly, without
// allocating. Every other image type, in particular *image.CMYK, takes a slow generic path
// through img.At and color.NRGBAModel's conversion, pixel by pixel, which allocates (At boxes each
// pixel's color): convert such images once, or use BGR/RGB for raw frames.
//
// Mapping boxes back from resized to original coordinates is the job of roihead, not of this package.
//
// Errors: bad configurations, empty or oversized images and inconsistent pixel
// buffers are returned as errors (test them with errors.Is against the Err values below); nothing
// panics on bad input.
package transform

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// MaxSide is the largest width or height accepted for an input image.
const MaxSide = 1 << 15

// MaxPixels is the largest number of pixels (width*height) accepted for an input image: 100
// megapixels. Larger inputs are rejected before anything is allocated.
const MaxPixels = 100_000_000

// DefaultSizeDivisible is torchvision's size_divisible: padded sizes are multiples of 32.
const DefaultSizeDivisible = 32

// ImageNetMean is torchvision's default image_mean (RGB, for 0..1 inputs).
var ImageNetMean = [3]float64{0.485, 0.456, 0.406}

// ImageNetStd is torchvision's default image_std (RGB, for 0..1 inputs).
var ImageNetStd = [3]float64{0.229, 0.224, 0.225}

// Errors returned (wrapped, with context) by this package; test them with errors.Is.
var (
	// ErrEmptyImage: the image has zero width or height, or resizes to zero pixels.
	ErrEmptyImage = errors.New("empty image")
	// ErrImageTooLarge: the image exceeds MaxSide or MaxPixels.
	ErrImageTooLarge = errors.New("image too large")
	// ErrBadBuffer: the pixels are malformed: a raw buffer or an image's planes too short for
	// their stride, a palette index outside the palette, an image type whose At returns nil.
	ErrBadBuffer = errors.New("bad pixel buffer")
	// ErrBadConfig: the Config is invalid.
	ErrBadConfig = errors.New("bad transform config")
)

// Config holds GeneralizedRCNNTransform's parameters, with torchvision's names as the JSON and
// YAML keys (the image fields of a model file's detector section). ImageMean and ImageStd are
// float64 like the Python floats torchvision receives; they are rounded to float32 exactly as
// torch.as_tensor does. They are slices, not arrays, so that a model file's list of the wrong
// length is an error (Validate: "image_mean: want 3 numbers, got 1") rather than filled with
// zeros or cut short by encoding/json.
type Config struct {
	ShorterSide   int       `json:"min_size" yaml:"min_size"`             // target shorter side, e.g. 300 or 600
	MaxLongerSide int       `json:"max_size" yaml:"max_size"`             // cap on the longer side, e.g. 500 or 1000
	ImageMean     []float64 `json:"image_mean" yaml:"image_mean"`         // per-channel RGB mean on 0..1 values: 3 numbers
	ImageStd      []float64 `json:"image_std" yaml:"image_std"`           // per-channel RGB std on 0..1 values: 3 numbers
	SizeDivisible int       `json:"size_divisible" yaml:"size_divisible"` // padded sides are multiples of this (torchvision: 32)
}

// DefaultConfig returns the detector's configuration for the given resolution (e.g. 600, 1000):
// ImageNet mean and std and padding to multiples of 32.
func DefaultConfig(shorterSide, maxLongerSide int) Config {
	return Config{
		ShorterSide:   shorterSide,
		MaxLongerSide: maxLongerSide,
		ImageMean:     slices.Clone(ImageNetMean[:]),
		ImageStd:      slices.Clone(ImageNetStd[:]),
		SizeDivisible: DefaultSizeDivisible,
	}
}

// Validate reports whether c is usable: sizes in range, 3 finite numbers each for the mean and
// the std, and a std that is not 0 in float32.
func (c Config) Validate() error {
	if c.ShorterSide <= 0 || c.MaxLongerSide <= 0 || c.ShorterSide > MaxSide || c.MaxLongerSide > MaxSide {
		return fmt.Errorf("%w: shorter side %d, max longer side %d (each must be in 1..%d)", ErrBadConfig, c.ShorterSide, c.MaxLongerSide, MaxSide)
	}
	if c.SizeDivisible <= 0 || c.SizeDivisible > 1024 {
		return fmt.Errorf("%w: size divisible %d (must be in 1..1024)", ErrBadConfig, c.SizeDivisible)
	}
	for _, v := range []struct {
		name string
		vs   []float64
	}{{"image_mean", c.ImageMean}, {"image_std", c.ImageStd}} {
		if len(v.vs) != 3 {
			return fmt.Errorf("%w: %s: want 3 numbers, got %d", ErrBadConfig, v.name, len(v.vs))
		}
	}
	for i := range 3 {
		// Checked in float32, as the lookup table holds them: a NaN, a zero std, and also a mean of
		// 1e39 or a std of 1e-45 (finite in float64) make the ends of (v/255 - mean)/std, which is
		// monotonic in v, infinite or NaN; an infinite std (every value 0) is the one case left.
		// Ends past MaxNormalized (a mean of 1e30, a std of 1e-30) are finite but overflow the
		// first convolutions: no detections, without an error.
		m, s := c.ImageMean[i], c.ImageStd[i]
		lo, hi := normalized(0, m, s), normalized(255, m, s)
		if math.IsInf(s, 0) || !(math.Abs(float64(lo)) <= MaxNormalized && math.Abs(float64(hi)) <= MaxNormalized) {
			return fmt.Errorf("%w: channel %d mean %v std %v: (v/255 - mean)/std is %v to %v in float32 (need finite values within ±%g and a nonzero std; ImageNet's mean and std give -2.1 to 2.6)", ErrBadConfig, i, m, s, lo, hi, float64(MaxNormalized))
		}
	}
	return nil
}

// MaxNormalized bounds the normalized input values (v/255 - mean)/std a Config may give: ImageNet's
// mean and std give -2.1 to 2.6, a network trained on 0-255 pixels (mean 0, std 1/255) 0 to 255.
const MaxNormalized = 1e4

// normalized is torch's float32 (v/255 - mean)/std for an input byte v.
func normalized(v int, mean, std float64) float32 {
	return (float32(v)/255 - float32(mean)) / float32(std)
}

// CheckSize reports whether a w x h input is acceptable: nonzero and within MaxSide and MaxPixels.
func CheckSize(w, h int) error {
	if w <= 0 || h <= 0 {
		return fmt.Errorf("%w: %dx%d", ErrEmptyImage, w, h)
	}
	if w > MaxSide || h > MaxSide || int64(w)*int64(h) > MaxPixels {
		return fmt.Errorf("%w: %dx%d (limits: %d per side, %d pixels)", ErrImageTooLarge, w, h, MaxSide, MaxPixels)
	}
	return nil
}

// ResizedSize returns the size GeneralizedRCNNTransform resizes an h x w image to, computed as
// torchvision 0.14 does: scale = min(shorterSide/min(h, w), maxLongerSide/max(h, w)) in float32 (torch
// evaluates a/t as reciprocal(t)*a), then floor(dim * scale) in float64, as F.interpolate with
// recompute_scale_factor=True does. It fails if the input is empty, too large, or resizes to zero.
func ResizedSize(h, w, shorterSide, maxLongerSide int) (rh, rw int, err error) {
	if err := CheckSize(w, h); err != nil {
		return 0, 0, err
	}
	if shorterSide <= 0 || maxLongerSide <= 0 {
		return 0, 0, fmt.Errorf("%w: shorter side %d, max longer side %d", ErrBadConfig, shorterSide, maxLongerSide)
	}
	lo, hi := float32(min(h, w)), float32(max(h, w))
	s1 := float32(float32(1)/lo) * float32(shorterSide)
	s2 := float32(float32(1)/hi) * float32(maxLongerSide)
	scale := float64(min(s1, s2))
	rh = int(math.Floor(float64(h) * scale))
	rw = int(math.Floor(float64(w) * scale))
	if rh <= 0 || rw <= 0 {
		return 0, 0, fmt.Errorf("%w: %dx%d resizes to %dx%d at shorter side %d, max longer side %d", ErrEmptyImage, w, h, rw, rh, shorterSide, maxLongerSide)
	}
	return rh, rw, nil
}

// roundUp returns n rounded up to a multiple of d.
func roundUp(n, d int) int { return (n + d - 1) / d * d }

// NetworkInput returns the size, height then width, of the network input the detector makes of an
// h x w image: resized (ResizedSize), then padded to multiples of SizeDivisible.
func (c Config) NetworkInput(h, w int) (int, int, error) {
	rh, rw, err := ResizedSize(h, w, c.ShorterSide, c.MaxLongerSide)
	if err != nil {
		return 0, 0, err
	}
	return roundUp(rh, c.SizeDivisible), roundUp(rw, c.SizeDivisible), nil
}
