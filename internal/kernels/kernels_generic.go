package kernels

import "math"

// The portable versions of the routines in kernels.go. Each has its routine's meaning; where a
// comment says so, a float32 sum adds its terms in another order than the plain loop (the tests
// allow for that rounding), and every other result is the plain loop's, bit for bit.

// sgemmGeneric is the portable SgemmEpilogue: C starts from the bias, takes the product
// (sgemmProduct), then the residual and ReLU, one pass each (sgemmBlock); in place over the
// residual, a block at a time with the block's residual saved first (sgemmGenericInPlace).
func sgemmGeneric(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, ep Epilogue) {
	if inPlace(c, ep) {
		sgemmGenericInPlace(m, n, k, a, lda, b, ldb, c, ldc, ep)
		return
	}
	sgemmBlock(m, n, k, a, lda, b, ldb, c, ldc, ep, ldc)
}

// sgemmGenericInPlace is sgemmGeneric with ep.Res the same elements as C: blocks of 4 rows (as
// sgemmProduct takes them, so every value is rounded as sgemmGeneric rounds it) by up to 64
// columns, each block's residual copied aside before the bias and the product overwrite it.
func sgemmGenericInPlace(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, ep Epilogue) {
	const rows, cols = 4, 64
	var saved [rows * cols]float32
	for i := 0; i < m; i += rows {
		r := min(rows, m-i)
		for j := 0; j < n; j += cols {
			w := min(cols, n-j)
			copyColumns(saved[:], cols, c[i*ldc+j:], ldc, r, w)
			block := Epilogue{ReLU: ep.ReLU, Res: saved[:]}
			if ep.Bias != nil {
				block.Bias = ep.Bias[i:]
			}
			ab, bb := a, b // k = 0: no product, and the operands may be empty
			if k > 0 {
				ab, bb = a[i*lda:], b[j:]
			}
			sgemmBlock(r, w, k, ab, lda, bb, ldb, c[i*ldc+j:], ldc, block, cols)
		}
	}
}

// sgemmBlock is sgemmGeneric with the residual's own row stride ldr: the bias, the product, then
// the residual and ReLU, one pass each.
func sgemmBlock(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, ep Epilogue, ldr int) {
	if ep.Bias != nil {
		for i, v := range ep.Bias[:m] {
			fillGeneric(c[i*ldc:i*ldc+n], v)
		}
	}
	sgemmProduct(m, n, k, a, lda, b, ldb, c, ldc)
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		switch {
		case ep.Res != nil && ep.ReLU:
			addReLUGeneric(row, ep.Res[i*ldr:i*ldr+n])
		case ep.Res != nil:
			addGeneric(row, ep.Res[i*ldr:i*ldr+n])
		case ep.ReLU:
			reluGeneric(row)
		}
	}
}

// copyColumns copies the first nt values of each of rows rows from src (row stride lds) to dst
// (row stride ldd): a block of a matrix, such as a ragged column strip into or out of a kernel's
// zero-padded tail buffer.
func copyColumns(dst []float32, ldd int, src []float32, lds, rows, nt int) {
	for j := 0; j < rows; j++ {
		copy(dst[j*ldd:j*ldd+nt], src[j*lds:j*lds+nt])
	}
}

