//go:build ignore

// gen_depthwise4_neon writes depthwise4_arm64.s, the NEON depthwise 3x3 row kernels of 4 outputs
// per step, dw3x3s1NEON and dw3x3s2NEON (dwRowKernel in depthwise_simd.go). Where all three input
// rows are there and the row step is the plane's, a kernel goes down all m output rows of a block
// of 4 columns, each input row loaded once for the output rows it feeds, software-pipelined two
// output rows a half step: the loop's two halves (the tap register sets X and Y trading places),
// the copies of each without the look-ahead loads that end a block, and the copies for an odd
// last row differ only in their registers, so one function writes each kind. Otherwise a kernel
// goes one output row at a time, 8 columns a step, then 4. Run it with `go generate
// ./internal/kernels` after changing it (-o names another output file);
// TestDepthwise4NEONGenerated fails when the committed file differs from its output.
package main

import (
	"fmt"
	"slices"

	"github.com/shuffledet/shuffledet/internal/kernels/internal/asmgen"
)

// main writes the kernels to the file named by -o.
func main() {
	var e emitter
	e.Header("gen_depthwise4_neon.go", "depthwise_arm64.h")
	e.P(`
// Depthwise 3x3 row kernels (dwRowKernel in depthwise_simd.go), 4 outputs per step (NEON). Besides
// DWSETUP's registers (depthwise_arm64.h): R19 set when there are fewer than 2 input rows, R20
// fewer than 3; the bias saved in the frame (bias4-16(SP)) so that a sum starts from an LDR, not
// a VMOV on the Cortex-A57's FP pipes. With all three input rows and the plane's row step, a
// block of 4 columns goes down all m output rows (s1block, s2block; gen_depthwise4_neon.go
// describes the scheme); otherwise one output row at a time, 8 outputs a step in two sums (V0:
// columns 0-3, V16: 4-7), then 4 (s1one4, s2one4). Each sum adds w0 ... w8 in the one-row order,
// bit for bit.`)
	e.stride1()
	e.stride2()
	e.WriteFile("depthwise4_arm64.s")
}

// emitter collects the lines of the output file; the kernels' writers are its methods.
type emitter struct{ asmgen.Emitter }

// searched holds the instruction orders that a random search found for stretches of the loops,
// by name: the stretch's instructions as written here, indexed in the searched order (nil: as
// written). The search (over the orders the dependencies allow: each register's reads and writes
// in order, so each sum's FMLAs keep theirs, no memory access past a store, branches and labels
// fixed) ran each loop through llvm-mca's cortex-a55, cortex-a57 and apple-a13 models and kept an
// order only where none was slower than the order as written before; the cycles it gave are with
// the loops' writers.
var searched = map[string][]int{
	"s1rowsX": {0, 4, 1, 2, 6, 11, 8, 12, 7, 10, 3, 5, 15, 14, 17, 9, 19, 21, 18, 13, 23, 25, 22, 28, 20, 29, 16, 24, 26, 27, 30, 31, 32},
	"s1rowsY": {0, 2, 5, 4, 1, 3, 8, 6, 7, 10, 13, 12, 9, 11, 17, 15, 14, 18, 19, 16, 21, 20, 23, 25, 22, 24, 29, 28, 30, 31, 26, 27, 32},
	"s2rowsX": {3, 0, 2, 1, 4, 5, 9, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17, 19, 18, 20, 21, 22, 25, 23, 26, 27, 28, 30, 29, 31, 33, 34, 35, 36, 37, 38, 32, 24, 39, 40},
	"s2rowsY": {0, 1, 3, 2, 4, 5, 9, 6, 10, 7, 8, 11, 12, 14, 13, 15, 17, 16, 19, 20, 21, 22, 18, 25, 23, 26, 27, 28, 29, 30, 24, 31, 33, 32, 34, 35, 36, 37, 38, 39, 40},
	"s1loop0": {1, 2, 0, 3, 4, 5, 6, 8, 7, 10, 11, 12, 13, 9, 14, 15},
	"s1store": {4, 0, 2, 3, 1},
	"s2loop0": {7, 4, 5, 2, 0, 6, 3, 1},
	"s2loop1": {0, 2, 1, 3, 4, 5, 9, 7, 8, 10, 6, 11},
	"s2loop2": {0, 1, 2, 8, 5, 3, 4, 7, 9, 10, 11, 12, 13, 6, 14, 15, 16, 17, 18, 24, 25, 19, 20, 23, 21, 22},
}

// insSearched writes the stretch named name in its searched order.
func (e *emitter) insSearched(name string, lines []string) {
	e.InsInOrder(name, searched[name], lines)
}

