//go:build !noasm

#include "textflag.h"

// im2col's stride-2 copy (gather2Kernel in gather2_simd.go): dst[i] = src[2*i].

// The even lanes of a pair of Z registers, for VPERMT2PS.
DATA evenLanes<>+0(SB)/4, $0
DATA evenLanes<>+4(SB)/4, $2
DATA evenLanes<>+8(SB)/4, $4
DATA evenLanes<>+12(SB)/4, $6
DATA evenLanes<>+16(SB)/4, $8
DATA evenLanes<>+20(SB)/4, $10
DATA evenLanes<>+24(SB)/4, $12
DATA evenLanes<>+28(SB)/4, $14
DATA evenLanes<>+32(SB)/4, $16
DATA evenLanes<>+36(SB)/4, $18
DATA evenLanes<>+40(SB)/4, $20
DATA evenLanes<>+44(SB)/4, $22
DATA evenLanes<>+48(SB)/4, $24
DATA evenLanes<>+52(SB)/4, $26
DATA evenLanes<>+56(SB)/4, $28
DATA evenLanes<>+60(SB)/4, $30
GLOBL evenLanes<>(SB), RODATA|NOPTR, $64

// func gather2AVX512(dst, src *float32, n int)
// 16 values per step: two loads of 16 and one VPERMT2PS that keeps the even lanes of both.
TEXT ·gather2AVX512(SB), NOSPLIT, $0-24
	MOVQ    dst+0(FP), DI
	MOVQ    src+8(FP), SI
	MOVQ    n+16(FP), CX
	VMOVUPS evenLanes<>(SB), Z2

gather2AVX512loop:
	VMOVUPS   (SI), Z0
	VPERMT2PS 64(SI), Z2, Z0
	VMOVUPS   Z0, (DI)
	ADDQ      $128, SI
	ADDQ      $64, DI
	SUBQ      $16, CX
	JNZ       gather2AVX512loop
	VZEROUPPER
	RET

// func gather2AVX2(dst, src *float32, n int)
// 8 values per step: VSHUFPS keeps lanes 0 and 2 of each 128-bit half of both loads (src 0 2 8
// 10 | 4 6 12 14), VPERMPD puts the 64-bit pairs in order.
TEXT ·gather2AVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX

gather2AVX2loop:
	VMOVUPS (SI), Y0
	VSHUFPS $0x88, 32(SI), Y0, Y0
	VPERMPD $0xd8, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $64, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	JNZ     gather2AVX2loop
	VZEROUPPER
	RET
