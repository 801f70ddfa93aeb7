package cvimage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/image/tiff"

	"github.com/shuffledet/shuffledet/internal/torchref"
	"github.com/shuffledet/shuffledet/transform"
)

// TestOpenGo: what Go decodes (without cgo, every image) refuses non-images, missing, truncated
// and hostile files with errors naming them, and a WebP with a message saying where it is read.
func TestOpenGo(t *testing.T) {
	dir := t.TempDir()
	// Not an image.
	bad := filepath.Join(dir, "notes.jpg")
	if err := os.WriteFile(bad, []byte("this is not a JPEG"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := openGo(bad); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("undecodable file: err = %v, want an error naming %s", err, bad)
	}
	// A WebP (a real 8x8 lossless one): for the OpenCV build (cvimage), said so.
	webp := filepath.Join(dir, "tiny.webp")
	if err := os.WriteFile(webp, []byte("RIFF\x1e\x00\x00\x00WEBPVP8L\x11\x00\x00\x00\x2f\x07\xc0\x01\x00\x07\x50\x8f\x22\x57\xab\xff\x81\x88\xe8\x7f\x00\x00"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := openGo(webp); err == nil || !strings.Contains(err.Error(), webp) || !strings.Contains(err.Error(), "WebP is decoded by the OpenCV (cgo) build only (cvimage.Open)") {
		t.Errorf("WebP: err = %v", err)
	}
	// Missing file.
	missing := filepath.Join(dir, "missing.png")
	if _, err := openGo(missing); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing file: err = %v", err)
	}
	// A valid header with truncated pixel data.
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 64, 64))); err != nil {
		t.Fatal(err)
	}
	trunc := filepath.Join(dir, "trunc.png")
	if err := os.WriteFile(trunc, buf.Bytes()[:buf.Len()/2], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := openGo(trunc); err == nil || !strings.Contains(err.Error(), trunc) {
		t.Errorf("truncated file: err = %v", err)
	}
	// A hostile header: a real JPEG whose SOF0 claims 60000x60000 pixels. It must be refused from
	// the header alone.
	buf.Reset()
	if err := jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, 16, 16)), nil); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	sof := bytes.Index(b, []byte{0xFF, 0xC0})
	if sof < 0 {
		t.Fatal("no SOF0 marker in the encoded JPEG")
	}
	binary.BigEndian.PutUint16(b[sof+5:], 60000) // height
	binary.BigEndian.PutUint16(b[sof+7:], 60000) // width
	hostile := filepath.Join(dir, "hostile.jpg")
	if err := os.WriteFile(hostile, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := openGo(hostile); !errors.Is(err, transform.ErrImageTooLarge) || !strings.Contains(err.Error(), hostile) {
		t.Errorf("60000x60000 header: err = %v, want transform.ErrImageTooLarge naming the file", err)
	}
	// A real image decodes with its size.
	img, err := openGo(filepath.Join(torchref.RepoRoot(t), "testdata/images/000000001503.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds().Dx() == 0 {
		t.Error("empty decode")
	}
}

// TestOpenGoPremultipliedTIFF: a TIFF with associated (premultiplied) alpha opens as its
// non-premultiplied colours, which PIL's convert("RGB") gives ((199, 99, 39) for the stored
// (100, 50, 20) at alpha 128), not as the stored ones.
func TestOpenGoPremultipliedTIFF(t *testing.T) {
	src := image.NewRGBA(image.Rect(0, 0, 4, 4))
	for i := 0; i < len(src.Pix); i += 4 {
		copy(src.Pix[i:], []byte{100, 50, 20, 128})
	}
	path := filepath.Join(t.TempDir(), "premultiplied.tiff")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := tiff.Encode(f, src, nil); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	img, err := openGo(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := color.NRGBAModel.Convert(img.At(1, 2)).(color.NRGBA); got != (color.NRGBA{199, 99, 39, 128}) {
		t.Errorf("pixel %v, want PIL's {199 99 39 128}", got)
	}
	if _, ok := img.(*image.RGBA); ok {
		t.Error("still premultiplied RGBA: the fast path would read the stored colours")
	}
}

// TestGIFFrameOnItsScreen: a GIF whose first frame is smaller than its screen opens at the
// screen's size with the frame in its place and palette entry 0 around it, PIL's pixels exactly
// (it opened as the frame alone, its boxes in the frame's pixels).
func TestGIFFrameOnItsScreen(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "offset.gif")
	out := torchref.Script(t, `
import io, struct, sys
from PIL import Image
im = Image.new("P", (200, 150)); im.putpalette([10, 20, 30, 200, 100, 50, 0, 255, 0] + [0] * 759)
im.paste(1, (0, 0, 100, 150)); im.paste(2, (100, 0, 200, 150)); im.paste(0, (20, 20, 60, 60))
b = io.BytesIO(); im.save(b, "GIF", optimize=False); d = bytearray(b.getvalue())
d[6:10] = struct.pack("<HH", 320, 240)  # the screen
i = d.index(b"\x2c"); d[i + 1:i + 5] = struct.pack("<HH", 50, 40)  # the frame's place on it
open(sys.argv[1], "wb").write(d)
rgb = Image.open(sys.argv[1]).convert("RGB")
open(sys.argv[1] + ".rgb", "wb").write(rgb.tobytes())
print(rgb.size[0], rgb.size[1])
`, path)
	var w, h int
	if _, err := fmt.Sscan(string(out), &w, &h); err != nil || w != 320 || h != 240 {
		t.Fatalf("PIL: %q, %v", out, err)
	}
	want, err := os.ReadFile(path + ".rgb")
	if err != nil {
		t.Fatal(err)
	}
	img, err := openGo(path)
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds() != image.Rect(0, 0, w, h) {
		t.Fatalf("opened as %v, PIL %dx%d", img.Bounds(), w, h)
	}
	differ := 0
	for y := range h {
		for x := range w {
			r, g, b, _ := img.At(x, y).RGBA()
			k := 3 * (y*w + x)
			if uint8(r>>8) != want[k] || uint8(g>>8) != want[k+1] || uint8(b>>8) != want[k+2] {
				differ++
			}
		}
	}
	if differ != 0 {
		t.Errorf("%d of %d pixels differ from PIL's", differ, w*h)
	}
}

// TestTIFFReadOnce: a TIFF is read into memory once, in pieces (readChunks), not into a slice
// grown by copying (io.ReadAll), which held over twice the file at once: a 4-byte TIFF header
// followed by zeros from a pipe took 2 GB to refuse, against the 867 MB documented. Here a small
// TIFF padded to 48 MiB decodes allocating the file's size and little more.
func TestTIFFReadOnce(t *testing.T) {
	var buf bytes.Buffer
	if err := tiff.Encode(&buf, image.NewGray(image.Rect(0, 0, 16, 8)), nil); err != nil {
		t.Fatal(err)
	}
	buf.Write(make([]byte, 48<<20))
	data := buf.Bytes()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	img, err := decodeGo(bytes.NewReader(data), "padded.tif")
	runtime.ReadMemStats(&after)
	if err != nil || img.Bounds().Dx() != 16 {
		t.Fatalf("%v, %v", img, err)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > uint64(len(data))+8<<20 {
		t.Errorf("decoding a %d MiB TIFF allocated %d MiB", len(data)>>20, got>>20)
	}
}

// TestNotAnImageSaysWhat: a file named like an image that is empty, a video (a phone's MP4
// renamed .jpg), or a web page or text (a login or error page served at an image's URL) is
// refused saying so, not "image: unknown format": a page by its title, text by its first line
// (at most 80 characters, quoted).
func TestNotAnImageSaysWhat(t *testing.T) {
	ts := make([]byte, 4*188)
	for i := 0; i < len(ts); i += 188 {
		ts[i] = 0x47
	}
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty.jpg", nil, "empty file"},
		{"clip.jpg", []byte("\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41"), "video (MP4 or MOV)"},
		{"clip.png", []byte("\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01"), "video (Matroska or WebM)"},
		{"clip.gif", []byte("RIFF\x00\x10\x00\x00AVI LIST"), "video (AVI)"},
		{"clip.bmp", ts, "video (MPEG-TS)"},
		{"login.jpg", []byte("<!DOCTYPE html>\n<html><head><meta charset=utf-8>\n<TITLE> Sign in\n</title></head><body><form></form></body></html>"), `an HTML page titled "Sign in" (a login or error page?)`},
		{"page.png", []byte("\n  <html><body>Moved</body></html>"), "an HTML page (a login or error page?)"},
		// (a Latin-1 page: its bytes not UTF-8, which bytes.ToLower widens, misplacing the title)
		{"latin1.jpg", []byte("<html><head><!-- " + strings.Repeat("\xe9", 200) + " --><title>Connexion</title></head>"), `an HTML page titled "Connexion"`},
		{"gone.jpg", []byte("Not Found: the file you asked for is gone\r\nmore\n"), `text: "Not Found: the file you asked for is gone"`},
		{"long.jpg", []byte("\x1b[31m" + strings.Repeat("x", 200)), `text: "\x1b[31m` + strings.Repeat("x", 75) + `"...`},
	} {
		_, err := decodeGo(bytes.NewReader(c.data), c.name)
		if err == nil || !strings.Contains(err.Error(), c.name) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want an error naming it that says %q", c.name, err, c.want)
		}
	}
}
