//go:build !noasm

#include "textflag.h"

// Depthwise 3x3 row kernels (dwRowKernel in depthwise_simd.go), 4 outputs per step (NEON).
// Register use: R0 out; R1, R6, R7 input rows 0-2; R2 the row stride in bytes; R3 the row count;
// R5 outputs left; R10, R11 the current output and input row; R13, R14 their strides in bytes;
// R12 rows left; R8, R9 tap addresses; V31 the bias; V1-V9 the weights of rows 0-2; V0 the sum;
// V10-V13 the taps. The one-row loops start the sum from the bias and grow it by VFMLA only (the
// Go assembler has no vector FADD). Where all three input rows are there and the row step is the
// plane's, the kernels go down all m rows of a block of 4 columns instead (s1rows, s2rows below),
// each input row loaded once for the output rows it feeds, the weights taken by element
// (WORD-encoded FMLAs).

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

// Stride 1 with all three input rows and the plane's row step (nr = 3, ldi = w): a block of 4
// columns goes down all m output rows, each input row's three taps loaded once for the three
// output rows it feeds (3 loads an output row instead of 9). A loop step (s1rows) is two halves of
// two output rows, the tap sets X (V20-V25: input rows j+2, j+3) and Y (V26-V30, V0: rows j+4,
// j+5, loaded ahead from R1 and R6) trading places; four sums are in flight, V16-V19 (rows j to
// j+3 in the X half, j+2, j+3, j, j+1 in the Y one): a half ends rows j and j+1 (their taps of
// row j+2, then j+3), starts j+2 and j+3 and loads the next half's taps among the FMLAs, so no
// FMLA waits on a load. Each sum still adds w0 ... w8 in the one-row order, bit for bit. The
// FMLAs take the weight by element (lane 0 of V1-V9, WORD-encoded: the Go assembler lacks the
// form), which llvm's Apple A13 model issues 3 a cycle against 2; the sums start from a copy of
// the bias in the frame (an LDR, not a VMOV on the Cortex-A57's FP pipes). With two or three
// rows left a half without loads ahead (s1lastX, s1lastY) ends the last two, and an odd last row
// takes its third input row alone (s1tail16, s1tail18; m = 1 goes there straight). R7 holds the
// rows left less 4, R8 and R9 two input and output rows in bytes, R0 and R21 the output rows.
// llvm-mca (bench/mca.py), per 4 output rows: cortex-a55 58 cycles, a57 36, a13 12 (two-row
// steps of 6 input rows before: 104, 40, 22).
//
// func dw3x3s1NEON(out, in *float32, w, nr int, wt *float32, n int, m, ldo, ldi int, bias float32)
TEXT ·dw3x3s1NEON(SB), NOSPLIT, $16-76
	DWSETUP
	FMOVQ F31, bias4-16(SP)
	CMP  $2, R3
	CSET LT, R19
	CMP  $3, R3
	CSET LT, R20
	BNE  s1row
	CMP  R2, R14
	BNE  s1row
	LSL  $1, R2, R8
	LSL  $1, R13, R9
	MOVD n+40(FP), R5

// A block of 4 columns: rows 0 and 1 into Y, their sums' first taps (V16: 6, V17: 3).
s1block:
	MOVD R10, R0
	ADD  R13, R0, R21
	MOVD R11, R1
	FMOVQ 0(R1), F26
	FMOVQ 4(R1), F27
	FMOVQ 8(R1), F28
	ADD  R2, R1
	FMOVQ 0(R1), F29
	FMOVQ 4(R1), F30
	FMOVQ 8(R1), F0
	ADD  R2, R1
	VMOV V31.B16, V16.B16
	VMOV V31.B16, V17.B16
	WORD $0x4f811350 // fmla v16.4s, v26.4s, v1.s[0]
	WORD $0x4f8113b1 // fmla v17.4s, v29.4s, v1.s[0]
	WORD $0x4f821370 // fmla v16.4s, v27.4s, v2.s[0]
	WORD $0x4f8213d1 // fmla v17.4s, v30.4s, v2.s[0]
	WORD $0x4f831390 // fmla v16.4s, v28.4s, v3.s[0]
	WORD $0x4f831011 // fmla v17.4s, v0.4s, v3.s[0]
	WORD $0x4f8413b0 // fmla v16.4s, v29.4s, v4.s[0]
	WORD $0x4f8513d0 // fmla v16.4s, v30.4s, v5.s[0]
	WORD $0x4f861010 // fmla v16.4s, v0.4s, v6.s[0]
	CMP  $1, R12
	BEQ  s1tail16
	ADD  R2, R1, R6
	FMOVQ 0(R1), F20
	FMOVQ 4(R1), F21
	FMOVQ 8(R1), F22
	FMOVQ 0(R6), F23
	FMOVQ 4(R6), F24
	FMOVQ 8(R6), F25
	ADD  R8, R1
	ADD  R8, R6
	SUB  $4, R12, R7
	TBNZ $63, R7, s1lastX

