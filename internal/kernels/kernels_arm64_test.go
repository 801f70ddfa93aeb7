//go:build !noasm

package kernels

import (
	"math/rand"
	"os"
	"slices"
	"testing"
	"unsafe"
)

// Every arm64 CPU has Advanced SIMD: each routine's NEON version must be chosen (under qemu
// too), unless ISAEnv caps it, or the tests above would silently check the portable version
// only. The stem with the others: it must match im2col + Sgemm at the same level.
func TestNEONChosen(t *testing.T) {
	want := []string{"generic", "neon"}
	if isaCap < isaRank["neon"] {
		want = want[:1]
	}
	for name, got := range map[string][]string{"Sgemm": names(sgemm), "Depthwise3x3": names(depthwise3x3),
		"MaxPool3x3s2": names(maxPool3x3s2), "AvgPool3x3s2": names(avgPool3x3s2), "BilinearSum": names(bilinearSum),
		"Transpose": names(transpose), "Blend": names(blend), "LerpRow": names(lerpRow), "FilterIoU": names(filterIoU), "Im2col": names(im2col),
		"Exp": names(exp), "Stem3x3s2": names(stem3x3s2)} {
		if !slices.Equal(got, want) {
			t.Errorf("%s implementations %v, want %v", name, got, want)
		}
	}
	if StemAccelerated() != (len(want) == 2) || LerpRowAccelerated() != (len(want) == 2) {
		t.Errorf("StemAccelerated %v, LerpRowAccelerated %v; want %v", StemAccelerated(), LerpRowAccelerated(), len(want) == 2)
	}
}

// neonImpl returns r's NEON version; it skips the test where ISAEnv leaves only the portable one
// (the comparison would be of the portable code with itself).
func neonImpl[F any](t *testing.T, r *routine[F]) F {
	t.Helper()
	for _, im := range r.impls {
		if im.name == "neon" {
			return im.fn
		}
	}
	t.Skipf("%s=%s: no NEON version to compare", ISAEnv, os.Getenv(ISAEnv))
	var zero F
	return zero
}

// TestDepthwiseNEON16IsNEON4 checks that the 16-wide depthwise loops, whose FMLAs are interleaved
// across four sums, the stride-1 steps of four rows (dw3x3s1NEON16x4), the stride-2 steps of two
// (dw3x3s2NEON16x2) and the 4-wide loops' two-row steps give each output the value of the 4-wide
// loop run one row at a time, bit for bit (the interleaving moves instructions, never a sum's
// order), on planes wide and tall enough for several steps of each and every remainder (up to 12
// interior rows at stride 1: three four-row blocks, or blocks and 1-3 rows left; up to 6 at
// stride 2: pairs and an odd row left), both strides, with signed zeros, infinities and NaNs
// among the inputs.
func TestDepthwiseNEON16IsNEON4(t *testing.T) {
	// oneRow runs a row kernel one output row per call (m = 1) with a row step (ldi) of 0, which
	// no plane has: the 4-wide one-row loop alone (the stride-1 kernel takes all the rows of a
	// column block at once when ldi = w).
	oneRow := func(k dwRowKernel) dwRowKernel {
		return func(out, in *float32, w, nr int, wt *float32, n, m, ldo, ldi int, bias float32) {
			for j := 0; j < m; j++ {
				k((*float32)(unsafe.Add(unsafe.Pointer(out), 4*j*ldo)), (*float32)(unsafe.Add(unsafe.Pointer(in), 4*j*ldi)), w, nr, wt, n, 1, ldo, 0, bias)
			}
		}
	}
	narrow := depthwise3x3SIMD([]dwVec{{oneRow(dw3x3s1NEON), 4}}, []dwVec{{oneRow(dw3x3s2NEON), 4}}, dwStrip{}, dwPlaneS2{})
	wide := neonImpl(t, depthwise3x3)
	rng := rand.New(rand.NewSource(21))
	// Widths 1-100, and some wider: the stride-2 two-row loop takes its 16-column steps two at a
	// time, leaving by a different copy after an odd or an even count (up to 3 steps below 101
	// columns, 4 and 5 at 130-163).
	widths := make([]int, 0, 104)
	for w := 1; w <= 100; w++ {
		widths = append(widths, w)
	}
	widths = append(widths, 130, 131, 162, 163)
	// Heights 1-14, and 17-20: the 4-wide kernels' column blocks go down the rows two halves of
	// two rows a loop step, so a stride-2 plane needs 16 or more rows (7 interior output rows and
	// up) to take the loop more than once and leave it after either half with an odd row left.
	heights := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 17, 18, 19, 20}
	for _, h := range heights {
		for _, w := range widths {
			for _, stride := range []int{1, 2} {
				oh, ow := (h-1)/stride+1, (w-1)/stride+1
				in, wt, bias := withSpecials(rng, randSlice(rng, h*w)), randSlice(rng, 9), float32(rng.NormFloat64())
				got, want := make([]float32, oh*ow), make([]float32, oh*ow)
				wide(got, in, h, w, oh, ow, stride, wt, bias)
				narrow(want, in, h, w, oh, ow, stride, wt, bias)
				if i, ok := sameBitsOrNaN(got, want); !ok {
					t.Fatalf("%dx%d stride %d: out[%d] = %g, 4-wide %g", h, w, stride, i, got[i], want[i])
				}
			}
		}
	}
}
