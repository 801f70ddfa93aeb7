package kernels

import (
	"math"
	"math/rand"
	"slices"
	"testing"
)

func TestSgemmMatchesPlainLoop(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for _, s := range [][3]int{{1, 1, 1}, {3, 5, 7}, {4, 4, 4}, {5, 17, 3}, {9, 33, 65}, {16, 196, 40}, {7, 1, 13}} {
		m, n, k := s[0], s[1], s[2]
		lda, ldb, ldc := k+2, n+1, n+3
		a := randSlice(rng, m*lda)
		b := randSlice(rng, k*ldb)
		c := randSlice(rng, m*ldc)
		want := append([]float32(nil), c...)
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				var sum float64
				for p := 0; p < k; p++ {
					sum += float64(a[i*lda+p]) * float64(b[p*ldb+j])
				}
				want[i*ldc+j] += float32(sum)
			}
		}
		Sgemm(m, n, k, a, lda, b, ldb, c, ldc)
		for i := range c {
			if !(math.Abs(float64(c[i]-want[i])) <= 1e-4*(1+math.Abs(float64(want[i])))) {
				t.Fatalf("m=%d n=%d k=%d: c[%d] = %g, want %g", m, n, k, i, c[i], want[i])
			}
		}
	}
}

func TestBiasActAndAddAct(t *testing.T) {
	x := []float32{-2, -0.5, 0, 1}
	BiasAct(x, 1, true)
	if want := []float32{0, 0.5, 1, 2}; !slices.Equal(x, want) {
		t.Fatalf("BiasAct relu = %v, want %v", x, want)
	}
	AddAct(x, []float32{-1, -1, 1, 1}, true)
	if want := []float32{0, 0, 2, 3}; !slices.Equal(x, want) {
		t.Fatalf("AddAct relu = %v, want %v", x, want)
	}
	AddAct(x, []float32{-1, -1, 1, 1}, false)
	if want := []float32{-1, -1, 3, 4}; !slices.Equal(x, want) {
		t.Fatalf("AddAct = %v, want %v", x, want)
	}
}

func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.NormFloat64())
	}
	return s
}

func BenchmarkSgemm1x1Conv(b *testing.B) {
	// A stage-3 1x1 group conv of ShuffleNet 1x g3 at 600: 120 -> 40 channels per group, 38x63 map.
	rng := rand.New(rand.NewSource(1))
	m, n, k := 40, 38*63, 40
	a, bb, c := randSlice(rng, m*k), randSlice(rng, k*n), make([]float32, m*n)
	b.SetBytes(int64(2 * m * n * k)) // reported MB/s = MFLOP/s
	for i := 0; i < b.N; i++ {
		Sgemm(m, n, k, a, k, bb, n, c, n)
	}
}

func benchSgemm(b *testing.B, m, n, k int) {
	rng := rand.New(rand.NewSource(1))
	a, bb, c := randSlice(rng, m*k), randSlice(rng, k*n), make([]float32, m*n)
	b.SetBytes(int64(2 * m * n * k)) // reported MB/s = MFLOP/s
	for i := 0; i < b.N; i++ {
		Sgemm(m, n, k, a, k, bb, n, c, n)
	}
}

// BenchmarkSgemmLinear is the box predictor's Linear on 300 RoIs: 480 features -> 324 box deltas.
func BenchmarkSgemmLinear(b *testing.B) { benchSgemm(b, 300, 324, 480) }

// BenchmarkSgemmIm2col3x3 is a 3x3 conv through im2col: 256 outputs, 480 inputs x 9, a 38x63 map.
func BenchmarkSgemmIm2col3x3(b *testing.B) { benchSgemm(b, 256, 38*63, 4320) }
