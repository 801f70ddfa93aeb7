//go:build !noasm

#include "textflag.h"

// Depthwise 3x3 row kernels (dwRowKernel in depthwise_simd.go), 8 outputs per step (AVX2, FMA).
// Register use: DI out; SI, R10, R11 input rows 0-2; R8 the row stride in bytes; R9 the row count;
// CX outputs left; R12, R13 the current output and input row; BX, DX their strides in bytes;
// R14 rows left; Y0 the bias; Y1-Y9 the weights of rows 0-2; Y10 the sum; Y11-Y15 scratch.

// Broadcasts the weights of the nr rows (no read past them) and sets up the row pointers.
#define DWSETUP \
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
	VBROADCASTSS bias+72(FP), Y0; \
	VBROADCASTSS 0(AX), Y1; \
	VBROADCASTSS 4(AX), Y2; \
	VBROADCASTSS 8(AX), Y3; \
	CMPQ R9, $2; \
	JLT  4(PC); \
	VBROADCASTSS 12(AX), Y4; \
	VBROADCASTSS 16(AX), Y5; \
	VBROADCASTSS 20(AX), Y6; \
	CMPQ R9, $3; \
	JLT  4(PC); \
	VBROADCASTSS 24(AX), Y7; \
	VBROADCASTSS 28(AX), Y8; \
	VBROADCASTSS 32(AX), Y9

// Stride 1: the three taps of a row are three overlapping loads.
#define ROW1(p, w0, w1, w2) \
	VFMADD231PS (p), w0, Y10; \
	VFMADD231PS 4(p), w1, Y10; \
	VFMADD231PS 8(p), w2, Y10

// func dw3x3s1AVX2(out, in *float32, w, nr int, wt *float32, n int, m, ldo, ldi int, bias float32)
TEXT ·dw3x3s1AVX2(SB), NOSPLIT, $0-76
	DWSETUP

s1row:
	MOVQ R12, DI
	MOVQ R13, SI
	LEAQ (SI)(R8*1), R10
	LEAQ (R10)(R8*1), R11
	MOVQ n+40(FP), CX

s1loop:
	VMOVAPS Y0, Y10
	ROW1(SI, Y1, Y2, Y3)
	CMPQ    R9, $2
	JLT     s1store
	ROW1(R10, Y4, Y5, Y6)
	CMPQ    R9, $3
	JLT     s1store
	ROW1(R11, Y7, Y8, Y9)

s1store:
	VMOVUPS Y10, (DI)
	ADDQ    $32, SI
	ADDQ    $32, R10
	ADDQ    $32, R11
	ADDQ    $32, DI
	SUBQ    $8, CX
	JGT     s1loop
	ADDQ    BX, R12
	ADDQ    DX, R13
	DECQ    R14
	JGT     s1row
	VZEROUPPER
	RET

// Stride 2: q[0:16] and q[1:17] split into even and odd columns by VSHUFPS, in the lane order
// 0 1 4 5 2 3 6 7 (the shuffle works within 128-bit halves); the sum is put in order once, by
// VPERMPD, before the store. Tap 0 is even(q[0:16]), tap 1 odd(q[0:16]), tap 2 odd(q[1:17]).
#define ROW2(p, w0, w1, w2) \
	VMOVUPS (p), Y11; \
	VMOVUPS 32(p), Y12; \
	VMOVUPS 4(p), Y13; \
	VMOVUPS 36(p), Y14; \
	VSHUFPS $0x88, Y12, Y11, Y15; \
	VFMADD231PS Y15, w0, Y10; \
	VSHUFPS $0xDD, Y12, Y11, Y15; \
	VFMADD231PS Y15, w1, Y10; \
	VSHUFPS $0xDD, Y14, Y13, Y15; \
	VFMADD231PS Y15, w2, Y10

// func dw3x3s2AVX2(out, in *float32, w, nr int, wt *float32, n int, m, ldo, ldi int, bias float32)
TEXT ·dw3x3s2AVX2(SB), NOSPLIT, $0-76
	DWSETUP

s2row:
	MOVQ R12, DI
	MOVQ R13, SI
	LEAQ (SI)(R8*1), R10
	LEAQ (R10)(R8*1), R11
	MOVQ n+40(FP), CX

