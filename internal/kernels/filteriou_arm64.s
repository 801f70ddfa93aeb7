//go:build !noasm

#include "textflag.h"

// FilterIoU's NEON kernel (filterIoUNEON in kernels_arm64.go): one pass of greedy NMS over a
// structure-of-arrays box set, 4 boxes per step, n a multiple of 4 (the Go driver finishes the
// last n%4 boxes). The IoU is computed as the plain loop computes it, each operation rounded once
// (no FMLA); FCMGT marks the lanes whose IoU is greater than thresh (never a NaN IoU), so the
// others are kept as !(iou > thresh) keeps them. The kept lanes are moved to the front of their
// registers by a TBL whose byte indices come from iouPackLanesNEON and stored whole at the write
// position: that is at most the read position, so the store only overwrites boxes this step has
// already loaded. While no box has been removed nothing moves. The Go assembler lacks the vector
// float instructions and this TBL form: WORDs, the instruction in the comment.
//
// Register use: R0-R5 the read pointers of X1, Y1, X2, Y2, Area, Index, R9-R14 their write
// pointers; R6 n; R15 the write count, R19 the read count; R8 iouPackLanesNEON; V0-V4 the box b
// broadcast, V5 thresh, V6 zero, V7 the lane bits {1, 2, 4, 8}; V16-V21 the step's fields;
// V22-V24 temporaries; V26 the TBL indices.

// func filterIoUNEON(x1, y1, x2, y2, area *float32, index *int32, n int, b *[5]float32, thresh float32) int
TEXT ·filterIoUNEON(SB), NOSPLIT, $0-80
	MOVD  x1+0(FP), R0
	MOVD  y1+8(FP), R1
	MOVD  x2+16(FP), R2
	MOVD  y2+24(FP), R3
	MOVD  area+32(FP), R4
	MOVD  index+40(FP), R5
	MOVD  n+48(FP), R6
	MOVD  b+56(FP), R7
	FMOVS (R7), F0
	FMOVS 4(R7), F1
	FMOVS 8(R7), F2
	FMOVS 12(R7), F3
	FMOVS 16(R7), F4
	FMOVS thresh+64(FP), F5
	VDUP  V0.S[0], V0.S4
	VDUP  V1.S[0], V1.S4
	VDUP  V2.S[0], V2.S4
	VDUP  V3.S[0], V3.S4
	VDUP  V4.S[0], V4.S4
	VDUP  V5.S[0], V5.S4
	VEOR  V6.B16, V6.B16, V6.B16
	MOVD  $·iouLaneBits(SB), R8
	VLD1  (R8), [V7.S4]
	MOVD  $·iouPackLanesNEON(SB), R8
	MOVD  R0, R9
	MOVD  R1, R10
	MOVD  R2, R11
	MOVD  R3, R12
	MOVD  R4, R13
	MOVD  R5, R14
	MOVD  $0, R15
	MOVD  $0, R19

// The compare's stretch (up to CBNZ; the three paths after it as written) runs in a searched
// order (a random search over the orders the dependencies allow: each register's reads and writes
// in order, no load past a store; an order kept only where none of llvm-mca's models got slower):
// the whole loop body as one trace, cortex-a55 / cortex-a57 / apple-a13 cycles 146.0 / 71.1 /
// 20.5 -> 127.0 / 68.6 / 19.4.
iouNEONloop:
	VLD1.P 16(R2), [V18.S4]
	WORD   $0x4eb2f456                 // fmin v22.4s, v2.4s, v18.4s
	VLD1.P 16(R0), [V16.S4]
	WORD   $0x4e30f417                 // fmax v23.4s, v0.4s, v16.4s
	VLD1.P 16(R1), [V17.S4]
	WORD   $0x4e31f438                 // fmax v24.4s, v1.4s, v17.4s
	VLD1.P 16(R3), [V19.S4]
	WORD   $0x4eb7d6d6                 // fsub v22.4s, v22.4s, v23.4s
	WORD   $0x4eb3f477                 // fmin v23.4s, v3.4s, v19.4s
	VLD1.P 16(R4), [V20.S4]
	WORD   $0x4eb8d6f7                 // fsub v23.4s, v23.4s, v24.4s
	WORD   $0x4e36f4d6                 // fmax v22.4s, v6.4s, v22.4s
	WORD   $0x4e37f4d7                 // fmax v23.4s, v6.4s, v23.4s
	WORD   $0x6e37ded6                 // fmul v22.4s, v22.4s, v23.4s
	WORD   $0x4e34d497                 // fadd v23.4s, v4.4s, v20.4s
	WORD   $0x4eb6d6f7                 // fsub v23.4s, v23.4s, v22.4s
	WORD   $0x6e37fed6                 // fdiv v22.4s, v22.4s, v23.4s
	VLD1.P 16(R5), [V21.S4]
	WORD   $0x6ea5e6d6                 // fcmgt v22.4s, v22.4s, v5.4s
	VAND   V7.B16, V22.B16, V23.B16
	VADDV  V23.S4, V23
	VMOV   V23.S[0], R20
	CBNZ   R20, iouNEONpack
	CMP    R15, R19
	BEQ    iouNEONallkept
	VST1.P [V16.S4], 16(R9)
	VST1.P [V17.S4], 16(R10)
	VST1.P [V18.S4], 16(R11)
	VST1.P [V19.S4], 16(R12)
	VST1.P [V20.S4], 16(R13)
	VST1.P [V21.S4], 16(R14)
	ADD    $4, R15
	B      iouNEONnext

iouNEONallkept:
	ADD $16, R9
	ADD $16, R10
	ADD $16, R11
	ADD $16, R12
	ADD $16, R13
	ADD $16, R14
	ADD $4, R15
	B   iouNEONnext

iouNEONpack:
	VUSHR $31, V22.S4, V24.S4
	VADDV V24.S4, V24
	VMOV  V24.S[0], R21
	EOR   $15, R20, R20
	ADD   R20<<4, R8, R22
	VLD1  (R22), [V26.B16]
	WORD  $0x4e1a0210                  // tbl v16.16b, {v16.16b}, v26.16b
	WORD  $0x4e1a0231                  // tbl v17.16b, {v17.16b}, v26.16b
	WORD  $0x4e1a0252                  // tbl v18.16b, {v18.16b}, v26.16b
	WORD  $0x4e1a0273                  // tbl v19.16b, {v19.16b}, v26.16b
	WORD  $0x4e1a0294                  // tbl v20.16b, {v20.16b}, v26.16b
	WORD  $0x4e1a02b5                  // tbl v21.16b, {v21.16b}, v26.16b
	VST1  [V16.S4], (R9)
	VST1  [V17.S4], (R10)
	VST1  [V18.S4], (R11)
	VST1  [V19.S4], (R12)
	VST1  [V20.S4], (R13)
	VST1  [V21.S4], (R14)
	MOVD  $4, R23
	SUB   R21, R23, R23
	ADD   R23<<2, R9, R9
	ADD   R23<<2, R10, R10
	ADD   R23<<2, R11, R11
	ADD   R23<<2, R12, R12
	ADD   R23<<2, R13, R13
	ADD   R23<<2, R14, R14
	ADD   R23, R15, R15

iouNEONnext:
	ADD $4, R19
	CMP R19, R6
	BNE iouNEONloop
	MOVD R15, ret+72(FP)
	RET
