//go:build !noasm

#include "textflag.h"

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
//
// Accumulators: row i uses register 2i (columns 0-7 / 0-15) and 2i+1 (8-15 / 16-31); 12, 13 hold
// the row of b; 14 the broadcast element of a; 15 is scratch.

// One row of the 6x16 AVX2 tile: c0:c1 += a[row, p] * Y12:Y13.
#define FMA16(addr, c0, c1) VBROADCASTSS addr, Y14; VFMADD231PS Y12, Y14, c0; VFMADD231PS Y13, Y14, c1
// One row of the 6x8 AVX2 tile.
#define FMA8(addr, c0) VBROADCASTSS addr, Y14; VFMADD231PS Y12, Y14, c0
// c[row, 0:8] += acc.
#define ADD8(addr, acc) VADDPS addr, acc, acc; VMOVUPS acc, addr

// One row of the 6x32 AVX-512 tile.
#define FMA32(addr, c0, c1) VBROADCASTSS addr, Z14; VFMADD231PS Z12, Z14, c0; VFMADD231PS Z13, Z14, c1
// c[row, 0:16] += acc; the masked form touches only the lanes set in k.
#define ADD16(addr, acc) VADDPS addr, acc, acc; VMOVUPS acc, addr
#define ADD16M(addr, k, acc) VMOVUPS.Z addr, k, Z15; VADDPS Z15, acc, acc; VMOVUPS acc, k, addr

// Per row count r (1..6): clear the accumulators, the k-step's FMAs, the update of c.

#define ZERO16_1 VXORPS Y0, Y0, Y0; VXORPS Y1, Y1, Y1
#define FMAS16_1 FMA16((SI), Y0, Y1)
#define STORE16_1 ADD8((DI), Y0); ADD8(32(DI), Y1)
#define ZERO8_1 VXORPS Y0, Y0, Y0
#define FMAS8_1 FMA8((SI), Y0)
#define STORE8_1 ADD8((DI), Y0)
#define ZERO32_1 VPXORD Z0, Z0, Z0; VPXORD Z1, Z1, Z1
#define FMAS32_1 FMA32((SI), Z0, Z1)
#define STORE32_1 ADD16((DI), Z0); ADD16(64(DI), Z1)
#define STORE32M_1 ADD16M((DI), K1, Z0); ADD16M(64(DI), K2, Z1)

#define ZERO16_2 VXORPS Y0, Y0, Y0; VXORPS Y1, Y1, Y1; VXORPS Y2, Y2, Y2; VXORPS Y3, Y3, Y3
#define FMAS16_2 FMA16((SI), Y0, Y1); FMA16((SI)(R8*1), Y2, Y3)
#define STORE16_2 ADD8((DI), Y0); ADD8(32(DI), Y1); ADD8((DI)(R12*1), Y2); ADD8(32(DI)(R12*1), Y3)
#define ZERO8_2 VXORPS Y0, Y0, Y0; VXORPS Y2, Y2, Y2
#define FMAS8_2 FMA8((SI), Y0); FMA8((SI)(R8*1), Y2)
#define STORE8_2 ADD8((DI), Y0); ADD8((DI)(R12*1), Y2)
#define ZERO32_2 VPXORD Z0, Z0, Z0; VPXORD Z1, Z1, Z1; VPXORD Z2, Z2, Z2; VPXORD Z3, Z3, Z3
#define FMAS32_2 FMA32((SI), Z0, Z1); FMA32((SI)(R8*1), Z2, Z3)
#define STORE32_2 ADD16((DI), Z0); ADD16(64(DI), Z1); ADD16((DI)(R12*1), Z2); ADD16(64(DI)(R12*1), Z3)
#define STORE32M_2 ADD16M((DI), K1, Z0); ADD16M(64(DI), K2, Z1); ADD16M((DI)(R12*1), K1, Z2); ADD16M(64(DI)(R12*1), K2, Z3)