// fmlaW adds taps Vn times weight k (lane 0 of V1+k, as DWSETUP broadcasts it) to the sum Vd.
func fmlaW(d, n, k int) string { return asmgen.FMLAElem(d, n, 1+k, 0) }

// fmlaPacked adds taps Vn times weight k to the sum Vd, the weights packed four a register in
// V1-V3 (the stride-2 block's).
func fmlaPacked(d, n, k int) string { return asmgen.FMLAElem(d, n, 1+k/4, k%4) }

// biasQ starts the sum Vd from the bias saved in the frame.
func biasQ(d int) string { return fmt.Sprintf("\tFMOVQ bias4-16(SP), F%d", d) }

// store writes the sum Vd to the output row at out and steps out on two output rows (R9).
func store(d int, out string) []string {
	return []string{fmt.Sprintf("\tFMOVQ F%d, (%s)", d, out), fmt.Sprintf("\tADD  R9, %s", out)}
}

// head writes the TEXT line and the setup shared by both strides: DWSETUP, the bias saved in the
// frame, the row-count flags R19 and R20 (DWROWFLAGS), and the branch to the one-row path unless
// there are three input rows (the flags of DWROWFLAGS' CMP with 3).
func (e *emitter) head(s int) {
	e.P("")
	e.P("// func dw3x3s%dNEON(out, in *float32, w, nr int, wt *float32, n int, m, ldo, ldi int, bias float32)", s)
	e.P("TEXT ·dw3x3s%dNEON(SB), NOSPLIT, $16-76", s)
	e.Ins("\tDWSETUP",
		"\tFMOVQ F31, bias4-16(SP)",
		"\tDWROWFLAGS")
	e.P("\tBNE  s%drow", s)
}

// half is one half of a block loop step: its tap registers (the other half's are where it loads
// the next rows) and its sums, rows j, j+1, j+2 (and j+3 at stride 1) in turn.
type half struct {
	name string
	taps int // index into the kernel's two tap sets
	sums []int
}

// The two halves of a block step, the same at both strides but for the sum of row j+3.
var (
	s1halves = [2]half{{"X", 0, []int{16, 17, 18, 19}}, {"Y", 1, []int{18, 19, 16, 17}}}
	s2halves = [2]half{{"X", 0, []int{16, 17, 18}}, {"Y", 1, []int{18, 19, 16}}}
)

// blockLoop writes a block's loop (label s<s>rows) and its exits: each half with the next half's
// rows loaded ahead (body), the X half branching to Y's exit when fewer than two rows are left
// after it (the counter's sign), Y back to the top while two more are; then each half's exit, the
// body without loads ahead (last) that ends the last two rows, followed by the odd last row's
// tail (tail) where the counter's low bit says there is one, which ends the row j+2 that half
// started.
func (e *emitter) blockLoop(s int, count string, halves [2]half, body func(h, next half), last func(h half), tail func(sum int)) {
	e.P("")
	e.P("s%drows:", s)
	body(halves[0], halves[1])
	e.P("\tTBNZ $63, %s, s%dlast%s", count, s, halves[1].name)
	body(halves[1], halves[0])
	e.P("\tTBZ  $63, %s, s%drows", count, s)
	for _, h := range halves {
		e.P("")
		e.P("s%dlast%s:", s, h.name)
		last(h)
		e.P("\tTBZ  $0, %s, s%dnext", count, s)
		e.P("")
		e.P("s%dtail%d:", s, h.sums[2])
		tail(h.sums[2])
		e.P("\tB    s%dnext", s)
	}
	e.P("")
	e.P("s%dnext:", s)
	e.Ins("\tADD  $16, R10")
	e.P("\tADD  $%d, R11", 16*s)
	e.Ins("\tSUBS $4, R5")
	e.P("\tBGT  s%dblock", s)
	e.Ins("\tRET")
}

// s1taps is a stride-1 set's taps of two input rows (taps 0-2 of each, overlapping loads).
type s1taps [2][3]int

// s1sets is the stride-1 block's tap sets X and Y (V0 is free there: the sums are V16-V19).
var s1sets = [2]s1taps{{{20, 21, 22}, {23, 24, 25}}, {{26, 27, 28}, {29, 30, 0}}}

// load returns the loads of row r's three taps from ptr.
func (s s1taps) load(r int, ptr string) []string {
	var l []string
	for t := 0; t < 3; t++ {
		l = append(l, fmt.Sprintf("\tFMOVQ %d(%s), F%d", 4*t, ptr, s[r][t]))
	}
	return l
}

