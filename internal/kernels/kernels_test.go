package kernels

import (
	"flag"
	"fmt"
	"math"
	"math/rand"
	"slices"
	"testing"
)

// Every routine is compared, in each implementation this CPU runs (the portable one included),
// with the plain loop of its doc comment, written out again here, on ragged sizes. Routines that
// only move, compare or round each value once must agree bit for bit; sums may add in another
// order and are held to a rounding bound.

// forEach runs f on every implementation of r.
func forEach[F any](t *testing.T, r *routine[F], f func(t *testing.T, fn F)) {
	t.Helper()
	for _, im := range r.impls {
		t.Run(im.name, func(t *testing.T) { f(t, im.fn) })
	}
}

func TestImplementationsListed(t *testing.T) {
	for name, impls := range map[string][]string{"Sgemm": names(sgemm), "Depthwise3x3": names(depthwise3x3), "ReLU": names(relu)} {
		if impls[0] != "generic" {
			t.Errorf("%s: first implementation %q, want the portable one", name, impls[0])
		}
		t.Logf("%s: %v", name, impls)
	}
}

func names[F any](r *routine[F]) []string {
	var s []string
	for _, im := range r.impls {
		s = append(s, im.name)
	}
	return s
}

func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.NormFloat64())
	}
	return s
}

// withSpecials puts zeros, signed zeros, infinities and a NaN into x (for the bit-exact routines).
func withSpecials(rng *rand.Rand, x []float32) []float32 {
	specials := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN())}
	for i := range x {
		if rng.Intn(8) == 0 {
			x[i] = specials[rng.Intn(len(specials))]
		}
	}
	return x
}

func sameBits(got, want []float32) (int, bool) {
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			return i, false
		}
	}
	return 0, len(got) == len(want)
}

// sameBitsOrNaN is sameBits where any NaN matches any NaN.
func sameBitsOrNaN(got, want []float32) (int, bool) {
	for i := range want {
		g, w := got[i], want[i]
		if math.Float32bits(g) != math.Float32bits(w) && !(g != g && w != w) {
			return i, false
		}
	}
	return 0, len(got) == len(want)
}

// TestSgemm compares Sgemm with a float64 plain loop on ragged sizes and strides, and checks that
// nothing outside C's m x n window moves.
func TestSgemm(t *testing.T) {
	type shape struct{ m, n, k int }
	var shapes []shape
	for _, m := range []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 16, 17, 20} {
		for _, n := range []int{1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 48, 49, 50, 51, 52, 53, 81, 95, 96, 97, 99, 100} {
			for _, k := range []int{1, 2, 5, 16, 33, 257} {
				shapes = append(shapes, shape{m, n, k})
			}
		}
	}
	shapes = append(shapes, shape{20, 530, 300}, shape{7, 1100, 600}, shape{13, 600, 513}, shape{40, 49, 40})
	forEach(t, sgemm, func(t *testing.T, fn sgemmFunc) {
		rng := rand.New(rand.NewSource(2))
		for _, s := range shapes {
			lda, ldb, ldc := s.k+rng.Intn(3), s.n+rng.Intn(3), s.n+rng.Intn(3)
			if err := checkSgemmEpilogue(rng, fn, s.m, s.n, s.k, lda, ldb, ldc, false, false, false); err != nil {
				t.Fatal(err)
			}
		}
	})
	// The exported Sgemm returns at once on an empty product, whatever the slices.
	Sgemm(0, 5, 5, nil, 5, nil, 5, nil, 5)
	Sgemm(5, 5, 0, nil, 0, nil, 5, nil, 5)
}

// planes are the ragged plane sizes of the plane routines: 1x1 up to odd sizes larger than a
// vector of 16.
var planes = [][2]int{{1, 1}, {1, 2}, {2, 1}, {2, 2}, {3, 3}, {1, 17}, {17, 1}, {4, 5}, {5, 4}, {7, 9}, {9, 7}, {14, 14}, {16, 33}, {31, 19}, {38, 63}}

// TestDepthwise3x3 compares every implementation with a float64 plain loop, and with the portable
// version within 1e-5 relative, on the ragged planes and on random shapes up to 70x70 (so the
// vector kernels meet interiors of every width, whole vectors and remainders); nothing past the
// output plane may move.
func TestDepthwise3x3(t *testing.T) {
	shapes := randomPlanes(13, 60)
	forEach(t, depthwise3x3, func(t *testing.T, fn func(out, in []float32, h, w, oh, ow, stride int, wt []float32, bias float32)) {
		const guard = 1e30
		rng := rand.New(rand.NewSource(3))
		for _, p := range shapes {
			for _, stride := range []int{1, 2} {
				h, w := p[0], p[1]
				oh, ow := (h-1)/stride+1, (w-1)/stride+1
				in, wt, bias := randSlice(rng, h*w), randSlice(rng, 9), float32(rng.NormFloat64())
				out := make([]float32, oh*ow+4)
				for i := range out {
					out[i] = guard
				}
				fn(out[:oh*ow], in, h, w, oh, ow, stride, wt, bias)
				ref := make([]float32, oh*ow)
				depthwise3x3Generic(ref, in, h, w, oh, ow, stride, wt, bias)
				for i := oh * ow; i < len(out); i++ {
					if out[i] != guard {
						t.Fatalf("%dx%d stride %d: out[%d] past the plane changed to %g", h, w, stride, i, out[i])
					}
				}
				for oy := 0; oy < oh; oy++ {
					for ox := 0; ox < ow; ox++ {
						s, scale := float64(bias), math.Abs(float64(bias))
						for ky := 0; ky < 3; ky++ {
							for kx := 0; kx < 3; kx++ {
								y, x := oy*stride+ky-1, ox*stride+kx-1
								if y >= 0 && y < h && x >= 0 && x < w {
									v := float64(wt[ky*3+kx]) * float64(in[y*w+x])
									s += v
									scale += math.Abs(v)
								}
							}
						}
						got := float64(out[oy*ow+ox])
						if d := math.Abs(got - s); !(d <= 1e-6*scale) {
							t.Fatalf("%dx%d stride %d: out[%d,%d] = %g, want %g", h, w, stride, oy, ox, got, s)
						}
						if d := math.Abs(got - float64(ref[oy*ow+ox])); !(d <= 1e-5*scale) {
							t.Fatalf("%dx%d stride %d: out[%d,%d] = %g, portable %g", h, w, stride, oy, ox, got, ref[oy*ow+ox])
						}
					}
				}
			}
		}
	})
}

// TestIm2col checks Im2col bit for bit against its plain loop on ragged planes and window
// geometries, for the whole matrix and for panels of positions that start and end inside output
// rows, with a row stride wider than the panel: every panel value is written, nothing past a
// row's j1-j0 values moves. Rows of 100-163 values give the stride-2 copy kernels several whole
// steps and every remainder.
func TestIm2col(t *testing.T) {
	forEach(t, im2col, func(t *testing.T, fn func(cols []float32, ldc int, in []float32, c, h, w, k, stride, pad, ow, j0, j1 int)) {
		rng := rand.New(rand.NewSource(4))
		const guard = 1e30
		wide := slices.Clone(planes)
		for w := 100; w < 164; w += 3 {
			wide = append(wide, [2]int{3, w})
		}
		for _, p := range wide {
			for _, g := range [][3]int{{1, 1, 0}, {3, 1, 1}, {3, 2, 1}, {5, 2, 2}, {5, 1, 2}, {2, 3, 0}} {
				h, w, k, stride, pad := p[0], p[1], g[0], g[1], g[2]
				oh, ow := (h+2*pad-k)/stride+1, (w+2*pad-k)/stride+1
				if oh <= 0 || ow <= 0 {
					continue
				}
				c := 1 + rng.Intn(3)
				in := withSpecials(rng, randSlice(rng, c*h*w))
				ohw := oh * ow
				ranges := [][2]int{{0, ohw}, {rng.Intn(ohw), ohw}, {0, 1 + rng.Intn(ohw)}}
				for j0 := ohw - min(ohw, 3); j0 < ohw; j0++ { // runs that start at the last columns
					ranges = append(ranges, [2]int{j0, ohw})
				}
				for _, r := range ranges {
					j0, j1 := r[0], r[1]
					if j1 <= j0 {
						continue
					}
					ldc := j1 - j0 + rng.Intn(3)
					rows := c * k * k
					cols := make([]float32, rows*ldc)
					for i := range cols {
						cols[i] = guard
					}
					fn(cols, ldc, in, c, h, w, k, stride, pad, ow, j0, j1)
					want := slices.Clone(cols)
					for ci := 0; ci < c; ci++ {
						for ky := 0; ky < k; ky++ {
							for kx := 0; kx < k; kx++ {
								row := want[((ci*k+ky)*k+kx)*ldc:]
								for j := j0; j < j1; j++ {
									oy, ox := j/ow, j%ow
									y, x := oy*stride-pad+ky, ox*stride-pad+kx
									row[j-j0] = 0
									if y >= 0 && y < h && x >= 0 && x < w {
										row[j-j0] = in[(ci*h+y)*w+x]
									}
								}
							}
						}
					}
					for i := range want {
						if i%ldc >= j1-j0 {
							want[i] = guard // the stride gap stays untouched
						}
					}
					if i, ok := sameBits(cols, want); !ok {
						t.Fatalf("%dx%d c=%d k=%d stride %d pad %d, positions [%d, %d), ldc %d: cols[%d] = %g, want %g", h, w, c, k, stride, pad, j0, j1, ldc, i, cols[i], want[i])
					}
				}
			}
		}
	})
}