s1rows:
	FMOVQ bias4-16(SP), F18
	WORD $0x4f871290 // fmla v16.4s, v20.4s, v7.s[0]
	FMOVQ bias4-16(SP), F19
	WORD $0x4f841291 // fmla v17.4s, v20.4s, v4.s[0]
	WORD $0x4f811292 // fmla v18.4s, v20.4s, v1.s[0]
	WORD $0x4f8112f3 // fmla v19.4s, v23.4s, v1.s[0]
	WORD $0x4f8812b0 // fmla v16.4s, v21.4s, v8.s[0]
	WORD $0x4f8512b1 // fmla v17.4s, v21.4s, v5.s[0]
	SUB  $2, R7
	WORD $0x4f8212b2 // fmla v18.4s, v21.4s, v2.s[0]
	WORD $0x4f821313 // fmla v19.4s, v24.4s, v2.s[0]
	WORD $0x4f8912d0 // fmla v16.4s, v22.4s, v9.s[0]
	WORD $0x4f8612d1 // fmla v17.4s, v22.4s, v6.s[0]
	WORD $0x4f8312d2 // fmla v18.4s, v22.4s, v3.s[0]
	WORD $0x4f831333 // fmla v19.4s, v25.4s, v3.s[0]
	FMOVQ F16, (R0)
	ADD R9, R0
	WORD $0x4f8712f1 // fmla v17.4s, v23.4s, v7.s[0]
	FMOVQ 0(R1), F26
	WORD $0x4f8412f2 // fmla v18.4s, v23.4s, v4.s[0]
	FMOVQ 4(R1), F27
	WORD $0x4f881311 // fmla v17.4s, v24.4s, v8.s[0]
	FMOVQ 8(R1), F28
	WORD $0x4f851312 // fmla v18.4s, v24.4s, v5.s[0]
	FMOVQ 0(R6), F29
	WORD $0x4f891331 // fmla v17.4s, v25.4s, v9.s[0]
	FMOVQ 4(R6), F30
	WORD $0x4f861332 // fmla v18.4s, v25.4s, v6.s[0]
	FMOVQ 8(R6), F0
	FMOVQ F17, (R21)
	ADD R9, R21
	ADD R8, R1
	ADD R8, R6
	TBNZ $63, R7, s1lastY
	FMOVQ bias4-16(SP), F16
	WORD $0x4f871352 // fmla v18.4s, v26.4s, v7.s[0]
	FMOVQ bias4-16(SP), F17
	WORD $0x4f841353 // fmla v19.4s, v26.4s, v4.s[0]
	WORD $0x4f811350 // fmla v16.4s, v26.4s, v1.s[0]
	WORD $0x4f8113b1 // fmla v17.4s, v29.4s, v1.s[0]
	WORD $0x4f881372 // fmla v18.4s, v27.4s, v8.s[0]
	WORD $0x4f851373 // fmla v19.4s, v27.4s, v5.s[0]
	SUB  $2, R7
	WORD $0x4f821370 // fmla v16.4s, v27.4s, v2.s[0]
	WORD $0x4f8213d1 // fmla v17.4s, v30.4s, v2.s[0]
	WORD $0x4f891392 // fmla v18.4s, v28.4s, v9.s[0]
	WORD $0x4f861393 // fmla v19.4s, v28.4s, v6.s[0]
	WORD $0x4f831390 // fmla v16.4s, v28.4s, v3.s[0]
	WORD $0x4f831011 // fmla v17.4s, v0.4s, v3.s[0]
	FMOVQ F18, (R0)
	ADD R9, R0
	WORD $0x4f8713b3 // fmla v19.4s, v29.4s, v7.s[0]
	FMOVQ 0(R1), F20
	WORD $0x4f8413b0 // fmla v16.4s, v29.4s, v4.s[0]
	FMOVQ 4(R1), F21
	WORD $0x4f8813d3 // fmla v19.4s, v30.4s, v8.s[0]
	FMOVQ 8(R1), F22
	WORD $0x4f8513d0 // fmla v16.4s, v30.4s, v5.s[0]
	FMOVQ 0(R6), F23
	WORD $0x4f891013 // fmla v19.4s, v0.4s, v9.s[0]
	FMOVQ 4(R6), F24
	WORD $0x4f861010 // fmla v16.4s, v0.4s, v6.s[0]
	FMOVQ 8(R6), F25
	FMOVQ F19, (R21)
	ADD R9, R21
	ADD R8, R1
	ADD R8, R6
	TBZ  $63, R7, s1rows

s1lastX:
	FMOVQ bias4-16(SP), F18
	WORD $0x4f871290 // fmla v16.4s, v20.4s, v7.s[0]
	WORD $0x4f841291 // fmla v17.4s, v20.4s, v4.s[0]
	WORD $0x4f811292 // fmla v18.4s, v20.4s, v1.s[0]
	WORD $0x4f8812b0 // fmla v16.4s, v21.4s, v8.s[0]
	WORD $0x4f8512b1 // fmla v17.4s, v21.4s, v5.s[0]
	WORD $0x4f8212b2 // fmla v18.4s, v21.4s, v2.s[0]
	WORD $0x4f8912d0 // fmla v16.4s, v22.4s, v9.s[0]
	WORD $0x4f8612d1 // fmla v17.4s, v22.4s, v6.s[0]
	WORD $0x4f8312d2 // fmla v18.4s, v22.4s, v3.s[0]
	FMOVQ F16, (R0)
	ADD R9, R0
	WORD $0x4f8712f1 // fmla v17.4s, v23.4s, v7.s[0]
	WORD $0x4f8412f2 // fmla v18.4s, v23.4s, v4.s[0]
	WORD $0x4f881311 // fmla v17.4s, v24.4s, v8.s[0]
	WORD $0x4f851312 // fmla v18.4s, v24.4s, v5.s[0]
	WORD $0x4f891331 // fmla v17.4s, v25.4s, v9.s[0]
	WORD $0x4f861332 // fmla v18.4s, v25.4s, v6.s[0]
	FMOVQ F17, (R21)
	ADD R9, R21
	TBZ  $0, R7, s1next

s1tail18:
	FMOVQ 0(R1), F10
	FMOVQ 4(R1), F11
	FMOVQ 8(R1), F12
	WORD $0x4f871152 // fmla v18.4s, v10.4s, v7.s[0]
	WORD $0x4f881172 // fmla v18.4s, v11.4s, v8.s[0]
	WORD $0x4f891192 // fmla v18.4s, v12.4s, v9.s[0]
	FMOVQ F18, (R0)
	B    s1next

