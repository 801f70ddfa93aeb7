//go:build !noasm && (amd64 || arm64)

package kernels

// poolRowKernel computes n outputs in each of m rows of a 3x3 stride-2 pool whose windows lie
// inside the input plane, n a positive multiple of the kernel's vector width: the maximum
// (MaxPool3x3s2) or the sum divided by 9 (AvgPool3x3s2) of each window, over its values in the
// plain loop's order. in points at the leftmost input column of output (0, 0)'s window in the
// first of nr input rows (input rows are w elements apart); output row j starts at out[j*ldo]
// and reads from in[j*ldi].
type poolRowKernel func(out, in *float32, w, nr, n, m, ldo, ldi int)

// poolPlaneKernel computes a whole pooled plane, h×w into oh×ow, 1 <= w <= its poolPlane's width,
// masks from s2Masks(w, ow); the loop is the pool's.
type poolPlaneKernel func(out, in *float32, h, w, oh, ow int, masks uint64)

// poolPlane is a pooling plane kernel and the widest plane it takes (at most 4*smallPlane); a nil
// fn: none.
type poolPlane struct {
	fn    poolPlaneKernel
	width int
}

// poolVec is a pooling row kernel and its vector width.
type poolVec struct {
	fn    poolRowKernel
	width int // a power of two
}

// pool3x3s2SIMD returns the rows form of MaxPool3x3s2 or AvgPool3x3s2 (as MaxPool3x3s2Rows takes
// them) that runs the interior columns through the row kernels, widest first, as
// depthwise3x3SIMD does, and the rest through plain, the portable version, applied to one column
// range of a block of output rows; a whole plane up to small.width wide goes to small.fn where it
// is not nil.
func pool3x3s2SIMD(vecs []poolVec, plain func(out, in []float32, h, w, ow, oy0, oy1, x0, x1 int), small poolPlane) func(out, in []float32, h, w, ow, oy0, oy1 int) {
	for _, v := range vecs {
		mustBePowerOfTwo(v.width)
	}
	return func(out, in []float32, h, w, ow, oy0, oy1 int) {
		if oy0 >= oy1 {
			return
		}
		if h < 1 || w < 1 || ow < 1 { // an empty plane: the bounds checks below would index -1
			plain(out, in, h, w, ow, oy0, oy1, 0, ow)
			return
		}
		if small.fn != nil && w <= small.width && oy0 == 0 && oy1 == (h-1)/2+1 && ow == (w-1)/2+1 {
			_, _ = out[oy1*ow-1], in[h*w-1] // the kernel reads and writes inside these
			small.fn(&out[0], &in[0], h, w, oy1, ow, s2Masks(w, ow))
			return
		}
		lo, hi := 1, min((w-2)/2+1, ow)
		if w < 2 {
			hi = 0
		}
		midEnd := min((h-2)/2+1, oy1) // rows whose three input rows all lie inside the plane
		if h < 2 {
			midEnd = 0
		}
		base := max(2*oy0-1, 0)
		_, _ = out[(oy1-oy0)*ow-1], in[(min(2*oy1-1, h-1)+1-base)*w-1] // the kernels read and write inside these
		for oy := oy0; oy < oy1; {
			y := 2*oy - 1
			y0, y1 := max(y, 0), min(y+2, h-1)
			nr := y1 - y0 + 1
			m := 1
			if oy >= 1 && oy < midEnd {
				m = midEnd - oy
			}
			o, i := out[(oy-oy0)*ow:], in[(y0-base)*w:] // the block's first output and input rows
			ox := lo
			for _, v := range vecs {
				if n := (hi - ox) &^ (v.width - 1); n > 0 {
					v.fn(&o[ox], &i[2*ox-1], w, nr, n, m, ow, 2*w)
					ox += n
				}
			}
			if ox < hi && hi-lo >= vecs[len(vecs)-1].width {
				v := vecs[len(vecs)-1]
				start := hi - v.width
				v.fn(&o[start], &i[2*start-1], w, nr, v.width, m, ow, 2*w)
				ox = hi
			}
			plain(o, i, h, w, ow, oy, oy+m, 0, min(lo, ow))
			plain(o, i, h, w, ow, oy, oy+m, max(ox, lo), ow)
			oy += m
		}
	}
}
