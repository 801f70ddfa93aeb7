//go:build !noasm

#include "textflag.h"

// Transpose's block kernel (transposeKernel in transpose_simd.go), 8x8 blocks on Y registers
// (AVX, which every AVX2 CPU has). Register use: SI the block's first src row, R11 its fifth;
// DI the block's first dst value, R12 that of its fifth row; R8 and R9 the src row stride and
// three times it, R10 and R13 the same for dst, all in bytes; CX blocks left; Y0-Y15 the block.
//
// Each src row r0..r7 is loaded as two halves, and the halves go into registers pairwise: Y0 =
// [r0[0:4] | r4[0:4]], ..., Y3 = [r3[0:4] | r7[0:4]], Y4-Y7 the same for columns 4-7 (VMOVUPS
// for the low lane, VINSERTF128 from memory for the high one, so the lanes are put together by
// the loads instead of four VPERM2F128s). Each 128-bit lane then holds a 4x4 block, transposed by
// VUNPCKLPS / VUNPCKHPS (rows pairwise interleaved) and VSHUFPS (pairs of pairs): column j of
// the block comes out as [r0[j] .. r3[j] | r4[j] .. r7[j]], dst row j. Only moves: every value
// arrives with its bits (NaN payloads included).

// TRANSPOSE4 transposes the 4x4 blocks in the lanes of a, b, c, d (rows) into a, b, c, d
// (columns), through the scratch registers t0-t3.
#define TRANSPOSE4(a, b, c, d, t0, t1, t2, t3) \
	VUNPCKLPS b, a, t0; \
	VUNPCKHPS b, a, t1; \
	VUNPCKLPS d, c, t2; \
	VUNPCKHPS d, c, t3; \
	VSHUFPS   $0x44, t2, t0, a; \
	VSHUFPS   $0xEE, t2, t0, b; \
	VSHUFPS   $0x44, t3, t1, c; \
	VSHUFPS   $0xEE, t3, t1, d

// TRANSPOSEARGS loads both kernels' arguments: DI dst, SI src, R10 and R13 the dst row stride
// in bytes and three times it, R8 and R9 the same for src, CX the blocks.
#define TRANSPOSEARGS \
	MOVQ dst+0(FP), DI; \
	MOVQ src+8(FP), SI; \
	MOVQ ldd+16(FP), R10; \
	SHLQ $2, R10; \
	LEAQ (R10)(R10*2), R13; \
	MOVQ lds+24(FP), R8; \
	SHLQ $2, R8; \
	LEAQ (R8)(R8*2), R9; \
	MOVQ n+32(FP), CX

// func transpose8AVX2(dst, src *float32, ldd, lds, n int)
TEXT ·transpose8AVX2(SB), NOSPLIT, $0-40
	TRANSPOSEARGS

transpose8AVX2loop:
	LEAQ        (SI)(R8*4), R11
	VMOVUPS     (SI), X0
	VINSERTF128 $1, (R11), Y0, Y0
	VMOVUPS     (SI)(R8*1), X1
	VINSERTF128 $1, (R11)(R8*1), Y1, Y1
	VMOVUPS     (SI)(R8*2), X2
	VINSERTF128 $1, (R11)(R8*2), Y2, Y2
	VMOVUPS     (SI)(R9*1), X3
	VINSERTF128 $1, (R11)(R9*1), Y3, Y3
	VMOVUPS     16(SI), X4
	VINSERTF128 $1, 16(R11), Y4, Y4
	VMOVUPS     16(SI)(R8*1), X5
	VINSERTF128 $1, 16(R11)(R8*1), Y5, Y5
	VMOVUPS     16(SI)(R8*2), X6
	VINSERTF128 $1, 16(R11)(R8*2), Y6, Y6
	VMOVUPS     16(SI)(R9*1), X7
	VINSERTF128 $1, 16(R11)(R9*1), Y7, Y7
	TRANSPOSE4(Y0, Y1, Y2, Y3, Y8, Y9, Y10, Y11)
	TRANSPOSE4(Y4, Y5, Y6, Y7, Y12, Y13, Y14, Y15)
	LEAQ        (DI)(R10*4), R12
	VMOVUPS     Y0, (DI)
	VMOVUPS     Y1, (DI)(R10*1)
	VMOVUPS     Y2, (DI)(R10*2)
	VMOVUPS     Y3, (DI)(R13*1)
	VMOVUPS     Y4, (R12)
	VMOVUPS     Y5, (R12)(R10*1)
	VMOVUPS     Y6, (R12)(R10*2)
	VMOVUPS     Y7, (R12)(R13*1)
	LEAQ        (R11)(R8*4), SI
	ADDQ        $32, DI
	DECQ        CX
	JGT         transpose8AVX2loop
	VZEROUPPER
	RET

