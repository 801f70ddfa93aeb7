//go:build cgo && !noopencv

package cvimage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shuffledet/shuffledet/transform"
)

// FuzzReadJPEG feeds Read and ReadFit hostile JPEG files (the bytes after the SOI marker are
// fuzzed; seeds: a real test image whole, cut short, with its segment lengths damaged, and with
// its header claiming 12000x9000, over transform.MaxPixels, and with a restart marker inserted in
// its scan, which libjpeg warns about): each must return a non-empty image, or an error naming
// the file, never crash, in libjpeg-turbo's decoder (decodeJPEG, at every scale) or in
// readJPEGHeader's walk over the segments; each warning names the file.
func FuzzReadJPEG(f *testing.F) {
	whole := firstTestJPEG(f)
	f.Add(whole[2:])
	f.Add(whole[2 : len(whole)/2])
	damaged := append([]byte{}, whole[2:]...)
	damaged[3] ^= 0x40 // the first segment's length
	f.Add(damaged)
	f.Add([]byte{0xff, 0xda, 0xff, 0xd9})
	huge := append([]byte{}, whole[2:]...)
	if i := bytes.Index(huge, []byte{0xff, 0xc0}); i >= 0 && i+9 <= len(huge) { // SOF0: height, width
		binary.BigEndian.PutUint16(huge[i+5:], 9000)
		binary.BigEndian.PutUint16(huge[i+7:], 12000)
		f.Add(huge)
	}
	if scan := bytes.Index(whole, []byte{0xff, 0xda}); scan >= 0 {
		mid := scan + (len(whole)-scan)/2
		f.Add(append(append(append([]byte{}, whole[2:mid]...), 0xff, 0xd0), whole[mid:]...))
	}
	path := filepath.Join(f.TempDir(), "fuzz.jpg")
	f.Fuzz(func(t *testing.T, body []byte) { readFuzzed(t, path, append([]byte{0xff, 0xd8}, body...)) })
}

// readFuzzed writes data to path and reads it with Read and ReadFit: a non-empty image, or an
// error naming the file; the two agree where Read reads it; every warning names the file.
func readFuzzed(t *testing.T, path string, data []byte) {
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	var warnings bytes.Buffer
	defer func(w io.Writer) { Warnings = w }(Warnings)
	Warnings = &warnings
	defer func() {
		for _, line := range strings.Split(strings.TrimSuffix(warnings.String(), "\n"), "\n") {
			if line != "" && !strings.Contains(line, path) {
				t.Errorf("a warning that does not name the file: %q", line)
			}
		}
	}()
	m, err := Read(path)
	if err != nil && !strings.Contains(err.Error(), path) {
		t.Fatalf("error does not name the file: %v", err)
	}
	if err == nil {
		defer m.Close()
		if m.Empty() || m.Cols() < 1 || m.Rows() < 1 {
			t.Fatalf("no error, and an empty image")
		}
	}
	fit, scale, full, ferr := ReadFit(path)
	if ferr != nil {
		if !strings.Contains(ferr.Error(), path) || err == nil {
			t.Fatalf("ReadFit: %v (Read: %v)", ferr, err)
		}
		return
	}
	defer fit.Close()
	switch {
	case fit.Empty() || fit.Cols() < 1 || fit.Rows() < 1:
		t.Fatalf("ReadFit: no error, and an empty image")
	case err == nil && (scale != 1 || full != image.Pt(m.Cols(), m.Rows()) || fit.Cols() != m.Cols() || fit.Rows() != m.Rows()):
		t.Fatalf("ReadFit: %dx%d at scale %d (full %v), Read %dx%d", fit.Cols(), fit.Rows(), scale, full, m.Cols(), m.Rows())
	case err != nil && (scale < 2 || !errors.Is(err, transform.ErrImageTooLarge)):
		t.Fatalf("ReadFit read at scale %d what Read refused: %v", scale, err)
	}
}

// FuzzReadWebP feeds Read hostile WebP files (the bytes after "RIFF" are fuzzed; seeds: two real
// 8x8 WebPs, lossless and lossy, whole and cut short, and headers of each kind of first chunk):
// it must return a non-empty image, or an error naming the file, never crash, in webpSize or in
// OpenCV's libwebp; a header of more than transform.MaxPixels is refused before decoding.
func FuzzReadWebP(f *testing.F) {
	lossless := "\x1e\x00\x00\x00WEBPVP8L\x11\x00\x00\x00\x2f\x07\xc0\x01\x00\x07\x50\x8f\x22\x57\xab\xff\x81\x88\xe8\x7f\x00\x00"
	lossy := "\x30\x00\x00\x00WEBPVP8 \x24\x00\x00\x00\x30\x01\x00\x9d\x01\x2a\x08\x00\x08\x00\x02\xc0\x4c\x25\xa0\x00\x03\x70\x00" +
		"\xfe\xec\x25\xdf\xff\xf9\xc4\xbf\xfa\x05\xff\x80\xbc\xc0\x00\x00\x00"
	for _, s := range []string{lossless, lossy, lossless[:20], lossy[:30],
		"\x30\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x10\x00\x00\x00\x07\x00\x00\x07\x00\x00"} {
		f.Add([]byte(s))
	}
	path := filepath.Join(f.TempDir(), "fuzz.webp")
	f.Fuzz(func(t *testing.T, body []byte) { readFuzzed(t, path, append([]byte("RIFF"), body...)) })
}
