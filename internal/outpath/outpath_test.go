package outpath

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCanMakeIn: an existing folder, and folders still to be made under one, pass and nothing is
// left in them; a path through a file is refused naming the file, also when the file is the
// path itself.
func TestCanMakeIn(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file.txt")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, ok := range []string{dir, filepath.Join(dir, "new"), filepath.Join(dir, "new", "deeper")} {
		if err := CanMakeIn(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 1 {
		t.Errorf("left in %s: %v (%v), want only file.txt", dir, entries, err)
	}
	for _, bad := range []string{file, filepath.Join(file, "sub"), filepath.Join(file, "sub", "deeper")} {
		if err := CanMakeIn(bad); err == nil || !strings.Contains(err.Error(), file+": not a directory") {
			t.Errorf("%s: %v, want %s named as not a directory", bad, err, file)
		}
	}
}
