package asmgen

import "testing"

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
