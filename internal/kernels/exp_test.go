package kernels

import (
	"fmt"
	"math"
	"math/big"
	"math/rand"
	randv2 "math/rand/v2"
	"testing"

	"github.com/shuffledet/shuffledet/internal/torchref"
	"github.com/shuffledet/shuffledet/safetensors"
)

// TestExp checks every implementation of Exp against Exp1 bit for bit, on lengths 0-70 (whole
// vectors and every remainder) and in place: random values over the whole range Exp1 treats
// (-110 to 110: past both cut-offs), values around the cut-offs (-104, 100) and where the result
// is subnormal, NaNs with payloads (kept as they are), infinities and signed zeros.
func TestExp(t *testing.T) {
	nan := math.Float32frombits(0x7fc01234)
	specials := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), nan,
		-nan, -104, math.Nextafter32(-104, 0), math.Nextafter32(-104, -200), 100, math.Nextafter32(100, 0),
		math.Nextafter32(100, 200), -87.5, -88.7, -95, -103.9, 88.7, 88.8, 1e-30, -1e-30}
	forEach(t, exp, func(t *testing.T, fn func(dst, x []float32)) {
		rng := rand.New(rand.NewSource(5))
		for n := 0; n <= 70; n++ {
			for rep := 0; rep < 20; rep++ {
				x := make([]float32, n)
				for i := range x {
					switch rng.Intn(4) {
					case 0:
						x[i] = specials[rng.Intn(len(specials))]
					case 1:
						x[i] = float32(rng.NormFloat64() * 3)
					default:
						x[i] = rng.Float32()*220 - 110
					}
				}
				want := make([]float32, n)
				for i, v := range x {
					want[i] = Exp1(v)
				}
				got := make([]float32, n+1)
				got[n] = 7 // nothing past len(x) may move
				fn(got, x)
				if i, ok := sameBits(got[:n], want); !ok || got[n] != 7 {
					t.Fatalf("n=%d: Exp(%g) = %g (%#x), Exp1 %g (%#x); past the end %g", n, x[i], got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]), got[n])
				}
				fn(x, x)
				if i, ok := sameBits(x, want); !ok {
					t.Fatalf("n=%d in place: out[%d] = %g, Exp1 %g", n, i, x[i], want[i])
				}
			}
		}
	})
}

// TestExpMatchesTorch checks Exp1 and every implementation of Exp against torch.exp (its float32
// kernel on this CPU) on a million values, equal bit for bit.
func TestExpMatchesTorch(t *testing.T) {
	r := randv2.New(randv2.NewPCG(3, 4))
	const n = 1 << 20
	xs := make([]float32, n)
	for i := range xs {
		switch i % 4 {
		case 0:
			xs[i] = r.Float32()*20 - 10
		case 1:
			xs[i] = float32(r.NormFloat64())
		case 2:
			xs[i] = r.Float32()*220 - 110
		default:
			xs[i] = r.Float32()*1e-3 - 5e-4
		}
	}
	f := torchref.Tensors(t, `OUT["exp"] = torch.exp(T["x"])`, &safetensors.Tensor{Name: "x", Shape: []int{n}, Data: xs})
	want := torchref.Get(t, f, "exp").Data
	check := func(name string, got []float32) {
		t.Helper()
		bad := 0
		for i, x := range xs {
			if g := got[i]; g != want[i] && !(math.IsInf(float64(g), 1) && math.IsInf(float64(want[i]), 1)) {
				if bad < 5 {
					t.Errorf("%s(%v) = %v, torch %v", name, x, g, want[i])
				}
				bad++
			}
		}
		if bad > 0 {
			t.Errorf("%s differs from torch.exp on %d of %d values", name, bad, n)
		}
	}
	got := make([]float32, n)
	for i, x := range xs {
		got[i] = Exp1(x)
	}
	check("Exp1", got)
	for _, im := range exp.impls {
		im.fn(got, xs)
		check("Exp/"+im.name, got)
	}
}

// TestExpEdges checks Exp1's special values and its accuracy against math.Exp (2e-7 relative).
func TestExpEdges(t *testing.T) {
	if Exp1(0) != 1 || Exp1(-200) != 0 || !math.IsInf(float64(Exp1(200)), 1) || !math.IsNaN(float64(Exp1(float32(math.NaN())))) {
		t.Errorf("Exp edges: %v %v %v", Exp1(0), Exp1(-200), Exp1(200))
	}
	for x := float32(-20); x < 20; x += 0.37 {
		want := math.Exp(float64(x))
		if got := float64(Exp1(x)); !(math.Abs(got-want) <= 2e-7*want) {
			t.Errorf("Exp1(%v) = %v, want %v", x, got, want)
		}
	}
}

// TestFma32RoundsOnce checks fma32 against a*b + c computed exactly (math/big) and rounded once
// to float32, on random operands of every magnitude (subnormal and overflowing results included)
// and on sums that round in float64 onto a float32 midpoint, where rounding twice would err.
func TestFma32RoundsOnce(t *testing.T) {
	exact := func(a, b, c float32) float32 {
		x := new(big.Float).SetPrec(200).SetFloat64(float64(a))
		x.Mul(x, new(big.Float).SetPrec(200).SetFloat64(float64(b)))
		x.Add(x, new(big.Float).SetPrec(200).SetFloat64(float64(c)))
		f, _ := x.Float32() // nearest, ties to even, subnormals and overflow as IEEE
		return f
	}
	one := float32(1)
	ulp := float32(math.Nextafter32(1, 2) - 1) // 2^-23
	cases := [][3]float32{
		// c + half an ulp minus a sliver: float64 lands on the midpoint above odd c, the exact sum is below it.
		{1 + ulp, ulp / 2 * (1 - ulp), 1 + ulp},
		{-(1 + ulp), ulp / 2 * (1 - ulp), -(1 + ulp)},
		{1 + ulp, ulp / 2 * (1 + ulp), 1 + ulp},
		{one, ulp / 2, one},
		{1 + ulp, ulp / 2 * (1 - ulp), 3 + 2*ulp},
	}
	r := rand.New(rand.NewSource(7))
	for range 200000 {
		var v [3]float32
		for i := range v {
			v[i] = float32(math.Ldexp(r.NormFloat64(), r.Intn(80)-40))
		}
		if r.Intn(8) == 0 { // tiny results: subnormal float32
			v[0], v[2] = float32(math.Ldexp(r.NormFloat64(), -70)), float32(math.Ldexp(r.NormFloat64(), -140))
		}
		cases = append(cases, v)
	}
	for _, v := range cases {
		if got, want := fma32(v[0], v[1], v[2]), exact(v[0], v[1], v[2]); math.Float32bits(got) != math.Float32bits(want) {
			t.Fatalf("fma32(%g, %g, %g) = %g, once rounded %g", v[0], v[1], v[2], got, want)
		}
	}
}

// BenchmarkExp times each implementation on one RoI's class logits at COCO's 91 classes (the box
// head's softmax) and on 4096 values.
func BenchmarkExp(b *testing.B) {
	for _, im := range exp.impls {
		for _, n := range []int{91, 4096} {
			b.Run(fmt.Sprintf("%s/%d", im.name, n), func(b *testing.B) {
				rng := rand.New(rand.NewSource(1))
				x := make([]float32, n)
				for i := range x {
					x[i] = float32(rng.NormFloat64() * 4)
				}
				dst := make([]float32, n)
				for b.Loop() {
					im.fn(dst, x)
				}
			})
		}
	}
}
