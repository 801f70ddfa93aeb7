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
//	R12	the epilogue (packEpilogue, sgemm_packed.go: bias at 0, res at 32, flags at 40)
//	R13	the residual's row being added; R14 the flags; R15 scratch
//
// The epilogue: the tile starts from C's rows or, with flag 1, from the bias (all 8 rows are
// loaded; those below the block are never stored); at the store, flag 2 adds the residual (ldc
// apart, like C's rows) and flag 4 clamps the negative values to zero as FCMGT (0 > x) and BIC
// do, which keeps NaN and -0 as the plain loop's x < 0 test does (FMAX would not).

// func sgemmKernel8x12NEON(rows, k, n int, ap *float32, b *float32, ldb int, c *float32, ldc int, ep *packEpilogue)
TEXT ·sgemmKernel8x12NEON(SB), NOSPLIT, $0-72
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
	MOVD ep+64(FP), R12
	MOVD 40(R12), R14
	VEOR V5.B16, V5.B16, V5.B16 // the ReLU's zero
	CBZ  R3, done

strip:
	TBNZ $0, R14, frombias

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
	B    loaded

frombias:
	// Start every row from its bias.
	MOVD R12, R15
	VLD1R (R15), [V8.S4]
	VLD1R (R15), [V9.S4]
	VLD1R (R15), [V10.S4]
	ADD  $4, R15
	VLD1R (R15), [V11.S4]
	VLD1R (R15), [V12.S4]
	VLD1R (R15), [V13.S4]
	ADD  $4, R15
	VLD1R (R15), [V14.S4]
	VLD1R (R15), [V15.S4]
	VLD1R (R15), [V16.S4]
	ADD  $4, R15
	VLD1R (R15), [V17.S4]
	VLD1R (R15), [V18.S4]
	VLD1R (R15), [V19.S4]
	ADD  $4, R15
	VLD1R (R15), [V20.S4]
	VLD1R (R15), [V21.S4]
	VLD1R (R15), [V22.S4]
	ADD  $4, R15
	VLD1R (R15), [V23.S4]
	VLD1R (R15), [V24.S4]
	VLD1R (R15), [V25.S4]
	ADD  $4, R15
	VLD1R (R15), [V26.S4]
	VLD1R (R15), [V27.S4]
	VLD1R (R15), [V28.S4]
	ADD  $4, R15
	VLD1R (R15), [V29.S4]
	VLD1R (R15), [V30.S4]
	VLD1R (R15), [V31.S4]

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

	// The epilogue and the store, row by row: R10 at C's row, R13 at the residual's.
	MOVD R9, R10
	MOVD c+48(FP), R15
	SUB  R15, R9, R13
	MOVD 32(R12), R15
	ADD  R15, R13
	TBZ  $1, R14, nores0
	VLD1 (R13), [V0.S4, V1.S4, V2.S4]
	WORD $0x4e20d508 // fadd v8.4s, v8.4s, v0.4s
	WORD $0x4e21d529 // fadd v9.4s, v9.4s, v1.4s
	WORD $0x4e22d54a // fadd v10.4s, v10.4s, v2.4s

nores0:
	TBZ  $2, R14, norelu0
	WORD $0x6ea8e4a0 // fcmgt v0.4s, v5.4s, v8.4s
	WORD $0x6ea9e4a1 // fcmgt v1.4s, v5.4s, v9.4s
	WORD $0x6eaae4a2 // fcmgt v2.4s, v5.4s, v10.4s
	WORD $0x4e601d08 // bic v8.16b, v8.16b, v0.16b
	WORD $0x4e611d29 // bic v9.16b, v9.16b, v1.16b
	WORD $0x4e621d4a // bic v10.16b, v10.16b, v2.16b

norelu0:
	VST1 [V8.S4, V9.S4, V10.S4], (R10)
	CMP  $2, R0
	BLT  stored
	ADD  R2, R10
	ADD  R2, R13
	TBZ  $1, R14, nores1
	VLD1 (R13), [V0.S4, V1.S4, V2.S4]
	WORD $0x4e20d56b // fadd v11.4s, v11.4s, v0.4s
	WORD $0x4e21d58c // fadd v12.4s, v12.4s, v1.4s
	WORD $0x4e22d5ad // fadd v13.4s, v13.4s, v2.4s