// stride1 writes dw3x3s1NEON.
//
// Its block path (nr = 3, ldi = w): a block of 4 columns goes down all m output rows, each input
// row's three taps loaded once for the three output rows it feeds (3 loads an output row instead
// of 9). A loop step (s1rows) is two halves of two output rows, the tap sets X (V20-V25: input
// rows j+2, j+3) and Y (V26-V30, V0: rows j+4, j+5, loaded ahead from R1 and R6) trading places;
// four sums are in flight, V16-V19 (rows j to j+3 in the X half, j+2, j+3, j, j+1 in the Y one):
// a half ends rows j and j+1 (their taps of row j+2, then j+3), adds row j+3 to j+2 (started
// in the half before), starts j+3 and, from the taps loaded ahead, j+4 (in the sum of row j, once
// stored), and loads the next half's taps among the FMLAs, so no FMLA waits on a load. The FMLAs take the weight by
// element (lane 0 of V1-V9), which llvm's Apple A13 model issues 3 a cycle against 2. With two or
// three rows left a half without loads ahead (s1lastX, s1lastY) ends the last two, and an odd last
// row takes its third input row alone (s1tail16, s1tail18; m = 1 goes there straight). R7 holds
// the rows left less 4, R8 and R9 two input and output rows in bytes, R0 and R21 the output rows.
// llvm-mca (bench/mca.py), per 4 output rows: cortex-a55 51 cycles, a57 36, a13 12 (two-row steps
// of 6 input rows before: 104, 40, 22; 58 on a55 before each row's sum started a half early, 56
// before its second input row's first two taps did too (s1early), 54 before the searched order).
// The stretches s1rowsX and s1rowsY are in the order searched (searched).
func (e *emitter) stride1() {
	e.head(1)
	e.Ins("\tCMP  R2, R14",
		"\tBNE  s1row",
		"\tLSL  $1, R2, R8",
		"\tLSL  $1, R13, R9",
		"\tMOVD n+40(FP), R5")
	x, y := s1sets[0], s1sets[1]
	e.P("")
	e.P("// A block of 4 columns: rows 0 and 1 into Y, their sums' first taps (V16: 6, V17: 3); rows 2")
	e.P("// and 3 into X, row 2's sum (V18) its first 3.")
	e.P("s1block:")
	e.Ins("\tMOVD R10, R0",
		"\tADD  R13, R0, R21",
		"\tMOVD R11, R1")
	e.Ins(y.load(0, "R1")...)
	e.Ins("\tADD  R2, R1")
	e.Ins(y.load(1, "R1")...)
	e.Ins("\tADD  R2, R1",
		"\tVMOV V31.B16, V16.B16",
		"\tVMOV V31.B16, V17.B16")
	for t := 0; t < 3; t++ {
		e.Ins(fmlaW(16, y[0][t], t), fmlaW(17, y[1][t], t))
	}
	for t := 0; t < 3; t++ {
		e.Ins(fmlaW(16, y[1][t], 3+t))
	}
	e.Ins("\tCMP  $1, R12",
		"\tBEQ  s1tail16",
		"\tADD  R2, R1, R6")
	e.Ins(x.load(0, "R1")...)
	e.Ins(x.load(1, "R6")...)
	e.Ins("\tVMOV V31.B16, V18.B16")
	for t := 0; t < 3; t++ {
		e.Ins(fmlaW(18, x[0][t], t))
	}
	for t := 0; t < s1early; t++ {
		e.Ins(fmlaW(17, x[0][t], 3+t))
	}
	e.Ins("\tADD  R8, R1",
		"\tADD  R8, R6",
		"\tSUB  $4, R12, R7",
		"\tTBNZ $63, R7, s1lastX")
	e.blockLoop(1, "R7", s1halves,
		func(h, next half) { e.s1half(h, s1sets[next.taps], true) },
		func(h half) { e.s1half(h, s1taps{}, false) },
		e.s1tail)
	e.rowByRow(1)
}

// s1early is how many of a sum's taps of its second input row (j+1's of row j+2) come in the half
// before its last, from the taps loaded ahead there: the sum of row j+1 then takes 4 FMLAs in its
// last half and 5 in the one before, not 6 and 3, and no sum more than 5 a half (20 cycles of
// FMLA latency on llvm-mca's Cortex-A55 against 24). Per step of 4 rows there, in the order as
// written: 1 tap 58 cycles, 2 taps 54, 3 taps 68 (56 before); cortex-a57 and apple-a13 as before.
const s1early = 2

