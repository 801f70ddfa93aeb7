//go:build unix

package cvimage

import (
	"image"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/shuffledet/shuffledet/internal/fifotest"
	"github.com/shuffledet/shuffledet/internal/torchref"
)

// TestOpenGoFromAPipe: an image read from a named pipe (read once, start to end: no seeking back
// after its header) decodes as the same file does.
func TestOpenGoFromAPipe(t *testing.T) {
	for _, name := range []string{"000000001503.jpg", "000000001503.png"} {
		path := filepath.Join(torchref.RepoRoot(t), "testdata/images", name)
		content, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		want, err := openGo(path)
		if err != nil {
			t.Fatal(err)
		}
		pipe := fifotest.Pipe(t, name, content)
		got, err := fifotest.Within(t, 20*time.Second, func() (image.Image, error) { return openGo(pipe) })
		if err != nil {
			t.Errorf("%s from a pipe: %v", name, err)
		} else if !reflect.DeepEqual(got, want) {
			t.Errorf("%s from a pipe: the pixels differ from the file's", name)
		}
	}
}
