// Package kernels holds the engine's hot loops behind small, layer-agnostic signatures, for every
// compute package of the module (nn, backbone/shufflenet, roihead, transform, nms, rpn, boxes). Each routine's meaning is the plain
// Go loop in its doc comment.
//
// Every routine has a portable Go version (kernels_generic.go; Exp's in exp.go) and may have
// assembly versions, in .s files by routine and architecture (bilinear_amd64.s both amd64
// BilinearSums, exp_amd64.s both amd64 Exps; likewise blend_, filteriou_, gather2_, lerp_, sum_
// and transpose_amd64.s; pool_*.s both pools' row kernels), a long or generated kernel in a file of
// its own instruction set (sgemm_avx2_amd64.s, sgemm_avx512_amd64.s, sgemm8x12_arm64.s,
// stem_*.s, depthwise_*.s: depthwise_avx2_amd64.s holds the AVX2 and AVX row kernels,
// depthwise4_arm64.s the NEON kernels of 4 outputs a step and depthwise_rows_arm64.s their steps
// of several rows (four at stride 1, two at stride 2), depthwise_small_avx512_amd64.s and
// depthwise_small_avx2_amd64.s the whole-plane kernels of the box head's small planes,
// depthwise and average pool). The plane routines' assembly is a row kernel
// under a Go driver that hands it the interior of the plane (depthwise_simd.go, pool_simd.go);
// BilinearSum's is a channel kernel under bilinear_simd.go's, Transpose's a block kernel under
// transpose_simd.go's, Blend's a vector kernel under blend_simd.go's, LerpRow's under
// lerp_simd.go's, FilterIoU's a kernel under filteriou_simd.go's (amd64's take the whole set,
// NEON's multiples of 4), Im2col's stride-2
// copy (gather2_*.s) a vector kernel under gather2_simd.go's; Sum's (sum_amd64.s) takes the
// whole slice. At start-up each architecture's init (kernels_$GOARCH.go) adds the
// versions the CPU runs, as golang.org/x/sys/cpu reports its features, one line per routine and
// instruction set; a call goes to the best one.
// The noasm build tag leaves out every assembly version.
//
// Errors: a routine is given consistent sizes by its caller; slices too short for them are a
// programmer error and panic (index out of range), as for any Go slice.
package kernels

import "fmt"

// The generated assembly (here, not in kernels_$GOARCH.go, so that go generate writes both on
// any machine).
//go:generate go run gen_sgemm_avx512.go
//go:generate go run gen_depthwise_neon.go
//go:generate go run gen_depthwise4_neon.go
//go:generate go run gen_stem_avx512.go
//go:generate go run gen_stem_avx2.go
//go:generate go run gen_stem_neon.go
//go:generate go run gen_bilinear_neon.go

// Sgemm computes C += A·B for row-major A (m×k, row stride lda), B (k×n, ldb) and C (m×n, ldc):
//
//	for i := 0; i < m; i++ {
//		for j := 0; j < n; j++ {
//			for p := 0; p < k; p++ {
//				c[i*ldc+j] += a[i*lda+p] * b[p*ldb+j]
//			}
//		}
//	}
func Sgemm(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if m == 0 || n == 0 || k == 0 {
		return
	}
	sgemm.best(m, n, k, a, lda, b, ldb, c, ldc, Epilogue{})
}

// Epilogue is what SgemmEpilogue does around the product in its one pass over C: a convolution's
// bias, residual and ReLU, so that no separate pass fills, adds or clamps C. The zero Epilogue is
// Sgemm's C += A·B.
type Epilogue struct {
	// Bias, when not nil, holds a value per row of C (at least m) that the row starts from
	// instead of C's values: C = Bias + A·B.
	Bias []float32
	// Res, when not nil, is added after the product; it has C's shape and row stride (ldc). It
	// may be C itself (the same elements, not a partial overlap) when InPlaceResidual(k): the
	// result then replaces the residual, each element read before it is written, and a
	// network's residual unit needs no buffer for its output.
	Res []float32
	// ReLU clamps the negative results to zero, last (NaN stays NaN, -0 stays -0).
	ReLU bool
}

