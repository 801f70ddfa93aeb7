//go:build ignore

// gen_stem_neon writes stem_arm64.s, stemBlock12 in NEON: ShuffleNet's stem convolution (3 input
// channels, 3x3, stride 2, padding 1) for one block of 8 output columns of one output row and 12
// output channels, 27 taps of 24 by-element FMLAs each, then the floor and ST4 single-lane
// stores, which the Go assembler lacks (WORDs, the instruction in a comment). Run it with `go generate ./internal/kernels` after changing it (-o
// names another output file); TestStemNEONGenerated fails when the committed file differs from
// its output.
package main

import (
	"fmt"

	"github.com/shuffledet/shuffledet/internal/kernels/internal/asmgen"
)

const (
	inC  = 3 // the stem's input channels
	taps = 3 * 3 * inC
	outC = 12 // output channels a call
)

// acc is the sum of output j (0-7) for output channels 4g to 4g+3 (one a lane).
func acc(j, g int) int { return 8 + 8*g + j }

// op is one instruction of the block: an FMLA or a load (with pre before it, if any) of dst,
// first read by FMLA need.
type op struct {
	pre, text string
	dst, need int
	reads     []int // the vector registers an FMLA reads
}

// lead is how many FMLAs before its first reader a load is issued at the latest.
const lead = 6

// schedule writes the FMLAs in order with the loads among them: each load as soon as the
// register it writes has had its last reader (one load an FMLA), and at the latest lead FMLAs
// before its first reader.
func schedule(p func(string, ...any), fmlas, loads []op) {
	free := make([]int, len(loads)) // the FMLA after the last reader of a load's register
	for li, l := range loads {
		for i := 0; i < l.need; i++ {
			for _, r := range fmlas[i].reads {
				if r == l.dst {
					free[li] = i + 1
				}
			}
		}
	}
	next := 0
	emit := func() {
		if loads[next].pre != "" {
			p("%s", loads[next].pre)
		}
		p("%s", loads[next].text)
		next++
	}
	for i, f := range fmlas {
		for next < len(loads) && free[next] <= i && loads[next].need <= i+lead {
			emit()
		}
		if next < len(loads) && free[next] <= i {
			emit()
		}
		p("%s", f.text)
	}
	for next < len(loads) {
		emit()
	}
}

