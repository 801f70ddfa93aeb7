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

// The same, 16 outputs per step: four independent sums (V16-V19) hide the FMLA latency that
// one chain of nine exposes, each in the 4-wide kernels' order (so the results are theirs).
// Stride 1 loads its taps with FMOVQ at byte offsets (V20-V25, two sets in turn); stride 2 splits
// them with VLD2 as above (V20-V27; R8, R9, R19, R20 hold the addresses).

// func dw3x3s1NEON16(out, in *float32, w, nr int, wt *float32, n int, m, ldo, ldi int, bias float32)
TEXT ·dw3x3s1NEON16(SB), NOSPLIT, $0-76
	DWSETUP

dw3x3s1NEON16row:
	MOVD R10, R0
	MOVD R11, R1
	ADD  R2, R1, R6
	ADD  R2, R6, R7
	MOVD n+40(FP), R5

dw3x3s1NEON16loop:
	VMOV V31.B16, V16.B16
	VMOV V31.B16, V17.B16
	VMOV V31.B16, V18.B16
	VMOV V31.B16, V19.B16
	FMOVQ 0(R1), F20
	FMOVQ 4(R1), F21
	FMOVQ 8(R1), F22
	VFMLA V1.S4, V20.S4, V16.S4
	VFMLA V2.S4, V21.S4, V16.S4
	VFMLA V3.S4, V22.S4, V16.S4
	FMOVQ 16(R1), F23
	FMOVQ 20(R1), F24
	FMOVQ 24(R1), F25
	VFMLA V1.S4, V23.S4, V17.S4
	VFMLA V2.S4, V24.S4, V17.S4
	VFMLA V3.S4, V25.S4, V17.S4
	FMOVQ 32(R1), F20
	FMOVQ 36(R1), F21
	FMOVQ 40(R1), F22
	VFMLA V1.S4, V20.S4, V18.S4
	VFMLA V2.S4, V21.S4, V18.S4
	VFMLA V3.S4, V22.S4, V18.S4
	FMOVQ 48(R1), F23
	FMOVQ 52(R1), F24
	FMOVQ 56(R1), F25
	VFMLA V1.S4, V23.S4, V19.S4
	VFMLA V2.S4, V24.S4, V19.S4
	VFMLA V3.S4, V25.S4, V19.S4
	CMP  $2, R3
	BLT  dw3x3s1NEON16store
	FMOVQ 0(R6), F20
	FMOVQ 4(R6), F21
	FMOVQ 8(R6), F22
	VFMLA V4.S4, V20.S4, V16.S4
	VFMLA V5.S4, V21.S4, V16.S4
	VFMLA V6.S4, V22.S4, V16.S4
	FMOVQ 16(R6), F23
	FMOVQ 20(R6), F24
	FMOVQ 24(R6), F25
	VFMLA V4.S4, V23.S4, V17.S4
	VFMLA V5.S4, V24.S4, V17.S4
	VFMLA V6.S4, V25.S4, V17.S4
	FMOVQ 32(R6), F20
	FMOVQ 36(R6), F21
	FMOVQ 40(R6), F22
	VFMLA V4.S4, V20.S4, V18.S4
	VFMLA V5.S4, V21.S4, V18.S4
	VFMLA V6.S4, V22.S4, V18.S4
	FMOVQ 48(R6), F23
	FMOVQ 52(R6), F24
	FMOVQ 56(R6), F25
	VFMLA V4.S4, V23.S4, V19.S4
	VFMLA V5.S4, V24.S4, V19.S4
	VFMLA V6.S4, V25.S4, V19.S4
	CMP  $3, R3
	BLT  dw3x3s1NEON16store
	FMOVQ 0(R7), F20
	FMOVQ 4(R7), F21
	FMOVQ 8(R7), F22
	VFMLA V7.S4, V20.S4, V16.S4
	VFMLA V8.S4, V21.S4, V16.S4
	VFMLA V9.S4, V22.S4, V16.S4
	FMOVQ 16(R7), F23
	FMOVQ 20(R7), F24
	FMOVQ 24(R7), F25
	VFMLA V7.S4, V23.S4, V17.S4
	VFMLA V8.S4, V24.S4, V17.S4
	VFMLA V9.S4, V25.S4, V17.S4
	FMOVQ 32(R7), F20
	FMOVQ 36(R7), F21
	FMOVQ 40(R7), F22
	VFMLA V7.S4, V20.S4, V18.S4
	VFMLA V8.S4, V21.S4, V18.S4
	VFMLA V9.S4, V22.S4, V18.S4
	FMOVQ 48(R7), F23
	FMOVQ 52(R7), F24
	FMOVQ 56(R7), F25
	VFMLA V7.S4, V23.S4, V19.S4
	VFMLA V8.S4, V24.S4, V19.S4
	VFMLA V9.S4, V25.S4, V19.S4

dw3x3s1NEON16store:
	VST1.P [V16.S4, V17.S4, V18.S4, V19.S4], 64(R0)
	ADD    $64, R1
	ADD    $64, R6
	ADD    $64, R7
	SUBS   $16, R5
	BGT    dw3x3s1NEON16loop
	ADD    R13, R10
	ADD    R14, R11
	SUBS   $1, R12
	BGT    dw3x3s1NEON16row
	RET

// func dw3x3s2NEON16(out, in *float32, w, nr int, wt *float32, n int, m, ldo, ldi int, bias float32)
TEXT ·dw3x3s2NEON16(SB), NOSPLIT, $0-76
	DWSETUP

