//go:build !noasm

package kernels

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// The arm64 assembly routines (.s files by routine, a long or generated kernel alone) and the CPU
// features they need.

func init() {
	sgemm.add("neon", cpu.ARM64.HasASIMD, packedTiled)
	depthwise3x3.add("neon", cpu.ARM64.HasASIMD, depthwise3x3SIMD(
		[]dwVec{{dwRowBlocks(dw3x3s1NEON16x4, 4, 1, dw3x3s1NEON16), 16}, {dw3x3s1NEON, 4}},
		[]dwVec{{dwRowBlocks(dw3x3s2NEON16x2, 2, 2, dw3x3s2NEON16), 16}, {dw3x3s2NEON, 4}}, dwStrip{}, dwPlaneS2{}))
	maxPool3x3s2.add("neon", cpu.ARM64.HasASIMD, pool3x3s2SIMD([]poolVec{{maxPoolRowsNEON16, 16}, {maxPoolRowsNEON, 4}}, maxPoolColumns, poolPlane{}))
	avgPool3x3s2.add("neon", cpu.ARM64.HasASIMD, pool3x3s2SIMD([]poolVec{{avgPoolRowsNEON16, 16}, {avgPoolRowsNEON, 4}}, avgPoolColumns, poolPlane{}))
	bilinearSum.add("neon", cpu.ARM64.HasASIMD, bilinearSumSIMD([]bilinearVec{{bilinearSumNEON, 4}}))
	transpose.add("neon", cpu.ARM64.HasASIMD, transposeSIMD(transpose4NEON, 4))
	blend.add("neon", cpu.ARM64.HasASIMD, blendSIMD(blendNEON, 4))
	lerpRow.add("neon", cpu.ARM64.HasASIMD, lerpSIMD(lerpNEON, 4))
	im2col.add("neon", cpu.ARM64.HasASIMD, im2colSIMD(gather2NEON, 4))
	filterIoU.add("neon", cpu.ARM64.HasASIMD, filterIoUSIMD(filterIoUNEON, 4))
	exp.add("neon", cpu.ARM64.HasASIMD, expVec(expNEON, 8))
	stem3x3s2.add("neon", cpu.ARM64.HasASIMD, stem3x3s2Blocks)
}

// sgemmKernel8x12NEON (sgemm8x12_arm64.s) computes a block of 1 <= rows <= 8 rows and n columns
// of C, n a positive multiple of 12, k >= 1, from a packed A with the epilogue ep, in 8x12 tiles
// with by-element FMLA. ap holds k groups of 8 values, A's column p for the block's rows (zeros
// below rows); b, c and ep.res point at element (0, 0), strides are in elements (ep.res's too is
// ldc):
//
//	for i := 0; i < rows; i++ {
//		for j := 0; j < n; j++ {
//			s := c[i*ldc+j]
//			if ep.flags&packFromBias != 0 {
//				s = ep.bias[i]
//			}
//			for p := 0; p < k; p++ {
//				s += ap[p*8+i] * b[p*ldb+j]
//			}
//			if ep.flags&packAddRes != 0 {
//				s += res[i*ldc+j]
//			}
//			if ep.flags&packReLU != 0 && s < 0 {
//				s = 0
//			}
//			c[i*ldc+j] = s
//		}
//	}
//
//go:noescape
func sgemmKernel8x12NEON(rows, k, n int, ap *float32, b *float32, ldb int, c *float32, ldc int, ep *packEpilogue)

// dw3x3s1NEON and dw3x3s2NEON (depthwise4_arm64.s, written by gen_depthwise4_neon.go) are
// dwRowKernels for stride 1 and 2, 4 outputs per step: with all three input rows and the plane's
// row step (ldi = stride*w), a block of 4 columns down all m rows, each input row loaded once;
// otherwise one row at a time, 8 columns a step.
//
//go:noescape
func dw3x3s1NEON(out, in *float32, w, nr int, wt *float32, n, m, ldo, ldi int, bias float32)

// dw3x3s2NEON: see dw3x3s1NEON.
//
//go:noescape
func dw3x3s2NEON(out, in *float32, w, nr int, wt *float32, n, m, ldo, ldi int, bias float32)

// dw3x3s1NEON16 and dw3x3s2NEON16 (depthwise_arm64.s) are dw3x3s1NEON and dw3x3s2NEON with 16
// outputs per step in four independent sums.
//
//go:noescape
func dw3x3s1NEON16(out, in *float32, w, nr int, wt *float32, n, m, ldo, ldi int, bias float32)

// dw3x3s1NEON16x4 (depthwise_rows_arm64.s, written by gen_depthwise_neon.go) is dw3x3s1NEON16 for
// m output rows four at a time (m a positive multiple of 4), each with all three input rows (nr
// = 3, the nine weights at wt) at stride 1 (ldi = w): the middle input rows of a step feed three
// output rows each, so a step loads 72 vectors for 144 FMLAs where four one-row steps load 144.
// Each sum adds the same products in the same order as dw3x3s1NEON's, so the outputs are its
// bit for bit.
//
//go:noescape
func dw3x3s1NEON16x4(out, in *float32, w int, wt *float32, n, m, ldo int, bias float32)

