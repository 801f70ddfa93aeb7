//go:build !noasm

#include "textflag.h"

// LerpRow's kernels (lerpKernel in lerp_simd.go), 8 (AVX2) or 16 (AVX-512F) outputs per step: the
// step's two values an output picked from a window of src (below, where its indices lie in one),
// or else gathered (VGATHERDPS, which clears its mask: set again every step, and its destination
// zeroed so that it does not wait on the previous step's gather) once the step's indices are
// checked against src (an unsigned compare, so a negative one is outside too; the bound is
// min(ns, 1<<31), every non-negative int32 below it where src is longer); each product its own
// VMULPS and the sum one VADDPS, so every value is rounded as the plain loop rounds it (no FMA).

// func lerpAVX2(dst, src *float32, i0, i1 *int32, w0, w1 *float32, n, ns int) bool
//
// A step whose 16 indices lie in the 16 values of src from its first index, i0[o] (a resize's
// less than 2 times smaller, its indices nondecreasing, but for the last values of src), loads
// those and picks from them (two VPERMPS, one for each half of the window, and a VBLENDVPS on
// bit 3 of the index) instead of gathering, as lerpAVX512 does: twice as fast on the Zen 5 here.
TEXT ·lerpAVX2(SB), NOSPLIT, $0-65
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	MOVQ         i0+16(FP), R8
	MOVQ         i1+24(FP), R9
	MOVQ         w0+32(FP), R10
	MOVQ         w1+40(FP), R11
	MOVQ         n+48(FP), CX
	MOVQ         ns+56(FP), AX
	MOVQ         $0x80000000, BX
	CMPQ         AX, BX
	CMOVQHI      BX, AX
	LEAQ         -16(AX), R12 // the last window's start (< 0: none)
	DECQ         AX           // the largest index inside src
	MOVQ         AX, X0
	VPBROADCASTD X0, Y0
	MOVL         $15, BX
	MOVQ         BX, X15
	VPBROADCASTD X15, Y15
	XORQ         DX, DX       // byte offset of the step

lerpAVX2loop:
	VMOVDQU      (R8)(DX*1), Y1
	VMOVDQU      (R9)(DX*1), Y2
	MOVL         (R8)(DX*1), BX // the window's start, zero-extended: a negative index is past R12
	CMPQ         BX, R12
	JGT          lerpAVX2gather
	MOVQ         BX, X6
	VPBROADCASTD X6, Y6
	VPSUBD       Y6, Y1, Y7
	VPSUBD       Y6, Y2, Y8
	VPMAXUD      Y7, Y8, Y9
	VPMINUD      Y15, Y9, Y10
	VPCMPEQD     Y9, Y10, Y10 // all ones where both indices are in the window
	VMOVMSKPS    Y10, AX
	CMPL         AX, $0xff
	JNE          lerpAVX2gather
	VPSLLD       $28, Y7, Y9  // bit 3 of the index, the half of the window, in the sign
	VPSLLD       $28, Y8, Y10
	VPERMPS      (SI)(BX*4), Y7, Y11
	VPERMPS      32(SI)(BX*4), Y7, Y7
	VBLENDVPS    Y9, Y7, Y11, Y7
	VPERMPS      (SI)(BX*4), Y8, Y12
	VPERMPS      32(SI)(BX*4), Y8, Y8
	VBLENDVPS    Y10, Y8, Y12, Y8
	JMP          lerpAVX2blend

lerpAVX2gather:
	VPMAXUD    Y1, Y2, Y3
	VPMAXUD    Y0, Y3, Y3
	VPCMPEQD   Y0, Y3, Y3 // all ones where both indices are inside src
	VMOVMSKPS  Y3, AX
	CMPL       AX, $0xff
	JNE        lerpAVX2outside
	VPCMPEQD   Y4, Y4, Y4
	VPCMPEQD   Y5, Y5, Y5
	VXORPS     Y7, Y7, Y7
	VXORPS     Y8, Y8, Y8
	VGATHERDPS Y4, (SI)(Y1*4), Y7
	VGATHERDPS Y5, (SI)(Y2*4), Y8