nores1:
	TBZ  $2, R14, norelu1
	WORD $0x6eabe4a0 // fcmgt v0.4s, v5.4s, v11.4s
	WORD $0x6eace4a1 // fcmgt v1.4s, v5.4s, v12.4s
	WORD $0x6eade4a2 // fcmgt v2.4s, v5.4s, v13.4s
	WORD $0x4e601d6b // bic v11.16b, v11.16b, v0.16b
	WORD $0x4e611d8c // bic v12.16b, v12.16b, v1.16b
	WORD $0x4e621dad // bic v13.16b, v13.16b, v2.16b

norelu1:
	VST1 [V11.S4, V12.S4, V13.S4], (R10)
	CMP  $3, R0
	BLT  stored
	ADD  R2, R10
	ADD  R2, R13
	TBZ  $1, R14, nores2
	VLD1 (R13), [V0.S4, V1.S4, V2.S4]
	WORD $0x4e20d5ce // fadd v14.4s, v14.4s, v0.4s
	WORD $0x4e21d5ef // fadd v15.4s, v15.4s, v1.4s
	WORD $0x4e22d610 // fadd v16.4s, v16.4s, v2.4s

nores2:
	TBZ  $2, R14, norelu2
	WORD $0x6eaee4a0 // fcmgt v0.4s, v5.4s, v14.4s
	WORD $0x6eafe4a1 // fcmgt v1.4s, v5.4s, v15.4s
	WORD $0x6eb0e4a2 // fcmgt v2.4s, v5.4s, v16.4s
	WORD $0x4e601dce // bic v14.16b, v14.16b, v0.16b
	WORD $0x4e611def // bic v15.16b, v15.16b, v1.16b
	WORD $0x4e621e10 // bic v16.16b, v16.16b, v2.16b

norelu2:
	VST1 [V14.S4, V15.S4, V16.S4], (R10)
	CMP  $4, R0
	BLT  stored
	ADD  R2, R10
	ADD  R2, R13
	TBZ  $1, R14, nores3
	VLD1 (R13), [V0.S4, V1.S4, V2.S4]
	WORD $0x4e20d631 // fadd v17.4s, v17.4s, v0.4s
	WORD $0x4e21d652 // fadd v18.4s, v18.4s, v1.4s
	WORD $0x4e22d673 // fadd v19.4s, v19.4s, v2.4s

nores3:
	TBZ  $2, R14, norelu3
	WORD $0x6eb1e4a0 // fcmgt v0.4s, v5.4s, v17.4s
	WORD $0x6eb2e4a1 // fcmgt v1.4s, v5.4s, v18.4s
	WORD $0x6eb3e4a2 // fcmgt v2.4s, v5.4s, v19.4s
	WORD $0x4e601e31 // bic v17.16b, v17.16b, v0.16b
	WORD $0x4e611e52 // bic v18.16b, v18.16b, v1.16b
	WORD $0x4e621e73 // bic v19.16b, v19.16b, v2.16b

norelu3:
	VST1 [V17.S4, V18.S4, V19.S4], (R10)
	CMP  $5, R0
	BLT  stored
	ADD  R2, R10
	ADD  R2, R13
	TBZ  $1, R14, nores4
	VLD1 (R13), [V0.S4, V1.S4, V2.S4]
	WORD $0x4e20d694 // fadd v20.4s, v20.4s, v0.4s
	WORD $0x4e21d6b5 // fadd v21.4s, v21.4s, v1.4s
	WORD $0x4e22d6d6 // fadd v22.4s, v22.4s, v2.4s

nores4:
	TBZ  $2, R14, norelu4
	WORD $0x6eb4e4a0 // fcmgt v0.4s, v5.4s, v20.4s
	WORD $0x6eb5e4a1 // fcmgt v1.4s, v5.4s, v21.4s
	WORD $0x6eb6e4a2 // fcmgt v2.4s, v5.4s, v22.4s
	WORD $0x4e601e94 // bic v20.16b, v20.16b, v0.16b
	WORD $0x4e611eb5 // bic v21.16b, v21.16b, v1.16b
	WORD $0x4e621ed6 // bic v22.16b, v22.16b, v2.16b

