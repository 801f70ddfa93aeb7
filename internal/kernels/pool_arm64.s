//go:build !noasm

#include "textflag.h"
#include "rowpair_arm64.h"

// 3x3 stride-2 pooling row kernels (poolRowKernel in pool_simd.go), 4 outputs per step (NEON).
// Register use: R0 out; R1, R6, R7 input rows 0-2; R2 the row stride in bytes; R3 the row count;
// R5 outputs left; R10, R11 the current output and input row; R13, R14 their strides in bytes;
// R12 rows left; R8 scratch; V30 the start value (-Inf or 0); V29 the divisor 9; V0 the result;
// V10-V13 the loads; V14 the comparison mask. Where two output rows with all three input rows
// are left, a step computes 4 outputs of both (maxPoolRowsNEONpair, avgPoolRowsNEONpair): the
// second row's result in V16 (mask V15), its input rows in R15, R19, R20, its output in R21, more
// loads in V2-V5, V20-V27 (R9, R22, R23 addresses); the two rows' operations alternate, each
// row's in the one-row order.
//
// VLD2 splits q[0:8] into the columns x-1 (even) and x (odd) of 4 windows; the odd values of
// q[1:9] are the columns x+1. Each lane takes its window's values in the plain loop's order, row
// by row, left to right: the maximum is replaced only where the new value is greater (FCMGT, then
// BIT; so a NaN input never wins and of equal values the first stays, as in the plain loop:
// FMAX would differ on both), the sum adds from 0 before one FDIV by 9; both agree with the
// plain loop bit for bit. The Go assembler lacks these vector instructions: they are WORDs,
// each named in its comment (/* */ inside a macro, whose line a // comment would end).
//
// Each loop's step (for the one-row loops, MAXROW / ADDROW; for the 16-wide ones, MAXROW16 /
// AVGROW16) runs in a searched order: a random search over the orders the dependencies allow
// (each register's reads and writes in order, so every maximum and sum takes its values as
// before; no memory access past a store; branches, labels and PAIRSTORE fixed), an order kept
// only where none of llvm-mca's cortex-a55, cortex-a57 and apple-a13 models got slower. The
// cycles per step on the three models, before -> after, are above each loop.

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

// MAXROW's and ADDROW's orders were searched (maxPoolRowsNEONloop, avgPoolRowsNEONloop).
#define MAXROW(p) \
	VLD2 (p), [V10.S4, V11.S4]; \
	WORD $0x6ea0e54e /* fcmgt v14.4s, v10.4s, v0.4s */; \
	ADD  $4, p, R8; \
	WORD $0x6eae1d40 /* bit v0.16b, v10.16b, v14.16b */; \
	WORD $0x6ea0e56e /* fcmgt v14.4s, v11.4s, v0.4s */; \
	VLD2 (R8), [V12.S4, V13.S4]; \
	WORD $0x6eae1d60 /* bit v0.16b, v11.16b, v14.16b */; \
	WORD $0x6ea0e5ae /* fcmgt v14.4s, v13.4s, v0.4s */; \
	WORD $0x6eae1da0 /* bit v0.16b, v13.16b, v14.16b */
// (VLD2 of q[0:8] into V10, V11, of q[1:9] into V12, V13)

#define ADDROW(p) \
	VLD2 (p), [V10.S4, V11.S4]; \
	ADD  $4, p, R8; \
	WORD $0x4e2ad400 /* fadd v0.4s, v0.4s, v10.4s */; \
	VLD2 (R8), [V12.S4, V13.S4]; \
	WORD $0x4e2bd400 /* fadd v0.4s, v0.4s, v11.4s */; \
	WORD $0x4e2dd400 /* fadd v0.4s, v0.4s, v13.4s */

// func maxPoolRowsNEON(out, in *float32, w, nr, n, m, ldo, ldi int)
TEXT ·maxPoolRowsNEON(SB), NOSPLIT, $0-64
	POOLSETUP
	MOVW $0xff800000, R8
	VDUP R8, V30.S4

maxPoolRowsNEONrow:
	PAIRROWS(maxPoolRowsNEONone)
	MOVD n+32(FP), R5

