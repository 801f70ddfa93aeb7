//go:build !noasm

#include "textflag.h"

// Sum's AVX-512 kernel (sumAVX512 in kernels_amd64.go): 16 partial sums, one vector add per 16
// values, the last n%16 values through a masked load, then the 16 lanes added pairwise. The box
// head's global average pool sums 49-value planes: four vector adds and the reduction.

// func sumAVX512(x *float32, n int) float32
TEXT ·sumAVX512(SB), NOSPLIT, $0-20
	MOVQ   x+0(FP), SI
	MOVQ   n+8(FP), CX
	VPXORD Z0, Z0, Z0

sum512loop:
	CMPQ   CX, $16
	JLT    sum512tail
	VADDPS (SI), Z0, Z0
	ADDQ   $64, SI
	SUBQ   $16, CX
	JMP    sum512loop

sum512tail:
	TESTQ     CX, CX
	JZ        sum512reduce
	MOVQ      $1, AX
	SHLQ      CX, AX
	DECQ      AX
	KMOVW     AX, K1
	VMOVUPS.Z (SI), K1, Z1
	VADDPS    Z1, Z0, Z0

sum512reduce:
	VEXTRACTF64X4 $1, Z0, Y1
	VADDPS        Y1, Y0, Y0
	VEXTRACTF128  $1, Y0, X1
	VADDPS        X1, X0, X0
	VPERMILPS     $0x4e, X0, X1
	VADDPS        X1, X0, X0
	VPERMILPS     $0xb1, X0, X1
	VADDPS        X1, X0, X0
	MOVSS         X0, ret+16(FP)
	VZEROUPPER
	RET

// Sum's AVX2 kernel (sumAVX2 in kernels_amd64.go): as sumAVX512 with 8 partial sums; the last
// n%8 values through a masked load (VMASKMOVPS, lanes from the count compared with 0..7).
DATA sumLanes8<>+0(SB)/4, $0
DATA sumLanes8<>+4(SB)/4, $1
DATA sumLanes8<>+8(SB)/4, $2
DATA sumLanes8<>+12(SB)/4, $3
DATA sumLanes8<>+16(SB)/4, $4
DATA sumLanes8<>+20(SB)/4, $5
DATA sumLanes8<>+24(SB)/4, $6
DATA sumLanes8<>+28(SB)/4, $7
GLOBL sumLanes8<>(SB), RODATA|NOPTR, $32

// func sumAVX2(x *float32, n int) float32
TEXT ·sumAVX2(SB), NOSPLIT, $0-20
	MOVQ   x+0(FP), SI
	MOVQ   n+8(FP), CX
	VXORPS Y0, Y0, Y0

sum256loop:
	CMPQ   CX, $8
	JLT    sum256tail
	VADDPS (SI), Y0, Y0
	ADDQ   $32, SI
	SUBQ   $8, CX
	JMP    sum256loop

sum256tail:
	TESTQ        CX, CX
	JZ           sum256reduce
	VMOVD        CX, X2
	VPBROADCASTD X2, Y2
	VMOVDQU      sumLanes8<>(SB), Y3
	VPCMPGTD     Y3, Y2, Y2 // lane i: n%8 > i
	VMASKMOVPS   (SI), Y2, Y1
	VADDPS       Y1, Y0, Y0

sum256reduce:
	VEXTRACTF128 $1, Y0, X1
	VADDPS       X1, X0, X0
	VPERMILPS    $0x4e, X0, X1
	VADDPS       X1, X0, X0
	VPERMILPS    $0xb1, X0, X1
	VADDPS       X1, X0, X0
	MOVSS        X0, ret+16(FP)
	VZEROUPPER
	RET
