//go:build !noasm

#include "textflag.h"

// Exp on 8 values a step (NEON): exp_amd64.s's steps on two vectors of 4, interleaved so that
// each instruction's result is not needed by the next (an in-order core, the Cortex-A55, would
// wait there). Every value is Exp1's bit for bit: FRINTN rounds to even, FCVTZS converts the
// integral value exactly, each FMLA is one fused multiply-add as Exp1's fma32, FMUL and FADD round
// once; the lanes Exp1 treats apart come last: x < -104 gives 0 (FCMGT, BIC), x > 100 +Inf
// (FCMGT, BIT), NaN itself (FCMEQ, BIF).
//
// Register use: R0 dst, R1 x, R2 the values left; per vector (the first, then the second): V0 /
// V8 x, V1 / V9 q as a float (then s + s*s*p(s)), V2 / V10 q, V3 / V11 s, V4 / V12 u, V5 / V13
// scratch, V6 / V14 and V7 / V15 the powers of two; V16-V29 the constants, in expConstants' order (exp.go).

// The instructions the Go assembler lacks, as WORDs (encodings checked with binutils' aarch64
// assembler); operands are register numbers, destination first.
#define FMUL(d, n, m) WORD $(0x6e20dc00 | (m)<<16 | (n)<<5 | (d)) // fmul vd.4s, vn.4s, vm.4s
#define FADD(d, n, m) WORD $(0x4e20d400 | (m)<<16 | (n)<<5 | (d)) // fadd vd.4s, vn.4s, vm.4s
#define FRINTN(d, n) WORD $(0x4e218800 | (n)<<5 | (d)) // frintn vd.4s, vn.4s
#define FCVTZS(d, n) WORD $(0x4ea1b800 | (n)<<5 | (d)) // fcvtzs vd.4s, vn.4s
#define SSHR1(d, n) WORD $(0x4f3f0400 | (n)<<5 | (d)) // sshr vd.4s, vn.4s, #1
#define SHL23(d, n) WORD $(0x4f375400 | (n)<<5 | (d)) // shl vd.4s, vn.4s, #23
#define ADD(d, n, m) WORD $(0x4ea08400 | (m)<<16 | (n)<<5 | (d)) // add vd.4s, vn.4s, vm.4s
#define SUB(d, n, m) WORD $(0x6ea08400 | (m)<<16 | (n)<<5 | (d)) // sub vd.4s, vn.4s, vm.4s
#define FCMGT(d, n, m) WORD $(0x6ea0e400 | (m)<<16 | (n)<<5 | (d)) // fcmgt vd.4s, vn.4s, vm.4s
#define FCMEQ(d, n, m) WORD $(0x4e20e400 | (m)<<16 | (n)<<5 | (d)) // fcmeq vd.4s, vn.4s, vm.4s
#define BIC(d, n, m) WORD $(0x4e601c00 | (m)<<16 | (n)<<5 | (d)) // bic vd.16b, vn.16b, vm.16b
#define BIT(d, n, m) WORD $(0x6ea01c00 | (m)<<16 | (n)<<5 | (d)) // bit vd.16b, vn.16b, vm.16b
#define BIF(d, n, m) WORD $(0x6ee01c00 | (m)<<16 | (n)<<5 | (d)) // bif vd.16b, vn.16b, vm.16b

// func expNEON(dst, x *float32, n int, c *[14]uint32)
TEXT ·expNEON(SB), NOSPLIT, $0-32
	MOVD dst+0(FP), R0
	MOVD x+8(FP), R1
	MOVD n+16(FP), R2
	MOVD c+24(FP), R3
	VLD1R.P 4(R3), [V16.S4]
	VLD1R.P 4(R3), [V17.S4]
	VLD1R.P 4(R3), [V18.S4]
	VLD1R.P 4(R3), [V19.S4]
	VLD1R.P 4(R3), [V20.S4]
	VLD1R.P 4(R3), [V21.S4]
	VLD1R.P 4(R3), [V22.S4]
	VLD1R.P 4(R3), [V23.S4]
	VLD1R.P 4(R3), [V24.S4]
	VLD1R.P 4(R3), [V25.S4]
	VLD1R.P 4(R3), [V26.S4]
	VLD1R.P 4(R3), [V27.S4]
	VLD1R.P 4(R3), [V28.S4]
	VLD1R.P 4(R3), [V29.S4]
	CBZ  R2, expneondone