// BenchmarkIm2col times each implementation on the stem's windows (3x3, stride 2, 3 channels) of
// a 608x1024 input, the detector's at 600, in panels of 240 positions as nn.Conv lays them out.
// MB/s counts the bytes written.
func BenchmarkIm2col(b *testing.B) {
	const c, h, w, k, ld = 3, 608, 1024, 3, 240
	oh, ow := (h-1)/2+1, (w-1)/2+1
	in := randSlice(rand.New(rand.NewSource(1)), c*h*w)
	cols := make([]float32, c*k*k*ld)
	for _, im := range im2col.impls {
		b.Run(im.name, func(b *testing.B) {
			b.SetBytes(int64(4 * c * k * k * oh * ow))
			for b.Loop() {
				for j0 := 0; j0 < oh*ow; j0 += ld {
					im.fn(cols, ld, in, c, h, w, k, 2, 1, ow, j0, min(j0+ld, oh*ow))
				}
			}
		})
	}
}

// randomPlanes returns the ragged planes and n random shapes up to 70x70, so the vector kernels
// meet interiors of every width, whole vectors and remainders.
func randomPlanes(seed int64, n int) [][2]int {
	shapes := slices.Clone(planes)
	rs := rand.New(rand.NewSource(seed))
	for range n {
		shapes = append(shapes, [2]int{1 + rs.Intn(70), 1 + rs.Intn(70)})
	}
	return shapes
}

// checkGuard fails when fn, writing an oh*ow plane, moved anything past it.
func checkGuard(t *testing.T, h, w, oh, ow int, run func(out []float32)) []float32 {
	t.Helper()
	const guard = 1e30
	out := make([]float32, oh*ow+4)
	for i := range out {
		out[i] = guard
	}
	run(out[:oh*ow])
	for i := oh * ow; i < len(out); i++ {
		if out[i] != guard {
			t.Fatalf("%dx%d: out[%d] past the plane changed to %g", h, w, i, out[i])
		}
	}
	return out[:oh*ow]
}

// TestMaxPool3x3s2 compares every implementation with the plain loop bit for bit (signed zeros,
// infinities and NaNs among the inputs) on the ragged planes and random shapes.
func TestMaxPool3x3s2(t *testing.T) {
	forEach(t, maxPool3x3s2, func(t *testing.T, fn func(out, in []float32, h, w, ow, oy0, oy1 int)) {
		rng := rand.New(rand.NewSource(5))
		for _, p := range randomPlanes(14, 60) {
			h, w := p[0], p[1]
			oh, ow := (h-1)/2+1, (w-1)/2+1
			in := withSpecials(rng, randSlice(rng, h*w))
			out := checkGuard(t, h, w, oh, ow, func(out []float32) { fn(out, in, h, w, ow, 0, oh) })
			want := make([]float32, oh*ow)
			for oy := 0; oy < oh; oy++ {
				for ox := 0; ox < ow; ox++ {
					m := float32(math.Inf(-1))
					for y := max(2*oy-1, 0); y <= min(2*oy+1, h-1); y++ {
						for x := max(2*ox-1, 0); x <= min(2*ox+1, w-1); x++ {
							if in[y*w+x] > m {
								m = in[y*w+x]
							}
						}
					}
					want[oy*ow+ox] = m
				}
			}
			if i, ok := sameBits(out, want); !ok {
				t.Fatalf("%dx%d: out[%d] = %g, want %g", h, w, i, out[i], want[i])
			}
		}
	})
}

// TestMaxPool3x3s2Rows pools random planes a band of output rows at a time, each call given only
// its band's input rows (a slice ending at the last row it may read, so a read past it panics)
// and its output rows (guards after them), and compares with the whole plane bit for bit: every
// implementation, bands of one row to the whole plane, edges of the plane included.
func TestMaxPool3x3s2Rows(t *testing.T) {
	forEach(t, maxPool3x3s2, func(t *testing.T, fn func(out, in []float32, h, w, ow, oy0, oy1 int)) {
		rng := rand.New(rand.NewSource(25))
		for _, p := range randomPlanes(26, 60) {
			h, w := p[0], p[1]
			oh, ow := (h-1)/2+1, (w-1)/2+1
			in := withSpecials(rng, randSlice(rng, h*w))
			want := make([]float32, oh*ow)
			maxPool3x3s2Generic(want, in, h, w, ow, 0, oh)
			for oy0 := 0; oy0 < oh; {
				oy1 := min(oy0+1+rng.Intn(4), oh)
				first, last := max(2*oy0-1, 0), min(2*oy1-1, h-1)
				band := in[first*w : (last+1)*w : (last+1)*w]
				out := make([]float32, (oy1-oy0+1)*ow)
				guard := float32(-12345)
				for i := range out {
					out[i] = guard
				}
				fn(out, band, h, w, ow, oy0, oy1)
				for i, v := range out[(oy1-oy0)*ow:] {
					if v != guard {
						t.Fatalf("%dx%d rows [%d, %d): out[%d] past the band changed to %g", h, w, oy0, oy1, (oy1-oy0)*ow+i, v)
					}
				}
				if i, ok := sameBits(out[:(oy1-oy0)*ow], want[oy0*ow:oy1*ow]); !ok {
					t.Fatalf("%dx%d rows [%d, %d): out[%d] = %g, whole plane %g", h, w, oy0, oy1, i, out[i], want[oy0*ow+i])
				}
				oy0 = oy1
			}
		}
	})
}

// TestAvgPool3x3s2 compares every implementation with a float64 plain loop, and with the portable
// version bit for bit (both add a window's values in the plain loop's order), on the ragged
// planes and random shapes.
func TestAvgPool3x3s2(t *testing.T) {
	forEach(t, avgPool3x3s2, func(t *testing.T, fn func(out, in []float32, h, w, ow, oy0, oy1 int)) {
		rng := rand.New(rand.NewSource(6))
		for _, p := range randomPlanes(15, 60) {
			h, w := p[0], p[1]
			oh, ow := (h-1)/2+1, (w-1)/2+1
			// Bit for bit with the portable loop also on signed zeros, infinities and NaN.
			special := withSpecials(rng, randSlice(rng, h*w))
			got := checkGuard(t, h, w, oh, ow, func(out []float32) { fn(out, special, h, w, ow, 0, oh) })
			want := make([]float32, oh*ow)
			avgPool3x3s2Generic(want, special, h, w, ow, 0, oh)
			if i, ok := sameBitsOrNaN(got, want); !ok {
				t.Fatalf("%dx%d with specials: out[%d] = %g, portable %g", h, w, i, got[i], want[i])
			}
			in := randSlice(rng, h*w)
			out := checkGuard(t, h, w, oh, ow, func(out []float32) { fn(out, in, h, w, ow, 0, oh) })
			ref := make([]float32, oh*ow)
			avgPool3x3s2Generic(ref, in, h, w, ow, 0, oh)
			if i, ok := sameBits(out, ref); !ok {
				t.Fatalf("%dx%d: out[%d] = %g, portable %g", h, w, i, out[i], ref[i])
			}
			for oy := 0; oy < oh; oy++ {
				for ox := 0; ox < ow; ox++ {
					var s, scale float64
					for y := max(2*oy-1, 0); y <= min(2*oy+1, h-1); y++ {
						for x := max(2*ox-1, 0); x <= min(2*ox+1, w-1); x++ {
							s += float64(in[y*w+x])
							scale += math.Abs(float64(in[y*w+x]))
						}
					}
					if d := math.Abs(float64(out[oy*ow+ox]) - s/9); !(d <= 1e-6*scale) {
						t.Fatalf("%dx%d: out[%d,%d] = %g, want %g", h, w, oy, ox, out[oy*ow+ox], s/9)
					}
				}
			}
		}
	})
}

