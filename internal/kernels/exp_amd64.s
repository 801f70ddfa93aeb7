//go:build !noasm

#include "textflag.h"

// Exp on 16 (AVX-512F) or 8 (AVX2 and FMA) values a step: Exp1's steps (exp.go) on every lane,
// each multiply, add and fused multiply-add rounded once in single precision as there, so every
// value is Exp1's bit for bit. q = round-to-even(x * log2(e)) (VRNDSCALEPS / VROUNDPS, then
// VCVTPS2DQ, exact on an integral value); s = x - q*ln(2) in two FMAs; u = 1 + (s*s*p(s) + s),
// p by Horner's rule in FMAs; u * 2^(q>>1) * 2^(q - q>>1), each power of two built in the
// exponent field. Then the lanes Exp1 treats apart: x < -104 gives 0, x > 100 +Inf, NaN itself.
//
// Register use: SI x, DI dst, CX the values left; AVX-512: Z16-Z27 the constants, Z28 +Inf, Z29
// the exponent bias (127), Z0 x, Z1 q as a float, Z2 q, Z3 s, Z4 u, Z5 s*s, Z6 and Z7 the powers
// of two; AVX2: the same in Y0-Y7 (Y1 the bias once q is converted), eight constants in Y8-Y15,
// the others broadcast from the constants where they are used (AX).

// The constants, at byte offsets into expConstants (exp.go), whose address is the last argument.
#define expLog2e 0(AX)
#define expNegLn2Hi 4(AX)
#define expNegLn2Lo 8(AX)
#define expC5 12(AX)
#define expC4 16(AX)
#define expC3 20(AX)
#define expC2 24(AX)
#define expC1 28(AX)
#define expC0 32(AX)
#define expOne 36(AX)
#define expLo 40(AX)
#define expHi 44(AX)
#define expInf 48(AX)
#define expBias 52(AX)

// func expAVX512(dst, x *float32, n int, c *[14]uint32)
TEXT ·expAVX512(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ c+24(FP), AX
	VBROADCASTSS expLog2e, Z16
	VBROADCASTSS expNegLn2Hi, Z17
	VBROADCASTSS expNegLn2Lo, Z18
	VBROADCASTSS expC5, Z19
	VBROADCASTSS expC4, Z20
	VBROADCASTSS expC3, Z21
	VBROADCASTSS expC2, Z22
	VBROADCASTSS expC1, Z23
	VBROADCASTSS expC0, Z24
	VBROADCASTSS expOne, Z25
	VBROADCASTSS expLo, Z26
	VBROADCASTSS expHi, Z27
	VBROADCASTSS expInf, Z28
	VBROADCASTSS expBias, Z29
	CMPQ CX, $0
	JLE  expavx512done

expavx512loop:
	VMOVUPS     (SI), Z0
	VMULPS      Z16, Z0, Z1
	VRNDSCALEPS $0, Z1, Z1
	VCVTPS2DQ   Z1, Z2
	VMOVAPS     Z0, Z3
	VFMADD231PS Z17, Z1, Z3
	VFMADD231PS Z18, Z1, Z3
	VMOVAPS     Z19, Z4
	VFMADD213PS Z20, Z3, Z4
	VFMADD213PS Z21, Z3, Z4
	VFMADD213PS Z22, Z3, Z4
	VFMADD213PS Z23, Z3, Z4
	VFMADD213PS Z24, Z3, Z4
	VMULPS      Z3, Z3, Z5
	VFMADD213PS Z3, Z5, Z4
	VADDPS      Z25, Z4, Z4
	VPSRAD      $1, Z2, Z6
	VPSUBD      Z6, Z2, Z7
	VPADDD      Z29, Z6, Z6
	VPSLLD      $23, Z6, Z6
	VPADDD      Z29, Z7, Z7
	VPSLLD      $23, Z7, Z7
	VMULPS      Z6, Z4, Z4
	VMULPS      Z7, Z4, Z4
	VCMPPS      $0x11, Z26, Z0, K1 // x < -104 (ordered): 0
	VCMPPS      $0x1e, Z27, Z0, K2 // x > 100 (ordered): +Inf
	VCMPPS      $0x03, Z0, Z0, K3 // NaN: x itself
	VXORPS      Z4, Z4, K1, Z4
	VMOVAPS     Z28, K2, Z4
	VMOVAPS     Z0, K3, Z4
	VMOVUPS     Z4, (DI)
	ADDQ        $64, SI
	ADDQ        $64, DI
	SUBQ        $16, CX
	JGT         expavx512loop

expavx512done:
	VZEROUPPER
	RET

// func expAVX2(dst, x *float32, n int, c *[14]uint32)
TEXT ·expAVX2(SB), NOSPLIT, $0-32
	MOVQ         dst+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         n+16(FP), CX
	MOVQ         c+24(FP), AX
	VBROADCASTSS expLog2e, Y8
	VBROADCASTSS expNegLn2Hi, Y9
	VBROADCASTSS expNegLn2Lo, Y10
	VBROADCASTSS expC4, Y11
	VBROADCASTSS expC3, Y12
	VBROADCASTSS expC2, Y13
	VBROADCASTSS expC1, Y14
	VBROADCASTSS expC0, Y15
	CMPQ         CX, $0
	JLE          expavx2done

expavx2loop:
	VMOVUPS      (SI), Y0
	VMULPS       Y8, Y0, Y1
	VROUNDPS     $0, Y1, Y1
	VCVTPS2DQ    Y1, Y2
	VMOVAPS      Y0, Y3
	VFMADD231PS  Y9, Y1, Y3
	VFMADD231PS  Y10, Y1, Y3
	VBROADCASTSS expC5, Y4
	VFMADD213PS  Y11, Y3, Y4
	VFMADD213PS  Y12, Y3, Y4
	VFMADD213PS  Y13, Y3, Y4
	VFMADD213PS  Y14, Y3, Y4
	VFMADD213PS  Y15, Y3, Y4
	VMULPS       Y3, Y3, Y5
	VFMADD213PS  Y3, Y5, Y4
	VBROADCASTSS expOne, Y5
	VADDPS       Y5, Y4, Y4
	VPBROADCASTD expBias, Y1
	VPSRAD       $1, Y2, Y6
	VPSUBD       Y6, Y2, Y7
	VPADDD       Y1, Y6, Y6
	VPSLLD       $23, Y6, Y6
	VPADDD       Y1, Y7, Y7
	VPSLLD       $23, Y7, Y7
	VMULPS       Y6, Y4, Y4
	VMULPS       Y7, Y4, Y4
	VBROADCASTSS expLo, Y5
	VCMPPS       $0x11, Y5, Y0, Y5 // x < -104 (ordered): 0
	VANDNPS      Y4, Y5, Y4
	VBROADCASTSS expHi, Y5
	VCMPPS       $0x1e, Y5, Y0, Y5 // x > 100 (ordered): +Inf
	VBROADCASTSS expInf, Y6
	VBLENDVPS    Y5, Y6, Y4, Y4
	VCMPPS       $0x03, Y0, Y0, Y5 // NaN: x itself
	VBLENDVPS    Y5, Y0, Y4, Y4
	VMOVUPS      Y4, (DI)
	ADDQ         $32, SI
	ADDQ         $32, DI
	SUBQ         $8, CX
	JGT          expavx2loop

expavx2done:
	VZEROUPPER
	RET