#define ZERO16_3 VXORPS Y0, Y0, Y0; VXORPS Y1, Y1, Y1; VXORPS Y2, Y2, Y2; VXORPS Y3, Y3, Y3; VXORPS Y4, Y4, Y4; VXORPS Y5, Y5, Y5
#define FMAS16_3 FMA16((SI), Y0, Y1); FMA16((SI)(R8*1), Y2, Y3); FMA16((SI)(R8*2), Y4, Y5)
#define STORE16_3 ADD8((DI), Y0); ADD8(32(DI), Y1); ADD8((DI)(R12*1), Y2); ADD8(32(DI)(R12*1), Y3); ADD8((DI)(R12*2), Y4); ADD8(32(DI)(R12*2), Y5)
#define ZERO8_3 VXORPS Y0, Y0, Y0; VXORPS Y2, Y2, Y2; VXORPS Y4, Y4, Y4
#define FMAS8_3 FMA8((SI), Y0); FMA8((SI)(R8*1), Y2); FMA8((SI)(R8*2), Y4)
#define STORE8_3 ADD8((DI), Y0); ADD8((DI)(R12*1), Y2); ADD8((DI)(R12*2), Y4)
#define ZERO32_3 VPXORD Z0, Z0, Z0; VPXORD Z1, Z1, Z1; VPXORD Z2, Z2, Z2; VPXORD Z3, Z3, Z3; VPXORD Z4, Z4, Z4; VPXORD Z5, Z5, Z5
#define FMAS32_3 FMA32((SI), Z0, Z1); FMA32((SI)(R8*1), Z2, Z3); FMA32((SI)(R8*2), Z4, Z5)
#define STORE32_3 ADD16((DI), Z0); ADD16(64(DI), Z1); ADD16((DI)(R12*1), Z2); ADD16(64(DI)(R12*1), Z3); ADD16((DI)(R12*2), Z4); ADD16(64(DI)(R12*2), Z5)
#define STORE32M_3 ADD16M((DI), K1, Z0); ADD16M(64(DI), K2, Z1); ADD16M((DI)(R12*1), K1, Z2); ADD16M(64(DI)(R12*1), K2, Z3); ADD16M((DI)(R12*2), K1, Z4); ADD16M(64(DI)(R12*2), K2, Z5)

#define ZERO16_4 VXORPS Y0, Y0, Y0; VXORPS Y1, Y1, Y1; VXORPS Y2, Y2, Y2; VXORPS Y3, Y3, Y3; VXORPS Y4, Y4, Y4; VXORPS Y5, Y5, Y5; VXORPS Y6, Y6, Y6; VXORPS Y7, Y7, Y7
#define FMAS16_4 FMA16((SI), Y0, Y1); FMA16((SI)(R8*1), Y2, Y3); FMA16((SI)(R8*2), Y4, Y5); FMA16((SI)(R9*1), Y6, Y7)
#define STORE16_4 ADD8((DI), Y0); ADD8(32(DI), Y1); ADD8((DI)(R12*1), Y2); ADD8(32(DI)(R12*1), Y3); ADD8((DI)(R12*2), Y4); ADD8(32(DI)(R12*2), Y5); ADD8((DI)(R13*1), Y6); ADD8(32(DI)(R13*1), Y7)
#define ZERO8_4 VXORPS Y0, Y0, Y0; VXORPS Y2, Y2, Y2; VXORPS Y4, Y4, Y4; VXORPS Y6, Y6, Y6
#define FMAS8_4 FMA8((SI), Y0); FMA8((SI)(R8*1), Y2); FMA8((SI)(R8*2), Y4); FMA8((SI)(R9*1), Y6)
#define STORE8_4 ADD8((DI), Y0); ADD8((DI)(R12*1), Y2); ADD8((DI)(R12*2), Y4); ADD8((DI)(R13*1), Y6)
#define ZERO32_4 VPXORD Z0, Z0, Z0; VPXORD Z1, Z1, Z1; VPXORD Z2, Z2, Z2; VPXORD Z3, Z3, Z3; VPXORD Z4, Z4, Z4; VPXORD Z5, Z5, Z5; VPXORD Z6, Z6, Z6; VPXORD Z7, Z7, Z7
#define FMAS32_4 FMA32((SI), Z0, Z1); FMA32((SI)(R8*1), Z2, Z3); FMA32((SI)(R8*2), Z4, Z5); FMA32((SI)(R9*1), Z6, Z7)
#define STORE32_4 ADD16((DI), Z0); ADD16(64(DI), Z1); ADD16((DI)(R12*1), Z2); ADD16(64(DI)(R12*1), Z3); ADD16((DI)(R12*2), Z4); ADD16(64(DI)(R12*2), Z5); ADD16((DI)(R13*1), Z6); ADD16(64(DI)(R13*1), Z7)
#define STORE32M_4 ADD16M((DI), K1, Z0); ADD16M(64(DI), K2, Z1); ADD16M((DI)(R12*1), K1, Z2); ADD16M(64(DI)(R12*1), K2, Z3); ADD16M((DI)(R12*2), K1, Z4); ADD16M(64(DI)(R12*2), K2, Z5); ADD16M((DI)(R13*1), K1, Z6); ADD16M(64(DI)(R13*1), K2, Z7)

