package transform

import "fmt"

// resize resizes a planar float32 image src [channels, inH, inW] into dst [channels, outH, outW]
// bilinearly, as torch.nn.functional.interpolate(mode="bilinear", align_corners=False) does on
// the CPU for an explicit output size (which is what recompute_scale_factor=True amounts to).
// It fails on non-positive sizes or slices of the wrong length. The Preprocessor folds the same
// axis weights and evaluation order into its own passes; this float version lets the tests check
// them against F.interpolate on arbitrary values.
func resize(dst, src []float32, channels, inH, inW, outH, outW int) error {
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
