package kernels

import (
	"math"
	"math/big"
	"testing"
)

// TestExpfTable: each entry is 2^(i/32) correctly rounded to a double, less i<<47.
func TestExpfTable(t *testing.T) {
	for i, got := range expfTab {
		// 2^(i/32) to 200 bits by Newton's method on y^32 = 2^i, then rounded to 53.
		want := new(big.Float).SetPrec(200).SetFloat64(math.Exp2(float64(i) / 32))
		two := new(big.Float).SetPrec(200).SetMantExp(big.NewFloat(1), i)
		for range 8 {
			p := new(big.Float).SetPrec(200).SetInt64(1)
			for range 31 {
				p.Mul(p, want)
			}
			// y -= (y^32 - 2^i) / (32 y^31)
			num := new(big.Float).SetPrec(200).Mul(p, want)
			num.Sub(num, two)
			den := new(big.Float).SetPrec(200).Mul(p, big.NewFloat(32))
			want.Sub(want, num.Quo(num, den))
		}
		w, _ := want.Float64() // to nearest even
		if exp := math.Float64bits(w) - uint64(i)<<47; got != exp {
			t.Errorf("expfTab[%d] = %#x, want %#x", i, got, exp)
		}
	}
}

// TestExpfSpecialValues: the edges of glibc's expf, which TestExpfIsGlibcs compares in bulk.
func TestExpfSpecialValues(t *testing.T) {
	for _, form := range []expfForm{expfFused, expfToInt} {
		for _, c := range []struct{ x, want float32 }{
			{0, 1}, {float32(math.Inf(-1)), 0}, {float32(math.Inf(1)), float32(math.Inf(1))},
			{89, float32(math.Inf(1))}, {-104, 0}, {-103.5, 0x1p-149}, {1, math.E},
		} {
			if got := expf(c.x, form); got != c.want {
				t.Errorf("form %d: expf(%v) = %v, want %v", form, c.x, got, c.want)
			}
		}
		if got := expf(float32(math.NaN()), form); got == got {
			t.Errorf("form %d: expf(NaN) = %v", form, got)
		}
	}
}