#define ZERO16_5 VXORPS Y0, Y0, Y0; VXORPS Y1, Y1, Y1; VXORPS Y2, Y2, Y2; VXORPS Y3, Y3, Y3; VXORPS Y4, Y4, Y4; VXORPS Y5, Y5, Y5; VXORPS Y6, Y6, Y6; VXORPS Y7, Y7, Y7; VXORPS Y8, Y8, Y8; VXORPS Y9, Y9, Y9
#define FMAS16_5 FMA16((SI), Y0, Y1); FMA16((SI)(R8*1), Y2, Y3); FMA16((SI)(R8*2), Y4, Y5); FMA16((SI)(R9*1), Y6, Y7); FMA16((R10), Y8, Y9)
#define STORE16_5 ADD8((DI), Y0); ADD8(32(DI), Y1); ADD8((DI)(R12*1), Y2); ADD8(32(DI)(R12*1), Y3); ADD8((DI)(R12*2), Y4); ADD8(32(DI)(R12*2), Y5); ADD8((DI)(R13*1), Y6); ADD8(32(DI)(R13*1), Y7); ADD8((BX), Y8); ADD8(32(BX), Y9)
#define ZERO8_5 VXORPS Y0, Y0, Y0; VXORPS Y2, Y2, Y2; VXORPS Y4, Y4, Y4; VXORPS Y6, Y6, Y6; VXORPS Y8, Y8, Y8
#define FMAS8_5 FMA8((SI), Y0); FMA8((SI)(R8*1), Y2); FMA8((SI)(R8*2), Y4); FMA8((SI)(R9*1), Y6); FMA8((R10), Y8)
#define STORE8_5 ADD8((DI), Y0); ADD8((DI)(R12*1), Y2); ADD8((DI)(R12*2), Y4); ADD8((DI)(R13*1), Y6); ADD8((BX), Y8)
#define ZERO32_5 VPXORD Z0, Z0, Z0; VPXORD Z1, Z1, Z1; VPXORD Z2, Z2, Z2; VPXORD Z3, Z3, Z3; VPXORD Z4, Z4, Z4; VPXORD Z5, Z5, Z5; VPXORD Z6, Z6, Z6; VPXORD Z7, Z7, Z7; VPXORD Z8, Z8, Z8; VPXORD Z9, Z9, Z9
#define FMAS32_5 FMA32((SI), Z0, Z1); FMA32((SI)(R8*1), Z2, Z3); FMA32((SI)(R8*2), Z4, Z5); FMA32((SI)(R9*1), Z6, Z7); FMA32((R10), Z8, Z9)
#define STORE32_5 ADD16((DI), Z0); ADD16(64(DI), Z1); ADD16((DI)(R12*1), Z2); ADD16(64(DI)(R12*1), Z3); ADD16((DI)(R12*2), Z4); ADD16(64(DI)(R12*2), Z5); ADD16((DI)(R13*1), Z6); ADD16(64(DI)(R13*1), Z7); ADD16((BX), Z8); ADD16(64(BX), Z9)
#define STORE32M_5 ADD16M((DI), K1, Z0); ADD16M(64(DI), K2, Z1); ADD16M((DI)(R12*1), K1, Z2); ADD16M(64(DI)(R12*1), K2, Z3); ADD16M((DI)(R12*2), K1, Z4); ADD16M(64(DI)(R12*2), K2, Z5); ADD16M((DI)(R13*1), K1, Z6); ADD16M(64(DI)(R13*1), K2, Z7); ADD16M((BX), K1, Z8); ADD16M(64(BX), K2, Z9)

