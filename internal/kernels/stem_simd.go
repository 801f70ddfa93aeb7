//go:build !noasm && (amd64 || arm64)

package kernels

// stemBlock12 computes 8 outputs of one output row y of Stem3x3s2 (from column x) for 12 output
// channels, each sum as its instruction set's matrix product computes it, so that the values are
// the im2col product's bit for bit: AVX2 on amd64 (stem_avx2_amd64.s: from zero, then the bias),
// NEON on arm64 (stem_arm64.s: from the bias); both written by their generators. out points at
// the first output, ldo is Stem3x3s2's plane stride; in is channel 0's input row 2y-1 at column
// 2x-1, ldi and ldc an input row's and channel's stride, and up to stemEdgeRow values of each of
// the 9 rows from there are read (AVX2 reads 18 and uses 17, NEON reads and uses 17); wt holds the 12 channels' weights tap by
// tap (wt[k*12+o]: tap k = (c*3+ky)*3+kx), floor is reluFloor's.
//
//go:noescape
func stemBlock12(out *float32, ldo int, in *float32, ldi, ldc int, wt, bias *float32, floor float32)

// stemEdgeRow is the row stride of stem3x3s2Blocks's edge buffer: the 18 values from column 2x-1
// an 8-output block may read.
const stemEdgeRow = 18

// stem3x3s2Blocks is Stem3x3s2 as 8-output blocks of stemBlock12 for each 12 output channels
// (AVX2's and NEON's), the weights packed tap by tap, up to stemPacked channels at a time so that
// a block's windows serve them all while in cache; the last block of a row overlaps the one
// before (the same values again) and a row of fewer than 8 outputs goes through a buffer. A block
// whose reads would leave the plane (the first column, the top row, a right edge past the plane)
// reads a copy of its windows instead, zeros for the padding.
func stem3x3s2Blocks(out []float32, ldo int, in []float32, h, w, m int, wt, bias []float32, relu bool, y0, y1 int) {
	ow, floor := (w-1)/2+1, reluFloor(relu)
	if y0 >= y1 {
		return
	}
	_, _, _, _ = out[(m-1)*ldo+(y1-y0)*ow-1], in[StemIn*h*w-1], wt[m*StemIn*9-1], bias[m-1]
	const taps = StemIn * 9
	var edge [StemIn * 3 * stemEdgeRow]float32
	var narrow [StemBlock * 8]float32
	var packed [stemPacked * taps]float32
	for o0 := 0; o0 < m; o0 += stemPacked {
		o1 := min(o0+stemPacked, m)
		for o := o0; o < o1; o += StemBlock { // channels o..o+11 at packed[(o-o0)*taps:], tap by tap
			src := (*[StemBlock * taps]float32)(wt[o*taps:])
			dst := (*[StemBlock * taps]float32)(packed[(o-o0)*taps:])
			for c := range StemBlock {
				for k := range taps {
					dst[k*StemBlock+c] = src[c*taps+k]
				}
			}
		}
		for y := y0; y < y1; y++ {
			for x0 := 0; x0 < ow; x0 += 8 {
				x := min(x0, max(ow-8, 0))
				b := 2*x - 1 // the block's first input column
				src, ldi, ldc := &edge[0], stemEdgeRow, 3*stemEdgeRow
				if stemInside(in, h, w, y, b, stemEdgeRow) {
					src, ldi, ldc = &in[(2*y-1)*w+b], w, h*w
				} else {
					stemWindows(edge[:], stemEdgeRow, in, h, w, y, b)
				}
				for o := o0; o < o1; o += StemBlock {
					if ow >= 8 {
						stemBlock12(&out[o*ldo+(y-y0)*ow+x], ldo, src, ldi, ldc, &packed[(o-o0)*taps], &bias[o], floor)
						continue
					}
					stemBlock12(&narrow[0], 8, src, ldi, ldc, &packed[(o-o0)*taps], &bias[o], floor)
					for c := range StemBlock {
						copy(out[(o+c)*ldo+(y-y0)*ow:(o+c)*ldo+(y-y0+1)*ow], narrow[c*8:])
					}
				}
			}
		}
	}
}

// stemPacked is how many output channels stem3x3s2Blocks packs the weights of at a time: the
// stems' widest (2x), 5 KB.
const stemPacked = 4 * StemBlock

// stemWindows copies the input a stem block reads, width values from column b of input rows 2y-1,
// 2y and 2y+1 of each of the StemIn channels, into edge (row r of channel c at
// edge[(c*3+r)*width:]), zeros where they lie outside the h×w plane: an edge block's windows,
// so that its kernel never reads past the plane or multiplies anything but zeros there.
func stemWindows(edge []float32, width int, in []float32, h, w, y, b int) {
	for c := 0; c < StemIn; c++ {
		for r := 0; r < 3; r++ {
			row := edge[(c*3+r)*width : (c*3+r+1)*width]
			clear(row)
			if iy := 2*y - 1 + r; iy >= 0 && iy < h {
				lo, hi := max(b, 0), min(b+width, w)
				if lo < hi {
					copy(row[lo-b:], in[(c*h+iy)*w+lo:(c*h+iy)*w+hi])
				}
			}
		}
	}
}

// stemInside reports whether a stem block that reads width values from column b of input rows
// 2y-1..2y+1 of every channel reads inside the plane, all but the last value of a row, which it
// loads and never uses: that one may lie past the row (the next row's first value), never past
// the input.
func stemInside(in []float32, h, w, y, b, width int) bool {
	return 2*y-1 >= 0 && 2*y+1 < h && b >= 0 && b+width-2 < w && ((StemIn-1)*h+2*y+1)*w+b+width <= len(in)
}
