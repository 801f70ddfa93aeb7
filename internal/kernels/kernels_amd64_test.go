//go:build !noasm

package kernels

import (
	"bytes"
	"math"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"golang.org/x/sys/cpu"
)

// TestSgemmAVX512Generated checks that sgemm_avx512_amd64.s is gen_sgemm_avx512.go's output, so
// that a hand edit of the generated file or a generator change not run is caught.
func TestSgemmAVX512Generated(t *testing.T) {
	checkGenerated(t, "gen_sgemm_avx512.go", "sgemm_avx512_amd64.s")
}

// TestDepthwiseNEONGenerated checks depthwise_rows_arm64.s against gen_depthwise_neon.go the same
// way (here, where the go tool runs natively; the arm64 tests run under qemu).
func TestDepthwiseNEONGenerated(t *testing.T) {
	checkGenerated(t, "gen_depthwise_neon.go", "depthwise_rows_arm64.s")
}

// TestDepthwise4NEONGenerated checks depthwise4_arm64.s against gen_depthwise4_neon.go the same
// way (here, as TestDepthwiseNEONGenerated).
func TestDepthwise4NEONGenerated(t *testing.T) {
	checkGenerated(t, "gen_depthwise4_neon.go", "depthwise4_arm64.s")
}

// TestBilinearNEONGenerated checks bilinear_arm64.s against gen_bilinear_neon.go the same way
// (here, as TestDepthwiseNEONGenerated).
func TestBilinearNEONGenerated(t *testing.T) {
	checkGenerated(t, "gen_bilinear_neon.go", "bilinear_arm64.s")
}

// TestStemAVX512Generated checks stem_avx512_amd64.s against gen_stem_avx512.go the same way.
func TestStemAVX512Generated(t *testing.T) {
	checkGenerated(t, "gen_stem_avx512.go", "stem_avx512_amd64.s")
}

// TestStemNEONGenerated checks stem_arm64.s against gen_stem_neon.go the same way (here, as
// TestDepthwiseNEONGenerated).
func TestStemNEONGenerated(t *testing.T) {
	checkGenerated(t, "gen_stem_neon.go", "stem_arm64.s")
}

// TestStemAVX2Generated checks stem_avx2_amd64.s against gen_stem_avx2.go the same way.
func TestStemAVX2Generated(t *testing.T) {
	checkGenerated(t, "gen_stem_avx2.go", "stem_avx2_amd64.s")
}

// checkGenerated fails unless file is what the generator gen writes.
func checkGenerated(t *testing.T, gen, file string) {
	t.Helper()
	// go test puts its own toolchain's bin first in the tests' PATH.
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), file)
	if msg, err := exec.Command(goTool, "run", gen, "-o", out).CombinedOutput(); err != nil {
		t.Fatalf("go run %s: %v\n%s", gen, err, msg)
	}
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from %s's output: run go generate ./internal/kernels", file, gen)
	}
}

// TestX86Chosen checks that each routine's best version is the widest this CPU's features (and
// ISAEnv) allow, so that a wrong feature condition or order in init cannot leave the tests above
// checking a lesser version only.
func TestX86Chosen(t *testing.T) {
	x := cpu.X86
	pick := func(avx512, avx2 bool) string {
		switch {
		case avx512 && isaCap >= isaRank["avx512"]:
			return "avx512"
		case avx2 && isaCap >= isaRank["avx2"]:
			return "avx2"
		}
		return "generic"
	}
	fma := x.HasAVX2 && x.HasFMA
	want := map[string]string{
		"Sgemm":        pick(fma && x.HasAVX512F, fma),
		"Depthwise3x3": pick(fma && x.HasAVX512F, fma),
		"AvgPool3x3s2": pick(x.HasAVX2 && x.HasAVX512F, x.HasAVX2),
		"BilinearSum":  pick(x.HasAVX2 && x.HasAVX512F, x.HasAVX2),
		"MaxPool3x3s2": pick(x.HasAVX2 && x.HasAVX512F, x.HasAVX2),
		"Transpose":    pick(x.HasAVX512F, x.HasAVX2),
		"Blend":        pick(x.HasAVX512F, x.HasAVX2),
		"LerpRow":      pick(x.HasAVX512F, x.HasAVX2),
		"FilterIoU":    pick(x.HasAVX512F && x.HasPOPCNT, x.HasAVX2 && x.HasPOPCNT),
		"Sum":          pick(x.HasAVX512F, x.HasAVX2),
		"Im2col":       pick(x.HasAVX512F, x.HasAVX2),
		"Exp":          pick(x.HasAVX512F, fma),
		// the stem must match im2col + Sgemm at the same level: same features as Sgemm
		"Stem3x3s2": pick(fma && x.HasAVX512F, fma),
	}
	got := map[string][]string{"Sgemm": names(sgemm), "Depthwise3x3": names(depthwise3x3), "AvgPool3x3s2": names(avgPool3x3s2),
		"MaxPool3x3s2": names(maxPool3x3s2), "BilinearSum": names(bilinearSum), "Transpose": names(transpose),
		"Blend": names(blend), "LerpRow": names(lerpRow), "FilterIoU": names(filterIoU), "Sum": names(sum), "Im2col": names(im2col),
		"Exp": names(exp), "Stem3x3s2": names(stem3x3s2)}
	for name, w := range want {
		if impls := got[name]; impls[len(impls)-1] != w {
			t.Errorf("%s implementations %v, want %s last", name, impls, w)
		}
	}
	if StemAccelerated() != (want["Stem3x3s2"] != "generic") || LerpRowAccelerated() != (want["LerpRow"] != "generic") {
		t.Errorf("StemAccelerated %v, LerpRowAccelerated %v; want them where %s and %s run", StemAccelerated(), LerpRowAccelerated(), want["Stem3x3s2"], want["LerpRow"])
	}
}

