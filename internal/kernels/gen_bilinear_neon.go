//go:build ignore

// gen_bilinear_neon writes bilinear_arm64.s, bilinearSumNEON: BilinearSum's channel kernel
// (bilinearKernel in bilinear_simd.go), 16 channels a step, then 4. Both loops are
// software-pipelined two taps an iteration on two register sets, so each has four copies of a
// tap's work (set A looking ahead into B, B into A, and each without the look-ahead to end the
// taps) that differ only in their registers; one function writes each loop's tap. The FMULs,
// FADDs and FDIVs are WORDs (the Go assembler lacks the vector forms), each named in its comment.
// Run it with `go generate ./internal/kernels` after changing it (-o names another output file);
// TestBilinearNEONGenerated fails when the committed file differs from its output.
package main

import (
	"fmt"
	"log"

	"github.com/shuffledet/shuffledet/internal/kernels/internal/asmgen"
)

// main writes the kernel to the file named by -o.
func main() {
	var e emitter
	e.Header("gen_bilinear_neon.go")
	e.P(`
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
	VDUP  R8, V31.S4`)
	e.wide()
	e.one()
	e.P("")
	e.P("bilinearSumNEONdone:")
	e.Ins("\tRET")
	e.WriteFile("bilinear_arm64.s")
}

// emitter collects the lines of the output file; the kernels' writers are its methods.
type emitter struct{ asmgen.Emitter }

// regs is a register set of a loop: the tap's four neighbours' addresses, its weights (one a
// lane) and neighbour i's vectors x[i] (four in the wide loop, one in the 4-channel loop).
type regs struct {
	addr [4]string
	w    int
	x    [4][]int
}

// The loops' sets A and B. In the wide loop only the first neighbour's vectors are the set's
// own (they become the tap's sums); the others' are shared, free once the tap has read them.
var (
	wideSets = [2]regs{
		{[4]string{"R7", "R8", "R9", "R10"}, 4, [4][]int{{6, 7, 8, 9}, {14, 15, 16, 17}, {18, 19, 20, 21}, {22, 23, 24, 25}}},
		{[4]string{"R11", "R12", "R13", "R14"}, 5, [4][]int{{10, 11, 12, 13}, {14, 15, 16, 17}, {18, 19, 20, 21}, {22, 23, 24, 25}}},
	}
	oneSets = [2]regs{
		{[4]string{"R7", "R8", "R9", "R10"}, 4, [4][]int{{8}, {12}, {16}, {20}}},
		{[4]string{"R11", "R12", "R13", "R14"}, 5, [4][]int{{9}, {13}, {17}, {21}}},
	}
)

// offsets returns the LDPSWs of the four neighbour offsets of the tap at off(base) into s's
// address registers, and the ADDs that make them addresses in src (R1).
func (s regs) offsets(base string, off int) (ldp, adds []string) {
	for i := 0; i < 4; i += 2 {
		ldp = append(ldp, fmt.Sprintf("\tLDPSW  %d(%s), (%s, %s)", off+4*i, base, s.addr[i], s.addr[i+1]))
	}
	for _, a := range s.addr {
		adds = append(adds, fmt.Sprintf("\tADD    %s<<2, R1, %s", a, a))
	}
	return ldp, adds
}

// weights returns the load of the weights of the tap at off(base) into s.
func (s regs) weights(base string, off int) string {
	return fmt.Sprintf("\tFMOVQ  %d(%s), F%d", off+16, base, s.w)
}

// load returns the loads of neighbour i's vectors into s.
func (s regs) load(i int, wide bool) []string {
	var l []string
	for v, x := range s.x[i] {
		if wide {
			l = append(l, fmt.Sprintf("\tFMOVQ  %d(%s), F%d", 16*v, s.addr[i], x))
		} else {
			l = append(l, fmt.Sprintf("\tFMOVQ  (%s), F%d", s.addr[i], x))
		}
	}
	return l
}

// first writes a loop's start on the first tap (R2) into set A: its offsets, weights and
// addresses; R5 the tap.
func (e *emitter) first(a regs) {
	ldp, adds := a.offsets("R2", 0)
	e.Ins(ldp...)
	e.Ins(a.weights("R2", 0), "\tMOVD   R2, R5")
	e.Ins(adds...)
}

