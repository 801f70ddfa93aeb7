package outpath

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestWriteReplacingLeavesNoHalfFile: a write that fails part way (a full disk, or as a killed
// run leaves it) leaves the earlier file of that name as it was, and no other file; one that
// succeeds replaces it, keeping its mode (TestWriteReplacingModes tests the modes further).
func TestWriteReplacingLeavesNoHalfFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "pr_iou.png")
	if err := os.WriteFile(path, []byte("earlier chart"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := WriteReplacing(path, func(w io.Writer) error {
		if _, err := w.Write([]byte("half")); err != nil {
			return err
		}
		return errors.New("disk full")
	})
	if err == nil || err.Error() != path+": disk full" {
		t.Errorf("error %v", err)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "earlier chart" {
		t.Errorf("the earlier file reads %q, %v", b, err)
	}
	if ls, _ := os.ReadDir(dir); len(ls) != 1 {
		t.Errorf("the folder holds %v", ls)
	}
	write := func(s string) func(io.Writer) error {
		return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
	}
	if err := WriteReplacing(path, write("new chart")); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "new chart" {
		t.Errorf("the new file reads %q, %v", b, err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("the replaced file: %v, %v; want the earlier file's 0600", st, err)
	}
	missing := filepath.Join(dir, "missing", "x.png")
	if err := WriteReplacing(missing, write("x")); err == nil || err.Error() != missing+": cannot write in its folder "+filepath.Dir(missing)+": no such file or directory" {
		t.Errorf("into a missing folder: %v", err)
	}
}

// TestWriteReplacingLongName: a file of a 250-byte name is written (its hidden file's name, the
// whole name plus ".partial-PID-N" as it was, passed the 255 bytes a name may have).
func TestWriteReplacingLongName(t *testing.T) {
	path := filepath.Join(t.TempDir(), strings.Repeat("n", 246)+".jpg")
	if err := WriteReplacing(path, func(w io.Writer) error { _, err := w.Write([]byte("data")); return err }); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "data" {
		t.Errorf("read back %q, %v", b, err)
	}
	if n, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*")); len(n) != 0 {
		t.Errorf("hidden files left: %v", n)
	}
}

// TestWriteReplacingNamesPathOnce: what is not a regular file is written directly, and an error
// opening it names the path once, as given ("DIR: is a directory", not "DIR: open DIR: ...").
func TestWriteReplacingNamesPathOnce(t *testing.T) {
	dir := t.TempDir()
	err := WriteReplacing(dir, func(w io.Writer) error { return nil })
	if err == nil || err.Error() != dir+": is a directory" {
		t.Errorf("writing a folder: %v", err)
	}
}

// TestWriteReplacingLinkLoop: a loop of symbolic links at path is an error naming path, as the
// kernel's open would give (too many levels of links); it replaced the link with a file.
func TestWriteReplacingLinkLoop(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json")
	if err := os.Symlink(b, a); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(a, b); err != nil {
		t.Fatal(err)
	}
	err := WriteReplacing(a, func(w io.Writer) error { _, err := io.WriteString(w, "{}"); return err })
	if err == nil || !strings.HasPrefix(err.Error(), a+": ") || !errors.Is(err, syscall.ELOOP) {
		t.Errorf("WriteReplacing onto a loop of links: %v; want an error naming %s, too many levels of links", err, a)
	}
	if st, lerr := os.Lstat(a); lerr != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("%s is no longer a link (%v)", a, lerr)
	}
}

// TestWriteReplacingEmptyPath: an empty path (coco.SaveResults("", ...), an unset setting) is an
// error that says so, and nothing is written: it wrote a hidden ..partial-PID-N in the current
// folder, then failed its rename with ": rename ...partial-PID-N : no such file or directory".
func TestWriteReplacingEmptyPath(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	called := false
	err := WriteReplacing("", func(w io.Writer) error { called = true; return nil })
	if err == nil || err.Error() != "empty file name" {
		t.Errorf("WriteReplacing(\"\"): %v; want empty file name", err)
	}
	if called {
		t.Error("write was called")
	}
	if ls, _ := os.ReadDir(dir); len(ls) != 0 {
		t.Errorf("the current folder holds %v", ls)
	}
}

// TestWriteReplacingProcLink: a path whose link is one of /proc's "magic" links to a pipe
// (/dev/stdout -> /proc/self/fd/1 -> pipe:[N], detect | ...) is written directly, as a pipe is:
// FollowLinks reads pipe:[N] as a relative file name, and the write failed ("cannot write in its
// folder /proc/self/fd").
func TestWriteReplacingProcLink(t *testing.T) {
	if _, err := os.Stat("/proc/self/fd"); err != nil {
		t.Skip("no /proc here")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	got := make(chan string, 1)
	go func() { b, _ := io.ReadAll(r); got <- string(b) }()
	path := filepath.Join("/proc/self/fd", strconv.Itoa(int(w.Fd())))
	if err := WriteReplacing(path, func(f io.Writer) error { _, err := io.WriteString(f, "results\n"); return err }); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if s := <-got; s != "results\n" {
		t.Errorf("the pipe read %q", s)
	}
}

// TestFollowLinksDotDotFromALinkedFolder: a relative link with .. in a folder reached through
// another link (L -> A/real, A/real/r.json -> ../x.json) ends where the kernel goes, A/x.json,
// not where the path's text goes (x.json beside L).
func TestFollowLinksDotDotFromALinkedFolder(t *testing.T) {
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "A", "real"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, l := range [][2]string{{filepath.Join("A", "real"), "L"}, {filepath.Join("..", "x.json"), filepath.Join("A", "real", "r.json")}} {
		if err := os.Symlink(l[0], filepath.Join(dir, l[1])); err != nil {
			t.Skip("no symbolic links here:", err)
		}
	}
	if got, want := FollowLinks(filepath.Join(dir, "L", "r.json")), filepath.Join(dir, "A", "x.json"); got != want {
		t.Errorf("FollowLinks: %s, want %s", got, want)
	}
	if err := WriteReplacing(filepath.Join(dir, "L", "r.json"), func(f io.Writer) error { _, err := io.WriteString(f, "x"); return err }); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "A", "x.json")); err != nil || string(b) != "x" {
		t.Errorf("A/x.json: %q, %v; want the file written there", b, err)
	}
}
