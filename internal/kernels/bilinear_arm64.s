//go:build !noasm

#include "textflag.h"

// BilinearSum kernel (bilinearKernel in bilinear_simd.go), NEON: 16 channels per step on 4
// vectors, then 4. Register use: R0 out; R1 src at the current channel; R2 the first tap; R3 the
// tap count; R4 channels left; R5 the current tap; R6 taps left after the current one; V0-V3 the
// channel sums; V31 div. The 16-channel loop is software-pipelined two taps an iteration on two
// register sets, A (R7-R10 the tap's four neighbours' addresses, V4 its weights, V6-V9 the first
// neighbour's values, then the tap's sums) and B (R11-R14, V5, V10-V13); V14-V17, V18-V21,
// V22-V25 hold the second, third and fourth neighbours' values, then their products. While a
// tap's 16 FADDs run, its last 8 FMULs and the next tap's first 8 (first two neighbours) go one
// after each FADD, and the next tap's offsets (LDPSW pairs), weights and four neighbours load
// into the other set and the shared registers once this tap has read them, one load or address
// ADD between FADDs. On cortex-a55's model an FADD of 4 lanes issues alone but for an FMUL
// after it, and LDR Qs issue one a cycle (an LD1 of four registers takes 8), so the loop is
// about FADDs plus loads. The 4-channel loop is pipelined the same way, one vector a neighbour
// (set A: R7-R10, V4, V8, V12, V16, V20; set B: R11-R14, V5, V9, V13, V17, V21; the tap's sum in
// the first neighbour's register): the next tap loads between the FADDs of this one's chain. In
// both loops the last tap runs from a copy without the look-ahead, so nothing past taps is read.
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
	LDPSW  0(R2), (R7, R8)
	LDPSW  8(R2), (R9, R10)
	FMOVQ  16(R2), F4
	MOVD   R2, R5
	ADD    R7<<2, R1, R7
	ADD    R8<<2, R1, R8
	ADD    R9<<2, R1, R9
	ADD    R10<<2, R1, R10
	FMOVQ  0(R7), F6
	FMOVQ  16(R7), F7
	FMOVQ  32(R7), F8
	FMOVQ  48(R7), F9
	FMOVQ  0(R8), F14
	FMOVQ  16(R8), F15
	FMOVQ  32(R8), F16
	FMOVQ  48(R8), F17
	FMOVQ  0(R9), F18
	FMOVQ  16(R9), F19
	FMOVQ  32(R9), F20
	FMOVQ  48(R9), F21
	FMOVQ  0(R10), F22
	FMOVQ  16(R10), F23
	FMOVQ  32(R10), F24
	FMOVQ  48(R10), F25
	WORD $0x4f8490c6 // fmul v6.4s, v6.4s, v4.s[0]
	WORD $0x4f8490e7 // fmul v7.4s, v7.4s, v4.s[0]
	WORD $0x4f849108 // fmul v8.4s, v8.4s, v4.s[0]
	WORD $0x4f849129 // fmul v9.4s, v9.4s, v4.s[0]
	WORD $0x4fa491ce // fmul v14.4s, v14.4s, v4.s[1]
	WORD $0x4fa491ef // fmul v15.4s, v15.4s, v4.s[1]
	WORD $0x4fa49210 // fmul v16.4s, v16.4s, v4.s[1]
	WORD $0x4fa49231 // fmul v17.4s, v17.4s, v4.s[1]
	VEOR V0.B16, V0.B16, V0.B16
	VEOR V1.B16, V1.B16, V1.B16
	VEOR V2.B16, V2.B16, V2.B16
	VEOR V3.B16, V3.B16, V3.B16
	SUB  $1, R3, R6
	CBZ  R6, bilinearSumNEONwidelastA

