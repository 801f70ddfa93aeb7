//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestFolderOfOddFiles: in a folder, a link to an image is an image and a link to a folder is
// left out as folders are; a named pipe with an image's name is refused, naming it (the run
// waited on it for ever for a writer).
func TestFolderOfOddFiles(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.jpg"), []byte("x"), 0o644)
	if err := os.Symlink("a.jpg", filepath.Join(dir, "b.jpg")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(".", filepath.Join(dir, "loop.jpg")); err != nil {
		t.Fatal(err)
	}
	ins, err := parseInputs([]string{dir})
	if err != nil || len(ins) != 2 || ins[0].spec != filepath.Join(dir, "a.jpg") || ins[1].spec != filepath.Join(dir, "b.jpg") {
		t.Fatalf("%+v, %v; want a.jpg and the link b.jpg", ins, err)
	}
	fifo := filepath.Join(dir, "z.jpg")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip("no named pipes here:", err)
	}
	if _, err := parseInputs([]string{dir}); err == nil || !strings.Contains(err.Error(), fifo) || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("a folder with a pipe: %v", err)
	}
}
