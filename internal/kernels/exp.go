package kernels

import "math"

// Exp1 returns e^x rounded exactly as torch 1.13's vectorized float32 exp on x86 (SLEEF's expf
// with 1-ulp accuracy, evaluated with fused multiply-adds) rounds it, so that decoded boxes and
// the scores of the rpn and roihead packages match torch bit for bit rather than to the last
// unit. It differs from the correctly rounded e^x in about one case in ten, by one unit in the
// last place. It returns 0 below -104 and +Inf above 100; NaN gives NaN (the same NaN). Exp is
// the same on a slice, vectorized. The assembly versions run these steps with the CPU's
// single-precision FMAs; here fma32 rounds each once in portable Go.
func Exp1(x float32) float32 {
	switch {
	case x != x:
		return x
	case x < expLo:
		return 0
	case x > expHi:
		return float32(math.Inf(1))
	}
	q := int32(math.RoundToEven(float64(x * expLog2e)))
	qf := float32(q)
	s := fma32(qf, -expLn2Hi, x)
	s = fma32(qf, -expLn2Lo, s)
	u := fma32(expC5, s, expC4)
	u = fma32(u, s, expC3)
	u = fma32(u, s, expC2)
	u = fma32(u, s, expC1)
	u = fma32(u, s, expC0)
	u = 1 + fma32(float32(s*s), u, s)
	h := q >> 1
	u = float32(u * pow2(h))
	return float32(u * pow2(q-h))
}

// Exp1's constants: ln(2) in two parts (hi has zeros in its low bits, so q*hi is exact), the
// polynomial's coefficients from the highest, and the cut-offs.
const (
	expLog2e = float32(1.442695040888963407359924681001892137426645954152985934135449406931)
	expLn2Hi = float32(0.693145751953125)
	expLn2Lo = float32(1.428606765330187045e-06)
	expC5    = float32(0.000198527617612853646278381)
	expC4    = float32(0.00139304355252534151077271)
	expC3    = float32(0.00833336077630519866943359)
	expC2    = float32(0.0416664853692054748535156)
	expC1    = float32(0.166666671633720397949219)
	expC0    = float32(0.5)
	expLo    = -104 // below it, 0
	expHi    = 100  // above it, +Inf
)

// expConstants are Exp1's constants as the assembly versions (exp_amd64.s, exp_arm64.s) load them
// (their address is the kernels' last argument), each as float32 bits: log2(e), -ln(2) high and
// low, the coefficients c5-c0, 1, the cut-offs -104 and 100, +Inf, and the integer 127 (the
// exponent bias).
var expConstants = [14]uint32{
	math.Float32bits(expLog2e), math.Float32bits(-expLn2Hi), math.Float32bits(-expLn2Lo),
	math.Float32bits(expC5), math.Float32bits(expC4), math.Float32bits(expC3), math.Float32bits(expC2),
	math.Float32bits(expC1), math.Float32bits(expC0), math.Float32bits(1),
	math.Float32bits(expLo), math.Float32bits(expHi), math.Float32bits(float32(math.Inf(1))), 127,
}

// pow2 returns 2^e for -126 <= e <= 127.
func pow2(e int32) float32 { return math.Float32frombits(uint32(e+127) << 23) }

// fma32 returns a*b + c rounded once to float32, like a single-precision fused multiply-add.
func fma32(a, b, c float32) float32 {
	p := float64(float64(a) * float64(b)) // exact: 24+24 bits (the conversion keeps Go from fusing it into the sums below)
	s := p + float64(c)
	// Rounding s again to float32 gives the once-rounded sum unless s landed exactly on a float32
	// rounding midpoint: for a normal float32 result, when the 29 bits of s below float32's last
	// are 1 and then zeros. Any other s (nearly every one) is done here.
	if math.Float64bits(s)&(1<<29-1) != 1<<28 && math.Abs(s) >= 0x1p-126 {
		return float32(s)
	}
	// err is the rounding error of s (Knuth's TwoSum); only when s landed exactly on a float32
	// rounding midpoint does it change the float32 result.
	bb := s - p
	err := (p - (s - bb)) + (float64(c) - bb)
	r := float32(s)
	if err != 0 && !math.IsInf(s, 0) {
		other := math.Nextafter32(r, float32(math.Copysign(math.Inf(1), s-float64(r))))
		if s != float64(r) && s-float64(r) == float64(other)-s {
			// s is a midpoint: the exact value lies on err's side of it.
			if (err > 0) == (float64(other) > s) {
				return other
			}
			return r
		}
	}
	return r
}

// expGeneric is Exp in portable Go.
func expGeneric(dst, x []float32) {
	dst = dst[:len(x)]
	for i, v := range x {
		dst[i] = Exp1(v)
	}
}
