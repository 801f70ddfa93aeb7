//go:build unix

package transform

import (
	"os"
	"path/filepath"
	"reflect"
	"syscall"
	"testing"
	"time"

	"github.com/shuffledet/shuffledet/internal/torchref"
)

// TestOpenFromAPipe: an image read from a named pipe (read once, start to end: no seeking back
// after its header) decodes as the same file does.
func TestOpenFromAPipe(t *testing.T) {
	for _, name := range []string{"000000001503.jpg", "000000001503.png"} {
		path := filepath.Join(torchref.RepoRoot(t), "testdata/images", name)
		content, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		want, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		fifo := filepath.Join(t.TempDir(), name)
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Skipf("no named pipes here: %v", err)
		}
		go func() {
			if f, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
				f.Write(content)
				f.Close()
			}
		}()
		type result struct {
			img any
			err error
		}
		done := make(chan result, 1)
		go func() {
			img, err := Open(fifo)
			done <- result{img, err}
		}()
		select {
		case r := <-done:
			if r.err != nil {
				t.Errorf("%s from a pipe: %v", name, r.err)
			} else if !reflect.DeepEqual(r.img, any(want)) {
				t.Errorf("%s from a pipe: the pixels differ from the file's", name)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("%s: no answer in 20 s", name)
		}
	}
}
