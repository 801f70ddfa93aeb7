//go:build !noasm

#include "textflag.h"
#include "depthwise_arm64.h"

// dw3x3s1NEON and dw3x3s2NEON (depthwise4_arm64.s) with 16 outputs per step: four independent
// sums (V16-V19) hide the FMLA latency that one chain of nine exposes, each in the 4-wide kernels'
// order (so the results are theirs, bit for bit). The FMLAs of a row go tap by tap across the four
// sums, between the loads, so that an in-order core (Cortex-A55) never issues an FMLA right after
// the one it depends on: llvm-mca (bench/mca.py) puts a stride-1 step at 63 cycles there (58 since
// its SUBS goes first, 49 since each row loads during the row before's FMLAs, below) instead of
// 153 (stride 2: 146 instead of 237, 108 and then 88 the same ways, and faster on its Cortex-A57
// and Apple A13 models too).

// One input row of the four sums at stride 1 (16 outputs) is twelve taps (three a sum), each
// FMLA of a tap followed by a load of the next row's same tap: no FMLA waits on the one just
// before it (the four sums go tap by tap) nor on a load just issued, and each sum still adds w0,
// w1, w2 in turn. The taps rotate through 18 registers (V20-V30, V10-V15, V0): tap k of a step's
// row r is register (12r+k) mod 18, so the next row's tap k reuses the register of this row's
// tap k-6, loaded after that tap's FMLA, and a step of three rows ends where it began.
// LOAD16S1 loads row 0; ROW16S1Rr multiplies row r while loading row r+1 (ROW16S1R2: the next
// step's row 0, 64 bytes on); FMLA16S1Rr multiplies row r alone.
#define LOAD16S1(p) \
	FMOVQ   0(p), F20; \
	FMOVQ   16(p), F21; \
	FMOVQ   32(p), F22; \
	FMOVQ   48(p), F23; \
	FMOVQ   4(p), F24; \
	FMOVQ   20(p), F25; \
	FMOVQ   36(p), F26; \
	FMOVQ   52(p), F27; \
	FMOVQ   8(p), F28; \
	FMOVQ   24(p), F29; \
	FMOVQ   40(p), F30; \
	FMOVQ   56(p), F10

#define ROW16S1R0(p, w0, w1, w2) \
	VFMLA   w0.S4, V20.S4, V16.S4; \
	FMOVQ   0(p), F11; \
	VFMLA   w0.S4, V21.S4, V17.S4; \
	FMOVQ   16(p), F12; \
	VFMLA   w0.S4, V22.S4, V18.S4; \
	FMOVQ   32(p), F13; \
	VFMLA   w0.S4, V23.S4, V19.S4; \
	FMOVQ   48(p), F14; \
	VFMLA   w1.S4, V24.S4, V16.S4; \
	FMOVQ   4(p), F15; \
	VFMLA   w1.S4, V25.S4, V17.S4; \
	FMOVQ   20(p), F0; \
	VFMLA   w1.S4, V26.S4, V18.S4; \
	FMOVQ   36(p), F20; \
	VFMLA   w1.S4, V27.S4, V19.S4; \
	FMOVQ   52(p), F21; \
	VFMLA   w2.S4, V28.S4, V16.S4; \
	FMOVQ   8(p), F22; \
	VFMLA   w2.S4, V29.S4, V17.S4; \
	FMOVQ   24(p), F23; \
	VFMLA   w2.S4, V30.S4, V18.S4; \
	FMOVQ   40(p), F24; \
	VFMLA   w2.S4, V10.S4, V19.S4; \
	FMOVQ   56(p), F25