#define ZERO16_6 VXORPS Y0, Y0, Y0; VXORPS Y1, Y1, Y1; VXORPS Y2, Y2, Y2; VXORPS Y3, Y3, Y3; VXORPS Y4, Y4, Y4; VXORPS Y5, Y5, Y5; VXORPS Y6, Y6, Y6; VXORPS Y7, Y7, Y7; VXORPS Y8, Y8, Y8; VXORPS Y9, Y9, Y9; VXORPS Y10, Y10, Y10; VXORPS Y11, Y11, Y11
#define FMAS16_6 FMA16((SI), Y0, Y1); FMA16((SI)(R8*1), Y2, Y3); FMA16((SI)(R8*2), Y4, Y5); FMA16((SI)(R9*1), Y6, Y7); FMA16((R10), Y8, Y9); FMA16((R10)(R8*1), Y10, Y11)
#define STORE16_6 ADD8((DI), Y0); ADD8(32(DI), Y1); ADD8((DI)(R12*1), Y2); ADD8(32(DI)(R12*1), Y3); ADD8((DI)(R12*2), Y4); ADD8(32(DI)(R12*2), Y5); ADD8((DI)(R13*1), Y6); ADD8(32(DI)(R13*1), Y7); ADD8((BX), Y8); ADD8(32(BX), Y9); ADD8((BX)(R12*1), Y10); ADD8(32(BX)(R12*1), Y11)
#define ZERO8_6 VXORPS Y0, Y0, Y0; VXORPS Y2, Y2, Y2; VXORPS Y4, Y4, Y4; VXORPS Y6, Y6, Y6; VXORPS Y8, Y8, Y8; VXORPS Y10, Y10, Y10
#define FMAS8_6 FMA8((SI), Y0); FMA8((SI)(R8*1), Y2); FMA8((SI)(R8*2), Y4); FMA8((SI)(R9*1), Y6); FMA8((R10), Y8); FMA8((R10)(R8*1), Y10)
#define STORE8_6 ADD8((DI), Y0); ADD8((DI)(R12*1), Y2); ADD8((DI)(R12*2), Y4); ADD8((DI)(R13*1), Y6); ADD8((BX), Y8); ADD8((BX)(R12*1), Y10)
#define ZERO32_6 VPXORD Z0, Z0, Z0; VPXORD Z1, Z1, Z1; VPXORD Z2, Z2, Z2; VPXORD Z3, Z3, Z3; VPXORD Z4, Z4, Z4; VPXORD Z5, Z5, Z5; VPXORD Z6, Z6, Z6; VPXORD Z7, Z7, Z7; VPXORD Z8, Z8, Z8; VPXORD Z9, Z9, Z9; VPXORD Z10, Z10, Z10; VPXORD Z11, Z11, Z11
#define FMAS32_6 FMA32((SI), Z0, Z1); FMA32((SI)(R8*1), Z2, Z3); FMA32((SI)(R8*2), Z4, Z5); FMA32((SI)(R9*1), Z6, Z7); FMA32((R10), Z8, Z9); FMA32((R10)(R8*1), Z10, Z11)
#define STORE32_6 ADD16((DI), Z0); ADD16(64(DI), Z1); ADD16((DI)(R12*1), Z2); ADD16(64(DI)(R12*1), Z3); ADD16((DI)(R12*2), Z4); ADD16(64(DI)(R12*2), Z5); ADD16((DI)(R13*1), Z6); ADD16(64(DI)(R13*1), Z7); ADD16((BX), Z8); ADD16(64(BX), Z9); ADD16((BX)(R12*1), Z10); ADD16(64(BX)(R12*1), Z11)
#define STORE32M_6 ADD16M((DI), K1, Z0); ADD16M(64(DI), K2, Z1); ADD16M((DI)(R12*1), K1, Z2); ADD16M(64(DI)(R12*1), K2, Z3); ADD16M((DI)(R12*2), K1, Z4); ADD16M(64(DI)(R12*2), K2, Z5); ADD16M((DI)(R13*1), K1, Z6); ADD16M(64(DI)(R13*1), K2, Z7); ADD16M((BX), K1, Z8); ADD16M(64(BX), K2, Z9); ADD16M((BX)(R12*1), K1, Z10); ADD16M(64(BX)(R12*1), K2, Z11)

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

