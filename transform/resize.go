package transform

import (
	"fmt"
	"slices"
)

// axis holds the bilinear source indices and weights along one dimension, computed like PyTorch
// 1.13's CPU upsample_bilinear2d (align_corners=False, no explicit scale): scale = in/out in
// float32; then, in float64, src = max(scale*(dst+0.5) - 0.5, 0), i0 = trunc(src), i1 = i0+1
// unless i0 is the last index, l1 = float32(clamp(src-i0, 0, 1)); l0 = 1-l1 in float32. (A
// float32 src would be off by an ulp, 3e-5 near index 500, for most outputs; probing torch's
// weights with 0/1 inputs showed exactly this double-precision form.) When in == out the weights
// are (1, 0).
type axis struct {
	in, out int
	i0, i1  []int32
	w0, w1  []float32
}

// setup fills a for an in -> out resize, reusing its slices when the sizes repeat.
func (a *axis) setup(in, out int) {
	if a.in == in && a.out == out && len(a.i0) == out {
		return
	}
	a.in, a.out = in, out
	a.i0 = slices.Grow(a.i0[:0], out)[:out]
	a.i1 = slices.Grow(a.i1[:0], out)[:out]
	a.w0 = slices.Grow(a.w0[:0], out)[:out]
	a.w1 = slices.Grow(a.w1[:0], out)[:out]
	if in == out {
		for o := range out {
			a.i0[o], a.i1[o], a.w0[o], a.w1[o] = int32(o), int32(o), 1, 0
		}
		return
	}
	scale := float64(float32(in) / float32(out))
	for o := range out {
		src := scale*(float64(o)+0.5) - 0.5 // exact product: FMA or not gives the same double
		if src < 0 {
			src = 0
		}
		i0 := int(src)
		i1 := i0
		if i0 < in-1 {
			i1++
		}
		l1 := float32(src - float64(i0))
		l1 = min(max(l1, 0), 1)
		a.i0[o], a.i1[o] = int32(i0), int32(i1)
		a.w0[o], a.w1[o] = 1-l1, l1
	}
}

// Resize resizes a planar float32 image src [channels, inH, inW] into dst [channels, outH, outW]
// bilinearly, as torch.nn.functional.interpolate(mode="bilinear", align_corners=False) does on
// the CPU for an explicit output size (which is what recompute_scale_factor=True amounts to).
// It fails on non-positive sizes or slices of the wrong length.
func Resize(dst, src []float32, channels, inH, inW, outH, outW int) error {
	if channels <= 0 || inH <= 0 || inW <= 0 || outH <= 0 || outW <= 0 {
		return fmt.Errorf("%w: resize %dx%dx%d -> %dx%d", ErrEmptyImage, channels, inH, inW, outH, outW)
	}
	if inH > MaxSide || inW > MaxSide || outH > MaxSide || outW > MaxSide || channels > MaxPixels {
		return fmt.Errorf("%w: resize %dx%dx%d -> %dx%d", ErrImageTooLarge, channels, inH, inW, outH, outW)
	}
	if int64(len(src)) != int64(channels)*int64(inH)*int64(inW) || int64(len(dst)) != int64(channels)*int64(outH)*int64(outW) {
		return fmt.Errorf("%w: resize %dx%dx%d -> %dx%d with len(src)=%d, len(dst)=%d", ErrBadBuffer, channels, inH, inW, outH, outW, len(src), len(dst))
	}
	var xa, ya axis
	xa.setup(inW, outW)
	ya.setup(inH, outH)
	r0 := make([]float32, outW)
	r1 := make([]float32, outW)
	for c := range channels {
		plane := src[c*inH*inW : (c+1)*inH*inW]
		out := dst[c*outH*outW : (c+1)*outH*outW]
		k0, k1 := -1, -1 // input rows held by r0, r1
		for oy := range outH {
			y0, y1 := int(ya.i0[oy]), int(ya.i1[oy])
			if k0 != y0 {
				if k1 == y0 {
					r0, r1, k0, k1 = r1, r0, k1, k0
				} else {
					hpassFloat(r0, plane[y0*inW:(y0+1)*inW], &xa)
					k0 = y0
				}
			}
			if k1 != y1 {
				hpassFloat(r1, plane[y1*inW:(y1+1)*inW], &xa)
				k1 = y1
			}
			vpass(out[oy*outW:(oy+1)*outW], r0, r1, ya.w0[oy], ya.w1[oy])
		}
	}
	return nil
}

// hpassFloat interpolates one float row along x: dst[o] = w0*row[i0] + w1*row[i1] (float32 products
// rounded separately, then summed, as torch's scalar kernel evaluates them).
func hpassFloat(dst, row []float32, a *axis) {
	i0, i1, w0, w1 := a.i0[:len(dst)], a.i1[:len(dst)], a.w0[:len(dst)], a.w1[:len(dst)]
	for o := range dst {
		dst[o] = float32(row[i0[o]]*w0[o]) + float32(row[i1[o]]*w1[o])
	}
}

// vpass blends two horizontally interpolated rows: dst[x] = w0*r0[x] + w1*r1[x].
func vpass(dst, r0, r1 []float32, w0, w1 float32) {
	r0, r1 = r0[:len(dst)], r1[:len(dst)]
	for x := range dst {
		dst[x] = float32(r0[x]*w0) + float32(r1[x]*w1)
	}
}