lerpAVX2blend:
	VMULPS  (R10)(DX*1), Y7, Y7
	VMULPS  (R11)(DX*1), Y8, Y8
	VADDPS  Y8, Y7, Y7
	VMOVUPS Y7, (DI)(DX*1)
	ADDQ    $32, DX
	SUBQ    $8, CX
	JNZ     lerpAVX2loop
	VZEROUPPER
	MOVB    $1, ret+64(FP)
	RET

lerpAVX2outside:
	VZEROUPPER
	MOVB $0, ret+64(FP)
	RET

// func lerpAVX512(dst, src *float32, i0, i1 *int32, w0, w1 *float32, n, ns int) bool
//
// A step whose 32 indices lie in the 32 values of src from its first index, i0[o] (a resize's
// less than 2 times smaller, its indices nondecreasing, but for the last values of src), loads
// those and permutes them (VPERMI2PS, two-table) instead of gathering: on the Zen 5 here a 16-lane
// gather is slower than two 8-lane ones, the permutes 5 times faster.
TEXT ·lerpAVX512(SB), NOSPLIT, $0-65
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	MOVQ         i0+16(FP), R8
	MOVQ         i1+24(FP), R9
	MOVQ         w0+32(FP), R10
	MOVQ         w1+40(FP), R11
	MOVQ         n+48(FP), CX
	MOVQ         ns+56(FP), AX
	MOVQ         $0x80000000, BX
	CMPQ         AX, BX
	CMOVQHI      BX, AX
	VPBROADCASTD AX, Z0         // the bound
	LEAQ         -32(AX), R12   // the last window's start (< 0: none)
	MOVL         $32, BX
	VPBROADCASTD BX, Z31
	XORQ         DX, DX         // byte offset of the step

lerpAVX512loop:
	VMOVDQU32    (R8)(DX*1), Z1
	VMOVDQU32    (R9)(DX*1), Z2
	MOVL         (R8)(DX*1), BX // the window's start, zero-extended: a negative index is past R12
	CMPQ         BX, R12
	JGT          lerpAVX512gather
	VPBROADCASTD BX, Z6
	VPSUBD       Z6, Z1, Z7
	VPSUBD       Z6, Z2, Z8
	VPMAXUD      Z7, Z8, Z9
	VPCMPUD      $1, Z31, Z9, K1 // K1: the lanes whose indices are both in the window
	KORTESTW     K1, K1
	JCC          lerpAVX512gather
	VMOVUPS      (SI)(BX*4), Z10
	VMOVUPS      64(SI)(BX*4), Z11
	VPERMI2PS    Z11, Z10, Z7
	VPERMI2PS    Z11, Z10, Z8
	JMP          lerpAVX512blend

lerpAVX512gather:
	VPMAXUD    Z1, Z2, Z3
	VPCMPUD    $1, Z0, Z3, K1 // K1: the lanes whose indices are both below the bound
	KORTESTW   K1, K1
	JCC        lerpAVX512outside // not every lane
	KMOVW      K1, K2
	VPXORD     Z7, Z7, Z7
	VPXORD     Z8, Z8, Z8
	VGATHERDPS (SI)(Z1*4), K1, Z7
	VGATHERDPS (SI)(Z2*4), K2, Z8

lerpAVX512blend:
	VMULPS  (R10)(DX*1), Z7, Z7
	VMULPS  (R11)(DX*1), Z8, Z8
	VADDPS  Z8, Z7, Z7
	VMOVUPS Z7, (DI)(DX*1)
	ADDQ    $64, DX
	SUBQ    $16, CX
	JNZ     lerpAVX512loop
	VZEROUPPER
	MOVB    $1, ret+64(FP)
	RET

lerpAVX512outside:
	VZEROUPPER
	MOVB $0, ret+64(FP)
	RET