// The same with 16x16 blocks on Z registers (AVX-512F), in two steps: TRANSPOSE4 on each group of
// four rows (Z0-Z3, Z4-Z7, Z8-Z11, Z12-Z15) leaves in lane k of Z(4g+j) the four values of column
// 4k+j in rows 4g..4g+3; then, for each j, LANES4 transposes the 4x4 grid of 128-bit lanes of
// Z(j), Z(4+j), Z(8+j), Z(12+j) with VSHUFF32X4 (pairs of lanes, then single lanes), giving dst
// rows j, 4+j, 8+j and 12+j whole. Register use as above, with R11, R14 and R15 pointing at src
// rows 4, 8 and 12 for the loads, then at dst rows 4, 8 and 12 for the stores; Z0-Z15 the block,
// Z16-Z23 scratch.

// LANES4 makes a' = [a.0 b.0 c.0 d.0], b' = [a.1 b.1 c.1 d.1], ... from the 128-bit lanes of a, b,
// c, d, into o0-o3, through t0-t3.
#define LANES4(a, b, c, d, t0, t1, t2, t3, o0, o1, o2, o3) \
	VSHUFF32X4 $0x44, b, a, t0; \
	VSHUFF32X4 $0xEE, b, a, t1; \
	VSHUFF32X4 $0x44, d, c, t2; \
	VSHUFF32X4 $0xEE, d, c, t3; \
	VSHUFF32X4 $0x88, t2, t0, o0; \
	VSHUFF32X4 $0xDD, t2, t0, o1; \
	VSHUFF32X4 $0x88, t3, t1, o2; \
	VSHUFF32X4 $0xDD, t3, t1, o3

// LOAD4 loads the src rows at base and the three after it (R8 the row stride in bytes, R9 three
// times it) into a-d.
#define LOAD4(base, a, b, c, d) \
	VMOVUPS (base), a; \
	VMOVUPS (base)(R8*1), b; \
	VMOVUPS (base)(R8*2), c; \
	VMOVUPS (base)(R9*1), d

// STORE4 writes o0-o3 to the four dst addresses r0, r4, r8, r12 (rows j, 4+j, 8+j and 12+j).
#define STORE4(r0, r4, r8, r12, o0, o1, o2, o3) \
	VMOVUPS o0, r0; \
	VMOVUPS o1, r4; \
	VMOVUPS o2, r8; \
	VMOVUPS o3, r12

// func transpose16AVX512(dst, src *float32, ldd, lds, n int)
TEXT ·transpose16AVX512(SB), NOSPLIT, $0-40
	TRANSPOSEARGS

transpose16AVX512loop:
	LEAQ    (SI)(R8*4), R11
	LEAQ    (R11)(R8*4), R14
	LEAQ    (R14)(R8*4), R15
	LOAD4(SI, Z0, Z1, Z2, Z3)
	LOAD4(R11, Z4, Z5, Z6, Z7)
	LOAD4(R14, Z8, Z9, Z10, Z11)
	LOAD4(R15, Z12, Z13, Z14, Z15)
	TRANSPOSE4(Z0, Z1, Z2, Z3, Z16, Z17, Z18, Z19)
	TRANSPOSE4(Z4, Z5, Z6, Z7, Z16, Z17, Z18, Z19)
	TRANSPOSE4(Z8, Z9, Z10, Z11, Z16, Z17, Z18, Z19)
	TRANSPOSE4(Z12, Z13, Z14, Z15, Z16, Z17, Z18, Z19)
	LEAQ    (DI)(R10*4), R11
	LEAQ    (R11)(R10*4), R14
	LEAQ    (R14)(R10*4), R15
	LANES4(Z0, Z4, Z8, Z12, Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z23)
	STORE4((DI), (R11), (R14), (R15), Z20, Z21, Z22, Z23)
	LANES4(Z1, Z5, Z9, Z13, Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z23)
	STORE4((DI)(R10*1), (R11)(R10*1), (R14)(R10*1), (R15)(R10*1), Z20, Z21, Z22, Z23)
	LANES4(Z2, Z6, Z10, Z14, Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z23)
	STORE4((DI)(R10*2), (R11)(R10*2), (R14)(R10*2), (R15)(R10*2), Z20, Z21, Z22, Z23)
	LANES4(Z3, Z7, Z11, Z15, Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z23)
	STORE4((DI)(R13*1), (R11)(R13*1), (R14)(R13*1), (R15)(R13*1), Z20, Z21, Z22, Z23)
	LEAQ    (SI)(R8*8), SI
	LEAQ    (SI)(R8*8), SI
	ADDQ    $64, DI
	DECQ    CX
	JGT     transpose16AVX512loop
	VZEROUPPER
	RET
