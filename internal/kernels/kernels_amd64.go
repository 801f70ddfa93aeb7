//go:build !noasm

package kernels

import "golang.org/x/sys/cpu"

// The amd64 assembly routines (.s files by routine, a long or generated kernel alone) and the CPU
// features they need. x/sys/cpu reports AVX2, FMA and AVX-512F only when the OS also saves the
// registers they use.

func init() {
	hasAVX2FMA := cpu.X86.HasAVX2 && cpu.X86.HasFMA
	sgemm.add("avx2", hasAVX2FMA, tiled(tileAVX2, 6, 8))
	sgemm.add("avx512", hasAVX2FMA && cpu.X86.HasAVX512F, tiled(tileAVX512, 8, 1))
	dwS1, dwS2 := []dwVec{{dw3x3s1AVX2, 8}, {dw3x3s1AVX, 4}}, []dwVec{{dw3x3s2AVX2, 8}, {dw3x3s2AVX, 4}}
	depthwise3x3.add("avx2", hasAVX2FMA, depthwise3x3SIMD(dwS1, dwS2, dwStrip{dw3x3s1SmallAVX2, 8}, dwPlaneS2{dw3x3s2SmallAVX2, smallPlane}))
	depthwise3x3.add("avx512", hasAVX2FMA && cpu.X86.HasAVX512F,
		depthwise3x3SIMD(append([]dwVec{{dw3x3s1AVX512, 16}}, dwS1...), append([]dwVec{{dw3x3s2AVX512, 16}}, dwS2...),
			dwStrip{dw3x3s1SmallAVX512, 16}, dwPlaneS2{dw3x3s2SmallAVX512, 4 * smallPlane}))
	maxPoolVecs := []poolVec{{maxPoolRowsAVX2, 8}, {maxPoolRowsAVX, 4}}
	maxPool3x3s2.add("avx2", cpu.X86.HasAVX2, pool3x3s2SIMD(maxPoolVecs, maxPoolColumns, poolPlane{}))
	maxPool3x3s2.add("avx512", cpu.X86.HasAVX2 && cpu.X86.HasAVX512F,
		pool3x3s2SIMD(append([]poolVec{{maxPoolRowsAVX512, 16}}, maxPoolVecs...), maxPoolColumns, poolPlane{}))
	avgPoolVecs := []poolVec{{avgPoolRowsAVX2, 8}, {avgPoolRowsAVX, 4}}
	avgPool3x3s2.add("avx2", cpu.X86.HasAVX2, pool3x3s2SIMD(avgPoolVecs, avgPoolColumns, poolPlane{avgPoolSmallAVX2, smallPlane}))
	avgPool3x3s2.add("avx512", cpu.X86.HasAVX2 && cpu.X86.HasAVX512F,
		pool3x3s2SIMD(append([]poolVec{{avgPoolRowsAVX512, 16}}, avgPoolVecs...), avgPoolColumns, poolPlane{avgPoolSmallAVX512, 4 * smallPlane}))
	bilinearSum.add("avx2", cpu.X86.HasAVX2, bilinearSumSIMD([]bilinearVec{{bilinearSumAVX2, 8}}))
	bilinearSum.add("avx512", cpu.X86.HasAVX2 && cpu.X86.HasAVX512F, bilinearSumSIMD([]bilinearVec{{bilinearSumAVX512, 16}, {bilinearSumAVX2, 8}}))
	transpose.add("avx2", cpu.X86.HasAVX2, transposeSIMD(transpose8AVX2, 8))
	transpose.add("avx512", cpu.X86.HasAVX512F, transposeSIMD(transpose16AVX512, 16))
	blend.add("avx2", cpu.X86.HasAVX2, blendSIMD(blendAVX2, 8))
	blend.add("avx512", cpu.X86.HasAVX512F, blendSIMD(blendAVX512, 16))
	lerpRow.add("avx2", cpu.X86.HasAVX2, lerpSIMD(lerpAVX2, 8))
	lerpRow.add("avx512", cpu.X86.HasAVX512F, lerpSIMD(lerpAVX512, 16))
	im2col.add("avx2", cpu.X86.HasAVX2, im2colSIMD(gather2AVX2, 8))
	im2col.add("avx512", cpu.X86.HasAVX512F, im2colSIMD(gather2AVX512, 16))
	stem3x3s2.add("avx2", hasAVX2FMA, stem3x3s2Blocks)
	stem3x3s2.add("avx512", hasAVX2FMA && cpu.X86.HasAVX512F, stem3x3s2AVX512)
	sum.add("avx2", cpu.X86.HasAVX2, func(x []float32) float32 {
		if len(x) == 0 {
			return 0
		}
		return sumAVX2(&x[0], len(x))
	})
	sum.add("avx512", cpu.X86.HasAVX512F, func(x []float32) float32 {
		if len(x) == 0 {
			return 0
		}
		return sumAVX512(&x[0], len(x))
	})
	exp.add("avx2", hasAVX2FMA, expVec(expAVX2, 8))
	exp.add("avx512", cpu.X86.HasAVX512F, expVec(expAVX512, 16))
	filterIoU.add("avx2", cpu.X86.HasAVX2 && cpu.X86.HasPOPCNT, filterIoUSIMD(filterIoUAVX2, 1))
	filterIoU.add("avx512", cpu.X86.HasAVX512F && cpu.X86.HasPOPCNT, filterIoUSIMD(filterIoUAVX512, 1))
}