// func sgemmKernelAVX2(rows, k, n int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int)
TEXT ·sgemmKernelAVX2(SB), NOSPLIT, $0-72
	SETUP
	MOVQ rows+0(FP), CX
	CMPQ CX, $6
	JEQ  avx2rows6
	CMPQ CX, $5
	JEQ  avx2rows5
	CMPQ CX, $4
	JEQ  avx2rows4
	CMPQ CX, $3
	JEQ  avx2rows3
	CMPQ CX, $2
	JEQ  avx2rows2
	JMP  avx2rows1

avx2rows6:
	CMPQ DX, $16
	JLT  avx2rows6n8

avx2rows6n16:
	STRIP
	ZERO16_6

avx2rows6k16:
	VMOVUPS (BX), Y12
	VMOVUPS 32(BX), Y13
	FMAS16_6
	NEXTK
	JNZ     avx2rows6k16

	LEAQ (DI)(R12*4), BX
	STORE16_6
	ADDQ $64, DI
	ADDQ $64, R14
	SUBQ $16, DX
	CMPQ DX, $16
	JGE  avx2rows6n16

avx2rows6n8:
	CMPQ DX, $8
	JLT  avx2done
	STRIP
	ZERO8_6

avx2rows6k8:
	VMOVUPS (BX), Y12
	FMAS8_6
	NEXTK
	JNZ     avx2rows6k8

	LEAQ (DI)(R12*4), BX
	STORE8_6
	JMP avx2done

avx2rows5:
	CMPQ DX, $16
	JLT  avx2rows5n8

avx2rows5n16:
	STRIP
	ZERO16_5

avx2rows5k16:
	VMOVUPS (BX), Y12
	VMOVUPS 32(BX), Y13
	FMAS16_5
	NEXTK
	JNZ     avx2rows5k16

	LEAQ (DI)(R12*4), BX
	STORE16_5
	ADDQ $64, DI
	ADDQ $64, R14
	SUBQ $16, DX
	CMPQ DX, $16
	JGE  avx2rows5n16

avx2rows5n8:
	CMPQ DX, $8
	JLT  avx2done
	STRIP
	ZERO8_5

avx2rows5k8:
	VMOVUPS (BX), Y12
	FMAS8_5
	NEXTK
	JNZ     avx2rows5k8

	LEAQ (DI)(R12*4), BX
	STORE8_5
	JMP avx2done

avx2rows4:
	CMPQ DX, $16
	JLT  avx2rows4n8

avx2rows4n16:
	STRIP
	ZERO16_4

