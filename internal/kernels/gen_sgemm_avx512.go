//go:build ignore

// gen_sgemm_avx512 writes sgemm_avx512_amd64.s, the AVX-512 GEMM tile kernel: one block of code
// per row count (1-8) and column strip (48 columns, a last strip of 49-52 with its last 1-4
// columns vectorized over the rows, and the last strip of 1-16, 17-32 or 33-47 columns), which
// written by hand would be a few thousand lines of near-copies. Run it with
// `go generate ./internal/kernels` after changing it (-o names another output file);
// TestSgemmAVX512Generated fails when the committed file differs from its output.
package main

import (
	"fmt"

	"github.com/shuffledet/shuffledet/internal/kernels/internal/asmgen"
)

const rowsMax, vecs = 8, 3 // the tile: 8 rows of C by 3 vectors of 16 columns

// Operand addresses of row i (sgemm_amd64.h: SI and R10 walk a's rows 0 and 4; DI and BX are c's
// rows 0 and 4 after the k loop; SI and R10 then the residual's).
var (
	aRow   = [rowsMax]string{"(SI)", "(SI)(R8*1)", "(SI)(R8*2)", "(SI)(R9*1)", "(R10)", "(R10)(R8*1)", "(R10)(R8*2)", "(R10)(R9*1)"}
	cRow   = [rowsMax]string{"(DI)", "(DI)(R12*1)", "(DI)(R12*2)", "(DI)(R13*1)", "(BX)", "(BX)(R12*1)", "(BX)(R12*2)", "(BX)(R13*1)"}
	resRow = [rowsMax]string{"(SI)", "(SI)(R12*1)", "(SI)(R12*2)", "(SI)(R13*1)", "(R10)", "(R10)(R12*1)", "(R10)(R12*2)", "(R10)(R13*1)"}
)

// acc is the accumulator of row i, vector v; Z24-Z26 hold the row of b, Z27 the broadcast
// element of a.
func acc(i, v int) string { return fmt.Sprintf("Z%d", vecs*i+v) }

// vecOff is vector v's byte offset in a row.
func vecOff(v int) string {
	if v == 0 {
		return ""
	}
	return fmt.Sprint(64 * v)
}

// writer collects the lines of the output file; the kernel's writers are its methods.
type writer struct{ asmgen.Emitter }

// block writes one strip of nv vectors for r rows: clear, the k loop, the epilogue. With masked,
// the last vector's columns are those set in K1 (the last strip). With tail t > 0 (nv = vecs,
// not masked), the strip also computes the t <= maxFusedTail columns past its 48, fused: see
// tailSetup.
func (w *writer) block(label string, r, nv int, masked bool, t int) {
	w.tailSetup(r, t)
	w.P("\tSTRIP")
	for i := 0; i < r; i++ {
		for v := 0; v < nv; v++ {
			w.P("\tVPXORD %s, %s, %s", acc(i, v), acc(i, v), acc(i, v))
		}
	}
	for q := 0; q < pairs(t); q++ {
		w.P("\tVPXORD %s, %s, %s", tailAcc[q], tailAcc[q], tailAcc[q])
	}
	w.P("\n%sk:", label)
	for v := 0; v < nv; v++ {
		if masked && v == nv-1 {
			w.P("\tVMOVUPS.Z %s(BX), K1, Z%d", vecOff(v), 24+v)
		} else {
			w.P("\tVMOVUPS %s(BX), Z%d", vecOff(v), 24+v)
		}
	}
	for i := 0; i < r; i++ {
		w.P("\tVBROADCASTSS %s, Z27", aRow[i])
		for v := 0; v < nv; v++ {
			w.P("\tVFMADD231PS Z%d, Z27, %s", 24+v, acc(i, v))
		}
		if t > 0 {
			if i == 0 {
				w.P("\tVMOVAPS Z27, Z30") // a new chain each k step: none runs through the loop
			} else {
				w.P("\tVMOVAPS Z27, K%d, Z30", i)
			}
		}
	}
	for q := 0; q < pairs(t); q++ {
		if off := 64*vecs + 8*q; 2*q+1 < t {
			w.P("\tVBROADCASTSD %d(BX), Z28", off)
		} else {
			w.P("\tVBROADCASTSS %d(BX), Z28", off)
		}
		w.P("\tVFMADD231PS Z28, Z30, %s", tailAcc[q])
	}
	w.P("\tNEXTK")
	w.P("\tJNZ %sk", label)
	w.P("")
	if pairs(t) > 1 {
		w.P("\tVMOVAPS Z29, Z30") // EPISETUP512 loads the floor into Z29
	}
	w.P("\tLEAQ (DI)(R12*4), BX")
	w.P("\tEPISETUP512")
	for i := 0; i < r; i++ {
		for v := 0; v < nv; v++ {
			c, res := vecOff(v)+cRow[i], vecOff(v)+resRow[i]
			if masked && v == nv-1 {
				w.P("\tEPI16M(%s, %s, %d, %s)", c, res, 96+4*i, acc(i, v))
			} else {
				w.P("\tEPI16(%s, %s, %d, %s)", c, res, 96+4*i, acc(i, v))
			}
		}
	}
	w.tailEpilogue(r, t)
}

