//go:build !noasm

#include "textflag.h"
#include "sgemm_amd64.h"

// sgemmKernelAVX2: 6x16 and 6x8 tiles of C in Y registers (AVX2 and FMA): row i in Y(2i)
// (columns 0-7) and Y(2i+1) (8-15); Y12, Y13 hold the row of b, Y14 the broadcast element of a,
// Y15 is scratch.

// One row of the 6x16 AVX2 tile: c0:c1 += a[row, p] * Y12:Y13.
#define FMA16(addr, c0, c1) VBROADCASTSS addr, Y14; VFMADD231PS Y12, Y14, c0; VFMADD231PS Y13, Y14, c1
// One row of the 6x8 AVX2 tile.
#define FMA8(addr, c0) VBROADCASTSS addr, Y14; VFMADD231PS Y12, Y14, c0
// The epilogue of one vector of a row (tileEpilogue, sgemm_tiled.go; Y12 keepC, Y13 addRes, Y14
// the floor, loaded by EPISETUP2 over the row of b and the broadcast, which the k loop reloads):
// acc += keepC ? c : bias (boff(CX)); acc += res where addRes; c = floor > acc ? floor : acc.
#define EPI8(caddr, raddr, boff, acc) \
	VBROADCASTSS boff(CX), Y15; \
	VBLENDVPS Y12, caddr, Y15, Y15; \
	VADDPS Y15, acc, acc; \
	VADDPS raddr, acc, Y15; \
	VBLENDVPS Y13, Y15, acc, acc; \
	VMAXPS acc, Y14, acc; \
	VMOVUPS acc, caddr
#define EPISETUP2 EPISETUP; VMOVUPS (CX), Y12; VMOVUPS 32(CX), Y13; VMOVUPS 64(CX), Y14

// Per row count r (1..6): clear the accumulators, the k-step's FMAs, the epilogue into c.

#define ZERO16_1 VXORPS Y0, Y0, Y0; VXORPS Y1, Y1, Y1
#define FMAS16_1 FMA16((SI), Y0, Y1)
#define STORE16_1 EPI8((DI), (SI), 96, Y0); EPI8(32(DI), 32(SI), 96, Y1)
#define ZERO8_1 VXORPS Y0, Y0, Y0
#define FMAS8_1 FMA8((SI), Y0)
#define STORE8_1 EPI8((DI), (SI), 96, Y0)

#define ZERO16_2 VXORPS Y0, Y0, Y0; VXORPS Y1, Y1, Y1; VXORPS Y2, Y2, Y2; VXORPS Y3, Y3, Y3
#define FMAS16_2 FMA16((SI), Y0, Y1); FMA16((SI)(R8*1), Y2, Y3)
#define STORE16_2 EPI8((DI), (SI), 96, Y0); EPI8(32(DI), 32(SI), 96, Y1); EPI8((DI)(R12*1), (SI)(R12*1), 100, Y2); EPI8(32(DI)(R12*1), 32(SI)(R12*1), 100, Y3)
#define ZERO8_2 VXORPS Y0, Y0, Y0; VXORPS Y2, Y2, Y2
#define FMAS8_2 FMA8((SI), Y0); FMA8((SI)(R8*1), Y2)
#define STORE8_2 EPI8((DI), (SI), 96, Y0); EPI8((DI)(R12*1), (SI)(R12*1), 100, Y2)

#define ZERO16_3 VXORPS Y0, Y0, Y0; VXORPS Y1, Y1, Y1; VXORPS Y2, Y2, Y2; VXORPS Y3, Y3, Y3; VXORPS Y4, Y4, Y4; VXORPS Y5, Y5, Y5
#define FMAS16_3 FMA16((SI), Y0, Y1); FMA16((SI)(R8*1), Y2, Y3); FMA16((SI)(R8*2), Y4, Y5)
#define STORE16_3 EPI8((DI), (SI), 96, Y0); EPI8(32(DI), 32(SI), 96, Y1); EPI8((DI)(R12*1), (SI)(R12*1), 100, Y2); EPI8(32(DI)(R12*1), 32(SI)(R12*1), 100, Y3); EPI8((DI)(R12*2), (SI)(R12*2), 104, Y4); EPI8(32(DI)(R12*2), 32(SI)(R12*2), 104, Y5)
#define ZERO8_3 VXORPS Y0, Y0, Y0; VXORPS Y2, Y2, Y2; VXORPS Y4, Y4, Y4
#define FMAS8_3 FMA8((SI), Y0); FMA8((SI)(R8*1), Y2); FMA8((SI)(R8*2), Y4)
#define STORE8_3 EPI8((DI), (SI), 96, Y0); EPI8((DI)(R12*1), (SI)(R12*1), 100, Y2); EPI8((DI)(R12*2), (SI)(R12*2), 104, Y4)