// s1half writes a stride-1 half step: sums[0] and sums[1] (output rows j, j+1) end with the taps
// of input rows j+2 and j+3 (sums[1]'s first s1early taps of row j+2 came in the half before, or
// before the loop), sums[2] adds row j+3's (its row j+2 came in the half before, or before the
// loop) and, ahead, sums[3] starts from row j+3 and adds the first s1early taps of row j+4
// (next's row 0), and sums[0], once stored, starts over as the next half's sums[2] (row j+4)
// from next's row 0. Ahead, the FMLAs go round the sums (sums[1] first), with rows j+4 and j+5's
// loads into next after the first six of them, two rows counted off R7 first and sums[0] stored
// three FMLAs after its last (58 -> 56 cycles a step on the a55), then the half is written in its
// searched order. The last half alternates the first two sums, then the second and third.
func (e *emitter) s1half(h half, next s1taps, ahead bool) {
	cur, sums := s1sets[h.taps], h.sums
	var a, b, c, d, f []string
	for t := 0; t < 3; t++ {
		a = append(a, fmlaW(sums[0], cur[0][t], 6+t))
		c = append(c, fmlaW(sums[2], cur[1][t], 3+t))
		d = append(d, fmlaW(sums[3], cur[1][t], t))
	}
	for t := s1early; t < 3; t++ {
		b = append(b, fmlaW(sums[1], cur[0][t], 3+t))
	}
	for t := 0; t < 3; t++ {
		b = append(b, fmlaW(sums[1], cur[1][t], 6+t))
	}
	for t := 0; t < s1early && ahead; t++ {
		d = append(d, fmlaW(sums[3], next[0][t], 3+t))
	}
	if !ahead {
		e.Ins(asmgen.Interleave(a, b[:3])...)
		e.Ins(store(sums[0], "R0")...)
		e.Ins(asmgen.Interleave(b[3:], c)...)
		e.Ins(store(sums[1], "R21")...)
		return
	}
	for t := 0; t < 3; t++ {
		f = append(f, fmlaW(sums[0], next[0][t], t))
	}
	order := roundRobin(b, slices.Concat(a, f), c, d)
	slot := map[int][]string{}
	for t, l := range slices.Concat(next.load(0, "R1"), next.load(1, "R6")) {
		slot[t] = append(slot[t], l)
	}
	slot[6] = append(slot[6], "\tADD  R8, R1", "\tADD  R8, R6")
	storeA, endB := slices.Index(order, a[len(a)-1])+3, slices.Index(order, b[len(b)-1])
	slot[storeA] = append(slot[storeA], slices.Concat(store(sums[0], "R0"), []string{biasQ(sums[0])})...)
	lines := []string{biasQ(sums[3]), "\tSUB  $2, R7"}
	for k, x := range order {
		lines = append(lines, x)
		lines = append(lines, slot[k]...)
		if k == endB {
			lines = append(lines, store(sums[1], "R21")...)
		}
	}
	e.insSearched("s1rows"+h.name, lines)
}

// s1tail ends the sum Vd of an odd last row with its third input row (R1) and stores it.
func (e *emitter) s1tail(d int) {
	for t := 0; t < 3; t++ {
		e.P("\tFMOVQ %d(R1), F%d", 4*t, 10+t)
	}
	for t := 0; t < 3; t++ {
		e.Ins(fmlaW(d, 10+t, 6+t))
	}
	e.P("\tFMOVQ F%d, (R0)", d)
}

// s2taps is a stride-2 set's taps of four input rows: VLD2 splits q[0:8] into the even columns
// (tap 0) and the odd ones (tap 1); tap 2 (the even columns of q[2:9]) is tap 0 shifted on by one
// lane with EXT, q[8] loaded alone into V0 (one VLD2 less a row).
type s2taps [4][3]int

// s2sets is the stride-2 block's tap sets X and Y, and s2ptr the input rows they load from.
var (
	s2sets = [2]s2taps{
		{{4, 5, 6}, {7, 8, 9}, {10, 11, 12}, {13, 14, 15}},
		{{20, 21, 22}, {23, 24, 25}, {26, 27, 28}, {29, 30, 31}},
	}
	s2ptr = [4]string{"R1", "R6", "R7", "R15"}
)

// load returns the VLD2, the scalar load and the EXT of row r's taps from ptr.
func (s s2taps) load(r int, ptr string) []string {
	return []string{
		fmt.Sprintf("\tVLD2 (%s), [V%d.S4, V%d.S4]", ptr, s[r][0], s[r][1]),
		fmt.Sprintf("\tFMOVS 32(%s), F0", ptr),
		fmt.Sprintf("\tVEXT $4, V0.B16, V%d.B16, V%d.B16", s[r][0], s[r][2]),
	}
}

