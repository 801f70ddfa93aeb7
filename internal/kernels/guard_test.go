//go:build linux

package kernels

import (
	"math"
	"math/rand"
	"syscall"
	"testing"
	"unsafe"
)

// fenced returns n float32s in memory of their own with an inaccessible page right after them
// (atEnd) or right before them, so that a kernel that reads or writes one value past either end
// of a slice faults instead of reading a neighbour's values: what the slice-sized tests cannot
// see, because Go's allocator leaves room after most slices.
func fenced(t *testing.T, n int, atEnd bool) []float32 {
	t.Helper()
	page := syscall.Getpagesize()
	data := (4*n + page - 1) / page * page
	mem, err := syscall.Mmap(-1, 0, data+2*page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatalf("mmap: %v", err)
	}
	t.Cleanup(func() { syscall.Munmap(mem) })
	for _, fence := range [][]byte{mem[:page], mem[page+data:]} {
		if err := syscall.Mprotect(fence, syscall.PROT_NONE); err != nil {
			t.Fatalf("mprotect: %v", err)
		}
	}
	start := page // the data right after the first fence
	if atEnd {
		start = page + data - 4*n // the data ending at the second fence
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&mem[start])), n)
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

// TestKernelsStayInside runs the kernels that load or store whole vectors at a plane's edges
// (masked or overlapping tails, the stem's one unused value past a row) with their inputs and
// outputs against inaccessible pages on one side and then the other, on every small shape, and
// compares with the portable version: a read or write past a slice faults the test.
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
	}
}

// checkBilinearInside: every BilinearSum on 1-6 taps and channel counts around its vector widths,
// with the taps (the kernels may read the next tap ahead) and the map fenced, the taps' first and
// last neighbours at the map's two ends; bit for bit with the portable version.
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
				got, want := make([]float32, n), make([]float32, n)
				fn(got, src, taps, 3)
				bilinearSumGeneric(want, src, taps, 3)
				if i, ok := sameBits(got, want); !ok {
					t.Fatalf("%d taps, %d channels: out[%d] = %g, the portable version's %g", nt, n, i, got[i], want[i])
				}
			}
		}
	})
}

// checkStemInside: every Stem3x3s2 on planes up to 9x70 with 12-60 channels, a random band of
// rows written into a fenced band; the band equals the same implementation's whole plane bit for
// bit, and the whole plane the portable version's within 1e-5.
func checkStemInside(t *testing.T, atEnd bool) {
	forEach(t, stem3x3s2, func(t *testing.T, fn func(out []float32, ldo int, in []float32, h, w, m int, wt, bias []float32, relu bool, y0, y1 int)) {
		rng := rand.New(rand.NewSource(41))
		for h := 1; h <= 9; h++ {
			for w := 1; w <= 70; w++ {
				m := StemBlock * (1 + (h+w)%5)
				oh, ow := (h-1)/2+1, (w-1)/2+1
				in := fencedCopy(t, randSlice(rng, StemIn*h*w), atEnd)
				wt, bias := randSlice(rng, m*StemIn*9), randSlice(rng, m)
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

// checkDepthwiseInside: every depthwise 3x3, strides 1 and 2, on planes up to 20 rows and widths
// about every vector boundary up to 129 (past the AVX-512 stride-2 kernels' 64 outputs a row),
// fenced input and output; within 1e-5 of the portable version.
func checkDepthwiseInside(t *testing.T, atEnd bool) {
	forEach(t, depthwise3x3, func(t *testing.T, fn func(out, in []float32, h, w, oh, ow, stride int, wt []float32, bias float32)) {
		rng := rand.New(rand.NewSource(43))
		for _, stride := range []int{1, 2} {
			for h := 1; h <= 20; h++ {
				for _, w := range []int{1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 63, 64, 65, 80, 97, 127, 128, 129, 161, 193} {
					oh, ow := (h-1)/stride+1, (w-1)/stride+1
					in := fencedCopy(t, randSlice(rng, h*w), atEnd)
					wt, bias := randSlice(rng, 9), float32(rng.NormFloat64())
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