#define ROW16S1R1(p, w0, w1, w2) \
	VFMLA   w0.S4, V11.S4, V16.S4; \
	FMOVQ   0(p), F26; \
	VFMLA   w0.S4, V12.S4, V17.S4; \
	FMOVQ   16(p), F27; \
	VFMLA   w0.S4, V13.S4, V18.S4; \
	FMOVQ   32(p), F28; \
	VFMLA   w0.S4, V14.S4, V19.S4; \
	FMOVQ   48(p), F29; \
	VFMLA   w1.S4, V15.S4, V16.S4; \
	FMOVQ   4(p), F30; \
	VFMLA   w1.S4, V0.S4, V17.S4; \
	FMOVQ   20(p), F10; \
	VFMLA   w1.S4, V20.S4, V18.S4; \
	FMOVQ   36(p), F11; \
	VFMLA   w1.S4, V21.S4, V19.S4; \
	FMOVQ   52(p), F12; \
	VFMLA   w2.S4, V22.S4, V16.S4; \
	FMOVQ   8(p), F13; \
	VFMLA   w2.S4, V23.S4, V17.S4; \
	FMOVQ   24(p), F14; \
	VFMLA   w2.S4, V24.S4, V18.S4; \
	FMOVQ   40(p), F15; \
	VFMLA   w2.S4, V25.S4, V19.S4; \
	FMOVQ   56(p), F0

#define ROW16S1R2(p, w0, w1, w2) \
	VFMLA   w0.S4, V26.S4, V16.S4; \
	FMOVQ   64(p), F20; \
	VFMLA   w0.S4, V27.S4, V17.S4; \
	FMOVQ   80(p), F21; \
	VFMLA   w0.S4, V28.S4, V18.S4; \
	FMOVQ   96(p), F22; \
	VFMLA   w0.S4, V29.S4, V19.S4; \
	FMOVQ   112(p), F23; \
	VFMLA   w1.S4, V30.S4, V16.S4; \
	FMOVQ   68(p), F24; \
	VFMLA   w1.S4, V10.S4, V17.S4; \
	FMOVQ   84(p), F25; \
	VFMLA   w1.S4, V11.S4, V18.S4; \
	FMOVQ   100(p), F26; \
	VFMLA   w1.S4, V12.S4, V19.S4; \
	FMOVQ   116(p), F27; \
	VFMLA   w2.S4, V13.S4, V16.S4; \
	FMOVQ   72(p), F28; \
	VFMLA   w2.S4, V14.S4, V17.S4; \
	FMOVQ   88(p), F29; \
	VFMLA   w2.S4, V15.S4, V18.S4; \
	FMOVQ   104(p), F30; \
	VFMLA   w2.S4, V0.S4, V19.S4; \
	FMOVQ   120(p), F10

#define FMLA16S1R0(w0, w1, w2) \
	VFMLA   w0.S4, V20.S4, V16.S4; \
	VFMLA   w0.S4, V21.S4, V17.S4; \
	VFMLA   w0.S4, V22.S4, V18.S4; \
	VFMLA   w0.S4, V23.S4, V19.S4; \
	VFMLA   w1.S4, V24.S4, V16.S4; \
	VFMLA   w1.S4, V25.S4, V17.S4; \
	VFMLA   w1.S4, V26.S4, V18.S4; \
	VFMLA   w1.S4, V27.S4, V19.S4; \
	VFMLA   w2.S4, V28.S4, V16.S4; \
	VFMLA   w2.S4, V29.S4, V17.S4; \
	VFMLA   w2.S4, V30.S4, V18.S4; \
	VFMLA   w2.S4, V10.S4, V19.S4

#define FMLA16S1R1(w0, w1, w2) \
	VFMLA   w0.S4, V11.S4, V16.S4; \
	VFMLA   w0.S4, V12.S4, V17.S4; \
	VFMLA   w0.S4, V13.S4, V18.S4; \
	VFMLA   w0.S4, V14.S4, V19.S4; \
	VFMLA   w1.S4, V15.S4, V16.S4; \
	VFMLA   w1.S4, V0.S4, V17.S4; \
	VFMLA   w1.S4, V20.S4, V18.S4; \
	VFMLA   w1.S4, V21.S4, V19.S4; \
	VFMLA   w2.S4, V22.S4, V16.S4; \
	VFMLA   w2.S4, V23.S4, V17.S4; \
	VFMLA   w2.S4, V24.S4, V18.S4; \
	VFMLA   w2.S4, V25.S4, V19.S4

