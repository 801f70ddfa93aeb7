//go:build !noasm

#include "textflag.h"

// prefetchRows (kernels_amd64.go): one PREFETCHT0 per 64-byte line of rows rows of lines lines
// each, stride floats apart. A hint only: it loads nothing into registers and faults on no address.

// func prefetchRows(p *float32, stride, rows, lines int)
TEXT ·prefetchRows(SB), NOSPLIT, $0-32
	MOVQ p+0(FP), SI
	MOVQ stride+8(FP), BX
	MOVQ rows+16(FP), CX
	MOVQ lines+24(FP), DX
	SHLQ $2, BX

prefetchrow:
	MOVQ SI, DI
	MOVQ DX, AX

prefetchline:
	PREFETCHT0 (DI)
	ADDQ       $64, DI
	DECQ       AX
	JNZ        prefetchline
	ADDQ       BX, SI
	DECQ       CX
	JNZ        prefetchrow
	RET
