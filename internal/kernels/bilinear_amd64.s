//go:build !noasm

#include "textflag.h"

// BilinearSum kernels (bilinearKernel in bilinear_simd.go): AVX-512F, 64 channels per step on 4 Z
// registers, then 16; AVX2 (AVX only), 32 channels per step on 4 Y registers, then 8.
// Register use: DI out; SI src at the current channel; R8 the first tap; R9 the tap count; CX
// channels left; DX the current tap; BX taps left; R10-R13 the tap's four offsets (elements);
// Z0-Z3 / Y0-Y3 the channel sums; Z4-Z7 / Y4-Y7 the tap's weights; Z8-Z15 / Y8-Y15 its products.
//
// Each product is a VMULPS (rounded), added by its own VADDPS in the plain loop's order:
// v = w0*x0 + w1*x1, v += w2*x2, s += v + w3*x3; then one VDIVPS by div. No FMA, so every lane
// agrees with the plain loop bit for bit.

// TAPW broadcasts the tap at DX's offsets and weights into R10-R13 and the weight registers.
#define TAPW(w0, w1, w2, w3) \
	MOVLQSX 0(DX), R10; \
	MOVLQSX 4(DX), R11; \
	MOVLQSX 8(DX), R12; \
	MOVLQSX 12(DX), R13; \
	VBROADCASTSS 16(DX), w0; \
	VBROADCASTSS 20(DX), w1; \
	VBROADCASTSS 24(DX), w2; \
	VBROADCASTSS 28(DX), w3

// TAPBLOCK adds the tap's sample of the vector at byte displacement d from SI into s.
#define TAPBLOCK(d, s, v, t, w0, w1, w2, w3) \
	VMULPS d(SI)(R10*4), w0, v; \
	VMULPS d(SI)(R11*4), w1, t; \
	VADDPS t, v, v; \
	VMULPS d(SI)(R12*4), w2, t; \
	VADDPS t, v, v; \
	VMULPS d(SI)(R13*4), w3, t; \
	VADDPS t, v, v; \
	VADDPS v, s, s

// func bilinearSumAVX512(out, src *float32, taps *Tap, nt, n int, div float32)
TEXT ·bilinearSumAVX512(SB), NOSPLIT, $0-44
	MOVQ out+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ taps+16(FP), R8
	MOVQ nt+24(FP), R9
	MOVQ n+32(FP), CX
	VBROADCASTSS div+40(FP), Z31

bilinearSumAVX512wide:
	CMPQ CX, $64
	JLT  bilinearSumAVX512one
	VXORPS Z0, Z0, Z0
	VXORPS Z1, Z1, Z1
	VXORPS Z2, Z2, Z2
	VXORPS Z3, Z3, Z3
	MOVQ R8, DX
	MOVQ R9, BX

bilinearSumAVX512widetap:
	TAPW(Z4, Z5, Z6, Z7)
	TAPBLOCK(0, Z0, Z8, Z9, Z4, Z5, Z6, Z7)
	TAPBLOCK(64, Z1, Z10, Z11, Z4, Z5, Z6, Z7)
	TAPBLOCK(128, Z2, Z12, Z13, Z4, Z5, Z6, Z7)
	TAPBLOCK(192, Z3, Z14, Z15, Z4, Z5, Z6, Z7)
	ADDQ $32, DX
	DECQ BX
	JNZ  bilinearSumAVX512widetap
	VDIVPS  Z31, Z0, Z0
	VDIVPS  Z31, Z1, Z1
	VDIVPS  Z31, Z2, Z2
	VDIVPS  Z31, Z3, Z3
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	VMOVUPS Z2, 128(DI)
	VMOVUPS Z3, 192(DI)
	ADDQ $256, SI
	ADDQ $256, DI
	SUBQ $64, CX
	JMP  bilinearSumAVX512wide

bilinearSumAVX512one:
	TESTQ CX, CX
	JEQ   bilinearSumAVX512done
	VXORPS Z0, Z0, Z0
	MOVQ R8, DX
	MOVQ R9, BX

bilinearSumAVX512onetap:
	TAPW(Z4, Z5, Z6, Z7)
	TAPBLOCK(0, Z0, Z8, Z9, Z4, Z5, Z6, Z7)
	ADDQ $32, DX
	DECQ BX
	JNZ  bilinearSumAVX512onetap
	VDIVPS  Z31, Z0, Z0
	VMOVUPS Z0, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JMP  bilinearSumAVX512one

bilinearSumAVX512done:
	VZEROUPPER
	RET

// func bilinearSumAVX2(out, src *float32, taps *Tap, nt, n int, div float32)
TEXT ·bilinearSumAVX2(SB), NOSPLIT, $0-44
	MOVQ out+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ taps+16(FP), R8
	MOVQ nt+24(FP), R9
	MOVQ n+32(FP), CX

bilinearSumAVX2wide:
	CMPQ CX, $32
	JLT  bilinearSumAVX2one
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	MOVQ R8, DX
	MOVQ R9, BX

bilinearSumAVX2widetap:
	TAPW(Y4, Y5, Y6, Y7)
	TAPBLOCK(0, Y0, Y8, Y9, Y4, Y5, Y6, Y7)
	TAPBLOCK(32, Y1, Y10, Y11, Y4, Y5, Y6, Y7)
	TAPBLOCK(64, Y2, Y12, Y13, Y4, Y5, Y6, Y7)
	TAPBLOCK(96, Y3, Y14, Y15, Y4, Y5, Y6, Y7)
	ADDQ $32, DX
	DECQ BX
	JNZ  bilinearSumAVX2widetap
	VBROADCASTSS div+40(FP), Y15
	VDIVPS  Y15, Y0, Y0
	VDIVPS  Y15, Y1, Y1
	VDIVPS  Y15, Y2, Y2
	VDIVPS  Y15, Y3, Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ $128, SI
	ADDQ $128, DI
	SUBQ $32, CX
	JMP  bilinearSumAVX2wide

bilinearSumAVX2one:
	TESTQ CX, CX
	JEQ   bilinearSumAVX2done
	VXORPS Y0, Y0, Y0
	MOVQ R8, DX
	MOVQ R9, BX

bilinearSumAVX2onetap:
	TAPW(Y4, Y5, Y6, Y7)
	TAPBLOCK(0, Y0, Y8, Y9, Y4, Y5, Y6, Y7)
	ADDQ $32, DX
	DECQ BX
	JNZ  bilinearSumAVX2onetap
	VBROADCASTSS div+40(FP), Y15
	VDIVPS  Y15, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  bilinearSumAVX2one

bilinearSumAVX2done:
	VZEROUPPER
	RET