// TestDepthwiseSmallAVX512IsOneFMAChain checks the AVX-512 strip and plane kernels, bit for bit
// against a plain loop that adds each product with one rounding (fma32) in the kernels' order:
// the bias, then the filter rows top down, each left to right, past the padding. At stride 1,
// planes of 1-20 rows and 1-32 columns are one or two strips (the strip kernel, which streams each
// input row once into the three output rows it feeds; nothing else runs); at stride 2, planes of
// 1-20 rows and 1-64 columns are one call of the plane kernel (one, two or four loads a row). Signed
// zeros, infinities and NaNs are among the inputs, and each plane also runs on zeros from a -0
// bias with negative weights, whose sums stay -0 (the plain loop skips the padding taps).
func TestDepthwiseSmallAVX512IsOneFMAChain(t *testing.T) {
	checkDepthwiseSmallIsOneFMAChain(t, "avx512", 32, 64)
}

// TestDepthwiseSmallAVX2IsOneFMAChain is TestDepthwiseSmallAVX512IsOneFMAChain for the AVX2 strip
// and plane kernels, which add a product of -0 for a padding tap (a masked load's 0 times a -0
// weight): planes of 1-16 columns at stride 1 (one or two strips) and 1-16 at stride 2 (one call
// of the plane kernel). With a +0 weight there a -0 sum became +0.
func TestDepthwiseSmallAVX2IsOneFMAChain(t *testing.T) {
	checkDepthwiseSmallIsOneFMAChain(t, "avx2", 16, 16)
}

// checkDepthwiseSmallIsOneFMAChain checks depthwise3x3's implementation name on the planes of up
// to w1 columns at stride 1 and w2 at stride 2, which its small kernels compute whole.
func checkDepthwiseSmallIsOneFMAChain(t *testing.T, name string, w1, w2 int) {
	var fn func(out, in []float32, h, w, oh, ow, stride int, wt []float32, bias float32)
	for _, im := range depthwise3x3.impls {
		if im.name == name {
			fn = im.fn
		}
	}
	if fn == nil {
		t.Skipf("this CPU has no %s (or %s caps it)", name, ISAEnv)
	}
	negZero := float32(math.Copysign(0, -1))
	rng := rand.New(rand.NewSource(8))
	for stride := 1; stride <= 2; stride++ {
		for h := 1; h <= 20; h++ {
			for w := 1; w <= []int{w1, w2}[stride-1]; w++ {
				oh, ow := (h-1)/stride+1, (w-1)/stride+1
				for _, zeros := range []bool{false, true} {
					in, wt, bias := withSpecials(rng, randSlice(rng, h*w)), randSlice(rng, 9), float32(rng.NormFloat64())
					if zeros {
						for i := range in {
							in[i] = 0
						}
						for i := range wt {
							wt[i] = -1 - float32(i)
						}
						bias = negZero
					}
					want := make([]float32, oh*ow)
					for oy := range oh {
						for ox := range ow {
							s := bias
							for ky := range 3 {
								for kx := range 3 {
									if y, x := stride*oy+ky-1, stride*ox+kx-1; y >= 0 && y < h && x >= 0 && x < w {
										s = fma32(wt[ky*3+kx], in[y*w+x], s)
									}
								}
							}
							want[oy*ow+ox] = s
						}
					}
					got := make([]float32, oh*ow)
					fn(got, in, h, w, oh, ow, stride, wt, bias)
					if i, ok := sameBitsOrNaN(got, want); !ok {
						t.Fatalf("%dx%d stride %d (zeros %v): out[%d] = %g, one FMA chain %g", h, w, stride, zeros, i, got[i], want[i])
					}
				}
			}
		}
	}
}

// TestPrefetchNextRowsBounds calls the tile driver's prefetch at the edges of A: rows past the
// slice, a last row that starts at the slice's last value, a stride of 0 (one row), and a k
// offset. It fails by panicking where the first row it prefetches starts outside the slice (an
// index out of range), and by hanging where it hands the assembly no rows (its loop counts down
// from 0). Rows after the first are not checked here:
// a prefetch past the slice does not fault, only fetches a line for nothing.
func TestPrefetchNextRowsBounds(t *testing.T) {
	a := make([]float32, 8*20)
	for _, c := range []struct{ lda, i, rows, pc, kk int }{
		{20, 0, 8, 0, 20},   // all eight rows
		{20, 4, 8, 0, 20},   // four of them in the slice
		{20, 8, 8, 0, 20},   // none
		{20, 7, 8, 19, 1},   // the last row's last value
		{20, 100, 8, 0, 20}, // far past the end
		{0, 1, 8, 0, 160},   // stride 0: a one-row product
		{160, 0, 1, 159, 1}, // one row, its last value
	} {
		prefetchNextRows(a, c.lda, c.i, c.rows, c.pc, c.kk)
	}
}