// pipeline writes a loop over the taps, two an iteration (label <name>tap): set A's tap looking
// ahead into B, B's into A; when no tap is left after the one just loaded ahead (R6), the loop
// leaves for that set's copy without the look-ahead (after A's tap to <name>lastB; after B's it
// falls through to <name>lastA), and both copies go on to <name>store.
func (e *emitter) pipeline(name string, tap func(cur int, ahead bool)) {
	e.P("")
	e.P("%stap:", name)
	tap(0, true)
	e.P("\tCBZ    R6, %slastB", name)
	tap(1, true)
	e.P("\tCBNZ   R6, %stap", name)
	e.P("")
	e.P("%slastA:", name)
	tap(0, false)
	e.P("\tB      %sstore", name)
	e.P("")
	e.P("%slastB:", name)
	tap(1, false)
	e.P("")
	e.P("%sstore:", name)
}

// wideLoads is how many of the next tap's vector loads (its weights, then its neighbours'
// vectors in order) follow each of a wide tap's 16 FADD-FMUL pairs, after the pair's integer
// work, as the loop was scheduled by hand: each after the ADD of its address and after this
// tap's last reader of the register it overwrites, at most two a pair (llvm-mca's Cortex-A55
// issues one LDR Q a cycle).
var wideLoads = [16]int{0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 1, 1, 2, 2, 1, 1}

// wide writes the 16-channel loop.
func (e *emitter) wide() {
	a := wideSets[0]
	e.P("")
	e.P("bilinearSumNEONwide:")
	e.Ins("\tCMP  $16, R4", "\tBLT  bilinearSumNEONone")
	e.first(a)
	for i := range a.x {
		e.Ins(a.load(i, true)...)
	}
	for i := 0; i < 2; i++ {
		for _, x := range a.x[i] {
			e.Ins(asmgen.FMULElem(x, x, a.w, i))
		}
	}
	for v := 0; v < 4; v++ {
		e.P("\tVEOR V%d.B16, V%d.B16, V%d.B16", v, v, v)
	}
	e.Ins("\tSUB  $1, R3, R6", "\tCBZ  R6, bilinearSumNEONwidelastA")
	e.pipeline("bilinearSumNEONwide", e.wideTap)
	for v := 0; v < 4; v++ {
		e.Ins(asmgen.FDIV(v, v, 31))
	}
	e.Ins("\tVST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(R0)",
		"\tADD    $64, R1",
		"\tSUB    $16, R4",
		"\tB      bilinearSumNEONwide")
}

// wideTap writes a tap of the wide loop on set cur: 16 FADDs (the products of neighbours 1-3 into
// neighbour 0's, then those into the channel sums), one FMUL after each (this tap's neighbours 2
// and 3 after the first 8, then, looking ahead, the next tap's 0 and 1, whose products are ready
// when its FADDs start). Ahead, the next tap's offsets, address ADDs, the tap count and pointer steps go one
// after each of the first 8 pairs, and its vector loads as wideLoads says.
func (e *emitter) wideTap(cur int, ahead bool) {
	c, n := wideSets[cur], wideSets[1-cur]
	var fadds, fmuls []string
	for i := 1; i < 4; i++ {
		for v, x := range c.x[0] {
			fadds = append(fadds, asmgen.FADD(x, x, c.x[i][v]))
		}
	}
	for v, x := range c.x[0] {
		fadds = append(fadds, asmgen.FADD(v, v, x))
	}
	for i := 2; i < 4; i++ {
		for _, x := range c.x[i] {
			fmuls = append(fmuls, asmgen.FMULElem(x, x, c.w, i))
		}
	}
	if !ahead {
		e.Ins(asmgen.Interleave(fadds, fmuls)...)
		return
	}
	for i := 0; i < 2; i++ {
		for _, x := range n.x[i] {
			fmuls = append(fmuls, asmgen.FMULElem(x, x, n.w, i))
		}
	}
	ldp, adds := n.offsets("R5", 32)
	ints := append(append(ldp, adds...), "\tSUB    $1, R6", "\tADD    $32, R5")
	vecs := []string{n.weights("R5", 32)}
	for i := range n.x {
		vecs = append(vecs, n.load(i, true)...)
	}
	var lines []string
	for k := range fadds {
		lines = append(lines, fadds[k], fmuls[k])
		if k < len(ints) {
			lines = append(lines, ints[k])
		}
		lines = append(lines, vecs[:wideLoads[k]]...)
		vecs = vecs[wideLoads[k]:]
	}
	if len(vecs) > 0 {
		log.Fatalf("wideLoads leaves %d loads out", len(vecs))
	}
	e.insSearched(fmt.Sprintf("wide%c", 'A'+cur), lines)
}

