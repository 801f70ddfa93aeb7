package transform

import (
	"slices"

	"github.com/shuffledet/shuffledet/internal/kernels"
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
		src := float64(scale*(float64(o)+0.5)) - 0.5 // exact product; the conversion forbids a fused multiply-add all the same
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

// vpass blends two horizontally interpolated rows: dst[x] = w0*r0[x] + w1*r1[x], each product
// rounded before the sum (kernels.Blend, SIMD where the CPU has it).
func vpass(dst, r0, r1 []float32, w0, w1 float32) {
	kernels.Blend(dst, r0, r1, w0, w1)
}
