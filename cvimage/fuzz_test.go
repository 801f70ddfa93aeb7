//go:build cgo

package cvimage

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzReadJPEG feeds Read hostile JPEG files (the bytes after the SOI marker are fuzzed; seeds: a
// real test image whole, cut short and with its segment lengths damaged): it must return a
// non-empty image, or an error naming the file, never crash, in OpenCV's decoder or
// in jpegComplete's walk over the segments.
func FuzzReadJPEG(f *testing.F) {
	whole := firstTestJPEG(f)
	f.Add(whole[2:])
	f.Add(whole[2 : len(whole)/2])
	damaged := append([]byte{}, whole[2:]...)
	damaged[3] ^= 0x40 // the first segment's length
	f.Add(damaged)
	f.Add([]byte{0xff, 0xda, 0xff, 0xd9})
	path := filepath.Join(f.TempDir(), "fuzz.jpg")
	f.Fuzz(func(t *testing.T, body []byte) {
		if err := os.WriteFile(path, append([]byte{0xff, 0xd8}, body...), 0o644); err != nil {
			t.Fatal(err)
		}
		m, err := Read(path)
		if err != nil {
			if !strings.Contains(err.Error(), path) {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		defer m.Close()
		if m.Empty() || m.Cols() < 1 || m.Rows() < 1 {
			t.Fatalf("no error, and an empty image")
		}
	})
}
