package allocstest

import "testing"

var sink []byte

// TestSteady: a function that allocates on every call is counted in all three windows; one that
// allocates nothing, in none.
func TestSteady(t *testing.T) {
	if counts := Steady(2, func() { sink = make([]byte, 4096) }, true); len(counts) != 3 || counts[0] < 2 {
		t.Errorf("2 allocations a window: %v, want three windows of at least 2", counts)
	}
	if counts := Steady(2, func() { sink = sink[:0] }, false); counts != nil {
		t.Errorf("no allocation: %v, want nil", counts)
	}
}