// Searched order: 99.0 / 57.1 / 22.8 -> 92.0 / 55.1 / 22.2 cycles (cortex-a55 / a57 / apple-a13).
maxPoolRowsNEONpair:
	VLD2 (R1), [V10.S4, V11.S4]
	VMOV V30.B16, V0.B16
	ADD  $4, R1, R8
	VLD2 (R15), [V20.S4, V21.S4]
	VMOV V30.B16, V16.B16
	WORD $0x6ea0e54e // fcmgt v14.4s, v10.4s, v0.4s
	VLD2 (R8), [V12.S4, V13.S4]
	WORD $0x6eb0e68f // fcmgt v15.4s, v20.4s, v16.4s
	WORD $0x6eae1d40 // bit v0.16b, v10.16b, v14.16b
	ADD  $4, R15, R9
	WORD $0x6eaf1e90 // bit v16.16b, v20.16b, v15.16b
	ADD  $4, R19, R23
	ADD  $4, R6, R22
	WORD $0x6ea0e56e // fcmgt v14.4s, v11.4s, v0.4s
	VLD2 (R9), [V22.S4, V23.S4]
	WORD $0x6eb0e6af // fcmgt v15.4s, v21.4s, v16.4s
	WORD $0x6eae1d60 // bit v0.16b, v11.16b, v14.16b
	VLD2 (R6), [V24.S4, V25.S4]
	WORD $0x6eaf1eb0 // bit v16.16b, v21.16b, v15.16b
	VLD2 (R19), [V2.S4, V3.S4]
	WORD $0x6ea0e5ae // fcmgt v14.4s, v13.4s, v0.4s
	WORD $0x6eb0e6ef // fcmgt v15.4s, v23.4s, v16.4s
	VLD2 (R22), [V26.S4, V27.S4]
	WORD $0x6eae1da0 // bit v0.16b, v13.16b, v14.16b
	WORD $0x6eaf1ef0 // bit v16.16b, v23.16b, v15.16b
	VLD2 (R23), [V4.S4, V5.S4]
	WORD $0x6ea0e70e // fcmgt v14.4s, v24.4s, v0.4s
	WORD $0x6eb0e44f // fcmgt v15.4s, v2.4s, v16.4s
	ADD  $4, R7, R8
	WORD $0x6eae1f00 // bit v0.16b, v24.16b, v14.16b
	WORD $0x6eaf1c50 // bit v16.16b, v2.16b, v15.16b
	WORD $0x6ea0e72e // fcmgt v14.4s, v25.4s, v0.4s
	WORD $0x6eb0e46f // fcmgt v15.4s, v3.4s, v16.4s
	VLD2 (R7), [V10.S4, V11.S4]
	WORD $0x6eae1f20 // bit v0.16b, v25.16b, v14.16b
	WORD $0x6eaf1c70 // bit v16.16b, v3.16b, v15.16b
	VLD2 (R20), [V20.S4, V21.S4]
	WORD $0x6ea0e76e // fcmgt v14.4s, v27.4s, v0.4s
	WORD $0x6eb0e4af // fcmgt v15.4s, v5.4s, v16.4s
	ADD  $4, R20, R9
	WORD $0x6eae1f60 // bit v0.16b, v27.16b, v14.16b
	WORD $0x6eaf1cb0 // bit v16.16b, v5.16b, v15.16b
	VLD2 (R9), [V22.S4, V23.S4]
	WORD $0x6ea0e54e // fcmgt v14.4s, v10.4s, v0.4s
	WORD $0x6eb0e68f // fcmgt v15.4s, v20.4s, v16.4s
	WORD $0x6eae1d40 // bit v0.16b, v10.16b, v14.16b
	WORD $0x6eaf1e90 // bit v16.16b, v20.16b, v15.16b
	VLD2 (R8), [V12.S4, V13.S4]
	WORD $0x6ea0e56e // fcmgt v14.4s, v11.4s, v0.4s
	WORD $0x6eb0e6af // fcmgt v15.4s, v21.4s, v16.4s
	WORD $0x6eae1d60 // bit v0.16b, v11.16b, v14.16b
	WORD $0x6eaf1eb0 // bit v16.16b, v21.16b, v15.16b
	WORD $0x6ea0e5ae // fcmgt v14.4s, v13.4s, v0.4s
	WORD $0x6eb0e6ef // fcmgt v15.4s, v23.4s, v16.4s
	WORD $0x6eae1da0 // bit v0.16b, v13.16b, v14.16b
	WORD $0x6eaf1ef0 // bit v16.16b, v23.16b, v15.16b
	PAIRSTORE(32)
	BGT    maxPoolRowsNEONpair
	PAIRNEXT
	BGT    maxPoolRowsNEONrow
	RET

