package kernels

import (
	"math"
	"runtime"
)

// Expf returns e^x rounded exactly as the C library's expf on this machine rounds it (glibc 2.36,
// Debian's): what torch's scalar loops call, such as the last len%16 values of its float32
// sigmoid. glibc's expf is accurate to 0.502 units in the last place, not correctly rounded: it
// differs from float32(math.Exp(x)) for 170,648 of the float32 inputs in (-104, 89) (a review's
// count, with the C library; TestExpfIsGlibcs finds 230 among its 4.5 million). It comes in two
// forms here, as glibc's x86-64 build with FMA (__expf_fma) and its arm64 build (FRINTA rounding,
// no shift constant) compute it. x86-64 without FMA (__expf_sse2) runs the fused form's steps
// unfused: written out, those rounded differently from the fused ones for 1 of the 1.1 billion
// inputs in [0, 80] and [-81, -80] (counted once, not kept), so the fused form stands in for it,
// and for other architectures' builds.
func Expf(x float32) float32 { return expf(x, libcExpf) }

// expfForm is one of glibc's compilations of expf.
type expfForm int

const (
	expfFused expfForm = iota // the shift's and the polynomial's multiply-adds fused (x86-64)
	expfToInt                 // arm64: z rounded to an integer by FRINTA / FCVTAS, the polynomial fused
)

// libcExpf is the form of this architecture's glibc.
var libcExpf = expfFused

func init() {
	if runtime.GOARCH == "arm64" {
		libcExpf = expfToInt
	}
}

// expf is glibc's algorithm (from ARM's optimized routines): e^x = 2^(k/32) * 2^(r/32) with
// x*32/ln2 = k + r, 2^(k/32) from a table of 2^(i/32) whose exponent k/32 adds to, and 2^(r/32)
// a cubic in r, all in float64, rounded to float32 once at the end.
func expf(x float32, form expfForm) float32 {
	bits := math.Float32bits(x)
	if abstop := bits >> 20 & 0x7ff; abstop >= 0x42b { // |x| >= 88, Inf or NaN
		switch {
		case bits == 0xff800000: // -Inf
			return 0
		case abstop >= 0x7f8: // +Inf, NaN
			return x + x
		case x > 0x1.62e42ep6: // above ln(2^128)
			return float32(math.Inf(1))
		case x < -0x1.9fe368p6: // below ln(2^-150)
			return 0
		case x < -0x1.9d1d9ep6: // glibc's may-underflow result: 0x1.4p-75f squared
			return 0x1p-149
		}
	}
	xd := float64(x)
	var kd, r float64
	var ki uint64
	if form == expfToInt {
		z := float64(expfInvLn2N * xd)
		kd = math.Round(z) // ties away from zero, as FRINTA and FCVTAS
		ki = uint64(int64(kd))
		r = z - kd
	} else {
		zs := math.FMA(expfInvLn2N, xd, expfShift)
		ki = math.Float64bits(zs) // k in the low bits
		kd = zs - expfShift
		r = math.FMA(expfInvLn2N, xd, -kd)
	}
	s := math.Float64frombits(expfTab[ki%32] + ki<<47)
	z := math.FMA(expfC0, r, expfC1)
	r2 := float64(r * r)
	y := math.FMA(expfC2, r, 1)
	y = math.FMA(z, r2, y)
	return float32(y * s)
}

// expf's constants: 32/ln2; the shift that leaves round(z) in a double's low bits; the cubic's
// coefficients scaled for r in units of 1/32 (highest first: ln2^3/6, ln2^2/2, ln2, over 32^3,
// 32^2 and 32, as minimax-tuned by its authors).
const (
	expfInvLn2N = 0x1.71547652b82fep+5
	expfShift   = 0x1.8p+52
	expfC0      = 0x1.c6af84b912394p-20
	expfC1      = 0x1.ebfce50fac4f3p-13
	expfC2      = 0x1.62e42ff0c52d6p-6
)

// expfTab[i] is the bits of 2^(i/32), correctly rounded, minus i<<47, so that adding k<<47 for
// k = i (mod 32) puts k/32 into the exponent (TestExpfTable recomputes it).
var expfTab = [32]uint64{
	0x3ff0000000000000, 0x3fefd9b0d3158574, 0x3fefb5586cf9890f, 0x3fef9301d0125b51,
	0x3fef72b83c7d517b, 0x3fef54873168b9aa, 0x3fef387a6e756238, 0x3fef1e9df51fdee1,
	0x3fef06fe0a31b715, 0x3feef1a7373aa9cb, 0x3feedea64c123422, 0x3feece086061892d,
	0x3feebfdad5362a27, 0x3feeb42b569d4f82, 0x3feeab07dd485429, 0x3feea47eb03a5585,
	0x3feea09e667f3bcd, 0x3fee9f75e8ec5f74, 0x3feea11473eb0187, 0x3feea589994cce13,
	0x3feeace5422aa0db, 0x3feeb737b0cdc5e5, 0x3feec49182a3f090, 0x3feed503b23e255d,
	0x3feee89f995ad3ad, 0x3feeff76f2fb5e47, 0x3fef199bdd85529c, 0x3fef3720dcef9069,
	0x3fef5818dcfba487, 0x3fef7c97337b9b5f, 0x3fefa4afa2a490da, 0x3fefd0765b6e4540,
}
