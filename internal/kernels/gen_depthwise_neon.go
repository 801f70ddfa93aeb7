//go:build ignore

// gen_depthwise_neon writes depthwise_rows_arm64.s, the NEON depthwise 3x3 kernels that compute
// several output rows of 16 columns per step: four rows at stride 1 (144 FMLAs between 72 loads)
// and two at stride 2 (72 FMLAs between 20 two-way loads, 5 scalar ones and 20 shifts), each scheduled so that
// the next input row's loads are issued during this row's FMLAs, which written by hand would be
// some 400 lines of near-copies. Run it with `go generate ./internal/kernels` after changing it
// (-o names another output file); TestDepthwiseNEONGenerated fails when the committed file
// differs from its output.
package main

import (
	"fmt"
	"log"
	"strings"

	"github.com/shuffledet/shuffledet/internal/kernels/internal/asmgen"
)

// rows is the number of output rows a step computes; 16 columns each, in four vectors.
const rows, vecs = 4, 4

// biasLoads is how many of the stride-1 step's sums (the last ones: row 3's and three of row
// 2's) start from the bias loaded from the frame rather than moved from V31: a VMOV takes
// llvm's Cortex-A57 FP pipes (as busy as the FMLAs leave them) and an LDR its load unit, while
// apple-a13 issues its loads on two units against three for the vector ops; seven balance the
// two (cycles a step, cortex-a55 / a57 / a13: 148.0 / 152.1 / 53.4 with none, 148.0 / 148.6 /
// 52.1 with seven, 148.0 / 144.1 / 57.1 with all sixteen).
const biasLoads = 7

// The registers (kernels_arm64.go, dw3x3s1NEON16x4): accumulators V12-V27, taps V4-V11 (eight:
// one tap's four vectors load while the previous tap's are multiplied), the weights of input rows
// 0, 1, 2 in lanes 0-2 of V1 and V2 and lanes 1-3 of V3 (loaded as wt[0:4], wt[3:7], wt[5:9], so
// nothing past the nine weights is read), the bias broadcast in V31.
var (
	inRow  = [rows + 2]string{"R1", "R6", "R7", "R8", "R9", "R19"}
	outRow = [rows]string{"R20", "R21", "R22", "R23"}
)

func acc(j, v int) int { return 12 + vecs*j + v }

// weight returns the register and lane of the weight of filter row r, column t.
func weight(r, t int) (reg, lane int) {
	if r == 2 {
		return 3, t + 1
	}
	return 1 + r, t
}

// group is one tap of one input row: its four loads and the FMLAs of the output rows it feeds.
type group struct{ loads, fmlas []string }

func groups() []group {
	var gs []group
	tap := 0
	for i := 0; i < rows+2; i++ {
		for t := 0; t < 3; t++ {
			var g group
			regs := [vecs]int{}
			for v := range regs {
				regs[v] = 4 + (tap*vecs+v)%(2*vecs) // two sets of taps: V4-V11
				g.loads = append(g.loads, fmt.Sprintf("\tFMOVQ %d(%s), F%d", 16*v+4*t, inRow[i], regs[v]))
			}
			tap++
			// Output row j reads input rows j..j+2: this one as its filter row i-j. Each sum
			// gets its rows and taps in order (the 4-wide kernel's order, bit for bit).
			for v := 0; v < vecs; v++ {
				for j := 0; j < rows; j++ {
					if r := i - j; r >= 0 && r <= 2 {
						reg, lane := weight(r, t)
						g.fmlas = append(g.fmlas, asmgen.FMLAElem(acc(j, v), regs[v], reg, lane))
					}
				}
			}
			gs = append(gs, g)
		}
	}
	return gs
}