// lengths are the ragged lengths of the vector routines.
var lengths = []int{0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 1000, 2394}

func TestSum(t *testing.T) {
	forEach(t, sum, func(t *testing.T, fn func(x []float32) float32) {
		rng := rand.New(rand.NewSource(7))
		for _, n := range lengths {
			x := randSlice(rng, n)
			var s, scale float64
			for _, v := range x {
				s += float64(v)
				scale += math.Abs(float64(v))
			}
			if got := fn(x); !(math.Abs(float64(got)-s) <= 1e-6*math.Sqrt(float64(n+1))*scale) {
				t.Fatalf("n=%d: sum %g, want %g", n, got, s)
			}
		}
	})
}

// checkElementwise runs fn on a copy of x (and r) for every ragged length and compares with
// plain, the routine's loop, bit for bit; values past len(x) must stay as they were.
func checkElementwise(t *testing.T, seed int64, fn func(x, r []float32), plain func(x, r []float32)) {
	t.Helper()
	rng := rand.New(rand.NewSource(seed))
	for _, n := range lengths {
		buf := withSpecials(rng, randSlice(rng, n+3))
		r := withSpecials(rng, randSlice(rng, n+1)) // longer than x is allowed
		got, want := slices.Clone(buf), slices.Clone(buf)
		fn(got[:n], r)
		plain(want[:n], r)
		if i, ok := sameBits(got, want); !ok {
			t.Fatalf("n=%d: x[%d] = %g, want %g", n, i, got[i], want[i])
		}
	}
}

func TestScale(t *testing.T) {
	forEach(t, scale, func(t *testing.T, fn func(x []float32, s float32)) {
		for _, s := range []float32{0.37, -2, 0} {
			checkElementwise(t, 9, func(x, r []float32) { fn(x, s) }, func(x, r []float32) {
				for i := range x {
					x[i] *= s
				}
			})
		}
	})
}

func TestReLU(t *testing.T) {
	forEach(t, relu, func(t *testing.T, fn func(x []float32)) {
		checkElementwise(t, 10, func(x, r []float32) { fn(x) }, func(x, r []float32) {
			for i := range x {
				if x[i] < 0 {
					x[i] = 0
				}
			}
		})
	})
}

func TestAdd(t *testing.T) {
	forEach(t, add, func(t *testing.T, fn func(x, r []float32)) {
		checkElementwise(t, 11, fn, func(x, r []float32) {
			for i := range x {
				x[i] += r[i]
			}
		})
	})
}

func TestAddReLU(t *testing.T) {
	forEach(t, addReLU, func(t *testing.T, fn func(x, r []float32)) {
		checkElementwise(t, 12, fn, func(x, r []float32) {
			for i := range x {
				v := x[i] + r[i]
				if v < 0 {
					v = 0
				}
				x[i] = v
			}
		})
	})
}

// BenchmarkDepthwise3x3 times each implementation on the detector's depthwise shapes: a
// stage-3 unit of ShuffleNet 1x g3 at 600 (38x63, stride 1), the stage-3 entry (76x126, stride
// 2), and the box head's stage 4 on one RoI (14x14 stride 2, 7x7 stride 1), with its rate in
// GFLOP/s (9 multiply-adds an output).
func BenchmarkDepthwise3x3(b *testing.B) {
	for _, im := range depthwise3x3.impls {
		for _, c := range []struct {
			name         string
			h, w, stride int
		}{{"38x63s1", 38, 63, 1}, {"76x126s2", 76, 126, 2}, {"14x14s2", 14, 14, 2}, {"28x28s2", 28, 28, 2}, {"56x56s2", 56, 56, 2}, {"7x7s1", 7, 7, 1}} {
			b.Run(im.name+"/"+c.name, func(b *testing.B) { benchDepthwise3x3(b, im.fn, c.h, c.w, c.stride) })
		}
	}
}

func benchDepthwise3x3(b *testing.B, fn func(out, in []float32, h, w, oh, ow, stride int, wt []float32, bias float32), h, w, stride int) {
	rng := rand.New(rand.NewSource(1))
	oh, ow := (h-1)/stride+1, (w-1)/stride+1
	// The plane sits inside a larger buffer, as a tensor's planes do: masked loads next to the
	// edge of a lone small allocation can cost a microcode assist.
	in, wt, out := randSlice(rng, h*w+64)[32:32+h*w], randSlice(rng, 9), make([]float32, oh*ow)
	for b.Loop() {
		fn(out, in, h, w, oh, ow, stride, wt, 0.5)
	}
	reportGFLOPs(b, int64(18*oh*ow))
}

// reportGFLOPs reports, after a b.Loop loop, the rate of flop floating-point operations an
// iteration as GFLOP/s. (b.SetBytes(flop) printed it as "MB/s", read as bytes by anyone who had
// not read the benchmark's source, and by benchstat, which labels it B/s.)
func reportGFLOPs(b *testing.B, flop int64) {
	if s := b.Elapsed().Seconds(); s > 0 && b.N > 0 {
		b.ReportMetric(float64(flop)*float64(b.N)/s/1e9, "GFLOP/s")
	}
}

// BenchmarkPool3x3s2 times each implementation of both pools on the stem's max pool of ShuffleNet
// at 600 (304x512 after the stem conv) and at 224 (112x112), a stride-2 unit's average pool on a
// 38x63 map and on a classifier's 56x56 and 28x28 at 224, and the box head's on one 14x14 RoI.
func BenchmarkPool3x3s2(b *testing.B) {
	for _, pool := range []struct {
		name string
		r    *routine[func(out, in []float32, h, w, ow, oy0, oy1 int)]
	}{{"max", maxPool3x3s2}, {"avg", avgPool3x3s2}} {
		for _, im := range pool.r.impls {
			for _, p := range [][2]int{{304, 512}, {112, 112}, {38, 63}, {56, 56}, {28, 28}, {14, 14}} {
				b.Run(fmt.Sprintf("%s/%s/%dx%d", pool.name, im.name, p[0], p[1]), func(b *testing.B) {
					rng := rand.New(rand.NewSource(1))
					oh, ow := (p[0]-1)/2+1, (p[1]-1)/2+1
					in, out := randSlice(rng, p[0]*p[1]), make([]float32, oh*ow)
					for b.Loop() {
						im.fn(out, in, p[0], p[1], ow, 0, oh)
					}
				})
			}
		}
	}
}

func benchSgemm(b *testing.B, fn sgemmFunc, m, n, k int) {
	rng := rand.New(rand.NewSource(1))
	a, bb, c := randSlice(rng, m*k), randSlice(rng, k*n), make([]float32, m*n)
	// The epilogue of a residual unit's last convolution.
	ep := Epilogue{Bias: randSlice(rng, m), Res: randSlice(rng, m*n), ReLU: true}
	for b.Loop() {
		fn(m, n, k, a, k, bb, n, c, n, ep)
	}
	reportGFLOPs(b, int64(2*m*n*k))
}

// BenchmarkSgemm times each implementation this CPU runs on five shapes of the detector: a
// stage-3 1x1 group conv of ShuffleNet 1x g3 at 600 (120 -> 40 channels per group, a 38x63 map),
// the box predictor's Linear on 300 RoIs (480 features -> 324 box deltas), the RPN's 3x3 conv
// through im2col (256 outputs, 480 inputs x 9, 38x63), a box-head 1x1 conv on one 7x7 RoI, and
// one on a chunk of 4 RoIs (CNHW: 196 columns, a last strip of 4); and on two of the 2x g3
// classifier at 224: a stage-3 group conv (320 -> 80 channels per group, 14x14) and a stage-4
// one (640 -> 160, 7x7: 49 columns, 49 of 64 vector lanes). Each reports its rate in GFLOP/s (a
// multiply-add counting 2).
func BenchmarkSgemm(b *testing.B) {
	for _, im := range sgemm.impls {
		b.Run(im.name+"/1x1conv", func(b *testing.B) { benchSgemm(b, im.fn, 40, 38*63, 40) })
		b.Run(im.name+"/linear", func(b *testing.B) { benchSgemm(b, im.fn, 300, 324, 480) })
		b.Run(im.name+"/im2col3x3", func(b *testing.B) { benchSgemm(b, im.fn, 256, 38*63, 4320) })
		b.Run(im.name+"/roihead7x7", func(b *testing.B) { benchSgemm(b, im.fn, 80, 49, 240) })
		b.Run(im.name+"/roihead4x7x7", func(b *testing.B) { benchSgemm(b, im.fn, 80, 4*49, 320) })
		b.Run(im.name+"/cls2x-stage3", func(b *testing.B) { benchSgemm(b, im.fn, 80, 14*14, 320) })
		b.Run(im.name+"/cls2x-stage4", func(b *testing.B) { benchSgemm(b, im.fn, 160, 7*7, 640) })
	}
}

