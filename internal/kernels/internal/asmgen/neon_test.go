package asmgen

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestNEON checks each encoder against instruction lines of the committed internal/kernels
// *_arm64.s files (the hand-written sgemm8x12_arm64.s and pool_arm64.s among them), whose words
// were checked against binutils' aarch64 assembler: each register field at the lowest and highest
// value the files hold where they hold several, every lane.
func TestNEON(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{FMLAElem(12, 4, 1, 0), "\tWORD $0x4f81108c // fmla v12.4s, v4.4s, v1.s[0]"},                  // depthwise_rows_arm64.s
		{FMLAElem(0, 10, 1, 0), "\tWORD $0x4f811140 // fmla v0.4s, v10.4s, v1.s[0]"},                  // depthwise4_arm64.s
		{FMLAElem(17, 0, 3, 0), "\tWORD $0x4f831011 // fmla v17.4s, v0.4s, v3.s[0]"},                  // depthwise4_arm64.s
		{FMLAElem(16, 4, 1, 1), "\tWORD $0x4fa11090 // fmla v16.4s, v4.4s, v1.s[1]"},                  // depthwise_rows_arm64.s
		{FMLAElem(16, 31, 1, 2), "\tWORD $0x4f811bf0 // fmla v16.4s, v31.4s, v1.s[2]"},                // depthwise4_arm64.s
		{FMLAElem(31, 2, 4, 3), "\tWORD $0x4fa4185f // fmla v31.4s, v2.4s, v4.s[3]"},                  // sgemm8x12_arm64.s
		{FMLAElem(23, 25, 30, 2), "\tWORD $0x4f9e1b37 // fmla v23.4s, v25.4s, v30.s[2]"},              // depthwise_rows_arm64.s
		{FMLAElem(9, 5, 0, 3), "\tWORD $0x4fa018a9 // fmla v9.4s, v5.4s, v0.s[3]"},                    // stem_arm64.s
		{FMULElem(6, 6, 4, 0), "\tWORD $0x4f8490c6 // fmul v6.4s, v6.4s, v4.s[0]"},                    // bilinear_arm64.s
		{FMULElem(12, 12, 4, 1), "\tWORD $0x4fa4918c // fmul v12.4s, v12.4s, v4.s[1]"},                // bilinear_arm64.s
		{FMULElem(17, 17, 5, 2), "\tWORD $0x4f859a31 // fmul v17.4s, v17.4s, v5.s[2]"},                // bilinear_arm64.s
		{FMULElem(25, 25, 5, 3), "\tWORD $0x4fa59b39 // fmul v25.4s, v25.4s, v5.s[3]"},                // bilinear_arm64.s
		{FADD(0, 0, 6), "\tWORD $0x4e26d400 // fadd v0.4s, v0.4s, v6.4s"},                             // bilinear_arm64.s
		{FADD(8, 8, 0), "\tWORD $0x4e20d508 // fadd v8.4s, v8.4s, v0.4s"},                             // sgemm8x12_arm64.s
		{FADD(9, 9, 17), "\tWORD $0x4e31d529 // fadd v9.4s, v9.4s, v17.4s"},                           // bilinear_arm64.s
		{FADD(31, 31, 2), "\tWORD $0x4e22d7ff // fadd v31.4s, v31.4s, v2.4s"},                         // sgemm8x12_arm64.s
		{FDIV(0, 0, 31), "\tWORD $0x6e3ffc00 // fdiv v0.4s, v0.4s, v31.4s"},                           // bilinear_arm64.s
		{FDIV(16, 16, 29), "\tWORD $0x6e3dfe10 // fdiv v16.4s, v16.4s, v29.4s"},                       // pool_arm64.s
		{FCMGT(14, 24, 0), "\tWORD $0x6ea0e70e // fcmgt v14.4s, v24.4s, v0.4s"},                       // pool_arm64.s
		{FCMGT(2, 5, 31), "\tWORD $0x6ebfe4a2 // fcmgt v2.4s, v5.4s, v31.4s"},                         // sgemm8x12_arm64.s
		{BIT(8, 5, 0), "\tWORD $0x6ea01ca8 // bit v8.16b, v5.16b, v0.16b"},                            // stem_arm64.s
		{BIT(31, 5, 2), "\tWORD $0x6ea21cbf // bit v31.16b, v5.16b, v2.16b"},                          // stem_arm64.s
		{BIT(16, 20, 15), "\tWORD $0x6eaf1e90 // bit v16.16b, v20.16b, v15.16b"},                      // pool_arm64.s
		{ST4Lane(8, 0, 0, 1), "\tWORD $0x0da1a008 // st4 {v8.s, v9.s, v10.s, v11.s}[0], [x0], x1"},    // stem_arm64.s
		{ST4Lane(28, 1, 7, 1), "\tWORD $0x0da1b0fc // st4 {v28.s, v29.s, v30.s, v31.s}[1], [x7], x1"}, // stem_arm64.s
		{ST4Lane(28, 2, 7, 1), "\tWORD $0x4da1a0fc // st4 {v28.s, v29.s, v30.s, v31.s}[2], [x7], x1"}, // stem_arm64.s
		{ST4Lane(8, 3, 0, 1), "\tWORD $0x4da1b008 // st4 {v8.s, v9.s, v10.s, v11.s}[3], [x0], x1"},    // stem_arm64.s
		{ST4Lane(28, 3, 7, 1), "\tWORD $0x4da1b0fc // st4 {v28.s, v29.s, v30.s, v31.s}[3], [x7], x1"}, // stem_arm64.s
	} {
		if c.got != c.want {
			t.Errorf("got  %q\nwant %q", c.got, c.want)
		}
	}
}

