package asmgen

import (
	"slices"
	"testing"
)

// TestEmitter checks that P formats a line and Ins writes lines as they are, each ended.
func TestEmitter(t *testing.T) {
	var e Emitter
	e.P("TEXT ·f(SB), NOSPLIT, $%d-%d", 0, 8)
	e.Ins("\tMOVD R0, R1", "\tRET")
	if got, want := e.String(), "TEXT ·f(SB), NOSPLIT, $0-8\n\tMOVD R0, R1\n\tRET\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestInterleave checks the alternation and the longer slice's rest, from either side.
func TestInterleave(t *testing.T) {
	for _, c := range []struct{ a, b, want []string }{
		{nil, nil, nil},
		{[]string{"a0", "a1", "a2"}, []string{"b0"}, []string{"a0", "b0", "a1", "a2"}},
		{[]string{"a0"}, []string{"b0", "b1", "b2"}, []string{"a0", "b0", "b1", "b2"}},
	} {
		if got := Interleave(c.a, c.b); !slices.Equal(got, c.want) {
			t.Errorf("Interleave(%q, %q) = %q, want %q", c.a, c.b, got, c.want)
		}
	}
}
