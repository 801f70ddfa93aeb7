package coco

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
)

// sharedData is the shared data folder, beside the repository.
const sharedData = "../../shared/data"

type expectedCase struct {
	Case  int         `json:"case"`
	GT    string      `json:"gt"`
	DT    string      `json:"dt"`
	Stats [12]float64 `json:"stats"`
}

func needData(t testing.TB, path string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("test data missing: %v (shared/ must sit beside the repository)", err)
	}
}

// checkStats requires the 12 numbers to be within tol of want (tol 0: bit-identical).
func checkStats(t *testing.T, got, want [12]float64, tol float64) {
	t.Helper()
	for i := range want {
		if d := math.Abs(got[i] - want[i]); !(d <= tol) {
			t.Errorf("%s = %.17g, want %.17g (diff %.3g, allowed %g)", StatNames[i], got[i], want[i], d, tol)
		}
	}
}

func evalFiles(t *testing.T, gtPath, dtPath string) *Eval {
	t.Helper()
	gt, err := LoadDataset(gtPath)
	if err != nil {
		t.Fatal(err)
	}
	dts, err := LoadResults(dtPath, gt)
	if err != nil {
		t.Fatal(err)
	}
	e, err := EvaluateResults(gt, dts)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestGolden(t *testing.T) {
	dir, exp := golden(t)
	e := evalFiles(t, filepath.Join(dir, exp.GT), filepath.Join(dir, exp.DT))
	checkStats(t, e.Stats, exp.Stats, 0)
	t.Log("\n" + e.Summary())
}

// golden returns the folder of the golden problem (the COCO API demo's ground truth and
// detections) and pycocotools' numbers on it.
func golden(t *testing.T) (dir string, exp expectedCase) {
	t.Helper()
	dir = filepath.Join(sharedData, "cocoeval-golden")
	needData(t, dir)
	readJSON(t, filepath.Join(dir, "expected.json"), &exp)
	return dir, exp
}

// readJSON decodes the JSON file at path into v.
func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

// TestCases holds the evaluator to pycocotools on the 16 generated corner cases.
func TestCases(t *testing.T) { runCases(t, "cocoeval-cases", 16) }

// TestBoundaryCases holds it to pycocotools on the 8 cases whose IoUs land exactly on the
// thresholds, with ground-truth areas of exactly 32² and 96², crowd regions and tied scores.
func TestBoundaryCases(t *testing.T) { runCases(t, "cocoeval-boundary", 8) }

// runCases evaluates every case listed in dir/expected.json (n of them) and requires the 12
// numbers to equal pycocotools' bit for bit (the issue asked for 1e-12; they are identical).
func runCases(t *testing.T, dir string, n int) {
	dir = filepath.Join(sharedData, dir)
	needData(t, dir)
	var exp []expectedCase
	b, err := os.ReadFile(filepath.Join(dir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &exp); err != nil {
		t.Fatal(err)
	}
	if len(exp) != n {
		t.Fatalf("%s/expected.json has %d cases, want %d", dir, len(exp), n)
	}
	for _, c := range exp {
		t.Run(c.GT, func(t *testing.T) {
			e := evalFiles(t, filepath.Join(dir, c.GT), filepath.Join(dir, c.DT))
			checkStats(t, e.Stats, c.Stats, 0)
		})
	}
}

// TestNumpySum pins numpy's add.reduce order (pairwise in blocks of 8 up
// to 128, in buffers of 8192); the hex values come from numpy 1.24.
func TestNumpySum(t *testing.T) {
	for _, c := range []struct {
		n         int
		sum, mean string
	}{
		{5, "0x1.9e69a32a07bc7p+1", "0x1.4b87b5bb39639p-1"},
		{100, "0x1.900967f045f92p+5", "0x1.00060514a7a9bp-1"},
		{1000, "0x1.fd024e6a64aecp+8", "0x1.049cd42e48079p-1"},
		{10100, "0x1.41406932a1027p+12", "0x1.04904d36c0705p-1"},
		{16385, "0x1.04a18bec63091p+13", "0x1.049d79767d2f2p-1"},
		{80800, "0x1.414e7ebbef718p+15", "0x1.049bb9a009481p-1"},
	} {
		v := make([]float64, c.n)
		for i := range v {
			v[i] = float64((i*7919)%1000)/997.0 + 1e-3*float64((i*31)%17)
		}
		wantSum, _ := strconv.ParseFloat(c.sum, 64)
		wantMean, _ := strconv.ParseFloat(c.mean, 64)
		if got := numpySum(v); got != wantSum {
			t.Errorf("n=%d: sum %x, numpy %x", c.n, got, wantSum)
		}
		if got := meanValid(v); got != wantMean {
			t.Errorf("n=%d: mean %x, numpy %x", c.n, got, wantMean)
		}
	}
}

// cancelAfter is a context whose Err is nil for its first n calls and context.Canceled after.
type cancelAfter struct {
	context.Context
	n int
}

func (c *cancelAfter) Err() error {
	if c.n--; c.n < 0 {
		return context.Canceled
	}
	return nil
}

// TestAccumulateContext: a context that ends stops Evaluate and Accumulate between categories
// (a Ctrl-C in cocoeval), at every point; a later Accumulate starts over and gives the
// uninterrupted results to the bit.
func TestAccumulateContext(t *testing.T) {
	dir, exp := golden(t)
	want := evalFiles(t, filepath.Join(dir, exp.GT), filepath.Join(dir, exp.DT))
	K := len(want.cats)
	for _, n := range []int{0, 1, K / 2, K, K + 1, K + K/2, 2*K - 1} { // in Evaluate, then in Accumulate
		gt, err := LoadDataset(filepath.Join(dir, exp.GT))
		if err != nil {
			t.Fatal(err)
		}
		dts, err := LoadResults(filepath.Join(dir, exp.DT), gt)
		if err != nil {
			t.Fatal(err)
		}
		e, err := NewEval(gt, dts)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.AccumulateContext(&cancelAfter{context.Background(), n}); err != context.Canceled {
			t.Fatalf("cancelled after %d looks: %v, want context.Canceled", n, err)
		}
		if e.accumulated || (n < K && e.evaluated) {
			t.Errorf("cancelled after %d looks: evaluated %v, accumulated %v", n, e.evaluated, e.accumulated)
		}
		if err := e.Accumulate(); err != nil {
			t.Fatal(err)
		}
		e.Summarize()
		if e.Stats != want.Stats || !slices.Equal(e.Precision, want.Precision) || !slices.Equal(e.Recall, want.Recall) {
			t.Errorf("cancelled after %d looks, then accumulated: stats %v, want %v (or the arrays differ)", n, e.Stats, want.Stats)
		}
	}
}