// sgemmKernelAVX2 (sgemm_avx2_amd64.s) computes a block of 1 <= rows <= 6 rows and n columns of
// C, n a multiple of 8, with the epilogue ep (AVX2 and FMA; a, b, c and ep.res point at element
// (0, 0), strides are in elements, ep.res's too is ldc):
//
//	for i := 0; i < rows; i++ {
//		for j := 0; j < n; j++ {
//			var s float32
//			for p := 0; p < k; p++ {
//				s += a[i*lda+p] * b[p*ldb+j]
//			}
//			if ep.keepC[0] != 0 {
//				s += c[i*ldc+j]
//			} else {
//				s += ep.bias[i]
//			}
//			if ep.addRes[0] != 0 {
//				s += res[i*ldc+j]
//			}
//			if ep.floor[0] > s {
//				s = ep.floor[0]
//			}
//			c[i*ldc+j] = s
//		}
//	}
//
//go:noescape
func sgemmKernelAVX2(rows, k, n int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, ep *tileEpilogue)

// sgemmKernelAVX512 (sgemm_avx512_amd64.s, written by gen_sgemm_avx512.go) is sgemmKernelAVX2
// for 1 <= rows <= 8 and any n >= 1 (AVX-512F; the last strip is masked, except a last strip of
// 49-52 columns, whose last 1-4 columns are vectorized over the rows; the same values either way).
//
//go:noescape
func sgemmKernelAVX512(rows, k, n int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, ep *tileEpilogue)

// dw3x3s1AVX2 and dw3x3s2AVX2 (depthwise_avx2_amd64.s) are dwRowKernels for stride 1 and 2, 8
// outputs per step (AVX2 and FMA); dw3x3s1AVX and dw3x3s2AVX the same 4 outputs per step.
//
//go:noescape
func dw3x3s1AVX2(out, in *float32, w, nr int, wt *float32, n, m, ldo, ldi int, bias float32)

// dw3x3s2AVX2: see dw3x3s1AVX2.
//
//go:noescape
func dw3x3s2AVX2(out, in *float32, w, nr int, wt *float32, n, m, ldo, ldi int, bias float32)

// dw3x3s1AVX: see dw3x3s1AVX2.
//
//go:noescape
func dw3x3s1AVX(out, in *float32, w, nr int, wt *float32, n, m, ldo, ldi int, bias float32)

// dw3x3s2AVX: see dw3x3s1AVX2.
//
//go:noescape
func dw3x3s2AVX(out, in *float32, w, nr int, wt *float32, n, m, ldo, ldi int, bias float32)

