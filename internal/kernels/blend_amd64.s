//go:build !noasm

#include "textflag.h"

// Blend's kernels (blendKernel in blend_simd.go), 8 (AVX) or 16 (AVX-512F) values per step: each
// product its own VMULPS and the sum one VADDPS, so every value is rounded as the plain loop
// rounds it (no FMA).

// func blendAVX2(dst, a, b *float32, n int, wa, wb float32)
TEXT ·blendAVX2(SB), NOSPLIT, $0-40
	MOVQ         dst+0(FP), DI
	MOVQ         a+8(FP), SI
	MOVQ         b+16(FP), DX
	MOVQ         n+24(FP), CX
	VBROADCASTSS wa+32(FP), Y0
	VBROADCASTSS wb+36(FP), Y1

blendAVX2loop:
	VMULPS  (SI), Y0, Y2
	VMULPS  (DX), Y1, Y3
	VADDPS  Y3, Y2, Y2
	VMOVUPS Y2, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, DI
	SUBQ    $8, CX
	JNZ     blendAVX2loop
	VZEROUPPER
	RET

// func blendAVX512(dst, a, b *float32, n int, wa, wb float32)
TEXT ·blendAVX512(SB), NOSPLIT, $0-40
	MOVQ         dst+0(FP), DI
	MOVQ         a+8(FP), SI
	MOVQ         b+16(FP), DX
	MOVQ         n+24(FP), CX
	VBROADCASTSS wa+32(FP), Z0
	VBROADCASTSS wb+36(FP), Z1

blendAVX512loop:
	VMULPS  (SI), Z0, Z2
	VMULPS  (DX), Z1, Z3
	VADDPS  Z3, Z2, Z2
	VMOVUPS Z2, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DX
	ADDQ    $64, DI
	SUBQ    $16, CX
	JNZ     blendAVX512loop
	VZEROUPPER
	RET