func main() {
	var e asmgen.Emitter
	p := e.P
	e.Header("gen_depthwise_neon.go")
	p("")
	p("// Registers: R10, R11 the block's first output and input row; R13, R2 their strides in bytes;")
	p("// R14, R15 four of them; R12 rows left; R5 columns left; %s the input", strings.Join(inRow[:], ", "))
	p("// rows and %s the output rows of the step; V1-V3 the weights, V31 the bias,", strings.Join(outRow[:], ", "))
	p("// V4-V11 the taps, V12-V27 the sums (gen_depthwise_neon.go).")
	p("")
	p("// func dw3x3s1NEON16x4(out, in *float32, w int, wt *float32, n, m, ldo int, bias float32)")
	p("TEXT ·dw3x3s1NEON16x4(SB), NOSPLIT, $16-60")
	prologue(p, 2, 1)
	p("\tFMOVQ F31, bias-16(SP)")
	p("")
	blockStart(p, "block", outRow[:], inRow[:])
	p("\tMOVD n+32(FP), R5")
	p("")
	p("step:")
	gs := groups()
	// The sums start at the bias between the first tap's loads, which have nothing else to
	// overlap (the step before has ended).
	bi := biasInit(rows, acc)
	for k := range bi {
		if k >= 16-biasLoads {
			bi[k] = fmt.Sprintf("\tFMOVQ bias-16(SP), F%d", acc(k/vecs, k%vecs))
		}
	}
	spread(p, gs[0].loads, bi)
	// The next tap's loads spread evenly among this tap's FMLAs, so that no FMLA waits on a
	// load just issued (an in-order core, the Cortex-A55, would stall there).
	for g, cur := range gs {
		var next []string
		if g+1 < len(gs) {
			next = gs[g+1].loads
		}
		spread(p, cur.fmlas, next)
	}
	for j := 0; j < rows; j++ {
		p("\tVST1.P [V%d.S4, V%d.S4, V%d.S4, V%d.S4], 64(%s)", acc(j, 0), acc(j, 1), acc(j, 2), acc(j, 3), outRow[j])
	}
	for _, r := range inRow {
		p("\tADD  $64, %s", r)
	}
	p("\tSUBS $16, R5")
	p("\tBGT  step")
	p("\tADD  R14, R10")
	p("\tADD  R15, R11")
	p("\tSUBS $%d, R12", rows)
	p("\tBGT  block")
	p("\tRET")
	stride2(p)
	e.WriteFile("depthwise_rows_arm64.s")
}

// The stride-2 kernel (kernels_arm64.go, dw3x3s2NEON16x2): two output rows of 16 columns a step,
// from five input rows (the middle one feeds both). An input row's 33 columns come in by four
// VLD2s, which split columns 0-31 into the even (tap 0) and odd (tap 1) columns of the four sums,
// and column 32 by a scalar load; each sum's tap 2 (the next even columns) is shifted out of its
// tap 0 and the next one's (column 32 for the last sum) by VEXT, in place once the row's tap-0
// FMLAs have read them. Input rows alternate between two register sets, so the next row loads
// while this one multiplies; a step has five rows, so consecutive steps start on different sets,
// and the loop takes two steps (A from set 0, B from set 1) so that the next step's first row too
// loads during this step's last (there being a next step: the exits before each step's last row
// go to copies of it without those loads, so nothing past the block's columns is read).
//
// The loads are scheduled for in-order cores (llvm-mca's Cortex-A55, which writes results back in
// program order): no VLD2 writes its pointer back (a post-indexed load waits for the load before
// it to finish there), so each of the four column blocks (8 inputs) has its own pointer, stepped
// down a row by an ADD issued before the next VLD2; and each VLD2 is followed by a quarter of
// the row's FMLAs and then one VEXT or other vector move (which can issue only some 3 cycles after a
// VLD2 there, when the load unit is nearly free for the next).
//
// Registers: sums V16-V23 (row j, vector v: V(16+4j+v)), sets V0-V8 and V10-V15, V24-V26, weights
// V28-V30 (as the stride-1 kernel's V1-V3), bias V31; R1, R6, R7, R8 the column blocks' input
// pointers, R9 the last row's step (back four rows and on 32 columns).
const s2rows = 2

// s2set is an input row's registers: the VLD2 pairs of the four sums, then column 32's.
type s2regs struct {
	pairs [vecs][2]int
	last  int
}

