//go:build !noasm

#include "textflag.h"
#include "rowpair_arm64.h"

// Depthwise 3x3 row kernels (dwRowKernel in depthwise_simd.go), 4 outputs per step (NEON).
// Register use: R0 out; R1, R6, R7 input rows 0-2; R2 the row stride in bytes; R3 the row count;
// R5 outputs left; R10, R11 the current output and input row; R13, R14 their strides in bytes;
// R12 rows left; R8, R9 tap addresses; V31 the bias; V1-V9 the weights of rows 0-2; V0 the sum;
// V10-V13 the taps. The sum starts from the bias and grows by VFMLA only (the Go assembler has
// no vector FADD), so no WORD encodings are needed here.
//
// Where two output rows with all three input rows are left, a step computes 4 outputs of both
// (s1pair, s2pair): the second row's sum in V16, its input rows in R15, R19, R20, its output in
// R21, more taps in V14-V15 and V20-V29 (R22, R23 addresses). The FMLAs alternate between the two
// sums, with the next input row's loads between them, so an in-order core (Cortex-A55) does not
// wait on each FMLA's predecessor; each sum keeps the one-row order, bit for bit.

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
	PAIRROWS(s1one)
	MOVD n+40(FP), R5

s1pair:
	VMOV V31.B16, V0.B16
	VMOV V31.B16, V16.B16
	FMOVQ 0(R1), F10
	FMOVQ 0(R15), F13
	FMOVQ 4(R1), F11
	FMOVQ 4(R15), F14
	FMOVQ 8(R1), F12
	FMOVQ 8(R15), F15
	VFMLA V1.S4, V10.S4, V0.S4
	FMOVQ 0(R6), F20
	VFMLA V1.S4, V13.S4, V16.S4
	FMOVQ 0(R19), F23
	VFMLA V2.S4, V11.S4, V0.S4
	FMOVQ 4(R6), F21
	VFMLA V2.S4, V14.S4, V16.S4
	FMOVQ 4(R19), F24
	VFMLA V3.S4, V12.S4, V0.S4
	FMOVQ 8(R6), F22
	VFMLA V3.S4, V15.S4, V16.S4
	FMOVQ 8(R19), F25
	VFMLA V4.S4, V20.S4, V0.S4
	FMOVQ 0(R7), F10
	VFMLA V4.S4, V23.S4, V16.S4
	FMOVQ 0(R20), F13
	VFMLA V5.S4, V21.S4, V0.S4
	FMOVQ 4(R7), F11
	VFMLA V5.S4, V24.S4, V16.S4
	FMOVQ 4(R20), F14
	VFMLA V6.S4, V22.S4, V0.S4
	FMOVQ 8(R7), F12
	VFMLA V6.S4, V25.S4, V16.S4
	FMOVQ 8(R20), F15
	VFMLA V7.S4, V10.S4, V0.S4
	VFMLA V7.S4, V13.S4, V16.S4
	VFMLA V8.S4, V11.S4, V0.S4
	VFMLA V8.S4, V14.S4, V16.S4
	VFMLA V9.S4, V12.S4, V0.S4
	VFMLA V9.S4, V15.S4, V16.S4
	PAIRSTORE(16)
	BGT    s1pair
	PAIRNEXT
	BGT    s1row
	RET

s1one:
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
	PAIRROWS(s2one)
	MOVD n+40(FP), R5

s2pair:
	VMOV V31.B16, V0.B16
	VMOV V31.B16, V16.B16
	ADD  $4, R1, R8
	ADD  $4, R15, R9
	VLD2 (R1), [V10.S4, V11.S4]
	VLD2 (R15), [V14.S4, V15.S4]
	VLD2 (R8), [V12.S4, V13.S4]
	VLD2 (R9), [V26.S4, V27.S4]
	VFMLA V1.S4, V10.S4, V0.S4
	ADD  $4, R6, R22
	VFMLA V1.S4, V14.S4, V16.S4
	ADD  $4, R19, R23
	VFMLA V2.S4, V11.S4, V0.S4
	VLD2 (R6), [V20.S4, V21.S4]
	VFMLA V2.S4, V15.S4, V16.S4
	VLD2 (R19), [V24.S4, V25.S4]
	VFMLA V3.S4, V13.S4, V0.S4
	VLD2 (R22), [V22.S4, V23.S4]
	VFMLA V3.S4, V27.S4, V16.S4
	VLD2 (R23), [V28.S4, V29.S4]
	VFMLA V4.S4, V20.S4, V0.S4
	ADD  $4, R7, R8
	VFMLA V4.S4, V24.S4, V16.S4
	ADD  $4, R20, R9
	VFMLA V5.S4, V21.S4, V0.S4
	VLD2 (R7), [V10.S4, V11.S4]
	VFMLA V5.S4, V25.S4, V16.S4
	VLD2 (R20), [V14.S4, V15.S4]
	VFMLA V6.S4, V23.S4, V0.S4
	VLD2 (R8), [V12.S4, V13.S4]
	VFMLA V6.S4, V29.S4, V16.S4
	VLD2 (R9), [V26.S4, V27.S4]
	VFMLA V7.S4, V10.S4, V0.S4
	VFMLA V7.S4, V14.S4, V16.S4
	VFMLA V8.S4, V11.S4, V0.S4
	VFMLA V8.S4, V15.S4, V16.S4
	VFMLA V9.S4, V13.S4, V0.S4
	VFMLA V9.S4, V27.S4, V16.S4
	PAIRSTORE(32)
	BGT    s2pair
	PAIRNEXT
	BGT    s2row
	RET

s2one:
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
// turn (the 4-wide kernel's values). R8, R9 hold the load addresses.
#define ROW16S2(p, w0, w1, w2) \
	MOVD    p, R8; \
	ADD     $100, p, R9; \
	VLD2.P  32(R8), [V20.S4, V21.S4]; \
	VLD2.P  32(R8), [V22.S4, V23.S4]; \
	VLD2.P  32(R8), [V24.S4, V25.S4]; \
	VLD2    (R8), [V26.S4, V27.S4]; \
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
	ROW16S2(R1, V1, V2, V3)
	CMP  $2, R3
	BLT  dw3x3s2NEON16store
	ROW16S2(R6, V4, V5, V6)
	CMP  $3, R3
	BLT  dw3x3s2NEON16store
	ROW16S2(R7, V7, V8, V9)

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