avx2rows4k16:
	VMOVUPS (BX), Y12
	VMOVUPS 32(BX), Y13
	FMAS16_4
	NEXTK
	JNZ     avx2rows4k16

	LEAQ (DI)(R12*4), BX
	STORE16_4
	ADDQ $64, DI
	ADDQ $64, R14
	SUBQ $16, DX
	CMPQ DX, $16
	JGE  avx2rows4n16

avx2rows4n8:
	CMPQ DX, $8
	JLT  avx2done
	STRIP
	ZERO8_4

avx2rows4k8:
	VMOVUPS (BX), Y12
	FMAS8_4
	NEXTK
	JNZ     avx2rows4k8

	LEAQ (DI)(R12*4), BX
	STORE8_4
	JMP avx2done

avx2rows3:
	CMPQ DX, $16
	JLT  avx2rows3n8

avx2rows3n16:
	STRIP
	ZERO16_3

avx2rows3k16:
	VMOVUPS (BX), Y12
	VMOVUPS 32(BX), Y13
	FMAS16_3
	NEXTK
	JNZ     avx2rows3k16

	LEAQ (DI)(R12*4), BX
	STORE16_3
	ADDQ $64, DI
	ADDQ $64, R14
	SUBQ $16, DX
	CMPQ DX, $16
	JGE  avx2rows3n16

avx2rows3n8:
	CMPQ DX, $8
	JLT  avx2done
	STRIP
	ZERO8_3

avx2rows3k8:
	VMOVUPS (BX), Y12
	FMAS8_3
	NEXTK
	JNZ     avx2rows3k8

	LEAQ (DI)(R12*4), BX
	STORE8_3
	JMP avx2done

avx2rows2:
	CMPQ DX, $16
	JLT  avx2rows2n8

avx2rows2n16:
	STRIP
	ZERO16_2

avx2rows2k16:
	VMOVUPS (BX), Y12
	VMOVUPS 32(BX), Y13
	FMAS16_2
	NEXTK
	JNZ     avx2rows2k16

	LEAQ (DI)(R12*4), BX
	STORE16_2
	ADDQ $64, DI
	ADDQ $64, R14
	SUBQ $16, DX
	CMPQ DX, $16
	JGE  avx2rows2n16

avx2rows2n8:
	CMPQ DX, $8
	JLT  avx2done
	STRIP
	ZERO8_2

avx2rows2k8:
	VMOVUPS (BX), Y12
	FMAS8_2
	NEXTK
	JNZ     avx2rows2k8

	LEAQ (DI)(R12*4), BX
	STORE8_2
	JMP avx2done

avx2rows1:
	CMPQ DX, $16
	JLT  avx2rows1n8

avx2rows1n16:
	STRIP
	ZERO16_1

avx2rows1k16:
	VMOVUPS (BX), Y12
	VMOVUPS 32(BX), Y13
	FMAS16_1
	NEXTK
	JNZ     avx2rows1k16

	LEAQ (DI)(R12*4), BX
	STORE16_1
	ADDQ $64, DI
	ADDQ $64, R14
	SUBQ $16, DX
	CMPQ DX, $16
	JGE  avx2rows1n16

avx2rows1n8:
	CMPQ DX, $8
	JLT  avx2done
	STRIP
	ZERO8_1

avx2rows1k8:
	VMOVUPS (BX), Y12
	FMAS8_1
	NEXTK
	JNZ     avx2rows1k8

	LEAQ (DI)(R12*4), BX
	STORE8_1
	JMP avx2done

avx2done:
	VZEROUPPER
	RET

// func sgemmKernelAVX512(rows, k, n int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int)
TEXT ·sgemmKernelAVX512(SB), NOSPLIT, $0-72
	SETUP
	MOVQ rows+0(FP), CX
	CMPQ CX, $6
	JEQ  avx512rows6
	CMPQ CX, $5
	JEQ  avx512rows5
	CMPQ CX, $4
	JEQ  avx512rows4
	CMPQ CX, $3
	JEQ  avx512rows3
	CMPQ CX, $2
	JEQ  avx512rows2
	JMP  avx512rows1