bilinearSumNEONwidetap:
	WORD $0x4e2ed4c6 // fadd v6.4s, v6.4s, v14.4s
	WORD $0x4f849a52 // fmul v18.4s, v18.4s, v4.s[2]
	LDPSW  32(R5), (R11, R12)
	WORD $0x4e2fd4e7 // fadd v7.4s, v7.4s, v15.4s
	WORD $0x4f849a73 // fmul v19.4s, v19.4s, v4.s[2]
	LDPSW  40(R5), (R13, R14)
	WORD $0x4e30d508 // fadd v8.4s, v8.4s, v16.4s
	WORD $0x4f849a94 // fmul v20.4s, v20.4s, v4.s[2]
	ADD    R11<<2, R1, R11
	WORD $0x4e31d529 // fadd v9.4s, v9.4s, v17.4s
	WORD $0x4f849ab5 // fmul v21.4s, v21.4s, v4.s[2]
	ADD    R12<<2, R1, R12
	FMOVQ  48(R5), F5
	WORD $0x4e32d4c6 // fadd v6.4s, v6.4s, v18.4s
	WORD $0x4fa49ad6 // fmul v22.4s, v22.4s, v4.s[3]
	ADD    R13<<2, R1, R13
	FMOVQ  0(R11), F10
	WORD $0x4e33d4e7 // fadd v7.4s, v7.4s, v19.4s
	WORD $0x4fa49af7 // fmul v23.4s, v23.4s, v4.s[3]
	ADD    R14<<2, R1, R14
	FMOVQ  16(R11), F11
	WORD $0x4e34d508 // fadd v8.4s, v8.4s, v20.4s
	WORD $0x4fa49b18 // fmul v24.4s, v24.4s, v4.s[3]
	SUB    $1, R6
	FMOVQ  32(R11), F12
	WORD $0x4e35d529 // fadd v9.4s, v9.4s, v21.4s
	WORD $0x4fa49b39 // fmul v25.4s, v25.4s, v4.s[3]
	ADD    $32, R5
	FMOVQ  48(R11), F13
	WORD $0x4e36d4c6 // fadd v6.4s, v6.4s, v22.4s
	WORD $0x4f85914a // fmul v10.4s, v10.4s, v5.s[0]
	FMOVQ  0(R12), F14
	FMOVQ  16(R12), F15
	WORD $0x4e37d4e7 // fadd v7.4s, v7.4s, v23.4s
	WORD $0x4f85916b // fmul v11.4s, v11.4s, v5.s[0]
	FMOVQ  32(R12), F16
	FMOVQ  48(R12), F17
	WORD $0x4e38d508 // fadd v8.4s, v8.4s, v24.4s
	WORD $0x4f85918c // fmul v12.4s, v12.4s, v5.s[0]
	FMOVQ  0(R13), F18
	WORD $0x4e39d529 // fadd v9.4s, v9.4s, v25.4s
	WORD $0x4f8591ad // fmul v13.4s, v13.4s, v5.s[0]
	FMOVQ  16(R13), F19
	WORD $0x4e26d400 // fadd v0.4s, v0.4s, v6.4s
	WORD $0x4fa591ce // fmul v14.4s, v14.4s, v5.s[1]
	FMOVQ  32(R13), F20
	FMOVQ  48(R13), F21
	WORD $0x4e27d421 // fadd v1.4s, v1.4s, v7.4s
	WORD $0x4fa591ef // fmul v15.4s, v15.4s, v5.s[1]
	FMOVQ  0(R14), F22
	FMOVQ  16(R14), F23
	WORD $0x4e28d442 // fadd v2.4s, v2.4s, v8.4s
	WORD $0x4fa59210 // fmul v16.4s, v16.4s, v5.s[1]
	FMOVQ  32(R14), F24
	WORD $0x4e29d463 // fadd v3.4s, v3.4s, v9.4s
	WORD $0x4fa59231 // fmul v17.4s, v17.4s, v5.s[1]
	FMOVQ  48(R14), F25
	CBZ    R6, bilinearSumNEONwidelastB
	WORD $0x4e2ed54a // fadd v10.4s, v10.4s, v14.4s
	WORD $0x4f859a52 // fmul v18.4s, v18.4s, v5.s[2]
	LDPSW  32(R5), (R7, R8)
	WORD $0x4e2fd56b // fadd v11.4s, v11.4s, v15.4s
	WORD $0x4f859a73 // fmul v19.4s, v19.4s, v5.s[2]
	LDPSW  40(R5), (R9, R10)
	WORD $0x4e30d58c // fadd v12.4s, v12.4s, v16.4s
	WORD $0x4f859a94 // fmul v20.4s, v20.4s, v5.s[2]
	ADD    R7<<2, R1, R7
	WORD $0x4e31d5ad // fadd v13.4s, v13.4s, v17.4s
	WORD $0x4f859ab5 // fmul v21.4s, v21.4s, v5.s[2]
	ADD    R8<<2, R1, R8
	FMOVQ  48(R5), F4
	WORD $0x4e32d54a // fadd v10.4s, v10.4s, v18.4s
	WORD $0x4fa59ad6 // fmul v22.4s, v22.4s, v5.s[3]
	ADD    R9<<2, R1, R9
	FMOVQ  0(R7), F6
	WORD $0x4e33d56b // fadd v11.4s, v11.4s, v19.4s
	WORD $0x4fa59af7 // fmul v23.4s, v23.4s, v5.s[3]
	ADD    R10<<2, R1, R10
	FMOVQ  16(R7), F7
	WORD $0x4e34d58c // fadd v12.4s, v12.4s, v20.4s
	WORD $0x4fa59b18 // fmul v24.4s, v24.4s, v5.s[3]
	SUB    $1, R6
	FMOVQ  32(R7), F8
	WORD $0x4e35d5ad // fadd v13.4s, v13.4s, v21.4s
	WORD $0x4fa59b39 // fmul v25.4s, v25.4s, v5.s[3]
	ADD    $32, R5
	FMOVQ  48(R7), F9
	WORD $0x4e36d54a // fadd v10.4s, v10.4s, v22.4s
	WORD $0x4f8490c6 // fmul v6.4s, v6.4s, v4.s[0]
	FMOVQ  0(R8), F14
	FMOVQ  16(R8), F15
	WORD $0x4e37d56b // fadd v11.4s, v11.4s, v23.4s
	WORD $0x4f8490e7 // fmul v7.4s, v7.4s, v4.s[0]
	FMOVQ  32(R8), F16
	FMOVQ  48(R8), F17
	WORD $0x4e38d58c // fadd v12.4s, v12.4s, v24.4s
	WORD $0x4f849108 // fmul v8.4s, v8.4s, v4.s[0]
	FMOVQ  0(R9), F18
	WORD $0x4e39d5ad // fadd v13.4s, v13.4s, v25.4s
	WORD $0x4f849129 // fmul v9.4s, v9.4s, v4.s[0]
	FMOVQ  16(R9), F19
	WORD $0x4e2ad400 // fadd v0.4s, v0.4s, v10.4s
	WORD $0x4fa491ce // fmul v14.4s, v14.4s, v4.s[1]
	FMOVQ  32(R9), F20
	FMOVQ  48(R9), F21
	WORD $0x4e2bd421 // fadd v1.4s, v1.4s, v11.4s
	WORD $0x4fa491ef // fmul v15.4s, v15.4s, v4.s[1]
	FMOVQ  0(R10), F22
	FMOVQ  16(R10), F23
	WORD $0x4e2cd442 // fadd v2.4s, v2.4s, v12.4s
	WORD $0x4fa49210 // fmul v16.4s, v16.4s, v4.s[1]
	FMOVQ  32(R10), F24
	WORD $0x4e2dd463 // fadd v3.4s, v3.4s, v13.4s
	WORD $0x4fa49231 // fmul v17.4s, v17.4s, v4.s[1]
	FMOVQ  48(R10), F25
	CBNZ   R6, bilinearSumNEONwidetap

