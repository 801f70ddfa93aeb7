package torchref

import (
	"math"
	"testing"
)

func TestMaxAbsAndRelL2(t *testing.T) {
	if d := MaxAbs([]float32{1, 2}, []float32{1, 2, 3}); !math.IsInf(d, 1) {
		t.Errorf("MaxAbs of different lengths = %v, want +Inf", d)
	}
	if d := MaxAbs([]float32{1, 2}, []float32{1, 2.5}); d != 0.5 {
		t.Errorf("MaxAbs = %v, want 0.5", d)
	}
	if e := RelL2([]float32{3, 4}, []float32{3, 4}); e != 0 {
		t.Errorf("RelL2 of equal = %v", e)
	}
	if e := RelL2([]float32{3, 4}, []float32{0, 5}); !(math.Abs(e-math.Sqrt(10)/5) <= 1e-12) {
		t.Errorf("RelL2 = %v, want %v", e, math.Sqrt(10)/5)
	}
	if e := RelL2([]float32{1}, []float32{1, 2}); !math.IsInf(e, 1) {
		t.Errorf("RelL2 of different lengths = %v, want +Inf", e)
	}
}

// nanCases put a NaN first, in the middle and last, on either side, for the helpers below.
func nanCases() (got, want [][]float32) {
	nan := float32(math.NaN())
	clean := []float32{1, 2, 3, 4, 5}
	for _, at := range []int{0, 2, 4} {
		g := append([]float32(nil), clean...)
		g[at] = nan
		got, want = append(got, g, clean), append(want, clean, g)
	}
	g := append([]float32(nil), clean...)
	g[1] = nan
	got, want = append(got, g), append(want, g) // NaN on both sides
	return got, want
}

// TestRelL2FailsOnNaN: a NaN anywhere, on either side, makes RelL2 fail every tolerance check
// written !(err <= tol), however loose.
func TestRelL2FailsOnNaN(t *testing.T) {
	got, want := nanCases()
	for i := range got {
		if e := RelL2(got[i], want[i]); e <= 1e30 {
			t.Errorf("RelL2(%v, %v) = %v passes a tolerance", got[i], want[i], e)
		}
	}
}

// TestMaxAbsFailsOnNaN: the same for MaxAbs.
func TestMaxAbsFailsOnNaN(t *testing.T) {
	got, want := nanCases()
	for i := range got {
		if d := MaxAbs(got[i], want[i]); d <= 1e30 {
			t.Errorf("MaxAbs(%v, %v) = %v passes a tolerance", got[i], want[i], d)
		}
	}
}

func TestDiffering(t *testing.T) {
	got, want := nanCases()
	for i := range got {
		if n := Differing(got[i], want[i]); n != 1 {
			t.Errorf("Differing(%v, %v) = %d, want 1", got[i], want[i], n)
		}
	}
	negZero := float32(math.Copysign(0, -1))
	for _, c := range []struct {
		got, want []float32
		n         int
	}{
		{[]float32{1, 2, 3}, []float32{1, 2, 3}, 0},
		{[]float32{1, 2, 3}, []float32{1, 2.0000002, 3}, 1},
		{[]float32{0, 1}, []float32{negZero, 1}, 1},
		{[]float32{1, 2}, []float32{1, 2, 3}, 3},
		{nil, nil, 0},
	} {
		if n := Differing(c.got, c.want); n != c.n {
			t.Errorf("Differing(%v, %v) = %d, want %d", c.got, c.want, n, c.n)
		}
	}
}
