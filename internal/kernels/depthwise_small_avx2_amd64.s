//go:build !noasm

#include "textflag.h"

// A column strip of 1-8 columns of a stride-1 Depthwise3x3 plane, every row, one output row per
// YMM register (dw3x3s1SmallAVX2 in kernels_amd64.go): the box head's 7x7 planes whole, and the
// edge strips of wider planes, in one call each instead of the portable loop for the edges.
// AVX2 has no mask registers, so the lanes whose window reaches past the plane's left or right
// edge get a -0 weight for that tap and a masked load (VMASKMOVPS reads nothing in a masked-off
// lane and gives zero there): the padding is never read, and a weight is never multiplied by it
// (a NaN weight stays out of the outputs whose windows leave the plane, as in the plain loop).
// Such a lane adds 0 * -0 = -0 to its sum, which leaves it as it is (a -0 sum too: 0 * 0 = +0 made
// it +0, where the plain loop, skipping the tap, keeps -0); every other lane runs the AVX-512
// kernel's FMAs in its order, so the outputs are its bit for bit.
// Rows above or below the plane are skipped.
//
// Register use: DI the output row; SI the input row of the same index; R12 a neighbouring input
// row; R8 h; R10 the row stride in bytes (input and output); R11 the output row index; Y0-Y8 the
// weights (the left column's masked by Y12, the right column's by Y13), Y10 the bias, Y9 the
// row's sums, Y14 and Y15 the loaded taps; Y11 the strip's lanes, Y12 those with a left column,
// Y13 those with a right column (all ones or zero per lane, from the bits s1Masks packs).

// Bit i of lane i, to spread a lane bit mask over the lanes.
DATA laneBits8<>+0(SB)/4, $1
DATA laneBits8<>+4(SB)/4, $2
DATA laneBits8<>+8(SB)/4, $4
DATA laneBits8<>+12(SB)/4, $8
DATA laneBits8<>+16(SB)/4, $16
DATA laneBits8<>+20(SB)/4, $32
DATA laneBits8<>+24(SB)/4, $64
DATA laneBits8<>+28(SB)/4, $128
GLOBL laneBits8<>(SB), RODATA|NOPTR, $32

// LANEMASK sets lane i of y to all ones where bit i of the low 8 bits of BX is set, else zero.
#define LANEMASK(y) \
	MOVL         BX, AX; \
	VMOVD        AX, X14; \
	VPBROADCASTD X14, y; \
	VPAND        laneBits8<>(SB), y, y; \
	VPCMPEQD     laneBits8<>(SB), y, y

// NEGZEROS sets every lane of y to -0 (AX is scratch): the weight of a tap outside the plane, so
// that its product with the zero a masked load gives is -0, which leaves every sum as it is (a -0
// sum included, as the plain loop, which skips the tap, leaves it; +0 would make it +0).
#define NEGZEROS(y) \
	MOVL         $0x80000000, AX; \
	VMOVD        AX, X14; \
	VPBROADCASTD X14, y

// S2ARGS8 loads the arguments the stride-2 plane kernels share (masks in BX); S2MASKS8 spreads
// the input-row masks into Y11 and Y12 and the outputs with a left column and all outputs into
// 0(SP) and 32(SP), leaving the right-column bits in BX.
#define S2ARGS8 \
	MOVQ         out+0(FP), DI; \
	MOVQ         in+8(FP), R12; \
	MOVQ         h+16(FP), R8; \
	MOVQ         w+24(FP), R10; \
	SHLQ         $2, R10; \
	MOVQ         oh+32(FP), R9; \
	MOVQ         ow+40(FP), R13; \
	SHLQ         $2, R13; \
	MOVQ         masks+48(FP), BX

#define S2MASKS8 \
	LANEMASK(Y11); \
	SHRQ         $8, BX; \
	LANEMASK(Y12); \
	SHRQ         $8, BX; \
	LANEMASK(Y14); \
	VMOVUPS      Y14, (SP); \
	SHRQ         $16, BX; \
	LANEMASK(Y14); \
	VMOVUPS      Y14, 32(SP)

// SPLIT8 loads the input row at base (two masked loads) and leaves each output's centre column
// (2x) in Y10, its right column (2x+1) in Y15 and its left column (2x-1; zero where it has none)
// in Y14.
#define SPLIT8(base) \
	VMASKMOVPS  (base), Y11, Y10; \
	VMASKMOVPS  32(base), Y12, Y14; \
	VSHUFPS     $0xDD, Y14, Y10, Y15; \
	VSHUFPS     $0x88, Y14, Y10, Y10; \
	VPERMPD     $0xD8, Y15, Y15; \
	VPERMPD     $0xD8, Y10, Y10; \
	VPERMPS     Y15, Y13, Y14; \
	VANDPS      (SP), Y14, Y14

// TAPROW8 adds one input row (at base) times the weights wl, wc, wr.
#define TAPROW8(base, wl, wc, wr) \
	VMASKMOVPS  -4(base), Y12, Y14; \
	VFMADD231PS Y14, wl, Y9; \
	VMASKMOVPS  (base), Y11, Y15; \
	VFMADD231PS Y15, wc, Y9; \
	VMASKMOVPS  4(base), Y13, Y14; \
	VFMADD231PS Y14, wr, Y9