#define FMLA16S1R2(w0, w1, w2) \
	VFMLA   w0.S4, V26.S4, V16.S4; \
	VFMLA   w0.S4, V27.S4, V17.S4; \
	VFMLA   w0.S4, V28.S4, V18.S4; \
	VFMLA   w0.S4, V29.S4, V19.S4; \
	VFMLA   w1.S4, V30.S4, V16.S4; \
	VFMLA   w1.S4, V10.S4, V17.S4; \
	VFMLA   w1.S4, V11.S4, V18.S4; \
	VFMLA   w1.S4, V12.S4, V19.S4; \
	VFMLA   w2.S4, V13.S4, V16.S4; \
	VFMLA   w2.S4, V14.S4, V17.S4; \
	VFMLA   w2.S4, V15.S4, V18.S4; \
	VFMLA   w2.S4, V0.S4, V19.S4

// func dw3x3s1NEON16(out, in *float32, w, nr int, wt *float32, n int, m, ldo, ldi int, bias float32)
// The row count is tested once (R19: fewer than 2 rows, R20: fewer than 3), so that the loop's
// CBNZs leave the flags alone and its SUBS can go well before its branches. A step's row 0 is
// loaded during the step before's row 2 where there is a next step (before the first step, by
// LOAD16S1), each row's loads during the row before's FMLAs, and the sums are stored and started
// again at the bias one after another at the step's end; with fewer input rows a step leaves
// before the loads of a row that is not there, to a copy of its end that multiplies the row loaded
// last (dw3x3s1NEON16one, dw3x3s1NEON16two), and the last step ends without loads ahead
// (dw3x3s1NEON16last), so nothing past the plane is read. llvm-mca per step, cortex-a55 / a57 /
// a13: 58 / 38.8 / 20.1 cycles with each row loaded during its own FMLAs, 49 / 38.1 / 20.1 now
// (llvm's in-order Cortex-A55 waits 3 cycles on a load's result and stalls whatever follows).
TEXT ·dw3x3s1NEON16(SB), NOSPLIT, $0-76
	DWSETUP
	DWROWFLAGS

dw3x3s1NEON16row:
	MOVD R10, R0
	MOVD R11, R1
	ADD  R2, R1, R6
	ADD  R2, R6, R7
	MOVD n+40(FP), R5
	VMOV V31.B16, V16.B16
	VMOV V31.B16, V17.B16
	VMOV V31.B16, V18.B16
	VMOV V31.B16, V19.B16
	LOAD16S1(R1)

dw3x3s1NEON16loop:
	CBNZ  R19, dw3x3s1NEON16one
	ROW16S1R0(R6, V1, V2, V3)
	SUBS  $16, R5
	CBNZ  R20, dw3x3s1NEON16two
	ADD   $64, R6
	ROW16S1R1(R7, V4, V5, V6)
	BLE   dw3x3s1NEON16last
	ADD   $64, R7
	ROW16S1R2(R1, V7, V8, V9)
	ADD   $64, R1
	FMOVQ F16, (R0)
	VMOV  V31.B16, V16.B16
	FMOVQ F17, 16(R0)
	VMOV  V31.B16, V17.B16
	FMOVQ F18, 32(R0)
	VMOV  V31.B16, V18.B16
	FMOVQ F19, 48(R0)
	VMOV  V31.B16, V19.B16
	ADD   $64, R0
	B     dw3x3s1NEON16loop

