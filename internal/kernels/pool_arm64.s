//go:build !noasm

#include "textflag.h"

// 3x3 stride-2 pooling row kernels (poolRowKernel in pool_simd.go), 4 outputs per step (NEON).
// Register use: R0 out; R1, R6, R7 input rows 0-2; R2 the row stride in bytes; R3 the row count;
// R5 outputs left; R10, R11 the current output and input row; R13, R14 their strides in bytes;
// R12 rows left; R8 scratch; V30 the start value (-Inf or 0); V29 the divisor 9; V0 the result;
// V10-V13 the loads; V14 the comparison mask.
//
// VLD2 splits q[0:8] into the columns x-1 (even) and x (odd) of 4 windows; the odd values of
// q[1:9] are the columns x+1. Each lane takes its window's values in the plain loop's order, row
// by row, left to right: the maximum is replaced only where the new value is greater (FCMGT, then
// BIT; so a NaN input never wins and of equal values the first stays, as in the plain loop:
// FMAX would differ on both), the sum adds from 0 before one FDIV by 9; both agree with the
// plain loop bit for bit. The Go assembler lacks these vector instructions: they are WORDs,
// each named in its comment.

#define POOLSETUP \
	MOVD out+0(FP), R10; \
	MOVD in+8(FP), R11; \
	MOVD w+16(FP), R2; \
	LSL  $2, R2; \
	MOVD nr+24(FP), R3; \
	MOVD m+40(FP), R12; \
	MOVD ldo+48(FP), R13; \
	LSL  $2, R13; \
	MOVD ldi+56(FP), R14; \
	LSL  $2, R14; \
	MOVW $0x41100000, R8; \
	VDUP R8, V29.S4

#define LOADS(p) \
	ADD  $4, p, R8; \
	VLD2 (p), [V10.S4, V11.S4]; \
	VLD2 (R8), [V12.S4, V13.S4]

#define MAXROW(p) \
	LOADS(p); \
	WORD $0x6ea0e54e; \
	WORD $0x6eae1d40; \
	WORD $0x6ea0e56e; \
	WORD $0x6eae1d60; \
	WORD $0x6ea0e5ae; \
	WORD $0x6eae1da0
// (fcmgt v14.4s, v10.4s, v0.4s; bit v0.16b, v10.16b, v14.16b; the same for v11, then v13)

#define ADDROW(p) \
	LOADS(p); \
	WORD $0x4e2ad400; \
	WORD $0x4e2bd400; \
	WORD $0x4e2dd400
// (fadd v0.4s, v0.4s, v10.4s; fadd v0.4s, v0.4s, v11.4s; fadd v0.4s, v0.4s, v13.4s)

// func maxPoolRowsNEON(out, in *float32, w, nr, n, m, ldo, ldi int)
TEXT ·maxPoolRowsNEON(SB), NOSPLIT, $0-64
	POOLSETUP
	MOVW $0xff800000, R8
	VDUP R8, V30.S4

maxPoolRowsNEONrow:
	MOVD R10, R0
	MOVD R11, R1
	ADD  R2, R1, R6
	ADD  R2, R6, R7
	MOVD n+32(FP), R5

maxPoolRowsNEONloop:
	VMOV V30.B16, V0.B16
	MAXROW(R1)
	CMP  $2, R3
	BLT  maxPoolRowsNEONstore
	MAXROW(R6)
	CMP  $3, R3
	BLT  maxPoolRowsNEONstore
	MAXROW(R7)

maxPoolRowsNEONstore:
	VST1.P [V0.S4], 16(R0)
	ADD    $32, R1
	ADD    $32, R6
	ADD    $32, R7
	SUBS   $4, R5
	BGT    maxPoolRowsNEONloop
	ADD    R13, R10
	ADD    R14, R11
	SUBS   $1, R12
	BGT    maxPoolRowsNEONrow
	RET

// func avgPoolRowsNEON(out, in *float32, w, nr, n, m, ldo, ldi int)
TEXT ·avgPoolRowsNEON(SB), NOSPLIT, $0-64
	POOLSETUP
	VEOR V30.B16, V30.B16, V30.B16

avgPoolRowsNEONrow:
	MOVD R10, R0
	MOVD R11, R1
	ADD  R2, R1, R6
	ADD  R2, R6, R7
	MOVD n+32(FP), R5

avgPoolRowsNEONloop:
	VMOV V30.B16, V0.B16
	ADDROW(R1)
	CMP  $2, R3
	BLT  avgPoolRowsNEONstore
	ADDROW(R6)
	CMP  $3, R3
	BLT  avgPoolRowsNEONstore
	ADDROW(R7)

avgPoolRowsNEONstore:
	WORD $0x6e3dfc00 // fdiv v0.4s, v0.4s, v29.4s
	VST1.P [V0.S4], 16(R0)
	ADD    $32, R1
	ADD    $32, R6
	ADD    $32, R7
	SUBS   $4, R5
	BGT    avgPoolRowsNEONloop
	ADD    R13, R10
	ADD    R14, R11
	SUBS   $1, R12
	BGT    avgPoolRowsNEONrow
	RET
