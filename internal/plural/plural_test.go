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

func TestWord(t *testing.T) {
	for n, want := range map[int]string{1: "decodes", 0: "decode", 2: "decode", -1: "decode"} {
		if got := Word(n, "decodes", "decode"); got != want {
			t.Errorf("Word(%d): %q, want %q", n, got, want)
		}
	}
}
