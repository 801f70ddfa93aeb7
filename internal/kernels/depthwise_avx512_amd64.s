//go:build !noasm

#include "textflag.h"

// Depthwise 3x3 row kernels (dwRowKernel in depthwise_simd.go), 16 outputs per step (AVX-512F).
// Register use: DI out; SI, R10, R11 input rows 0-2; R8 the row stride in bytes; R9 the row count;
// CX outputs left; R12, R13 the current output and input row; BX, DX their strides in bytes;
// R14 rows left; Z0 the bias; Z1-Z9 the weights of rows 0-2; Z10 the sum; Z11-Z13 scratch;
// Z14, Z15 the even and odd column indices of VPERMT2PS.

// Column indices into the 32 values of two registers: the even ones, then the odd ones.
DATA dwEvenIdx<>+0(SB)/4, $0
DATA dwEvenIdx<>+4(SB)/4, $2
DATA dwEvenIdx<>+8(SB)/4, $4
DATA dwEvenIdx<>+12(SB)/4, $6
DATA dwEvenIdx<>+16(SB)/4, $8
DATA dwEvenIdx<>+20(SB)/4, $10
DATA dwEvenIdx<>+24(SB)/4, $12
DATA dwEvenIdx<>+28(SB)/4, $14
DATA dwEvenIdx<>+32(SB)/4, $16
DATA dwEvenIdx<>+36(SB)/4, $18
DATA dwEvenIdx<>+40(SB)/4, $20
DATA dwEvenIdx<>+44(SB)/4, $22
DATA dwEvenIdx<>+48(SB)/4, $24
DATA dwEvenIdx<>+52(SB)/4, $26
DATA dwEvenIdx<>+56(SB)/4, $28
DATA dwEvenIdx<>+60(SB)/4, $30
GLOBL dwEvenIdx<>(SB), RODATA|NOPTR, $64

DATA dwOddIdx<>+0(SB)/4, $1
DATA dwOddIdx<>+4(SB)/4, $3
DATA dwOddIdx<>+8(SB)/4, $5
DATA dwOddIdx<>+12(SB)/4, $7
DATA dwOddIdx<>+16(SB)/4, $9
DATA dwOddIdx<>+20(SB)/4, $11
DATA dwOddIdx<>+24(SB)/4, $13
DATA dwOddIdx<>+28(SB)/4, $15
DATA dwOddIdx<>+32(SB)/4, $17
DATA dwOddIdx<>+36(SB)/4, $19
DATA dwOddIdx<>+40(SB)/4, $21
DATA dwOddIdx<>+44(SB)/4, $23
DATA dwOddIdx<>+48(SB)/4, $25
DATA dwOddIdx<>+52(SB)/4, $27
DATA dwOddIdx<>+56(SB)/4, $29
DATA dwOddIdx<>+60(SB)/4, $31
GLOBL dwOddIdx<>(SB), RODATA|NOPTR, $64

// Broadcasts the weights of the nr rows (no read past them) and sets up the row pointers.
#define DWSETUP512 \
	MOVQ out+0(FP), R12; \
	MOVQ in+8(FP), R13; \
	MOVQ m+48(FP), R14; \
	MOVQ ldo+56(FP), BX; \
	SHLQ $2, BX; \
	MOVQ ldi+64(FP), DX; \
	SHLQ $2, DX; \
	MOVQ w+16(FP), R8; \
	SHLQ $2, R8; \
	MOVQ nr+24(FP), R9; \
	MOVQ wt+32(FP), AX; \
	VBROADCASTSS bias+72(FP), Z0; \
	VBROADCASTSS 0(AX), Z1; \
	VBROADCASTSS 4(AX), Z2; \
	VBROADCASTSS 8(AX), Z3; \
	CMPQ R9, $2; \
	JLT  4(PC); \
	VBROADCASTSS 12(AX), Z4; \
	VBROADCASTSS 16(AX), Z5; \
	VBROADCASTSS 20(AX), Z6; \
	CMPQ R9, $3; \
	JLT  4(PC); \
	VBROADCASTSS 24(AX), Z7; \
	VBROADCASTSS 28(AX), Z8; \
	VBROADCASTSS 32(AX), Z9

// Stride 1: the three taps of a row are three overlapping loads.
#define ROW1(p, w0, w1, w2) \
	VFMADD231PS (p), w0, Z10; \
	VFMADD231PS 4(p), w1, Z10; \
	VFMADD231PS 8(p), w2, Z10

// func dw3x3s1AVX512(out, in *float32, w, nr int, wt *float32, n int, m, ldo, ldi int, bias float32)
TEXT ·dw3x3s1AVX512(SB), NOSPLIT, $0-76
	DWSETUP512

s1row:
	MOVQ R12, DI
	MOVQ R13, SI
	LEAQ (SI)(R8*1), R10
	LEAQ (R10)(R8*1), R11
	MOVQ n+40(FP), CX

s1loop:
	VMOVAPS Z0, Z10
	ROW1(SI, Z1, Z2, Z3)
	CMPQ    R9, $2
	JLT     s1store
	ROW1(R10, Z4, Z5, Z6)
	CMPQ    R9, $3
	JLT     s1store
	ROW1(R11, Z7, Z8, Z9)

s1store:
	VMOVUPS Z10, (DI)
	ADDQ    $64, SI
	ADDQ    $64, R10
	ADDQ    $64, R11
	ADDQ    $64, DI
	SUBQ    $16, CX
	JGT     s1loop
	ADDQ    BX, R12
	ADDQ    DX, R13
	DECQ    R14
	JGT     s1row
	VZEROUPPER
	RET

// Stride 2: VPERMT2PS picks tap 0 (even columns) and tap 1 (odd) from q[0:32], tap 2 (odd) from
// q[1:33].
#define ROW2(p, w0, w1, w2) \
	VMOVUPS (p), Z11; \
	VMOVAPS Z11, Z12; \
	VMOVUPS 4(p), Z13; \
	VPERMT2PS 64(p), Z14, Z11; \
	VPERMT2PS 64(p), Z15, Z12; \
	VPERMT2PS 68(p), Z15, Z13; \
	VFMADD231PS Z11, w0, Z10; \
	VFMADD231PS Z12, w1, Z10; \
	VFMADD231PS Z13, w2, Z10

// func dw3x3s2AVX512(out, in *float32, w, nr int, wt *float32, n int, m, ldo, ldi int, bias float32)
TEXT ·dw3x3s2AVX512(SB), NOSPLIT, $0-76
	DWSETUP512
	VMOVDQU32 dwEvenIdx<>(SB), Z14
	VMOVDQU32 dwOddIdx<>(SB), Z15

s2row:
	MOVQ R12, DI
	MOVQ R13, SI
	LEAQ (SI)(R8*1), R10
	LEAQ (R10)(R8*1), R11
	MOVQ n+40(FP), CX

s2loop:
	VMOVAPS Z0, Z10
	ROW2(SI, Z1, Z2, Z3)
	CMPQ    R9, $2
	JLT     s2store
	ROW2(R10, Z4, Z5, Z6)
	CMPQ    R9, $3
	JLT     s2store
	ROW2(R11, Z7, Z8, Z9)

s2store:
	VMOVUPS Z10, (DI)
	ADDQ    $128, SI
	ADDQ    $128, R10
	ADDQ    $128, R11
	ADDQ    $64, DI
	SUBQ    $16, CX
	JGT     s2loop
	ADDQ    BX, R12
	ADDQ    DX, R13
	DECQ    R14
	JGT     s2row
	VZEROUPPER
	RET
