package anchors

import (
	"testing"

	"github.com/shuffledet/shuffledet/boxes"
)

func TestCellDefaults(t *testing.T) {
	c := Cell(DefaultSizes, DefaultRatios)
	if len(c) != 15 {
		t.Fatalf("%d cell anchors", len(c))
	}
	// Ratio 0.5 (wide), size 32: w = 32/sqrt(0.5) = 45.25, h = 22.6 -> round(±22.63), round(±11.31).
	if c[0] != (boxes.Box{X1: -23, Y1: -11, X2: 23, Y2: 11}) {
		t.Errorf("first cell anchor %v", c[0])
	}
	// Ratio 1, size 32 is index 5 (ratio-major).
	if c[5] != (boxes.Box{X1: -16, Y1: -16, X2: 16, Y2: 16}) {
		t.Errorf("cell anchor 5 %v", c[5])
	}
	// Round half to even: size 45, ratio 1 -> ±22.5 -> ±22.
	if got := Cell([]float32{45}, []float32{1}); got[0] != (boxes.Box{X1: -22, Y1: -22, X2: 22, Y2: 22}) {
		t.Errorf("half-even rounding: %v", got[0])
	}
	if len(Cell(nil, DefaultRatios)) != 0 || len(Cell(DefaultSizes, nil)) != 0 {
		t.Error("empty sizes or ratios should give no anchors")
	}
}

func TestGeneratorCachesAndOrders(t *testing.T) {
	g := NewGenerator(nil, nil)
	a := g.ForImage(64, 96, 4, 6)
	if len(a) != 4*6*15 || len(g.cell) != 15 {
		t.Fatalf("%d anchors", len(a))
	}
	// Location (y=1, x=2), anchor 5: shifted by (32, 16).
	if got := a[(1*6+2)*15+5]; got != (boxes.Box{X1: 16, Y1: 0, X2: 48, Y2: 32}) {
		t.Errorf("anchor at (1,2,5) = %v", got)
	}
	b := g.ForImage(64, 96, 4, 6)
	if &a[0] != &b[0] {
		t.Error("same size should return the cached grid")
	}
	if n := testing.AllocsPerRun(10, func() { g.ForImage(64, 96, 4, 6) }); n != 0 {
		t.Errorf("cached grid allocates %v times", n)
	}
	if len(g.Grid(0, 5, 16, 16)) != 0 || len(g.Grid(-1, -1, 16, 16)) != 0 {
		t.Error("empty feature map should give no anchors")
	}
	if Stride(600, 38) != 15 || Stride(10, 0) != 0 {
		t.Error("Stride")
	}
}