// TestBilinearSum compares every implementation with the plain loop bit for bit on ragged
// channel counts (1-70, so the vector kernels meet whole vectors, remainders and counts below
// one vector), 0-4 and 9 taps (a kernel pipelined two taps a step ends on either half), zero
// weights and zero taps (samples outside the map), and zeros, signed zeros, infinities and NaNs
// among the map's values; nothing past out may move.
// A NaN matches any NaN: when both operands of an add or multiply are NaN, x86 returns the first
// one's sign and payload (arm64 too), and the Go compiler may swap the operands of a commutative
// operation (the plain loop compiled twice differs so), so only a NaN's presence is defined.
func TestBilinearSum(t *testing.T) {
	forEach(t, bilinearSum, func(t *testing.T, fn func(out, src []float32, taps []Tap, div float32)) {
		rng := rand.New(rand.NewSource(8))
		for n := 1; n <= 70; n++ {
			for _, nt := range []int{0, 1, 2, 3, 4, 9} {
				for _, specials := range []bool{false, true} {
					pixels := 1 + rng.Intn(30)
					c := n + rng.Intn(5) // the map may have more channels than are summed
					src := randSlice(rng, pixels*c)
					if specials {
						withSpecials(rng, src)
					}
					taps := make([]Tap, nt)
					for i := range taps {
						switch rng.Intn(6) {
						case 0: // outside the map
						default:
							for k := range 4 {
								taps[i].Off[k] = int32(rng.Intn(pixels)*c + rng.Intn(c-n+1))
								taps[i].W[k] = float32(rng.Float64())
								if rng.Intn(5) == 0 {
									taps[i].W[k] = 0
								}
							}
						}
					}
					div := float32(1 + rng.Intn(9))
					var out []float32
					checkGuard(t, 1, n, 1, n, func(o []float32) { out = o; fn(o, src, taps, div) })
					want := make([]float32, n)
					for j := range want {
						var s float32
						for _, t := range taps {
							v := float32(t.W[0]*src[int(t.Off[0])+j]) + float32(t.W[1]*src[int(t.Off[1])+j])
							v += float32(t.W[2] * src[int(t.Off[2])+j])
							s += v + float32(t.W[3]*src[int(t.Off[3])+j])
						}
						want[j] = s / div
					}
					if i, ok := sameBitsOrNaN(out, want); !ok {
						t.Fatalf("n=%d taps=%d specials=%v: out[%d] = %g (%#x), want %g (%#x)", n, nt, specials, i, out[i], math.Float32bits(out[i]), want[i], math.Float32bits(want[i]))
					}
				}
			}
		}
	})
}

// TestBilinearSumBounds: a tap that reaches past src panics (index out of range) in every
// implementation, as the plain loop does, instead of reading outside it.
func TestBilinearSumBounds(t *testing.T) {
	forEach(t, bilinearSum, func(t *testing.T, fn func(out, src []float32, taps []Tap, div float32)) {
		for _, off := range []int32{-1, 40 - 32 + 1} {
			taps := []Tap{{Off: [4]int32{0, 0, off, 0}, W: [4]float32{1, 1, 1, 1}}}
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("offset %d: no panic", off)
					}
				}()
				fn(make([]float32, 32), make([]float32, 40), taps, 1)
			}()
		}
	})
}

func BenchmarkBilinearSum(b *testing.B) {
	rng := rand.New(rand.NewSource(1))
	const pixels, c = 38 * 63, 480
	src := randSlice(rng, pixels*c)
	taps := make([]Tap, 4)
	for i := range taps {
		for k := range 4 {
			taps[i].Off[k] = int32(rng.Intn(pixels) * c)
			taps[i].W[k] = float32(rng.Float64())
		}
	}
	out := make([]float32, c)
	for _, im := range bilinearSum.impls {
		b.Run(im.name, func(b *testing.B) {
			for b.Loop() {
				im.fn(out, src, taps, 4)
			}
		})
	}
}

// TestSgemmColumnBlocksAreExact checks what lets callers split a product over threads by columns:
// every element of C comes out the same, bit for bit, whether the columns are computed in one
// call or in blocks (aligned to 16 columns or not), for every implementation, with and without
// an epilogue.
func TestSgemmColumnBlocksAreExact(t *testing.T) {
	forEach(t, sgemm, func(t *testing.T, fn sgemmFunc) {
		rng := rand.New(rand.NewSource(5))
		for _, s := range []struct{ m, n, k int }{{7, 100, 33}, {13, 600, 513}, {40, 49, 40}, {9, 50, 40}, {7, 51, 33}, {5, 1100, 257}, {160, 196, 160}} {
			a := randSlice(rng, s.m*s.k)
			b := randSlice(rng, s.k*s.n)
			c0 := randSlice(rng, s.m*s.n)
			for _, ep := range []Epilogue{{}, {Bias: randSlice(rng, s.m), Res: randSlice(rng, s.m*s.n), ReLU: true}} {
				whole := slices.Clone(c0)
				fn(s.m, s.n, s.k, a, s.k, b, s.n, whole, s.n, ep)
				for _, step := range []int{16, 64, 256, 1 + rng.Intn(40)} {
					blocks := slices.Clone(c0)
					for lo := 0; lo < s.n; lo += step {
						hi := min(lo+step, s.n)
						epb := ep
						if ep.Res != nil {
							epb.Res = ep.Res[lo:]
						}
						fn(s.m, hi-lo, s.k, a, s.k, b[lo:], s.n, blocks[lo:], s.n, epb)
					}
					for i := range whole {
						if math.Float32bits(whole[i]) != math.Float32bits(blocks[i]) {
							t.Fatalf("%+v, epilogue %t, in blocks of %d columns: C[%d] = %g, in one call %g", s, ep.Bias != nil, step, i, blocks[i], whole[i])
						}
					}
				}
			}
		}
	})
}

// sgemmFunc is an implementation of SgemmEpilogue (Sgemm is the zero Epilogue).
type sgemmFunc = func(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, ep Epilogue)

