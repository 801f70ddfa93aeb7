//go:build unix

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
	"github.com/shuffledet/shuffledet/internal/outpath/modetest"
)

// TestJSONLinesModes: under each umask, a new JSON lines file gets the mode the other outputs'
// new files get (outpath.NewFileMode, touch's 0666, less the umask) and one written over keeps
// its own, as a replaced image or video does.
func TestJSONLinesModes(t *testing.T) {
	modetest.Check(t, ".jsonl", func(path string) error {
		j := &job{jsonPath: path, outputs: []string{path}}
		if err := j.openJSON(context.Background(), io.Discard); err != nil {
			return err
		}
		return j.closeJSON()
	})
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