// dw3x3s1AVX512 and dw3x3s2AVX512 (depthwise_avx512_amd64.s) are dwRowKernels for stride 1 and 2,
// 16 outputs per step (AVX-512F).
//
//go:noescape
func dw3x3s1AVX512(out, in *float32, w, nr int, wt *float32, n, m, ldo, ldi int, bias float32)

// dw3x3s2AVX512: see dw3x3s1AVX512.
//
//go:noescape
func dw3x3s2AVX512(out, in *float32, w, nr int, wt *float32, n, m, ldo, ldi int, bias float32)

// maxPoolRowsAVX512 and avgPoolRowsAVX512 (pool_amd64.s) are poolRowKernels, 16 outputs per step
// (AVX-512F).
//
//go:noescape
func maxPoolRowsAVX512(out, in *float32, w, nr, n, m, ldo, ldi int)

// avgPoolRowsAVX512: see maxPoolRowsAVX512.
//
//go:noescape
func avgPoolRowsAVX512(out, in *float32, w, nr, n, m, ldo, ldi int)

// maxPoolRowsAVX2 and avgPoolRowsAVX2 (pool_amd64.s) are poolRowKernels, 8 outputs per step
// (AVX2); maxPoolRowsAVX and avgPoolRowsAVX the same 4 outputs per step.
//
//go:noescape
func maxPoolRowsAVX2(out, in *float32, w, nr, n, m, ldo, ldi int)

// avgPoolRowsAVX2: see maxPoolRowsAVX2.
//
//go:noescape
func avgPoolRowsAVX2(out, in *float32, w, nr, n, m, ldo, ldi int)

// maxPoolRowsAVX: see maxPoolRowsAVX2.
//
//go:noescape
func maxPoolRowsAVX(out, in *float32, w, nr, n, m, ldo, ldi int)

// avgPoolRowsAVX: see maxPoolRowsAVX2.
//
//go:noescape
func avgPoolRowsAVX(out, in *float32, w, nr, n, m, ldo, ldi int)

// bilinearSumAVX512 and bilinearSumAVX2 (bilinear_amd64.s) are bilinearKernels, 16 and 8 channels
// per vector (AVX-512F; AVX2, which uses AVX instructions only), four vectors per step.
//
//go:noescape
func bilinearSumAVX512(out, src *float32, taps *Tap, nt, n int, div float32)

// bilinearSumAVX2: see bilinearSumAVX512.
//
//go:noescape
func bilinearSumAVX2(out, src *float32, taps *Tap, nt, n int, div float32)

// transpose8AVX2 (transpose_amd64.s) is a transposeKernel of 8x8 blocks (AVX2; it uses AVX
// instructions only).
//
//go:noescape
func transpose8AVX2(dst, src *float32, ldd, lds, n int)

// transpose16AVX512 (transpose_amd64.s) is a transposeKernel on 16x16 blocks (AVX-512F).
//
//go:noescape
func transpose16AVX512(dst, src *float32, ldd, lds, n int)

// blendAVX2 (blend_amd64.s) is a blendKernel, 8 values per step (AVX).
//
//go:noescape
func blendAVX2(dst, a, b *float32, n int, wa, wb float32)

// blendAVX512 (blend_amd64.s) is a blendKernel, 16 values per step (AVX-512F).
//
//go:noescape
func blendAVX512(dst, a, b *float32, n int, wa, wb float32)

// lerpAVX2 (lerp_amd64.s) is a lerpKernel, 8 outputs per step (AVX2).
//
//go:noescape
func lerpAVX2(dst, src *float32, i0, i1 *int32, w0, w1 *float32, n, ns int) bool

// lerpAVX512 (lerp_amd64.s) is a lerpKernel, 16 outputs per step (AVX-512F).
//
//go:noescape
func lerpAVX512(dst, src *float32, i0, i1 *int32, w0, w1 *float32, n, ns int) bool

// gather2AVX512 (gather2_amd64.s) is a gather2Kernel, 16 values per step (AVX-512F).
//
//go:noescape
func gather2AVX512(dst, src *float32, n int)

