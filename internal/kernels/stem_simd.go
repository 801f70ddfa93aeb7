//go:build !noasm && (amd64 || arm64)

package kernels

// stemEdgeRow is the row stride of the edge buffers of the AVX2 and NEON stem drivers: the 18
// values from column 2x-1 an 8-output block reads (the NEON kernel reads 17).
const stemEdgeRow = 18

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
