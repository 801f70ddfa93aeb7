//go:build !noasm

#include "textflag.h"

// Whole-plane kernels for planes up to 16 wide (32 at stride 2), one output row per ZMM register
// (AVX-512F): the box head's depthwise convolutions and average pool, and the classifiers' 28x28
// stride-2 planes at 224. Stride 1 first, then stride 2.

// A column strip of 1-16 columns of a stride-1 Depthwise3x3 plane, every row, one output row per
// ZMM register (dw3x3s1SmallAVX512 in kernels_amd64.go): the box head's 7x7 and 14x14 planes
// whole, and the two edge strips of wider planes, in one call each instead of the portable loop
// for the edges. The input rows stream through once: each is three masked loads (the row shifted
// by -1, 0, +1) feeding the three output rows whose windows hold it, the one below (filter row
// 0), its own (row 1) and the one above (row 2), which is then complete and stored. Each sum
// still takes its filter rows top down and each row's taps left to right, the plain loop's
// order; a lane whose window reaches past the plane's left or right edge is neither loaded nor
// updated (masked loads and FMAs), and the rows above and below the plane are never visited, so
// padding is never read or multiplied.
//
// Register use: SI the input row; DI the output row one above it; R8 h; R10 the row stride in
// bytes (input and output); R11 the input row index; Z0-Z8 the weights, Z15 the bias, Z16, Z17,
// Z18 the sums of the output rows above, at and below the input row; Z10-Z12 the shifted input
// row; K1 the strip's lanes, K2 those with a left column (left tap), K3 those with a right column
// (right tap), packed by s1Masks.

// WEIGHTS9 broadcasts the 9 weights at (AX) into Z0-Z8.
#define WEIGHTS9 \
	VBROADCASTSS (AX), Z0; \
	VBROADCASTSS 4(AX), Z1; \
	VBROADCASTSS 8(AX), Z2; \
	VBROADCASTSS 12(AX), Z3; \
	VBROADCASTSS 16(AX), Z4; \
	VBROADCASTSS 20(AX), Z5; \
	VBROADCASTSS 24(AX), Z6; \
	VBROADCASTSS 28(AX), Z7; \
	VBROADCASTSS 32(AX), Z8

// LOADROW loads the input row at base shifted by -1, 0 and +1 into Z10-Z12.
#define LOADROW(base) \
	VMOVUPS.Z -4(base), K2, Z10; \
	VMOVUPS.Z (base), K1, Z11; \
	VMOVUPS.Z 4(base), K3, Z12

// TAPS adds the loaded row times the weights wl, wc, wr of one filter row to acc.
#define TAPS(acc, wl, wc, wr) \
	VFMADD231PS Z10, wl, K2, acc; \
	VFMADD231PS Z11, wc, K1, acc; \
	VFMADD231PS Z12, wr, K3, acc

// func dw3x3s1SmallAVX512(out, in *float32, h, ld int, masks uint64, wt *float32, bias float32)
TEXT ·dw3x3s1SmallAVX512(SB), NOSPLIT, $0-52
	MOVQ         out+0(FP), DI
	MOVQ         in+8(FP), SI
	MOVQ         h+16(FP), R8
	MOVQ         ld+24(FP), CX
	MOVQ         masks+32(FP), BX
	MOVQ         wt+40(FP), AX
	VBROADCASTSS bias+48(FP), Z15
	WEIGHTS9
	LEAQ         (CX*4), R10
	KMOVW        BX, K1
	SHRQ         $16, BX
	KMOVW        BX, K2
	SHRQ         $16, BX
	KMOVW        BX, K3

	// Input row 0: output row 0's filter row 1.
	LOADROW(SI)
	VMOVAPS Z15, Z17
	TAPS(Z17, Z3, Z4, Z5)
	MOVQ    $1, R11
	CMPQ    R11, R8
	JGE     dwsmalllast

