//go:build !noasm && (amd64 || arm64)

package kernels

import "slices"

// dwRowKernel computes n outputs in each of m rows of a 3x3 depthwise convolution whose windows
// lie inside the input plane, n a positive multiple of the kernel's vector width. in points at
// the leftmost input column of output (0, 0)'s window in the first of nr input rows (input rows
// are w elements apart); output row j starts at out[j*ldo] and reads from in[j*ldi]; wt points at
// the 3*nr weights of those rows:
//
//	for j := 0; j < m; j++ {
//		for i := 0; i < n; i++ {
//			s := bias
//			for r := 0; r < nr; r++ {
//				for k := 0; k < 3; k++ {
//					s += wt[3*r+k] * in[j*ldi+r*w+stride*i+k]
//				}
//			}
//			out[j*ldo+i] = s
//		}
//	}
type dwRowKernel func(out, in *float32, w, nr int, wt *float32, n, m, ldo, ldi int, bias float32)

// dwStripKernel computes columns [x0, x0+n) of every row of a stride-1 Depthwise3x3 plane of h
// rows (padding 1: the output is h×w too), 1 <= n <= smallPlane; out and in point at column x0
// of row 0, both with row stride ld (= w), masks come from s1Masks(x0, n, w), wt the 9 weights:
//
//	for oy := 0; oy < h; oy++ {
//		for ox := x0; ox < x0+n; ox++ {
//			s := bias
//			for ky := 0; ky < 3; ky++ {
//				for kx := 0; kx < 3; kx++ {
//					y, x := oy+ky-1, ox+kx-1
//					if y >= 0 && y < h && x >= 0 && x < w {
//						s += wt[ky*3+kx] * in[y*w+x]
//					}
//				}
//			}
//			out[oy*w+ox] = s
//		}
//	}
type dwStripKernel func(out, in *float32, h, ld int, masks uint64, wt *float32, bias float32)

// dwStrip is a strip kernel and its widest strip (at most smallPlane); a nil fn: none.
type dwStrip struct {
	fn    dwStripKernel
	width int
}

// s1Masks packs the lane masks of a dwStripKernel on columns [x0, x0+n) of a w-wide plane: the
// strip's lanes, those whose window has a left column (x-1 >= 0), and those whose window has a
// right column (x+1 <= w-1), 16 bits each.
func s1Masks(x0, n, w int) uint64 {
	lanes := uint64(1)<<n - 1
	left, right := lanes, lanes
	if x0 == 0 {
		left &^= 1
	}
	if x0+n == w {
		right &^= 1 << (n - 1)
	}
	return lanes | left<<16 | right<<32
}

// smallPlane is the widest strip a dwStripKernel takes, and the widest output row of a stride-2
// plane kernel in one register (one AVX-512 register per row).
const smallPlane = 16

// dwPlaneS2Kernel computes a whole stride-2 Depthwise3x3 plane, h×w into oh×ow, 1 <= w <= its
// dwPlaneS2's width, masks from s2Masks(w, ow); the loop is Depthwise3x3's.
type dwPlaneS2Kernel func(out, in *float32, h, w, oh, ow int, masks uint64, wt *float32, bias float32)

// dwPlaneS2 is a stride-2 plane kernel and the widest plane it takes (at most 4*smallPlane); a
// nil fn: none.
type dwPlaneS2 struct {
	fn    dwPlaneS2Kernel
	width int
}

// s2Masks packs the lane masks of a stride-2 plane kernel for an input row of w values and ow
// outputs: the input lanes, the outputs whose window has a left column (2x-1 >= 0), all outputs,
// and those whose window has a right column (2x+1 <= w-1), 16 bits each (of the input, its first
// 16 lanes: a kernel that takes wider rows makes the mask of the rest itself). A row of more than
// 2*smallPlane values has the masks of its second 16 outputs instead (the first 16 have every
// column): the input lanes of columns 32-47 and 48-63, the outputs, those with a right column.
func s2Masks(w, ow int) uint64 {
	if w > 2*smallPlane {
		lanes := func(n int) uint64 { return uint64(1)<<min(max(n, 0), smallPlane) - 1 }
		return lanes(w-32) | lanes(w-48)<<16 | lanes(ow-16)<<32 | lanes(w/2-16)<<48
	}
	in := uint64(1)<<min(w, smallPlane) - 1
	all := uint64(1)<<ow - 1
	right := uint64(1)<<(w/2) - 1 // 2x+1 <= w-1 for x < w/2 (and w/2 <= ow)
	return in | (all&^1)<<16 | all<<32 | right<<48
}

// dwVec is a row kernel for one stride and its vector width.
type dwVec struct {
	fn    dwRowKernel
	width int // a power of two
}

