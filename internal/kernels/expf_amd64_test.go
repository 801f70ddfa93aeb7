package kernels

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// expfProgram reads float32 values (little-endian bits) on stdin and writes expf of each.
const expfProgram = `#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
int main(void) {
	uint32_t b; float x, y;
	while (fread(&b, 4, 1, stdin) == 1) {
		memcpy(&x, &b, 4);
		y = expf(x);
		memcpy(&b, &y, 4);
		fwrite(&b, 4, 1, stdout);
	}
	return 0;
}
`

// expfInputs: every float32 whose bits are a multiple of 1021 (4.2 million, both signs, NaNs and
// infinities among them), every one of the underflow edge's binade (-104 to -103.97, -103.97 to
// -103.28, -103.28 to -103) and of the overflow edge's (88 to 89), and one logit whose sigmoid
// differed from torch's.
func expfInputs() []float32 {
	var xs []float32
	for b := uint64(0); b < 1<<32; b += 1021 {
		xs = append(xs, math.Float32frombits(uint32(b)))
	}
	for b := math.Float32bits(-103); b <= math.Float32bits(-104); b++ {
		xs = append(xs, math.Float32frombits(b))
	}
	for b := math.Float32bits(88); b <= math.Float32bits(89); b++ {
		xs = append(xs, math.Float32frombits(b))
	}
	return append(xs, math.Float32frombits(0x38ad9e29))
}

// runExpf builds expfProgram with the C compiler cc (args first) and returns expf of xs as the
// program computes it (under the emulator emu if not empty).
func runExpf(t *testing.T, cc []string, emu string, xs []float32) []float32 {
	t.Helper()
	dir := t.TempDir()
	src, bin := filepath.Join(dir, "expf.c"), filepath.Join(dir, "expf")
	if err := os.WriteFile(src, []byte(expfProgram), 0o644); err != nil {
		t.Fatal(err)
	}
	build := exec.Command(cc[0], append(cc[1:], "-O2", "-o", bin, src, "-lm")...)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("%s (scripts/setup installs it): %v\n%s", strings.Join(build.Args, " "), err, out)
	}
	in := make([]byte, 4*len(xs))
	for i, x := range xs {
		binary.LittleEndian.PutUint32(in[4*i:], math.Float32bits(x))
	}
	cmd := exec.Command(bin)
	if emu != "" {
		cmd = exec.Command(emu, bin)
	}
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	if err != nil || len(out) != len(in) {
		t.Fatalf("%s: %v (%d of %d bytes)", strings.Join(cmd.Args, " "), err, len(out), len(in))
	}
	ys := make([]float32, len(xs))
	for i := range ys {
		ys[i] = math.Float32frombits(binary.LittleEndian.Uint32(out[4*i:]))
	}
	return ys
}

// compareExpf fails t where expf(x, form) and want differ in any bit (NaNs: both NaN) and
// returns the number of inputs where want differs from the correctly rounded e^x.
func compareExpf(t *testing.T, name string, form expfForm, xs, want []float32) (notRounded int) {
	t.Helper()
	bad := 0
	for i, x := range xs {
		got, w := expf(x, form), want[i]
		if !(math.Float32bits(got) == math.Float32bits(w) || got != got && w != w) {
			if bad++; bad <= 5 {
				t.Errorf("%s: expf(%v) (bits %#x) = %v, the C library's %v", name, x, math.Float32bits(x), got, w)
			}
		}
		if r := float32(math.Exp(float64(x))); w == w && r != w {
			notRounded++
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d values differ", name, bad, len(xs))
	}
	return notRounded
}

// TestExpfIsGlibcs compares Expf with the C library's expf, compiled here, bit for bit: this
// machine's (x86-64 with FMA, as CI's) and arm64's (a static build under qemu).
func TestExpfIsGlibcs(t *testing.T) {
	xs := expfInputs()
	native := runExpf(t, []string{"cc"}, "", xs)
	n := compareExpf(t, "this machine", libcExpf, xs, native)
	t.Logf("%d inputs; this machine's expf is not correctly rounded on %d of them", len(xs), n)
	if n == 0 {
		t.Error("the C library's expf rounded every input correctly: the comparison cannot tell the forms apart")
	}
	arm := runExpf(t, []string{"aarch64-linux-gnu-gcc", "-static"}, "qemu-aarch64-static", xs)
	compareExpf(t, "arm64", expfToInt, xs, arm)
}