s1lastY:
	FMOVQ bias4-16(SP), F16
	WORD $0x4f871352 // fmla v18.4s, v26.4s, v7.s[0]
	WORD $0x4f841353 // fmla v19.4s, v26.4s, v4.s[0]
	WORD $0x4f811350 // fmla v16.4s, v26.4s, v1.s[0]
	WORD $0x4f881372 // fmla v18.4s, v27.4s, v8.s[0]
	WORD $0x4f851373 // fmla v19.4s, v27.4s, v5.s[0]
	WORD $0x4f821370 // fmla v16.4s, v27.4s, v2.s[0]
	WORD $0x4f891392 // fmla v18.4s, v28.4s, v9.s[0]
	WORD $0x4f861393 // fmla v19.4s, v28.4s, v6.s[0]
	WORD $0x4f831390 // fmla v16.4s, v28.4s, v3.s[0]
	FMOVQ F18, (R0)
	ADD R9, R0
	WORD $0x4f8713b3 // fmla v19.4s, v29.4s, v7.s[0]
	WORD $0x4f8413b0 // fmla v16.4s, v29.4s, v4.s[0]
	WORD $0x4f8813d3 // fmla v19.4s, v30.4s, v8.s[0]
	WORD $0x4f8513d0 // fmla v16.4s, v30.4s, v5.s[0]
	WORD $0x4f891013 // fmla v19.4s, v0.4s, v9.s[0]
	WORD $0x4f861010 // fmla v16.4s, v0.4s, v6.s[0]
	FMOVQ F19, (R21)
	ADD R9, R21
	TBZ  $0, R7, s1next

s1tail16:
	FMOVQ 0(R1), F10
	FMOVQ 4(R1), F11
	FMOVQ 8(R1), F12
	WORD $0x4f871150 // fmla v16.4s, v10.4s, v7.s[0]
	WORD $0x4f881170 // fmla v16.4s, v11.4s, v8.s[0]
	WORD $0x4f891190 // fmla v16.4s, v12.4s, v9.s[0]
	FMOVQ F16, (R0)
	B    s1next

s1next:
	ADD  $16, R10
	ADD  $16, R11
	SUBS $4, R5
	BGT  s1block
	RET

// Fewer input rows (the plane's top and bottom), or another row step: one output row at a time,
// 8 outputs a step in two sums (V0: columns 0-3, V16: 4-7), their FMLAs alternating so that an
// in-order core does not wait on each one's predecessor; the taps of a row are loaded only once
// the row count (R19: fewer than 2 rows, R20: fewer than 3) says it is there. A last 4 columns
// take s1one4, the 4-wide step.
s1row:
	MOVD R10, R0
	MOVD R11, R1
	ADD  R2, R1, R6
	ADD  R2, R6, R7
	MOVD n+40(FP), R5
	CMP  $8, R5
	BLT  s1one4

s1loop:
	SUB  $8, R5
	FMOVQ bias4-16(SP), F0
	FMOVQ bias4-16(SP), F16
	FMOVQ 0(R1), F10
	FMOVQ 16(R1), F13
	FMOVQ 4(R1), F11
	FMOVQ 20(R1), F14
	WORD $0x4f811140 // fmla v0.4s, v10.4s, v1.s[0]
	FMOVQ 8(R1), F12
	WORD $0x4f8111b0 // fmla v16.4s, v13.4s, v1.s[0]
	FMOVQ 24(R1), F15
	WORD $0x4f821160 // fmla v0.4s, v11.4s, v2.s[0]
	WORD $0x4f8211d0 // fmla v16.4s, v14.4s, v2.s[0]
	WORD $0x4f831180 // fmla v0.4s, v12.4s, v3.s[0]
	WORD $0x4f8311f0 // fmla v16.4s, v15.4s, v3.s[0]
	CBNZ R19, s1store
	FMOVQ 0(R6), F20
	FMOVQ 16(R6), F23
	FMOVQ 4(R6), F21
	FMOVQ 20(R6), F24
	WORD $0x4f841280 // fmla v0.4s, v20.4s, v4.s[0]
	FMOVQ 8(R6), F22
	WORD $0x4f8412f0 // fmla v16.4s, v23.4s, v4.s[0]
	FMOVQ 24(R6), F25
	WORD $0x4f8512a0 // fmla v0.4s, v21.4s, v5.s[0]
	WORD $0x4f851310 // fmla v16.4s, v24.4s, v5.s[0]
	WORD $0x4f8612c0 // fmla v0.4s, v22.4s, v6.s[0]
	WORD $0x4f861330 // fmla v16.4s, v25.4s, v6.s[0]
	CBNZ R20, s1store
	FMOVQ 0(R7), F26
	FMOVQ 16(R7), F29
	FMOVQ 4(R7), F27
	FMOVQ 20(R7), F30
	WORD $0x4f871340 // fmla v0.4s, v26.4s, v7.s[0]
	FMOVQ 8(R7), F28
	WORD $0x4f8713b0 // fmla v16.4s, v29.4s, v7.s[0]
	FMOVQ 24(R7), F17
	WORD $0x4f881360 // fmla v0.4s, v27.4s, v8.s[0]
	WORD $0x4f8813d0 // fmla v16.4s, v30.4s, v8.s[0]
	WORD $0x4f891380 // fmla v0.4s, v28.4s, v9.s[0]
	WORD $0x4f891230 // fmla v16.4s, v17.4s, v9.s[0]

s1store:
	FMOVQ F0, (R0)
	FMOVQ F16, 16(R0)
	ADD  $32, R0
	ADD  $32, R1
	ADD  $32, R6
	ADD  $32, R7
	CMP  $8, R5
	BGE  s1loop
	CBZ  R5, s1rownext