avx512rows6:
	CMPQ DX, $32
	JLT  avx512rows6tail

avx512rows6n32:
	STRIP
	ZERO32_6

avx512rows6k32:
	VMOVUPS (BX), Z12
	VMOVUPS 64(BX), Z13
	FMAS32_6
	NEXTK
	JNZ     avx512rows6k32

	LEAQ (DI)(R12*4), BX
	STORE32_6
	ADDQ $128, DI
	ADDQ $128, R14
	SUBQ $32, DX
	CMPQ DX, $32
	JGE  avx512rows6n32

avx512rows6tail:
	TESTQ DX, DX
	JZ    avx512done
	MOVQ  DX, CX
	MOVQ  $1, BX
	SHLQ  CX, BX
	DECQ  BX
	KMOVW BX, K1
	SHRQ  $16, BX
	KMOVW BX, K2
	STRIP
	ZERO32_6

avx512rows6kt:
	VMOVUPS.Z (BX), K1, Z12
	VMOVUPS.Z 64(BX), K2, Z13
	FMAS32_6
	NEXTK
	JNZ       avx512rows6kt

	LEAQ (DI)(R12*4), BX
	STORE32M_6
	JMP avx512done

avx512rows5:
	CMPQ DX, $32
	JLT  avx512rows5tail

avx512rows5n32:
	STRIP
	ZERO32_5

avx512rows5k32:
	VMOVUPS (BX), Z12
	VMOVUPS 64(BX), Z13
	FMAS32_5
	NEXTK
	JNZ     avx512rows5k32

	LEAQ (DI)(R12*4), BX
	STORE32_5
	ADDQ $128, DI
	ADDQ $128, R14
	SUBQ $32, DX
	CMPQ DX, $32
	JGE  avx512rows5n32

avx512rows5tail:
	TESTQ DX, DX
	JZ    avx512done
	MOVQ  DX, CX
	MOVQ  $1, BX
	SHLQ  CX, BX
	DECQ  BX
	KMOVW BX, K1
	SHRQ  $16, BX
	KMOVW BX, K2
	STRIP
	ZERO32_5

avx512rows5kt:
	VMOVUPS.Z (BX), K1, Z12
	VMOVUPS.Z 64(BX), K2, Z13
	FMAS32_5
	NEXTK
	JNZ       avx512rows5kt

	LEAQ (DI)(R12*4), BX
	STORE32M_5
	JMP avx512done

avx512rows4:
	CMPQ DX, $32
	JLT  avx512rows4tail

avx512rows4n32:
	STRIP
	ZERO32_4

avx512rows4k32:
	VMOVUPS (BX), Z12
	VMOVUPS 64(BX), Z13
	FMAS32_4
	NEXTK
	JNZ     avx512rows4k32

	LEAQ (DI)(R12*4), BX
	STORE32_4
	ADDQ $128, DI
	ADDQ $128, R14
	SUBQ $32, DX
	CMPQ DX, $32
	JGE  avx512rows4n32

avx512rows4tail:
	TESTQ DX, DX
	JZ    avx512done
	MOVQ  DX, CX
	MOVQ  $1, BX
	SHLQ  CX, BX
	DECQ  BX
	KMOVW BX, K1
	SHRQ  $16, BX
	KMOVW BX, K2
	STRIP
	ZERO32_4

avx512rows4kt:
	VMOVUPS.Z (BX), K1, Z12
	VMOVUPS.Z 64(BX), K2, Z13
	FMAS32_4
	NEXTK
	JNZ       avx512rows4kt

	LEAQ (DI)(R12*4), BX
	STORE32M_4
	JMP avx512done

avx512rows3:
	CMPQ DX, $32
	JLT  avx512rows3tail

avx512rows3n32:
	STRIP
	ZERO32_3