// One input row: its FMLAs, then the step's end (and the next step's row 0).
dw3x3s1NEON16one:
	FMLA16S1R0(V1, V2, V3)
	SUBS   $16, R5
	VST1.P [V16.S4, V17.S4, V18.S4, V19.S4], 64(R0)
	BLE    dw3x3s1NEON16next
	VMOV   V31.B16, V16.B16
	VMOV   V31.B16, V17.B16
	VMOV   V31.B16, V18.B16
	VMOV   V31.B16, V19.B16
	ADD    $64, R1
	LOAD16S1(R1)
	B      dw3x3s1NEON16loop

// Two input rows: the second's FMLAs (the first's were done with the second's loads among them).
dw3x3s1NEON16two:
	FMLA16S1R1(V4, V5, V6)
	VST1.P [V16.S4, V17.S4, V18.S4, V19.S4], 64(R0)
	BLE    dw3x3s1NEON16next
	VMOV   V31.B16, V16.B16
	VMOV   V31.B16, V17.B16
	VMOV   V31.B16, V18.B16
	VMOV   V31.B16, V19.B16
	ADD    $64, R1
	ADD    $64, R6
	LOAD16S1(R1)
	B      dw3x3s1NEON16loop

// The row's last step: row 2's FMLAs without loads ahead.
dw3x3s1NEON16last:
	FMLA16S1R2(V7, V8, V9)
	VST1.P [V16.S4, V17.S4, V18.S4, V19.S4], 64(R0)

dw3x3s1NEON16next:
	ADD  R13, R10
	ADD  R14, R11
	SUBS $1, R12
	BGT  dw3x3s1NEON16row
	RET

// One input row of the four sums at stride 2 (16 outputs from columns 0-32) comes from four VLD2s,
// which split each sum's eight columns into taps 0 and 1, and a scalar load of column 32; tap 2
// (the next even columns) is shifted out of the sum's tap 0 and the next one's (column 32 for the
// last sum) by EXT, in place, once the tap 0s' FMLAs have read them. Each sum adds w0, w1, w2 in
// turn (the 4-wide kernel's values). Input rows alternate between two register sets, A (V20-V28)
// and B (V10-V15, V29, V30, V0), so that the next row loads while this one multiplies (the loop
// below, written out: each row's FMLAs with the next row's loads among them); FMLA16S2A and
// FMLA16S2B are a row's FMLAs alone, in A or B. The VLD2s read from the row's pointer and three
// addresses of their own (R15, R16, R17), not one post-incremented register: llvm-mca's in-order
// Cortex-A55 issues a post-indexed load only once the one before it has completed.
#define FMLA16S2A(w0, w1, w2) \
	VFMLA   w0.S4, V20.S4, V16.S4; \
	VFMLA   w0.S4, V22.S4, V17.S4; \
	VFMLA   w1.S4, V21.S4, V16.S4; \
	VEXT    $4, V22.B16, V20.B16, V20.B16; \
	VFMLA   w0.S4, V24.S4, V18.S4; \
	VFMLA   w1.S4, V23.S4, V17.S4; \
	VEXT    $4, V24.B16, V22.B16, V22.B16; \
	VFMLA   w0.S4, V26.S4, V19.S4; \
	VFMLA   w1.S4, V25.S4, V18.S4; \
	VEXT    $4, V26.B16, V24.B16, V24.B16; \
	VEXT    $4, V28.B16, V26.B16, V26.B16; \
	VFMLA   w1.S4, V27.S4, V19.S4; \
	VFMLA   w2.S4, V20.S4, V16.S4; \
	VFMLA   w2.S4, V22.S4, V17.S4; \
	VFMLA   w2.S4, V24.S4, V18.S4; \
	VFMLA   w2.S4, V26.S4, V19.S4

