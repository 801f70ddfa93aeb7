//go:build unix

package coco

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shuffledet/shuffledet/internal/fifotest"
)

// TestErrorsInAPipe: an error in JSON read from a named pipe is reported (with its byte offset)
// without opening the pipe again to find the line, which would wait for a writer for ever.
func TestErrorsInAPipe(t *testing.T) {
	gt, err := LoadDataset(writeFile(t, "gt.json", tinyGT))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, content string
		results       bool
		want          string
	}{
		{"syntax", "{\"images\": [\n  {\"id\": 1},\n]}", false, "invalid JSON"},
		{"no id", `{"images": [{"file_name": "a"}], "categories": []}`, false, "images[0]"},
		{"unknown image", `[{"image_id": 99, "category_id": 1, "bbox": [1,2,3,4], "score": 0.5}]`, true, "image_id 99 is not in the ground truth"},
		{"nan", `[{"image_id": 7, "category_id": 1, "bbox": [NaN, 2, 3, 4], "score": 0.5}]`, true, "bbox: NaN is not a finite number"},
	} {
		pipe := fifotest.Pipe(t, c.name+".fifo", []byte(c.content))
		_, err := fifotest.Within(t, 10*time.Second, func() (any, error) {
			if c.results {
				return LoadResults(pipe, gt)
			}
			return LoadDataset(pipe)
		})
		if err == nil || !strings.Contains(err.Error(), pipe) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error naming %s and saying %q", c.name, err, pipe, c.want)
		}
	}
}

// TestSaveResultsThroughLinksAndPipes: a symbolic link is written through (the file it names gets
// the results, the link stays a link); a named pipe is written to, not replaced by a file.
func TestSaveResultsThroughLinksAndPipes(t *testing.T) {
	rs := []Result{{ImageID: 7, CategoryID: 1, BBox: [4]float64{1, 2, 3, 4}, Score: 0.5}}
	dir := t.TempDir()
	target, link := filepath.Join(dir, "target.json"), filepath.Join(dir, "link.json")
	if err := os.WriteFile(target, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if err := SaveResults(link, rs, nil); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link is no longer one: %v %v", st.Mode(), err)
	}
	if got, err := LoadResults(target, nil); err != nil || len(got) != 1 {
		t.Errorf("the linked file holds %v (%v), want the results", got, err)
	}
	// a link to a file not yet written, relative, through a second link
	dangling, second := filepath.Join(dir, "dangling.json"), filepath.Join(dir, "second.json")
	if err := os.Symlink("new.json", second); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("second.json", dangling); err != nil {
		t.Fatal(err)
	}
	if err := SaveResults(dangling, rs, nil); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Lstat(dangling); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the dangling link is no longer one: %v %v", st.Mode(), err)
	}
	if got, err := LoadResults(filepath.Join(dir, "new.json"), nil); err != nil || len(got) != 1 {
		t.Errorf("the file the links name holds %v (%v), want the results", got, err)
	}
	pipe := filepath.Join(dir, "pipe.json")
	if err := syscall.Mkfifo(pipe, 0o600); err != nil {
		t.Fatal(err)
	}
	read := make(chan []byte)
	go func() {
		b, _ := os.ReadFile(pipe)
		read <- b
	}()
	if err := SaveResults(pipe, rs, nil); err != nil {
		t.Fatal(err)
	}
	select {
	case b := <-read:
		if !strings.Contains(string(b), `"image_id":7`) {
			t.Errorf("the pipe's reader got %q", b)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the pipe's reader got nothing")
	}
	if st, err := os.Lstat(pipe); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the pipe was replaced: %v %v", st.Mode(), err)
	}
}
