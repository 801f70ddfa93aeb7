//go:build !noasm

#include "textflag.h"

// 3x3 stride-2 pooling row kernels (poolRowKernel in pool_simd.go): 8 outputs per step on Y
// registers and 4 on X registers (AVX). Register use: DI out; SI, R10, R11 input rows 0-2; R8
// the row stride in bytes; R9 the row count; CX outputs left; R12, R13 the current output and
// input row; BX, DX their strides in bytes; R14 rows left; V0 the start value (-Inf or 0); V1
// the divisor 9; V10 the result; V11-V15 scratch.
//
// The columns x-1, x, x+1 of a window are the even and odd values of q[0:2n] and the odd values
// of q[1:2n+1], split by VSHUFPS (on Y registers in the lane order 0 1 4 5 2 3 6 7, put in order by
// VPERMPD before the store). Each lane takes its window's values in the plain loop's order, row
// by row, left to right: VMAXPS keeps the running maximum when the new value is not greater
// (so a NaN input never wins, and of equal values the first stays, as in the plain loop), and
// VADDPS adds from 0 before one VDIVPS by 9, so both agree with the plain loop bit for bit.

DATA poolNegInf<>+0(SB)/4, $0xff800000
GLOBL poolNegInf<>(SB), RODATA|NOPTR, $4
DATA poolNine<>+0(SB)/4, $9.0
GLOBL poolNine<>(SB), RODATA|NOPTR, $4

#define POOLSETUP \
	MOVQ out+0(FP), R12; \
	MOVQ in+8(FP), R13; \
	MOVQ w+16(FP), R8; \
	SHLQ $2, R8; \
	MOVQ nr+24(FP), R9; \
	MOVQ m+40(FP), R14; \
	MOVQ ldo+48(FP), BX; \
	SHLQ $2, BX; \
	MOVQ ldi+56(FP), DX; \
	SHLQ $2, DX

// The running maximum, and the running sum.
#define MAXOP(v, acc) VMAXPS acc, v, acc
#define ADDOP(v, acc) VADDPS v, acc, acc

// func maxPoolRowsAVX2(out, in *float32, w, nr, n, m, ldo, ldi int)
TEXT ·maxPoolRowsAVX2(SB), NOSPLIT, $0-64
	POOLSETUP
	VBROADCASTSS poolNegInf<>(SB), Y0
	VBROADCASTSS poolNine<>(SB), Y1

maxPoolRowsAVX2row:
	MOVQ R12, DI
	MOVQ R13, SI
	LEAQ (SI)(R8*1), R10
	LEAQ (R10)(R8*1), R11
	MOVQ n+32(FP), CX

maxPoolRowsAVX2loop:
	VMOVAPS Y0, Y10
	VMOVUPS (SI), Y11
	VMOVUPS 32(SI), Y12
	VMOVUPS 4(SI), Y13
	VMOVUPS 36(SI), Y14
	VSHUFPS $0x88, Y12, Y11, Y15
	MAXOP(Y15, Y10)
	VSHUFPS $0xDD, Y12, Y11, Y15
	MAXOP(Y15, Y10)
	VSHUFPS $0xDD, Y14, Y13, Y15
	MAXOP(Y15, Y10)
	CMPQ R9, $2
	JLT  maxPoolRowsAVX2store
	VMOVUPS (R10), Y11
	VMOVUPS 32(R10), Y12
	VMOVUPS 4(R10), Y13
	VMOVUPS 36(R10), Y14
	VSHUFPS $0x88, Y12, Y11, Y15
	MAXOP(Y15, Y10)
	VSHUFPS $0xDD, Y12, Y11, Y15
	MAXOP(Y15, Y10)
	VSHUFPS $0xDD, Y14, Y13, Y15
	MAXOP(Y15, Y10)
	CMPQ R9, $3
	JLT  maxPoolRowsAVX2store
	VMOVUPS (R11), Y11
	VMOVUPS 32(R11), Y12
	VMOVUPS 4(R11), Y13
	VMOVUPS 36(R11), Y14
	VSHUFPS $0x88, Y12, Y11, Y15
	MAXOP(Y15, Y10)
	VSHUFPS $0xDD, Y12, Y11, Y15
	MAXOP(Y15, Y10)
	VSHUFPS $0xDD, Y14, Y13, Y15
	MAXOP(Y15, Y10)