#define FMLA16S2B(w0, w1, w2) \
	VFMLA   w0.S4, V10.S4, V16.S4; \
	VFMLA   w0.S4, V12.S4, V17.S4; \
	VFMLA   w1.S4, V11.S4, V16.S4; \
	VEXT    $4, V12.B16, V10.B16, V10.B16; \
	VFMLA   w0.S4, V14.S4, V18.S4; \
	VFMLA   w1.S4, V13.S4, V17.S4; \
	VEXT    $4, V14.B16, V12.B16, V12.B16; \
	VFMLA   w0.S4, V29.S4, V19.S4; \
	VFMLA   w1.S4, V15.S4, V18.S4; \
	VEXT    $4, V29.B16, V14.B16, V14.B16; \
	VEXT    $4, V0.B16, V29.B16, V29.B16; \
	VFMLA   w1.S4, V30.S4, V19.S4; \
	VFMLA   w2.S4, V10.S4, V16.S4; \
	VFMLA   w2.S4, V12.S4, V17.S4; \
	VFMLA   w2.S4, V14.S4, V18.S4; \
	VFMLA   w2.S4, V29.S4, V19.S4

// func dw3x3s2NEON16(out, in *float32, w, nr int, wt *float32, n int, m, ldo, ldi int, bias float32)
// The row count is tested once (R19, R20) as in dw3x3s1NEON16, and the sums start from the bias
// loaded from the frame (LDR Q, load pipes) rather than moved from V31, which llvm's Cortex-A57
// model counts on the FP pipes that bound this loop. A step loads its first input row into A,
// then multiplies each row while the next one loads (row 2 into A again, its FMLAs alone last);
// with fewer input rows the step leaves before the loads of a row that is not there, to a copy
// of its end that multiplies the row loaded last (dw3x3s2NEON16one, dw3x3s2NEON16two), so nothing
// past the plane is read. llvm-mca per step, cortex-a55 / a57 / a13: 108 / 57.1 / 27.3 cycles
// with each row's loads before its own FMLAs, 88 / 57.1 / 24.6 with them among the row before's
// (a VLD2 holds the a55's load unit 4 cycles and its result comes 7 cycles after), 82 / 57.1 /
// 24.5 since 2026-12-07 in the order below (found by a search over the orders llvm-mca's three
// models allow: the bias loads among the first row's VLD2s, row 0's EXTs and its second sum's
// FMLAs earlier; each sum's FMLAs in the same order as before, the branches where they were).
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
	FMOVQ bias4-16(SP), F17
	FMOVQ bias4-16(SP), F18
	ADD     $32, R1, R15
	FMOVQ bias4-16(SP), F16
	ADD     $64, R1, R16
	VLD2    (R1), [V20.S4, V21.S4]
	FMOVQ bias4-16(SP), F19
	VLD2    (R15), [V22.S4, V23.S4]
	ADD     $96, R1, R17
	VLD2    (R16), [V24.S4, V25.S4]
	SUBS  $16, R5
	VLD2    (R17), [V26.S4, V27.S4]
	FMOVS   128(R1), F28
	ADD   $128, R1
	CBNZ  R19, dw3x3s2NEON16one
	ADD     $96, R6, R17
	ADD     $64, R6, R16
	ADD     $32, R6, R15
	VLD2    (R6), [V10.S4, V11.S4]
	VFMLA   V1.S4, V22.S4, V17.S4
	VFMLA   V1.S4, V20.S4, V16.S4
	VEXT    $4, V22.B16, V20.B16, V20.B16
	VEXT    $4, V24.B16, V22.B16, V22.B16
	VLD2    (R15), [V12.S4, V13.S4]
	VFMLA   V2.S4, V21.S4, V16.S4
	VFMLA   V1.S4, V24.S4, V18.S4
	VEXT    $4, V26.B16, V24.B16, V24.B16
	VFMLA   V1.S4, V26.S4, V19.S4
	VLD2    (R16), [V14.S4, V15.S4]
	VFMLA   V2.S4, V25.S4, V18.S4
	VFMLA   V2.S4, V23.S4, V17.S4
	VFMLA   V2.S4, V27.S4, V19.S4
	VEXT    $4, V28.B16, V26.B16, V26.B16
	VLD2    (R17), [V29.S4, V30.S4]
	VFMLA   V3.S4, V20.S4, V16.S4
	VFMLA   V3.S4, V24.S4, V18.S4
	FMOVS   128(R6), F0
	ADD   $128, R6
	VFMLA   V3.S4, V22.S4, V17.S4
	VFMLA   V3.S4, V26.S4, V19.S4
	CBNZ  R20, dw3x3s2NEON16two
	ADD     $96, R7, R17
	VFMLA   V4.S4, V10.S4, V16.S4
	ADD     $32, R7, R15
	VFMLA   V4.S4, V14.S4, V18.S4
	VLD2    (R7), [V20.S4, V21.S4]
	VEXT    $4, V12.B16, V10.B16, V10.B16
	ADD     $64, R7, R16
	VLD2    (R15), [V22.S4, V23.S4]
	VFMLA   V5.S4, V11.S4, V16.S4
	VFMLA   V4.S4, V12.S4, V17.S4
	VEXT    $4, V14.B16, V12.B16, V12.B16
	VEXT    $4, V29.B16, V14.B16, V14.B16
	VFMLA   V4.S4, V29.S4, V19.S4
	VEXT    $4, V0.B16, V29.B16, V29.B16
	VLD2    (R16), [V24.S4, V25.S4]
	VFMLA   V5.S4, V13.S4, V17.S4
	VFMLA   V5.S4, V15.S4, V18.S4
	VFMLA   V5.S4, V30.S4, V19.S4
	VLD2    (R17), [V26.S4, V27.S4]
	VFMLA   V6.S4, V10.S4, V16.S4
	VFMLA   V6.S4, V12.S4, V17.S4
	VFMLA   V6.S4, V14.S4, V18.S4
	VFMLA   V7.S4, V20.S4, V16.S4
	VFMLA   V6.S4, V29.S4, V19.S4
	VEXT    $4, V22.B16, V20.B16, V20.B16
	VFMLA   V7.S4, V22.S4, V17.S4
	VFMLA   V7.S4, V24.S4, V18.S4
	FMOVS   128(R7), F28
	ADD   $128, R7
	VEXT    $4, V24.B16, V22.B16, V22.B16
	VFMLA   V8.S4, V21.S4, V16.S4
	VFMLA   V7.S4, V26.S4, V19.S4
	VFMLA   V8.S4, V25.S4, V18.S4
	VFMLA   V8.S4, V23.S4, V17.S4
	VEXT    $4, V26.B16, V24.B16, V24.B16
	VFMLA   V9.S4, V20.S4, V16.S4
	VEXT    $4, V28.B16, V26.B16, V26.B16
	VFMLA   V8.S4, V27.S4, V19.S4
	VFMLA   V9.S4, V24.S4, V18.S4
	VFMLA   V9.S4, V26.S4, V19.S4
	VFMLA   V9.S4, V22.S4, V17.S4
	VST1.P [V16.S4, V17.S4, V18.S4, V19.S4], 64(R0)
	BGT   dw3x3s2NEON16loop
	ADD   R13, R10
	ADD   R14, R11
	SUBS  $1, R12
	BGT   dw3x3s2NEON16row
	RET

// One input row: its FMLAs, then the step's end.
dw3x3s2NEON16one:
	FMLA16S2A(V1, V2, V3)
	VST1.P [V16.S4, V17.S4, V18.S4, V19.S4], 64(R0)
	BGT   dw3x3s2NEON16loop
	ADD   R13, R10
	ADD   R14, R11
	SUBS  $1, R12
	BGT   dw3x3s2NEON16row
	RET

// Two input rows: the second's FMLAs (the first's were done with the second's loads among them).
dw3x3s2NEON16two:
	FMLA16S2B(V4, V5, V6)
	VST1.P [V16.S4, V17.S4, V18.S4, V19.S4], 64(R0)
	BGT   dw3x3s2NEON16loop
	ADD   R13, R10
	ADD   R14, R11
	SUBS  $1, R12
	BGT   dw3x3s2NEON16row
	RET
