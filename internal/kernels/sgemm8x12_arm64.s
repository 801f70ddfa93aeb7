//go:build !noasm

#include "textflag.h"

// The 8x12 NEON GEMM tile (sgemmKernel8x12NEON in kernels_arm64.go), as ncnn and OpenBLAS use:
// per step of k, one row of B (12 values, V0-V2) and one packed column of A (8 values, V3-V4)
// feed 24 by-element FMLAs into the tile held in V8-V31 (row r in V8+3r..V10+3r). Loads per
// FLOP are a third of the 4x16 broadcast tile's, so in-order cores (cortex-a55) are no longer
// load-bound. The Go assembler lacks by-element FMLA: each is a WORD, the instruction named in
// its comment (encodings checked against binutils' aarch64 assembler).
//
// Register use:
//	R0	rows of C to load and store (1-8; the packed A holds zeros below them)
//	R1	k; R11 its countdown
//	R2	ldc in bytes; R8 ldb in bytes
//	R3	columns left (a multiple of 12)
//	R4	the packed A panel; R5 moving along it
//	R6	b: the top of the current 12-column strip; R7 moving down it
//	R9	c: row 0 of the current strip; R10 the row being loaded or stored

// func sgemmKernel8x12NEON(rows, k, n int, ap *float32, b *float32, ldb int, c *float32, ldc int)
TEXT ·sgemmKernel8x12NEON(SB), NOSPLIT, $0-64
	MOVD rows+0(FP), R0
	MOVD k+8(FP), R1
	MOVD n+16(FP), R3
	MOVD ap+24(FP), R4
	MOVD b+32(FP), R6
	MOVD ldb+40(FP), R8
	LSL  $2, R8
	MOVD c+48(FP), R9
	MOVD ldc+56(FP), R2
	LSL  $2, R2
	CBZ  R3, done

strip:
	// Load the rows of C this tile updates.
	MOVD R9, R10
	VLD1 (R10), [V8.S4, V9.S4, V10.S4]
	CMP  $2, R0
	BLT  loaded
	ADD  R2, R10
	VLD1 (R10), [V11.S4, V12.S4, V13.S4]
	CMP  $3, R0
	BLT  loaded
	ADD  R2, R10
	VLD1 (R10), [V14.S4, V15.S4, V16.S4]
	CMP  $4, R0
	BLT  loaded
	ADD  R2, R10
	VLD1 (R10), [V17.S4, V18.S4, V19.S4]
	CMP  $5, R0
	BLT  loaded
	ADD  R2, R10
	VLD1 (R10), [V20.S4, V21.S4, V22.S4]
	CMP  $6, R0
	BLT  loaded
	ADD  R2, R10
	VLD1 (R10), [V23.S4, V24.S4, V25.S4]
	CMP  $7, R0
	BLT  loaded
	ADD  R2, R10
	VLD1 (R10), [V26.S4, V27.S4, V28.S4]
	CMP  $8, R0
	BLT  loaded
	ADD  R2, R10
	VLD1 (R10), [V29.S4, V30.S4, V31.S4]

loaded:
	MOVD R4, R5
	MOVD R6, R7
	MOVD R1, R11

kloop:
	VLD1   (R7), [V0.S4, V1.S4, V2.S4]
	ADD    R8, R7
	VLD1.P 32(R5), [V3.S4, V4.S4]
	WORD $0x4f831008 // fmla v8.4s, v0.4s, v3.s[0]
	WORD $0x4f831029 // fmla v9.4s, v1.4s, v3.s[0]
	WORD $0x4f83104a // fmla v10.4s, v2.4s, v3.s[0]
	WORD $0x4fa3100b // fmla v11.4s, v0.4s, v3.s[1]
	WORD $0x4fa3102c // fmla v12.4s, v1.4s, v3.s[1]
	WORD $0x4fa3104d // fmla v13.4s, v2.4s, v3.s[1]
	WORD $0x4f83180e // fmla v14.4s, v0.4s, v3.s[2]
	WORD $0x4f83182f // fmla v15.4s, v1.4s, v3.s[2]
	WORD $0x4f831850 // fmla v16.4s, v2.4s, v3.s[2]
	WORD $0x4fa31811 // fmla v17.4s, v0.4s, v3.s[3]
	WORD $0x4fa31832 // fmla v18.4s, v1.4s, v3.s[3]
	WORD $0x4fa31853 // fmla v19.4s, v2.4s, v3.s[3]
	WORD $0x4f841014 // fmla v20.4s, v0.4s, v4.s[0]
	WORD $0x4f841035 // fmla v21.4s, v1.4s, v4.s[0]
	WORD $0x4f841056 // fmla v22.4s, v2.4s, v4.s[0]
	WORD $0x4fa41017 // fmla v23.4s, v0.4s, v4.s[1]
	WORD $0x4fa41038 // fmla v24.4s, v1.4s, v4.s[1]
	WORD $0x4fa41059 // fmla v25.4s, v2.4s, v4.s[1]
	WORD $0x4f84181a // fmla v26.4s, v0.4s, v4.s[2]
	WORD $0x4f84183b // fmla v27.4s, v1.4s, v4.s[2]
	WORD $0x4f84185c // fmla v28.4s, v2.4s, v4.s[2]
	WORD $0x4fa4181d // fmla v29.4s, v0.4s, v4.s[3]
	WORD $0x4fa4183e // fmla v30.4s, v1.4s, v4.s[3]
	WORD $0x4fa4185f // fmla v31.4s, v2.4s, v4.s[3]
	SUBS $1, R11
	BNE  kloop

	// Store the rows back.
	MOVD R9, R10
	VST1 [V8.S4, V9.S4, V10.S4], (R10)
	CMP  $2, R0
	BLT  stored
	ADD  R2, R10
	VST1 [V11.S4, V12.S4, V13.S4], (R10)
	CMP  $3, R0
	BLT  stored
	ADD  R2, R10
	VST1 [V14.S4, V15.S4, V16.S4], (R10)
	CMP  $4, R0
	BLT  stored
	ADD  R2, R10
	VST1 [V17.S4, V18.S4, V19.S4], (R10)
	CMP  $5, R0
	BLT  stored
	ADD  R2, R10
	VST1 [V20.S4, V21.S4, V22.S4], (R10)
	CMP  $6, R0
	BLT  stored
	ADD  R2, R10
	VST1 [V23.S4, V24.S4, V25.S4], (R10)
	CMP  $7, R0
	BLT  stored
	ADD  R2, R10
	VST1 [V26.S4, V27.S4, V28.S4], (R10)
	CMP  $8, R0
	BLT  stored
	ADD  R2, R10
	VST1 [V29.S4, V30.S4, V31.S4], (R10)

stored:
	ADD  $48, R9
	ADD  $48, R6
	SUBS $12, R3
	BNE  strip

done:
	RET