maxPoolRowsAVX2store:
	VPERMPD $0xD8, Y10, Y10
	VMOVUPS Y10, (DI)
	ADDQ $64, SI
	ADDQ $64, R10
	ADDQ $64, R11
	ADDQ $32, DI
	SUBQ $8, CX
	JGT  maxPoolRowsAVX2loop
	ADDQ BX, R12
	ADDQ DX, R13
	DECQ R14
	JGT  maxPoolRowsAVX2row
	VZEROUPPER
	RET

// func avgPoolRowsAVX2(out, in *float32, w, nr, n, m, ldo, ldi int)
TEXT ·avgPoolRowsAVX2(SB), NOSPLIT, $0-64
	POOLSETUP
	VXORPS Y0, Y0, Y0
	VBROADCASTSS poolNine<>(SB), Y1

avgPoolRowsAVX2row:
	MOVQ R12, DI
	MOVQ R13, SI
	LEAQ (SI)(R8*1), R10
	LEAQ (R10)(R8*1), R11
	MOVQ n+32(FP), CX

avgPoolRowsAVX2loop:
	VMOVAPS Y0, Y10
	VMOVUPS (SI), Y11
	VMOVUPS 32(SI), Y12
	VMOVUPS 4(SI), Y13
	VMOVUPS 36(SI), Y14
	VSHUFPS $0x88, Y12, Y11, Y15
	ADDOP(Y15, Y10)
	VSHUFPS $0xDD, Y12, Y11, Y15
	ADDOP(Y15, Y10)
	VSHUFPS $0xDD, Y14, Y13, Y15
	ADDOP(Y15, Y10)
	CMPQ R9, $2
	JLT  avgPoolRowsAVX2store
	VMOVUPS (R10), Y11
	VMOVUPS 32(R10), Y12
	VMOVUPS 4(R10), Y13
	VMOVUPS 36(R10), Y14
	VSHUFPS $0x88, Y12, Y11, Y15
	ADDOP(Y15, Y10)
	VSHUFPS $0xDD, Y12, Y11, Y15
	ADDOP(Y15, Y10)
	VSHUFPS $0xDD, Y14, Y13, Y15
	ADDOP(Y15, Y10)
	CMPQ R9, $3
	JLT  avgPoolRowsAVX2store
	VMOVUPS (R11), Y11
	VMOVUPS 32(R11), Y12
	VMOVUPS 4(R11), Y13
	VMOVUPS 36(R11), Y14
	VSHUFPS $0x88, Y12, Y11, Y15
	ADDOP(Y15, Y10)
	VSHUFPS $0xDD, Y12, Y11, Y15
	ADDOP(Y15, Y10)
	VSHUFPS $0xDD, Y14, Y13, Y15
	ADDOP(Y15, Y10)

avgPoolRowsAVX2store:
	VDIVPS Y1, Y10, Y10
	VPERMPD $0xD8, Y10, Y10
	VMOVUPS Y10, (DI)
	ADDQ $64, SI
	ADDQ $64, R10
	ADDQ $64, R11
	ADDQ $32, DI
	SUBQ $8, CX
	JGT  avgPoolRowsAVX2loop
	ADDQ BX, R12
	ADDQ DX, R13
	DECQ R14
	JGT  avgPoolRowsAVX2row
	VZEROUPPER
	RET

// func maxPoolRowsAVX(out, in *float32, w, nr, n, m, ldo, ldi int)
TEXT ·maxPoolRowsAVX(SB), NOSPLIT, $0-64
	POOLSETUP
	VBROADCASTSS poolNegInf<>(SB), X0
	VBROADCASTSS poolNine<>(SB), X1

maxPoolRowsAVXrow:
	MOVQ R12, DI
	MOVQ R13, SI
	LEAQ (SI)(R8*1), R10
	LEAQ (R10)(R8*1), R11
	MOVQ n+32(FP), CX