// one writes the 4-channel loop.
func (e *emitter) one() {
	a := oneSets[0]
	e.P("")
	e.P("bilinearSumNEONone:")
	e.Ins("\tCBZ  R4, bilinearSumNEONdone")
	e.first(a)
	for i := range a.x {
		e.Ins(a.load(i, false)...)
	}
	e.Ins("\tVEOR V0.B16, V0.B16, V0.B16", "\tSUB  $1, R3, R6", "\tCBZ  R6, bilinearSumNEONonelastA")
	e.pipeline("bilinearSumNEONone", e.oneTap)
	e.Ins(asmgen.FDIV(0, 0, 31),
		"\tVST1.P [V0.S4], 16(R0)",
		"\tADD    $16, R1",
		"\tSUB    $4, R4",
		"\tB      bilinearSumNEONone")
}

// oneTap writes a tap of the 4-channel loop on set cur: its four FMULs, then the chain of FADDs
// into neighbour 0's register and the channel sum V0. Ahead, the next tap's offsets, the tap
// count and its weights go one after each FMUL, its addresses and neighbour 0's load after the
// first FADD, neighbours 1-3's loads after the second, and the pointer step after the third.
func (e *emitter) oneTap(cur int, ahead bool) {
	c, n := oneSets[cur], oneSets[1-cur]
	var fmuls []string
	for i, x := range c.x {
		fmuls = append(fmuls, asmgen.FMULElem(x[0], x[0], c.w, i))
	}
	x0 := c.x[0][0]
	fadds := []string{asmgen.FADD(x0, x0, c.x[1][0]), asmgen.FADD(x0, x0, c.x[2][0]), asmgen.FADD(x0, x0, c.x[3][0]), asmgen.FADD(0, 0, x0)}
	if !ahead {
		e.Ins(fmuls...)
		e.Ins(fadds...)
		return
	}
	ldp, adds := n.offsets("R5", 32)
	lines := asmgen.Interleave(fmuls, append(ldp, "\tSUB    $1, R6", n.weights("R5", 32)))
	lines = append(lines, fadds[0])
	lines = append(lines, adds...)
	lines = append(lines, n.load(0, false)...)
	lines = append(lines, fadds[1])
	for i := 1; i < 4; i++ {
		lines = append(lines, n.load(i, false)...)
	}
	lines = append(lines, fadds[2], "\tADD    $32, R5", fadds[3])
	e.insSearched(fmt.Sprintf("one%c", 'A'+cur), lines)
}

// searched holds the instruction orders that a random search found for the looking-ahead taps
// of the loops (bilinearSumNEONwidetap, bilinearSumNEONonetap), by name (wideA, wideB, oneA,
// oneB: the loop and the register set of the tap): the tap's instructions as written above,
// indexed in the searched order (nil: as written). The search (over the orders the dependencies
// allow: each register's reads and writes in order, so each sum's FADDs keep theirs, no memory
// access past a store, branches and labels fixed) ran each loop through llvm-mca's cortex-a55,
// cortex-a57 and apple-a13 models and kept an order only where none was slower than the order
// as written before: bilinearSumNEONonetap 46.0 / 26.1 / 8.1 -> 43.0 / 25.1 / 8.1 cycles per two
// taps (cortex-a55 / a57 / a13). No order of the wide loop's taps was found that made one model
// faster and none slower (555 tries).
var searched = map[string][]int{
	"oneA": {5, 0, 1, 2, 3, 4, 6, 9, 7, 8, 13, 10, 12, 14, 19, 17, 15, 18, 11, 20, 16},
	"oneB": {2, 5, 0, 1, 4, 3, 7, 19, 8, 9, 10, 11, 12, 14, 6, 13, 17, 15, 18, 16, 20},
}

// insSearched writes the stretch named name in its searched order.
func (e *emitter) insSearched(name string, lines []string) {
	e.InsInOrder(name, searched[name], lines)
}
