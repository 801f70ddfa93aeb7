//go:build !noasm

#include "textflag.h"

// FilterIoU's kernels: one pass of greedy NMS over a structure-of-arrays box set, 16 (AVX-512F)
// or 8 (AVX2) boxes per step. The IoU is computed as the plain loop computes it, each operation
// rounded once (no FMA), and compared with VCMPPS's "not greater than, unordered" predicate, so a
// NaN IoU keeps its box as !(iou > thresh) does. The survivors of a step are packed to the front
// of their registers (VCOMPRESSPS on AVX-512, a VPERMPS by a lane table on AVX2) and stored at the
// write position with a mask of that many lanes. While no box has been removed the write position
// is the read position and nothing is stored.
//
// Register use: R8-R13 the fields X1, Y1, X2, Y2, Area, Index; R14 n; SI the read position, DI
// the write position; CX the lanes of a step, then its survivors; BX the step's lanes as bits, AX
// its survivors'; Z0/Y0-Z4/Y4 the box b broadcast, Z5/Y5 thresh, Z6/Y6 zero. AVX-512: Z10-Z15 the
// step's fields, K1 its lanes, K2 its survivors, K3 the lanes stored. AVX2: Y8-Y13 the step's
// fields, Y7 its lanes (then the lanes stored), R15 iouLaneMasks, DX iouPackLanes.

// IOUARGS loads the pointers and n into R8-R14, broadcasts the box b into b0-b4 and thresh into
// th, and clears zero.
#define IOUARGS(b0, b1, b2, b3, b4, th, zero) \
	MOVQ         x1+0(FP), R8; \
	MOVQ         y1+8(FP), R9; \
	MOVQ         x2+16(FP), R10; \
	MOVQ         y2+24(FP), R11; \
	MOVQ         area+32(FP), R12; \
	MOVQ         index+40(FP), R13; \
	MOVQ         n+48(FP), R14; \
	MOVQ         b+56(FP), AX; \
	VBROADCASTSS (AX), b0; \
	VBROADCASTSS 4(AX), b1; \
	VBROADCASTSS 8(AX), b2; \
	VBROADCASTSS 12(AX), b3; \
	VBROADCASTSS 16(AX), b4; \
	VBROADCASTSS thresh+64(FP), th; \
	VXORPS       zero, zero, zero

// IOU computes into t1 the IoU of the box b0-b4 with the boxes x1, y1, x2, y2, area, as the
// plain loop does (zero holds 0): iw into t0, ih into t1 (t2 a temporary), the intersection into
// t0, the union into t1, then their quotient.
#define IOU(b0, b1, b2, b3, b4, zero, x1, y1, x2, y2, area, t0, t1, t2) \
	VMINPS x2, b2, t0; \
	VMAXPS x1, b0, t1; \
	VSUBPS t1, t0, t0; \
	VMAXPS t0, zero, t0; \
	VMINPS y2, b3, t1; \
	VMAXPS y1, b1, t2; \
	VSUBPS t2, t1, t1; \
	VMAXPS t1, zero, t1; \
	VMULPS t1, t0, t0; \
	VADDPS area, b4, t1; \
	VSUBPS t0, t1, t1; \
	VDIVPS t1, t0, t1

// func filterIoUAVX512(x1, y1, x2, y2, area *float32, index *int32, n int, b *[5]float32, thresh float32) int
TEXT ·filterIoUAVX512(SB), NOSPLIT, $0-80
	IOUARGS(Z0, Z1, Z2, Z3, Z4, Z5, Z6)
	XORQ         SI, SI
	XORQ         DI, DI

iou512loop:
	MOVQ R14, CX
	SUBQ SI, CX
	JLE  iou512done
	MOVQ $0xffff, BX
	CMPQ CX, $16
	JGE  iou512full
	MOVQ $1, BX
	SHLQ CX, BX
	DECQ BX

iou512full:
	KMOVW          BX, K1
	VMOVUPS.Z      (R8)(SI*4), K1, Z10
	VMOVUPS.Z      (R9)(SI*4), K1, Z11
	VMOVUPS.Z      (R10)(SI*4), K1, Z12
	VMOVUPS.Z      (R11)(SI*4), K1, Z13
	VMOVUPS.Z      (R12)(SI*4), K1, Z14
	VMOVDQU32.Z    (R13)(SI*4), K1, Z15
	IOU(Z0, Z1, Z2, Z3, Z4, Z6, Z10, Z11, Z12, Z13, Z14, Z16, Z17, Z18)
	VCMPPS         $0x1a, Z5, Z17, K1, K2
	KMOVW          K2, AX
	POPCNTL        AX, CX
	CMPQ           AX, BX
	JNE            iou512pack
	CMPQ           DI, SI
	JEQ            iou512next
	JMP            iou512store

