package cliout

import (
	"bytes"
	"fmt"
	"testing"
)

// failing fails every write after its first n bytes.
type failing struct{ n int }

func (f *failing) Write(p []byte) (int, error) {
	if len(p) > f.n {
		k := f.n
		f.n = 0
		return k, fmt.Errorf("write %d: no space left on device", len(p))
	}
	f.n -= len(p)
	return len(p), nil
}

// TestWriterKeepsTheFirstError: writes pass through; the first error is kept, later ones not.
func TestWriterKeepsTheFirstError(t *testing.T) {
	var b bytes.Buffer
	w := &Writer{W: &b}
	fmt.Fprint(w, "hello")
	if b.String() != "hello" || w.Err() != nil {
		t.Fatalf("wrote %q, error %v", b.String(), w.Err())
	}
	w = &Writer{W: &failing{n: 3}}
	if n, err := w.Write([]byte("hello")); n != 3 || err == nil {
		t.Fatalf("Write: %d, %v", n, err)
	}
	first := w.Err()
	w.Write([]byte("again"))
	if first == nil || w.Err() != first {
		t.Errorf("Err: %v, want the first error %v", w.Err(), first)
	}
}
