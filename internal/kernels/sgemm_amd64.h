// Shared by the amd64 Sgemm kernels (sgemm_avx2_amd64.s, sgemm_avx512_amd64.s).

// Register use in both kernels:
//	AX	a: element (0, 0) of the row block; each column strip reads the same rows of a
//	SI, R10	a moving along k, rows 0 and 4 (row i at SI + i*lda, R10 + (i-4)*lda)
//	R8, R9	lda and 3*lda in bytes
//	BX	b moving down the current strip; after the k loop, c's row 4
//	R14	b: top of the current column strip
//	R11	ldb in bytes
//	DI	c: row 0 of the current column strip (row i at DI + i*ldc)
//	R12, R13	ldc and 3*ldc in bytes
//	CX	k countdown
//	DX	columns left
//	CX, SI, R10	in the epilogue: the tileEpilogue; the residual's rows 0 and 4 of the strip
//
// Rows 0-3 of a are at SI + {0, R8, 2*R8, R9}, rows 4-7 at R10 + the same, and likewise c's and
// the residual's with R12, R13. The vector registers are each kernel's own (its file's header).

// Loads the arguments into the registers above.
#define SETUP \
	MOVQ n+16(FP), DX; \
	MOVQ a+24(FP), AX; \
	MOVQ lda+32(FP), R8; \
	SHLQ $2, R8; \
	LEAQ (R8)(R8*2), R9; \
	MOVQ b+40(FP), R14; \
	MOVQ ldb+48(FP), R11; \
	SHLQ $2, R11; \
	MOVQ c+56(FP), DI; \
	MOVQ ldc+64(FP), R12; \
	SHLQ $2, R12; \
	LEAQ (R12)(R12*2), R13

// Rewinds a and b to the start of a strip.
#define STRIP \
	MOVQ AX, SI; \
	LEAQ (AX)(R8*4), R10; \
	MOVQ R14, BX; \
	MOVQ k+8(FP), CX

// Steps a and b to the next k.
#define NEXTK \
	ADDQ $4, SI; \
	ADDQ $4, R10; \
	ADDQ R11, BX; \
	DECQ CX

// Points CX at the epilogue (tileEpilogue, sgemm_tiled.go: keepC at 0, addRes at 32, floor at 64,
// bias at 96, res at 128) and SI, R10 at the residual's rows 0 and 4 of the current strip
// (res + (DI - c)), once the k loop is done with them.
#define EPISETUP \
	MOVQ ep+72(FP), CX; \
	MOVQ c+56(FP), SI; \
	NEGQ SI; \
	ADDQ DI, SI; \
	ADDQ 128(CX), SI; \
	LEAQ (SI)(R12*4), R10