dwsmallrow:
	// Output row R11 (< h) starts from input row R11-1, still in Z10-Z12, as its filter row 0;
	// then input row R11 completes output row R11-1 (filter row 2, stored) and adds R11's row 1.
	VMOVAPS Z15, Z18
	TAPS(Z18, Z0, Z1, Z2)
	VMOVAPS Z17, Z16
	VMOVAPS Z18, Z17
	ADDQ    R10, SI
	LOADROW(SI)
	TAPS(Z16, Z6, Z7, Z8)
	VMOVUPS Z16, K1, (DI)
	ADDQ    R10, DI
	TAPS(Z17, Z3, Z4, Z5)
	INCQ    R11
	CMPQ    R11, R8
	JLT     dwsmallrow

dwsmalllast:
	// The last output row has no input row below it.
	VMOVUPS Z17, K1, (DI)
	VZEROUPPER
	RET

// Whole stride-2 3x3 planes of width 1-64 (the box head's 14x14 -> 7x7; a classifier's 28x28 ->
// 14x14 and 56x56 -> 28x28 at 224), one output row per ZMM register, two for more than 16
// outputs (AVX-512F): dw3x3s2SmallAVX512 (depthwise) and avgPoolSmallAVX512 (3x3 average pool,
// bit for bit with the plain loop). An input row of up to 16 values is one masked load, and
// VPERMPS picks the left (2x-1), centre (2x) and right (2x+1) column of each output's window from
// it; one of 17-32 is two (the second masked by K5), and VPERMT2PS picks from both; one of 33-64
// is four, the first 16 outputs taken from the first two as for 32, the next 16 from the last two
// (masked by K1 and K5), but for output 16's left column, column 31 (VPERMPS from the second). Each tap is a masked FMA (or add) that leaves the lanes whose column,
// or row, lies in the padding untouched: the padding is never read or multiplied, and the pool
// adds each window's values in the plain loop's order (rows top down, columns left to right,
// from zero), then divides by 9.
//
// The masks come packed from the Go driver (s2Masks): bits 0-15 the input row's first 16 lanes
// (K1), 16-31 the outputs with a left column (K2), 32-47 all outputs (K3), 48-63 the outputs with
// a right column (K4); K5, the lanes of a row's columns 16-31, is made here from w. For 33-64
// columns they are those of the second 16 outputs, whose input lanes are columns 32-47 (K1) and
// 48-63 (K5, moved from K2); the first 16 outputs all have a right column and all but the first
// a left one (K2, made here), and K6 is lane 0 (Z20 its index, 15).
//
// Register use: DI the output row; R12 the input row 2*oy; R8 h; R9 oh; R10 and R13 the input and
// output row strides in bytes; R11 oy; Z0-Z8 the weights, Z15 the bias (pool: 9), Z9 the row's
// sums (Z17 those of outputs 16-31), Z10 the input row (Z16, Z18, Z19 its columns 16-31, 32-47,
// 48-63), Z11 scratch, Z12-Z14 the left, centre and right column indices (VPERMPS reads their low
// 4 bits, VPERMT2PS 5).

// Lane numbers 0-15: output lane i takes input lane 2i-1, 2i or 2i+1 (VPERMPS reads the low 4
// bits of an index, so -1 and indices past 15 wrap; the masks leave those lanes unused).
DATA smallLanes<>+0(SB)/4, $0
DATA smallLanes<>+4(SB)/4, $1
DATA smallLanes<>+8(SB)/4, $2
DATA smallLanes<>+12(SB)/4, $3
DATA smallLanes<>+16(SB)/4, $4
DATA smallLanes<>+20(SB)/4, $5
DATA smallLanes<>+24(SB)/4, $6
DATA smallLanes<>+28(SB)/4, $7
DATA smallLanes<>+32(SB)/4, $8
DATA smallLanes<>+36(SB)/4, $9
DATA smallLanes<>+40(SB)/4, $10
DATA smallLanes<>+44(SB)/4, $11
DATA smallLanes<>+48(SB)/4, $12
DATA smallLanes<>+52(SB)/4, $13
DATA smallLanes<>+56(SB)/4, $14
DATA smallLanes<>+60(SB)/4, $15
GLOBL smallLanes<>(SB), RODATA|NOPTR, $64

