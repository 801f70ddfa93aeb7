package cvimage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shuffledet/shuffledet/transform"
)

// TestDecodeFromReader: Decode reads an upload's bytes as Open reads the same file (in this
// build's decoders), a JPEG's EXIF orientation applied, and refuses a PNG whose header claims
// 30000x30000 in 65 bytes before decoding anything (image.Decode, the obvious fallback, lost the
// orientation and tried to allocate 3.6 GB for the PNG, ending the process).
func TestDecodeFromReader(t *testing.T) {
	src := image.NewNRGBA(image.Rect(0, 0, 7, 5))
	for i := range src.Pix {
		src.Pix[i] = uint8(i * 37)
	}
	var plain bytes.Buffer
	if err := jpeg.Encode(&plain, src, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	// The same JPEG with an EXIF orientation of 6 (turned 90 degrees: 5x7 as shown).
	exif := []byte{0xff, 0xe1, 0, 34, 'E', 'x', 'i', 'f', 0, 0, 'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1,
		0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0}
	turned := append(append([]byte{0xff, 0xd8}, exif...), plain.Bytes()[2:]...)
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		data []byte
		w, h int
	}{{"plain.jpg", plain.Bytes(), 7, 5}, {"turned.jpg", turned, 5, 7}} {
		path := filepath.Join(dir, c.name)
		if err := os.WriteFile(path, c.data, 0o644); err != nil {
			t.Fatal(err)
		}
		want, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Decode(bytes.NewReader(c.data), "upload")
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if b := got.Bounds(); b.Dx() != c.w || b.Dy() != c.h || !samePixels(got, want) {
			t.Errorf("%s: Decode gives %v, Open %v, or other pixels", c.name, b, want.Bounds())
		}
	}

	// A PNG header of 30000x30000 (8-bit gray), its IDAT nearly empty: 65 bytes.
	var bomb bytes.Buffer
	bomb.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(kind string, data []byte) {
		binary.Write(&bomb, binary.BigEndian, uint32(len(data)))
		bomb.WriteString(kind)
		bomb.Write(data)
		binary.Write(&bomb, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(kind), data...)))
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], 30000)
	binary.BigEndian.PutUint32(ihdr[4:], 30000)
	ihdr[8] = 8 // bit depth; color type 0 (gray)
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	chunk("IEND", nil)
	if _, err := Decode(&bomb, "bomb.png"); err == nil || !errors.Is(err, transform.ErrImageTooLarge) || !strings.Contains(err.Error(), "bomb.png") {
		t.Errorf("a %d-byte PNG of 30000x30000: %v", bomb.Len(), err)
	}
}

// samePixels reports whether a and b have the same bounds and the same colors.
func samePixels(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			r1, g1, b1, a1 := a.At(x, y).RGBA()
			r2, g2, b2, a2 := b.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 || a1 != a2 {
				return false
			}
		}
	}
	return true
}

// TestDecodeReadError: a read that fails before the first bytes of an image are in (a lost
// connection, a folder opened as a file) is reported as that error, not as an empty file, nor
// a PNG's first bytes as text; a nil reader is an error, not a panic.
func TestDecodeReadError(t *testing.T) {
	lost := errors.New("connection reset by peer")
	png := []byte("\x89PNG\r\n\x1a\n")
	for _, n := range []int{0, 3, 7} {
		_, err := Decode(&failingReader{data: png[:n], err: lost}, "upload")
		if !errors.Is(err, lost) || !strings.Contains(err.Error(), "upload") {
			t.Errorf("a read failing after %d bytes: %v; want the read's error, naming the upload", n, err)
		}
	}
	if _, err := Open(t.TempDir()); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("a folder: %v; want it to say it is a directory", err)
	}
	if _, err := Decode(nil, "upload"); err == nil || !strings.Contains(err.Error(), "nil") {
		t.Errorf("a nil reader: %v", err)
	}
}

// failingReader returns data, then err.
type failingReader struct {
	data []byte
	err  error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}