maxPoolRowsNEONone:
	MOVD R10, R0
	MOVD R11, R1
	ADD  R2, R1, R6
	ADD  R2, R6, R7
	MOVD n+32(FP), R5

// MAXROW's searched order: 102.0 / 34.2 / 13.3 -> 99.0 / 33.8 / 13.3 cycles (a55 / a57 / a13).
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
	PAIRROWS(avgPoolRowsNEONone)
	MOVD n+32(FP), R5

// Searched order: 99.0 / 68.2 / 18.1 -> 83.0 / 68.2 / 17.5 cycles (cortex-a55 / a57 / apple-a13).
avgPoolRowsNEONpair:
	VLD2 (R15), [V20.S4, V21.S4]
	VMOV V30.B16, V0.B16
	ADD  $4, R1, R8
	VLD2 (R1), [V10.S4, V11.S4]
	VMOV V30.B16, V16.B16
	ADD  $4, R15, R9
	VLD2 (R8), [V12.S4, V13.S4]
	WORD $0x4e2ad400 // fadd v0.4s, v0.4s, v10.4s
	VLD2 (R9), [V22.S4, V23.S4]
	WORD $0x4e34d610 // fadd v16.4s, v16.4s, v20.4s
	ADD  $4, R19, R23
	ADD  $4, R6, R22
	WORD $0x4e2bd400 // fadd v0.4s, v0.4s, v11.4s
	VLD2 (R6), [V24.S4, V25.S4]
	WORD $0x4e35d610 // fadd v16.4s, v16.4s, v21.4s
	ADD  $4, R20, R9
	VLD2 (R19), [V2.S4, V3.S4]
	WORD $0x4e2dd400 // fadd v0.4s, v0.4s, v13.4s
	WORD $0x4e37d610 // fadd v16.4s, v16.4s, v23.4s
	VLD2 (R23), [V4.S4, V5.S4]
	WORD $0x4e38d400 // fadd v0.4s, v0.4s, v24.4s
	WORD $0x4e22d610 // fadd v16.4s, v16.4s, v2.4s
	VLD2 (R22), [V26.S4, V27.S4]
	WORD $0x4e39d400 // fadd v0.4s, v0.4s, v25.4s
	ADD  $4, R7, R8
	VLD2 (R7), [V10.S4, V11.S4]
	WORD $0x4e3bd400 // fadd v0.4s, v0.4s, v27.4s
	VLD2 (R20), [V20.S4, V21.S4]
	WORD $0x4e23d610 // fadd v16.4s, v16.4s, v3.4s
	WORD $0x4e2ad400 // fadd v0.4s, v0.4s, v10.4s
	VLD2 (R8), [V12.S4, V13.S4]
	WORD $0x4e25d610 // fadd v16.4s, v16.4s, v5.4s
	WORD $0x4e2bd400 // fadd v0.4s, v0.4s, v11.4s
	WORD $0x4e2dd400 // fadd v0.4s, v0.4s, v13.4s
	WORD $0x4e34d610 // fadd v16.4s, v16.4s, v20.4s
	VLD2 (R9), [V22.S4, V23.S4]
	WORD $0x6e3dfc00 // fdiv v0.4s, v0.4s, v29.4s
	WORD $0x4e35d610 // fadd v16.4s, v16.4s, v21.4s
	WORD $0x4e37d610 // fadd v16.4s, v16.4s, v23.4s
	WORD $0x6e3dfe10 // fdiv v16.4s, v16.4s, v29.4s
	PAIRSTORE(32)
	BGT    avgPoolRowsNEONpair
	PAIRNEXT
	BGT    avgPoolRowsNEONrow
	RET

avgPoolRowsNEONone:
	MOVD R10, R0
	MOVD R11, R1
	ADD  R2, R1, R6
	ADD  R2, R6, R7
	MOVD n+32(FP), R5

// ADDROW's searched order: 79.0 / 34.5 / 10.9 -> 76.0 / 34.5 / 10.9 cycles (a55 / a57 / a13).
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

// The same, 16 outputs per step in four independent chains (V16-V19), as the 16-wide depthwise
// kernels do: each lane still takes its window's values in the plain loop's order, so the
// results are the 4-wide kernels' bit for bit, but the compares and adds go tap by tap across the
// four chains, so that no instruction waits on the one just before it (an in-order core such as
// the Cortex-A55 would stall there). VLD2 splits each chain's eight columns into the columns x-1
// and x; the columns x+1 are shifted out of two chains' x-1 by EXT (V10-V12), the last chain's
// split from columns 25-32 by one more VLD2 (V8, V9). R8, R9 hold the load addresses.