// Loads the arguments common to both kernels (masks in DX) and makes the left, centre and right
// column indices (2i-1, 2i, 2i+1).
#define SMALLSETUP \
	MOVQ    out+0(FP), DI; \
	MOVQ    in+8(FP), R12; \
	MOVQ    h+16(FP), R8; \
	MOVQ    w+24(FP), R10; \
	SHLQ    $2, R10; \
	MOVQ    oh+32(FP), R9; \
	MOVQ    ow+40(FP), R13; \
	SHLQ    $2, R13; \
	MOVQ    masks+48(FP), DX; \
	KMOVW   DX, K1; \
	SHRQ    $16, DX; \
	KMOVW   DX, K2; \
	SHRQ    $16, DX; \
	KMOVW   DX, K3; \
	SHRQ    $16, DX; \
	KMOVW   DX, K4; \
	VMOVDQU32    smallLanes<>(SB), Z13; \
	VPSLLD       $1, Z13, Z13; \
	MOVL         $1, AX; \
	VPBROADCASTD AX, Z11; \
	VPADDD       Z11, Z13, Z14; \
	VPSUBD       Z11, Z13, Z12; \
	XORQ    R11, R11

// DWROW adds the input row at base times the weights wl, wc, wr of one filter row.
#define DWROW(base, wl, wc, wr) \
	VMOVUPS.Z   (base), K1, Z10; \
	VPERMPS     Z10, Z12, Z11; \
	VFMADD231PS Z11, wl, K2, Z9; \
	VPERMPS     Z10, Z13, Z11; \
	VFMADD231PS Z11, wc, K3, Z9; \
	VPERMPS     Z10, Z14, Z11; \
	VFMADD231PS Z11, wr, K4, Z9

// DWROW32 is DWROW for a row of 17-32 values.
#define DWROW32(base, wl, wc, wr) \
	VMOVUPS.Z   (base), K1, Z10; \
	VMOVUPS.Z   64(base), K5, Z16; \
	VMOVAPS     Z10, Z11; \
	VPERMT2PS   Z16, Z12, Z11; \
	VFMADD231PS Z11, wl, K2, Z9; \
	VMOVAPS     Z10, Z11; \
	VPERMT2PS   Z16, Z13, Z11; \
	VFMADD231PS Z11, wc, K3, Z9; \
	VMOVAPS     Z10, Z11; \
	VPERMT2PS   Z16, Z14, Z11; \
	VFMADD231PS Z11, wr, K4, Z9

// POOLROW32 is POOLROW for a row of 17-32 values.
#define POOLROW32(base, wl, wc, wr) \
	VMOVUPS.Z (base), K1, Z10; \
	VMOVUPS.Z 64(base), K5, Z16; \
	VMOVAPS   Z10, Z11; \
	VPERMT2PS Z16, Z12, Z11; \
	VADDPS    Z11, Z9, K2, Z9; \
	VMOVAPS   Z10, Z11; \
	VPERMT2PS Z16, Z13, Z11; \
	VADDPS    Z11, Z9, K3, Z9; \
	VMOVAPS   Z10, Z11; \
	VPERMT2PS Z16, Z14, Z11; \
	VADDPS    Z11, Z9, K4, Z9

// LOADS64 loads a row of 33-64 values at base: Z10, Z16, Z18, Z19 (the last two masked).
#define LOADS64(base) \
	VMOVUPS   (base), Z10; \
	VMOVUPS   64(base), Z16; \
	VMOVUPS.Z 128(base), K1, Z18; \
	VMOVUPS.Z 192(base), K5, Z19