var s2set = [2]s2regs{
	{[vecs][2]int{{0, 1}, {2, 3}, {4, 5}, {6, 7}}, 8},
	{[vecs][2]int{{10, 11}, {12, 13}, {14, 15}, {24, 25}}, 26},
}

var (
	s2ptr    = [vecs]string{"R1", "R6", "R7", "R8"}
	s2outRow = [s2rows]string{"R20", "R21"}
)

const s2in = 2*s2rows + 1 // input rows a step

func s2acc(j, v int) int { return 16 + vecs*j + v }

// s2weight is weight(r, t) for the stride-2 kernel's registers.
func s2weight(r, t int) (reg, lane int) {
	reg, lane = weight(r, t)
	return reg + 27, lane
}

// s2fmlas is input row i's FMLAs in set: tap 0 of each sum and of each output row it feeds, then
// taps 1 and 2 (read from the shifted tap-0 registers). Output row j reads input rows 2j..2j+2,
// this one as its filter row i-2j, so each sum adds its rows and taps in dw3x3s2NEON16's order,
// bit for bit.
func s2fmlas(i int, set s2regs) []string {
	var out []string
	for t := 0; t < 3; t++ {
		for v := 0; v < vecs; v++ {
			src := set.pairs[v][0]
			if t == 1 {
				src = set.pairs[v][1]
			}
			for j := 0; j < s2rows; j++ {
				if r := i - 2*j; r >= 0 && r <= 2 {
					reg, lane := s2weight(r, t)
					out = append(out, asmgen.FMLAElem(s2acc(j, v), src, reg, lane))
				}
			}
		}
	}
	return out
}

// s2ext is the shift of sum v's tap 2 out of its tap 0 and the next one's.
func s2ext(set s2regs, v int) string {
	next := set.last
	if v+1 < vecs {
		next = set.pairs[v+1][0]
	}
	return fmt.Sprintf("\tVEXT   $4, V%d.B16, V%d.B16, V%d.B16", next, set.pairs[v][0], set.pairs[v][0])
}

// s2movs starts output row j's sums (v in [from, to)) at the bias, loaded from the frame: an LDR
// on the load pipes rather than a VMOV from V31 on the FP pipes that bound this loop in llvm's
// Cortex-A57 and apple-a13 models (cycles for the loop's two steps, cortex-a55 / a57 / a13: 217 /
// 212 / 93.4 with VMOVs, 216 / 204 / 88.0 with the loads spread as row does).
func s2movs(j, from, to int) []string {
	var l []string
	for v := from; v < to; v++ {
		l = append(l, fmt.Sprintf("\tFMOVQ  bias-16(SP), F%d", s2acc(j, v)))
	}
	return l
}

// s2store writes output row j's sums.
func s2store(j int) string {
	return fmt.Sprintf("\tVST1.P [V%d.S4, V%d.S4, V%d.S4, V%d.S4], 64(%s)", s2acc(j, 0), s2acc(j, 1), s2acc(j, 2), s2acc(j, 3), s2outRow[j])
}

// s2emit writes the stride-2 step's rows; pend is the pointer step left by the last VLD2, issued
// just before the next one (or dropped where the loads end).
type s2emit struct {
	p    func(string, ...any)
	pend string
}

// load writes the VLD2 of column block k into set's pair k, after the pending pointer step, and
// leaves this pointer's step (down a row, or by R9 from the last row) pending.
func (e *s2emit) load(set s2regs, k int, lastRow bool) {
	if e.pend != "" {
		e.p("%s", e.pend)
	}
	e.p("\tVLD2   (%s), [V%d.S4, V%d.S4]", s2ptr[k], set.pairs[k][0], set.pairs[k][1])
	step := "R2"
	if lastRow {
		step = "R9"
	}
	e.pend = fmt.Sprintf("\tADD    %s, %s", step, s2ptr[k])
}

// loadLast writes the scalar load of column 32 into set (column block 3's pointer on 8 columns),
// before that pointer's step.
func (e *s2emit) loadLast(set s2regs) {
	e.p("\tFMOVS  32(%s), F%d", s2ptr[vecs-1], set.last)
}

