// Package boxes holds the axis-aligned box type and the box arithmetic of torchvision's detection
// code: area, IoU, clipping to an image, the Faster R-CNN box coder (decode) and the small-box
// filter. (The resize back to the original image is roihead's.)
//
// Boxes are in corner form (x1, y1, x2, y2) with width x2-x1 and height y2-y1 (no +1), all in
// float32, and every operation rounds exactly where torch's float32 tensor code rounds. Explicit
// float32 conversions around products keep the compiler from fusing them into FMAs.
package boxes

import (
	"math"

	"github.com/shuffledet/shuffledet/internal/kernels"
)

// Box is an axis-aligned box in corner form: (X1, Y1) top left, (X2, Y2) bottom right.
// Its memory layout is four consecutive float32 values, like a row of a torch [N, 4] tensor.
type Box struct{ X1, Y1, X2, Y2 float32 }

// Width returns X2 - X1.
func (b Box) Width() float32 { return b.X2 - b.X1 }

// Height returns Y2 - Y1.
func (b Box) Height() float32 { return b.Y2 - b.Y1 }

// Area returns (X2-X1)*(Y2-Y1) in float32, as torchvision's box_area and the NMS kernel compute it.
// A box with X2 < X1 or Y2 < Y1 can have a negative or positive "area"; callers that need a
// geometric area clip or filter first.
func (b Box) Area() float32 { return float32((b.X2 - b.X1) * (b.Y2 - b.Y1)) }

// Clip clamps the x coordinates to [0, w] and the y coordinates to [0, h], as
// torchvision.ops.clip_boxes_to_image does for an image of size (h, w). NaN stays NaN.
func (b Box) Clip(w, h float32) Box {
	return Box{clamp(b.X1, w), clamp(b.Y1, h), clamp(b.X2, w), clamp(b.Y2, h)}
}

func clamp(v, hi float32) float32 {
	if v < 0 {
		v = 0
	}
	if v > hi {
		v = hi
	}
	return v
}

// IoU returns the intersection over union of a and b, computed in float32 exactly as torchvision's
// CPU NMS kernel does: inter / (area(a) + area(b) - inter), with the intersection's sides
// StdMax(0, StdMin(a.X2, b.X2) - StdMax(a.X1, b.X1)) (and likewise in y). Two empty boxes give
// NaN (0/0), as in torch; NaN never exceeds a threshold.
//
// It is the reference package nms is tested against (TestNMSMatchesNaiveIoU): nms computes the
// same IoU in passes over many boxes at once (kernels.FilterIoU; for boxes with a NaN coordinate
// a loop on StdMin and StdMax), not through this function.
func IoU(a, b Box) float32 {
	w := StdMax(0, StdMin(a.X2, b.X2)-StdMax(a.X1, b.X1))
	h := StdMax(0, StdMin(a.Y2, b.Y2)-StdMax(a.Y1, b.Y1))
	inter := float32(w * h)
	return inter / (a.Area() + b.Area() - inter)
}

// StdMax is C++'s std::max(a, b) for float32: a unless a < b. Unlike Go's built-in max it is
// not symmetric in NaN: StdMax(NaN, x) is NaN but StdMax(x, NaN) is x (every comparison with NaN
// is false), and StdMax(-0, +0) is -0. torch's and torchvision's CPU kernels use std::max, so
// code that must round and propagate NaN as they do uses this.
func StdMax(a, b float32) float32 {
	if a < b {
		return b
	}
	return a
}

// StdMin is C++'s std::min(a, b) for float32: a unless b < a. StdMin(NaN, x) is NaN but
// StdMin(x, NaN) is x; see StdMax.
func StdMin(a, b float32) float32 {
	if b < a {
		return b
	}
	return a
}

// IsLarge reports whether both sides of b are >= minSize: the per-box test of
// torchvision.ops.remove_small_boxes. minSize is rounded to float32 first, as torch does when it
// compares a float32 tensor with a Python float.
func (b Box) IsLarge(minSize float64) bool {
	m := float32(minSize)
	return b.X2-b.X1 >= m && b.Y2-b.Y1 >= m
}

// FromFlat appends to dst the boxes held in f as consecutive (x1, y1, x2, y2) quadruples (the
// layout of a [N, 4] float32 tensor) and returns the extended slice. A trailing partial quadruple
// is ignored.
func FromFlat(dst []Box, f []float32) []Box {
	for i := 0; i+4 <= len(f); i += 4 {
		dst = append(dst, Box{f[i], f[i+1], f[i+2], f[i+3]})
	}
	return dst
}

// AppendFlat appends the coordinates of bs to dst as (x1, y1, x2, y2) quadruples and returns the
// extended slice.
func AppendFlat(dst []float32, bs []Box) []float32 {
	for _, b := range bs {
		dst = append(dst, b.X1, b.Y1, b.X2, b.Y2)
	}
	return dst
}

// DefaultXformClip is torchvision's bbox_xform_clip, log(1000/16): the largest log-scale change
// of width or height the decoder accepts.
var DefaultXformClip = math.Log(1000.0 / 16)

// Coder decodes box regression deltas relative to reference boxes, as torchvision's BoxCoder
// (models/detection/_utils.py) with the given weights. The RPN uses weights (1, 1, 1, 1), the box
// head (10, 10, 5, 5).
type Coder struct {
	// Weights divide the deltas (dx, dy, dw, dh).
	Weights [4]float32
	// XformClip caps dw and dh (after the division) before exp; torchvision's default is
	// DefaultXformClip. It is stored rounded to float32, as torch compares in float32.
	XformClip float32
}

// NewCoder returns a Coder with the given weights and torchvision's default clip log(1000/16).
func NewCoder(wx, wy, ww, wh float32) Coder {
	return Coder{Weights: [4]float32{wx, wy, ww, wh}, XformClip: float32(DefaultXformClip)}
}

// Decode applies the deltas d = (dx, dy, dw, dh) to the reference box ref, exactly as
// BoxCoder.decode_single does in float32:
//
//	w, h = x2-x1, y2-y1; cx, cy = x1 + 0.5w, y1 + 0.5h
//	dx, dy, dw, dh = d / weights; dw, dh = min(dw, clip), min(dh, clip)
//	pcx, pcy = dx*w + cx, dy*h + cy; pw, ph = exp(dw)*w, exp(dh)*h
//	box = (pcx - 0.5pw, pcy - 0.5ph, pcx + 0.5pw, pcy + 0.5ph)
//
// exp is kernels.Exp1, torch's own float32 exp, so the result matches torch bit for bit.
func (c Coder) Decode(ref Box, dx, dy, dw, dh float32) Box {
	w := ref.X2 - ref.X1
	h := ref.Y2 - ref.Y1
	cx := ref.X1 + float32(0.5*w)
	cy := ref.Y1 + float32(0.5*h)
	dx /= c.Weights[0]
	dy /= c.Weights[1]
	dw /= c.Weights[2]
	dh /= c.Weights[3]
	if dw > c.XformClip {
		dw = c.XformClip
	}
	if dh > c.XformClip {
		dh = c.XformClip
	}
	pcx := float32(dx*w) + cx
	pcy := float32(dy*h) + cy
	pw := float32(kernels.Exp1(dw) * w)
	ph := float32(kernels.Exp1(dh) * h)
	hw := float32(0.5 * pw)
	hh := float32(0.5 * ph)
	return Box{pcx - hw, pcy - hh, pcx + hw, pcy + hh}
}