// gather2AVX2 (gather2_amd64.s) is a gather2Kernel, 8 values per step (AVX2).
//
//go:noescape
func gather2AVX2(dst, src *float32, n int)

// dw3x3s1SmallAVX512 (depthwise_small_avx512_amd64.s) is a dwStripKernel: a strip of 1-16
// columns of a stride-1 plane, every row, one row per register (AVX-512F; masked loads and FMAs
// skip the padding).
//
//go:noescape
func dw3x3s1SmallAVX512(out, in *float32, h, ld int, masks uint64, wt *float32, bias float32)

// dw3x3s1SmallAVX2 (depthwise_small_avx2_amd64.s) is a dwStripKernel of 1-8 columns, one row
// per register (AVX2, FMA; masked loads and -0 weights keep the padding out).
//
//go:noescape
func dw3x3s1SmallAVX2(out, in *float32, h, ld int, masks uint64, wt *float32, bias float32)

// dw3x3s2SmallAVX2 (depthwise_small_avx2_amd64.s) is a dwPlaneS2Kernel: a whole stride-2 plane
// of 1 <= w <= 16 columns, one output row per register (AVX2, FMA; masked loads and -0 weights
// keep the padding out).
//
//go:noescape
func dw3x3s2SmallAVX2(out, in *float32, h, w, oh, ow int, masks uint64, wt *float32, bias float32)

// avgPoolSmallAVX2 (depthwise_small_avx2_amd64.s) is a poolPlaneKernel for AvgPool3x3s2, bit for
// bit with its plain loop (AVX2).
//
//go:noescape
func avgPoolSmallAVX2(out, in *float32, h, w, oh, ow int, masks uint64)

// dw3x3s2SmallAVX512 (depthwise_small_avx512_amd64.s) is a dwPlaneS2Kernel: a whole stride-2 plane of
// 1 <= w <= 64 columns, one output row per register, two past 16 outputs (AVX-512F; masked loads
// and FMAs skip the padding).
//
//go:noescape
func dw3x3s2SmallAVX512(out, in *float32, h, w, oh, ow int, masks uint64, wt *float32, bias float32)

// avgPoolSmallAVX512 (depthwise_small_avx512_amd64.s) is a poolPlaneKernel for AvgPool3x3s2 of
// 1 <= w <= 64 columns, bit for bit with its plain loop (AVX-512F).
//
//go:noescape
func avgPoolSmallAVX512(out, in *float32, h, w, oh, ow int, masks uint64)

// filterIoUAVX512 and filterIoUAVX2 (filteriou_amd64.s) are filterIoUKernels, 16 and 8 boxes per
// step (AVX-512F, AVX2; both POPCNT).
//
//go:noescape
func filterIoUAVX512(x1, y1, x2, y2, area *float32, index *int32, n int, b *[5]float32, thresh float32) int

// filterIoUAVX2: see filterIoUAVX512.
//
//go:noescape
func filterIoUAVX2(x1, y1, x2, y2, area *float32, index *int32, n int, b *[5]float32, thresh float32) int

// iouLaneMasks holds eight -1s then eight 0s: the 8 int32 from iouLaneMasks[8-c] select the first c
// lanes of a YMM register (filterIoUAVX2's partial loads and stores).
var iouLaneMasks = [16]int32{-1, -1, -1, -1, -1, -1, -1, -1}

// iouPackLanes[m] lists the lanes whose bit is set in m, in order, then zeros: the VPERMPS indices
// that move filterIoUAVX2's surviving lanes m to the front of a register.
var iouPackLanes = packLanes()

func packLanes() (t [256][8]uint8) {
	for m := range t {
		k := 0
		for lane := range 8 {
			if m&(1<<lane) != 0 {
				t[m][k] = uint8(lane)
				k++
			}
		}
	}
	return t
}

// expAVX2 (exp_amd64.s) is Exp on n values, n a positive multiple of 8 (AVX2 and FMA), with
// Exp1's constants at c (expConstants).
//
//go:noescape
func expAVX2(dst, x *float32, n int, c *[14]uint32)

