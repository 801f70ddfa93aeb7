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
	if e := RelL2([]float32{3, 4}, []float32{0, 5}); math.Abs(e-math.Sqrt(10)/5) > 1e-12 {
		t.Errorf("RelL2 = %v, want %v", e, math.Sqrt(10)/5)
	}
	if e := RelL2([]float32{1}, []float32{1, 2}); !math.IsInf(e, 1) {
		t.Errorf("RelL2 of different lengths = %v, want +Inf", e)
	}
}
