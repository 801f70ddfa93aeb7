//go:build unix

// Package modetest checks, for the tests of every writer of user output, that a new file gets
// outpath.NewFileMode less the umask (touch's mode) and a file written over keeps its own.
package modetest

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/shuffledet/shuffledet/internal/outpath"
)

// Umasks are the umasks Check writes under. 022, 077 and 027 cannot tell a new file's 0644 from
// 0666; 002 can.
var Umasks = []int{0o022, 0o077, 0o027, 0o002}

// earlierModes are the modes of the files Check has write replace (0: no file there). 0644
// replaced under umask 077 once became 0600 (its mode was taken for a new file's).
var earlierModes = []os.FileMode{0, 0o644, 0o600, 0o666, 0o640, 0o604}

// Check calls write on a path in a temporary folder of t, with the extension ext, under each of
// Umasks, first with no file there and then over earlier files of several modes, and fails t
// unless each written file has the mode a user expects. write runs with the umask set (the
// process's: Check's callers must not run in parallel with tests that create files).
func Check(t *testing.T, ext string, write func(path string) error) {
	t.Helper()
	dir := t.TempDir()
	for _, umask := range Umasks {
		for _, old := range earlierModes {
			path := filepath.Join(dir, fmt.Sprintf("out-%03o-%03o%s", umask, old, ext))
			want := outpath.NewFileMode &^ os.FileMode(umask)
			if old != 0 {
				want = old
				if err := os.WriteFile(path, []byte("an earlier run's output"), old); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(path, old); err != nil { // (WriteFile's mode passed through the umask)
					t.Fatal(err)
				}
			}
			prev := syscall.Umask(umask)
			err := write(path)
			syscall.Umask(prev)
			if err != nil {
				t.Fatal(err)
			}
			if st, err := os.Stat(path); err != nil {
				t.Error(err)
			} else if st.Mode().Perm() != want {
				t.Errorf("umask %03o, earlier file's mode %03o (0: none): %03o, want %03o", umask, old, st.Mode().Perm(), want)
			}
		}
	}
}