func main() {
	var e asmgen.Emitter
	p := e.P
	e.Header("gen_stem_neon.go")
	p(`
// stemBlock12 (stem_simd.go), NEON: 8 outputs of one output row of the stem convolution for 12
// output channels. Each sum holds one output of four channels, a lane each (V8+8g+j: output j,
// channels 4g-4g+3), and starts from their bias (a plain load, as the NEON GEMM's tiles start
// from it); each tap is 24 FMLAs of the tap's weights for a group of four channels (V5-V7,
// packed tap by tap) by one input value, a lane of the row's plain loads (V0-V3: columns
// 2x-1..2x+14, V4: 2x+15; output j's tap kx is column 2x-1+2j+kx), so no value is split or
// shifted: the FP pipes see only the FMLAs, the floor and the stores. The taps go in im2col's
// row order (channel, ky, kx), each tap group by group, so a group's next weights load once its
// FMLAs are issued and the next input row once the last tap's readers of a register are; every
// load is issued a few FMLAs before it is needed, with an immediate offset (no write-back to
// wait on). Then the floor as FCMGT and BIT (floor > x: floor; a NaN stays), so the outputs are
// the im2col product's bit for bit, and ST4 of one lane of four sums writes four outputs of one
// channel. Every input value the block reads lies in memory (the Go driver copies an edge
// block's windows, zeros for the padding, into a buffer). Registers: R0 the output (outputs
// 0-3) and R7 (4-7), R1 an output plane in bytes, R2, R9, R10 channels 0-2's input row 2y-1 at
// column 2x-1, R3 an input row in bytes, R4 a channel, R5 the packed weights, R6 the bias, R8
// the row being read, R11 the floor's address; at the end V5 the floor, V0-V4, V6, V7 the
// comparisons.`)
	p("")
	p("// func stemBlock12(out *float32, ldo int, in *float32, ldi, ldc int, wt, bias *float32, floor float32)")
	p("TEXT ·stemBlock12(SB), NOSPLIT, $0-60")
	p("\tMOVD in+16(FP), R2")
	p("\tMOVD wt+40(FP), R5")
	p("\tMOVD bias+48(FP), R6")
	p("\tMOVD ldi+24(FP), R3")
	p("\tMOVD ldc+32(FP), R4")
	p("\tLSL  $2, R3")
	p("\tLSL  $2, R4")

	// The FMLAs in order, and the loads they need, in the order first needed.
	var fmlas, loads []op
	loaded := map[string]bool{}
	need := func(key, pre, text string, dst int) {
		if !loaded[key] {
			loaded[key] = true
			loads = append(loads, op{pre: pre, text: text, dst: dst, need: len(fmlas)})
		}
	}
	for r := 0; r < 3*inC; r++ {
		base, pre := []string{"R2", "R9", "R10"}[r/3], ""
		switch r % 3 {
		case 1:
			pre = fmt.Sprintf("\tADD  R3, %s, R8", base)
			base = "R8"
		case 2:
			pre = "\tADD  R3, R8"
			base = "R8"
		}
		for kx := 0; kx < 3; kx++ {
			k := r*3 + kx
			for g := 0; g < 3; g++ {
				for j := 0; j < 8; j++ {
					if k == 0 {
						need(fmt.Sprintf("b%d.%d", j, g), "", fmt.Sprintf("\tFMOVQ %d(R6), F%d", 16*g, acc(j, g)), acc(j, g))
					}
					need(fmt.Sprintf("w%d.%d", k, g), "", fmt.Sprintf("\tFMOVQ %d(R5), F%d", 48*k+16*g, 5+g), 5+g)
					col := 2*j + kx
					x := col / 4
					text := fmt.Sprintf("\tFMOVQ %d(%s), F%d", 16*x, base, x)
					if x == 4 {
						text = fmt.Sprintf("\tFMOVS 64(%s), F4", base)
					}
					if need(fmt.Sprintf("x%d.%d", r, x), pre, text, x); x == 0 {
						pre = ""
					}
					fmlas = append(fmlas, op{text: asmgen.FMLAElem(acc(j, g), 5+g, x, col%4), dst: acc(j, g), reads: []int{acc(j, g), 5 + g, x}})
				}
			}
		}
	}
	p("\tADD  R4, R2, R9")
	p("\tADD  R4, R9, R10")
	p("\tMOVD $floor+56(FP), R11")
	loads = append(loads, op{text: "\tVLD1R (R11), [V5.S4]", dst: 5, need: len(fmlas)})
	schedule(p, fmlas, loads)

	p("")
	p("\t// floor, store: output channel 4g+l at R0 + (4g+l)*R1, outputs 0-3 from lane l of V8+8g-V11+8g")
	p("\tMOVD out+0(FP), R0")
	p("\tMOVD ldo+8(FP), R1")
	p("\tLSL  $2, R1")
	p("\tADD  $16, R0, R7")
	// Group g's floor, its FCMGTs a few instructions before their BITs, goes among group g-1's
	// stores (llvm-mca: fewer cycles on all three models than each group's stores after its floor).
	masks := []int{0, 1, 2, 3, 4, 6, 7}
	var prev []string
	for g := 0; g <= 3; g++ {
		var fl, st []string
		if g < 3 {
			for h := 0; h < 2; h++ {
				var bits []string
				for j := 4 * h; j < 4*h+4; j++ {
					m := masks[(8*g+j)%len(masks)]
					fl = append(fl, asmgen.FCMGT(m, 5, acc(j, g)))
					bits = append(bits, asmgen.BIT(acc(j, g), 5, m))
				}
				fl = append(fl, bits...)
			}
			for l := 0; l < 4; l++ {
				st = append(st, asmgen.ST4Lane(acc(0, g), l, 0, 1), asmgen.ST4Lane(acc(4, g), l, 7, 1))
			}
		}
		e.Ins(asmgen.Interleave(fl, prev)...)
		prev = st
	}
	p("\tRET")
	e.WriteFile("stem_arm64.s")
}
