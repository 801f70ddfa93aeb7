//go:build !noasm

#include "textflag.h"

// Transpose's block kernel (transposeKernel in transpose_simd.go), 4x4 blocks. Register use:
// R0 the block's first dst value, R5 the current dst row; R1 the current src row; R2 and R3 the
// dst and src row strides in bytes; R4 blocks left; V0-V3 the block's rows, then its columns;
// V4-V7 scratch.
//
// The rows a, b, c, d are interleaved pairwise by TRN1/TRN2 on single lanes ([a0 b0 a2 b2],
// [a1 b1 a3 b3], and the same for c, d), then the pairs by TRN1/TRN2 on double lanes: column j
// comes out as [a[j] b[j] c[j] d[j]], dst row j. Only moves: every value arrives with its bits
// (NaN payloads included).

// func transpose4NEON(dst, src *float32, ldd, lds, n int)
TEXT ·transpose4NEON(SB), NOSPLIT, $0-40
	MOVD dst+0(FP), R0
	MOVD src+8(FP), R1
	MOVD ldd+16(FP), R2
	LSL  $2, R2
	MOVD lds+24(FP), R3
	LSL  $2, R3
	MOVD n+32(FP), R4

transpose4NEONloop:
	VLD1.P (R1)(R3), [V0.S4]
	VLD1.P (R1)(R3), [V1.S4]
	VLD1.P (R1)(R3), [V2.S4]
	VLD1.P (R1)(R3), [V3.S4]
	VTRN1  V1.S4, V0.S4, V4.S4
	VTRN2  V1.S4, V0.S4, V5.S4
	VTRN1  V3.S4, V2.S4, V6.S4
	VTRN2  V3.S4, V2.S4, V7.S4
	VTRN1  V6.D2, V4.D2, V0.D2
	VTRN1  V7.D2, V5.D2, V1.D2
	VTRN2  V6.D2, V4.D2, V2.D2
	VTRN2  V7.D2, V5.D2, V3.D2
	MOVD   R0, R5
	VST1.P [V0.S4], (R5)(R2)
	VST1.P [V1.S4], (R5)(R2)
	VST1.P [V2.S4], (R5)(R2)
	VST1   [V3.S4], (R5)
	ADD    $16, R0
	SUBS   $1, R4
	BGT    transpose4NEONloop
	RET
