package kernels

import (
	"math"
	"math/rand"
	"strings"
	"testing"
)

// stemPlanes are input shapes for Stem3x3s2: one to a few 16-output blocks and their ragged
// edges (odd and even widths), single rows and columns, and the classifiers' 224x224.
var stemPlanes = [][2]int{{1, 1}, {1, 2}, {2, 1}, {3, 3}, {5, 31}, {7, 32}, {4, 33}, {6, 34}, {9, 63}, {8, 64}, {3, 65}, {11, 97}, {224, 224}}

// TestStem3x3s2 compares every implementation with a float64 plain loop (within 1e-6 of the
// sum of the products' magnitudes: the float32 sums' rounding), on the shapes above and random
// ones, 12, 24, 36, 48 and 60 output channels, whole planes and ranges of rows (written as a band
// whose planes are a random few values longer than its rows), with and without the ReLU; nothing
// outside the rows may move.
func TestStem3x3s2(t *testing.T) {
	forEach(t, stem3x3s2, func(t *testing.T, fn func(out []float32, ldo int, in []float32, h, w, m int, wt, bias []float32, relu bool, y0, y1 int)) {
		rng := rand.New(rand.NewSource(31))
		shapes := append([][2]int(nil), stemPlanes...)
		for range 20 {
			shapes = append(shapes, [2]int{1 + rng.Intn(40), 1 + rng.Intn(90)})
		}
		for i, p := range shapes {
			h, w, m := p[0], p[1], StemBlock*(1+i%5) // 12, 24, 36, 48, 60 output channels (past one packing of stem3x3s2Blocks)
			oh, ow := (h-1)/2+1, (w-1)/2+1
			in, wt, bias := randSlice(rng, StemIn*h*w), randSlice(rng, m*StemIn*9), randSlice(rng, m)
			for _, relu := range []bool{true, false} {
				y0 := rng.Intn(oh)
				y1 := y0 + 1 + rng.Intn(oh-y0)
				const guard = 1e30
				ldo := (y1-y0)*ow + rng.Intn(3)
				out := make([]float32, m*ldo)
				for i := range out {
					out[i] = guard
				}
				fn(out, ldo, in, h, w, m, wt, bias, relu, y0, y1)
				for o := 0; o < m; o++ {
					for i := (y1 - y0) * ow; i < ldo; i++ {
						if got := out[o*ldo+i]; got != guard {
							t.Fatalf("%dx%d rows [%d, %d): plane %d's value %d past the rows = %g", h, w, y0, y1, o, i, got)
						}
					}
					for oy := y0; oy < y1; oy++ {
						for ox := 0; ox < ow; ox++ {
							got := out[o*ldo+(oy-y0)*ow+ox]
							var s, mag float64
							for c := 0; c < StemIn; c++ {
								for ky := 0; ky < 3; ky++ {
									for kx := 0; kx < 3; kx++ {
										y, x := 2*oy+ky-1, 2*ox+kx-1
										if y >= 0 && y < h && x >= 0 && x < w {
											p := float64(wt[((o*StemIn+c)*3+ky)*3+kx]) * float64(in[(c*h+y)*w+x])
											s += p
											mag += math.Abs(p)
										}
									}
								}
							}
							s += float64(bias[o])
							mag += math.Abs(float64(bias[o]))
							if relu {
								s = math.Max(s, 0)
							}
							if err := math.Abs(float64(got) - s); !(err <= 1e-6*mag+1e-30) {
								t.Fatalf("%dx%d relu %v: out[%d][%d][%d] = %g, want %g (error %g)", h, w, relu, o, oy, ox, got, s, err)
							}
						}
					}
				}
			}
		}
	})
}

// TestStem3x3s2RefusesPartialBlocks: a channel count that is not a multiple of StemBlock is
// refused (the AVX-512 kernel, given 30, wrote channels 30-35 past the output: a segfault).
func TestStem3x3s2RefusesPartialBlocks(t *testing.T) {
	for _, m := range []int{30, 13, 0, -12} {
		func() {
			defer func() {
				if v, _ := recover().(string); !strings.Contains(v, "not a positive multiple of 12") {
					t.Errorf("m=%d: recovered %q", m, v)
				}
			}()
			const h, w = 8, 40
			n := max(m, 1)
			Stem3x3s2(make([]float32, n*4*20), 4*20, make([]float32, StemIn*h*w), h, w, m, make([]float32, n*StemIn*9), make([]float32, n), true, 0, 4)
		}()
	}
}

// TestStem3x3s2IsIm2colProduct checks that each assembly Stem3x3s2 gives the values of Im2col's
// panel times the weights (SgemmEpilogue, the convolution's other path) with the matrix product
// of the same instruction set, bit for bit (any NaN for a NaN), with zeros, signed zeros,
// infinities and NaNs among the inputs and weights, so that a layer's values do not depend on
// which path it takes.
func TestStem3x3s2IsIm2colProduct(t *testing.T) {
	for _, im := range stem3x3s2.impls[1:] {
		var product sgemmFunc
		for _, g := range sgemm.impls {
			if g.name == im.name {
				product = g.fn
			}
		}
		if product == nil {
			t.Fatalf("%s: no matrix product of the same instruction set", im.name)
		}
		t.Run(im.name, func(t *testing.T) {
			rng := rand.New(rand.NewSource(32))
			for i, p := range stemPlanes {
				h, w, m := p[0], p[1], StemBlock*(1+i%5)
				oh, ow := (h-1)/2+1, (w-1)/2+1
				in, wt, bias := withSpecials(rng, randSlice(rng, StemIn*h*w)), withSpecials(rng, randSlice(rng, m*StemIn*9)), randSlice(rng, m)
				for _, relu := range []bool{true, false} {
					got, want := make([]float32, m*oh*ow), make([]float32, m*oh*ow)
					im.fn(got, oh*ow, in, h, w, m, wt, bias, relu, 0, oh)
					cols := make([]float32, StemIn*9*oh*ow)
					im2colGeneric(cols, oh*ow, in, StemIn, h, w, 3, 2, 1, ow, 0, oh*ow)
					ep := Epilogue{Bias: bias, ReLU: relu}
					product(m, oh*ow, StemIn*9, wt, StemIn*9, cols, oh*ow, want, oh*ow, ep)
					if i, ok := sameBitsOrNaN(got, want); !ok {
						t.Fatalf("%dx%d relu %v: out[%d] = %g, the product %g", h, w, relu, i, got[i], want[i])
					}
				}
			}
		})
	}
}