// stride2 writes dw3x3s2NEON.
//
// Its block path (nr = 3, ldi = 2w) goes down all m output rows of a block of 4 columns, as at
// stride 1. A loop step (s2rows) is two halves of two output rows j, j+1 (input rows 2j+1 to 2j+4
// in the set X, V4-V15, or Y, V20-V31, three taps a row; the next half's four rows loaded ahead
// into the other set from R1, R6, R7, R15 among the FMLAs): a half ends row j (taps of 2j+1,
// 2j+2) and row j+1 (2j+3, 2j+4: its first input row, 2j+2, came in the half before, from that
// half's loads ahead) and starts j+2 (2j+4) and the next half's j+3 (2j+6, loaded ahead), four
// sums in flight (V16-V18 and V19, then V18, V19, V16 and V17), none taking more than 6 FMLAs
// in a half. Weights by element: w0-w3 in V1, w4-w7 in V2, w8 in V3; the bias comes from the
// frame. With two or three rows left a half without loads ahead ends the last two (s2lastX,
// s2lastY); an odd last row takes its last two input rows alone (s2tail16, s2tail18; m = 1 goes
// there straight). R24 holds the rows left less 4, R8 four input rows in bytes, R9 two output
// rows. llvm-mca (bench/mca.py), per 4 output rows: cortex-a55 63 cycles, a57 48, a13 20 (66 on
// a55 before the searched order of the stretches s2rowsX and s2rowsY; two-row
// steps of 6 input rows before: 144, 68, 36; row j+1 all in one half, 9 FMLAs at 4 cycles each
// on the a55: 96, and 82 with the SUB, ADDs and first store placed as in s2half).
func (e *emitter) stride2() {
	e.head(2)
	e.Ins("\tLSL  $1, R2, R8",
		"\tCMP  R8, R14",
		"\tBNE  s2row",
		"\tMOVD wt+32(FP), R4",
		"\tVLD1.P 16(R4), [V1.S4]",
		"\tVLD1.P 16(R4), [V2.S4]",
		"\tVLD1R (R4), [V3.S4]",
		"\tLSL  $2, R2, R8",
		"\tLSL  $1, R13, R9",
		"\tMOVD n+40(FP), R5")
	x, y := s2sets[0], s2sets[1]
	e.P("")
	e.P("// A block of 4 columns: row 0 into Y, the first row's sum (V16) its first taps; rows 1-4 into X,")
	e.P("// the second row's sum (V17) its first taps.")
	e.P("s2block:")
	e.Ins("\tMOVD R10, R0",
		"\tADD  R13, R0, R21",
		"\tMOVD R11, R1")
	e.Ins(y.load(0, "R1")...)
	e.Ins(biasQ(16))
	for t := 0; t < 3; t++ {
		e.Ins(fmlaPacked(16, y[0][t], t))
	}
	e.Ins("\tADD  R2, R1")
	for r := 1; r < len(s2ptr); r++ {
		e.P("\tADD  R2, %s, %s", s2ptr[r-1], s2ptr[r])
	}
	e.Ins("\tCMP  $1, R12",
		"\tBEQ  s2tail16")
	for r, ptr := range s2ptr {
		e.Ins(x.load(r, ptr)...)
	}
	for _, ptr := range s2ptr {
		e.P("\tADD  R8, %s", ptr)
	}
	e.Ins(biasQ(17))
	e.Ins(s2taps3(17, x, 1, 0)...)
	e.Ins("\tSUB  $4, R12, R24",
		"\tTBNZ $63, R24, s2lastX")
	e.blockLoop(2, "R24", s2halves,
		func(h, next half) { e.s2half(h, s2sets[next.taps], next.sums[1], true) },
		func(h half) { e.s2half(h, s2taps{}, 0, false) },
		e.s2tail)
	e.rowByRow(2)
}

