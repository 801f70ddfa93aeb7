//go:build unix

package coco

import (
	"strings"
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
		{"nan", `[{"image_id": 7, "category_id": 1, "bbox": [NaN, 2, 3, 4], "score": 0.5}]`, true, "invalid JSON"},
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