// depthwise3x3SIMD returns a Depthwise3x3 that runs the interior columns (windows inside the
// plane) through the row kernels, s1 for stride 1 and s2 for stride 2, widest first, each taking
// as many whole vectors as fit and the narrower ones the rest; a remainder narrower than every
// kernel is recomputed by an overlapping last vector when the interior is at least a vector
// wide. One call covers all the rows whose windows lie inside the plane (the top and bottom rows
// have one call each), so small planes pay the call once. The edge columns, and the rest, take
// the portable path (dwColumns), except where small.fn and small2 are not nil: at stride 1,
// small takes a plane of up to small.width columns whole, a plane of up to twice that as two
// strips, and the two edge strips of a wider one (the row kernels then run between them); small2
// takes a stride-2 plane of up to small2.width columns whole.
func depthwise3x3SIMD(s1, s2 []dwVec, small dwStrip, small2 dwPlaneS2) func(out, in []float32, h, w, oh, ow, stride int, wt []float32, bias float32) {
	for _, v := range slices.Concat(s1, s2) {
		mustBePowerOfTwo(v.width)
	}
	return func(out, in []float32, h, w, oh, ow, stride int, wt []float32, bias float32) {
		if h < 1 || w < 1 || oh < 1 || ow < 1 { // an empty plane: the bounds checks below would index -1
			depthwise3x3Generic(out, in, h, w, oh, ow, stride, wt, bias)
			return
		}
		// strips: columns [0, lo) and [hi, ow) are small's, the row kernels run between.
		sw := small.width
		strips := small.fn != nil && stride == 1 && oh == h && ow == w
		if strips {
			_, _, _ = out[h*w-1], in[h*w-1], wt[8] // the kernel reads and writes inside these
			n := min(w, sw)
			small.fn(&out[0], &in[0], h, w, s1Masks(0, n, w), &wt[0], bias)
			if w <= sw {
				return
			}
			x0 := max(w-sw, sw)
			small.fn(&out[x0], &in[x0], h, w, s1Masks(x0, w-x0, w), &wt[0], bias)
			if w <= 2*sw {
				return
			}
		}
		if small2.fn != nil && stride == 2 && w <= small2.width && oh == (h-1)/2+1 && ow == (w-1)/2+1 {
			_, _, _ = out[oh*ow-1], in[h*w-1], wt[8] // the kernel reads and writes inside these
			small2.fn(&out[0], &in[0], h, w, oh, ow, s2Masks(w, ow), &wt[0], bias)
			return
		}
		vecs := s1
		if stride == 2 {
			vecs = s2
		} else if stride != 1 {
			depthwise3x3Generic(out, in, h, w, oh, ow, stride, wt, bias)
			return
		}
		// Interior columns: x = ox*stride-1 >= 0 and ox*stride+1 <= w-1; the same for rows.
		lo, hi := 1, min((w-2)/stride+1, ow)
		if strips {
			lo, hi = sw, w-sw
		}
		if w < 2 {
			hi = 0
		}
		midEnd := min((h-2)/stride+1, oh)
		if h < 2 {
			midEnd = 0
		}
		_, _ = out[oh*ow-1], in[h*w-1] // the kernels read and write inside these
		for oy := 0; oy < oh; {
			y := oy*stride - 1
			y0, y1 := max(y, 0), min(y+2, h-1)
			nr, wo := y1-y0+1, 3*(y0-y)
			_ = wt[wo+3*nr-1]
			m := 1
			if oy >= 1 && oy < midEnd {
				m = midEnd - oy
			}
			ox := lo
			for _, v := range vecs {
				if n := (hi - ox) &^ (v.width - 1); n > 0 {
					v.fn(&out[oy*ow+ox], &in[y0*w+ox*stride-1], w, nr, &wt[wo], n, m, ow, stride*w, bias)
					ox += n
				}
			}
			if ox < hi && hi-lo >= vecs[len(vecs)-1].width {
				v := vecs[len(vecs)-1]
				start := hi - v.width
				v.fn(&out[oy*ow+start], &in[y0*w+start*stride-1], w, nr, &wt[wo], v.width, m, ow, stride*w, bias)
				ox = hi
			}
			// The rest: columns [0, lo) and [ox, ow), where ox is lo when no kernel ran; with
			// strips, only [ox, hi).
			for j := oy; j < oy+m; j++ {
				row := out[j*ow : (j+1)*ow]
				r0, r1, r2 := dwInputRows(in, h, w, j*stride-1)
				if strips {
					dwColumns(row, ox, hi, r0, r1, r2, w, stride, wt, bias)
					continue
				}
				dwColumns(row, 0, min(lo, ow), r0, r1, r2, w, stride, wt, bias)
				dwColumns(row, max(ox, lo), ow, r0, r1, r2, w, stride, wt, bias)
			}
			oy += m
		}
	}
}

// mustBePowerOfTwo panics unless a kernel's vector width is a power of two, which the drivers'
// whole-vector counts (n &^ (width-1)) rely on: a programmer error in an init.
func mustBePowerOfTwo(width int) {
	if width <= 0 || width&(width-1) != 0 {
		panic("kernels: vector width is not a power of two")
	}
}