// maxFusedTail is the widest tail fused into a last strip of 48+t columns.
const maxFusedTail = 4

// tailAcc holds pair q of a fused tail's columns.
var tailAcc = [2]string{"Z31", "Z29"}

// pairs is how many accumulators a fused tail of t columns takes.
func pairs(t int) int { return (t + 1) / 2 }

// tailSetup starts a strip with a fused tail of t columns (none when t is 0) for r rows: the t
// columns past the strip's 48 are vectorized over the rows instead of a masked vector a row (8
// FMAs a k step for 8 values of each column). Each k step copies row 0's broadcast of a into Z30
// and blends in the other r-1, row i into lanes 2i and 2i+1 under mask K(i), set here; a pair of
// b's elements broadcast as one 64-bit value (VBROADCASTSD; an odd last column on its own,
// VBROADCASTSS) then gives lane 2i+j the product for row i and column 48+2q+j in one FMA into
// pair q's accumulator (tailAcc). Each output is still one FMA chain over k in order from zero,
// and its epilogue EPI16's operations on one lane (EPI1, tailEpilogue), so every value is bit for
// bit what the masked strip gives.
func (w *writer) tailSetup(r, t int) {
	if t == 0 {
		return
	}
	for i := 1; i < r; i++ { // K(i): row i's lanes
		w.P("\tMOVL $%#x, CX", 3<<(2*i))
		w.P("\tKMOVW CX, K%d", i)
	}
}

// tailEpilogue stores a fused tail's t columns for r rows: each pair's values, row by row, come
// to lane 0 of Z31 in turn (the second pair's from Z30, where block saved it).
func (w *writer) tailEpilogue(r, t int) {
	for q := 0; q < pairs(t); q++ {
		if q == 1 {
			w.P("\tVMOVAPS Z30, Z31")
		}
		cols := min(2, t-2*q)
		for i := 0; i < r; i++ {
			for j := 0; j < 2; j++ {
				if j < cols {
					col := fmt.Sprint(64*vecs + 4*(2*q+j))
					w.P("\tEPI1(%s, %s, %d)", col+cRow[i], col+resRow[i], 96+4*i)
				}
				if i < r-1 || j == 0 && cols == 2 {
					w.P("\tVALIGND $1, Z31, Z31, Z31")
				}
			}
		}
	}
}