iou512pack:
	VCOMPRESSPS    Z10, K2, Z10
	VCOMPRESSPS    Z11, K2, Z11
	VCOMPRESSPS    Z12, K2, Z12
	VCOMPRESSPS    Z13, K2, Z13
	VCOMPRESSPS    Z14, K2, Z14
	VPCOMPRESSD    Z15, K2, Z15
	MOVQ           $1, BX
	SHLQ           CX, BX
	DECQ           BX

iou512store:
	KMOVW          BX, K3
	VMOVUPS        Z10, K3, (R8)(DI*4)
	VMOVUPS        Z11, K3, (R9)(DI*4)
	VMOVUPS        Z12, K3, (R10)(DI*4)
	VMOVUPS        Z13, K3, (R11)(DI*4)
	VMOVUPS        Z14, K3, (R12)(DI*4)
	VMOVDQU32      Z15, K3, (R13)(DI*4)

iou512next:
	ADDQ CX, DI
	ADDQ $16, SI
	JMP  iou512loop

iou512done:
	MOVQ       DI, ret+72(FP)
	VZEROUPPER
	RET

// func filterIoUAVX2(x1, y1, x2, y2, area *float32, index *int32, n int, b *[5]float32, thresh float32) int
TEXT ·filterIoUAVX2(SB), NOSPLIT, $0-80
	IOUARGS(Y0, Y1, Y2, Y3, Y4, Y5, Y6)
	LEAQ         ·iouLaneMasks(SB), R15
	LEAQ         ·iouPackLanes(SB), DX
	XORQ         SI, SI
	XORQ         DI, DI

iou256loop:
	MOVQ R14, CX
	SUBQ SI, CX
	JLE  iou256done
	CMPQ CX, $8
	JLE  iou256lanes
	MOVQ $8, CX

iou256lanes:
	MOVQ       $8, AX
	SUBQ       CX, AX
	VMOVDQU    (R15)(AX*4), Y7
	MOVQ       $1, BX
	SHLQ       CX, BX
	DECQ       BX
	VMASKMOVPS (R8)(SI*4), Y7, Y8
	VMASKMOVPS (R9)(SI*4), Y7, Y9
	VMASKMOVPS (R10)(SI*4), Y7, Y10
	VMASKMOVPS (R11)(SI*4), Y7, Y11
	VMASKMOVPS (R12)(SI*4), Y7, Y12
	VPMASKMOVD (R13)(SI*4), Y7, Y13
	IOU(Y0, Y1, Y2, Y3, Y4, Y6, Y8, Y9, Y10, Y11, Y12, Y14, Y15, Y7)
	VCMPPS     $0x1a, Y5, Y15, Y15
	VMOVMSKPS  Y15, AX
	ANDQ       BX, AX
	POPCNTL    AX, CX
	CMPQ       AX, BX
	JNE        iou256pack
	CMPQ       DI, SI
	JEQ        iou256next
	JMP        iou256store

iou256pack:
	VPMOVZXBD (DX)(AX*8), Y15
	VPERMPS   Y8, Y15, Y8
	VPERMPS   Y9, Y15, Y9
	VPERMPS   Y10, Y15, Y10
	VPERMPS   Y11, Y15, Y11
	VPERMPS   Y12, Y15, Y12
	VPERMD    Y13, Y15, Y13

iou256store:
	MOVQ       $8, AX
	SUBQ       CX, AX
	VMOVDQU    (R15)(AX*4), Y7
	VMASKMOVPS Y8, Y7, (R8)(DI*4)
	VMASKMOVPS Y9, Y7, (R9)(DI*4)
	VMASKMOVPS Y10, Y7, (R10)(DI*4)
	VMASKMOVPS Y11, Y7, (R11)(DI*4)
	VMASKMOVPS Y12, Y7, (R12)(DI*4)
	VPMASKMOVD Y13, Y7, (R13)(DI*4)

iou256next:
	ADDQ CX, DI
	ADDQ $8, SI
	JMP  iou256loop

iou256done:
	MOVQ       DI, ret+72(FP)
	VZEROUPPER
	RET