// TestSgemmEpilogue compares every implementation with SgemmEpilogue's plain loop (in float64)
// for each combination of bias, residual and ReLU, on ragged shapes, k from 0 to beyond one k
// block (so the bias goes in with the first block and the residual and ReLU with the last), and
// strides wider than the rows. Residuals include zeros, infinities and NaN: the ReLU keeps NaN
// and clamps -Inf; with k = 0 every step rounds once, so C is the plain loop's bit for bit.
// Nothing outside C may move.
func TestSgemmEpilogue(t *testing.T) {
	type shape struct{ m, n, k int }
	var shapes []shape
	for _, m := range []int{1, 5, 6, 7, 8, 9, 13} {
		for _, n := range []int{1, 7, 8, 12, 13, 16, 17, 33, 47, 48, 49, 50, 51, 52, 97, 196} {
			for _, k := range []int{0, 1, 3, 40, 300} {
				shapes = append(shapes, shape{m, n, k})
			}
		}
	}
	shapes = append(shapes, shape{24, 600, 160}, shape{17, 530, 600})
	forEach(t, sgemm, func(t *testing.T, fn sgemmFunc) {
		rng := rand.New(rand.NewSource(9))
		for _, s := range shapes {
			for mode := range 8 {
				bias, res, relu := mode&1 != 0, mode&2 != 0, mode&4 != 0
				lda, ldb, ldc := s.k+rng.Intn(3), s.n+rng.Intn(3), s.n+rng.Intn(3)
				if err := checkSgemmEpilogue(rng, fn, s.m, s.n, s.k, lda, ldb, ldc, bias, res, relu); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
	// The exported SgemmEpilogue returns at once on an empty C, whatever the slices.
	SgemmEpilogue(0, 5, 5, nil, 5, nil, 5, nil, 5, Epilogue{ReLU: true})
	SgemmEpilogue(5, 0, 5, nil, 5, nil, 5, nil, 5, Epilogue{ReLU: true})
}

// TestSgemmEpilogueInPlace checks every implementation in place over its residual (Res the same
// elements as C) against itself with the residual in its own buffer, bit for bit, for k up to
// 256 (InPlaceResidual): ragged rows and columns, with and without bias and ReLU; and that the
// exported routine refuses a deeper product in place.
func TestSgemmEpilogueInPlace(t *testing.T) {
	forEach(t, sgemm, func(t *testing.T, fn sgemmFunc) {
		rng := rand.New(rand.NewSource(19))
		for _, m := range []int{1, 4, 5, 7, 8, 9, 13, 17} {
			for _, n := range []int{1, 7, 8, 12, 13, 16, 17, 47, 48, 49, 50, 51, 52, 65, 97, 196, 530} {
				for _, k := range []int{0, 1, 3, 40, 255, 256} {
					for mode := range 4 {
						lda, ldb, ldc := k+rng.Intn(3), n+rng.Intn(3), n+rng.Intn(3)
						a := randSlice(rng, max((m-1)*lda+k, 0))
						b := randSlice(rng, max((k-1)*ldb+n, 0))
						ep := Epilogue{ReLU: mode&2 != 0}
						if mode&1 != 0 {
							ep.Bias = randSlice(rng, m)
						}
						res := withSpecials(rng, randSlice(rng, (m-1)*ldc+n+3))
						want, got := slices.Clone(res), slices.Clone(res)
						ep.Res = res[:(m-1)*ldc+n]
						fn(m, n, k, a, lda, b, ldb, want[:(m-1)*ldc+n], ldc, ep)
						ep.Res = got[:(m-1)*ldc+n]
						fn(m, n, k, a, lda, b, ldb, got[:(m-1)*ldc+n], ldc, ep)
						if i, ok := sameBitsOrNaN(got, want); !ok {
							t.Fatalf("m=%d n=%d k=%d ldc=%d bias=%t relu=%t: in place [%d] = %g, want %g", m, n, k, ldc, ep.Bias != nil, ep.ReLU, i, got[i], want[i])
						}
					}
				}
			}
		}
	})
	if !InPlaceResidual(256) || InPlaceResidual(257) {
		t.Fatal("InPlaceResidual: want k <= 256")
	}
	c := make([]float32, 4)
	defer func() {
		if recover() == nil {
			t.Fatal("SgemmEpilogue in place with k = 257: no panic")
		}
	}()
	SgemmEpilogue(1, 4, 257, make([]float32, 257), 257, make([]float32, 257*4), 4, c, 4, Epilogue{Res: c})
}

// checkSgemmEpilogue runs fn on random operands with the epilogue asked for and compares C with
// SgemmEpilogue's plain loop in float64, within a rounding bound for the k+1 or k+2 terms summed
// (bit for bit when k = 0); values in C's stride gaps and after its end must not move.
func checkSgemmEpilogue(rng *rand.Rand, fn sgemmFunc, m, n, k, lda, ldb, ldc int, bias, res, relu bool) error {
	const guard = 1e30 // in C's stride gaps and after its end
	a := randSlice(rng, max((m-1)*lda+k, 0))
	b := randSlice(rng, max((k-1)*ldb+n, 0))
	c := make([]float32, m*ldc+3)
	for i := range c {
		c[i] = guard
	}
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			c[i*ldc+j] = float32(rng.NormFloat64())
		}
	}
	ep := Epilogue{ReLU: relu}
	if bias {
		ep.Bias = randSlice(rng, m)
	}
	if res {
		ep.Res = withSpecials(rng, randSlice(rng, (m-1)*ldc+n))
	}
	c0 := slices.Clone(c)
	fn(m, n, k, a, lda, b, ldb, c[:(m-1)*ldc+n], ldc, ep)
	where := func(i, j int) string {
		return fmt.Sprintf("m=%d n=%d k=%d lda=%d ldb=%d ldc=%d bias=%t res=%t relu=%t: c[%d,%d]", m, n, k, lda, ldb, ldc, bias, res, relu, i, j)
	}
	for i := 0; i < m; i++ {
		for j := 0; j < ldc && i*ldc+j < len(c); j++ {
			idx := i*ldc + j
			if j >= n {
				if c[idx] != guard {
					return fmt.Errorf("%s outside C changed to %g", where(i, j), c[idx])
				}
				continue
			}
			start := c0[idx]
			if bias {
				start = ep.Bias[i]
			}
			sum, scale := float64(start), math.Abs(float64(start))
			for p := 0; p < k; p++ {
				v := float64(a[i*lda+p]) * float64(b[p*ldb+j])
				sum += v
				scale += math.Abs(v)
			}
			if k == 0 { // no product: every step rounds once, so C is the plain loop's, bit for bit
				want := start
				if res {
					want += ep.Res[idx]
				}
				if relu && want < 0 {
					want = 0
				}
				if _, ok := sameBitsOrNaN(c[idx:idx+1], []float32{want}); !ok {
					return fmt.Errorf("%s = %g (bits %#x), want %g (bits %#x)", where(i, j), c[idx], math.Float32bits(c[idx]), want, math.Float32bits(want))
				}
				continue
			}
			if res {
				r := float64(ep.Res[idx])
				sum += r
				scale += math.Abs(r)
			}
			got := float64(c[idx])
			if math.IsNaN(sum) || math.IsInf(sum, 0) || math.IsInf(scale, 0) {
				// A special residual decides the result: NaN stays NaN (ReLU included), and
				// an infinity is itself or, clamped, 0.
				want := float32(sum)
				if relu && want < 0 {
					want = 0
				}
				if _, ok := sameBitsOrNaN(c[idx:idx+1], []float32{want}); !ok {
					return fmt.Errorf("%s = %g, want %g", where(i, j), c[idx], want)
				}
				continue
			}
			if relu {
				if got < 0 {
					return fmt.Errorf("%s = %g after ReLU", where(i, j), got)
				}
				sum = max(sum, 0) // clamping moves no two values further apart: the bound holds
			}
			terms := k + 1
			if res {
				terms++
			}
			if d := math.Abs(got - sum); !(d <= 1e-6*math.Sqrt(float64(terms))*scale) {
				return fmt.Errorf("%s = %g, want %g (|diff| %.3g, scale %.3g)", where(i, j), got, sum, d, scale)
			}
		}
	}
	return nil
}

// TestSgemmAllocatesNothing checks that no implementation allocates, ragged columns (the tail
// buffers) and the epilogue included: steady-state detection allocates nothing.
func TestSgemmAllocatesNothing(t *testing.T) {
	forEach(t, sgemm, func(t *testing.T, fn sgemmFunc) {
		rng := rand.New(rand.NewSource(3))
		const m, n, k = 13, 49, 300
		a, b, c := randSlice(rng, m*k), randSlice(rng, k*n), make([]float32, m*n)
		ep := Epilogue{Bias: randSlice(rng, m), Res: randSlice(rng, m*n), ReLU: true}
		if allocs := testing.AllocsPerRun(10, func() { fn(m, n, k, a, k, b, n, c, n, ep) }); allocs != 0 {
			t.Errorf("%v allocations per call, want 0", allocs)
		}
	})
}

// TestTranspose compares every implementation with the plain loop bit for bit (it only moves
// values: signed zeros, infinities and NaNs with their payloads must arrive unchanged) on ragged
// shapes, so the vector kernels meet whole blocks, overlapping last blocks and shapes under one
// block in either dimension, and on the detector's two shapes (RoIAlign's 196 bins x 480 channels
// and a 480-channel 38x63 map), with dst's rows packed and spaced out; nothing past dst or between
// its rows may move, negative sizes do nothing, and ldd < rows panics.
func TestTranspose(t *testing.T) {
	forEach(t, transpose, func(t *testing.T, fn func(dst []float32, ldd int, src []float32, rows, cols int)) {
		rng := rand.New(rand.NewSource(9))
		sizes := []int{0, 1, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 31, 33, 196, 241}
		var shapes [][2]int
		for _, r := range sizes {
			for _, c := range sizes {
				shapes = append(shapes, [2]int{r, c})
			}
		}
		shapes = append(shapes, [2]int{196, 480}, [2]int{480, 38 * 63}, [2]int{1000, 9})
		for _, s := range shapes {
			rows, cols := s[0], s[1]
			src := withSpecials(rng, randSlice(rng, rows*cols))
			for i := range src {
				if src[i] != src[i] { // a NaN with a payload of its own and either sign
					src[i] = math.Float32frombits(0x7f800000 | uint32(rng.Intn(1<<23-1)+1) | uint32(rng.Intn(2))<<31)
				}
			}
			// dst's rows packed, and spaced out (the gaps, like the end, keep their guard).
			for _, ldd := range []int{rows, rows + 1 + rng.Intn(9)} {
				const guard = 1e30
				want := make([]float32, cols*ldd)
				for i := range want {
					want[i] = guard
				}
				for i := 0; i < rows; i++ {
					for j := 0; j < cols; j++ {
						want[j*ldd+i] = src[i*cols+j]
					}
				}
				dst := checkGuard(t, cols, rows, cols, ldd, func(d []float32) {
					for i := range d {
						d[i] = guard
					}
					fn(d, ldd, src, rows, cols)
				})
				if i, ok := sameBits(dst, want); !ok {
					t.Fatalf("%dx%d ldd %d: dst[%d] = %g (%#x), want %g (%#x)", rows, cols, ldd, i, dst[i], math.Float32bits(dst[i]), want[i], math.Float32bits(want[i]))
				}
			}
		}
		for _, s := range [][2]int{{-1, 5}, {5, -1}, {-2, -3}} {
			fn(nil, 0, nil, s[0], s[1])
		}
		for _, rows := range []int{3, 33} { // rows that overlap in dst panic (portable and driver)
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("%d rows with ldd %d: no panic", rows, rows-1)
					}
				}()
				fn(make([]float32, 64*rows), rows-1, make([]float32, rows*40), rows, 40)
			}()
		}
	})
}