bilinearSumNEONwidelastA:
	WORD $0x4e2ed4c6 // fadd v6.4s, v6.4s, v14.4s
	WORD $0x4f849a52 // fmul v18.4s, v18.4s, v4.s[2]
	WORD $0x4e2fd4e7 // fadd v7.4s, v7.4s, v15.4s
	WORD $0x4f849a73 // fmul v19.4s, v19.4s, v4.s[2]
	WORD $0x4e30d508 // fadd v8.4s, v8.4s, v16.4s
	WORD $0x4f849a94 // fmul v20.4s, v20.4s, v4.s[2]
	WORD $0x4e31d529 // fadd v9.4s, v9.4s, v17.4s
	WORD $0x4f849ab5 // fmul v21.4s, v21.4s, v4.s[2]
	WORD $0x4e32d4c6 // fadd v6.4s, v6.4s, v18.4s
	WORD $0x4fa49ad6 // fmul v22.4s, v22.4s, v4.s[3]
	WORD $0x4e33d4e7 // fadd v7.4s, v7.4s, v19.4s
	WORD $0x4fa49af7 // fmul v23.4s, v23.4s, v4.s[3]
	WORD $0x4e34d508 // fadd v8.4s, v8.4s, v20.4s
	WORD $0x4fa49b18 // fmul v24.4s, v24.4s, v4.s[3]
	WORD $0x4e35d529 // fadd v9.4s, v9.4s, v21.4s
	WORD $0x4fa49b39 // fmul v25.4s, v25.4s, v4.s[3]
	WORD $0x4e36d4c6 // fadd v6.4s, v6.4s, v22.4s
	WORD $0x4e37d4e7 // fadd v7.4s, v7.4s, v23.4s
	WORD $0x4e38d508 // fadd v8.4s, v8.4s, v24.4s
	WORD $0x4e39d529 // fadd v9.4s, v9.4s, v25.4s
	WORD $0x4e26d400 // fadd v0.4s, v0.4s, v6.4s
	WORD $0x4e27d421 // fadd v1.4s, v1.4s, v7.4s
	WORD $0x4e28d442 // fadd v2.4s, v2.4s, v8.4s
	WORD $0x4e29d463 // fadd v3.4s, v3.4s, v9.4s
	B      bilinearSumNEONwidestore

