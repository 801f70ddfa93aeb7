//go:build unix && cgo

package cvimage

import (
	"bytes"
	"image"
	"os"
	"path/filepath"
	"reflect"
	"syscall"
	"testing"
	"time"

	"github.com/shuffledet/shuffledet/internal/torchref"
)

// TestReadFromAPipe: an image read from a named pipe (read once, start to end) decodes as the
// same file does, a JPEG through OpenCV and a PNG through Go, with Open and with Read.
func TestReadFromAPipe(t *testing.T) {
	decode := func(path string) (image.Image, []byte, error) {
		img, err := Open(path)
		if err != nil {
			return nil, nil, err
		}
		return img, nil, nil
	}
	read := func(path string) (image.Image, []byte, error) {
		m, err := Read(path)
		if err != nil {
			return nil, nil, err
		}
		defer m.Close()
		pix, err := m.DataPtrUint8()
		return nil, bytes.Clone(pix), err
	}
	for _, name := range []string{"000000001503.jpg", "000000001503.png"} {
		path := filepath.Join(torchref.RepoRoot(t), "testdata/images", name)
		content, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for how, fn := range map[string]func(string) (image.Image, []byte, error){"Open": decode, "Read": read} {
			wantImg, wantPix, err := fn(path)
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
				img image.Image
				pix []byte
				err error
			}
			done := make(chan result, 1)
			go func() {
				img, pix, err := fn(fifo)
				done <- result{img, pix, err}
			}()
			select {
			case r := <-done:
				if r.err != nil {
					t.Errorf("%s %s from a pipe: %v", how, name, r.err)
				} else if !reflect.DeepEqual(r.img, wantImg) || !bytes.Equal(r.pix, wantPix) {
					t.Errorf("%s %s from a pipe: the pixels differ from the file's", how, name)
				}
			case <-time.After(20 * time.Second):
				t.Fatalf("%s %s: no answer in 20 s", how, name)
			}
		}
	}
}
