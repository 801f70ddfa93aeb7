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

// TestCanMakeInRefusesALinkToNothing: a symbolic link on the way to a folder that is not there
// is refused, naming the link and its target: os.MkdirAll fails on it ("file exists") once the
// work is done, and both commands check their output folders with CanMakeIn before it.
func TestCanMakeInRefusesALinkToNothing(t *testing.T) {
	dir := t.TempDir()
	gone := filepath.Join(dir, "gone")
	link := filepath.Join(dir, "link")
	if err := os.Symlink(gone, link); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	for _, bad := range []string{link, filepath.Join(link, "sub"), filepath.Join(link, "sub", "deeper")} {
		want := link + " is a symbolic link to " + gone + ", which is not there"
		if err := CanMakeIn(bad); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", bad, err, want)
		}
		if err := os.MkdirAll(bad, 0o755); err == nil {
			t.Errorf("os.MkdirAll(%s) made it: the check is not needed", bad)
		}
	}
	if err := os.Mkdir(gone, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := CanMakeIn(filepath.Join(link, "sub")); err != nil {
		t.Errorf("through a link to a folder: %v", err)
	}
}

// TestCanMakeInNamesTheFolder: a folder in which no file can be created (/proc, where even root
// cannot) is named in the error, not the probe file CanMakeIn tried to create there, a name the
// user never gave ("open /proc/.outpath-check-123: no such file or directory").
func TestCanMakeInNamesTheFolder(t *testing.T) {
	if st, err := os.Stat("/proc/self"); err != nil || !st.IsDir() {
		t.Skip("no /proc here")
	}
	err := CanMakeIn("/proc/x")
	if err == nil || !strings.HasPrefix(err.Error(), "cannot create files in /proc: ") || strings.Contains(err.Error(), ".outpath-check") {
		t.Errorf("CanMakeIn(/proc/x): %v, want the folder named and not the probe", err)
	}
}
