//go:build ignore

// gen_stem_avx512 writes stem_avx512_amd64.s, the AVX-512 kernels of ShuffleNet's stem
// convolution (3 input channels, 3x3, stride 2, padding 1) for one block of 16 output columns of
// one output row and 24 or 12 output channels: 27 taps of 24 or 12 FMAs each, which written by
// hand would be some 1600 lines of near-copies. Run it with `go generate ./internal/kernels`
// after changing it (-o names another output file); TestStemAVX512Generated fails when the
// committed file differs from its output.
package main

import (
	"fmt"

	"github.com/shuffledet/shuffledet/internal/kernels/internal/asmgen"
)

const (
	inC  = 3 // the stem's input channels
	taps = 3 * 3 * inC
)

func main() {
	var e asmgen.Emitter
	p := e.P
	e.Header("gen_stem_avx512.go")
	p(`
// stemBlock24AVX512 and stemBlock12AVX512 (kernels_amd64.go): 16 outputs of one output row of
// the stem convolution, for 24 or 12 output channels, one ZMM sum each (Z0-Z23 or Z0-Z11). Each
// input row of each channel comes in as four masked loads (K1-K4: columns 2x-1 from the block's first, 16 and 16 more, and the same from
// 2 columns on; the lanes outside the plane load zeros, as im2col writes them), and VPERMT2PS
// picks each tap (kx 0, 1, 2: columns 2x-1, 2x, 2x+1) out of a pair (Z28); an input row outside
// the plane (rows bit clear) is a tap of zeros and is never read. The two input rows the next
// output row adds are prefetched at the block's columns first: a cold input (the network's other
// layers have evicted it) otherwise costs the stem more than its arithmetic. Each sum takes its 27 taps in
// im2col's row order (channel, ky, kx) by FMA from zero, then adds the bias and takes the
// maximum with the floor, as the GEMM's epilogue does, so the outputs are the im2col product's
// bit for bit. Registers: SI the block's first input column of channel 0's row 2y-1 (in + off),
// R8 an input row and R9 a channel in bytes, BX the current row, AX the weights, CX the bias, DI
// the output, R10 an output plane in bytes, DX the rows (bits 0-2: input rows 2y-1, 2y, 2y+1
// inside the plane; bits 8-23: the output lanes inside it, K5), Z24-Z27 the loads, Z29 and Z30
// the even and odd lane indices, Z31 the floor.
`)
	for i := 0; i < 16; i++ {
		p("DATA stemLanes<>+%d(SB)/4, $%d", 4*i, 2*i)
	}
	p("GLOBL stemLanes<>(SB), RODATA|NOPTR, $64")
	kernel(p, 24)
	kernel(p, 12)
	e.WriteFile("stem_avx512_amd64.s")
}

// kernel writes stemBlock<outC>AVX512.
func kernel(p func(string, ...any), outC int) {
	p("")
	p("// func stemBlock%dAVX512(out *float32, ldo int, in *float32, off, w, hw int, masks, rows uint64, wt, bias *float32, floor float32)", outC)
	p("TEXT ·stemBlock%dAVX512(SB), NOSPLIT, $0-84", outC)
	p("\tMOVQ    in+16(FP), SI")
	p("\tADDQ    off+24(FP), SI")
	p("\tMOVQ    w+32(FP), R8")
	p("\tSHLQ    $2, R8")
	p("\tMOVQ    hw+40(FP), R9")
	p("\tSHLQ    $2, R9")
	p("\t// prefetch the two input rows the next output row adds (2y+2, 2y+3) at these columns")
	p("\tLEAQ    (SI)(R8*2), BX")
	p("\tADDQ    R8, BX")
	for ci := 0; ci < inC; ci++ {
		if ci > 0 {
			p("\tADDQ    R9, BX")
		}
		for _, a := range []string{"(BX)", "64(BX)", "(BX)(R8*1)", "64(BX)(R8*1)"} {
			p("\tPREFETCHT0 %s", a)
		}
	}
	p("\tMOVQ    masks+48(FP), DX")
	for k := 1; k <= 4; k++ {
		p("\tKMOVW   DX, K%d", k)
		if k < 4 {
			p("\tSHRQ    $16, DX")
		}
	}
	p("\tMOVQ    rows+56(FP), DX")
	p("\tMOVQ    wt+64(FP), AX")
	p("\tMOVQ    bias+72(FP), CX")
	p("\tVMOVDQU32 stemLanes<>(SB), Z29")
	p("\tMOVL    $1, BX")
	p("\tVPBROADCASTD BX, Z30")
	p("\tVPADDD  Z30, Z29, Z30")
	for o := 0; o < outC; o++ {
		p("\tVPXORD  Z%d, Z%d, Z%d", o, o, o)
	}
	for ci := 0; ci < inC; ci++ {
		for ky := 0; ky < 3; ky++ {
			g := ci*3 + ky
			p("")
			p("\t// channel %d, row 2y-1+%d", ci, ky)
			p("\tBTQ     $%d, DX", ky)
			p("\tJCS     s%drow%d", outC, g)
			p("\tVPXORD  Z24, Z24, Z24")
			p("\tVPXORD  Z25, Z25, Z25")
			p("\tVPXORD  Z26, Z26, Z26")
			p("\tVPXORD  Z27, Z27, Z27")
			p("\tJMP     s%dtaps%d", outC, g)
			p("s%drow%d:", outC, g)
			switch ci {
			case 0:
				p("\tMOVQ    SI, BX")
			default:
				p("\tLEAQ    (SI)(R9*%d), BX", ci)
			}
			row := "(BX)"
			if ky > 0 {
				row = fmt.Sprintf("(BX)(R8*%d)", ky)
			}
			for k, off := range []int{0, 64, 8, 72} {
				p("\tVMOVUPS.Z %d%s, K%d, Z%d", off, row, k+1, 24+k)
			}
			p("s%dtaps%d:", outC, g)
			for kx := 0; kx < 3; kx++ {
				switch kx {
				case 0:
					p("\tVMOVAPS Z24, Z28")
					p("\tVPERMT2PS Z25, Z29, Z28")
				case 1:
					p("\tVMOVAPS Z24, Z28")
					p("\tVPERMT2PS Z25, Z30, Z28")
				case 2:
					p("\tVMOVAPS Z26, Z28")
					p("\tVPERMT2PS Z27, Z29, Z28")
				}
				k := (ci*3+ky)*3 + kx
				for o := 0; o < outC; o++ {
					p("\tVFMADD231PS.BCST %d(AX), Z28, Z%d", 4*(o*taps+k), o)
				}
			}
		}
	}
	p("")
	p("\t// bias, floor, store: output channel o at DI + o*R10")
	p("\tVBROADCASTSS floor+80(FP), Z31")
	p("\tMOVQ    out+0(FP), DI")
	p("\tMOVQ    ldo+8(FP), R10")
	p("\tSHLQ    $2, R10")
	p("\tMOVQ    rows+56(FP), DX")
	p("\tSHRQ    $8, DX")
	p("\tKMOVW   DX, K5")
	for o := 0; o < outC; o++ {
		p("\tVADDPS.BCST %d(CX), Z%d, Z%d", 4*o, o, o)
		p("\tVMAXPS  Z%d, Z31, Z%d", o, o)
		p("\tVMOVUPS Z%d, K5, (DI)", o)
		if o+1 < outC {
			p("\tADDQ    R10, DI")
		}
	}
	p("\tVZEROUPPER")
	p("\tRET")
}