// dwRowBlocks is a 16-wide row kernel that hands the rows it can take, rows at a time (all three
// input rows, at the given stride), to multi, and the rest (the plane's edges, the last rows) to
// one.
func dwRowBlocks(multi func(out, in *float32, w int, wt *float32, n, m, ldo int, bias float32), rows, stride int, one dwRowKernel) dwRowKernel {
	return func(out, in *float32, w, nr int, wt *float32, n, m, ldo, ldi int, bias float32) {
		if nr == 3 && ldi == stride*w && m >= rows {
			mb := m - m%rows
			multi(out, in, w, wt, n, mb, ldo, bias)
			if m == mb {
				return
			}
			out = (*float32)(unsafe.Add(unsafe.Pointer(out), 4*mb*ldo))
			in = (*float32)(unsafe.Add(unsafe.Pointer(in), 4*mb*ldi))
			m -= mb
		}
		one(out, in, w, nr, wt, n, m, ldo, ldi, bias)
	}
}

// dw3x3s2NEON16: see dw3x3s1NEON16.
//
//go:noescape
func dw3x3s2NEON16(out, in *float32, w, nr int, wt *float32, n, m, ldo, ldi int, bias float32)

// dw3x3s2NEON16x2 (depthwise_rows_arm64.s, written by gen_depthwise_neon.go) is dw3x3s2NEON16 for
// m output rows two at a time (m a positive multiple of 2), each with all three input rows (nr =
// 3) at stride 2 (ldi = 2w): a step's five input rows feed both output rows, the middle one twice,
// and each row's loads are issued during the previous row's FMLAs (a step's first row's during
// the last row of the step before, the loop taking steps two at a time). Each sum adds the same
// products in the same order as dw3x3s2NEON's, so the outputs are its bit for bit.
//
//go:noescape
func dw3x3s2NEON16x2(out, in *float32, w int, wt *float32, n, m, ldo int, bias float32)

// maxPoolRowsNEON and avgPoolRowsNEON (pool_arm64.s) are poolRowKernels, 4 outputs per step.
//
//go:noescape
func maxPoolRowsNEON(out, in *float32, w, nr, n, m, ldo, ldi int)

// avgPoolRowsNEON: see maxPoolRowsNEON.
//
//go:noescape
func avgPoolRowsNEON(out, in *float32, w, nr, n, m, ldo, ldi int)

// maxPoolRowsNEON16 and avgPoolRowsNEON16 (pool_arm64.s) are maxPoolRowsNEON and avgPoolRowsNEON
// with 16 outputs per step in four independent chains.
//
//go:noescape
func maxPoolRowsNEON16(out, in *float32, w, nr, n, m, ldo, ldi int)

// avgPoolRowsNEON16: see maxPoolRowsNEON16.
//
//go:noescape
func avgPoolRowsNEON16(out, in *float32, w, nr, n, m, ldo, ldi int)

// bilinearSumNEON (bilinear_arm64.s, written by gen_bilinear_neon.go) is a bilinearKernel, 4
// channels per vector, four vectors per step.
//
//go:noescape
func bilinearSumNEON(out, src *float32, taps *Tap, nt, n int, div float32)

// transpose4NEON (transpose_arm64.s) is a transposeKernel of 4x4 blocks.
//
//go:noescape
func transpose4NEON(dst, src *float32, ldd, lds, n int)

// blendNEON (blend_arm64.s) is a blendKernel, 4 values per step.
//
//go:noescape
func blendNEON(dst, a, b *float32, n int, wa, wb float32)

// lerpNEON (lerp_arm64.s) is a lerpKernel, 4 outputs per step.
//
//go:noescape
func lerpNEON(dst, src *float32, i0, i1 *int32, w0, w1 *float32, n, ns int) bool

// gather2NEON (gather2_arm64.s) is a gather2Kernel, 4 values per step.
//
//go:noescape
func gather2NEON(dst, src *float32, n int)

// filterIoUNEON (filteriou_arm64.s) is a filterIoUKernel of 4 boxes per step; n must be a
// multiple of 4.
//
//go:noescape
func filterIoUNEON(x1, y1, x2, y2, area *float32, index *int32, n int, b *[5]float32, thresh float32) int

// iouLaneBits holds each lane's bit: filterIoUNEON sums the bits of its removed lanes.
var iouLaneBits = [4]uint32{1, 2, 4, 8}

// iouPackLanesNEON[m] holds the TBL byte indices that move the 4-byte lanes whose bit is set in m
// to the front of a register, in order (the rest filled with lane 0): filterIoUNEON's packing.
var iouPackLanesNEON = func() (t [16][16]uint8) {
	for m := range t {
		k := 0
		for lane := range 4 {
			if m&(1<<lane) != 0 {
				for b := range 4 {
					t[m][4*k+b] = uint8(4*lane + b)
				}
				k++
			}
		}
	}
	return t
}()

// expNEON (exp_arm64.s) is Exp on n values, n a positive multiple of 8, with Exp1's constants at c
// (expConstants).
//
//go:noescape
func expNEON(dst, x *float32, n int, c *[14]uint32)
