// Package torchref runs the PyTorch reference scripts in train/ from Go tests.
//
// The reference is Debian's /usr/bin/python3 with python3-torch and python3-torchvision. A test
// that needs it fails (never skips) when it is missing: parity with PyTorch is part of the suite.
package torchref

import (
	"bytes"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/shuffledet/shuffledet/safetensors"
	"golang.org/x/sys/cpu"
)

// Python is the interpreter that has torch and torchvision.
const Python = "/usr/bin/python3"

// command is `Python args...` in the repository root, with torch's kernels capped at AVX2 on
// x86 CPUs that have it: the engine reproduces torch's AVX2 loops bit for bit (the RPN's sigmoid
// in blocks of 16, the softmax's 8 lanes), and torch built with AVX-512 kernels may pick those.
func command(t testing.TB, args ...string) *exec.Cmd {
	cmd := exec.Command(Python, args...)
	cmd.Dir = RepoRoot(t)
	if cpu.X86.HasAVX2 {
		cmd.Env = append(os.Environ(), "ATEN_CPU_CAPABILITY=avx2")
	}
	return cmd
}

var (
	rootOnce sync.Once
	root     string
)

// RepoRoot returns the repository root (the directory holding go.mod).
func RepoRoot(t testing.TB) string {
	t.Helper()
	rootOnce.Do(func() {
		dir, err := os.Getwd()
		if err != nil {
			return
		}
		for {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				root = dir
				return
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				return
			}
			dir = parent
		}
	})
	if root == "" {
		t.Fatal("torchref: cannot find the repository root (go.mod)")
	}
	return root
}

// Run runs `/usr/bin/python3 script args...` in the repository root and returns its stdout.
// script is relative to the root, e.g. "train/export.py". The test fails on any error.
func Run(t testing.TB, script string, args ...string) []byte {
	t.Helper()
	cmd := command(t, append([]string{filepath.Join(RepoRoot(t), script)}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("torchref: %s %s: %v\n%s\n(the PyTorch reference needs Debian's python3-torch and python3-torchvision; see README)",
			script, args, err, stderr.String())
	}
	return stdout.Bytes()
}

// Load reads a safetensors file written by a reference script.
func Load(t testing.TB, path string) *safetensors.File {
	t.Helper()
	f, err := safetensors.ReadFile(path)
	if err != nil {
		t.Fatalf("torchref: %v", err)
	}
	return f
}

// Get returns the named tensor of f, failing the test if it is absent.
func Get(t testing.TB, f *safetensors.File, name string) *safetensors.Tensor {
	t.Helper()
	x := f.Tensor(name)
	if x == nil {
		t.Fatalf("torchref: reference output has no tensor %q", name)
	}
	return x
}

// Script runs an inline Python program (with torch available) and returns its stdout.
func Script(t testing.TB, program string, args ...string) []byte {
	t.Helper()
	cmd := command(t, append([]string{"-c", program}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("torchref: inline script: %v\n%s", err, stderr.String())
	}
	return stdout.Bytes()
}

// RelL2 returns ||got - want|| / ||want||, the relative L2 error used by the parity tests.
// Lengths must match; a mismatch returns +Inf. A NaN on either side makes it NaN, which no
// check written !(err <= tol) lets pass.
func RelL2(got, want []float32) float64 {
	if len(got) != len(want) {
		return math.Inf(1)
	}
	var num, den float64
	for i := range got {
		d := float64(got[i]) - float64(want[i])
		num += d * d
		den += float64(want[i]) * float64(want[i])
	}
	if den == 0 {
		return math.Sqrt(num)
	}
	return math.Sqrt(num / den)
}

// tensorsPrelude loads the inputs (argv[1]) into the dict T; the program fills the dict OUT,
// which is written to argv[2].
const tensorsPrelude = `
import sys, math, torch, torchvision
sys.path.insert(0, "train")
from safetensors_io import read_safetensors, write_safetensors
torch.set_num_threads(1)
T, _ = read_safetensors(sys.argv[1])
OUT = {}
`

// Tensors runs an inline Python program on tensors: the program reads the inputs from the dict
// T (torch tensors by name) and stores its results in the dict OUT, which Tensors returns.
func Tensors(t testing.TB, program string, in ...*safetensors.Tensor) *safetensors.File {
	t.Helper()
	dir := t.TempDir()
	inPath, outPath := filepath.Join(dir, "in.safetensors"), filepath.Join(dir, "out.safetensors")
	if err := safetensors.WriteFile(inPath, in, nil); err != nil {
		t.Fatal(err)
	}
	Script(t, tensorsPrelude+program+"\nwrite_safetensors(sys.argv[2], OUT)\n", inPath, outPath)
	return Load(t, outPath)
}

// MaxAbs returns the largest |got[i] - want[i]|, or +Inf when the lengths differ (a short
// output must not pass by matching a prefix). A NaN on either side makes it NaN (the builtin
// max keeps NaNs), which no check written !(err <= tol) lets pass.
func MaxAbs(got, want []float32) float64 {
	if len(got) != len(want) {
		return math.Inf(1)
	}
	var m float64
	for i := range got {
		m = max(m, math.Abs(float64(got[i])-float64(want[i])))
	}
	return m
}

// Differing returns how many values of got differ from want bit for bit (NaNs always count, and
// so does -0 against +0), or the longer length when the lengths differ: the check behind the
// bit-identical parity tests.
func Differing(got, want []float32) int {
	if len(got) != len(want) {
		return max(len(got), len(want))
	}
	n := 0
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) || got[i] != got[i] {
			n++
		}
	}
	return n
}
