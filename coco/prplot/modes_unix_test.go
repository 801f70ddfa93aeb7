//go:build unix

package prplot

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestWritePlotsModes: under umask 002 the charts' folder gets mkdir's mode (0777 less the
// umask; it was 0755 less it) and the charts touch's (0666 less it), as detect's outputs and
// cocoeval's results file do.
func TestWritePlotsModes(t *testing.T) {
	e := goldenEval(t)
	dir := filepath.Join(t.TempDir(), "plots")
	prev := syscall.Umask(0o002)
	files, err := WritePlots(e, dir, "svg")
	syscall.Umask(prev)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range append([]string{dir}, files...) {
		want := os.FileMode(0o664)
		if c == dir {
			want = 0o775
		}
		if st, err := os.Stat(c); err != nil {
			t.Error(err)
		} else if st.Mode().Perm() != want {
			t.Errorf("%s: %03o, want %03o", c, st.Mode().Perm(), want)
		}
	}
}