s1one4:
	VMOV V31.B16, V0.B16
	ROW1(R1, V1, V2, V3)
	CBNZ R19, s1store4
	ROW1(R6, V4, V5, V6)
	CBNZ R20, s1store4
	ROW1(R7, V7, V8, V9)

s1store4:
	VST1 [V0.S4], (R0)

s1rownext:
	ADD  R13, R10
	ADD  R14, R11
	SUBS $1, R12
	BGT  s1row
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

// Stride 2 with all three input rows and the plane's row step (nr = 3, ldi = 2w): a block of 4
// columns goes down all m output rows, as at stride 1 (above). An input row's taps: VLD2 splits
// q[0:8] into the even columns (tap 0) and the odd ones (tap 1); tap 2 (the even columns of
// q[2:9]) is tap 0 shifted on by one lane with EXT, q[8] loaded alone into V0 (one VLD2 less a
// row). A loop step (s2rows) is two halves of two output rows j, j+1 (input rows 2j+1 to 2j+4 in
// the set X, V4-V15, or Y, V20-V31, three taps a row; the next half's four rows loaded ahead into
// the other set from R1, R6, R7, R15 among the FMLAs): a half ends row j (taps of 2j+1, 2j+2) and
// row j+1 (2j+2 to 2j+4) and starts j+2 (2j+4), three sums in flight (V16-V18, then V18, V19,
// V16). Each sum still adds w0 ... w8 in the one-row order, bit for bit. Weights by element: w0-w3
// in V1, w4-w7 in V2, w8 in V3 (WORD-encoded FMLAs); the bias comes from the frame. With two or
// three rows left a half without loads ahead ends the last two (s2lastX, s2lastY); an odd last
// row takes its last two input rows alone (s2tail16, s2tail18; m = 1 goes there straight). R24
// holds the rows left less 4, R8 four input rows in bytes, R9 two output rows. llvm-mca
// (bench/mca.py), per 4 output rows: cortex-a55 96 cycles, a57 48, a13 20 (two-row steps of 6
// input rows before: 144, 68, 36).
//
// func dw3x3s2NEON(out, in *float32, w, nr int, wt *float32, n int, m, ldo, ldi int, bias float32)
TEXT ·dw3x3s2NEON(SB), NOSPLIT, $16-76
	DWSETUP
	FMOVQ F31, bias4-16(SP)
	CMP  $2, R3
	CSET LT, R19
	CMP  $3, R3
	CSET LT, R20
	BNE  s2row
	LSL  $1, R2, R8
	CMP  R8, R14
	BNE  s2row
	MOVD wt+32(FP), R4
	VLD1.P 16(R4), [V1.S4]
	VLD1.P 16(R4), [V2.S4]
	VLD1R (R4), [V3.S4]
	LSL  $2, R2, R8
	LSL  $1, R13, R9
	MOVD n+40(FP), R5

// A block of 4 columns: row 0 into Y, the first row's sum (V16) its first taps; rows 1-4 into X.
s2block:
	MOVD R10, R0
	ADD  R13, R0, R21
	MOVD R11, R1
	VLD2 (R1), [V20.S4, V21.S4]
	FMOVS 32(R1), F0
	VEXT $4, V0.B16, V20.B16, V22.B16
	FMOVQ bias4-16(SP), F16
	WORD $0x4f811290 // fmla v16.4s, v20.4s, v1.s[0]
	WORD $0x4fa112b0 // fmla v16.4s, v21.4s, v1.s[1]
	WORD $0x4f811ad0 // fmla v16.4s, v22.4s, v1.s[2]
	ADD  R2, R1
	ADD  R2, R1, R6
	ADD  R2, R6, R7
	ADD  R2, R7, R15
	CMP  $1, R12
	BEQ  s2tail16
	VLD2 (R1), [V4.S4, V5.S4]
	FMOVS 32(R1), F0
	VEXT $4, V0.B16, V4.B16, V6.B16
	VLD2 (R6), [V7.S4, V8.S4]
	FMOVS 32(R6), F0
	VEXT $4, V0.B16, V7.B16, V9.B16
	VLD2 (R7), [V10.S4, V11.S4]
	FMOVS 32(R7), F0
	VEXT $4, V0.B16, V10.B16, V12.B16
	VLD2 (R15), [V13.S4, V14.S4]
	FMOVS 32(R15), F0
	VEXT $4, V0.B16, V13.B16, V15.B16
	ADD R8, R1
	ADD R8, R6
	ADD R8, R7
	ADD R8, R15
	SUB  $4, R12, R24
	TBNZ $63, R24, s2lastX