avx512rows3k32:
	VMOVUPS (BX), Z12
	VMOVUPS 64(BX), Z13
	FMAS32_3
	NEXTK
	JNZ     avx512rows3k32

	LEAQ (DI)(R12*4), BX
	STORE32_3
	ADDQ $128, DI
	ADDQ $128, R14
	SUBQ $32, DX
	CMPQ DX, $32
	JGE  avx512rows3n32

avx512rows3tail:
	TESTQ DX, DX
	JZ    avx512done
	MOVQ  DX, CX
	MOVQ  $1, BX
	SHLQ  CX, BX
	DECQ  BX
	KMOVW BX, K1
	SHRQ  $16, BX
	KMOVW BX, K2
	STRIP
	ZERO32_3

avx512rows3kt:
	VMOVUPS.Z (BX), K1, Z12
	VMOVUPS.Z 64(BX), K2, Z13
	FMAS32_3
	NEXTK
	JNZ       avx512rows3kt

	LEAQ (DI)(R12*4), BX
	STORE32M_3
	JMP avx512done

avx512rows2:
	CMPQ DX, $32
	JLT  avx512rows2tail

avx512rows2n32:
	STRIP
	ZERO32_2

avx512rows2k32:
	VMOVUPS (BX), Z12
	VMOVUPS 64(BX), Z13
	FMAS32_2
	NEXTK
	JNZ     avx512rows2k32

	LEAQ (DI)(R12*4), BX
	STORE32_2
	ADDQ $128, DI
	ADDQ $128, R14
	SUBQ $32, DX
	CMPQ DX, $32
	JGE  avx512rows2n32

avx512rows2tail:
	TESTQ DX, DX
	JZ    avx512done
	MOVQ  DX, CX
	MOVQ  $1, BX
	SHLQ  CX, BX
	DECQ  BX
	KMOVW BX, K1
	SHRQ  $16, BX
	KMOVW BX, K2
	STRIP
	ZERO32_2

avx512rows2kt:
	VMOVUPS.Z (BX), K1, Z12
	VMOVUPS.Z 64(BX), K2, Z13
	FMAS32_2
	NEXTK
	JNZ       avx512rows2kt

	LEAQ (DI)(R12*4), BX
	STORE32M_2
	JMP avx512done

avx512rows1:
	CMPQ DX, $32
	JLT  avx512rows1tail

avx512rows1n32:
	STRIP
	ZERO32_1

avx512rows1k32:
	VMOVUPS (BX), Z12
	VMOVUPS 64(BX), Z13
	FMAS32_1
	NEXTK
	JNZ     avx512rows1k32

	LEAQ (DI)(R12*4), BX
	STORE32_1
	ADDQ $128, DI
	ADDQ $128, R14
	SUBQ $32, DX
	CMPQ DX, $32
	JGE  avx512rows1n32

avx512rows1tail:
	TESTQ DX, DX
	JZ    avx512done
	MOVQ  DX, CX
	MOVQ  $1, BX
	SHLQ  CX, BX
	DECQ  BX
	KMOVW BX, K1
	SHRQ  $16, BX
	KMOVW BX, K2
	STRIP
	ZERO32_1

avx512rows1kt:
	VMOVUPS.Z (BX), K1, Z12
	VMOVUPS.Z 64(BX), K2, Z13
	FMAS32_1
	NEXTK
	JNZ       avx512rows1kt

	LEAQ (DI)(R12*4), BX
	STORE32M_1
	JMP avx512done

avx512done:
	VZEROUPPER
	RET

// func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)
TEXT ·cpuid(SB), NOSPLIT, $0-24
	MOVL eaxArg+0(FP), AX
	MOVL ecxArg+4(FP), CX
	CPUID
	MOVL AX, eax+8(FP)
	MOVL BX, ebx+12(FP)
	MOVL CX, ecx+16(FP)
	MOVL DX, edx+20(FP)
	RET

// func xgetbv() (eax, edx uint32)
TEXT ·xgetbv(SB), NOSPLIT, $0-8
	MOVL $0, CX
	XGETBV
	MOVL AX, eax+0(FP)
	MOVL DX, edx+4(FP)
	RET
