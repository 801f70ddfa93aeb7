package cvimage

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// headReader reads r, counting the bytes, and fails once limit have been read: a test's reader
// whose file's body must not be read.
type headReader struct {
	r        io.Reader
	n, limit int64
}

// Read implements io.Reader.
func (h *headReader) Read(p []byte) (int, error) {
	if h.n >= h.limit {
		return 0, errors.New("read past the header")
	}
	k, err := h.r.Read(p[:min(int64(len(p)), h.limit-h.n)])
	h.n += int64(k)
	return k, err
}

// sparseFile writes data to a new file named name and makes it size bytes long, the rest a hole
// (zeros that take no disk), and returns its path.
func sparseFile(t *testing.T, name string, data []byte, size int64) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, size); err != nil {
		t.Fatal(err)
	}
	return path
}

// repeated reads seg over and over, without end.
type repeated struct {
	seg []byte
	off int
}

// Read implements io.Reader.
func (r *repeated) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		k := copy(p[n:], r.seg[r.off:])
		n, r.off = n+k, (r.off+k)%len(r.seg)
	}
	return n, nil
}

// TestHeaderBounded: a JPEG whose header goes on without end (APP2 segments of 64 KiB, which
// image.DecodeConfig passes over looking for the frame header) is refused once maxHeaderBytes of
// it are read (64 KiB more allowed for buffering), in both builds' readers (Decode: OpenCV's
// with cgo; decodeGo, every build's for other formats). Before, all of it was read into memory,
// without a bound.
func TestHeaderBounded(t *testing.T) {
	app2 := append([]byte{0xff, 0xe2, 0xff, 0xff}, make([]byte, 0xffff-2)...)
	for _, c := range []struct {
		name   string
		decode func(io.Reader, string) error
	}{
		{"Decode", func(r io.Reader, name string) error { _, err := Decode(r, name); return err }},
		{"decodeGo", func(r io.Reader, name string) error { _, err := decodeGo(r, name); return err }},
	} {
		r := &headReader{r: io.MultiReader(bytes.NewReader([]byte{0xff, 0xd8}), &repeated{seg: app2}), limit: maxHeaderBytes + 64<<10}
		err := c.decode(r, "padded.jpg")
		if err == nil || !strings.Contains(err.Error(), "padded.jpg") || !strings.Contains(err.Error(), "a header (the bytes before its image data) of more than 64 MiB") {
			t.Errorf("%s: %v (%d bytes read); want the header refused, naming the file", c.name, err, r.n)
		}
	}
}