// SgemmEpilogue is Sgemm with an epilogue (k may be 0: C is then Bias + Res, clamped):
//
//	for i := 0; i < m; i++ {
//		for j := 0; j < n; j++ {
//			v := c[i*ldc+j]
//			if ep.Bias != nil {
//				v = ep.Bias[i]
//			}
//			for p := 0; p < k; p++ {
//				v += a[i*lda+p] * b[p*ldb+j]
//			}
//			if ep.Res != nil {
//				v += ep.Res[i*ldc+j]
//			}
//			if ep.ReLU && v < 0 {
//				v = 0
//			}
//			c[i*ldc+j] = v
//		}
//	}
func SgemmEpilogue(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, ep Epilogue) {
	if m == 0 || n == 0 {
		return
	}
	if inPlace(c, ep) && !InPlaceResidual(k) {
		panic("kernels: SgemmEpilogue in place over its residual, deeper than InPlaceResidual allows")
	}
	sgemm.best(m, n, k, a, lda, b, ldb, c, ldc, ep)
}

// kc is the depth of the assembly drivers' k blocks (sgemm_blocking.go): a deeper product
// stores partial sums in C between blocks.
const kc = 256

// KBlockRows is the deepest product the assembly drivers run as one k block (kc): a caller that
// lays out the right-hand side a slice of rows at a time (nn's windows of a convolution) fills one
// block a slice.
const KBlockRows = kc

// InPlaceResidual reports whether SgemmEpilogue may take a product of depth k with Epilogue.Res
// the same elements as C: whether every implementation adds the residual before it first stores
// to C, which holds up to kc = 256 (one k block).
func InPlaceResidual(k int) bool { return k <= kc }

// inPlace reports whether ep's residual is C itself.
func inPlace(c []float32, ep Epilogue) bool {
	return len(ep.Res) > 0 && len(c) > 0 && &ep.Res[0] == &c[0]
}

// Depthwise3x3 convolves one h×w plane with a 3×3 filter wt (row-major), padding 1 and the given
// stride, into an oh×ow plane, starting from bias:
//
//	for oy := 0; oy < oh; oy++ {
//		for ox := 0; ox < ow; ox++ {
//			s := bias
//			for ky := 0; ky < 3; ky++ {
//				for kx := 0; kx < 3; kx++ {
//					y, x := oy*stride+ky-1, ox*stride+kx-1
//					if y >= 0 && y < h && x >= 0 && x < w {
//						s += wt[ky*3+kx] * in[y*w+x]
//					}
//				}
//			}
//			out[oy*ow+ox] = s
//		}
//	}
func Depthwise3x3(out, in []float32, h, w, oh, ow, stride int, wt []float32, bias float32) {
	depthwise3x3.best(out, in, h, w, oh, ow, stride, wt, bias)
}

// StemIn is the input channels of the stem convolution Stem3x3s2 computes (ShuffleNet's first
// layer), and StemBlock what its output channels are a multiple of (12, 24 or 48 by width).
const StemIn, StemBlock = 3, 12

// Stem3x3s2 computes output rows [y0, y1) of a 3×3 convolution, stride 2, padding 1, of StemIn
// h×w planes into m oh×ow planes (m a positive multiple of StemBlock; oh = (h-1)/2+1, ow =
// (w-1)/2+1), writing plane o's row oy at out[o*ldo+(oy-y0)*ow:] (ldo >= (y1-y0)*ow: whole
// planes, or a band of rows that is then pooled while in cache), weights wt[o][c][ky][kx], as the
// product of Im2col's panel and SgemmEpilogue does it with the same instruction set: each sum by
// fused multiply-adds in the panel's row order from zero (padding taps are zeros), then the bias
// (on NEON, whose product starts from the bias, the sum starts there too), then, with relu,
// SgemmEpilogue's ReLU (0 unless the sum is greater; a NaN stays):
//
//	for o := 0; o < m; o++ {
//		for oy := y0; oy < y1; oy++ {
//			for ox := 0; ox < ow; ox++ {
//				var s float32
//				for c := 0; c < StemIn; c++ {
//					for ky := 0; ky < 3; ky++ {
//						for kx := 0; kx < 3; kx++ {
//							y, x := 2*oy+ky-1, 2*ox+kx-1
//							var v float32
//							if y >= 0 && y < h && x >= 0 && x < w {
//								v = in[(c*h+y)*w+x]
//							}
//							s = fma(wt[((o*StemIn+c)*3+ky)*3+kx], v, s)
//						}
//					}
//				}
//				s += bias[o]
//				if relu && 0 > s {
//					s = 0
//				}
//				out[o*ldo+(oy-y0)*ow+ox] = s
//			}
//		}
//	}
//
// (fma: float32's fused multiply-add; the portable version rounds float64's once more, which
// differs in rare double roundings.) Call it only where StemAccelerated: the portable version is
// the loop above, one value at a time, and callers are faster with Im2col and the product then.
func Stem3x3s2(out []float32, ldo int, in []float32, h, w, m int, wt, bias []float32, relu bool, y0, y1 int) {
	if m <= 0 || m%StemBlock != 0 { // the assembly runs whole blocks: it would write past channel m
		panic(fmt.Sprintf("kernels: Stem3x3s2 for %d output channels, not a positive multiple of %d", m, StemBlock))
	}
	stem3x3s2.best(out, ldo, in, h, w, m, wt, bias, relu, y0, y1)
}