// s2half writes a stride-2 half step: sums[0] (output row j) ends with input rows 2j+1 and 2j+2
// (set rows 0, 1), sums[1] (j+1) with 2j+3 and 2j+4 (set rows 2, 3), sums[2] (j+2) starts with
// 2j+4; sums[0] is stored three FMLAs after its last one and sums[1] after its last. Ahead, the
// next four rows load into next (a row's VLD2 after FMLA 4r, its scalar load and pointer step
// after FMLA 4r+2, its EXT after FMLA 4r+5, once both loads are in and past the next VLD2),
// the next half's second sum (nextSum, output row j+3) starts with next's row 1 (2j+6), and two
// rows are counted off R24 first of all. The FMLAs go round the sums, so that none follows the
// one it depends on: first the set's rows 0 and 2 and the third sum, then row 1, the next
// sum's start and row 3 (whose loads land last); the last half, without loads ahead, alternates
// the first two sums and leaves the third to the end.
//
// llvm-mca's in-order Cortex-A55 writes back in order all but the FP ops: an ADD or a store
// issued after a VLD2 (7 cycles) waits until it would complete with it, and every instruction
// after waits too. So the SUB goes before the half's loads, each row's ADD after its scalar
// load (3 cycles, not the VLD2's 7, are then left to wait), and the first store not straight
// after the FMLA it waits on (4 cycles). Per step of 4 rows there: 96 -> 66 cycles (82 with only
// those placements); cortex-a57 48.1 and apple-a13 20.1 as before (of the FMLA orders tried,
// those that take a55 to 66-68 with the next sum's start last put a13 at 20.4-20.9).
func (e *emitter) s2half(h half, next s2taps, nextSum int, ahead bool) {
	cur, sums := s2sets[h.taps], h.sums
	a := slices.Concat(s2taps3(sums[0], cur, 0, 1), s2taps3(sums[0], cur, 1, 2))
	b := slices.Concat(s2taps3(sums[1], cur, 2, 1), s2taps3(sums[1], cur, 3, 2))
	c := s2taps3(sums[2], cur, 3, 0)
	order := slices.Concat(asmgen.Interleave(a, b), c)
	slot := map[int][]string{}
	if ahead {
		d := s2taps3(nextSum, next, 1, 0)
		order = slices.Concat(roundRobin(a[:3], b[:3], c), roundRobin(a[3:], d, b[3:]))
		for r, ptr := range s2ptr {
			l := next.load(r, ptr)
			slot[4*r] = append(slot[4*r], l[0])
			slot[4*r+2] = append(slot[4*r+2], l[1])
			slot[4*r+2] = append(slot[4*r+2], "\tADD  R8, "+ptr)
			slot[min(4*r+5, len(order)-1)] = append(slot[min(4*r+5, len(order)-1)], l[2])
		}
	}
	storeA, endB := min(slices.Index(order, a[len(a)-1])+3, len(order)-1), slices.Index(order, b[len(b)-1])
	lines := []string{biasQ(sums[2])}
	if ahead {
		lines = append(lines, biasQ(nextSum), "\tSUB  $2, R24")
	}
	for k, f := range order {
		lines = append(lines, f)
		lines = append(lines, slot[k]...)
		if k == storeA {
			lines = append(lines, store(sums[0], "R0")...)
		}
		if k == endB {
			lines = append(lines, store(sums[1], "R21")...)
		}
	}
	if !ahead {
		e.Ins(lines...)
		return
	}
	e.insSearched("s2rows"+h.name, lines)
}

// s2taps3 is the FMLAs of set row r's three taps into the sum Vd as filter row f.
func s2taps3(d int, set s2taps, r, f int) []string {
	var l []string
	for t := 0; t < 3; t++ {
		l = append(l, fmlaPacked(d, set[r][t], 3*f+t))
	}
	return l
}

// roundRobin is lists[0][0], lists[1][0], ... lists[0][1], ..., each list's rest once the
// shorter ones end.
func roundRobin(lists ...[]string) []string {
	var l []string
	for i := 0; ; i++ {
		n := len(l)
		for _, x := range lists {
			if i < len(x) {
				l = append(l, x[i])
			}
		}
		if len(l) == n {
			return l
		}
	}
}

// s2tail ends the sum Vd of an odd last row with its last two input rows (R1, R6) and stores it.
func (e *emitter) s2tail(d int) {
	x := s2sets[0]
	e.Ins(x.load(0, "R1")...)
	e.Ins(x.load(1, "R6")...)
	for r := 0; r < 2; r++ {
		for t := 0; t < 3; t++ {
			e.Ins(fmlaPacked(d, x[r][t], 3*(r+1)+t))
		}
	}
	e.P("\tFMOVQ F%d, (R0)", d)
}

