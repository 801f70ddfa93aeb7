package kernels

import (
	"fmt"
	"math"
	"math/rand"
	"testing"
)

// TestSgemmRagged compares Sgemm (every kernel this CPU runs, and the portable one) with a float64
// plain loop on ragged sizes and strides, and checks that nothing outside C's m x n window moves.
func TestSgemmRagged(t *testing.T) {
	type shape struct{ m, n, k int }
	var shapes []shape
	for _, m := range []int{1, 2, 3, 4, 5, 6, 7, 11, 12, 13, 20} {
		for _, n := range []int{1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 49, 81, 100} {
			for _, k := range []int{1, 2, 5, 16, 33, 257} {
				shapes = append(shapes, shape{m, n, k})
			}
		}
	}
	shapes = append(shapes, shape{20, 530, 300}, shape{7, 1100, 600}, shape{13, 600, 513}, shape{40, 49, 40})
	forEachSgemm(t, func(t *testing.T) {
		rng := rand.New(rand.NewSource(2))
		for _, s := range shapes {
			lda, ldb, ldc := s.k+rng.Intn(3), s.n+rng.Intn(3), s.n+rng.Intn(3)
			if err := checkSgemm(rng, s.m, s.n, s.k, lda, ldb, ldc); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func checkSgemm(rng *rand.Rand, m, n, k, lda, ldb, ldc int) error {
	const guard = 1e30 // in C's stride gaps and after its end
	a := randSlice(rng, (m-1)*lda+k)
	b := randSlice(rng, (k-1)*ldb+n)
	c := make([]float32, m*ldc+3)
	for i := range c {
		c[i] = guard
	}
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			c[i*ldc+j] = float32(rng.NormFloat64())
		}
	}
	c0 := append([]float32(nil), c...)
	Sgemm(m, n, k, a, lda, b, ldb, c[:(m-1)*ldc+n], ldc)
	for i := 0; i < m; i++ {
		for j := 0; j < ldc && i*ldc+j < len(c); j++ {
			idx := i*ldc + j
			if j >= n {
				if c[idx] != guard {
					return fmt.Errorf("m=%d n=%d k=%d lda=%d ldb=%d ldc=%d: c[%d] outside C changed to %g", m, n, k, lda, ldb, ldc, idx, c[idx])
				}
				continue
			}
			sum, scale := float64(c0[idx]), math.Abs(float64(c0[idx]))
			for p := 0; p < k; p++ {
				v := float64(a[i*lda+p]) * float64(b[p*ldb+j])
				sum += v
				scale += math.Abs(v)
			}
			if d := math.Abs(float64(c[idx]) - sum); !(d <= 1e-6*math.Sqrt(float64(k+1))*scale) {
				return fmt.Errorf("m=%d n=%d k=%d lda=%d ldb=%d ldc=%d: c[%d,%d] = %g, want %g (|diff| %.3g, scale %.3g)", m, n, k, lda, ldb, ldc, i, j, c[idx], sum, d, scale)
			}
		}
	}
	for idx := (m-1)*ldc + n; idx < len(c); idx++ {
		if c[idx] != guard {
			return fmt.Errorf("m=%d n=%d k=%d: c[%d] after C changed to %g", m, n, k, idx, c[idx])
		}
	}
	return nil
}