// sgemmProduct is the portable C += A·B: 4 rows of C at a time, so each loaded row of B feeds four
// multiply-adds, with the k loop unrolled by two (two products are added before they reach C).
func sgemmProduct(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	i := 0
	for ; i+4 <= m; i += 4 {
		c0 := c[i*ldc : i*ldc+n]
		c1 := c[(i+1)*ldc : (i+1)*ldc+n]
		c2 := c[(i+2)*ldc : (i+2)*ldc+n]
		c3 := c[(i+3)*ldc : (i+3)*ldc+n]
		a0 := a[i*lda : i*lda+k]
		a1 := a[(i+1)*lda : (i+1)*lda+k]
		a2 := a[(i+2)*lda : (i+2)*lda+k]
		a3 := a[(i+3)*lda : (i+3)*lda+k]
		p := 0
		for ; p+2 <= k; p += 2 {
			b0 := b[p*ldb : p*ldb+n]
			b1 := b[(p+1)*ldb : (p+1)*ldb+n]
			x0, y0, z0, w0 := a0[p], a1[p], a2[p], a3[p]
			x1, y1, z1, w1 := a0[p+1], a1[p+1], a2[p+1], a3[p+1]
			b1 = b1[:len(b0)]
			c0 := c0[:len(b0)]
			c1 := c1[:len(b0)]
			c2 := c2[:len(b0)]
			c3 := c3[:len(b0)]
			for j, u := range b0 {
				v := b1[j]
				c0[j] += x0*u + x1*v
				c1[j] += y0*u + y1*v
				c2[j] += z0*u + z1*v
				c3[j] += w0*u + w1*v
			}
		}
		for ; p < k; p++ {
			b0 := b[p*ldb : p*ldb+n]
			x0, y0, z0, w0 := a0[p], a1[p], a2[p], a3[p]
			c0 := c0[:len(b0)]
			c1 := c1[:len(b0)]
			c2 := c2[:len(b0)]
			c3 := c3[:len(b0)]
			for j, u := range b0 {
				c0[j] += x0 * u
				c1[j] += y0 * u
				c2[j] += z0 * u
				c3[j] += w0 * u
			}
		}
	}
	for ; i < m; i++ {
		ci := c[i*ldc : i*ldc+n]
		ai := a[i*lda : i*lda+k]
		for p, x := range ai {
			bp := b[p*ldb : p*ldb+n]
			ci := ci[:len(bp)]
			for j, u := range bp {
				ci[j] += x * u
			}
		}
	}
}

// depthwise3x3Generic is the portable Depthwise3x3: a row in the padding is skipped, the interior
// columns run without bounds tests, and the three taps of a filter row are added before they
// reach the sum.
func depthwise3x3Generic(out, in []float32, h, w, oh, ow, stride int, wt []float32, bias float32) {
	for oy := 0; oy < oh; oy++ {
		r0, r1, r2 := dwInputRows(in, h, w, oy*stride-1)
		dwColumns(out[oy*ow:(oy+1)*ow], 0, ow, r0, r1, r2, w, stride, wt, bias)
	}
}

// dwInputRows returns input rows y, y+1 and y+2 of an h×w plane, nil for a row in the padding.
func dwInputRows(in []float32, h, w, y int) (r0, r1, r2 []float32) {
	if y >= 0 {
		r0 = in[y*w : (y+1)*w]
	}
	r1 = in[(y+1)*w : (y+2)*w]
	if y+2 < h {
		r2 = in[(y+2)*w : (y+3)*w]
	}
	return r0, r1, r2
}

// dwColumns writes outputs [x0, x1) of one Depthwise3x3 output row o from its input rows r0, r1,
// r2 (nil in the padding), as depthwise3x3Generic does.
func dwColumns(o []float32, x0, x1 int, r0, r1, r2 []float32, w, stride int, wt []float32, bias float32) {
	w00, w01, w02 := wt[0], wt[1], wt[2]
	w10, w11, w12 := wt[3], wt[4], wt[5]
	w20, w21, w22 := wt[6], wt[7], wt[8]
	for ox := x0; ox < x1; ox++ {
		x := ox*stride - 1
		acc := bias
		if x >= 0 && x+2 < w {
			if r0 != nil {
				acc += w00*r0[x] + w01*r0[x+1] + w02*r0[x+2]
			}
			acc += w10*r1[x] + w11*r1[x+1] + w12*r1[x+2]
			if r2 != nil {
				acc += w20*r2[x] + w21*r2[x+1] + w22*r2[x+2]
			}
		} else if x == -1 && w >= 2 { // the left edge: the window's columns 1 and 2
			if r0 != nil {
				acc += w01*r0[0] + w02*r0[1]
			}
			acc += w11*r1[0] + w12*r1[1]
			if r2 != nil {
				acc += w21*r2[0] + w22*r2[1]
			}
		} else if x == w-2 && x >= 0 { // the right edge: the window's columns 0 and 1
			if r0 != nil {
				acc += w00*r0[x] + w01*r0[x+1]
			}
			acc += w10*r1[x] + w11*r1[x+1]
			if r2 != nil {
				acc += w20*r2[x] + w21*r2[x+1]
			}
		} else {
			for kx := 0; kx < 3; kx++ {
				xx := x + kx
				if xx < 0 || xx >= w {
					continue
				}
				if r0 != nil {
					acc += wt[kx] * r0[xx]
				}
				acc += wt[3+kx] * r1[xx]
				if r2 != nil {
					acc += wt[6+kx] * r2[xx]
				}
			}
		}
		o[ox] = acc
	}
}