// expAVX512 (exp_amd64.s) is Exp on n values, n a positive multiple of 16 (AVX-512F), with
// Exp1's constants at c (expConstants).
//
//go:noescape
func expAVX512(dst, x *float32, n int, c *[14]uint32)

// sumAVX2 (sum_amd64.s) is Sum on n >= 1 values, in 8 partial sums (AVX2).
//
//go:noescape
func sumAVX2(x *float32, n int) float32

// sumAVX512 (sum_amd64.s) is Sum on n >= 1 values, in 16 partial sums (AVX-512F).
//
//go:noescape
func sumAVX512(x *float32, n int) float32

// stemBlock24AVX512 (stem_avx512_amd64.s, written by gen_stem_avx512.go) computes 16 outputs of
// one output row y of Stem3x3s2 for 24 output channels: out points at the first, ldo is
// Stem3x3s2's plane stride; in+off (off in bytes, possibly negative: the row above the plane, the
// column left of it) is channel 0's input row 2y-1 at the block's column 2x-1, w and hw an input
// row's and plane's size; masks packs the lanes inside the plane of the four loads of each input
// row (16 bits each: columns 2x-1 from the block's first, the next 16, and both from 2 columns
// on), rows the input rows inside the plane (bits 0-2) and the output lanes (bits 8-23); wt and
// bias are the 24 channels' own, floor reluFloor's.
//
//go:noescape
func stemBlock24AVX512(out *float32, ldo int, in *float32, off, w, hw int, masks, rows uint64, wt, bias *float32, floor float32)

// stemBlock12AVX512 is stemBlock24AVX512 for 12 output channels.
//
//go:noescape
func stemBlock12AVX512(out *float32, ldo int, in *float32, off, w, hw int, masks, rows uint64, wt, bias *float32, floor float32)

// stem3x3s2AVX512 is Stem3x3s2 as 16-output blocks of stemBlock24AVX512 for each 24 output
// channels and stemBlock12AVX512 for a last 12.
func stem3x3s2AVX512(out []float32, ldo int, in []float32, h, w, m int, wt, bias []float32, relu bool, y0, y1 int) {
	ow, floor := (w-1)/2+1, reluFloor(relu)
	if y0 >= y1 {
		return
	}
	_, _, _, _ = out[(m-1)*ldo+(y1-y0)*ow-1], in[StemIn*h*w-1], wt[m*StemIn*9-1], bias[m-1]
	// lanes is the mask of the 16 input columns from c that lie inside the row.
	lanes := func(c int) uint64 {
		lo, hi := max(-c, 0), min(w-c, 16)
		if hi <= lo {
			return 0
		}
		return (uint64(1)<<hi - 1) &^ (uint64(1)<<lo - 1)
	}
	for y := y0; y < y1; y++ {
		var rows uint64
		for r := 0; r < 3; r++ {
			if iy := 2*y - 1 + r; iy >= 0 && iy < h {
				rows |= 1 << r
			}
		}
		for x := 0; x < ow; x += 16 {
			c := 2*x - 1
			masks := lanes(c) | lanes(c+16)<<16 | lanes(c+2)<<32 | lanes(c+18)<<48
			r := rows | (uint64(1)<<min(ow-x, 16)-1)<<8
			off := 4 * ((2*y-1)*w + c)
			for o := 0; o < m; o += 24 {
				block := stemBlock24AVX512
				if m-o < 24 {
					block = stemBlock12AVX512
				}
				block(&out[o*ldo+(y-y0)*ow+x], ldo, &in[0], off, w, h*w, masks, r, &wt[o*StemIn*9], &bias[o], floor)
			}
		}
	}
}

// prefetchRows (prefetch_amd64.s) asks the CPU to bring rows >= 1 rows of lines >= 1 cache lines
// (64 bytes) each, the first at p and each stride floats after the one before, into L1: what the
// matrix product's next tile call will read of A.
//
//go:noescape
func prefetchRows(p *float32, stride, rows, lines int)