// BenchmarkBlend times each implementation on the resize's rows: a 400-wide one (a 640x480 frame
// at 300) and a 1024-wide one (the trunk's 608x1024 input).
func BenchmarkBlend(b *testing.B) {
	for _, im := range blend.impls {
		for _, n := range []int{400, 1024} {
			b.Run(fmt.Sprintf("%s/%d", im.name, n), func(b *testing.B) {
				rng := rand.New(rand.NewSource(1))
				x, y, dst := randSlice(rng, n), randSlice(rng, n), make([]float32, n)
				b.SetBytes(int64(12 * n))
				for b.Loop() {
					im.fn(dst, x, y, 0.25, 0.75)
				}
			})
		}
	}
}

// BenchmarkTranspose times each implementation on the detector's two transposes (ShuffleNet 1x g3
// at 600): one RoI's 14x14 bins of 480 channels, and a 480-channel 38x63 map to channels-last.
// MB/s counts the bytes read.
func BenchmarkTranspose(b *testing.B) {
	for _, im := range transpose.impls {
		for _, s := range [][2]int{{196, 480}, {480, 38 * 63}} {
			b.Run(fmt.Sprintf("%s/%dx%d", im.name, s[0], s[1]), func(b *testing.B) {
				rng := rand.New(rand.NewSource(1))
				src, dst := randSlice(rng, s[0]*s[1]), make([]float32, s[0]*s[1])
				b.SetBytes(int64(4 * s[0] * s[1]))
				for b.Loop() {
					im.fn(dst, s[0], src, s[0], s[1])
				}
			})
		}
	}
}

// TestBlend compares every implementation with the plain loop bit for bit (each product and the
// sum rounded once, never fused; signed zeros, infinities and NaNs among the values and weights)
// for lengths 0-70, so the kernels meet whole vectors, an overlapping remainder and fewer values
// than a vector; nothing past dst may move.
func TestBlend(t *testing.T) {
	forEach(t, blend, func(t *testing.T, fn func(dst, a, b []float32, wa, wb float32)) {
		rng := rand.New(rand.NewSource(14))
		for n := 0; n <= 70; n++ {
			for _, specials := range []bool{false, true} {
				a, b := randSlice(rng, n+rng.Intn(3)), randSlice(rng, n+rng.Intn(3))
				ws := randSlice(rng, 2)
				if specials {
					withSpecials(rng, a)
					withSpecials(rng, b)
					withSpecials(rng, ws)
				}
				wa, wb := ws[0], ws[1]
				dst := checkGuard(t, 1, n, 1, n, func(d []float32) { fn(d, a, b, wa, wb) })
				want := make([]float32, n)
				for i := range want {
					want[i] = float32(a[i]*wa) + float32(b[i]*wb)
				}
				if i, ok := sameBitsOrNaN(dst, want); !ok {
					t.Fatalf("n=%d: dst[%d] = %g, want %g (a %g b %g, weights %g %g)", n, i, dst[i], want[i], a[i], b[i], wa, wb)
				}
			}
		}
	})
}

// resizeAxis returns the source indices and weights of an in -> out bilinear resize along one
// axis, as package transform computes them (torch's upsample_bilinear2d): i0 nondecreasing, i1 =
// i0+1 except at the last input index, and (1, 0) weights when in == out.
func resizeAxis(in, out int) (i0, i1 []int32, w0, w1 []float32) {
	i0, i1, w0, w1 = make([]int32, out), make([]int32, out), make([]float32, out), make([]float32, out)
	scale := float64(float32(in) / float32(out))
	for o := range out {
		if in == out {
			i0[o], i1[o], w0[o], w1[o] = int32(o), int32(o), 1, 0
			continue
		}
		src := max(float64(scale*(float64(o)+0.5))-0.5, 0)
		x0 := int(src)
		x1 := x0
		if x0 < in-1 {
			x1++
		}
		l1 := min(max(float32(src-float64(x0)), 0), 1)
		i0[o], i1[o], w0[o], w1[o] = int32(x0), int32(x1), 1-l1, l1
	}
	return i0, i1, w0, w1
}

// lerpShapes are TestLerpRow's (input, output) lengths: every output length 1-70 and the resize's
// widths, each from inputs 4 times as long down to a quarter (in == out among them).
func lerpShapes() [][2]int {
	var s [][2]int
	outs := []int{400, 800, 1067}
	for n := 1; n <= 70; n++ {
		outs = append(outs, n)
	}
	for _, out := range outs {
		for _, scale := range []float64{0.25, 0.5, 0.75, 1, 1.25, 1.6, 2, 3, 4} {
			s = append(s, [2]int{max(1, int(math.Round(scale*float64(out)))), out})
		}
	}
	return s
}

// TestLerpRow compares every implementation with the plain loop bit for bit (each product and the
// sum rounded once, never fused; signed zeros, infinities and NaNs among the values and weights)
// on the resize's indices and weights for every shape of lerpShapes, on random indices (in no
// order, repeated: the gathers' general case) and on random indices within 16 values from one
// that starts every vector (in no order: the kernels that load a window of src from a vector's
// first index and permute it); slices a little longer than dst, nothing past dst may move.
func TestLerpRow(t *testing.T) {
	forEach(t, lerpRow, func(t *testing.T, fn func(dst, src []float32, i0, i1 []int32, w0, w1 []float32)) {
		rng := rand.New(rand.NewSource(15))
		for _, sh := range lerpShapes() {
			in, n := sh[0], sh[1]
			for kind := range 4 { // the resize's; the resize's with specials; random; random in a window
				i0, i1, w0, w1 := resizeAxis(in, n)
				src := randSlice(rng, in)
				if kind > 0 {
					withSpecials(rng, src)
				}
				switch kind {
				case 2:
					w0, w1 = withSpecials(rng, randSlice(rng, n)), withSpecials(rng, randSlice(rng, n))
					for o := range n {
						i0[o], i1[o] = int32(rng.Intn(in)), int32(rng.Intn(in))
					}
				case 3:
					lo := rng.Intn(in)
					for o := range n {
						i0[o], i1[o] = int32(lo+rng.Intn(min(16, in-lo))), int32(lo+rng.Intn(min(16, in-lo)))
						if o%4 == 0 || o == n-4 || o == n-8 || o == n-16 { // where a vector of 4, 8 or 16 starts
							i0[o] = int32(lo)
						}
					}
				}
				extra := rng.Intn(3)
				i0, i1 = append(i0, make([]int32, extra)...), append(i1, make([]int32, extra)...)
				w0, w1 = append(w0, randSlice(rng, extra)...), append(w1, randSlice(rng, extra)...)
				dst := checkGuard(t, in, n, 1, n, func(d []float32) { fn(d, src, i0, i1, w0, w1) })
				want := make([]float32, n)
				for o := range want {
					want[o] = float32(src[i0[o]]*w0[o]) + float32(src[i1[o]]*w1[o])
				}
				if o, ok := sameBitsOrNaN(dst, want); !ok {
					t.Fatalf("%d -> %d (kind %d): dst[%d] = %g, want %g (src[%d] %g, src[%d] %g, weights %g %g)",
						in, n, kind, o, dst[o], want[o], i0[o], src[i0[o]], i1[o], src[i1[o]], w0[o], w1[o])
				}
			}
		}
	})
}

