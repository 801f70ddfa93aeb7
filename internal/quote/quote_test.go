package quote

import (
	"errors"
	"io/fs"
	"os"
	"testing"
)

// TestName: names with a control character are quoted, so that a message stays on one line;
// others, spaces and non-ASCII letters included, are shown as they are.
func TestName(t *testing.T) {
	for in, want := range map[string]string{
		"a.jpg":          "a.jpg",
		"my photo é.jpg": "my photo é.jpg",
		`a"b.jpg`:        `a"b.jpg`,
		"a\nb.jpg":       `"a\nb.jpg"`,
		"a\rb\tc\x7f":    `"a\rb\tc\x7f"`,
		"a\u0085b":       `"a\u0085b"`,
		"":               "",
	} {
		if got := Name(in); got != want {
			t.Errorf("Name(%q) = %s, want %s", in, got, want)
		}
	}
}

// TestErr: os's errors show their paths as Name does and still unwrap to their cause.
func TestErr(t *testing.T) {
	_, err := os.Open("no\nsuch.jpg")
	q := Err(err)
	if got := q.Error(); got != `open "no\nsuch.jpg": no such file or directory` || !errors.Is(q, fs.ErrNotExist) {
		t.Errorf("Err(%v) = %q (is ErrNotExist: %v)", err, got, errors.Is(q, fs.ErrNotExist))
	}
	err = os.Rename("no\nsuch.jpg", "b.jpg")
	if got := Err(err).Error(); got != `rename "no\nsuch.jpg" b.jpg: no such file or directory` {
		t.Errorf("Err(%v) = %q", err, got)
	}
	_, err = os.Open("no-such.jpg")
	if Err(err) != err {
		t.Errorf("Err(%v) changed an error whose path needs no quotes", err)
	}
}