func im2colGeneric(cols []float32, ldc int, in []float32, c, h, w, k, stride, pad, ow, j0, j1 int) {
	im2colWith(gather2Generic, cols, ldc, in, c, h, w, k, stride, pad, ow, j0, j1)
}

// gather2Generic copies every other value of src into dst: dst[i] = src[2*i].
func gather2Generic(dst, src []float32) {
	for i := range dst {
		dst[i] = src[2*i]
	}
}

// im2colWith is Im2col with its stride-2 runs copied by gather2 (dst[i] = src[2*i]; src holds at
// least 2*len(dst)-1 values).
func im2colWith(gather2 func(dst, src []float32), cols []float32, ldc int, in []float32, c, h, w, k, stride, pad, ow, j0, j1 int) {
	// A run of positions in one output row at a time, all its windows' values: the run's row and
	// columns are worked out once for the c*k*k rows of cols it fills.
	for j := j0; j < j1; {
		oy, ox0 := j/ow, j%ow
		ox1 := min(ow, ox0+j1-j)
		off, n := j-j0, ox1-ox0
		j += n
		for ci := 0; ci < c; ci++ {
			plane := in[ci*h*w : (ci+1)*h*w]
			for ky := 0; ky < k; ky++ {
				y := oy*stride - pad + ky
				for kx := 0; kx < k; kx++ {
					dst := cols[((ci*k+ky)*k+kx)*ldc+off:][:n]
					if y < 0 || y >= h {
						clear(dst)
						continue
					}
					src := plane[y*w : (y+1)*w]
					// x = x0 + i*stride: zeros before the first i with x >= 0 (lo) and from the
					// first with x >= w (hi), a copy between.
					x0 := ox0*stride - pad + kx
					var lo, hi int
					switch stride {
					case 1:
						lo, hi = -x0, w-x0
					case 2: // the stem's: halving by shifts (floor; the clamps make it trunc's equal)
						lo, hi = (1-x0)>>1, (w-x0+1)>>1
					default:
						lo, hi = (-x0+stride-1)/stride, (w-x0+stride-1)/stride
					}
					lo = min(max(lo, 0), n)
					hi = max(min(hi, n), lo)
					clear(dst[:lo])
					switch {
					case hi == lo:
					case stride == 1:
						copy(dst[lo:hi], src[x0+lo:])
					case stride == 2:
						gather2(dst[lo:hi], src[x0+lo*2:])
					default:
						for i, x := lo, x0+lo*stride; i < hi; i, x = i+1, x+stride {
							dst[i] = src[x]
						}
					}
					clear(dst[hi:])
				}
			}
		}
	}
}

// reluFloor is the floor an epilogue's results are raised to: 0 for a ReLU, -Inf for none (which
// leaves every value, NaN included, as it is).
func reluFloor(relu bool) float32 {
	if relu {
		return 0
	}
	return float32(math.Inf(-1))
}

func stem3x3s2Generic(out []float32, ldo int, in []float32, h, w, m int, wt, bias []float32, relu bool, y0, y1 int) {
	ow, floor := (w-1)/2+1, reluFloor(relu)
	_, _ = wt[m*StemIn*9-1], bias[m-1]
	for o := 0; o < m; o++ {
		plane := out[o*ldo : o*ldo+(y1-y0)*ow]
		for oy := y0; oy < y1; oy++ {
			for ox := 0; ox < ow; ox++ {
				var s float32
				for c := 0; c < StemIn; c++ {
					for ky := 0; ky < 3; ky++ {
						for kx := 0; kx < 3; kx++ {
							y, x := 2*oy+ky-1, 2*ox+kx-1
							var v float32
							if y >= 0 && y < h && x >= 0 && x < w {
								v = in[(c*h+y)*w+x]
							}
							// float64's FMA of float32 values, rounded once more: float32's own
							// in all but rare double roundings (the tests allow 1e-6).
							s = float32(math.FMA(float64(wt[((o*StemIn+c)*3+ky)*3+kx]), float64(v), float64(s)))
						}
					}
				}
				s += bias[o]
				if floor > s { // a NaN stays, as VMAXPS keeps it
					s = floor
				}
				plane[(oy-y0)*ow+ox] = s
			}
		}
	}
}