#define MAXROW16(p) \
	MOVD    p, R8; \
	VLD2.P  32(R8), [V20.S4, V21.S4]; \
	WORD    $0x6eb0e68d /* fcmgt v13.4s, v20.4s, v16.4s */; \
	ADD     $100, p, R9; \
	VLD2.P  32(R8), [V22.S4, V23.S4]; \
	VEXT    $4, V22.B16, V20.B16, V10.B16; \
	VLD2.P  32(R8), [V24.S4, V25.S4]; \
	WORD    $0x6eb1e6ce /* fcmgt v14.4s, v22.4s, v17.4s */; \
	VEXT    $4, V24.B16, V22.B16, V11.B16; \
	WORD    $0x6ead1e90 /* bit v16.16b, v20.16b, v13.16b */; \
	WORD    $0x6eb2e70f /* fcmgt v15.4s, v24.4s, v18.4s */; \
	WORD    $0x6eae1ed1 /* bit v17.16b, v22.16b, v14.16b */; \
	VLD2    (R8), [V26.S4, V27.S4]; \
	WORD    $0x6eaf1f12 /* bit v18.16b, v24.16b, v15.16b */; \
	WORD    $0x6eb3e75c /* fcmgt v28.4s, v26.4s, v19.4s */; \
	WORD    $0x6eb0e6ad /* fcmgt v13.4s, v21.4s, v16.4s */; \
	VLD2    (R9), [V8.S4, V9.S4]; \
	WORD    $0x6ebc1f53 /* bit v19.16b, v26.16b, v28.16b */; \
	VEXT    $4, V26.B16, V24.B16, V12.B16; \
	WORD    $0x6eb1e6ee /* fcmgt v14.4s, v23.4s, v17.4s */; \
	WORD    $0x6eb2e72f /* fcmgt v15.4s, v25.4s, v18.4s */; \
	WORD    $0x6eb3e77c /* fcmgt v28.4s, v27.4s, v19.4s */; \
	WORD    $0x6ead1eb0 /* bit v16.16b, v21.16b, v13.16b */; \
	WORD    $0x6eae1ef1 /* bit v17.16b, v23.16b, v14.16b */; \
	WORD    $0x6eaf1f32 /* bit v18.16b, v25.16b, v15.16b */; \
	WORD    $0x6ebc1f73 /* bit v19.16b, v27.16b, v28.16b */; \
	WORD    $0x6eb0e54d /* fcmgt v13.4s, v10.4s, v16.4s */; \
	WORD    $0x6eb1e56e /* fcmgt v14.4s, v11.4s, v17.4s */; \
	WORD    $0x6eb2e58f /* fcmgt v15.4s, v12.4s, v18.4s */; \
	WORD    $0x6eb3e53c /* fcmgt v28.4s, v9.4s, v19.4s */; \
	WORD    $0x6ead1d50 /* bit v16.16b, v10.16b, v13.16b */; \
	WORD    $0x6eae1d71 /* bit v17.16b, v11.16b, v14.16b */; \
	WORD    $0x6eaf1d92 /* bit v18.16b, v12.16b, v15.16b */; \
	WORD    $0x6ebc1d33 /* bit v19.16b, v9.16b, v28.16b */
// (per tap, four FCMGTs and four BITs, for the sums in V16-V19 with the masks in V13, V14, V15,
// V28; in the searched order, interleaved with the loads, each BIT well after the FCMGT it needs)