// StemAccelerated reports whether Stem3x3s2 has an assembly version on this CPU (under ISAEnv's
// cap).
func StemAccelerated() bool { return len(stem3x3s2.impls) > 1 }

// Im2col lays out output positions [j0, j1) (positions numbered oy*ow+ox) of the k×k windows
// (given stride and zero padding) of c planes of h×w values as the rows of a (c·k·k)×(j1-j0)
// panel with row stride ldc: columns j0..j1-1 of the right-hand side of a convolution as a
// matrix product, so that a convolution can lay out and multiply a panel at a time:
//
//	for ci := 0; ci < c; ci++ {
//		for ky := 0; ky < k; ky++ {
//			for kx := 0; kx < k; kx++ {
//				row := cols[((ci*k+ky)*k+kx)*ldc:]
//				for j := j0; j < j1; j++ {
//					oy, ox := j/ow, j%ow
//					y, x := oy*stride-pad+ky, ox*stride-pad+kx
//					row[j-j0] = 0
//					if y >= 0 && y < h && x >= 0 && x < w {
//						row[j-j0] = in[(ci*h+y)*w+x]
//					}
//				}
//			}
//		}
//	}
func Im2col(cols []float32, ldc int, in []float32, c, h, w, k, stride, pad, ow, j0, j1 int) {
	im2col.best(cols, ldc, in, c, h, w, k, stride, pad, ow, j0, j1)
}

// MaxPool3x3s2 writes the 3×3, stride 2, padding 1 max pool of an h×w plane into an oh×ow plane.
// Padding never wins (as in PyTorch), and neither does a NaN input:
//
//	for oy := 0; oy < oh; oy++ {
//		for ox := 0; ox < ow; ox++ {
//			m := float32(math.Inf(-1))
//			for y := max(2*oy-1, 0); y <= min(2*oy+1, h-1); y++ {
//				for x := max(2*ox-1, 0); x <= min(2*ox+1, w-1); x++ {
//					if in[y*w+x] > m {
//						m = in[y*w+x]
//					}
//				}
//			}
//			out[oy*ow+ox] = m
//		}
//	}
func MaxPool3x3s2(out, in []float32, h, w, oh, ow int) {
	maxPool3x3s2.best(out, in, h, w, ow, 0, oh)
}

// MaxPool3x3s2Rows writes output rows [oy0, oy1) of MaxPool3x3s2 of an h×w plane (ow = (w-1)/2+1
// outputs a row) to out, which holds the output rows from oy0 on, from in, which holds the input
// rows from max(2*oy0-1, 0) on, through min(2*oy1-1, h-1), the last a window of the rows reads:
// so a plane can be pooled a band of rows at a time while the band is in cache (nn's stem).
func MaxPool3x3s2Rows(out, in []float32, h, w, ow, oy0, oy1 int) {
	maxPool3x3s2.best(out, in, h, w, ow, oy0, oy1)
}

// AvgPool3x3s2 writes the 3×3, stride 2, padding 1 average pool of an h×w plane into an oh×ow
// plane. Padding counts as zeros (PyTorch's count_include_pad), so every window divides by 9:
//
//	for oy := 0; oy < oh; oy++ {
//		for ox := 0; ox < ow; ox++ {
//			var s float32
//			for y := max(2*oy-1, 0); y <= min(2*oy+1, h-1); y++ {
//				for x := max(2*ox-1, 0); x <= min(2*ox+1, w-1); x++ {
//					s += in[y*w+x]
//				}
//			}
//			out[oy*ow+ox] = s / 9
//		}
//	}
func AvgPool3x3s2(out, in []float32, h, w, oh, ow int) {
	avgPool3x3s2.best(out, in, h, w, ow, 0, oh)
}

