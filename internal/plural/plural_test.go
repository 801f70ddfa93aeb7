package plural

import "testing"

func TestCount(t *testing.T) {
	for _, c := range []struct {
		n    int
		want string
	}{{1, "1 class"}, {0, "0 classes"}, {2, "2 classes"}, {300, "300 classes"}, {-1, "-1 classes"}, {11, "11 classes"}} {
		if got := Count(c.n, "class", "classes"); got != c.want {
			t.Errorf("Count(%d): %q, want %q", c.n, got, c.want)
		}
	}
}
