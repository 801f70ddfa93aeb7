//go:build !noasm

#include "textflag.h"

// Blend's kernel (blendKernel in blend_simd.go), 16 values per step while 16 are left (four
// independent vectors, so that an in-order core such as the Cortex-A55 never waits on the
// instruction just before), then 4: each product its own FMUL and the sum one FADD, so every
// value is rounded as the plain loop rounds it (no FMLA). The Go assembler lacks vector FMUL and
// FADD: WORDs, the instruction in the comment.

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

// Both loops' orders were searched (a random search over the orders the dependencies allow: each
// register's reads and writes in order, no load past a store; an order kept only where none of
// llvm-mca's models got slower). Cycles per step on cortex-a55 / cortex-a57 / apple-a13:
// blendNEONwide 42.0 / 21.0 / 6.0 -> 40.0 / 20.0 / 6.0.
blendNEONwide:
	CMP    $16, R3
	BLT    blendNEONloop
	VLD1.P 64(R1), [V2.S4, V3.S4, V4.S4, V5.S4]
	WORD   $0x6e20dc42         // fmul v2.4s, v2.4s, v0.4s
	WORD   $0x6e20dc84         // fmul v4.4s, v4.4s, v0.4s
	VLD1.P 64(R2), [V6.S4, V7.S4, V8.S4, V9.S4]
	WORD   $0x6e21dd08         // fmul v8.4s, v8.4s, v1.4s
	WORD   $0x6e20dc63         // fmul v3.4s, v3.4s, v0.4s
	WORD   $0x6e21dce7         // fmul v7.4s, v7.4s, v1.4s
	WORD   $0x6e21dcc6         // fmul v6.4s, v6.4s, v1.4s
	WORD   $0x6e21dd29         // fmul v9.4s, v9.4s, v1.4s
	WORD   $0x6e20dca5         // fmul v5.4s, v5.4s, v0.4s
	WORD   $0x4e27d463         // fadd v3.4s, v3.4s, v7.4s
	WORD   $0x4e26d442         // fadd v2.4s, v2.4s, v6.4s
	WORD   $0x4e28d484         // fadd v4.4s, v4.4s, v8.4s
	WORD   $0x4e29d4a5         // fadd v5.4s, v5.4s, v9.4s
	SUBS   $16, R3
	VST1.P [V2.S4, V3.S4, V4.S4, V5.S4], 64(R0)
	BNE    blendNEONwide
	RET

// Searched order: 20.0 / 7.0 / 5.0 -> 18.0 / 6.0 / 5.0 cycles (cortex-a55 / a57 / apple-a13).
blendNEONloop:
	VLD1.P 16(R1), [V2.S4]
	WORD   $0x6e20dc42         // fmul v2.4s, v2.4s, v0.4s
	VLD1.P 16(R2), [V3.S4]
	WORD   $0x6e21dc63         // fmul v3.4s, v3.4s, v1.4s
	WORD   $0x4e23d442         // fadd v2.4s, v2.4s, v3.4s
	SUBS   $4, R3
	VST1.P [V2.S4], 16(R0)
	BNE    blendNEONloop
	RET