// Sum returns the sum of x, added in an order of the implementation's choosing (partial sums in
// vector lanes), so it may differ from this loop by rounding:
//
//	var s float32
//	for _, v := range x {
//		s += v
//	}
//	return s
func Sum(x []float32) float32 {
	return sum.best(x)
}

// Exp sets dst[i] to e^x[i] for every value of x (len(dst) >= len(x); dst may be x), each
// rounded as Exp1 rounds it (torch's vectorized float32 exp, bit for bit):
//
//	for i, v := range x {
//		dst[i] = Exp1(v)
//	}
func Exp(dst, x []float32) {
	if len(x) > 0 {
		_ = dst[len(x)-1] // too short a dst panics here, as the loop would
	}
	exp.best(dst, x)
}

// Scale multiplies every value of x by s:
//
//	for i := range x {
//		x[i] *= s
//	}
func Scale(x []float32, s float32) {
	scale.best(x, s)
}

// ReLU clamps the negative values of x to zero (NaN stays NaN):
//
//	for i := range x {
//		if x[i] < 0 {
//			x[i] = 0
//		}
//	}
func ReLU(x []float32) {
	relu.best(x)
}

// Add adds r to x; r must be at least as long as x:
//
//	for i := range x {
//		x[i] += r[i]
//	}
func Add(x, r []float32) {
	add.best(x, r)
}

// AddReLU adds r to x and clamps the negative sums to zero; r must be at least as long as x:
//
//	for i := range x {
//		v := x[i] + r[i]
//		if v < 0 {
//			v = 0
//		}
//		x[i] = v
//	}
func AddReLU(x, r []float32) {
	addReLU.best(x, r)
}

// Tap is one bilinear sample point of RoIAlign in a channels-last map ([pixels][channels]
// values): the element offsets of its four neighbouring pixels' first channel and their weights
// (torchvision's PreCalc, with the offsets premultiplied by the channel count).
type Tap struct {
	Off [4]int32
	W   [4]float32
}

// BilinearSum writes, for len(out) consecutive channels of a channels-last map, the sum of the
// bilinear samples taps divided by div, in torchvision roi_align's order: each product rounded to
// float32 before it is added (no fused multiply-add), the four of a tap summed left to right,
// then added to the channel's sum. Every implementation agrees with this loop bit for bit; out
// must not overlap src:
//
//	for j := range out {
//		var s float32
//		for _, t := range taps {
//			v := float32(t.W[0]*src[int(t.Off[0])+j]) + float32(t.W[1]*src[int(t.Off[1])+j])
//			v += float32(t.W[2] * src[int(t.Off[2])+j])
//			s += v + float32(t.W[3]*src[int(t.Off[3])+j])
//		}
//		out[j] = s / div
//	}
func BilinearSum(out, src []float32, taps []Tap, div float32) {
	// The implementations check each tap's reach by slicing src, which Go checks against its
	// capacity: without capacity past its length, a tap past the end panics as the loop's index does.
	src = src[:len(src):len(src)]
	bilinearSum.best(out, src, taps, div)
}

// Transpose writes the transpose of src, a rows×cols matrix (row-major), into dst (cols rows of
// rows values, each ldd >= rows values after the previous one; what lies between them is not
// written); dst must not overlap src:
//
//	for i := 0; i < rows; i++ {
//		for j := 0; j < cols; j++ {
//			dst[j*ldd+i] = src[i*cols+j]
//		}
//	}
func Transpose(dst []float32, ldd int, src []float32, rows, cols int) {
	transpose.best(dst, ldd, src, rows, cols)
}

// Blend writes the weighted sum of a and b into dst, each product rounded to float32 before the
// sum (no fused multiply-add), as torch's bilinear resize blends two rows; a and b must be at
// least as long as dst, and dst must not overlap them:
//
//	for i := range dst {
//		dst[i] = float32(a[i]*wa) + float32(b[i]*wb)
//	}
func Blend(dst, a, b []float32, wa, wb float32) {
	// As in BilinearSum: a and b shorter than dst panic, whatever their capacity.
	a, b = a[:len(a):len(a)], b[:len(b):len(b)]
	blend.best(dst, a, b, wa, wb)
}

