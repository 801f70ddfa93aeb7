//go:build ignore

// gen_stem_avx2 writes stem_avx2_amd64.s, stemBlock12 in AVX2: ShuffleNet's stem convolution (3
// input channels, 3x3, stride 2, padding 1) for one block of 8 output columns of one output row
// and 12 output channels, 27 taps of 12 broadcasts and FMAs each. Run it with
// `go generate ./internal/kernels` after changing it (-o names another output file);
// TestStemAVX2Generated fails when the committed file differs from its output.
package main

import "github.com/shuffledet/shuffledet/internal/kernels/internal/asmgen"

const (
	inC  = 3 // the stem's input channels
	taps = 3 * 3 * inC
	outC = 12 // output channels a call
)

func main() {
	var e asmgen.Emitter
	p := e.P
	e.Header("gen_stem_avx2.go")
	p(`
// stemBlock12 (stem_simd.go), AVX2: 8 outputs of one output row of the stem convolution for 12
// output channels, one YMM sum each (Y0-Y11). Every input value the block reads lies in memory
// (the Go driver copies an edge block's windows, zeros for the padding, into a buffer), so each
// input row of each channel comes in as four plain loads: columns 2x-1 on (16 values, Y12 and
// Y13), whose even and odd values (VSHUFPS, then VPERMPD to undo its lane split) are the left
// and centre taps, then columns 2x+1 on, whose even values are the right taps (Y14). Each tap is
// 12 broadcast weights (Y15; packed tap by tap) and FMAs, in im2col's row order (channel, ky, kx) from zero; then
// the bias and the maximum with the floor, as the GEMM's epilogue does, so the outputs are the
// im2col product's bit for bit. Registers: SI channel 0's input row 2y-1 at column 2x-1, R8 an
// input row and R9 a channel in bytes, BX the current row, AX the weights, CX the bias, DI the
// output, R10 an output plane in bytes.`)
	p("")
	p("// func stemBlock12(out *float32, ldo int, in *float32, ldi, ldc int, wt, bias *float32, floor float32)")
	p("TEXT ·stemBlock12(SB), NOSPLIT, $0-60")
	p("\tMOVQ    in+16(FP), SI")
	p("\tMOVQ    ldi+24(FP), R8")
	p("\tSHLQ    $2, R8")
	p("\tMOVQ    ldc+32(FP), R9")
	p("\tSHLQ    $2, R9")
	p("\tMOVQ    wt+40(FP), AX")
	p("\tMOVQ    bias+48(FP), CX")
	for o := 0; o < outC; o++ {
		p("\tVXORPS  Y%d, Y%d, Y%d", o, o, o)
	}
	for ci := 0; ci < inC; ci++ {
		for ky := 0; ky < 3; ky++ {
			p("")
			p("\t// channel %d, row 2y-1+%d", ci, ky)
			switch {
			case ci == 0 && ky == 0:
				p("\tMOVQ    SI, BX")
			case ky == 0:
				p("\tLEAQ    (SI)(R9*%d), BX", ci)
			default:
				p("\tADDQ    R8, BX")
			}
			for kx := 0; kx < 3; kx++ {
				switch kx {
				case 0:
					p("\tVMOVUPS (BX), Y12")
					p("\tVMOVUPS 32(BX), Y13")
					p("\tVSHUFPS $0x88, Y13, Y12, Y14") // even values, lanes split
				case 1:
					p("\tVSHUFPS $0xdd, Y13, Y12, Y14") // odd values
				case 2:
					p("\tVMOVUPS 8(BX), Y12")
					p("\tVMOVUPS 40(BX), Y13")
					p("\tVSHUFPS $0x88, Y13, Y12, Y14")
				}
				p("\tVPERMPD $0xd8, Y14, Y14")
				k := (ci*3+ky)*3 + kx
				for o := 0; o < outC; o++ {
					p("\tVBROADCASTSS %d(AX), Y15", 4*(k*outC+o))
					p("\tVFMADD231PS Y15, Y14, Y%d", o)
				}
			}
		}
	}
	p("")
	p("\t// bias, floor, store: output channel o at DI + o*R10")
	p("\tVBROADCASTSS floor+56(FP), Y14")
	p("\tMOVQ    out+0(FP), DI")
	p("\tMOVQ    ldo+8(FP), R10")
	p("\tSHLQ    $2, R10")
	for o := 0; o < outC; o++ {
		p("\tVBROADCASTSS %d(CX), Y15", 4*o)
		p("\tVADDPS  Y15, Y%d, Y%d", o, o)
		p("\tVMAXPS  Y%d, Y14, Y%d", o, o)
		p("\tVMOVUPS Y%d, (DI)", o)
		if o+1 < outC {
			p("\tADDQ    R10, DI")
		}
	}
	p("\tVZEROUPPER")
	p("\tRET")
	e.WriteFile("stem_avx2_amd64.s")
}