bilinearSumNEONwidelastB:
	WORD $0x4e2ed54a // fadd v10.4s, v10.4s, v14.4s
	WORD $0x4f859a52 // fmul v18.4s, v18.4s, v5.s[2]
	WORD $0x4e2fd56b // fadd v11.4s, v11.4s, v15.4s
	WORD $0x4f859a73 // fmul v19.4s, v19.4s, v5.s[2]
	WORD $0x4e30d58c // fadd v12.4s, v12.4s, v16.4s
	WORD $0x4f859a94 // fmul v20.4s, v20.4s, v5.s[2]
	WORD $0x4e31d5ad // fadd v13.4s, v13.4s, v17.4s
	WORD $0x4f859ab5 // fmul v21.4s, v21.4s, v5.s[2]
	WORD $0x4e32d54a // fadd v10.4s, v10.4s, v18.4s
	WORD $0x4fa59ad6 // fmul v22.4s, v22.4s, v5.s[3]
	WORD $0x4e33d56b // fadd v11.4s, v11.4s, v19.4s
	WORD $0x4fa59af7 // fmul v23.4s, v23.4s, v5.s[3]
	WORD $0x4e34d58c // fadd v12.4s, v12.4s, v20.4s
	WORD $0x4fa59b18 // fmul v24.4s, v24.4s, v5.s[3]
	WORD $0x4e35d5ad // fadd v13.4s, v13.4s, v21.4s
	WORD $0x4fa59b39 // fmul v25.4s, v25.4s, v5.s[3]
	WORD $0x4e36d54a // fadd v10.4s, v10.4s, v22.4s
	WORD $0x4e37d56b // fadd v11.4s, v11.4s, v23.4s
	WORD $0x4e38d58c // fadd v12.4s, v12.4s, v24.4s
	WORD $0x4e39d5ad // fadd v13.4s, v13.4s, v25.4s
	WORD $0x4e2ad400 // fadd v0.4s, v0.4s, v10.4s
	WORD $0x4e2bd421 // fadd v1.4s, v1.4s, v11.4s
	WORD $0x4e2cd442 // fadd v2.4s, v2.4s, v12.4s
	WORD $0x4e2dd463 // fadd v3.4s, v3.4s, v13.4s

bilinearSumNEONwidestore:
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
	LDPSW  0(R2), (R7, R8)
	LDPSW  8(R2), (R9, R10)
	FMOVQ  16(R2), F4
	MOVD   R2, R5
	ADD    R7<<2, R1, R7
	ADD    R8<<2, R1, R8
	ADD    R9<<2, R1, R9
	ADD    R10<<2, R1, R10
	FMOVQ  (R7), F8
	FMOVQ  (R8), F12
	FMOVQ  (R9), F16
	FMOVQ  (R10), F20
	VEOR V0.B16, V0.B16, V0.B16
	SUB  $1, R3, R6
	CBZ  R6, bilinearSumNEONonelastA

