package asmgen

import "fmt"

// The NEON encoders return one instruction line, "\tWORD $0x<word> // <instruction>", for
// vector forms the Go assembler lacks; d, n, m and t are vector register numbers (0-31), lane a
// 32-bit lane (0-3). Their words were checked against binutils' aarch64 assembler.

// FMLAElem encodes FMLA Vd.4S, Vn.4S, Vm.S[lane].
func FMLAElem(d, n, m, lane int) string {
	word := 0x4f801000 | (lane&1)<<21 | m<<16 | (lane>>1)<<11 | n<<5 | d
	return fmt.Sprintf("\tWORD $0x%08x // fmla v%d.4s, v%d.4s, v%d.s[%d]", word, d, n, m, lane)
}

// FMULElem encodes FMUL Vd.4S, Vn.4S, Vm.S[lane].
func FMULElem(d, n, m, lane int) string {
	word := 0x4f809000 | (lane&1)<<21 | m<<16 | (lane>>1)<<11 | n<<5 | d
	return fmt.Sprintf("\tWORD $0x%08x // fmul v%d.4s, v%d.4s, v%d.s[%d]", word, d, n, m, lane)
}

// FADD encodes FADD Vd.4S, Vn.4S, Vm.4S.
func FADD(d, n, m int) string {
	return fmt.Sprintf("\tWORD $0x%08x // fadd v%d.4s, v%d.4s, v%d.4s", 0x4e20d400|m<<16|n<<5|d, d, n, m)
}

// FDIV encodes FDIV Vd.4S, Vn.4S, Vm.4S.
func FDIV(d, n, m int) string {
	return fmt.Sprintf("\tWORD $0x%08x // fdiv v%d.4s, v%d.4s, v%d.4s", 0x6e20fc00|m<<16|n<<5|d, d, n, m)
}

// FCMGT encodes FCMGT Vd.4S, Vn.4S, Vm.4S (Vd = Vn > Vm).
func FCMGT(d, n, m int) string {
	return fmt.Sprintf("\tWORD $0x%08x // fcmgt v%d.4s, v%d.4s, v%d.4s", 0x6ea0e400|m<<16|n<<5|d, d, n, m)
}

// BIT encodes BIT Vd.16B, Vn.16B, Vm.16B (Vd takes Vn's bits where Vm's are set).
func BIT(d, n, m int) string {
	return fmt.Sprintf("\tWORD $0x%08x // bit v%d.16b, v%d.16b, v%d.16b", 0x6ea01c00|m<<16|n<<5|d, d, n, m)
}

// ST4Lane encodes ST4 {Vt.S-Vt+3.S}[lane], [Xn], Xm: lane of four vectors to four consecutive
// values at Xn, which is then stepped by Xm (n and m general register numbers, 0-30: 31 would
// be SP and the immediate step).
func ST4Lane(t, lane, n, m int) string {
	word := 0x0da0a000 | (lane>>1)<<30 | m<<16 | (lane&1)<<12 | n<<5 | t
	return fmt.Sprintf("\tWORD $0x%08x // st4 {v%d.s, v%d.s, v%d.s, v%d.s}[%d], [x%d], x%d", word, t, t+1, t+2, t+3, lane, n, m)
}