// func dw3x3s1SmallAVX2(out, in *float32, h, ld int, masks uint64, wt *float32, bias float32)
TEXT ·dw3x3s1SmallAVX2(SB), NOSPLIT, $0-52
	MOVQ         out+0(FP), DI
	MOVQ         in+8(FP), SI
	MOVQ         h+16(FP), R8
	MOVQ         ld+24(FP), CX
	MOVQ         masks+32(FP), BX
	MOVQ         wt+40(FP), DX
	VBROADCASTSS bias+48(FP), Y10
	LEAQ         (CX*4), R10
	LANEMASK(Y11)
	SHRQ         $16, BX
	LANEMASK(Y12)
	SHRQ         $16, BX
	LANEMASK(Y13)
	NEGZEROS(Y14)
	VANDNPS      Y14, Y12, Y15 // -0 in the lanes without a left column
	VANDNPS      Y14, Y13, Y14 // -0 in the lanes without a right column
	VBROADCASTSS (DX), Y0
	VBROADCASTSS 4(DX), Y1
	VBROADCASTSS 8(DX), Y2
	VBROADCASTSS 12(DX), Y3
	VBROADCASTSS 16(DX), Y4
	VBROADCASTSS 20(DX), Y5
	VBROADCASTSS 24(DX), Y6
	VBROADCASTSS 28(DX), Y7
	VBROADCASTSS 32(DX), Y8
	VANDPS       Y12, Y0, Y0
	VANDPS       Y12, Y3, Y3
	VANDPS       Y12, Y6, Y6
	VANDPS       Y13, Y2, Y2
	VANDPS       Y13, Y5, Y5
	VANDPS       Y13, Y8, Y8
	VORPS        Y15, Y0, Y0
	VORPS        Y15, Y3, Y3
	VORPS        Y15, Y6, Y6
	VORPS        Y14, Y2, Y2
	VORPS        Y14, Y5, Y5
	VORPS        Y14, Y8, Y8
	XORQ         R11, R11

dwsmall8row:
	VMOVAPS Y10, Y9
	TESTQ   R11, R11
	JZ      dwsmall8notop
	MOVQ    SI, R12
	SUBQ    R10, R12
	TAPROW8(R12, Y0, Y1, Y2)

dwsmall8notop:
	TAPROW8(SI, Y3, Y4, Y5)
	LEAQ 1(R11), AX
	CMPQ AX, R8
	JGE  dwsmall8nobottom
	LEAQ (SI)(R10*1), R12
	TAPROW8(R12, Y6, Y7, Y8)

dwsmall8nobottom:
	VMASKMOVPS Y9, Y11, (DI)
	ADDQ       R10, SI
	ADDQ       R10, DI
	INCQ       R11
	CMPQ       R11, R8
	JLT        dwsmall8row
	VZEROUPPER
	RET

// A whole stride-2 Depthwise3x3 plane of width 1-16 (the box head's 14x14 -> 7x7), one output
// row per YMM register (dw3x3s2SmallAVX2 in kernels_amd64.go). Each input row is two masked
// loads (columns 0-7 and 8-15; zeros past the row), split by VSHUFPS and VPERMPD into its even
// columns (each output's centre tap, 2x) and odd ones (the right tap, 2x+1); VPERMPS moves the
// odd ones up a lane for the left tap (2x-1), and the lanes without a left column are zeroed. The
// left and right weights are -0 in the lanes whose window has no such column, so such a lane
// adds 0 * -0 = -0, which leaves its sum as it is (as dw3x3s1SmallAVX2): padding is never read
// nor a weight multiplied by it.
//
// The masks come packed from the Go driver (s2Masks): bits 0-15 the input row's lanes (Y11: 0-7,
// Y12: 8-15), 16-31 the outputs with a left column (spread into 0(SP)), 32-47 all outputs
// (32(SP), for the store), 48-63 the outputs with a right column (applied to the weights).
//
// Register use: DI the output row; R12 the input row 2*oy; R8 h; R9 oh; R10 and R13 the input and
// output row strides in bytes; R11 oy; Y0-Y8 the weights, Y9 the row's sums, Y10 the even columns,
// Y15 the odd ones, Y14 scratch, Y13 the left tap's lane order.

// Output lane i takes odd column i-1 (lane 0 wraps to 7 and is zeroed).
DATA leftLanes8<>+0(SB)/4, $7
DATA leftLanes8<>+4(SB)/4, $0
DATA leftLanes8<>+8(SB)/4, $1
DATA leftLanes8<>+12(SB)/4, $2
DATA leftLanes8<>+16(SB)/4, $3
DATA leftLanes8<>+20(SB)/4, $4
DATA leftLanes8<>+24(SB)/4, $5
DATA leftLanes8<>+28(SB)/4, $6
GLOBL leftLanes8<>(SB), RODATA|NOPTR, $32