// DWROW64 is DWROW for a row of 33-64 values: outputs 0-15 into Z9, 16-31 into Z17.
#define DWROW64(base, wl, wc, wr) \
	LOADS64(base); \
	VMOVAPS     Z10, Z11; \
	VPERMT2PS   Z16, Z12, Z11; \
	VFMADD231PS Z11, wl, K2, Z9; \
	VMOVAPS     Z10, Z11; \
	VPERMT2PS   Z16, Z13, Z11; \
	VFMADD231PS Z11, wc, Z9; \
	VMOVAPS     Z10, Z11; \
	VPERMT2PS   Z16, Z14, Z11; \
	VFMADD231PS Z11, wr, Z9; \
	VMOVAPS     Z18, Z11; \
	VPERMT2PS   Z19, Z12, Z11; \
	VPERMPS     Z16, Z20, K6, Z11; \
	VFMADD231PS Z11, wl, K3, Z17; \
	VMOVAPS     Z18, Z11; \
	VPERMT2PS   Z19, Z13, Z11; \
	VFMADD231PS Z11, wc, K3, Z17; \
	VMOVAPS     Z18, Z11; \
	VPERMT2PS   Z19, Z14, Z11; \
	VFMADD231PS Z11, wr, K4, Z17

// POOLROW64 is POOLROW for a row of 33-64 values, as DWROW64.
#define POOLROW64(base, wl, wc, wr) \
	LOADS64(base); \
	VMOVAPS   Z10, Z11; \
	VPERMT2PS Z16, Z12, Z11; \
	VADDPS    Z11, Z9, K2, Z9; \
	VMOVAPS   Z10, Z11; \
	VPERMT2PS Z16, Z13, Z11; \
	VADDPS    Z11, Z9, Z9; \
	VMOVAPS   Z10, Z11; \
	VPERMT2PS Z16, Z14, Z11; \
	VADDPS    Z11, Z9, Z9; \
	VMOVAPS   Z18, Z11; \
	VPERMT2PS Z19, Z12, Z11; \
	VPERMPS   Z16, Z20, K6, Z11; \
	VADDPS    Z11, Z17, K3, Z17; \
	VMOVAPS   Z18, Z11; \
	VPERMT2PS Z19, Z13, Z11; \
	VADDPS    Z11, Z17, K3, Z17; \
	VMOVAPS   Z18, Z11; \
	VPERMT2PS Z19, Z14, Z11; \
	VADDPS    Z11, Z17, K4, Z17

// The 33-64 column masks from SMALLSETUP's (see above).
#define MASKS64 \
	KMOVW        K2, K5; \
	MOVL         $0xfffe, AX; \
	KMOVW        AX, K2; \
	MOVL         $1, AX; \
	KMOVW        AX, K6; \
	MOVL         $15, AX; \
	VPBROADCASTD AX, Z20

// K5 = the lanes of a row's columns 16-31 (w > 16).
#define K5FROMW \
	MOVQ  w+24(FP), CX; \
	SUBQ  $16, CX; \
	MOVL  $1, BX; \
	SHLQ  CX, BX; \
	DECQ  BX; \
	KMOVW BX, K5

// POOLROW adds the window values of the input row at base, left, centre, right (wl, wc and wr,
// DWROW's weights, unused: both fit S2PLANE).
#define POOLROW(base, wl, wc, wr) \
	VMOVUPS.Z (base), K1, Z10; \
	VPERMPS   Z10, Z12, Z11; \
	VADDPS    Z11, Z9, K2, Z9; \
	VPERMPS   Z10, Z13, Z11; \
	VADDPS    Z11, Z9, K3, Z9; \
	VPERMPS   Z10, Z14, Z11; \
	VADDPS    Z11, Z9, K4, Z9

