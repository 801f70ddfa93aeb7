//go:build unix && cgo && !noopencv

package cvimage

import (
	"bytes"
	"image"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/shuffledet/shuffledet/internal/fifotest"
	"github.com/shuffledet/shuffledet/internal/torchref"
)

// TestReadFromAPipe: an image read from a named pipe (read once, start to end) decodes as the
// same file does, a JPEG through OpenCV and a PNG through Go, with Open and with Read.
func TestReadFromAPipe(t *testing.T) {
	type decoded struct {
		img image.Image // Open's
		pix []byte      // Read's
	}
	open := func(path string) (decoded, error) {
		img, err := Open(path)
		return decoded{img: img}, err
	}
	read := func(path string) (decoded, error) {
		m, err := Read(path)
		if err != nil {
			return decoded{}, err
		}
		defer m.Close()
		pix, err := m.DataPtrUint8()
		return decoded{pix: bytes.Clone(pix)}, err
	}
	for _, name := range []string{"000000001503.jpg", "000000001503.png"} {
		path := filepath.Join(torchref.RepoRoot(t), "testdata/images", name)
		content, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for how, decode := range map[string]func(string) (decoded, error){"Open": open, "Read": read} {
			want, err := decode(path)
			if err != nil {
				t.Fatal(err)
			}
			pipe := fifotest.Pipe(t, name, content)
			got, err := fifotest.Within(t, 20*time.Second, func() (decoded, error) { return decode(pipe) })
			if err != nil {
				t.Errorf("%s %s from a pipe: %v", how, name, err)
			} else if !reflect.DeepEqual(got, want) {
				t.Errorf("%s %s from a pipe: the pixels differ from the file's", how, name)
			}
		}
	}
}
