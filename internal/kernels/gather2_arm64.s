//go:build !noasm

#include "textflag.h"

// im2col's stride-2 copy (gather2Kernel in gather2_simd.go): dst[i] = src[2*i].

// func gather2NEON(dst, src *float32, n int)
// 4 values per step: LD2 splits 8 values into the even and the odd lanes; the even ones are kept.
TEXT ·gather2NEON(SB), NOSPLIT, $0-24
	MOVD dst+0(FP), R0
	MOVD src+8(FP), R1
	MOVD n+16(FP), R2

gather2NEONloop:
	VLD2.P 32(R1), [V0.S4, V1.S4]
	VST1.P [V0.S4], 16(R0)
	SUBS   $4, R2
	BNE    gather2NEONloop
	RET