s2rows:
	FMOVQ bias4-16(SP), F17
	FMOVQ bias4-16(SP), F18
	WORD $0x4fa11890 // fmla v16.4s, v4.4s, v1.s[3]
	VLD2 (R1), [V20.S4, V21.S4]
	WORD $0x4f8110f1 // fmla v17.4s, v7.4s, v1.s[0]
	WORD $0x4f8210b0 // fmla v16.4s, v5.4s, v2.s[0]
	FMOVS 32(R1), F0
	WORD $0x4fa11111 // fmla v17.4s, v8.4s, v1.s[1]
	VEXT $4, V0.B16, V20.B16, V22.B16
	WORD $0x4fa210d0 // fmla v16.4s, v6.4s, v2.s[1]
	VLD2 (R6), [V23.S4, V24.S4]
	SUB  $2, R24
	WORD $0x4f811931 // fmla v17.4s, v9.4s, v1.s[2]
	WORD $0x4f8218f0 // fmla v16.4s, v7.4s, v2.s[2]
	FMOVS 32(R6), F0
	WORD $0x4fa11951 // fmla v17.4s, v10.4s, v1.s[3]
	VEXT $4, V0.B16, V23.B16, V25.B16
	WORD $0x4fa21910 // fmla v16.4s, v8.4s, v2.s[3]
	VLD2 (R7), [V26.S4, V27.S4]
	WORD $0x4f821171 // fmla v17.4s, v11.4s, v2.s[0]
	WORD $0x4f831130 // fmla v16.4s, v9.4s, v3.s[0]
	FMOVS 32(R7), F0
	FMOVQ F16, (R0)
	ADD R9, R0
	WORD $0x4fa21191 // fmla v17.4s, v12.4s, v2.s[1]
	VEXT $4, V0.B16, V26.B16, V28.B16
	WORD $0x4f8111b2 // fmla v18.4s, v13.4s, v1.s[0]
	VLD2 (R15), [V29.S4, V30.S4]
	WORD $0x4f8219b1 // fmla v17.4s, v13.4s, v2.s[2]
	WORD $0x4fa111d2 // fmla v18.4s, v14.4s, v1.s[1]
	FMOVS 32(R15), F0
	WORD $0x4fa219d1 // fmla v17.4s, v14.4s, v2.s[3]
	VEXT $4, V0.B16, V29.B16, V31.B16
	WORD $0x4f8119f2 // fmla v18.4s, v15.4s, v1.s[2]
	WORD $0x4f8311f1 // fmla v17.4s, v15.4s, v3.s[0]
	FMOVQ F17, (R21)
	ADD R9, R21
	ADD R8, R1
	ADD R8, R6
	ADD R8, R7
	ADD R8, R15
	TBNZ $63, R24, s2lastY
	FMOVQ bias4-16(SP), F19
	FMOVQ bias4-16(SP), F16
	WORD $0x4fa11a92 // fmla v18.4s, v20.4s, v1.s[3]
	VLD2 (R1), [V4.S4, V5.S4]
	WORD $0x4f8112f3 // fmla v19.4s, v23.4s, v1.s[0]
	WORD $0x4f8212b2 // fmla v18.4s, v21.4s, v2.s[0]
	FMOVS 32(R1), F0
	WORD $0x4fa11313 // fmla v19.4s, v24.4s, v1.s[1]
	VEXT $4, V0.B16, V4.B16, V6.B16
	WORD $0x4fa212d2 // fmla v18.4s, v22.4s, v2.s[1]
	VLD2 (R6), [V7.S4, V8.S4]
	SUB  $2, R24
	WORD $0x4f811b33 // fmla v19.4s, v25.4s, v1.s[2]
	WORD $0x4f821af2 // fmla v18.4s, v23.4s, v2.s[2]
	FMOVS 32(R6), F0
	WORD $0x4fa11b53 // fmla v19.4s, v26.4s, v1.s[3]
	VEXT $4, V0.B16, V7.B16, V9.B16
	WORD $0x4fa21b12 // fmla v18.4s, v24.4s, v2.s[3]
	VLD2 (R7), [V10.S4, V11.S4]
	WORD $0x4f821373 // fmla v19.4s, v27.4s, v2.s[0]
	WORD $0x4f831332 // fmla v18.4s, v25.4s, v3.s[0]
	FMOVS 32(R7), F0
	FMOVQ F18, (R0)
	ADD R9, R0
	WORD $0x4fa21393 // fmla v19.4s, v28.4s, v2.s[1]
	VEXT $4, V0.B16, V10.B16, V12.B16
	WORD $0x4f8113b0 // fmla v16.4s, v29.4s, v1.s[0]
	VLD2 (R15), [V13.S4, V14.S4]
	WORD $0x4f821bb3 // fmla v19.4s, v29.4s, v2.s[2]
	WORD $0x4fa113d0 // fmla v16.4s, v30.4s, v1.s[1]
	FMOVS 32(R15), F0
	WORD $0x4fa21bd3 // fmla v19.4s, v30.4s, v2.s[3]
	VEXT $4, V0.B16, V13.B16, V15.B16
	WORD $0x4f811bf0 // fmla v16.4s, v31.4s, v1.s[2]
	WORD $0x4f8313f3 // fmla v19.4s, v31.4s, v3.s[0]
	FMOVQ F19, (R21)
	ADD R9, R21
	ADD R8, R1
	ADD R8, R6
	ADD R8, R7
	ADD R8, R15
	TBZ  $63, R24, s2rows

s2lastX:
	FMOVQ bias4-16(SP), F17
	FMOVQ bias4-16(SP), F18
	WORD $0x4fa11890 // fmla v16.4s, v4.4s, v1.s[3]
	WORD $0x4f8110f1 // fmla v17.4s, v7.4s, v1.s[0]
	WORD $0x4f8210b0 // fmla v16.4s, v5.4s, v2.s[0]
	WORD $0x4fa11111 // fmla v17.4s, v8.4s, v1.s[1]
	WORD $0x4fa210d0 // fmla v16.4s, v6.4s, v2.s[1]
	WORD $0x4f811931 // fmla v17.4s, v9.4s, v1.s[2]
	WORD $0x4f8218f0 // fmla v16.4s, v7.4s, v2.s[2]
	WORD $0x4fa11951 // fmla v17.4s, v10.4s, v1.s[3]
	WORD $0x4fa21910 // fmla v16.4s, v8.4s, v2.s[3]
	WORD $0x4f821171 // fmla v17.4s, v11.4s, v2.s[0]
	WORD $0x4f831130 // fmla v16.4s, v9.4s, v3.s[0]
	FMOVQ F16, (R0)
	ADD R9, R0
	WORD $0x4fa21191 // fmla v17.4s, v12.4s, v2.s[1]
	WORD $0x4f8219b1 // fmla v17.4s, v13.4s, v2.s[2]
	WORD $0x4fa219d1 // fmla v17.4s, v14.4s, v2.s[3]
	WORD $0x4f8311f1 // fmla v17.4s, v15.4s, v3.s[0]
	FMOVQ F17, (R21)
	ADD R9, R21
	WORD $0x4f8111b2 // fmla v18.4s, v13.4s, v1.s[0]
	WORD $0x4fa111d2 // fmla v18.4s, v14.4s, v1.s[1]
	WORD $0x4f8119f2 // fmla v18.4s, v15.4s, v1.s[2]
	TBZ  $0, R24, s2next