// S2ROW8 adds the input row at base times the weights wl, wc, wr of one filter row.
#define S2ROW8(base, wl, wc, wr) \
	SPLIT8(base); \
	VFMADD231PS Y14, wl, Y9; \
	VFMADD231PS Y10, wc, Y9; \
	VFMADD231PS Y15, wr, Y9

// func dw3x3s2SmallAVX2(out, in *float32, h, w, oh, ow int, masks uint64, wt *float32, bias float32)
TEXT ·dw3x3s2SmallAVX2(SB), NOSPLIT, $64-68
	S2ARGS8
	MOVQ         wt+56(FP), DX
	S2MASKS8
	SHRQ         $16, BX
	LANEMASK(Y15)
	VBROADCASTSS (DX), Y0
	VBROADCASTSS 4(DX), Y1
	VBROADCASTSS 8(DX), Y2
	VBROADCASTSS 12(DX), Y3
	VBROADCASTSS 16(DX), Y4
	VBROADCASTSS 20(DX), Y5
	VBROADCASTSS 24(DX), Y6
	VBROADCASTSS 28(DX), Y7
	VBROADCASTSS 32(DX), Y8
	NEGZEROS(Y9)
	VMOVUPS      (SP), Y10
	VANDNPS      Y9, Y10, Y10 // -0 in the lanes without a left column
	VANDNPS      Y9, Y15, Y9  // -0 in the lanes without a right column
	VANDPS       (SP), Y0, Y0
	VANDPS       (SP), Y3, Y3
	VANDPS       (SP), Y6, Y6
	VANDPS       Y15, Y2, Y2
	VANDPS       Y15, Y5, Y5
	VANDPS       Y15, Y8, Y8
	VORPS        Y10, Y0, Y0
	VORPS        Y10, Y3, Y3
	VORPS        Y10, Y6, Y6
	VORPS        Y9, Y2, Y2
	VORPS        Y9, Y5, Y5
	VORPS        Y9, Y8, Y8
	VMOVDQU      leftLanes8<>(SB), Y13
	XORQ         R11, R11

dws2small8row:
	VBROADCASTSS bias+64(FP), Y9
	TESTQ        R11, R11
	JZ           dws2small8notop
	MOVQ         R12, BX
	SUBQ         R10, BX
	S2ROW8(BX, Y0, Y1, Y2)

dws2small8notop:
	S2ROW8(R12, Y3, Y4, Y5)
	LEAQ (R11)(R11*1), AX
	INCQ AX
	CMPQ AX, R8
	JGE  dws2small8nobottom
	LEAQ (R12)(R10*1), BX
	S2ROW8(BX, Y6, Y7, Y8)

dws2small8nobottom:
	VMOVUPS    32(SP), Y14
	VMASKMOVPS Y9, Y14, (DI)
	LEAQ       (R12)(R10*2), R12
	ADDQ       R13, DI
	INCQ       R11
	CMPQ       R11, R9
	JLT        dws2small8row
	VZEROUPPER
	RET

// func avgPoolSmallAVX2(out, in *float32, h, w, oh, ow int, masks uint64)
//
// A whole 3x3 stride-2 average-pool plane of width 1-16 (the box head's 14x14 -> 7x7), bit for
// bit with its plain loop (AVX2): the columns split as in dw3x3s2SmallAVX2, each window's values
// added in the plain loop's order (rows top down, columns left to right) from zero, then divided
// by 9. A tap outside the plane adds a zero from a masked load (the left tap's wrapped lane is
// zeroed): a sum that starts from +0 is never -0, so adding +0 leaves it as the plain loop, which
// skips the tap, has it. Registers as there; Y0 holds 9.
#define POOLROW8(base) \
	SPLIT8(base); \
	VADDPS     Y14, Y9, Y9; \
	VADDPS     Y10, Y9, Y9; \
	VADDPS     Y15, Y9, Y9

TEXT ·avgPoolSmallAVX2(SB), NOSPLIT, $64-56
	S2ARGS8
	S2MASKS8
	MOVL         $0x41100000, AX // 9.0
	VMOVD        AX, X0
	VPBROADCASTD X0, Y0
	VMOVDQU      leftLanes8<>(SB), Y13
	XORQ         R11, R11

poolsmall8row:
	VXORPS Y9, Y9, Y9
	TESTQ  R11, R11
	JZ     poolsmall8notop
	MOVQ   R12, BX
	SUBQ   R10, BX
	POOLROW8(BX)

poolsmall8notop:
	POOLROW8(R12)
	LEAQ (R11)(R11*1), AX
	INCQ AX
	CMPQ AX, R8
	JGE  poolsmall8nobottom
	LEAQ (R12)(R10*1), BX
	POOLROW8(BX)

poolsmall8nobottom:
	VDIVPS     Y0, Y9, Y9
	VMOVUPS    32(SP), Y14
	VMASKMOVPS Y9, Y14, (DI)
	LEAQ       (R12)(R10*2), R12
	ADDQ       R13, DI
	INCQ       R11
	CMPQ       R11, R9
	JLT        poolsmall8row
	VZEROUPPER
	RET