dw3x3s2NEON16row:
	MOVD R10, R0
	MOVD R11, R1
	ADD  R2, R1, R6
	ADD  R2, R6, R7
	MOVD n+40(FP), R5

dw3x3s2NEON16loop:
	VMOV V31.B16, V16.B16
	VMOV V31.B16, V17.B16
	VMOV V31.B16, V18.B16
	VMOV V31.B16, V19.B16
	ADD  $0, R1, R8
	ADD  $4, R1, R9
	VLD2 (R8), [V20.S4, V21.S4]
	VLD2 (R9), [V22.S4, V23.S4]
	VFMLA V1.S4, V20.S4, V16.S4
	VFMLA V2.S4, V21.S4, V16.S4
	VFMLA V3.S4, V23.S4, V16.S4
	ADD  $32, R1, R19
	ADD  $36, R1, R20
	VLD2 (R19), [V24.S4, V25.S4]
	VLD2 (R20), [V26.S4, V27.S4]
	VFMLA V1.S4, V24.S4, V17.S4
	VFMLA V2.S4, V25.S4, V17.S4
	VFMLA V3.S4, V27.S4, V17.S4
	ADD  $64, R1, R8
	ADD  $68, R1, R9
	VLD2 (R8), [V20.S4, V21.S4]
	VLD2 (R9), [V22.S4, V23.S4]
	VFMLA V1.S4, V20.S4, V18.S4
	VFMLA V2.S4, V21.S4, V18.S4
	VFMLA V3.S4, V23.S4, V18.S4
	ADD  $96, R1, R19
	ADD  $100, R1, R20
	VLD2 (R19), [V24.S4, V25.S4]
	VLD2 (R20), [V26.S4, V27.S4]
	VFMLA V1.S4, V24.S4, V19.S4
	VFMLA V2.S4, V25.S4, V19.S4
	VFMLA V3.S4, V27.S4, V19.S4
	CMP  $2, R3
	BLT  dw3x3s2NEON16store
	ADD  $0, R6, R8
	ADD  $4, R6, R9
	VLD2 (R8), [V20.S4, V21.S4]
	VLD2 (R9), [V22.S4, V23.S4]
	VFMLA V4.S4, V20.S4, V16.S4
	VFMLA V5.S4, V21.S4, V16.S4
	VFMLA V6.S4, V23.S4, V16.S4
	ADD  $32, R6, R19
	ADD  $36, R6, R20
	VLD2 (R19), [V24.S4, V25.S4]
	VLD2 (R20), [V26.S4, V27.S4]
	VFMLA V4.S4, V24.S4, V17.S4
	VFMLA V5.S4, V25.S4, V17.S4
	VFMLA V6.S4, V27.S4, V17.S4
	ADD  $64, R6, R8
	ADD  $68, R6, R9
	VLD2 (R8), [V20.S4, V21.S4]
	VLD2 (R9), [V22.S4, V23.S4]
	VFMLA V4.S4, V20.S4, V18.S4
	VFMLA V5.S4, V21.S4, V18.S4
	VFMLA V6.S4, V23.S4, V18.S4
	ADD  $96, R6, R19
	ADD  $100, R6, R20
	VLD2 (R19), [V24.S4, V25.S4]
	VLD2 (R20), [V26.S4, V27.S4]
	VFMLA V4.S4, V24.S4, V19.S4
	VFMLA V5.S4, V25.S4, V19.S4
	VFMLA V6.S4, V27.S4, V19.S4
	CMP  $3, R3
	BLT  dw3x3s2NEON16store
	ADD  $0, R7, R8
	ADD  $4, R7, R9
	VLD2 (R8), [V20.S4, V21.S4]
	VLD2 (R9), [V22.S4, V23.S4]
	VFMLA V7.S4, V20.S4, V16.S4
	VFMLA V8.S4, V21.S4, V16.S4
	VFMLA V9.S4, V23.S4, V16.S4
	ADD  $32, R7, R19
	ADD  $36, R7, R20
	VLD2 (R19), [V24.S4, V25.S4]
	VLD2 (R20), [V26.S4, V27.S4]
	VFMLA V7.S4, V24.S4, V17.S4
	VFMLA V8.S4, V25.S4, V17.S4
	VFMLA V9.S4, V27.S4, V17.S4
	ADD  $64, R7, R8
	ADD  $68, R7, R9
	VLD2 (R8), [V20.S4, V21.S4]
	VLD2 (R9), [V22.S4, V23.S4]
	VFMLA V7.S4, V20.S4, V18.S4
	VFMLA V8.S4, V21.S4, V18.S4
	VFMLA V9.S4, V23.S4, V18.S4
	ADD  $96, R7, R19
	ADD  $100, R7, R20
	VLD2 (R19), [V24.S4, V25.S4]
	VLD2 (R20), [V26.S4, V27.S4]
	VFMLA V7.S4, V24.S4, V19.S4
	VFMLA V8.S4, V25.S4, V19.S4
	VFMLA V9.S4, V27.S4, V19.S4

dw3x3s2NEON16store:
	VST1.P [V16.S4, V17.S4, V18.S4, V19.S4], 64(R0)
	ADD    $128, R1
	ADD    $128, R6
	ADD    $128, R7
	SUBS   $16, R5
	BGT    dw3x3s2NEON16loop
	ADD    R13, R10
	ADD    R14, R11
	SUBS   $1, R12
	BGT    dw3x3s2NEON16row
	RET
