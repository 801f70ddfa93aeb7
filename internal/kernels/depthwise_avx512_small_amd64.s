//go:build !noasm

#include "textflag.h"

// A whole stride-1 Depthwise3x3 plane of width 2-16, one output row per ZMM register
// (dw3x3s1SmallAVX512 in kernels_amd64.go): the box head's 7x7 and 14x14 planes in one call
// instead of a row kernel for the interior and the portable loop for the edges. Each tap row is
// three masked loads (the input row shifted by -1, 0, +1) and three masked FMAs: a lane whose
// window reaches past the row's end, or a row above or below the plane, is neither loaded nor
// updated, so padding is never read or multiplied, as in the plain loop.
//
// Register use: DI the output row; SI the input row of the same index; R12 a neighbouring input
// row; R8 h; R10 the row stride in bytes; R11 the output row index; Z0-Z8 the weights, Z15 the
// bias, Z9 the row's sums, Z10-Z12 the shifted input rows; K1 the lanes 0..w-1, K2 lanes 1..w-1
// (left tap), K3 lanes 0..w-2 (right tap).

// TAPROW adds one input row (at base) times the weights wl, wc, wr.
#define TAPROW(base, wl, wc, wr) \
	VMOVUPS.Z   -4(base), K2, Z10; \
	VFMADD231PS Z10, wl, K2, Z9; \
	VMOVUPS.Z   (base), K1, Z11; \
	VFMADD231PS Z11, wc, K1, Z9; \
	VMOVUPS.Z   4(base), K3, Z12; \
	VFMADD231PS Z12, wr, K3, Z9

// func dw3x3s1SmallAVX512(out, in *float32, h, w int, wt *float32, bias float32)
TEXT ·dw3x3s1SmallAVX512(SB), NOSPLIT, $0-44
	MOVQ         out+0(FP), DI
	MOVQ         in+8(FP), SI
	MOVQ         h+16(FP), R8
	MOVQ         w+24(FP), CX
	MOVQ         wt+32(FP), AX
	VBROADCASTSS bias+40(FP), Z15
	VBROADCASTSS (AX), Z0
	VBROADCASTSS 4(AX), Z1
	VBROADCASTSS 8(AX), Z2
	VBROADCASTSS 12(AX), Z3
	VBROADCASTSS 16(AX), Z4
	VBROADCASTSS 20(AX), Z5
	VBROADCASTSS 24(AX), Z6
	VBROADCASTSS 28(AX), Z7
	VBROADCASTSS 32(AX), Z8
	LEAQ         (CX*4), R10
	MOVQ         $1, BX
	SHLQ         CX, BX
	DECQ         BX
	KMOVW        BX, K1
	MOVQ         BX, DX
	ANDQ         $-2, DX
	KMOVW        DX, K2
	SHRQ         $1, BX
	KMOVW        BX, K3
	XORQ         R11, R11

dwsmallrow:
	VMOVAPS Z15, Z9
	TESTQ   R11, R11
	JZ      dwsmallnotop
	MOVQ    SI, R12
	SUBQ    R10, R12
	TAPROW(R12, Z0, Z1, Z2)

dwsmallnotop:
	TAPROW(SI, Z3, Z4, Z5)
	LEAQ 1(R11), DX
	CMPQ DX, R8
	JGE  dwsmallnobottom
	LEAQ (SI)(R10*1), R12
	TAPROW(R12, Z6, Z7, Z8)

dwsmallnobottom:
	VMOVUPS Z9, K1, (DI)
	ADDQ    R10, SI
	ADDQ    R10, DI
	INCQ    R11
	CMPQ    R11, R8
	JLT     dwsmallrow
	VZEROUPPER
	RET