bilinearSumNEONonetap:
	WORD $0x4f849108 // fmul v8.4s, v8.4s, v4.s[0]
	LDPSW  32(R5), (R11, R12)
	WORD $0x4fa4918c // fmul v12.4s, v12.4s, v4.s[1]
	LDPSW  40(R5), (R13, R14)
	WORD $0x4f849a10 // fmul v16.4s, v16.4s, v4.s[2]
	SUB    $1, R6
	WORD $0x4fa49a94 // fmul v20.4s, v20.4s, v4.s[3]
	FMOVQ  48(R5), F5
	WORD $0x4e2cd508 // fadd v8.4s, v8.4s, v12.4s
	ADD    R11<<2, R1, R11
	ADD    R12<<2, R1, R12
	ADD    R13<<2, R1, R13
	ADD    R14<<2, R1, R14
	FMOVQ  (R11), F9
	WORD $0x4e30d508 // fadd v8.4s, v8.4s, v16.4s
	FMOVQ  (R12), F13
	FMOVQ  (R13), F17
	FMOVQ  (R14), F21
	WORD $0x4e34d508 // fadd v8.4s, v8.4s, v20.4s
	ADD    $32, R5
	WORD $0x4e28d400 // fadd v0.4s, v0.4s, v8.4s
	CBZ    R6, bilinearSumNEONonelastB
	WORD $0x4f859129 // fmul v9.4s, v9.4s, v5.s[0]
	LDPSW  32(R5), (R7, R8)
	WORD $0x4fa591ad // fmul v13.4s, v13.4s, v5.s[1]
	LDPSW  40(R5), (R9, R10)
	WORD $0x4f859a31 // fmul v17.4s, v17.4s, v5.s[2]
	SUB    $1, R6
	WORD $0x4fa59ab5 // fmul v21.4s, v21.4s, v5.s[3]
	FMOVQ  48(R5), F4
	WORD $0x4e2dd529 // fadd v9.4s, v9.4s, v13.4s
	ADD    R7<<2, R1, R7
	ADD    R8<<2, R1, R8
	ADD    R9<<2, R1, R9
	ADD    R10<<2, R1, R10
	FMOVQ  (R7), F8
	WORD $0x4e31d529 // fadd v9.4s, v9.4s, v17.4s
	FMOVQ  (R8), F12
	FMOVQ  (R9), F16
	FMOVQ  (R10), F20
	WORD $0x4e35d529 // fadd v9.4s, v9.4s, v21.4s
	ADD    $32, R5
	WORD $0x4e29d400 // fadd v0.4s, v0.4s, v9.4s
	CBNZ   R6, bilinearSumNEONonetap

bilinearSumNEONonelastA:
	WORD $0x4f849108 // fmul v8.4s, v8.4s, v4.s[0]
	WORD $0x4fa4918c // fmul v12.4s, v12.4s, v4.s[1]
	WORD $0x4f849a10 // fmul v16.4s, v16.4s, v4.s[2]
	WORD $0x4fa49a94 // fmul v20.4s, v20.4s, v4.s[3]
	WORD $0x4e2cd508 // fadd v8.4s, v8.4s, v12.4s
	WORD $0x4e30d508 // fadd v8.4s, v8.4s, v16.4s
	WORD $0x4e34d508 // fadd v8.4s, v8.4s, v20.4s
	WORD $0x4e28d400 // fadd v0.4s, v0.4s, v8.4s
	B      bilinearSumNEONonestore

bilinearSumNEONonelastB:
	WORD $0x4f859129 // fmul v9.4s, v9.4s, v5.s[0]
	WORD $0x4fa591ad // fmul v13.4s, v13.4s, v5.s[1]
	WORD $0x4f859a31 // fmul v17.4s, v17.4s, v5.s[2]
	WORD $0x4fa59ab5 // fmul v21.4s, v21.4s, v5.s[3]
	WORD $0x4e2dd529 // fadd v9.4s, v9.4s, v13.4s
	WORD $0x4e31d529 // fadd v9.4s, v9.4s, v17.4s
	WORD $0x4e35d529 // fadd v9.4s, v9.4s, v21.4s
	WORD $0x4e29d400 // fadd v0.4s, v0.4s, v9.4s

bilinearSumNEONonestore:
	WORD $0x6e3ffc00 // fdiv v0.4s, v0.4s, v31.4s
	VST1.P [V0.S4], 16(R0)
	ADD    $16, R1
	SUB    $4, R4
	B      bilinearSumNEONone

bilinearSumNEONdone:
	RET
