package boxes

import (
	"math"
	"testing"
)

func TestAreaIoUClip(t *testing.T) {
	a := Box{0, 0, 10, 10}
	if a.Area() != 100 || a.Width() != 10 || a.Height() != 10 {
		t.Fatalf("area/width/height of %v", a)
	}
	if got := IoU(a, Box{5, 0, 15, 10}); !(math.Abs(float64(got)-1.0/3) <= 1e-7) {
		t.Errorf("IoU half overlap = %v", got)
	}
	if got := IoU(a, Box{20, 20, 30, 30}); got != 0 {
		t.Errorf("IoU disjoint = %v", got)
	}
	if got := IoU(Box{1, 1, 1, 1}, Box{1, 1, 1, 1}); !math.IsNaN(float64(got)) {
		t.Errorf("IoU of two empty boxes = %v, want NaN like torch", got)
	}
	if got := (Box{-5, -3, 900, 700}).Clip(800, 600); got != (Box{0, 0, 800, 600}) {
		t.Errorf("Clip = %v", got)
	}
}

func TestIsLarge(t *testing.T) {
	bs := []Box{{0, 0, 1, 1}, {0, 0, 0, 5}, {0, 0, 0.01, 0.01}, {0, 0, 0.0099, 1}, {3, 3, 2, 4}}
	keep := func(minSize float64) []int {
		var k []int
		for i, b := range bs {
			if b.IsLarge(minSize) {
				k = append(k, i)
			}
		}
		return k
	}
	if got := keep(0.01); len(got) != 2 || got[0] != 0 || got[1] != 2 {
		t.Errorf("IsLarge(0.01) keeps %v, want [0 2]", got)
	}
	if got := keep(0); len(got) != 4 {
		t.Errorf("min size 0 keeps zero-area boxes too: %v", got)
	}
}

func TestDecodeIdentityAndClip(t *testing.T) {
	c := NewCoder(10, 10, 5, 5)
	ref := Box{10, 20, 50, 100}
	if got := c.Decode(ref, 0, 0, 0, 0); got != ref {
		t.Errorf("zero deltas: %v, want %v", got, ref)
	}
	big := c.Decode(ref, 0, 0, 1e6, 1e6) // clipped at log(1000/16): 62.5x
	if w := big.Width(); !(math.Abs(float64(w)-40*62.5) <= 1e-2) {
		t.Errorf("clipped width %v, want 2500", w)
	}
	empty := c.Decode(Box{5, 5, 5, 5}, 1, 1, 1, 1)
	if empty.Width() != 0 || empty.Height() != 0 {
		t.Errorf("zero-area reference decodes to %v", empty)
	}
}

func TestFlat(t *testing.T) {
	bs := FromFlat(nil, []float32{0, 0, 100, 50, 10, 10, 20, 20, 9})
	if len(bs) != 2 || bs[0] != (Box{0, 0, 100, 50}) || bs[1] != (Box{10, 10, 20, 20}) {
		t.Fatalf("FromFlat = %v", bs)
	}
	if f := AppendFlat(nil, bs); len(f) != 8 || f[2] != 100 || f[6] != 20 {
		t.Errorf("AppendFlat = %v", f)
	}
}

func TestStdMaxMin(t *testing.T) {
	nan := float32(math.NaN())
	negZero := float32(math.Copysign(0, -1))
	isNaN := func(f float32) bool { return f != f }
	if !isNaN(StdMax(nan, 1)) || StdMax(1, nan) != 1 || !isNaN(StdMin(nan, 1)) || StdMin(1, nan) != 1 {
		t.Errorf("NaN: StdMax(NaN, 1) = %v, StdMax(1, NaN) = %v, StdMin(NaN, 1) = %v, StdMin(1, NaN) = %v",
			StdMax(nan, 1), StdMax(1, nan), StdMin(nan, 1), StdMin(1, nan))
	}
	if got := StdMax(negZero, 0); !math.Signbit(float64(got)) {
		t.Errorf("StdMax(-0, +0) = %v, want -0 (the first argument)", got)
	}
	if got := StdMin(0, negZero); math.Signbit(float64(got)) {
		t.Errorf("StdMin(+0, -0) = %v, want +0 (the first argument)", got)
	}
	if StdMax(2, 3) != 3 || StdMax(3, 2) != 3 || StdMin(2, 3) != 2 || StdMin(3, 2) != 2 {
		t.Error("ordinary values")
	}
}