s2tail18:
	VLD2 (R1), [V4.S4, V5.S4]
	FMOVS 32(R1), F0
	VEXT $4, V0.B16, V4.B16, V6.B16
	VLD2 (R6), [V7.S4, V8.S4]
	FMOVS 32(R6), F0
	VEXT $4, V0.B16, V7.B16, V9.B16
	WORD $0x4fa11892 // fmla v18.4s, v4.4s, v1.s[3]
	WORD $0x4f8210b2 // fmla v18.4s, v5.4s, v2.s[0]
	WORD $0x4fa210d2 // fmla v18.4s, v6.4s, v2.s[1]
	WORD $0x4f8218f2 // fmla v18.4s, v7.4s, v2.s[2]
	WORD $0x4fa21912 // fmla v18.4s, v8.4s, v2.s[3]
	WORD $0x4f831132 // fmla v18.4s, v9.4s, v3.s[0]
	FMOVQ F18, (R0)
	B    s2next

s2lastY:
	FMOVQ bias4-16(SP), F19
	FMOVQ bias4-16(SP), F16
	WORD $0x4fa11a92 // fmla v18.4s, v20.4s, v1.s[3]
	WORD $0x4f8112f3 // fmla v19.4s, v23.4s, v1.s[0]
	WORD $0x4f8212b2 // fmla v18.4s, v21.4s, v2.s[0]
	WORD $0x4fa11313 // fmla v19.4s, v24.4s, v1.s[1]
	WORD $0x4fa212d2 // fmla v18.4s, v22.4s, v2.s[1]
	WORD $0x4f811b33 // fmla v19.4s, v25.4s, v1.s[2]
	WORD $0x4f821af2 // fmla v18.4s, v23.4s, v2.s[2]
	WORD $0x4fa11b53 // fmla v19.4s, v26.4s, v1.s[3]
	WORD $0x4fa21b12 // fmla v18.4s, v24.4s, v2.s[3]
	WORD $0x4f821373 // fmla v19.4s, v27.4s, v2.s[0]
	WORD $0x4f831332 // fmla v18.4s, v25.4s, v3.s[0]
	FMOVQ F18, (R0)
	ADD R9, R0
	WORD $0x4fa21393 // fmla v19.4s, v28.4s, v2.s[1]
	WORD $0x4f821bb3 // fmla v19.4s, v29.4s, v2.s[2]
	WORD $0x4fa21bd3 // fmla v19.4s, v30.4s, v2.s[3]
	WORD $0x4f8313f3 // fmla v19.4s, v31.4s, v3.s[0]
	FMOVQ F19, (R21)
	ADD R9, R21
	WORD $0x4f8113b0 // fmla v16.4s, v29.4s, v1.s[0]
	WORD $0x4fa113d0 // fmla v16.4s, v30.4s, v1.s[1]
	WORD $0x4f811bf0 // fmla v16.4s, v31.4s, v1.s[2]
	TBZ  $0, R24, s2next

s2tail16:
	VLD2 (R1), [V4.S4, V5.S4]
	FMOVS 32(R1), F0
	VEXT $4, V0.B16, V4.B16, V6.B16
	VLD2 (R6), [V7.S4, V8.S4]
	FMOVS 32(R6), F0
	VEXT $4, V0.B16, V7.B16, V9.B16
	WORD $0x4fa11890 // fmla v16.4s, v4.4s, v1.s[3]
	WORD $0x4f8210b0 // fmla v16.4s, v5.4s, v2.s[0]
	WORD $0x4fa210d0 // fmla v16.4s, v6.4s, v2.s[1]
	WORD $0x4f8218f0 // fmla v16.4s, v7.4s, v2.s[2]
	WORD $0x4fa21910 // fmla v16.4s, v8.4s, v2.s[3]
	WORD $0x4f831130 // fmla v16.4s, v9.4s, v3.s[0]
	FMOVQ F16, (R0)
	B    s2next

s2next:
	ADD  $16, R10
	ADD  $32, R11
	SUBS $4, R5
	BGT  s2block
	RET

// Fewer input rows (the plane's top and bottom), or another row step: one output row at a time,
// 8 outputs a step in two sums (V0, V16) as at stride 1: a row's taps 0 and 1 of both halves by
// two VLD2s (q[0:8], q[8:16]), tap 2 shifted out of the tap 0s with EXT (q[16] loaded alone), the
// two sums' FMLAs alternating. A last 4 columns take s2one4, the 4-wide step.
s2row:
	MOVD R10, R0
	MOVD R11, R1
	ADD  R2, R1, R6
	ADD  R2, R6, R7
	MOVD n+40(FP), R5
	CMP  $8, R5
	BLT  s2one4