// row writes the work of input row i of a step that starts on set first: four slots, each a
// VLD2 of the next row (when load; the next step's first row after the last), a quarter of
// this row's FMLAs, then a VEXT (not in the last slot), and in the last two slots one each of
// extra (the stores and bias loads of this step's edges); column 32's load and the last VEXT
// come before the last slot, and what is left of extra after it. (Extra in the last slot only,
// as before the bias came from the frame: cortex-a55 218 cycles for the loop's two steps; from
// the third slot on: 216.)
func (e *s2emit) row(first, i int, load bool, extra []string) {
	set := s2set[(first+i)%2]
	next := s2set[(first+i+1)%2]
	f := s2fmlas(i, set)
	n := len(f)
	for k := 0; k < vecs; k++ {
		if k == vecs-1 {
			if load {
				e.loadLast(next)
			}
			e.p("%s", s2ext(set, vecs-1))
		}
		if load {
			e.load(next, k, i == s2in-2)
		}
		for _, w := range f[n*k/vecs : n*(k+1)/vecs] {
			e.p("%s", w)
		}
		if k < vecs-1 {
			e.p("%s", s2ext(set, k))
		}
		if k >= vecs-2 && len(extra) > 0 {
			e.p("%s", extra[0])
			extra = extra[1:]
		}
	}
	for _, x := range extra {
		e.p("%s", x)
	}
}

// s2extra is what row i of a step (in the loop) issues besides its own work: the stores of the
// output rows finished (row 0 after input row 2, in row 3; row 1 after row 4, in the next step's
// row 0), the next sums' starts after them, and in row 2 the count of columns left, tested
// after row 3 (before row 4, whose loads are the next step's; a branch just after its SUBS
// waited for it in llvm's cortex-a55 model).
func s2extra(i int) []string {
	switch i {
	case 0:
		return append([]string{s2store(1)}, s2movs(1, 0, 1)...)
	case 1:
		return s2movs(1, 1, vecs)
	case 2:
		return []string{"\tSUBS   $16, R5"}
	case 3:
		return append([]string{s2store(0)}, s2movs(0, 0, 2)...)
	case 4:
		return s2movs(0, 2, vecs)
	}
	return nil
}

func stride2(p func(string, ...any)) {
	p("")
	p("// Registers of dw3x3s2NEON16x2: R10, R11 the block's first output and input row; R2, R13 the")
	p("// input and output row strides in bytes; R14, R15 the block's output and input advance; R12")
	p("// rows left; R5 columns left; %s the input pointers of the four column blocks and R9", strings.Join(s2ptr[:], ", "))
	p("// their step from the last input row to the next step's first; %s the output rows", strings.Join(s2outRow[:], ", "))
	p("// (gen_depthwise_neon.go).")
	p("")
	p("// func dw3x3s2NEON16x2(out, in *float32, w int, wt *float32, n, m, ldo int, bias float32)")
	p("TEXT ·dw3x3s2NEON16x2(SB), NOSPLIT, $16-60")
	prologue(p, 1, 28)
	p("\tFMOVQ F31, bias-16(SP)")
	p("\tMOVD  $128, R9")
	p("\tSUB   R15, R9")
	p("")
	p("s2block:")
	p("\tMOVD R10, %s", s2outRow[0])
	p("\tADD  R13, %s, %s", s2outRow[0], s2outRow[1])
	p("\tMOVD R11, %s", s2ptr[0])
	for k := 1; k < vecs; k++ {
		p("\tADD  $32, %s, %s", s2ptr[k-1], s2ptr[k])
	}
	p("\tMOVD n+32(FP), R5")
	e := &s2emit{p: p}
	// The first step's first row, and its first row of sums started, before the loop; its
	// row 0 is the loop's last row (the next A's).
	for _, m := range s2movs(0, 0, vecs) {
		p("%s", m)
	}
	for k := 0; k < vecs; k++ {
		if k == vecs-1 {
			e.loadLast(s2set[0])
		}
		e.load(s2set[0], k, false)
	}
	e.row(0, 0, true, s2movs(1, 0, 1))
	top := e.pend
	p("")
	p("s2step:")
	for _, first := range []int{0, 1} {
		name := "A"
		if first == 1 {
			name = "B"
			e.row(first, 0, true, s2extra(0))
		}
		for i := 1; i < s2in-1; i++ {
			e.row(first, i, true, s2extra(i))
		}
		p("\tBLE    s2last%s", name)
		e.row(first, s2in-1, true, s2extra(s2in-1))
	}
	e.row(0, 0, true, s2extra(0))
	if e.pend != top {
		log.Fatalf("stride 2: the loop ends with %q pending, its top issues %q", e.pend, top)
	}
	p("\tJMP    s2step")
	for _, first := range []int{0, 1} {
		name := "A"
		if first == 1 {
			name = "B"
		}
		p("")
		p("s2last%s:", name)
		e.pend = ""
		e.row(first, s2in-1, false, nil)
		p("%s", s2store(1))
		if first == 0 {
			p("\tJMP    s2next")
		}
	}
	p("")
	p("s2next:")
	p("\tADD  R14, R10")
	p("\tADD  R15, R11")
	p("\tSUBS $%d, R12", s2rows)
	p("\tBGT  s2block")
	p("\tRET")
}