// TestLerpRowIndexOutside: every implementation panics on an index outside src (past its end, at
// its length, negative, the int32 extremes) in either index slice, at the first output, the
// middle, the last (in the overlapping last vector) and past the last vector of a row (the
// portable loop's remainder), whatever src's capacity; src of one value and of none too.
func TestLerpRowIndexOutside(t *testing.T) {
	forEach(t, lerpRow, func(t *testing.T, fn func(dst, src []float32, i0, i1 []int32, w0, w1 []float32)) {
		for _, n := range []int{3, 16, 37, 100} {
			for _, ns := range []int{0, 1, 50} {
				for _, bad := range []int32{int32(ns), int32(ns) + 7, -1, math.MaxInt32, math.MinInt32} {
					for _, at := range []int{0, n / 2, n - 1} {
						for which := range 2 {
							i0, i1 := make([]int32, n), make([]int32, n)
							for o := range n {
								i0[o], i1[o] = int32(o*ns/n), int32(o*ns/n)
							}
							[][]int32{i0, i1}[which][at] = bad
							src, w := make([]float32, ns, ns+64), make([]float32, n)
							func() {
								defer func() {
									if recover() == nil {
										t.Errorf("n %d, src of %d: i%d[%d] = %d did not panic", n, ns, which, at, bad)
									}
								}()
								fn(make([]float32, n), src, i0, i1, w, w)
							}()
						}
					}
				}
			}
		}
	})
}

// BenchmarkLerpRow times each implementation on the resize's horizontal passes of a 640x480
// frame: 640 -> 800 (at 600) and 640 -> 400 (at 300).
func BenchmarkLerpRow(b *testing.B) {
	for _, im := range lerpRow.impls {
		for _, out := range []int{800, 400} {
			b.Run(fmt.Sprintf("%s/640to%d", im.name, out), func(b *testing.B) {
				rng := rand.New(rand.NewSource(1))
				i0, i1, w0, w1 := resizeAxis(640, out)
				src, dst := randSlice(rng, 640), make([]float32, out)
				for b.Loop() {
					im.fn(dst, src, i0, i1, w0, w1)
				}
			})
		}
	}
}

// TestDepthwise3x3NeverMultipliesPadding gives the taps of one side of the filter a NaN weight:
// an output whose window has that side in the padding must come out a number (the plain loop
// skips those taps), every other output NaN, for every implementation, both strides and planes
// from 1x1 to wider than a vector.
func TestDepthwise3x3NeverMultipliesPadding(t *testing.T) {
	nan := float32(math.NaN())
	// A slice, not a map: the weights drawn per side must come in the same order on every run.
	sides := []struct {
		side string
		taps []int
	}{{"top", []int{0, 1, 2}}, {"bottom", []int{6, 7, 8}}, {"left", []int{0, 3, 6}}, {"right", []int{2, 5, 8}}}
	forEach(t, depthwise3x3, func(t *testing.T, fn func(out, in []float32, h, w, oh, ow, stride int, wt []float32, bias float32)) {
		rng := rand.New(rand.NewSource(15))
		for _, p := range randomPlanes(16, 40) {
			h, w := p[0], p[1]
			for _, stride := range []int{1, 2} {
				oh, ow := (h-1)/stride+1, (w-1)/stride+1
				in := randSlice(rng, h*w)
				for _, sd := range sides {
					side, taps := sd.side, sd.taps
					wt := randSlice(rng, 9)
					for _, k := range taps {
						wt[k] = nan
					}
					got, want := make([]float32, oh*ow), make([]float32, oh*ow)
					fn(got, in, h, w, oh, ow, stride, wt, 0.5)
					depthwise3x3Generic(want, in, h, w, oh, ow, stride, wt, 0.5)
					for i := range want {
						if (got[i] != got[i]) != (want[i] != want[i]) {
							t.Fatalf("%dx%d stride %d, NaN weights on the %s: out[%d] = %g, plain loop %g", h, w, stride, side, i, got[i], want[i])
						}
					}
				}
			}
		}
	})
}

// TestDepthwise3x3NeverReadsPadding puts NaNs just before and after the input plane and
// infinities at random places inside it: an output whose window stays clear of the infinities
// must come out a number, and one whose window meets them must be NaN exactly where the plain
// loop's is (0 * Inf is NaN, so a kernel that reads past a row's end, into the next row or past
// the plane, and zeroes the value's weight instead of not reading it fails).
func TestDepthwise3x3NeverReadsPadding(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	forEach(t, depthwise3x3, func(t *testing.T, fn func(out, in []float32, h, w, oh, ow, stride int, wt []float32, bias float32)) {
		rng := rand.New(rand.NewSource(17))
		for _, p := range append(randomPlanes(18, 40), [2]int{14, 16}, [2]int{16, 16}, [2]int{9, 16}) {
			h, w := p[0], p[1]
			for _, stride := range []int{1, 2} {
				oh, ow := (h-1)/stride+1, (w-1)/stride+1
				const guard = 64
				buf := make([]float32, guard+h*w+guard)
				for i := range buf {
					buf[i] = nan
				}
				in := buf[guard : guard+h*w]
				copy(in, randSlice(rng, h*w))
				for range rng.Intn(3) {
					in[rng.Intn(h*w)] = inf
				}
				if rng.Intn(2) == 0 { // a row's last column: what a left tap that wraps would read
					in[rng.Intn(h)*w+w-1] = inf
				}
				wt := randSlice(rng, 9)
				got, want := make([]float32, oh*ow), make([]float32, oh*ow)
				fn(got, in, h, w, oh, ow, stride, wt, 0.5)
				depthwise3x3Generic(want, in, h, w, oh, ow, stride, wt, 0.5)
				for i := range want {
					if (got[i] != got[i]) != (want[i] != want[i]) {
						t.Fatalf("%dx%d stride %d, NaNs around the plane: out[%d] = %g, plain loop %g", h, w, stride, i, got[i], want[i])
					}
				}
			}
		}
	})
}

// TestFilterIoU compares every implementation with the plain loop on sets of 0-70 boxes, so the
// kernels meet whole steps and ragged last ones: the same survivors in the same order, bit for
// bit, and nothing past n written. The sets mix random boxes with copies of b (IoU exactly 1),
// boxes at IoU exactly thresh, empty and degenerate boxes (a 0/0 IoU is NaN and keeps its box),
// infinite coordinates and signed zeros.
func TestFilterIoU(t *testing.T) {
	forEach(t, filterIoU, func(t *testing.T, fn func(s BoxSet, n int, b [5]float32, thresh float32) int) {
		rng := rand.New(rand.NewSource(16))
		for n := 0; n <= 70; n++ {
			for trial := range 6 {
				b := [5]float32{10, 20, 30, 60, 800}
				thresh := []float32{0.5, 0.7, 0, 1, 0.25, float32(math.Inf(1))}[trial]
				var want BoxSet
				for j := 0; j < n+3; j++ {
					x1, y1 := float32(rng.Intn(40)), float32(rng.Intn(70))
					x2, y2 := x1+float32(rng.Intn(30)), y1+float32(rng.Intn(50))
					switch rng.Intn(8) {
					case 0: // b itself
						x1, y1, x2, y2 = b[0], b[1], b[2], b[3]
					case 1: // half of b: IoU exactly 0.5
						x1, y1, x2, y2 = b[0], b[1], b[2], b[1]+20
					case 2: // empty, or at infinity, or a signed zero
						x1, y1, x2, y2 = []float32{0, 30, float32(math.Copysign(0, -1))}[rng.Intn(3)], 20, 0, float32(math.Inf(1-2*rng.Intn(2)))
					}
					want.X1, want.Y1, want.X2, want.Y2 = append(want.X1, x1), append(want.Y1, y1), append(want.X2, x2), append(want.Y2, y2)
					want.Area = append(want.Area, float32((x2-x1)*(y2-y1)))
					want.Index = append(want.Index, int32(j))
				}
				got := BoxSet{slices.Clone(want.X1), slices.Clone(want.Y1), slices.Clone(want.X2), slices.Clone(want.Y2), slices.Clone(want.Area), slices.Clone(want.Index)}
				w := 0
				for j := 0; j < n; j++ {
					iw := max(0, min(b[2], want.X2[j])-max(b[0], want.X1[j]))
					ih := max(0, min(b[3], want.Y2[j])-max(b[1], want.Y1[j]))
					inter := float32(iw * ih)
					if !(inter/(b[4]+want.Area[j]-inter) > thresh) {
						want.X1[w], want.Y1[w], want.X2[w], want.Y2[w] = want.X1[j], want.Y1[j], want.X2[j], want.Y2[j]
						want.Area[w], want.Index[w] = want.Area[j], want.Index[j]
						w++
					}
				}
				if kept := fn(got, n, b, thresh); kept != w {
					t.Fatalf("n=%d thresh=%g: %d boxes kept, want %d", n, thresh, kept, w)
				}
				for name, f := range map[string][2][]float32{"X1": {got.X1, want.X1}, "Y1": {got.Y1, want.Y1}, "X2": {got.X2, want.X2}, "Y2": {got.Y2, want.Y2}, "Area": {got.Area, want.Area}} {
					if i, ok := sameBits(f[0][:w], f[1][:w]); !ok {
						t.Fatalf("n=%d thresh=%g: %s[%d] = %g, want %g", n, thresh, name, i, f[0][i], f[1][i])
					}
					if i, ok := sameBits(f[0][n:], f[1][n:]); !ok {
						t.Fatalf("n=%d: %s[%d] past n written", n, name, n+i)
					}
				}
				if !slices.Equal(got.Index[:w], want.Index[:w]) || !slices.Equal(got.Index[n:], want.Index[n:]) {
					t.Fatalf("n=%d thresh=%g: indices %v, want %v", n, thresh, got.Index[:w], want.Index[:w])
				}
			}
		}
	})
}