// rowByRow writes the path of fewer input rows (the plane's top and bottom) or another row step:
// one output row at a time, 8 outputs a step (s<s>loop, two sums, V0 and V16, their FMLAs
// alternating so that an in-order core does not wait on each one's predecessor), a row's taps
// loaded only once the row count (R19, R20) says it is there; a last 4 columns take s<s>one4,
// the 4-wide step. At stride 2 a row's loads go among the row before's FMLAs, the exits for
// fewer rows (s2rows1, s2rows2) ending that row: llvm-mca per step, cortex-a55 / a57 / a13, 71 /
// 27.2 / 13.1 cycles -> 61 / 27.1 / 12.3, and 55 / 27.1 / 12.3 in the searched order of the
// stretches between the branches (s2loop0-2). At stride 1 that gains nothing on cortex-a55 (its
// two sums' nine FMLAs, 4 cycles each, take 36 of the step's 49 cycles whatever the loads do);
// the searched order of row 0 and the stores (s1loop0, s1store) takes it to 47 (a57 20.1, a13
// 11.1 as before).
func (e *emitter) rowByRow(s int) {
	rows := [3]string{"R1", "R6", "R7"}
	skip := [3]string{"", "R19", "R20"} // set when input row r is not there
	e.P("")
	e.P("// Fewer input rows, or another row step: one output row at a time, 8 outputs a step, then 4.")
	e.P("s%drow:", s)
	e.Ins("\tMOVD R10, R0",
		"\tMOVD R11, R1",
		"\tADD  R2, R1, R6",
		"\tADD  R2, R6, R7",
		"\tMOVD n+40(FP), R5",
		"\tCMP  $8, R5")
	e.P("\tBLT  s%done4", s)
	e.P("")
	e.P("s%dloop:", s)
	// The count of columns left is compared early: llvm-mca's Cortex-A55 issues a branch only
	// once the compare before it has written its flags back.
	top := []string{"\tSUB  $8, R5", biasQ(0), biasQ(16), "\tCMP  $8, R5"}
	if s == 1 {
		for r, ptr := range rows {
			if r > 0 {
				e.P("\tCBNZ %s, s1store", skip[r])
				top = nil
			}
			e.insSearched(fmt.Sprintf("s1loop%d", r), slices.Concat(top, s1row8(r, ptr)))
		}
		e.P("")
		e.P("s1store:")
		end := e.end8Lines(s)
		e.Ins(end[0])
		e.insSearched("s1store", end[1:])
		e.P("\tBGE  s%dloop", s)
		e.P("\tCBZ  R5, s%drownext", s)
	} else {
		// Each row's loads go among the row before's FMLAs, two VLD2s ahead of them (a VLD2's
		// result comes 7 cycles after it on llvm-mca's in-order Cortex-A55), so the row count
		// is tested before the loads of row r (CBNZ to s2rows<r>), whose exit ends row r-1.
		e.insSearched("s2loop0", slices.Concat(top, s2load8(0, rows[0])))
		for r := 1; r < len(rows); r++ {
			e.P("\tCBNZ %s, s2rows%d", skip[r], r)
			l, f := s2load8(r, rows[r]), s2fmla8(r-1)
			lines := slices.Concat(l[:2], f[:3], l[2:], f[3:])
			if r == len(rows)-1 {
				lines = slices.Concat(lines, s2fmla8(r), e.end8Lines(s))
			}
			e.insSearched(fmt.Sprintf("s2loop%d", r), lines)
		}
		e.P("\tBGE  s%dloop", s)
		e.P("\tCBZ  R5, s%drownext", s)
		for r := 1; r < len(rows); r++ {
			e.P("\tB    s2one4")
			e.P("")
			e.P("s2rows%d:", r)
			e.Ins(s2fmla8(r - 1)...)
			e.end8(s)
		}
	}
	e.P("")
	e.P("s%done4:", s)
	e.Ins("\tVMOV V31.B16, V0.B16")
	for r, ptr := range rows {
		if r > 0 {
			e.P("\tCBNZ %s, s%dstore4", skip[r], s)
		}
		e.Ins(row4(s, r, ptr)...)
	}
	e.P("")
	e.P("s%dstore4:", s)
	e.Ins("\tVST1 [V0.S4], (R0)")
	e.P("")
	e.P("s%drownext:", s)
	e.Ins("\tADD  R13, R10",
		"\tADD  R14, R11",
		"\tSUBS $1, R12")
	e.P("\tBGT  s%drow", s)
	e.Ins("\tRET")
}

// end8 writes the end of a one-row step of 8 outputs: the two sums stored, the pointers stepped
// on, back to the loop while 8 columns are left (the flags of the step's CMP), on to the next
// row when none are.
func (e *emitter) end8(s int) {
	e.Ins(e.end8Lines(s)...)
	e.P("\tBGE  s%dloop", s)
	e.P("\tCBZ  R5, s%drownext", s)
}

// end8Lines is end8's stores and pointer steps.
func (e *emitter) end8Lines(s int) []string {
	l := []string{"\tFMOVQ F0, (R0)", "\tFMOVQ F16, 16(R0)", "\tADD  $32, R0"}
	for _, ptr := range [3]string{"R1", "R6", "R7"} {
		l = append(l, fmt.Sprintf("\tADD  $%d, %s", 32*s, ptr))
	}
	return l
}

// s1rowTaps is the stride-1 one-row loop's taps of input row r: columns 0-3 (sum V0), then 4-7
// (V16), taps 0-2 each.
var s1rowTaps = [3][2][3]int{
	{{10, 11, 12}, {13, 14, 15}},
	{{20, 21, 22}, {23, 24, 25}},
	{{26, 27, 28}, {29, 30, 17}},
}