s2loop:
	VMOVAPS Y0, Y10
	ROW2(SI, Y1, Y2, Y3)
	CMPQ    R9, $2
	JLT     s2store
	ROW2(R10, Y4, Y5, Y6)
	CMPQ    R9, $3
	JLT     s2store
	ROW2(R11, Y7, Y8, Y9)

s2store:
	VPERMPD $0xD8, Y10, Y10
	VMOVUPS Y10, (DI)
	ADDQ    $64, SI
	ADDQ    $64, R10
	ADDQ    $64, R11
	ADDQ    $32, DI
	SUBQ    $8, CX
	JGT     s2loop
	ADDQ    BX, R12
	ADDQ    DX, R13
	DECQ    R14
	JGT     s2row
	VZEROUPPER
	RET

// The 4-output versions (the box head's 7x7 planes have interiors of 5 and 6), on X registers;
// at this width VSHUFPS leaves the even and odd columns in order.

// func dw3x3s1AVX(out, in *float32, w, nr int, wt *float32, n int, m, ldo, ldi int, bias float32)
TEXT ·dw3x3s1AVX(SB), NOSPLIT, $0-76
	DWSETUP

x1row:
	MOVQ R12, DI
	MOVQ R13, SI
	LEAQ (SI)(R8*1), R10
	LEAQ (R10)(R8*1), R11
	MOVQ n+40(FP), CX

x1loop:
	VMOVAPS X0, X10
	VFMADD231PS (SI), X1, X10
	VFMADD231PS 4(SI), X2, X10
	VFMADD231PS 8(SI), X3, X10
	CMPQ    R9, $2
	JLT     x1store
	VFMADD231PS (R10), X4, X10
	VFMADD231PS 4(R10), X5, X10
	VFMADD231PS 8(R10), X6, X10
	CMPQ    R9, $3
	JLT     x1store
	VFMADD231PS (R11), X7, X10
	VFMADD231PS 4(R11), X8, X10
	VFMADD231PS 8(R11), X9, X10

x1store:
	VMOVUPS X10, (DI)
	ADDQ    $16, SI
	ADDQ    $16, R10
	ADDQ    $16, R11
	ADDQ    $16, DI
	SUBQ    $4, CX
	JGT     x1loop
	ADDQ    BX, R12
	ADDQ    DX, R13
	DECQ    R14
	JGT     x1row
	VZEROUPPER
	RET

#define ROW2X(p, w0, w1, w2) \
	VMOVUPS (p), X11; \
	VMOVUPS 16(p), X12; \
	VMOVUPS 4(p), X13; \
	VMOVUPS 20(p), X14; \
	VSHUFPS $0x88, X12, X11, X15; \
	VFMADD231PS X15, w0, X10; \
	VSHUFPS $0xDD, X12, X11, X15; \
	VFMADD231PS X15, w1, X10; \
	VSHUFPS $0xDD, X14, X13, X15; \
	VFMADD231PS X15, w2, X10

// func dw3x3s2AVX(out, in *float32, w, nr int, wt *float32, n int, m, ldo, ldi int, bias float32)
TEXT ·dw3x3s2AVX(SB), NOSPLIT, $0-76
	DWSETUP

x2row:
	MOVQ R12, DI
	MOVQ R13, SI
	LEAQ (SI)(R8*1), R10
	LEAQ (R10)(R8*1), R11
	MOVQ n+40(FP), CX

x2loop:
	VMOVAPS X0, X10
	ROW2X(SI, X1, X2, X3)
	CMPQ    R9, $2
	JLT     x2store
	ROW2X(R10, X4, X5, X6)
	CMPQ    R9, $3
	JLT     x2store
	ROW2X(R11, X7, X8, X9)

x2store:
	VMOVUPS X10, (DI)
	ADDQ    $32, SI
	ADDQ    $32, R10
	ADDQ    $32, R11
	ADDQ    $16, DI
	SUBQ    $4, CX
	JGT     x2loop
	ADDQ    BX, R12
	ADDQ    DX, R13
	DECQ    R14
	JGT     x2row
	VZEROUPPER
	RET