func maxPool3x3s2Generic(out, in []float32, h, w, ow, oy0, oy1 int) {
	maxPoolColumns(out, in, h, w, ow, oy0, oy1, 0, ow)
}

// maxPoolColumns writes outputs [x0, x1) of output rows [oy0, oy1) of MaxPool3x3s2Rows (out from
// output row oy0 on, in from input row max(2*oy0-1, 0) on), as its plain loop: each window's rows
// top down, each row's values left to right, a value replacing the maximum so far when it is
// greater (so a NaN never does, and of equal values the first stays).
func maxPoolColumns(out, in []float32, h, w, ow, oy0, oy1, x0, x1 int) {
	base := max(2*oy0-1, 0)
	for oy := oy0; oy < oy1; oy++ {
		ya, yb := max(2*oy-1, 0), min(2*oy+1, h-1)
		o := out[(oy-oy0)*ow : (oy-oy0+1)*ow]
		for ox := x0; ox < x1; ox++ {
			xa, xb := max(2*ox-1, 0), min(2*ox+1, w-1)
			m := float32(math.Inf(-1))
			for y := ya; y <= yb; y++ {
				r := (y - base) * w
				for _, v := range in[r+xa : r+xb+1] {
					m = greater(v, m)
				}
			}
			o[ox] = m
		}
	}
}

// greater returns v if v > m and m otherwise, without a branch: on activations the comparison
// goes either way at random (the portable 112x112 max pool took 95-105 us with the branch, 74-76
// without).
func greater(v, m float32) float32 {
	var mask uint32
	if v > m {
		mask = ^uint32(0)
	}
	return math.Float32frombits(math.Float32bits(v)&mask | math.Float32bits(m)&^mask)
}

func avgPool3x3s2Generic(out, in []float32, h, w, ow, oy0, oy1 int) {
	avgPoolColumns(out, in, h, w, ow, oy0, oy1, 0, ow)
}

// avgPoolColumns writes outputs [x0, x1) of output rows [oy0, oy1) of AvgPool3x3s2 (out and in
// from the rows maxPoolColumns takes them), as its plain loop: the window's values inside the
// plane summed rows top down, each left to right, over 9.
func avgPoolColumns(out, in []float32, h, w, ow, oy0, oy1, x0, x1 int) {
	base := max(2*oy0-1, 0)
	for oy := oy0; oy < oy1; oy++ {
		ya, yb := max(2*oy-1, 0), min(2*oy+1, h-1)
		o := out[(oy-oy0)*ow : (oy-oy0+1)*ow]
		for ox := x0; ox < x1; ox++ {
			xa, xb := max(2*ox-1, 0), min(2*ox+1, w-1)
			var s float32
			for y := ya; y <= yb; y++ {
				r := (y - base) * w
				for _, v := range in[r+xa : r+xb+1] {
					s += v
				}
			}
			o[ox] = s / 9
		}
	}
}

// sumGeneric adds in eight interleaved partial sums (for the ILP: one chain of dependent adds
// would wait out each add's latency), then the remainder.
func sumGeneric(x []float32) float32 {
	var s [8]float32
	i := 0
	for ; i+8 <= len(x); i += 8 {
		v := x[i : i+8 : i+8]
		s[0] += v[0]
		s[1] += v[1]
		s[2] += v[2]
		s[3] += v[3]
		s[4] += v[4]
		s[5] += v[5]
		s[6] += v[6]
		s[7] += v[7]
	}
	t := ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]))
	for _, v := range x[i:] {
		t += v
	}
	return t
}

func fillGeneric(x []float32, v float32) {
	for i := range x {
		x[i] = v
	}
}

func scaleGeneric(x []float32, s float32) {
	for i := range x {
		x[i] *= s
	}
}

func reluGeneric(x []float32) {
	for i, v := range x {
		if v < 0 {
			x[i] = 0
		}
	}
}

func addGeneric(x, r []float32) {
	r = r[:len(x)]
	for i := range x {
		x[i] += r[i]
	}
}

