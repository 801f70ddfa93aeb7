//go:build !noasm

#include "textflag.h"

// BilinearSum kernel (bilinearKernel in bilinear_simd.go), NEON: 16 channels per step on 4
// vectors, then 4. Register use: R0 out; R1 src at the current channel; R2 the first tap; R3 the
// tap count; R4 channels left; R5 the current tap; R6 taps left; R7-R10 the addresses of the
// tap's four neighbours; V0-V3 the channel sums; V4 the tap's four weights; V8-V11, V12-V15,
// V16-V19, V20-V23 the four neighbours' values, then their products; V31 div.
//
// Each product is an FMUL by element (rounded), added by its own FADD in the plain loop's order:
// v = w0*x0 + w1*x1, v += w2*x2, s += v + w3*x3; then one FDIV by div. No FMLA, so every lane
// agrees with the plain loop bit for bit. The Go assembler lacks these vector instructions: they
// are WORDs, each named in its comment.

// func bilinearSumNEON(out, src *float32, taps *Tap, nt, n int, div float32)
TEXT ·bilinearSumNEON(SB), NOSPLIT, $0-44
	MOVD  out+0(FP), R0
	MOVD  src+8(FP), R1
	MOVD  taps+16(FP), R2
	MOVD  nt+24(FP), R3
	MOVD  n+32(FP), R4
	MOVWU div+40(FP), R8
	VDUP  R8, V31.S4

bilinearSumNEONwide:
	CMP  $16, R4
	BLT  bilinearSumNEONone
	VEOR V0.B16, V0.B16, V0.B16
	VEOR V1.B16, V1.B16, V1.B16
	VEOR V2.B16, V2.B16, V2.B16
	VEOR V3.B16, V3.B16, V3.B16
	MOVD R2, R5
	MOVD R3, R6

bilinearSumNEONwidetap:
	MOVW   0(R5), R7
	MOVW   4(R5), R8
	MOVW   8(R5), R9
	MOVW   12(R5), R10
	ADD    $16, R5
	VLD1.P 16(R5), [V4.S4]
	ADD    R7<<2, R1, R7
	ADD    R8<<2, R1, R8
	ADD    R9<<2, R1, R9
	ADD    R10<<2, R1, R10
	VLD1 (R7), [V8.S4, V9.S4, V10.S4, V11.S4]
	VLD1 (R8), [V12.S4, V13.S4, V14.S4, V15.S4]
	WORD $0x4f849108 // fmul v8.4s, v8.4s, v4.s[0]
	WORD $0x4f849129 // fmul v9.4s, v9.4s, v4.s[0]
	VLD1 (R9), [V16.S4, V17.S4, V18.S4, V19.S4]
	WORD $0x4f84914a // fmul v10.4s, v10.4s, v4.s[0]
	WORD $0x4f84916b // fmul v11.4s, v11.4s, v4.s[0]
	WORD $0x4fa4918c // fmul v12.4s, v12.4s, v4.s[1]
	WORD $0x4fa491ad // fmul v13.4s, v13.4s, v4.s[1]
	VLD1 (R10), [V20.S4, V21.S4, V22.S4, V23.S4]
	WORD $0x4fa491ce // fmul v14.4s, v14.4s, v4.s[1]
	WORD $0x4fa491ef // fmul v15.4s, v15.4s, v4.s[1]
	WORD $0x4e2cd508 // fadd v8.4s, v8.4s, v12.4s
	WORD $0x4e2dd529 // fadd v9.4s, v9.4s, v13.4s
	WORD $0x4e2ed54a // fadd v10.4s, v10.4s, v14.4s
	WORD $0x4e2fd56b // fadd v11.4s, v11.4s, v15.4s
	WORD $0x4f849a10 // fmul v16.4s, v16.4s, v4.s[2]
	WORD $0x4f849a31 // fmul v17.4s, v17.4s, v4.s[2]
	WORD $0x4f849a52 // fmul v18.4s, v18.4s, v4.s[2]
	WORD $0x4f849a73 // fmul v19.4s, v19.4s, v4.s[2]
	WORD $0x4e30d508 // fadd v8.4s, v8.4s, v16.4s
	WORD $0x4e31d529 // fadd v9.4s, v9.4s, v17.4s
	WORD $0x4e32d54a // fadd v10.4s, v10.4s, v18.4s
	WORD $0x4e33d56b // fadd v11.4s, v11.4s, v19.4s
	WORD $0x4fa49a94 // fmul v20.4s, v20.4s, v4.s[3]
	WORD $0x4fa49ab5 // fmul v21.4s, v21.4s, v4.s[3]
	WORD $0x4fa49ad6 // fmul v22.4s, v22.4s, v4.s[3]
	WORD $0x4fa49af7 // fmul v23.4s, v23.4s, v4.s[3]
	WORD $0x4e34d508 // fadd v8.4s, v8.4s, v20.4s
	WORD $0x4e35d529 // fadd v9.4s, v9.4s, v21.4s
	WORD $0x4e36d54a // fadd v10.4s, v10.4s, v22.4s
	WORD $0x4e37d56b // fadd v11.4s, v11.4s, v23.4s
	WORD $0x4e28d400 // fadd v0.4s, v0.4s, v8.4s
	WORD $0x4e29d421 // fadd v1.4s, v1.4s, v9.4s
	WORD $0x4e2ad442 // fadd v2.4s, v2.4s, v10.4s
	WORD $0x4e2bd463 // fadd v3.4s, v3.4s, v11.4s
	SUBS $1, R6
	BNE  bilinearSumNEONwidetap
	WORD $0x6e3ffc00 // fdiv v0.4s, v0.4s, v31.4s
	WORD $0x6e3ffc21 // fdiv v1.4s, v1.4s, v31.4s
	WORD $0x6e3ffc42 // fdiv v2.4s, v2.4s, v31.4s
	WORD $0x6e3ffc63 // fdiv v3.4s, v3.4s, v31.4s
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(R0)
	ADD    $64, R1
	SUB    $16, R4
	B      bilinearSumNEONwide