#define ZERO16_4 VXORPS Y0, Y0, Y0; VXORPS Y1, Y1, Y1; VXORPS Y2, Y2, Y2; VXORPS Y3, Y3, Y3; VXORPS Y4, Y4, Y4; VXORPS Y5, Y5, Y5; VXORPS Y6, Y6, Y6; VXORPS Y7, Y7, Y7
#define FMAS16_4 FMA16((SI), Y0, Y1); FMA16((SI)(R8*1), Y2, Y3); FMA16((SI)(R8*2), Y4, Y5); FMA16((SI)(R9*1), Y6, Y7)
#define STORE16_4 EPI8((DI), (SI), 96, Y0); EPI8(32(DI), 32(SI), 96, Y1); EPI8((DI)(R12*1), (SI)(R12*1), 100, Y2); EPI8(32(DI)(R12*1), 32(SI)(R12*1), 100, Y3); EPI8((DI)(R12*2), (SI)(R12*2), 104, Y4); EPI8(32(DI)(R12*2), 32(SI)(R12*2), 104, Y5); EPI8((DI)(R13*1), (SI)(R13*1), 108, Y6); EPI8(32(DI)(R13*1), 32(SI)(R13*1), 108, Y7)
#define ZERO8_4 VXORPS Y0, Y0, Y0; VXORPS Y2, Y2, Y2; VXORPS Y4, Y4, Y4; VXORPS Y6, Y6, Y6
#define FMAS8_4 FMA8((SI), Y0); FMA8((SI)(R8*1), Y2); FMA8((SI)(R8*2), Y4); FMA8((SI)(R9*1), Y6)
#define STORE8_4 EPI8((DI), (SI), 96, Y0); EPI8((DI)(R12*1), (SI)(R12*1), 100, Y2); EPI8((DI)(R12*2), (SI)(R12*2), 104, Y4); EPI8((DI)(R13*1), (SI)(R13*1), 108, Y6)

#define ZERO16_5 VXORPS Y0, Y0, Y0; VXORPS Y1, Y1, Y1; VXORPS Y2, Y2, Y2; VXORPS Y3, Y3, Y3; VXORPS Y4, Y4, Y4; VXORPS Y5, Y5, Y5; VXORPS Y6, Y6, Y6; VXORPS Y7, Y7, Y7; VXORPS Y8, Y8, Y8; VXORPS Y9, Y9, Y9
#define FMAS16_5 FMA16((SI), Y0, Y1); FMA16((SI)(R8*1), Y2, Y3); FMA16((SI)(R8*2), Y4, Y5); FMA16((SI)(R9*1), Y6, Y7); FMA16((R10), Y8, Y9)
#define STORE16_5 EPI8((DI), (SI), 96, Y0); EPI8(32(DI), 32(SI), 96, Y1); EPI8((DI)(R12*1), (SI)(R12*1), 100, Y2); EPI8(32(DI)(R12*1), 32(SI)(R12*1), 100, Y3); EPI8((DI)(R12*2), (SI)(R12*2), 104, Y4); EPI8(32(DI)(R12*2), 32(SI)(R12*2), 104, Y5); EPI8((DI)(R13*1), (SI)(R13*1), 108, Y6); EPI8(32(DI)(R13*1), 32(SI)(R13*1), 108, Y7); EPI8((BX), (R10), 112, Y8); EPI8(32(BX), 32(R10), 112, Y9)
#define ZERO8_5 VXORPS Y0, Y0, Y0; VXORPS Y2, Y2, Y2; VXORPS Y4, Y4, Y4; VXORPS Y6, Y6, Y6; VXORPS Y8, Y8, Y8
#define FMAS8_5 FMA8((SI), Y0); FMA8((SI)(R8*1), Y2); FMA8((SI)(R8*2), Y4); FMA8((SI)(R9*1), Y6); FMA8((R10), Y8)
#define STORE8_5 EPI8((DI), (SI), 96, Y0); EPI8((DI)(R12*1), (SI)(R12*1), 100, Y2); EPI8((DI)(R12*2), (SI)(R12*2), 104, Y4); EPI8((DI)(R13*1), (SI)(R13*1), 108, Y6); EPI8((BX), (R10), 112, Y8)