// The loop's order was searched (a random search over the orders the dependencies allow: each
// register's reads and writes in order, so every value is computed as before; no load past a
// store; an order kept only where none of llvm-mca's models got slower): cycles per step on
// cortex-a55 / cortex-a57 / apple-a13 121.0 / 57.5 / 26.9 -> 92.0 / 55.2 / 25.8.
expneonloop:
	VLD1.P 16(R1), [V0.S4]
	FMUL(1, 0, 16)
	VLD1.P 16(R1), [V8.S4]
	FMUL(9, 8, 16)
	FRINTN(1, 1)
	VMOV V8.B16, V11.B16
	VMOV V0.B16, V3.B16
	FRINTN(9, 9)
	VFMLA V17.S4, V9.S4, V11.S4
	VFMLA V17.S4, V1.S4, V3.S4
	VMOV V21.B16, V5.B16
	VMOV V20.B16, V12.B16
	VFMLA V18.S4, V9.S4, V11.S4
	VFMLA V18.S4, V1.S4, V3.S4
	VMOV V20.B16, V4.B16
	VFMLA V19.S4, V11.S4, V12.S4
	VFMLA V19.S4, V3.S4, V4.S4
	FCVTZS(2, 1)
	VMOV V21.B16, V13.B16
	FCVTZS(10, 9)
	VMOV V3.B16, V1.B16
	VFMLA V4.S4, V3.S4, V5.S4
	VMOV V22.B16, V4.B16
	VFMLA V12.S4, V11.S4, V13.S4
	VMOV V22.B16, V12.B16
	VFMLA V5.S4, V3.S4, V4.S4
	VMOV V23.B16, V5.B16
	VFMLA V13.S4, V11.S4, V12.S4
	VMOV V23.B16, V13.B16
	VFMLA V4.S4, V3.S4, V5.S4
	VMOV V24.B16, V4.B16
	VFMLA V12.S4, V11.S4, V13.S4
	VMOV V24.B16, V12.B16
	VMOV V11.B16, V9.B16
	SSHR1(6, 2)
	VFMLA V5.S4, V3.S4, V4.S4
	FMUL(5, 3, 3)
	VFMLA V13.S4, V11.S4, V12.S4
	FMUL(13, 11, 11)
	SSHR1(14, 10)
	SUB(7, 2, 6)
	VFMLA V4.S4, V5.S4, V1.S4
	ADD(6, 6, 29)
	VFMLA V12.S4, V13.S4, V9.S4
	SUB(15, 10, 14)
	ADD(14, 14, 29)
	FADD(12, 9, 25)
	SHL23(6, 6)
	ADD(15, 15, 29)
	FADD(4, 1, 25)
	SHL23(14, 14)
	ADD(7, 7, 29)
	SHL23(15, 15)
	FMUL(12, 12, 14)
	FMUL(4, 4, 6)
	SHL23(7, 7)
	FCMGT(5, 26, 0)
	SUBS   $8, R2
	FMUL(4, 4, 7)
	FCMGT(13, 26, 8)
	FMUL(12, 12, 15)
	BIC(4, 4, 5)
	FCMGT(5, 0, 27)
	BIC(12, 12, 13)
	FCMGT(13, 8, 27)
	BIT(4, 28, 5)
	FCMEQ(5, 0, 0)
	BIT(12, 28, 13)
	FCMEQ(13, 8, 8)
	BIF(4, 0, 5)
	BIF(12, 8, 13)
	VST1.P [V4.S4], 16(R0)
	VST1.P [V12.S4], 16(R0)
	BGT    expneonloop

expneondone:
	RET