norelu4:
	VST1 [V20.S4, V21.S4, V22.S4], (R10)
	CMP  $6, R0
	BLT  stored
	ADD  R2, R10
	ADD  R2, R13
	TBZ  $1, R14, nores5
	VLD1 (R13), [V0.S4, V1.S4, V2.S4]
	WORD $0x4e20d6f7 // fadd v23.4s, v23.4s, v0.4s
	WORD $0x4e21d718 // fadd v24.4s, v24.4s, v1.4s
	WORD $0x4e22d739 // fadd v25.4s, v25.4s, v2.4s

nores5:
	TBZ  $2, R14, norelu5
	WORD $0x6eb7e4a0 // fcmgt v0.4s, v5.4s, v23.4s
	WORD $0x6eb8e4a1 // fcmgt v1.4s, v5.4s, v24.4s
	WORD $0x6eb9e4a2 // fcmgt v2.4s, v5.4s, v25.4s
	WORD $0x4e601ef7 // bic v23.16b, v23.16b, v0.16b
	WORD $0x4e611f18 // bic v24.16b, v24.16b, v1.16b
	WORD $0x4e621f39 // bic v25.16b, v25.16b, v2.16b

norelu5:
	VST1 [V23.S4, V24.S4, V25.S4], (R10)
	CMP  $7, R0
	BLT  stored
	ADD  R2, R10
	ADD  R2, R13
	TBZ  $1, R14, nores6
	VLD1 (R13), [V0.S4, V1.S4, V2.S4]
	WORD $0x4e20d75a // fadd v26.4s, v26.4s, v0.4s
	WORD $0x4e21d77b // fadd v27.4s, v27.4s, v1.4s
	WORD $0x4e22d79c // fadd v28.4s, v28.4s, v2.4s

nores6:
	TBZ  $2, R14, norelu6
	WORD $0x6ebae4a0 // fcmgt v0.4s, v5.4s, v26.4s
	WORD $0x6ebbe4a1 // fcmgt v1.4s, v5.4s, v27.4s
	WORD $0x6ebce4a2 // fcmgt v2.4s, v5.4s, v28.4s
	WORD $0x4e601f5a // bic v26.16b, v26.16b, v0.16b
	WORD $0x4e611f7b // bic v27.16b, v27.16b, v1.16b
	WORD $0x4e621f9c // bic v28.16b, v28.16b, v2.16b

norelu6:
	VST1 [V26.S4, V27.S4, V28.S4], (R10)
	CMP  $8, R0
	BLT  stored
	ADD  R2, R10
	ADD  R2, R13
	TBZ  $1, R14, nores7
	VLD1 (R13), [V0.S4, V1.S4, V2.S4]
	WORD $0x4e20d7bd // fadd v29.4s, v29.4s, v0.4s
	WORD $0x4e21d7de // fadd v30.4s, v30.4s, v1.4s
	WORD $0x4e22d7ff // fadd v31.4s, v31.4s, v2.4s

nores7:
	TBZ  $2, R14, norelu7
	WORD $0x6ebde4a0 // fcmgt v0.4s, v5.4s, v29.4s
	WORD $0x6ebee4a1 // fcmgt v1.4s, v5.4s, v30.4s
	WORD $0x6ebfe4a2 // fcmgt v2.4s, v5.4s, v31.4s
	WORD $0x4e601fbd // bic v29.16b, v29.16b, v0.16b
	WORD $0x4e611fde // bic v30.16b, v30.16b, v1.16b
	WORD $0x4e621fff // bic v31.16b, v31.16b, v2.16b

norelu7:
	VST1 [V29.S4, V30.S4, V31.S4], (R10)

stored:
	ADD  $48, R9
	ADD  $48, R6
	SUBS $12, R3
	BNE  strip

done:
	RET
