//go:build !noasm

#include "textflag.h"
#include "depthwise_arm64.h"

// dw3x3s1NEON and dw3x3s2NEON (depthwise4_arm64.s) with 16 outputs per step: four independent
// sums (V16-V19) hide the FMLA latency that one chain of nine exposes, each in the 4-wide kernels'
// order (so the results are theirs, bit for bit). The FMLAs of a row go tap by tap across the four
// sums, between the loads, so that an in-order core (Cortex-A55) never issues an FMLA right after
// the one it depends on: llvm-mca (bench/mca.py) puts a stride-1 step at 63 cycles there (58 since
// its SUBS goes first, below) instead of 153 (stride 2: 146 instead of 237, and faster on its
// Cortex-A57 and Apple A13 models too, with one VLD2 fewer a sum: tap 2 is shifted out of two
// sums' tap 0 by EXT).

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
	DWROWFLAGS

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
	DWROWFLAGS

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