#define AVGROW16(p) \
	MOVD    p, R8; \
	VLD2.P  32(R8), [V20.S4, V21.S4]; \
	ADD     $100, p, R9; \
	VLD2.P  32(R8), [V22.S4, V23.S4]; \
	VEXT    $4, V22.B16, V20.B16, V10.B16; \
	VLD2.P  32(R8), [V24.S4, V25.S4]; \
	WORD    $0x4e34d610 /* fadd v16.4s, v16.4s, v20.4s */; \
	WORD    $0x4e38d652 /* fadd v18.4s, v18.4s, v24.4s */; \
	VEXT    $4, V24.B16, V22.B16, V11.B16; \
	VLD2    (R8), [V26.S4, V27.S4]; \
	WORD    $0x4e35d610 /* fadd v16.4s, v16.4s, v21.4s */; \
	WORD    $0x4e36d631 /* fadd v17.4s, v17.4s, v22.4s */; \
	VLD2    (R9), [V8.S4, V9.S4]; \
	WORD    $0x4e3ad673 /* fadd v19.4s, v19.4s, v26.4s */; \
	WORD    $0x4e37d631 /* fadd v17.4s, v17.4s, v23.4s */; \
	WORD    $0x4e39d652 /* fadd v18.4s, v18.4s, v25.4s */; \
	VEXT    $4, V26.B16, V24.B16, V12.B16; \
	WORD    $0x4e3bd673 /* fadd v19.4s, v19.4s, v27.4s */; \
	WORD    $0x4e2ad610 /* fadd v16.4s, v16.4s, v10.4s */; \
	WORD    $0x4e2bd631 /* fadd v17.4s, v17.4s, v11.4s */; \
	WORD    $0x4e2cd652 /* fadd v18.4s, v18.4s, v12.4s */; \
	WORD    $0x4e29d673 /* fadd v19.4s, v19.4s, v9.4s */
// (the sums in V16-V19)

// func maxPoolRowsNEON16(out, in *float32, w, nr, n, m, ldo, ldi int)
TEXT ·maxPoolRowsNEON16(SB), NOSPLIT, $0-64
	POOLSETUP
	MOVW $0xff800000, R8
	VDUP R8, V30.S4

maxPoolRowsNEON16row:
	MOVD R10, R0
	MOVD R11, R1
	ADD  R2, R1, R6
	ADD  R2, R6, R7
	MOVD n+32(FP), R5

// MAXROW16's searched order: 196.0 / 108.1 / 43.1 -> 176.0 / 105.1 / 42.1 cycles (a55 / a57 / a13).
maxPoolRowsNEON16loop:
	VMOV V30.B16, V16.B16
	VMOV V30.B16, V17.B16
	VMOV V30.B16, V18.B16
	VMOV V30.B16, V19.B16
	MAXROW16(R1)
	CMP  $2, R3
	BLT  maxPoolRowsNEON16store
	MAXROW16(R6)
	CMP  $3, R3
	BLT  maxPoolRowsNEON16store
	MAXROW16(R7)

maxPoolRowsNEON16store:
	VST1.P [V16.S4, V17.S4, V18.S4, V19.S4], 64(R0)
	ADD    $128, R1
	ADD    $128, R6
	ADD    $128, R7
	SUBS   $16, R5
	BGT    maxPoolRowsNEON16loop
	ADD    R13, R10
	ADD    R14, R11
	SUBS   $1, R12
	BGT    maxPoolRowsNEON16row
	RET

// func avgPoolRowsNEON16(out, in *float32, w, nr, n, m, ldo, ldi int)
TEXT ·avgPoolRowsNEON16(SB), NOSPLIT, $0-64
	POOLSETUP
	VEOR V30.B16, V30.B16, V30.B16

avgPoolRowsNEON16row:
	MOVD R10, R0
	MOVD R11, R1
	ADD  R2, R1, R6
	ADD  R2, R6, R7
	MOVD n+32(FP), R5

// AVGROW16's searched order: 200.0 / 170.2 / 32.4 -> 180.0 / 167.2 / 31.8 cycles (a55 / a57 / a13).
avgPoolRowsNEON16loop:
	VMOV V30.B16, V16.B16
	VMOV V30.B16, V17.B16
	VMOV V30.B16, V18.B16
	VMOV V30.B16, V19.B16
	AVGROW16(R1)
	CMP  $2, R3
	BLT  avgPoolRowsNEON16store
	AVGROW16(R6)
	CMP  $3, R3
	BLT  avgPoolRowsNEON16store
	AVGROW16(R7)

avgPoolRowsNEON16store:
	WORD   $0x6e3dfe10 // fdiv v16.4s, v16.4s, v29.4s
	WORD   $0x6e3dfe31 // fdiv v17.4s, v17.4s, v29.4s
	WORD   $0x6e3dfe52 // fdiv v18.4s, v18.4s, v29.4s
	WORD   $0x6e3dfe73 // fdiv v19.4s, v19.4s, v29.4s
	VST1.P [V16.S4, V17.S4, V18.S4, V19.S4], 64(R0)
	ADD    $128, R1
	ADD    $128, R6
	ADD    $128, R7
	SUBS   $16, R5
	BGT    avgPoolRowsNEON16loop
	ADD    R13, R10
	ADD    R14, R11
	SUBS   $1, R12
	BGT    avgPoolRowsNEON16row
	RET