s2loop:
	SUB  $8, R5
	FMOVQ bias4-16(SP), F0
	FMOVQ bias4-16(SP), F16
	ADD  $32, R1, R8
	VLD2 (R1), [V10.S4, V11.S4]
	VLD2 (R8), [V12.S4, V13.S4]
	FMOVS 64(R1), F17
	WORD $0x4f811140 // fmla v0.4s, v10.4s, v1.s[0]
	WORD $0x4f811190 // fmla v16.4s, v12.4s, v1.s[0]
	VEXT $4, V12.B16, V10.B16, V14.B16
	WORD $0x4f821160 // fmla v0.4s, v11.4s, v2.s[0]
	VEXT $4, V17.B16, V12.B16, V15.B16
	WORD $0x4f8211b0 // fmla v16.4s, v13.4s, v2.s[0]
	WORD $0x4f8311c0 // fmla v0.4s, v14.4s, v3.s[0]
	WORD $0x4f8311f0 // fmla v16.4s, v15.4s, v3.s[0]
	CBNZ R19, s2store
	ADD  $32, R6, R8
	VLD2 (R6), [V20.S4, V21.S4]
	VLD2 (R8), [V22.S4, V23.S4]
	FMOVS 64(R6), F18
	WORD $0x4f841280 // fmla v0.4s, v20.4s, v4.s[0]
	WORD $0x4f8412d0 // fmla v16.4s, v22.4s, v4.s[0]
	VEXT $4, V22.B16, V20.B16, V24.B16
	WORD $0x4f8512a0 // fmla v0.4s, v21.4s, v5.s[0]
	VEXT $4, V18.B16, V22.B16, V25.B16
	WORD $0x4f8512f0 // fmla v16.4s, v23.4s, v5.s[0]
	WORD $0x4f861300 // fmla v0.4s, v24.4s, v6.s[0]
	WORD $0x4f861330 // fmla v16.4s, v25.4s, v6.s[0]
	CBNZ R20, s2store
	ADD  $32, R7, R8
	VLD2 (R7), [V26.S4, V27.S4]
	VLD2 (R8), [V28.S4, V29.S4]
	FMOVS 64(R7), F17
	WORD $0x4f871340 // fmla v0.4s, v26.4s, v7.s[0]
	WORD $0x4f871390 // fmla v16.4s, v28.4s, v7.s[0]
	VEXT $4, V28.B16, V26.B16, V30.B16
	WORD $0x4f881360 // fmla v0.4s, v27.4s, v8.s[0]
	VEXT $4, V17.B16, V28.B16, V19.B16
	WORD $0x4f8813b0 // fmla v16.4s, v29.4s, v8.s[0]
	WORD $0x4f8913c0 // fmla v0.4s, v30.4s, v9.s[0]
	WORD $0x4f891270 // fmla v16.4s, v19.4s, v9.s[0]

s2store:
	FMOVQ F0, (R0)
	FMOVQ F16, 16(R0)
	ADD  $32, R0
	ADD  $64, R1
	ADD  $64, R6
	ADD  $64, R7
	CMP  $8, R5
	BGE  s2loop
	CBZ  R5, s2rownext

s2one4:
	VMOV V31.B16, V0.B16
	ROW2(R1, V1, V2, V3)
	CBNZ R19, s2store4
	ROW2(R6, V4, V5, V6)
	CBNZ R20, s2store4
	ROW2(R7, V7, V8, V9)

s2store4:
	VST1 [V0.S4], (R0)

s2rownext:
	ADD  R13, R10
	ADD  R14, R11
	SUBS $1, R12
	BGT  s2row
	RET

// The same, 16 outputs per step: four independent sums (V16-V19) hide the FMLA latency that
// one chain of nine exposes, each in the 4-wide kernels' order (so the results are theirs, bit
// for bit). The FMLAs of a row go tap by tap across the four sums, between the loads, so that
// an in-order core (Cortex-A55) never issues an FMLA right after the one it depends on: llvm-mca
// (bench/mca.py) puts a stride-1 step at 63 cycles there (58 since its SUBS goes first, below)
// instead of 153 (stride 2: 146 instead of 237, and faster on its Cortex-A57 and Apple A13
// models too, with one VLD2 fewer a sum: tap 2 is shifted out of two sums' tap 0 by EXT).

// One input row of the four sums at stride 1 (16 outputs): a tap's four loads, then its four
// FMLAs, one sum after another, each paired with a load of the next tap. No FMLA waits on the
// one just before it (an in-order core such as the Cortex-A55 would stall there) and each sum
// still adds w0, w1, w2 in turn. Taps: V20-V23, V24-V27, V28-V30 and V10.
#define ROW16S1(p, w0, w1, w2) \
	FMOVQ 0(p), F20; \
	FMOVQ 16(p), F21; \
	FMOVQ 32(p), F22; \
	FMOVQ 48(p), F23; \
	VFMLA w0.S4, V20.S4, V16.S4; \
	FMOVQ 4(p), F24; \
	VFMLA w0.S4, V21.S4, V17.S4; \
	FMOVQ 20(p), F25; \
	VFMLA w0.S4, V22.S4, V18.S4; \
	FMOVQ 36(p), F26; \
	VFMLA w0.S4, V23.S4, V19.S4; \
	FMOVQ 52(p), F27; \
	VFMLA w1.S4, V24.S4, V16.S4; \
	FMOVQ 8(p), F28; \
	VFMLA w1.S4, V25.S4, V17.S4; \
	FMOVQ 24(p), F29; \
	VFMLA w1.S4, V26.S4, V18.S4; \
	FMOVQ 40(p), F30; \
	VFMLA w1.S4, V27.S4, V19.S4; \
	FMOVQ 56(p), F10; \
	VFMLA w2.S4, V28.S4, V16.S4; \
	VFMLA w2.S4, V29.S4, V17.S4; \
	VFMLA w2.S4, V30.S4, V18.S4; \
	VFMLA w2.S4, V10.S4, V19.S4

