//go:build !noasm

#include "textflag.h"

// Blend's kernel (blendKernel in blend_simd.go), 4 values per step: each product its own FMUL
// and the sum one FADD, so every value is rounded as the plain loop rounds it (no FMLA). The Go
// assembler lacks vector FMUL and FADD: WORDs, the instruction in the comment.

// func blendNEON(dst, a, b *float32, n int, wa, wb float32)
TEXT ·blendNEON(SB), NOSPLIT, $0-40
	MOVD  dst+0(FP), R0
	MOVD  a+8(FP), R1
	MOVD  b+16(FP), R2
	MOVD  n+24(FP), R3
	FMOVS wa+32(FP), F0
	FMOVS wb+36(FP), F1
	VDUP  V0.S[0], V0.S4
	VDUP  V1.S[0], V1.S4

blendNEONloop:
	VLD1.P 16(R1), [V2.S4]
	VLD1.P 16(R2), [V3.S4]
	WORD   $0x6e20dc42         // fmul v2.4s, v2.4s, v0.4s
	WORD   $0x6e21dc63         // fmul v3.4s, v3.4s, v1.4s
	WORD   $0x4e23d442         // fadd v2.4s, v2.4s, v3.4s
	VST1.P [V2.S4], 16(R0)
	SUBS   $4, R3
	BNE    blendNEONloop
	RET