// TestEveryWordNamed checks every WORD of the committed internal/kernels *_arm64.s and .h files:
// each carries a comment naming the instruction it encodes (// after it, or /* */ inside a macro,
// whose lines a // comment would end), and where an encoder above covers the instruction, the
// comment is the encoder's for the word: a word and its comment that disagree, as a hand edit of
// either could leave them, fail here.
func TestEveryWordNamed(t *testing.T) {
	files, err := filepath.Glob("../../*_arm64.[sh]")
	if err != nil || len(files) == 0 {
		t.Fatalf("no arm64 assembly in ../..: %v", err)
	}
	word := regexp.MustCompile(`\bWORD\s+\$(0x[0-9a-fA-F]+|\(.*\))\s*(?:/\*\s*(.*?)\s*\*/|;|\\|\s)*(?://\s*(.*))?$`)
	regs := regexp.MustCompile(`[vx](\d+)|\[(\d+)\]`)
	words, checked := 0, 0 // WORDs, and those an encoder checked
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "//") || !strings.Contains(line, "WORD") {
				continue
			}
			where := fmt.Sprintf("%s:%d", filepath.Base(f), i+1)
			m := word.FindStringSubmatch(line)
			if m == nil {
				t.Errorf("%s: a WORD not understood: %q", where, line)
				continue
			}
			words++
			name := m[2] + m[3]
			if m[2] != "" && m[3] != "" || name == "" {
				t.Errorf("%s: %q names no instruction (one comment, // or /* */)", where, line)
				continue
			}
			if !strings.HasPrefix(m[1], "0x") {
				continue // a macro's expression (exp_arm64.s): its comment names the form
			}
			var n []int
			for _, r := range regs.FindAllStringSubmatch(name, -1) {
				v, _ := strconv.Atoi(r[1] + r[2])
				n = append(n, v)
			}
			var enc string
			switch mnemonic, _, _ := strings.Cut(name, " "); {
			case mnemonic == "fmla" && len(n) == 4:
				enc = FMLAElem(n[0], n[1], n[2], n[3])
			case mnemonic == "fmul" && len(n) == 4:
				enc = FMULElem(n[0], n[1], n[2], n[3])
			case mnemonic == "fadd" && len(n) == 3:
				enc = FADD(n[0], n[1], n[2])
			case mnemonic == "fdiv" && len(n) == 3:
				enc = FDIV(n[0], n[1], n[2])
			case mnemonic == "fcmgt" && len(n) == 3:
				enc = FCMGT(n[0], n[1], n[2])
			case mnemonic == "bit" && len(n) == 3:
				enc = BIT(n[0], n[1], n[2])
			case mnemonic == "st4" && len(n) == 7:
				enc = ST4Lane(n[0], n[4], n[5], n[6])
			default:
				continue // no encoder here (bic, tbl): the comment is checked for its presence only
			}
			checked++
			got, _ := strconv.ParseUint(m[1], 0, 32)
			if want := fmt.Sprintf("\tWORD $0x%08x // %s", got, name); enc != want {
				t.Errorf("%s: the word and its comment disagree:\n%s\nthe comment's instruction is\n%s", where, want, enc)
			}
		}
	}
	if checked < 1000 {
		t.Errorf("%d WORDs in %d files, %d checked by an encoder: the patterns miss most of them", words, len(files), checked)
	}
}
