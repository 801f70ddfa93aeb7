//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
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
	if err := unix.Mkfifo(fifo, 0o644); err != nil {
		t.Skip("no named pipes here:", err)
	}
	if _, err := parseInputs([]string{dir}); err == nil || !strings.Contains(err.Error(), fifo) || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("a folder with a pipe: %v", err)
	}
}

// TestCheckWritableLeavesNothing: checking a new output (before any work, and before detect
// catches a signal) makes no file under its name, even for a moment: a Ctrl-C then would leave
// it there, empty. A symbolic link at the path that names a file not yet written, which the
// writers follow (outpath.FollowLinks), is kept, and no empty file is left at its target.
func TestCheckWritableLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "store")
	if err := os.Mkdir(store, 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "v.mp4")
	if err := os.Symlink("store/v.mp4", link); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{link, filepath.Join(dir, "new.jsonl")} {
		if err := checkWritable(p); err != nil {
			t.Fatalf("checkWritable(%s): %v", p, err)
		}
	}
	if target, err := os.Readlink(link); err != nil || target != "store/v.mp4" {
		t.Errorf("the link at -out was not kept: Readlink %q, %v", target, err)
	}
	for _, d := range []string{dir, store} {
		es, _ := os.ReadDir(d)
		for _, e := range es {
			if e.Name() != "store" && e.Name() != "v.mp4" {
				t.Errorf("left behind: %s", filepath.Join(d, e.Name()))
			}
		}
		if d == store && len(es) > 0 {
			t.Errorf("left at the link's target: %v", es)
		}
	}
	// A name the file system cannot take is still refused before any work.
	if err := checkWritable(filepath.Join(dir, strings.Repeat("x", 256)+".jpg")); err == nil {
		t.Error("a file name of 260 bytes passed the check")
	}
}

// TestCheckWritableLinkToNoFolder: an output under a symbolic link to a folder that is not there
// is refused before any work, naming the link (os.MkdirAll failed on it when the run started,
// "mkdir L: file exists"), as cocoeval refuses it.
func TestCheckWritableLinkToNoFolder(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "out")
	if err := os.Symlink(filepath.Join(dir, "gone"), link); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{filepath.Join(link, "a.detect.jpg"), filepath.Join(link, "sub", "a.detect.jpg")} {
		want := link + " is a symbolic link to " + filepath.Join(dir, "gone") + ", which is not there"
		if err := checkWritable(p); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("checkWritable(%s): %v, want %q", p, err, want)
		}
	}
}