// func dw3x3s1NEON16(out, in *float32, w, nr int, wt *float32, n int, m, ldo, ldi int, bias float32)
// The row count is tested once (R19: fewer than 2 rows, R20: fewer than 3), so that the loop's
// CBNZs leave the flags alone and its SUBS can go first: llvm-mca's in-order Cortex-A55 stalls a
// branch issued right after the SUBS it tests (63 -> 58 cycles a step there, 39.1 -> 38.8 on
// its Cortex-A57, Apple A13 level).
TEXT ·dw3x3s1NEON16(SB), NOSPLIT, $0-76
	DWSETUP
	CMP  $2, R3
	CSET LT, R19
	CMP  $3, R3
	CSET LT, R20

dw3x3s1NEON16row:
	MOVD R10, R0
	MOVD R11, R1
	ADD  R2, R1, R6
	ADD  R2, R6, R7
	MOVD n+40(FP), R5

dw3x3s1NEON16loop:
	SUBS $16, R5
	VMOV V31.B16, V16.B16
	VMOV V31.B16, V17.B16
	VMOV V31.B16, V18.B16
	VMOV V31.B16, V19.B16
	ROW16S1(R1, V1, V2, V3)
	CBNZ R19, dw3x3s1NEON16store
	ROW16S1(R6, V4, V5, V6)
	CBNZ R20, dw3x3s1NEON16store
	ROW16S1(R7, V7, V8, V9)

dw3x3s1NEON16store:
	VST1.P [V16.S4, V17.S4, V18.S4, V19.S4], 64(R0)
	ADD    $64, R1
	ADD    $64, R6
	ADD    $64, R7
	BGT    dw3x3s1NEON16loop
	ADD    R13, R10
	ADD    R14, R11
	SUBS   $1, R12
	BGT    dw3x3s1NEON16row
	RET

// One input row of the four sums at stride 2 (16 outputs from columns 0-32): VLD2 splits each
// sum's eight columns into taps 0 and 1; tap 2 (the next even columns) is shifted out of this
// sum's tap 0 and the next one's with EXT, the last sum's split from columns 25-32 by one more
// VLD2. The FMLAs go tap by tap across the sums, as at stride 1, each sum adding w0, w1, w2 in
// turn (the 4-wide kernel's values). The five VLD2s read from p and four addresses of their
// own (R15, R16, R17, R9), not one post-incremented register: llvm-mca's in-order Cortex-A55
// issues a post-indexed load only once the one before it has completed.
#define ROW16S2(p, w0, w1, w2) \
	ADD     $32, p, R15; \
	ADD     $64, p, R16; \
	VLD2    (p), [V20.S4, V21.S4]; \
	ADD     $96, p, R17; \
	ADD     $100, p, R9; \
	VLD2    (R15), [V22.S4, V23.S4]; \
	VLD2    (R16), [V24.S4, V25.S4]; \
	VLD2    (R17), [V26.S4, V27.S4]; \
	VLD2    (R9), [V28.S4, V29.S4]; \
	VFMLA   w0.S4, V20.S4, V16.S4; \
	VEXT    $4, V22.B16, V20.B16, V10.B16; \
	VFMLA   w0.S4, V22.S4, V17.S4; \
	VEXT    $4, V24.B16, V22.B16, V11.B16; \
	VFMLA   w0.S4, V24.S4, V18.S4; \
	VEXT    $4, V26.B16, V24.B16, V12.B16; \
	VFMLA   w0.S4, V26.S4, V19.S4; \
	VFMLA   w1.S4, V21.S4, V16.S4; \
	VFMLA   w1.S4, V23.S4, V17.S4; \
	VFMLA   w1.S4, V25.S4, V18.S4; \
	VFMLA   w1.S4, V27.S4, V19.S4; \
	VFMLA   w2.S4, V10.S4, V16.S4; \
	VFMLA   w2.S4, V11.S4, V17.S4; \
	VFMLA   w2.S4, V12.S4, V18.S4; \
	VFMLA   w2.S4, V29.S4, V19.S4

// func dw3x3s2NEON16(out, in *float32, w, nr int, wt *float32, n int, m, ldo, ldi int, bias float32)
// The row count is tested once (R19, R20) as in dw3x3s1NEON16, and the sums start from the bias
// loaded from the frame (LDR Q, load pipes) rather than moved from V31, which llvm's Cortex-A57
// model counts on the FP pipes that bound this loop. llvm-mca per step: cortex-a55 146 -> 108
// cycles, a57 58.8 -> 57.1, a13 33.1 -> 27.3.
TEXT ·dw3x3s2NEON16(SB), NOSPLIT, $16-76
	DWSETUP
	FMOVQ F31, bias4-16(SP)
	CMP  $2, R3
	CSET LT, R19
	CMP  $3, R3
	CSET LT, R20

dw3x3s2NEON16row:
	MOVD R10, R0
	MOVD R11, R1
	ADD  R2, R1, R6
	ADD  R2, R6, R7
	MOVD n+40(FP), R5

dw3x3s2NEON16loop:
	SUBS  $16, R5
	FMOVQ bias4-16(SP), F16
	FMOVQ bias4-16(SP), F17
	FMOVQ bias4-16(SP), F18
	FMOVQ bias4-16(SP), F19
	ROW16S2(R1, V1, V2, V3)
	CBNZ R19, dw3x3s2NEON16store
	ROW16S2(R6, V4, V5, V6)
	CBNZ R20, dw3x3s2NEON16store
	ROW16S2(R7, V7, V8, V9)

dw3x3s2NEON16store:
	VST1.P [V16.S4, V17.S4, V18.S4, V19.S4], 64(R0)
	ADD    $128, R1
	ADD    $128, R6
	ADD    $128, R7
	BGT    dw3x3s2NEON16loop
	ADD    R13, R10
	ADD    R14, R11
	SUBS   $1, R12
	BGT    dw3x3s2NEON16row
	RET
