//go:build cgo && !noopencv

package cvtext

import (
	"testing"

	"gocv.io/x/gocv"
)

// TestSize: every text measures as gocv measures it, after a text of the same length and other
// characters (a sign, letters, an extra digit) or another scale or thickness was measured; a
// text seen before (or one differing in its digits only) allocates nothing.
func TestSize(t *testing.T) {
	for _, c := range []struct {
		text  string
		scale float64
		thick int
	}{
		{"person 0.47", 0.4, 1}, {"person 1.00", 0.4, 1}, {"person +Inf", 0.4, 1}, {"person -0.50", 0.4, 1},
		{"person 10.00", 0.4, 1}, {"person 0.47", 0.8, 2}, {"person 0.47", 0.8, 1}, {"9.9 fps", 0.5, 1},
		{"10.0 fps", 0.5, 1}, {"1.1 fps", 1.2, 2}, {"", 0.5, 1},
	} {
		size, base := Size(c.text, c.scale, c.thick)
		wantSize, wantBase := gocv.GetTextSizeWithBaseline(c.text, gocv.FontHersheySimplex, c.scale, c.thick)
		if size != wantSize || base != wantBase {
			t.Errorf("%q at %g, %d: %v %d, gocv %v %d", c.text, c.scale, c.thick, size, base, wantSize, wantBase)
		}
	}
	if a := testing.AllocsPerRun(10, func() { Size("person 0.99", 0.4, 1); Size("3.7 fps", 0.5, 1) }); a != 0 {
		t.Errorf("%v allocations a call for texts of known shapes", a)
	}
}
