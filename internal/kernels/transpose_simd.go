//go:build !noasm && (amd64 || arm64)

package kernels

// transposeKernel transposes n >= 1 w×w blocks stacked down a strip of w columns of src into w
// rows of dst (w the kernel's block size); src points at the strip's first value, dst at the
// first value of the first of its rows, and the row strides are in elements:
//
//	for b := 0; b < n; b++ {
//		for i := 0; i < w; i++ {
//			for j := 0; j < w; j++ {
//				dst[j*ldd+b*w+i] = src[(b*w+i)*lds+j]
//			}
//		}
//	}
type transposeKernel func(dst, src *float32, ldd, lds, n int)

// transposeSIMD returns a Transpose that walks src in strips of w columns, left to right, each
// down all its rows through the block kernel k, so dst is written w whole rows at a time, front
// to back. A ragged last strip, and a ragged last block of a strip, are recomputed as
// overlapping ones (a transpose only moves values, and dst does not overlap src); a matrix with
// fewer than w rows or columns is left to the portable version.
func transposeSIMD(k transposeKernel, w int) func(dst []float32, ldd int, src []float32, rows, cols int) {
	return func(dst []float32, ldd int, src []float32, rows, cols int) {
		if rows < w || cols < w {
			transposeGeneric(dst, ldd, src, rows, cols)
			return
		}
		if ldd < rows {
			panic("kernels: Transpose with ldd < rows")
		}
		_, _ = dst[(cols-1)*ldd+rows-1], src[rows*cols-1] // the kernels write and read inside these
		nb, last := rows/w, rows-w
		for j0 := 0; j0 < cols; j0 += w {
			j := min(j0, cols-w)
			k(&dst[j*ldd], &src[j], ldd, cols, nb)
			if rows%w != 0 {
				k(&dst[j*ldd+last], &src[last*cols+j], ldd, cols, 1)
			}
		}
	}
}