bilinearSumNEONone:
	CBZ  R4, bilinearSumNEONdone
	VEOR V0.B16, V0.B16, V0.B16
	MOVD R2, R5
	MOVD R3, R6

bilinearSumNEONonetap:
	MOVW   0(R5), R7
	MOVW   4(R5), R8
	MOVW   8(R5), R9
	MOVW   12(R5), R10
	ADD    $16, R5
	VLD1.P 16(R5), [V4.S4]
	ADD    R7<<2, R1, R7
	ADD    R8<<2, R1, R8
	ADD    R9<<2, R1, R9
	ADD    R10<<2, R1, R10
	VLD1 (R7), [V8.S4]
	VLD1 (R8), [V12.S4]
	VLD1 (R9), [V16.S4]
	VLD1 (R10), [V20.S4]
	WORD $0x4f849108 // fmul v8.4s, v8.4s, v4.s[0]
	WORD $0x4fa4918c // fmul v12.4s, v12.4s, v4.s[1]
	WORD $0x4e2cd508 // fadd v8.4s, v8.4s, v12.4s
	WORD $0x4f849a10 // fmul v16.4s, v16.4s, v4.s[2]
	WORD $0x4e30d508 // fadd v8.4s, v8.4s, v16.4s
	WORD $0x4fa49a94 // fmul v20.4s, v20.4s, v4.s[3]
	WORD $0x4e34d508 // fadd v8.4s, v8.4s, v20.4s
	WORD $0x4e28d400 // fadd v0.4s, v0.4s, v8.4s
	SUBS $1, R6
	BNE  bilinearSumNEONonetap
	WORD $0x6e3ffc00 // fdiv v0.4s, v0.4s, v31.4s
	VST1.P [V0.S4], 16(R0)
	ADD    $16, R1
	SUB    $4, R4
	B      bilinearSumNEONone

bilinearSumNEONdone:
	RET
