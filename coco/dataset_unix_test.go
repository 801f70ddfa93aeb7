//go:build unix

package coco

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestImagePathNotAFile: where an image's name is a folder or a named pipe, the error says so
// (it said only "not found", with the path right there).
func TestImagePathNotAFile(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "a.jpg"), 0o755)
	if err := syscall.Mkfifo(filepath.Join(dir, "b.jpg"), 0o644); err != nil {
		t.Fatal(err)
	}
	gt, err := DecodeDataset(strings.NewReader(`{"images":[{"id":1,"file_name":"a.jpg"},{"id":2,"file_name":"b.jpg"}],"annotations":[],"categories":[{"id":1,"name":"person"}]}`), "gt.json")
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[int64]string{1: filepath.Join(dir, "a.jpg") + " is a folder, not a file", 2: filepath.Join(dir, "b.jpg") + " is a named pipe, not a file"} {
		if _, err := gt.ImagePath(dir, id); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ImagePath(%d): %v, want %q", id, err, want)
		}
	}
}
