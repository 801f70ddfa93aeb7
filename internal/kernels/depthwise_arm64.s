//go:build !noasm

#include "textflag.h"

// Depthwise 3x3 row kernels (dwRowKernel in depthwise_simd.go), 4 outputs per step (NEON).
// Register use: R0 out; R1, R6, R7 input rows 0-2; R2 the row stride in bytes; R3 the row count;
// R5 outputs left; R10, R11 the current output and input row; R13, R14 their strides in bytes;
// R12 rows left; R8, R9 tap addresses; V31 the bias; V1-V9 the weights of rows 0-2; V0 the sum;
// V10-V13 the taps. The sum starts from the bias and grows by VFMLA only (the Go assembler has
// no vector FADD), so no WORD encodings are needed here.

// Broadcasts the weights of the nr rows (no read past them) and sets up the row pointers.
#define DWSETUP \
	MOVD  out+0(FP), R10; \
	MOVD  in+8(FP), R11; \
	MOVD  m+48(FP), R12; \
	MOVD  ldo+56(FP), R13; \
	LSL   $2, R13; \
	MOVD  ldi+64(FP), R14; \
	LSL   $2, R14; \
	MOVD  w+16(FP), R2; \
	LSL   $2, R2; \
	MOVD  nr+24(FP), R3; \
	MOVD  wt+32(FP), R4; \
	FMOVS bias+72(FP), F31; \
	VDUP  V31.S[0], V31.S4; \
	VLD1R.P 4(R4), [V1.S4]; \
	VLD1R.P 4(R4), [V2.S4]; \
	VLD1R.P 4(R4), [V3.S4]; \
	CMP   $2, R3; \
	BLT   4(PC); \
	VLD1R.P 4(R4), [V4.S4]; \
	VLD1R.P 4(R4), [V5.S4]; \
	VLD1R.P 4(R4), [V6.S4]; \
	CMP   $3, R3; \
	BLT   4(PC); \
	VLD1R.P 4(R4), [V7.S4]; \
	VLD1R.P 4(R4), [V8.S4]; \
	VLD1R (R4), [V9.S4]

// Stride 1: the three taps of a row are three overlapping loads.
#define ROW1(p, w0, w1, w2) \
	ADD  $4, p, R8; \
	ADD  $8, p, R9; \
	VLD1 (p), [V10.S4]; \
	VLD1 (R8), [V11.S4]; \
	VLD1 (R9), [V12.S4]; \
	VFMLA w0.S4, V10.S4, V0.S4; \
	VFMLA w1.S4, V11.S4, V0.S4; \
	VFMLA w2.S4, V12.S4, V0.S4

// func dw3x3s1NEON(out, in *float32, w, nr int, wt *float32, n int, m, ldo, ldi int, bias float32)
TEXT ·dw3x3s1NEON(SB), NOSPLIT, $0-76
	DWSETUP

s1row:
	MOVD R10, R0
	MOVD R11, R1
	ADD  R2, R1, R6
	ADD  R2, R6, R7
	MOVD n+40(FP), R5

s1loop:
	VMOV V31.B16, V0.B16
	ROW1(R1, V1, V2, V3)
	CMP  $2, R3
	BLT  s1store
	ROW1(R6, V4, V5, V6)
	CMP  $3, R3
	BLT  s1store
	ROW1(R7, V7, V8, V9)

s1store:
	VST1.P [V0.S4], 16(R0)
	ADD    $16, R1
	ADD    $16, R6
	ADD    $16, R7
	SUBS   $4, R5
	BGT    s1loop
	ADD    R13, R10
	ADD    R14, R11
	SUBS   $1, R12
	BGT    s1row
	RET

// Stride 2: VLD2 splits q[0:8] into the even columns (tap 0) and the odd ones (tap 1); the odd
// columns of q[1:9] are tap 2.
#define ROW2(p, w0, w1, w2) \
	ADD  $4, p, R8; \
	VLD2 (p), [V10.S4, V11.S4]; \
	VLD2 (R8), [V12.S4, V13.S4]; \
	VFMLA w0.S4, V10.S4, V0.S4; \
	VFMLA w1.S4, V11.S4, V0.S4; \
	VFMLA w2.S4, V13.S4, V0.S4

// func dw3x3s2NEON(out, in *float32, w, nr int, wt *float32, n int, m, ldo, ldi int, bias float32)
TEXT ·dw3x3s2NEON(SB), NOSPLIT, $0-76
	DWSETUP

s2row:
	MOVD R10, R0
	MOVD R11, R1
	ADD  R2, R1, R6
	ADD  R2, R6, R7
	MOVD n+40(FP), R5

s2loop:
	VMOV V31.B16, V0.B16
	ROW2(R1, V1, V2, V3)
	CMP  $2, R3
	BLT  s2store
	ROW2(R6, V4, V5, V6)
	CMP  $3, R3
	BLT  s2store
	ROW2(R7, V7, V8, V9)

s2store:
	VST1.P [V0.S4], 16(R0)
	ADD    $32, R1
	ADD    $32, R6
	ADD    $32, R7
	SUBS   $4, R5
	BGT    s2loop
	ADD    R13, R10
	ADD    R14, R11
	SUBS   $1, R12
	BGT    s2row
	RET
