//go:build !noasm

#include "textflag.h"

// LerpRow's kernel (lerpKernel in lerp_simd.go), 4 outputs per step. A step whose 8 indices lie
// in the 16 values of src from its first index, i0[o] (a resize's up to 4.5 times smaller, its
// indices nondecreasing, but for the last values of src), loads those 16 (four registers) and
// picks its values from them with TBL, byte indices 4*(index-i0[o]) + {0, 1, 2, 3} (a MUL by
// 0x04040404 spreads 4*(index-i0[o]) over a lane's bytes); any other step loads its values one
// lane at a time, each index checked against src first (unsigned: a negative one is outside too;
// the bound is min(ns, 1<<31), every non-negative int32 below it where src is longer). Each
// product its own FMUL and the sum one FADD, so every value is rounded as the plain loop rounds
// it (no FMLA). The Go assembler lacks vector MUL, FMUL and FADD: WORDs, the instruction in the
// comment.

// lerpLane loads lane j of the step's values from src (R1): V5's from index V0.S[j], V6's from
// V1.S[j], or leaves for lerpNEONoutside.
#define lerpLane(j) \
	VMOV V0.S[j], R10;      \
	CMP  R7, R10;           \
	BHS  lerpNEONoutside;   \
	ADD  R10<<2, R1, R10;   \
	VLD1 (R10), V5.S[j];    \
	VMOV V1.S[j], R11;      \
	CMP  R7, R11;           \
	BHS  lerpNEONoutside;   \
	ADD  R11<<2, R1, R11;   \
	VLD1 (R11), V6.S[j]

// func lerpNEON(dst, src *float32, i0, i1 *int32, w0, w1 *float32, n, ns int) bool
TEXT ·lerpNEON(SB), NOSPLIT, $0-65
	MOVD  dst+0(FP), R0
	MOVD  src+8(FP), R1
	MOVD  i0+16(FP), R2
	MOVD  i1+24(FP), R3
	MOVD  w0+32(FP), R4
	MOVD  w1+40(FP), R5
	MOVD  n+48(FP), R6
	MOVD  ns+56(FP), R7
	MOVD  $0x80000000, R8
	CMP   R8, R7
	CSEL  HI, R8, R7, R7  // the bound
	SUB   $16, R7, R8     // the last window's start (< 0: none)
	VMOVI $4, V30.B16     // 0x04040404 a lane
	MOVW  $0x03020100, R9
	VDUP  R9, V31.S4

lerpNEONloop:
	MOVWU  (R2), R9        // the window's start, zero-extended: a negative index is past R8
	VLD1.P 16(R2), [V0.S4]
	VLD1.P 16(R3), [V1.S4]
	VLD1.P 16(R4), [V2.S4]
	VLD1.P 16(R5), [V3.S4]
	CMP    R8, R9
	BGT    lerpNEONlanes
	VDUP   R9, V4.S4
	VSUB   V4.S4, V0.S4, V5.S4
	VSUB   V4.S4, V1.S4, V6.S4
	VUMAX  V5.S4, V6.S4, V7.S4
	VUSHR  $4, V7.S4, V7.S4 // nonzero: an index outside the window
	VMOV   V7.D[0], R10
	VMOV   V7.D[1], R11
	ORR    R10, R11
	CBNZ   R11, lerpNEONlanes
	ADD    R9<<2, R1, R10
	VLD1   (R10), [V16.B16, V17.B16, V18.B16, V19.B16]
	WORD   $0x4ebe9ca5 // mul v5.4s, v5.4s, v30.4s
	WORD   $0x4ebe9cc6 // mul v6.4s, v6.4s, v30.4s
	VADD   V31.S4, V5.S4, V5.S4
	VADD   V31.S4, V6.S4, V6.S4
	VTBL   V5.B16, [V16.B16, V17.B16, V18.B16, V19.B16], V5.B16
	VTBL   V6.B16, [V16.B16, V17.B16, V18.B16, V19.B16], V6.B16

lerpNEONblend:
	WORD   $0x6e22dca5 // fmul v5.4s, v5.4s, v2.4s
	WORD   $0x6e23dcc6 // fmul v6.4s, v6.4s, v3.4s
	WORD   $0x4e26d4a5 // fadd v5.4s, v5.4s, v6.4s
	VST1.P [V5.S4], 16(R0)
	SUBS   $4, R6
	BNE    lerpNEONloop
	MOVD   $1, R10
	MOVB   R10, ret+64(FP)
	RET

lerpNEONlanes:
	lerpLane(0)
	lerpLane(1)
	lerpLane(2)
	lerpLane(3)
	B lerpNEONblend

lerpNEONoutside:
	MOVB ZR, ret+64(FP)
	RET