maxPoolRowsAVXloop:
	VMOVAPS X0, X10
	VMOVUPS (SI), X11
	VMOVUPS 16(SI), X12
	VMOVUPS 4(SI), X13
	VMOVUPS 20(SI), X14
	VSHUFPS $0x88, X12, X11, X15
	MAXOP(X15, X10)
	VSHUFPS $0xDD, X12, X11, X15
	MAXOP(X15, X10)
	VSHUFPS $0xDD, X14, X13, X15
	MAXOP(X15, X10)
	CMPQ R9, $2
	JLT  maxPoolRowsAVXstore
	VMOVUPS (R10), X11
	VMOVUPS 16(R10), X12
	VMOVUPS 4(R10), X13
	VMOVUPS 20(R10), X14
	VSHUFPS $0x88, X12, X11, X15
	MAXOP(X15, X10)
	VSHUFPS $0xDD, X12, X11, X15
	MAXOP(X15, X10)
	VSHUFPS $0xDD, X14, X13, X15
	MAXOP(X15, X10)
	CMPQ R9, $3
	JLT  maxPoolRowsAVXstore
	VMOVUPS (R11), X11
	VMOVUPS 16(R11), X12
	VMOVUPS 4(R11), X13
	VMOVUPS 20(R11), X14
	VSHUFPS $0x88, X12, X11, X15
	MAXOP(X15, X10)
	VSHUFPS $0xDD, X12, X11, X15
	MAXOP(X15, X10)
	VSHUFPS $0xDD, X14, X13, X15
	MAXOP(X15, X10)

maxPoolRowsAVXstore:
	VMOVUPS X10, (DI)
	ADDQ $32, SI
	ADDQ $32, R10
	ADDQ $32, R11
	ADDQ $16, DI
	SUBQ $4, CX
	JGT  maxPoolRowsAVXloop
	ADDQ BX, R12
	ADDQ DX, R13
	DECQ R14
	JGT  maxPoolRowsAVXrow
	VZEROUPPER
	RET

// func avgPoolRowsAVX(out, in *float32, w, nr, n, m, ldo, ldi int)
TEXT ·avgPoolRowsAVX(SB), NOSPLIT, $0-64
	POOLSETUP
	VXORPS X0, X0, X0
	VBROADCASTSS poolNine<>(SB), X1

avgPoolRowsAVXrow:
	MOVQ R12, DI
	MOVQ R13, SI
	LEAQ (SI)(R8*1), R10
	LEAQ (R10)(R8*1), R11
	MOVQ n+32(FP), CX

avgPoolRowsAVXloop:
	VMOVAPS X0, X10
	VMOVUPS (SI), X11
	VMOVUPS 16(SI), X12
	VMOVUPS 4(SI), X13
	VMOVUPS 20(SI), X14
	VSHUFPS $0x88, X12, X11, X15
	ADDOP(X15, X10)
	VSHUFPS $0xDD, X12, X11, X15
	ADDOP(X15, X10)
	VSHUFPS $0xDD, X14, X13, X15
	ADDOP(X15, X10)
	CMPQ R9, $2
	JLT  avgPoolRowsAVXstore
	VMOVUPS (R10), X11
	VMOVUPS 16(R10), X12
	VMOVUPS 4(R10), X13
	VMOVUPS 20(R10), X14
	VSHUFPS $0x88, X12, X11, X15
	ADDOP(X15, X10)
	VSHUFPS $0xDD, X12, X11, X15
	ADDOP(X15, X10)
	VSHUFPS $0xDD, X14, X13, X15
	ADDOP(X15, X10)
	CMPQ R9, $3
	JLT  avgPoolRowsAVXstore
	VMOVUPS (R11), X11
	VMOVUPS 16(R11), X12
	VMOVUPS 4(R11), X13
	VMOVUPS 20(R11), X14
	VSHUFPS $0x88, X12, X11, X15
	ADDOP(X15, X10)
	VSHUFPS $0xDD, X12, X11, X15
	ADDOP(X15, X10)
	VSHUFPS $0xDD, X14, X13, X15
	ADDOP(X15, X10)

avgPoolRowsAVXstore:
	VDIVPS X1, X10, X10
	VMOVUPS X10, (DI)
	ADDQ $32, SI
	ADDQ $32, R10
	ADDQ $32, R11
	ADDQ $16, DI
	SUBQ $4, CX
	JGT  avgPoolRowsAVXloop
	ADDQ BX, R12
	ADDQ DX, R13
	DECQ R14
	JGT  avgPoolRowsAVXrow
	VZEROUPPER
	RET