func addReLUGeneric(x, r []float32) {
	r = r[:len(x)]
	for i, v := range x {
		v += r[i]
		if v < 0 {
			v = 0
		}
		x[i] = v
	}
}

// bilinearSumGeneric is the portable BilinearSum: its plain loop, eight channels per pass (one
// pass loads each tap once; each channel's sum is still added in the plain loop's order).
func bilinearSumGeneric(out, src []float32, taps []Tap, div float32) {
	j := 0
	for ; j+8 <= len(out); j += 8 {
		var s [8]float32
		for _, t := range taps {
			x0 := src[int(t.Off[0])+j : int(t.Off[0])+j+8]
			x1 := src[int(t.Off[1])+j : int(t.Off[1])+j+8]
			x2 := src[int(t.Off[2])+j : int(t.Off[2])+j+8]
			x3 := src[int(t.Off[3])+j : int(t.Off[3])+j+8]
			for i := range s {
				v := float32(t.W[0]*x0[i]) + float32(t.W[1]*x1[i])
				v += float32(t.W[2] * x2[i])
				s[i] += v + float32(t.W[3]*x3[i])
			}
		}
		for i, v := range s {
			out[j+i] = v / div
		}
	}
	for ; j < len(out); j++ {
		var s float32
		for _, t := range taps {
			v := float32(t.W[0]*src[int(t.Off[0])+j]) + float32(t.W[1]*src[int(t.Off[1])+j])
			v += float32(t.W[2] * src[int(t.Off[2])+j])
			s += v + float32(t.W[3]*src[int(t.Off[3])+j])
		}
		out[j] = s / div
	}
}

// transposeGeneric is the portable Transpose, 16 columns of src at a time: those 16 rows of dst,
// one contiguous run of memory, are written front to back while src's 64-byte pieces are read
// down the rows.
func transposeGeneric(dst []float32, ldd int, src []float32, rows, cols int) {
	const blk = 16
	if rows <= 0 || cols <= 0 {
		return
	}
	if ldd < rows {
		panic("kernels: Transpose with ldd < rows")
	}
	_, _ = dst[(cols-1)*ldd+rows-1], src[rows*cols-1]
	for j0 := 0; j0 < cols; j0 += blk {
		j1 := min(j0+blk, cols)
		d := dst[j0*ldd : (j1-1)*ldd+rows]
		for i := 0; i < rows; i++ {
			for j, v := range src[i*cols+j0 : i*cols+j1] {
				d[j*ldd+i] = v
			}
		}
	}
}

func blendGeneric(dst, a, b []float32, wa, wb float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = float32(a[i]*wa) + float32(b[i]*wb)
	}
}

// lerpRowGeneric is LerpRow's plain loop.
func lerpRowGeneric(dst, src []float32, i0, i1 []int32, w0, w1 []float32) {
	i0, i1, w0, w1 = i0[:len(dst)], i1[:len(dst)], w0[:len(dst)], w1[:len(dst)]
	for o := range dst {
		dst[o] = float32(src[i0[o]]*w0[o]) + float32(src[i1[o]]*w1[o])
	}
}

func filterIoUGeneric(s BoxSet, n int, b [5]float32, thresh float32) int {
	return filterIoUFrom(s, 0, 0, n, b, thresh)
}

// filterIoUFrom is FilterIoU's loop from box j0 on, with w boxes kept before it (w <= j0).
func filterIoUFrom(s BoxSet, j0, w, n int, b [5]float32, thresh float32) int {
	x1, y1, x2, y2, area, index := s.X1[:n], s.Y1[:n], s.X2[:n], s.Y2[:n], s.Area[:n], s.Index[:n]
	for j := j0; j < n; j++ {
		iw := max(0, min(b[2], x2[j])-max(b[0], x1[j]))
		ih := max(0, min(b[3], y2[j])-max(b[1], y1[j]))
		inter := float32(iw * ih)
		// Written unconditionally and kept by advancing w: no unpredictable branch.
		x1[w], y1[w], x2[w], y2[w], area[w], index[w] = x1[j], y1[j], x2[j], y2[j], area[j], index[j]
		if !(inter/(b[4]+area[j]-inter) > thresh) {
			w++
		}
	}
	return w
}