// biasInit is the moves that start each of rows x vecs sums (register sum(j, v)) at the bias.
func biasInit(rows int, sum func(j, v int) int) []string {
	var l []string
	for j := 0; j < rows; j++ {
		for v := 0; v < vecs; v++ {
			l = append(l, fmt.Sprintf("\tVMOV V31.B16, V%d.B16", sum(j, v)))
		}
	}
	return l
}

// spread writes work with the instructions of next spread evenly among it.
func spread(p func(string, ...any), work, next []string) {
	issued := 0
	for k, w := range work {
		p("%s", w)
		for issued < len(next) && issued*len(work) < (k+1)*len(next) {
			p("%s", next[issued])
			issued++
		}
	}
}

// prologue loads a multi-row kernel's arguments (func(out, in *float32, w int, wt *float32, n, m,
// ldo int, bias float32)): R10 out, R11 in, R2 the input row stride in bytes and R15 four times
// it, R12 m, R13 the output row stride in bytes and R14 that shifted left by outShift (the
// block's output advance), the bias broadcast in V31, and the weights of filter rows 0, 1, 2 in
// lanes 0-2 of V(wreg), V(wreg+1) and lanes 1-3 of V(wreg+2) (wt[0:4], wt[3:7], wt[5:9], so
// nothing past the nine weights is read).
func prologue(p func(string, ...any), outShift, wreg int) {
	p("\tMOVD  out+0(FP), R10")
	p("\tMOVD  in+8(FP), R11")
	p("\tMOVD  w+16(FP), R2")
	p("\tLSL   $2, R2")
	p("\tLSL   $2, R2, R15")
	p("\tMOVD  wt+24(FP), R4")
	p("\tMOVD  m+40(FP), R12")
	p("\tMOVD  ldo+48(FP), R13")
	p("\tLSL   $2, R13")
	p("\tLSL   $%d, R13, R14", outShift)
	p("\tFMOVS bias+56(FP), F31")
	p("\tVDUP  V31.S[0], V31.S4")
	p("\tVLD1  (R4), [V%d.S4]", wreg)
	p("\tADD   $12, R4")
	p("\tVLD1  (R4), [V%d.S4]", wreg+1)
	p("\tADD   $8, R4")
	p("\tVLD1  (R4), [V%d.S4]", wreg+2)
}

// blockStart writes the label of a block of rows and points its output and input row registers
// at consecutive rows from R10 and R11 (strides R13 and R2, prologue's).
func blockStart(p func(string, ...any), label string, outRows, inRows []string) {
	p("%s:", label)
	p("\tMOVD R10, %s", outRows[0])
	for j := 1; j < len(outRows); j++ {
		p("\tADD  R13, %s, %s", outRows[j-1], outRows[j])
	}
	p("\tMOVD R11, %s", inRows[0])
	for i := 1; i < len(inRows); i++ {
		p("\tADD  R2, %s, %s", inRows[i-1], inRows[i])
	}
}