// The AVX-512 row kernels: 16 outputs per step on Z registers. VSHUFPS works within 128-bit
// lanes, so the accumulator holds the outputs' 64-bit pairs in the order 0 2 4 6 1 3 5 7;
// VPERMQ by poolPairOrder puts them in order before the store.
DATA poolPairOrder<>+0(SB)/8, $0
DATA poolPairOrder<>+8(SB)/8, $2
DATA poolPairOrder<>+16(SB)/8, $4
DATA poolPairOrder<>+24(SB)/8, $6
DATA poolPairOrder<>+32(SB)/8, $1
DATA poolPairOrder<>+40(SB)/8, $3
DATA poolPairOrder<>+48(SB)/8, $5
DATA poolPairOrder<>+56(SB)/8, $7
GLOBL poolPairOrder<>(SB), RODATA|NOPTR, $64

// One input row into Z10: the window columns x-1, x and x+1 of 16 outputs, in that order.
#define POOLROW512(row, OP) \
	VMOVUPS (row), Z11; \
	VMOVUPS 64(row), Z12; \
	VMOVUPS 4(row), Z13; \
	VMOVUPS 68(row), Z14; \
	VSHUFPS $0x88, Z12, Z11, Z15; \
	OP(Z15, Z10); \
	VSHUFPS $0xDD, Z12, Z11, Z15; \
	OP(Z15, Z10); \
	VSHUFPS $0xDD, Z14, Z13, Z15; \
	OP(Z15, Z10)

// func maxPoolRowsAVX512(out, in *float32, w, nr, n, m, ldo, ldi int)
TEXT ·maxPoolRowsAVX512(SB), NOSPLIT, $0-64
	POOLSETUP
	VBROADCASTSS poolNegInf<>(SB), Z0
	VMOVDQU64    poolPairOrder<>(SB), Z2

maxPoolRowsAVX512row:
	MOVQ R12, DI
	MOVQ R13, SI
	LEAQ (SI)(R8*1), R10
	LEAQ (R10)(R8*1), R11
	MOVQ n+32(FP), CX

maxPoolRowsAVX512loop:
	VMOVAPS Z0, Z10
	POOLROW512(SI, MAXOP)
	CMPQ R9, $2
	JLT  maxPoolRowsAVX512store
	POOLROW512(R10, MAXOP)
	CMPQ R9, $3
	JLT  maxPoolRowsAVX512store
	POOLROW512(R11, MAXOP)

maxPoolRowsAVX512store:
	VPERMQ  Z10, Z2, Z10
	VMOVUPS Z10, (DI)
	ADDQ    $128, SI
	ADDQ    $128, R10
	ADDQ    $128, R11
	ADDQ    $64, DI
	SUBQ    $16, CX
	JGT     maxPoolRowsAVX512loop
	ADDQ    BX, R12
	ADDQ    DX, R13
	DECQ    R14
	JGT     maxPoolRowsAVX512row
	VZEROUPPER
	RET

// func avgPoolRowsAVX512(out, in *float32, w, nr, n, m, ldo, ldi int)
TEXT ·avgPoolRowsAVX512(SB), NOSPLIT, $0-64
	POOLSETUP
	VXORPS       Z0, Z0, Z0
	VBROADCASTSS poolNine<>(SB), Z1
	VMOVDQU64    poolPairOrder<>(SB), Z2

avgPoolRowsAVX512row:
	MOVQ R12, DI
	MOVQ R13, SI
	LEAQ (SI)(R8*1), R10
	LEAQ (R10)(R8*1), R11
	MOVQ n+32(FP), CX

avgPoolRowsAVX512loop:
	VMOVAPS Z0, Z10
	POOLROW512(SI, ADDOP)
	CMPQ R9, $2
	JLT  avgPoolRowsAVX512store
	POOLROW512(R10, ADDOP)
	CMPQ R9, $3
	JLT  avgPoolRowsAVX512store
	POOLROW512(R11, ADDOP)

avgPoolRowsAVX512store:
	VDIVPS  Z1, Z10, Z10
	VPERMQ  Z10, Z2, Z10
	VMOVUPS Z10, (DI)
	ADDQ    $128, SI
	ADDQ    $128, R10
	ADDQ    $128, R11
	ADDQ    $64, DI
	SUBQ    $16, CX
	JGT     avgPoolRowsAVX512loop
	ADDQ    BX, R12
	ADDQ    DX, R13
	DECQ    R14
	JGT     avgPoolRowsAVX512row
	VZEROUPPER
	RET