#define ZERO16_6 VXORPS Y0, Y0, Y0; VXORPS Y1, Y1, Y1; VXORPS Y2, Y2, Y2; VXORPS Y3, Y3, Y3; VXORPS Y4, Y4, Y4; VXORPS Y5, Y5, Y5; VXORPS Y6, Y6, Y6; VXORPS Y7, Y7, Y7; VXORPS Y8, Y8, Y8; VXORPS Y9, Y9, Y9; VXORPS Y10, Y10, Y10; VXORPS Y11, Y11, Y11
#define FMAS16_6 FMA16((SI), Y0, Y1); FMA16((SI)(R8*1), Y2, Y3); FMA16((SI)(R8*2), Y4, Y5); FMA16((SI)(R9*1), Y6, Y7); FMA16((R10), Y8, Y9); FMA16((R10)(R8*1), Y10, Y11)
#define STORE16_6 EPI8((DI), (SI), 96, Y0); EPI8(32(DI), 32(SI), 96, Y1); EPI8((DI)(R12*1), (SI)(R12*1), 100, Y2); EPI8(32(DI)(R12*1), 32(SI)(R12*1), 100, Y3); EPI8((DI)(R12*2), (SI)(R12*2), 104, Y4); EPI8(32(DI)(R12*2), 32(SI)(R12*2), 104, Y5); EPI8((DI)(R13*1), (SI)(R13*1), 108, Y6); EPI8(32(DI)(R13*1), 32(SI)(R13*1), 108, Y7); EPI8((BX), (R10), 112, Y8); EPI8(32(BX), 32(R10), 112, Y9); EPI8((BX)(R12*1), (R10)(R12*1), 116, Y10); EPI8(32(BX)(R12*1), 32(R10)(R12*1), 116, Y11)
#define ZERO8_6 VXORPS Y0, Y0, Y0; VXORPS Y2, Y2, Y2; VXORPS Y4, Y4, Y4; VXORPS Y6, Y6, Y6; VXORPS Y8, Y8, Y8; VXORPS Y10, Y10, Y10
#define FMAS8_6 FMA8((SI), Y0); FMA8((SI)(R8*1), Y2); FMA8((SI)(R8*2), Y4); FMA8((SI)(R9*1), Y6); FMA8((R10), Y8); FMA8((R10)(R8*1), Y10)
#define STORE8_6 EPI8((DI), (SI), 96, Y0); EPI8((DI)(R12*1), (SI)(R12*1), 100, Y2); EPI8((DI)(R12*2), (SI)(R12*2), 104, Y4); EPI8((DI)(R13*1), (SI)(R13*1), 108, Y6); EPI8((BX), (R10), 112, Y8); EPI8((BX)(R12*1), (R10)(R12*1), 116, Y10)

// func sgemmKernelAVX2(rows, k, n int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, ep *tileEpilogue)
TEXT ·sgemmKernelAVX2(SB), NOSPLIT, $0-80
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
	EPISETUP2
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
	EPISETUP2
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
	EPISETUP2
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
	EPISETUP2
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
	EPISETUP2
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
	EPISETUP2
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
	EPISETUP2
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
	EPISETUP2
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
	EPISETUP2
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
	EPISETUP2
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
	EPISETUP2
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
	EPISETUP2
	STORE8_1
	JMP avx2done

avx2done:
	VZEROUPPER
	RET
