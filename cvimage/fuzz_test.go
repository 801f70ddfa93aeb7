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
	f.Fuzz(func(t *testing.T, body []byte) { readFuzzed(t, path, append([]byte{0xff, 0xd8}, body...)) })
}

// readFuzzed writes data to path and reads it with Read: a non-empty image, or an error naming
// the file.
func readFuzzed(t *testing.T, path string, data []byte) {
	if err := os.WriteFile(path, data, 0o644); err != nil {
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