// LerpRow interpolates each output between two values of src, each product rounded to float32
// before the sum (no fused multiply-add), as torch's bilinear resize interpolates along a row;
// i0, i1, w0 and w1 must be at least as long as dst, every index of them inside src (one outside
// panics, as the loop's index does), and dst must not overlap the others:
//
//	for o := range dst {
//		dst[o] = float32(src[i0[o]]*w0[o]) + float32(src[i1[o]]*w1[o])
//	}
func LerpRow(dst, src []float32, i0, i1 []int32, w0, w1 []float32) {
	// As in BilinearSum: slices shorter than dst panic, whatever their capacity.
	i0, i1, w0, w1 = i0[:len(i0):len(i0)], i1[:len(i1):len(i1)], w0[:len(w0):len(w0)], w1[:len(w1):len(w1)]
	lerpRow.best(dst, src, i0, i1, w0, w1)
}

// LerpRowAccelerated reports whether LerpRow has an assembly version on this CPU (under ISAEnv's
// cap): where it has none, a caller that would prepare a row only to hand it to LerpRow may be
// better off with its own loop.
func LerpRowAccelerated() bool { return len(lerpRow.impls) > 1 }

// BoxSet holds boxes one slice per field (structure of arrays), the layout FilterIoU vectorizes:
// box j is (X1[j], Y1[j], X2[j], Y2[j]) with area Area[j], and Index[j] is the caller's name for it.
type BoxSet struct {
	X1, Y1, X2, Y2, Area []float32
	Index                []int32
}

// FilterIoU is one pass of greedy non-maximum suppression: it removes from the first n boxes of s,
// in place and keeping their order, those whose IoU with box b (x1, y1, x2, y2, area) is greater
// than thresh, and returns how many remain. The IoU is torchvision's CPU nms's, in float32. No
// coordinate may be NaN (Go's min and max differ from std::min and std::max only there; package nms
// handles NaN boxes itself). Every implementation keeps the same boxes as this loop; what the
// fields hold from the returned count up to n is unspecified, and nothing past n is written:
//
//	w := 0
//	for j := 0; j < n; j++ {
//		iw := max(0, min(b[2], s.X2[j])-max(b[0], s.X1[j]))
//		ih := max(0, min(b[3], s.Y2[j])-max(b[1], s.Y1[j]))
//		inter := float32(iw * ih)
//		if !(inter/(b[4]+s.Area[j]-inter) > thresh) {
//			s.X1[w], s.Y1[w], s.X2[w], s.Y2[w] = s.X1[j], s.Y1[j], s.X2[j], s.Y2[j]
//			s.Area[w], s.Index[w] = s.Area[j], s.Index[j]
//			w++
//		}
//	}
//	return w
func FilterIoU(s BoxSet, n int, b [5]float32, thresh float32) int {
	if n == 0 {
		return 0
	}
	// Every field must hold n boxes: this panics as the plain loop would, before any kernel reads
	// (the indexes check the lengths; the slicing alone checks only the capacities).
	_, _, _, _, _, _ = s.X1[n-1], s.Y1[n-1], s.X2[n-1], s.Y2[n-1], s.Area[n-1], s.Index[n-1]
	s = BoxSet{s.X1[:n], s.Y1[:n], s.X2[:n], s.Y2[:n], s.Area[:n], s.Index[:n]}
	return filterIoU.best(s, n, b, thresh)
}

// The routines, each starting from its portable version; kernels_$GOARCH.go adds the assembly ones.
var (
	sgemm        = newRoutine(sgemmGeneric)
	depthwise3x3 = newRoutine(depthwise3x3Generic)
	im2col       = newRoutine(im2colGeneric)
	stem3x3s2    = newRoutine(stem3x3s2Generic)
	maxPool3x3s2 = newRoutine(maxPool3x3s2Generic)
	avgPool3x3s2 = newRoutine(avgPool3x3s2Generic)
	sum          = newRoutine(sumGeneric)
	scale        = newRoutine(scaleGeneric)
	relu         = newRoutine(reluGeneric)
	add          = newRoutine(addGeneric)
	addReLU      = newRoutine(addReLUGeneric)
	bilinearSum  = newRoutine(bilinearSumGeneric)
	transpose    = newRoutine(transposeGeneric)
	blend        = newRoutine(blendGeneric)
	lerpRow      = newRoutine(lerpRowGeneric)
	filterIoU    = newRoutine(filterIoUGeneric)
	exp          = newRoutine(expGeneric)
)