// S2PLANE is a plane kernel's loop over its output rows: each row's sums start as INIT, take
// ROW of the input rows above (filter row 0, none for the first output row), at (1) and below
// (2, none past the plane's last row) with that filter row's weights, then FINISH, and are
// stored by STORE; row, notop and nobottom are its labels.
#define S2PLANE(INIT, ROW, FINISH, STORE, row, notop, nobottom) \
row: \
	INIT; \
	TESTQ R11, R11; \
	JZ    notop; \
	MOVQ  R12, BX; \
	SUBQ  R10, BX; \
	ROW(BX, Z0, Z1, Z2); \
notop: \
	ROW(R12, Z3, Z4, Z5); \
	LEAQ  (R11)(R11*1), DX; \
	INCQ  DX; \
	CMPQ  DX, R8; \
	JGE   nobottom; \
	LEAQ  (R12)(R10*1), BX; \
	ROW(BX, Z6, Z7, Z8); \
nobottom: \
	FINISH; \
	STORE; \
	LEAQ  (R12)(R10*2), R12; \
	ADDQ  R13, DI; \
	INCQ  R11; \
	CMPQ  R11, R9; \
	JLT   row; \
	VZEROUPPER; \
	RET

#define FROMBIAS VMOVAPS Z15, Z9
#define FROMZERO VPXORD Z9, Z9, Z9
#define DIVIDEBY9 VDIVPS Z15, Z9, Z9
#define NOTHING
#define STORE VMOVUPS Z9, K3, (DI)
#define FROMBIAS64 VMOVAPS Z15, Z9; VMOVAPS Z15, Z17
#define FROMZERO64 VPXORD Z9, Z9, Z9; VPXORD Z17, Z17, Z17
#define DIVIDEBY9_64 VDIVPS Z15, Z9, Z9; VDIVPS Z15, Z17, Z17
#define STORE64 VMOVUPS Z9, (DI); VMOVUPS Z17, K3, 64(DI)

// func dw3x3s2SmallAVX512(out, in *float32, h, w, oh, ow int, masks uint64, wt *float32, bias float32)
TEXT ·dw3x3s2SmallAVX512(SB), NOSPLIT, $0-68
	SMALLSETUP
	MOVQ         wt+56(FP), AX
	VBROADCASTSS bias+64(FP), Z15
	WEIGHTS9
	CMPQ         R10, $64
	JGT          dws2small32
	S2PLANE(FROMBIAS, DWROW, NOTHING, STORE, dws2smallrow, dws2smallnotop, dws2smallnobottom)

dws2small32:
	CMPQ         R10, $128
	JGT          dws2small64
	K5FROMW
	S2PLANE(FROMBIAS, DWROW32, NOTHING, STORE, dws2small32row, dws2small32notop, dws2small32nobottom)

dws2small64:
	MASKS64
	S2PLANE(FROMBIAS64, DWROW64, NOTHING, STORE64, dws2small64row, dws2small64notop, dws2small64nobottom)

// func avgPoolSmallAVX512(out, in *float32, h, w, oh, ow int, masks uint64)
TEXT ·avgPoolSmallAVX512(SB), NOSPLIT, $0-56
	SMALLSETUP
	MOVL         $0x41100000, AX // 9.0
	VPBROADCASTD AX, Z15
	CMPQ         R10, $64
	JGT          poolsmall32
	S2PLANE(FROMZERO, POOLROW, DIVIDEBY9, STORE, poolsmallrow, poolsmallnotop, poolsmallnobottom)

poolsmall32:
	CMPQ         R10, $128
	JGT          poolsmall64
	K5FROMW
	S2PLANE(FROMZERO, POOLROW32, DIVIDEBY9, STORE, poolsmall32row, poolsmall32notop, poolsmall32nobottom)

poolsmall64:
	MASKS64
	S2PLANE(FROMZERO64, POOLROW64, DIVIDEBY9_64, STORE64, poolsmall64row, poolsmall64notop, poolsmall64nobottom)