func main() {
	var w writer
	w.Header("gen_sgemm_avx512.go", "sgemm_amd64.h")
	w.P(`
// sgemmKernelAVX512: 8x48 tiles of C in Z registers (AVX-512F), row i in Z(3i) to Z(3i+2); the
// last strip of 1-47 columns takes one, two or three vectors a row, the last one masked (K1); a
// last strip of 49-52 columns takes three vectors a row and its last 1-4 columns in Z31 and Z29,
// two lanes a row (fused: K1-K7 then mark the rows' lanes).
// Each k step loads 3 vectors of b and broadcasts 8 elements of a for 24 FMAs.

// The epilogue of one vector of a row (tileEpilogue, sgemm_tiled.go; K3 keepC, K4 addRes, Z29 the
// floor, loaded by EPISETUP512): acc += keepC ? c : bias (boff(CX)); acc += res where addRes;
// c = floor > acc ? floor : acc. The masked form touches only the lanes set in K1; masked-off
// lanes of a load do not fault.
#define EPI16(caddr, raddr, boff, acc) \
	VBROADCASTSS boff(CX), Z28; \
	VMOVUPS caddr, K3, Z28; \
	VADDPS Z28, acc, acc; \
	VADDPS raddr, acc, K4, acc; \
	VMAXPS acc, Z29, acc; \
	VMOVUPS acc, caddr
#define EPI16M(caddr, raddr, boff, acc) \
	KANDW K3, K1, K5; \
	KANDW K4, K1, K6; \
	VBROADCASTSS boff(CX), Z28; \
	VMOVUPS caddr, K5, Z28; \
	VADDPS Z28, acc, acc; \
	VADDPS raddr, acc, K6, acc; \
	VMAXPS acc, Z29, acc; \
	VMOVUPS acc, K1, caddr
#define EPISETUP512 EPISETUP; KMOVW (CX), K3; KMOVW 32(CX), K4; VBROADCASTSS 64(CX), Z29
// EPI16's operations on lane 0 of X31 (one row's sum of a fused tail column).
#define EPI1(caddr, raddr, boff) \
	VMOVSS boff(CX), X28; \
	VMOVSS caddr, K3, X28; \
	VADDSS X28, X31, X24; \
	VADDSS raddr, X24, K4, X24; \
	VMAXSS X24, X29, X24; \
	VMOVSS X24, caddr

// K1 = the lanes of the last vector of a last strip of DX (1-47) columns.
#define LASTMASK \
	MOVQ  DX, CX; \
	DECQ  CX; \
	ANDQ  $15, CX; \
	INCQ  CX; \
	MOVQ  $1, BX; \
	SHLQ  CX, BX; \
	DECQ  BX; \
	KMOVW BX, K1

// func sgemmKernelAVX512(rows, k, n int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, ep *tileEpilogue)
TEXT ·sgemmKernelAVX512(SB), NOSPLIT, $0-80
	SETUP
	MOVQ rows+0(FP), CX`)
	for r := rowsMax; r > 1; r-- {
		w.P("\tCMPQ CX, $%d", r)
		w.P("\tJEQ  rows%d", r)
	}
	w.P("\tJMP  rows1")
	for r := rowsMax; r >= 1; r-- {
		l := fmt.Sprintf("rows%d", r)
		w.P("\n%s:", l)
		w.P("\tCMPQ DX, $%d", 16*vecs)
		w.P("\tJLT  %stail", l)
		w.P("\n%sn:", l)
		w.P("\tMOVQ DX, CX")
		w.P("\tSUBQ $%d, CX", 16*vecs+1)
		w.P("\tCMPQ CX, $%d", maxFusedTail-1)
		w.P("\tJLS  %sx", l) // 48+1 <= DX <= 48+maxFusedTail (unsigned)
		w.block(l+"n", r, vecs, false, 0)
		w.P("\tADDQ $%d, DI", 64*vecs)
		w.P("\tADDQ $%d, R14", 64*vecs)
		w.P("\tSUBQ $%d, DX", 16*vecs)
		w.P("\tCMPQ DX, $%d", 16*vecs)
		w.P("\tJGE  %sn", l)
		w.P("\tJMP  %stail", l)
		w.P("\n%sx:", l)
		for t := 1; t < maxFusedTail; t++ {
			w.P("\tCMPQ DX, $%d", 16*vecs+t)
			w.P("\tJEQ  %sx%d", l, t)
		}
		for t := maxFusedTail; t >= 1; t-- {
			w.P("\n%sx%d:", l, t)
			w.block(fmt.Sprintf("%sx%d", l, t), r, vecs, false, t)
			w.P("\tJMP done")
		}
		w.P("\n%stail:", l)
		w.P("\tTESTQ DX, DX")
		w.P("\tJZ    done")
		w.P("\tLASTMASK")
		for nv := 1; nv < vecs; nv++ {
			w.P("\tCMPQ DX, $%d", 16*nv)
			w.P("\tJLE  %st%d", l, nv)
		}
		for nv := vecs; nv >= 1; nv-- {
			t := fmt.Sprintf("%st%d", l, nv)
			w.P("\n%s:", t)
			w.block(t, r, nv, true, 0)
			w.P("\tJMP done")
		}
	}
	w.P("\ndone:\n\tVZEROUPPER\n\tRET")
	w.WriteFile("sgemm_avx512_amd64.s")
}
