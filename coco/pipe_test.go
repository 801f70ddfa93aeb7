//go:build unix

package coco

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
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
		{"nan", `[{"image_id": 7, "category_id": 1, "bbox": [NaN, 2, 3, 4], "score": 0.5}]`, true, "invalid JSON"},
	} {
		fifo := filepath.Join(t.TempDir(), c.name+".fifo")
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Skipf("no named pipes here: %v", err)
		}
		go func() {
			f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
			if err != nil {
				return
			}
			f.WriteString(c.content)
			f.Close()
		}()
		done := make(chan error, 1)
		go func() {
			var err error
			if c.results {
				_, err = LoadResults(fifo, gt)
			} else {
				_, err = LoadDataset(fifo)
			}
			done <- err
		}()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), fifo) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: %v, want an error naming %s and saying %q", c.name, err, fifo, c.want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: no answer in 10 s (waiting for the pipe again?)", c.name)
		}
	}
}
