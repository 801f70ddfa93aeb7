//go:build unix

package kernels

import (
	"math"
	"math/rand"
	"slices"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// fenced returns n float32s in memory of their own with an inaccessible page right after them
// (atEnd) or right before them, so that a kernel that reads or writes one value past either end
// of a slice faults instead of reading a neighbour's values: what the slice-sized tests cannot
// see, because Go's allocator leaves room after most slices.
func fenced(t *testing.T, n int, atEnd bool) []float32 {
	t.Helper()
	return newFence(t, n, atEnd).of(make([]float32, n))
}

// fencedCopy is fenced holding a copy of src.
func fencedCopy(t *testing.T, src []float32, atEnd bool) []float32 {
	dst := fenced(t, len(src), atEnd)
	copy(dst, src)
	return dst
}

// closeTo reports the first index where got and want differ by more than tol·(1+|want|); a NaN
// fails.
func closeTo(got, want []float32, tol float64) (int, bool) {
	for i := range want {
		if d := math.Abs(float64(got[i]) - float64(want[i])); !(d <= tol*(1+math.Abs(float64(want[i])))) {
			return i, false
		}
	}
	return -1, true
}

// TestKernelsStayInside runs the kernels that load or store whole vectors at the ends of their
// slices (masked or overlapping tails, the stem's one unused value past a row) with their inputs
// and outputs against inaccessible pages on one side and then the other, on every small shape,
// and compares with the portable version: a read or write past a slice faults the test (the
// slice-sized tests cannot see one: past a Go slice there is usually spare zeroed room).
func TestKernelsStayInside(t *testing.T) {
	for _, atEnd := range []bool{true, false} {
		side := "before"
		if atEnd {
			side = "after"
		}
		t.Run("stem/"+side, func(t *testing.T) { checkStemInside(t, atEnd) })
		t.Run("pool/"+side, func(t *testing.T) { checkPoolsInside(t, atEnd) })
		t.Run("depthwise/"+side, func(t *testing.T) { checkDepthwiseInside(t, atEnd) })
		t.Run("bilinear/"+side, func(t *testing.T) { checkBilinearInside(t, atEnd) })
		t.Run("rows/"+side, func(t *testing.T) { checkRowKernelsInside(t, atEnd) })
		t.Run("im2col/"+side, func(t *testing.T) { checkIm2colInside(t, atEnd) })
		t.Run("sgemm/"+side, func(t *testing.T) { checkSgemmInside(t, atEnd) })
	}
}

// fence is memory of its own between two inaccessible pages, reused for slices of any length up
// to its size, each flush against the page after it (atEnd) or the one before it (thousands of
// shapes would otherwise take as many mappings).
type fence struct {
	mem        []byte
	page, data int
	atEnd      bool
}

func newFence(t *testing.T, max int, atEnd bool) *fence {
	t.Helper()
	page := unix.Getpagesize()
	data := (4*max + page - 1) / page * page
	mem, err := unix.Mmap(-1, 0, data+2*page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		t.Fatalf("mmap: %v", err)
	}
	t.Cleanup(func() { unix.Munmap(mem) })
	for _, f := range [][]byte{mem[:page], mem[page+data:]} {
		if err := unix.Mprotect(f, unix.PROT_NONE); err != nil {
			t.Fatalf("mprotect: %v", err)
		}
	}
	return &fence{mem: mem, page: page, data: data, atEnd: atEnd}
}

// of returns a copy of src against the fence.
func (f *fence) of(src []float32) []float32 {
	start := f.page
	if f.atEnd {
		start = f.page + f.data - 4*len(src)
	}
	if len(src) == 0 {
		return nil
	}
	s := unsafe.Slice((*float32)(unsafe.Pointer(&f.mem[start])), len(src))
	copy(s, src)
	return s
}

// checkRowKernelsInside: Sum, Exp (also in place), Blend, LerpRow (the resize's indices from inputs
// half to twice as long, the last input value against the fence) and FilterIoU on every length
// 1-70 (40 for FilterIoU) and Transpose on ragged shapes and strides, every slice against a fence;
// the bit-exact ones compared with the portable version, Sum to the rounding of its other order.
func checkRowKernelsInside(t *testing.T, atEnd bool) {
	const maxN = 33 * 38
	fs := make([]*fence, 6)
	for i := range fs {
		fs[i] = newFence(t, maxN, atEnd)
	}
	rng := rand.New(rand.NewSource(44))
	forEach(t, sum, func(t *testing.T, fn func(x []float32) float32) {
		for n := 1; n <= 70; n++ {
			x := randSlice(rng, n)
			got, want := fn(fs[0].of(x)), sumGeneric(x)
			if _, ok := closeTo([]float32{got}, []float32{want}, 1e-5*float64(n)); !ok {
				t.Fatalf("n %d: %v, want %v", n, got, want)
			}
		}
	})
	forEach(t, exp, func(t *testing.T, fn func(dst, x []float32)) {
		for n := 1; n <= 70; n++ {
			x := withSpecials(rng, randSlice(rng, n))
			want := make([]float32, n)
			expGeneric(want, x)
			dst := fs[1].of(make([]float32, n))
			fn(dst, fs[0].of(x))
			in := fs[2].of(x)
			fn(in, in)
			for _, got := range [][]float32{dst, in} {
				if i, ok := sameBitsOrNaN(got, want); !ok {
					t.Fatalf("n %d: value %d %v, want %v", n, i, got[i], want[i])
				}
			}
		}
	})
	forEach(t, blend, func(t *testing.T, fn func(dst, a, b []float32, wa, wb float32)) {
		for n := 1; n <= 70; n++ {
			a, b := randSlice(rng, n), randSlice(rng, n)
			want := make([]float32, n)
			blendGeneric(want, a, b, 0.3, 0.7)
			dst := fs[2].of(make([]float32, n))
			fn(dst, fs[0].of(a), fs[1].of(b), 0.3, 0.7)
			if i, ok := sameBits(dst, want); !ok {
				t.Fatalf("n %d: value %d %v, want %v", n, i, dst[i], want[i])
			}
		}
	})
	forEach(t, lerpRow, func(t *testing.T, fn func(dst, src []float32, i0, i1 []int32, w0, w1 []float32)) {
		indices := func(f *fence, x []int32) []int32 { // int32s against the fence
			s := unsafe.Slice((*int32)(unsafe.Pointer(&f.of(make([]float32, len(x)))[0])), len(x))
			copy(s, x)
			return s
		}
		for n := 1; n <= 70; n++ {
			for _, in := range []int{max(1, n/2), n, 2 * n, 2*n + 5} {
				i0, i1, w0, w1 := resizeAxis(in, n)
				src := randSlice(rng, in)
				want := make([]float32, n)
				lerpRowGeneric(want, src, i0, i1, w0, w1)
				dst := fs[5].of(make([]float32, n))
				fn(dst, fs[0].of(src), indices(fs[1], i0), indices(fs[2], i1), fs[3].of(w0), fs[4].of(w1))
				if i, ok := sameBits(dst, want); !ok {
					t.Fatalf("%d -> %d: value %d %v, want %v", in, n, i, dst[i], want[i])
				}
			}
		}
	})
	forEach(t, transpose, func(t *testing.T, fn func(dst []float32, ldd int, src []float32, rows, cols int)) {
		for _, r := range []int{1, 3, 8, 9, 16, 17, 33} {
			for _, c := range []int{1, 3, 8, 9, 16, 17, 33} {
				for _, extra := range []int{0, 5} {
					ldd := r + extra
					src := fs[0].of(randSlice(rng, r*c))
					dst := fs[1].of(make([]float32, (c-1)*ldd+r))
					fn(dst, ldd, src, r, c)
					for i := range r {
						for j := range c {
							if dst[j*ldd+i] != src[i*c+j] {
								t.Fatalf("%dx%d (ldd %d): value (%d, %d) not moved", r, c, ldd, i, j)
							}
						}
					}
				}
			}
		}
	})
	forEach(t, filterIoU, func(t *testing.T, fn func(s BoxSet, n int, b [5]float32, thresh float32) int) {
		for n := 1; n <= 40; n++ {
			x, y := randSlice(rng, n), randSlice(rng, n)
			idx := make([]float32, n) // int32s against the fence
			boxes := func(f func(int) *fence) BoxSet {
				s := BoxSet{X1: f(0).of(x), Y1: f(1).of(y), X2: f(2).of(x), Y2: f(3).of(y), Area: f(4).of(make([]float32, n))}
				s.Index = unsafe.Slice((*int32)(unsafe.Pointer(&f(5).of(idx)[0])), n)
				for i := range n {
					s.X2[i], s.Y2[i], s.Area[i], s.Index[i] = s.X1[i]+1, s.Y1[i]+1, 1, int32(i)
				}
				return s
			}
			got := boxes(func(i int) *fence { return fs[i] })
			want := BoxSet{X1: slices.Clone(got.X1), Y1: slices.Clone(got.Y1), X2: slices.Clone(got.X2), Y2: slices.Clone(got.Y2),
				Area: slices.Clone(got.Area), Index: slices.Clone(got.Index)}
			b := [5]float32{0, 0, 1, 1, 1}
			if g, w := fn(got, n, b, 0.1), filterIoUGeneric(want, n, b, 0.1); g != w || !slices.Equal(got.Index[:g], want.Index[:w]) {
				t.Fatalf("n %d: kept %v, want %v", n, got.Index[:g], want.Index[:w])
			}
		}
	})
}

// checkIm2colInside: Im2col on every width 1-80 and height 1-5 at the stem's and the 1x1
// stride-2 and 3x3 stride-1 geometries, input and columns against a fence, bit for bit.
func checkIm2colInside(t *testing.T, atEnd bool) {
	in, out := newFence(t, 3*5*80, atEnd), newFence(t, 3*9*5*80, atEnd)
	rng := rand.New(rand.NewSource(45))
	forEach(t, im2col, func(t *testing.T, fn func(cols []float32, ldc int, in []float32, c, h, w, k, stride, pad, ow, j0, j1 int)) {
		for h := 1; h <= 5; h++ {
			for w := 1; w <= 80; w++ {
				for _, g := range [][3]int{{3, 2, 1}, {3, 2, 0}, {1, 2, 0}, {3, 1, 1}} {
					k, stride, pad := g[0], g[1], g[2]
					oh, ow := (h+2*pad-k)/stride+1, (w+2*pad-k)/stride+1
					if oh <= 0 || ow <= 0 {
						continue
					}
					const c = 3
					x := in.of(randSlice(rng, c*h*w))
					n := oh * ow
					cols := out.of(make([]float32, c*k*k*n))
					fn(cols, n, x, c, h, w, k, stride, pad, ow, 0, n)
					want := make([]float32, len(cols))
					im2colGeneric(want, n, x, c, h, w, k, stride, pad, ow, 0, n)
					if i, ok := sameBits(cols, want); !ok {
						t.Fatalf("%dx%d, k %d stride %d pad %d: value %d %v, want %v", h, w, k, stride, pad, i, cols[i], want[i])
					}
				}
			}
		}
	})
}

// checkSgemmInside: the product with every epilogue on ragged shapes around the tiles' widths
// (the AVX-512 tile's 48 columns among them), with and without padded leading dimensions, A, B,
// C, the bias and the residual each against a fence, within the rounding of its sums.
func checkSgemmInside(t *testing.T, atEnd bool) {
	const maxM, maxN, maxK = 13, 66, 301
	fa, fb, fc, fr, fbias := newFence(t, maxM*maxK, atEnd), newFence(t, maxK*maxN, atEnd), newFence(t, maxM*maxN, atEnd),
		newFence(t, maxM*maxN, atEnd), newFence(t, maxM, atEnd)
	rng := rand.New(rand.NewSource(46))
	forEach(t, sgemm, func(t *testing.T, fn sgemmFunc) {
		for _, m := range []int{1, 7, 8, 9, 13} {
			for _, n := range []int{1, 5, 15, 16, 17, 33, 47, 48, 49, 50, 51, 52, 53, 65} {
				for _, k := range []int{1, 17, 300} {
					for _, extra := range []int{0, 1} {
						lda, ldb, ldc := k+extra, n+extra, n+extra
						a, b := fa.of(randSlice(rng, (m-1)*lda+k)), fb.of(randSlice(rng, (k-1)*ldb+n))
						c0, res, bias := randSlice(rng, (m-1)*ldc+n), fr.of(randSlice(rng, (m-1)*ldc+n)), fbias.of(randSlice(rng, m))
						for mode := range 8 {
							ep := Epilogue{ReLU: mode&4 != 0}
							if mode&1 != 0 {
								ep.Bias = bias
							}
							if mode&2 != 0 {
								ep.Res = res
							}
							c := fc.of(c0)
							want := slices.Clone(c0)
							fn(m, n, k, a, lda, b, ldb, c, ldc, ep)
							sgemmGeneric(m, n, k, a, lda, b, ldb, want, ldc, ep)
							if i, ok := closeTo(c, want, 1e-6*float64(k+10)); !ok {
								t.Fatalf("%dx%dx%d (+%d), epilogue %d: value %d %v, want %v", m, n, k, extra, mode, i, c[i], want[i])
							}
						}
					}
				}
			}
		}
	})
}

// checkBilinearInside: every BilinearSum on 1-6 taps and channel counts around its vector widths,
// with the taps (the kernels may read the next tap ahead), the map and the output fenced, the
// taps' first and last neighbours at the map's two ends; bit for bit with the portable version.
func checkBilinearInside(t *testing.T, atEnd bool) {
	forEach(t, bilinearSum, func(t *testing.T, fn func(out, src []float32, taps []Tap, div float32)) {
		rng := rand.New(rand.NewSource(43))
		for nt := 1; nt <= 6; nt++ {
			for _, n := range []int{3, 4, 7, 8, 15, 16, 17, 20, 31, 32, 33, 48, 52} {
				pixels := 1 + rng.Intn(6)
				src := fencedCopy(t, randSlice(rng, pixels*n), atEnd)
				mem := fenced(t, nt*int(unsafe.Sizeof(Tap{}))/4, atEnd)
				taps := unsafe.Slice((*Tap)(unsafe.Pointer(&mem[0])), nt)
				for i := range taps {
					for k := range 4 {
						taps[i].Off[k] = int32(rng.Intn(pixels) * n)
						taps[i].W[k] = float32(rng.Float64())
					}
				}
				taps[0].Off[0], taps[nt-1].Off[3] = 0, int32((pixels-1)*n)
				got, want := fenced(t, n, atEnd), make([]float32, n)
				fn(got, src, taps, 3)
				bilinearSumGeneric(want, src, taps, 3)
				if i, ok := sameBits(got, want); !ok {
					t.Fatalf("%d taps, %d channels: out[%d] = %g, the portable version's %g", nt, n, i, got[i], want[i])
				}
			}
		}
	})
}

// checkStemInside: every Stem3x3s2 on planes up to 9x70 with 12-60 channels (input, weights and
// bias fenced), a random band of rows written into a fenced band; the band equals the same
// implementation's whole plane bit for bit, and the whole plane the portable version's within 1e-5.
func checkStemInside(t *testing.T, atEnd bool) {
	forEach(t, stem3x3s2, func(t *testing.T, fn func(out []float32, ldo int, in []float32, h, w, m int, wt, bias []float32, relu bool, y0, y1 int)) {
		rng := rand.New(rand.NewSource(41))
		for h := 1; h <= 9; h++ {
			for w := 1; w <= 70; w++ {
				m := StemBlock * (1 + (h+w)%5)
				oh, ow := (h-1)/2+1, (w-1)/2+1
				in := fencedCopy(t, randSlice(rng, StemIn*h*w), atEnd)
				wt, bias := fencedCopy(t, randSlice(rng, m*StemIn*9), atEnd), fencedCopy(t, randSlice(rng, m), atEnd)
				whole := make([]float32, m*oh*ow)
				fn(whole, oh*ow, in, h, w, m, wt, bias, true, 0, oh)
				want := make([]float32, m*oh*ow)
				stem3x3s2Generic(want, oh*ow, in, h, w, m, wt, bias, true, 0, oh)
				if i, ok := closeTo(whole, want, 1e-5); !ok {
					t.Fatalf("%dx%d, %d channels: value %d = %g, the portable version's %g", h, w, m, i, whole[i], want[i])
				}
				y0 := rng.Intn(oh)
				y1 := y0 + 1 + rng.Intn(oh-y0)
				ldo := (y1 - y0) * ow
				band := fenced(t, m*ldo, atEnd)
				fn(band, ldo, in, h, w, m, wt, bias, true, y0, y1)
				for o := range m {
					if i, ok := sameBits(band[o*ldo:(o+1)*ldo], whole[o*oh*ow+y0*ow:o*oh*ow+y1*ow]); !ok {
						t.Fatalf("%dx%d, %d channels, rows [%d, %d): channel %d's value %d differs from the whole plane's", h, w, m, y0, y1, o, i)
					}
				}
			}
		}
	})
}

// checkPoolsInside: every max and average pool on planes up to 20x80, a band of output rows at a
// time from a fenced copy of only the input rows it reads, into a fenced band; bit for bit with
// the portable version's whole plane.
func checkPoolsInside(t *testing.T, atEnd bool) {
	for name, r := range map[string]*routine[func(out, in []float32, h, w, ow, oy0, oy1 int)]{"max": maxPool3x3s2, "avg": avgPool3x3s2} {
		t.Run(name, func(t *testing.T) {
			forEach(t, r, func(t *testing.T, fn func(out, in []float32, h, w, ow, oy0, oy1 int)) {
				rng := rand.New(rand.NewSource(42))
				for h := 1; h <= 20; h++ {
					for w := 1; w <= 80; w++ {
						oh, ow := (h-1)/2+1, (w-1)/2+1
						src := randSlice(rng, h*w)
						want := make([]float32, oh*ow)
						r.impls[0].fn(want, src, h, w, ow, 0, oh)
						for oy0 := 0; oy0 < oh; {
							oy1 := min(oy0+1+rng.Intn(3), oh)
							first, last := max(2*oy0-1, 0), min(2*oy1-1, h-1) // the input rows it reads
							in := fencedCopy(t, src[first*w:(last+1)*w], atEnd)
							out := fenced(t, (oy1-oy0)*ow, atEnd)
							fn(out, in, h, w, ow, oy0, oy1)
							if i, ok := sameBits(out, want[oy0*ow:oy1*ow]); !ok {
								t.Fatalf("%dx%d, rows [%d, %d): value %d = %g, the portable version's %g", h, w, oy0, oy1, i, out[i], want[oy0*ow+i])
							}
							oy0 = oy1
						}
					}
				}
			})
		})
	}
}

// checkDepthwiseInside: every depthwise 3x3, strides 1 and 2, on planes up to 20 rows, every width
// up to 34 (the strip and plane kernels' masks) and widths about every vector boundary up to 193
// (past the AVX-512 stride-2 kernels' 64 outputs a row), fenced input, output and weights; within
// 1e-5 of the portable version.
func checkDepthwiseInside(t *testing.T, atEnd bool) {
	forEach(t, depthwise3x3, func(t *testing.T, fn func(out, in []float32, h, w, oh, ow, stride int, wt []float32, bias float32)) {
		rng := rand.New(rand.NewSource(43))
		for _, stride := range []int{1, 2} {
			for h := 1; h <= 20; h++ {
				widths := []int{47, 63, 64, 65, 80, 97, 127, 128, 129, 161, 193}
				for w := 34; w >= 1; w-- {
					widths = append(widths, w)
				}
				for _, w := range widths {
					oh, ow := (h-1)/stride+1, (w-1)/stride+1
					in := fencedCopy(t, randSlice(rng, h*w), atEnd)
					wt, bias := fencedCopy(t, randSlice(rng, 9), atEnd), float32(rng.NormFloat64())
					want := make([]float32, oh*ow)
					depthwise3x3Generic(want, in, h, w, oh, ow, stride, wt, bias)
					out := fenced(t, oh*ow, atEnd)
					fn(out, in, h, w, oh, ow, stride, wt, bias)
					if i, ok := closeTo(out, want, 1e-5); !ok {
						t.Fatalf("%dx%d stride %d: value %d = %g, the portable version's %g", h, w, stride, i, out[i], want[i])
					}
				}
			}
		}
	})
}
