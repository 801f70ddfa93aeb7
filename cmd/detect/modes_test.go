package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/shuffledet/shuffledet/internal/outpath"
)

// TestJSONLinesModes: under each umask, a new JSON lines file gets the mode the other outputs'
// new files get (outpath.NewFileMode, touch's 0666, less the umask) and one written over keeps
// its own, as a replaced image or video does.
func TestJSONLinesModes(t *testing.T) {
	dir := t.TempDir()
	for _, umask := range []int{0o022, 0o077, 0o027, 0o002} {
		for _, old := range []os.FileMode{0, 0o644, 0o600, 0o604} { // (0: no file there)
			path := filepath.Join(dir, fmt.Sprintf("out-%03o-%03o.jsonl", umask, old))
			want := outpath.NewFileMode &^ os.FileMode(umask)
			if old != 0 {
				want = old
				if err := os.WriteFile(path, []byte("{}\n"), old); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(path, old); err != nil { // (WriteFile's mode passed through the umask)
					t.Fatal(err)
				}
			}
			j := &job{jsonPath: path, outputs: []string{path}}
			prev := syscall.Umask(umask)
			err := j.openJSON(context.Background(), io.Discard)
			syscall.Umask(prev)
			if err != nil {
				t.Fatal(err)
			}
			if err := j.closeJSON(); err != nil {
				t.Fatal(err)
			}
			if st, err := os.Stat(path); err != nil || st.Mode().Perm() != want {
				got := fmt.Sprint(err)
				if err == nil {
					got = fmt.Sprintf("%03o", st.Mode().Perm())
				}
				t.Errorf("umask %03o, earlier file's mode %03o (0: none): %s, want %03o", umask, old, got, want)
			}
		}
	}
}

// TestOutputFolderModes: the folders a run makes for its outputs get mkdir's mode
// (outpath.NewFolderMode, 0777, less the umask), as cocoeval's do (they were 0755 less it).
func TestOutputFolderModes(t *testing.T) {
	dir := t.TempDir()
	for _, umask := range []int{0o022, 0o077, 0o002} {
		sub := filepath.Join(dir, fmt.Sprintf("u%03o", umask))
		j := &job{jsonPath: filepath.Join(sub, "deeper", "out.jsonl")}
		j.outputs = []string{j.jsonPath}
		prev := syscall.Umask(umask)
		err := j.openJSON(context.Background(), io.Discard)
		syscall.Umask(prev)
		if err != nil {
			t.Fatal(err)
		}
		if err := j.closeJSON(); err != nil {
			t.Fatal(err)
		}
		want := outpath.NewFolderMode &^ os.FileMode(umask)
		for _, d := range []string{sub, filepath.Dir(j.jsonPath)} {
			if st, err := os.Stat(d); err != nil {
				t.Error(err)
			} else if st.Mode().Perm() != want {
				t.Errorf("umask %03o: folder %s: %03o, want %03o", umask, d, st.Mode().Perm(), want)
			}
		}
	}
}