// BenchmarkFilterIoU times each implementation on one NMS pass over 6000 RPN-like boxes, about
// one in ten of which the pass removes.
func BenchmarkFilterIoU(b *testing.B) {
	rng := rand.New(rand.NewSource(1))
	const n = 6000
	var s BoxSet
	for j := range n {
		x, y, d := rng.Float32()*600, rng.Float32()*400, 16+rng.Float32()*200
		s.X1, s.Y1, s.X2, s.Y2 = append(s.X1, x), append(s.Y1, y), append(s.X2, x+d), append(s.Y2, y+d)
		s.Area = append(s.Area, d*d)
		s.Index = append(s.Index, int32(j))
	}
	box := [5]float32{300, 200, 400, 300, 10000}
	for _, im := range filterIoU.impls {
		b.Run(im.name, func(b *testing.B) {
			work := BoxSet{make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n), make([]int32, n)}
			for b.Loop() {
				copy(work.X1, s.X1)
				copy(work.Y1, s.Y1)
				copy(work.X2, s.X2)
				copy(work.Y2, s.Y2)
				copy(work.Area, s.Area)
				copy(work.Index, s.Index)
				im.fn(work, n, box, 0.05)
			}
		})
	}
}

func TestISAEnvCaps(t *testing.T) {
	for v, want := range map[string]int{"": math.MaxInt, "generic": 0, "avx2": 1, "neon": 1, "avx512": 2} {
		if got, err := parseISA(v); got != want || err != nil {
			t.Errorf("%s=%q: rank %d, %v; want %d", ISAEnv, v, got, err, want)
		}
	}
	for _, v := range []string{"AVX2", "sse", "avx-512", " "} {
		if got, err := parseISA(v); got != math.MaxInt || err == nil {
			t.Errorf("%s=%q: rank %d, %v; want no cap and an error", ISAEnv, v, got, err)
		}
	}
	// Under a cap, add leaves out every version above it.
	defer func(c int) { isaCap = c }(isaCap)
	for limit, want := range map[string]string{"generic": "generic", "avx2": "avx2", "neon": "avx2", "avx512": "avx512"} {
		isaCap = isaRank[limit]
		r := newRoutine(0)
		r.add("avx2", true, 1)
		r.add("avx512", true, 2)
		r.add("avx512", false, 3) // a CPU without the instructions
		if got := names(r)[len(r.impls)-1]; got != want {
			t.Errorf("%s=%s: best %q, want %q", ISAEnv, limit, got, want)
		}
	}
}

// TestEmptyPlanes: every implementation of the plane routines takes a plane with no rows or no
// columns as the plain loop does (which writes nothing there), instead of panicking on its bounds
// check of the last element (index -1).
func TestEmptyPlanes(t *testing.T) {
	noPanic := func(t *testing.T, what string, f func()) {
		t.Helper()
		defer func() {
			if r := recover(); r != nil {
				t.Errorf("%s: %v", what, r)
			}
		}()
		f()
	}
	wt := make([]float32, 9)
	forEach(t, depthwise3x3, func(t *testing.T, fn func(out, in []float32, h, w, oh, ow, stride int, wt []float32, bias float32)) {
		for _, stride := range []int{1, 2} {
			for _, p := range [][2]int{{0, 0}, {0, 5}, {5, 0}} {
				h, w := p[0], p[1]
				oh, ow := (h+stride-1)/stride, (w+stride-1)/stride
				noPanic(t, fmt.Sprintf("%dx%d stride %d", h, w, stride), func() { fn(nil, nil, h, w, oh, ow, stride, wt, 1) })
			}
		}
	})
	for name, r := range map[string]*routine[func(out, in []float32, h, w, ow, oy0, oy1 int)]{"max": maxPool3x3s2, "avg": avgPool3x3s2} {
		t.Run(name, func(t *testing.T) {
			forEach(t, r, func(t *testing.T, fn func(out, in []float32, h, w, ow, oy0, oy1 int)) {
				noPanic(t, "0x0", func() { fn(nil, nil, 0, 0, 0, 0, 1) })
				noPanic(t, "5x0", func() { fn(nil, nil, 5, 0, 0, 0, 3) })
			})
		})
	}
}

// TestShortSlicesPanicWhateverTheirCapacity: a slice shorter than the routine needs panics as the
// plain loop's index does, also where it has the capacity (a buffer resliced to its contents):
// slicing, which the wrappers check with, is checked against the capacity, and the kernels would
// read (FilterIoU: also write) the values past the length.
func TestShortSlicesPanicWhateverTheirCapacity(t *testing.T) {
	mustPanic := func(what string, f func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s: no panic", what)
			}
		}()
		f()
	}
	mustPanic("Blend, a shorter than dst", func() { Blend(make([]float32, 32), make([]float32, 20, 64), make([]float32, 32), 1, 1) })
	mustPanic("Blend, b shorter than dst", func() { Blend(make([]float32, 32), make([]float32, 32), make([]float32, 31, 64), 1, 1) })
	for short := range 4 { // i0, i1, w0, w1 in turn 31 long, with the capacity of 64
		mustPanic(fmt.Sprintf("LerpRow, argument %d shorter than dst", short+3), func() {
			i := [2][]int32{make([]int32, 32, 64), make([]int32, 32, 64)}
			w := [2][]float32{make([]float32, 32, 64), make([]float32, 32, 64)}
			if short < 2 {
				i[short] = i[short][:31]
			} else {
				w[short-2] = w[short-2][:31]
			}
			LerpRow(make([]float32, 32), make([]float32, 8), i[0], i[1], w[0], w[1])
		})
	}
	mustPanic("LerpRow, an index past src", func() {
		i := make([]int32, 32)
		i[20] = 8
		LerpRow(make([]float32, 32), make([]float32, 8, 64), i, make([]int32, 32), make([]float32, 32), make([]float32, 32))
	})
	for _, n := range []int{3, 32} {
		taps := []Tap{{Off: [4]int32{0, 0, 9, 0}, W: [4]float32{1, 1, 1, 1}}}
		mustPanic(fmt.Sprintf("BilinearSum of %d channels, a tap past src", n), func() { BilinearSum(make([]float32, n), make([]float32, n+8, 64), taps, 1) })
	}
	for f := range 6 { // each field in turn 4 long, with the capacity of 20
		mustPanic(fmt.Sprintf("FilterIoU, field %d short", f), func() {
			s := BoxSet{make([]float32, 20), make([]float32, 20), make([]float32, 20), make([]float32, 20), make([]float32, 20), make([]int32, 20)}
			if floats := []*[]float32{&s.X1, &s.Y1, &s.X2, &s.Y2, &s.Area}; f < len(floats) {
				*floats[f] = (*floats[f])[:4]
			} else {
				s.Index = s.Index[:4]
			}
			FilterIoU(s, 20, [5]float32{0, 0, 1, 1, 1}, 0.5)
		})
	}
}

// TestBenchmarksReportGFLOPs: the Sgemm and Depthwise3x3 benchmarks report their rate as a
// GFLOP/s metric, and no bytes: they set their FLOPs as bytes, and go test printed a GEMM's 98
// GFLOP/s as "98470.82 MB/s".
func TestBenchmarksReportGFLOPs(t *testing.T) {
	bt := flag.Lookup("test.benchtime")
	old := bt.Value.String()
	if err := bt.Value.Set("20x"); err != nil {
		t.Fatal(err)
	}
	defer bt.Value.Set(old)
	for name, fn := range map[string]func(*testing.B){
		"Sgemm":        func(b *testing.B) { benchSgemm(b, sgemm.impls[0].fn, 8, 24, 16) },
		"Depthwise3x3": func(b *testing.B) { benchDepthwise3x3(b, depthwise3x3.impls[0].fn, 14, 14, 2) },
	} {
		r := testing.Benchmark(fn)
		if r.N < 1 || r.Bytes != 0 || !(r.Extra["GFLOP/s"] > 0) {
			t.Errorf("%s: %d runs, %d bytes an op, extra metrics %v; want GFLOP/s and no bytes", name, r.N, r.Bytes, r.Extra)
		}
	}
}