// s1row8 is input row r of a stride-1 one-row step (8 outputs): the taps of both sums loaded tap
// by tap, the last tap's two loads after the first two FMLAs.
func s1row8(r int, ptr string) []string {
	var loads, fmlas []string
	for t := 0; t < 3; t++ {
		for h, sum := range [2]int{0, 16} {
			tap := s1rowTaps[r][h][t]
			loads = append(loads, fmt.Sprintf("\tFMOVQ %d(%s), F%d", 16*h+4*t, ptr, tap))
			fmlas = append(fmlas, fmlaW(sum, tap, 3*r+t))
		}
	}
	return slices.Concat(loads[:4], asmgen.Interleave(fmlas, loads[4:]))
}

// s2rowRegs is an input row's registers in the stride-2 one-row loop: the VLD2 pairs (taps 0
// and 1) of columns 0-7 (sum V0) and 8-15 (V16), column 16, and the two sums' tap 2, shifted
// out of the tap 0s with EXT.
type s2rowRegs struct {
	pairs [2][2]int
	last  int
	tap2  [2]int
}

// s2rowTaps is the stride-2 one-row loop's registers of input rows 0-2.
var s2rowTaps = [3]s2rowRegs{
	{[2][2]int{{10, 11}, {12, 13}}, 17, [2]int{14, 15}},
	{[2][2]int{{20, 21}, {22, 23}}, 18, [2]int{24, 25}},
	{[2][2]int{{26, 27}, {28, 29}}, 17, [2]int{30, 19}},
}

// s2load8 is the loads of input row r of a stride-2 one-row step (8 outputs): two VLD2s
// (q[0:8], q[8:16]) and q[16] alone.
func s2load8(r int, ptr string) []string {
	g := s2rowTaps[r]
	return []string{
		fmt.Sprintf("\tADD  $32, %s, R8", ptr),
		fmt.Sprintf("\tVLD2 (%s), [V%d.S4, V%d.S4]", ptr, g.pairs[0][0], g.pairs[0][1]),
		fmt.Sprintf("\tVLD2 (R8), [V%d.S4, V%d.S4]", g.pairs[1][0], g.pairs[1][1]),
		fmt.Sprintf("\tFMOVS 64(%s), F%d", ptr, g.last),
	}
}

// s2fmla8 is the work of input row r of a stride-2 one-row step: the two sums' FMLAs
// alternating, the EXTs of tap 2 among them.
func s2fmla8(r int) []string {
	g := s2rowTaps[r]
	var fmlas []string
	for t := 0; t < 3; t++ {
		for h, sum := range [2]int{0, 16} {
			tap := g.tap2[h]
			if t < 2 {
				tap = g.pairs[h][t]
			}
			fmlas = append(fmlas, fmlaW(sum, tap, 3*r+t))
		}
	}
	exts := []string{
		fmt.Sprintf("\tVEXT $4, V%d.B16, V%d.B16, V%d.B16", g.pairs[1][0], g.pairs[0][0], g.tap2[0]),
		fmt.Sprintf("\tVEXT $4, V%d.B16, V%d.B16, V%d.B16", g.last, g.pairs[1][0], g.tap2[1]),
	}
	return slices.Concat(fmlas[:1], asmgen.Interleave(fmlas[1:], exts))
}

// row4 is input row r of a 4-wide one-row step into V0 (taps V10-V12 at stride 1, three
// overlapping loads; V10, V11, V13 at stride 2, VLD2 splitting q[0:8] into the even and odd
// columns, the odd ones of q[1:9] tap 2), with the vector FMLA of the broadcast weights.
func row4(s, r int, ptr string) []string {
	var l []string
	taps := [3]int{10, 11, 12}
	if s == 1 {
		l = append(l,
			fmt.Sprintf("\tADD  $4, %s, R8", ptr),
			fmt.Sprintf("\tADD  $8, %s, R9", ptr),
			fmt.Sprintf("\tVLD1 (%s), [V10.S4]", ptr),
			"\tVLD1 (R8), [V11.S4]",
			"\tVLD1 (R9), [V12.S4]")
	} else {
		l = append(l,
			fmt.Sprintf("\tADD  $4, %s, R8", ptr),
			fmt.Sprintf("\tVLD2 (%s), [V10.S4, V11.S4]", ptr),
			"\tVLD2 (R8), [V12.S4, V13.S4]")
		taps[2] = 13
	}
	for t, tap := range taps {
		l = append(l, fmt.Sprintf("\tVFMLA V%d.S4, V%d.S4, V0.S4", 1+3*r+t, tap))
	}
	return l
}
