//go:build cgo && !noopencv

package cvimage

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/shuffledet/shuffledet/internal/torchref"
	"github.com/shuffledet/shuffledet/internal/videotest"
	"github.com/shuffledet/shuffledet/transform"
)

// pilProgram writes, for every JPEG named on its command line, PIL's RGB pixels (after
// ImageOps.exif_transpose, as train/reference.py loads images) to PATH.rgb, and prints the sizes.
const pilProgram = `
import sys
from PIL import Image, ImageOps
for p in sys.argv[1:]:
    with Image.open(p) as im:
        im = ImageOps.exif_transpose(im).convert("RGB")
        open(p + ".rgb", "wb").write(im.tobytes())
        print(p, im.size[0], im.size[1])
`

// makeProgram writes JPEGs that exercise the decoder's corners from a test image: every EXIF
// orientation (2-8); an orientation in an Exif segment after an XMP one, one stored as a LONG,
// two Exif segments (PIL reads the first; OpenCV's and imaging's readers read only a first APP1
// that is Exif, and only a SHORT), and Pillow's corners: BYTE and UNDEFINED values (kept as
// bytes: not turned), SBYTE, a prefix "Exif\0X", two values (the first), the tag twice (the
// last), a RATIONAL 12/2 and a FLOAT, an earlier entry whose data runs past the end (it stops); grayscale, 4:4:4 and 4:2:2 chroma, progressive, restart
// markers; and WebPs, lossy (VP8) and lossless (VP8L), each also with an alpha channel (VP8X).
const makeProgram = `
import io, struct, sys
from PIL import Image
src, out = sys.argv[1], sys.argv[2]
im = Image.open(src).convert("RGB").crop((0, 0, 201, 137))
for o in range(2, 9):
    ex = Image.Exif(); ex[0x0112] = o
    im.save(f"{out}/orient{o}.jpg", quality=90, exif=ex.tobytes())
def app1(body):
    return b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body
def ifd(entries, extra=b""):  # one directory of (tag, type, count, 4 value bytes), then extra data
    body = struct.pack(">H", len(entries)) + b"".join(struct.pack(">HHI", t, y, n) + v for t, y, n, v in entries)
    return b"MM\0*" + struct.pack(">I", 8) + body + b"\0\0\0\0" + extra
def exif(o, typ=3, prefix=b"Exif\0\0"):
    value = struct.pack(">HH", o, 0) if typ in (3, 8) else struct.pack(">I", o) if typ in (4, 9) else bytes([o, 0, 0, 0])
    return app1(prefix + ifd([(0x0112, typ, 1, value)]))
at = 8 + 2 + 12 + 4  # where a one-entry directory's extra data begins
xmp = app1(b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta xmlns:x='adobe:ns:meta/'/>")
buf = io.BytesIO(); im.save(buf, "JPEG", quality=90); plain = buf.getvalue()
for name, segments in [
        ("xmp-first6", xmp + exif(6)), ("long6", exif(6, typ=4)), ("two-exif8-3", exif(8) + exif(3)),
        ("byte6", exif(6, typ=1)), ("undefined6", exif(6, typ=7)), ("sbyte6", exif(6, typ=6)),
        ("exif-x-prefix6", exif(6, prefix=b"Exif\0X")),
        ("short-6-3", app1(b"Exif\0\0" + ifd([(0x0112, 3, 2, struct.pack(">HH", 6, 3))]))),
        ("twice-3-6", app1(b"Exif\0\0" + ifd([(0x0112, 3, 1, struct.pack(">HH", 3, 0)), (0x0112, 3, 1, struct.pack(">HH", 6, 0))]))),
        ("rational6", app1(b"Exif\0\0" + ifd([(0x0112, 5, 1, struct.pack(">I", at))], struct.pack(">II", 12, 2)))),
        ("float6", app1(b"Exif\0\0" + ifd([(0x0112, 11, 1, struct.pack(">f", 6.0))]))),
        ("past-end-then6", app1(b"Exif\0\0" + ifd([(0x010f, 2, 100, struct.pack(">I", 4000)), (0x0112, 3, 1, struct.pack(">HH", 6, 0))])))]:
    open(f"{out}/{name}.jpg", "wb").write(plain[:2] + segments + plain[2:])
im.convert("L").save(f"{out}/gray.jpg", quality=85)
im.save(f"{out}/444.jpg", quality=95, subsampling=0)
im.save(f"{out}/422.jpg", quality=75, subsampling=1)
im.save(f"{out}/progressive.jpg", quality=80, progressive=True)
im.save(f"{out}/lossy.webp", quality=80)
im.save(f"{out}/lossless.webp", lossless=True)
a = im.convert("RGBA"); a.putalpha(Image.linear_gradient("L").resize(im.size))
a.save(f"{out}/alpha-lossy.webp", quality=80)
a.save(f"{out}/alpha-lossless.webp", lossless=True, exact=True)
`

// TestPixelsEqualPIL decodes the test JPEGs and generated corner cases (JPEGs and WebPs) with Open
// and Read and requires exactly PIL's pixels: same size, every channel value equal (a WebP's
// alpha dropped, the stored colour kept, as PIL's convert("RGB")).
func TestPixelsEqualPIL(t *testing.T) {
	dir := t.TempDir()
	jpegs := testJPEGs(t)
	torchref.Script(t, makeProgram, jpegs[0], dir)
	made, _ := filepath.Glob(filepath.Join(dir, "*.jpg"))
	webps, _ := filepath.Glob(filepath.Join(dir, "*.webp"))
	if len(made) != 23 || len(webps) != 4 {
		t.Fatalf("made %d JPEGs and %d WebPs, want 23 and 4", len(made), len(webps))
	}
	made = append(made, webps...)
	// Copies of the test JPEGs in dir, so PIL's .rgb files land in the temp dir.
	for _, p := range jpegs {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		cp := filepath.Join(dir, "coco-"+filepath.Base(p))
		if err := os.WriteFile(cp, b, 0o644); err != nil {
			t.Fatal(err)
		}
		made = append(made, cp)
	}
	out := torchref.Script(t, pilProgram, made...)
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var path string
		var w, h int
		if _, err := fmt.Sscan(line, &path, &w, &h); err != nil {
			t.Fatalf("PIL output %q: %v", line, err)
		}
		want, err := os.ReadFile(path + ".rgb")
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(path)
		img, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		n, ok := img.(*image.NRGBA)
		if !ok || n.Rect != image.Rect(0, 0, w, h) {
			t.Fatalf("%s: Open gave %T %v, PIL %dx%d", name, img, img.Bounds(), w, h)
		}
		got := make([]byte, 0, 3*w*h)
		for i := 0; i < len(n.Pix); i += 4 {
			got = append(got, n.Pix[i], n.Pix[i+1], n.Pix[i+2])
		}
		if diff := countDiff(got, want); diff != 0 {
			t.Errorf("%s: Open: %d of %d channel values differ from PIL's", name, diff, len(want))
		}
		m, err := Read(path)
		if err != nil {
			t.Fatal(err)
		}
		bgr, err := m.DataPtrUint8()
		if err != nil || m.Cols() != w || m.Rows() != h {
			t.Fatalf("%s: Read gave %dx%d (%v), PIL %dx%d", name, m.Cols(), m.Rows(), err, w, h)
		}
		for i := 0; i < len(bgr); i += 3 {
			got[i], got[i+1], got[i+2] = bgr[i+2], bgr[i+1], bgr[i]
		}
		m.Close()
		if diff := countDiff(got, want); diff != 0 {
			t.Errorf("%s: Read: %d of %d channel values differ from PIL's", name, diff, len(want))
		}
	}
}

func countDiff(a, b []byte) int {
	if len(a) != len(b) {
		return max(len(a), len(b))
	}
	n := 0
	for i := range a {
		if a[i] != b[i] {
			n++
		}
	}
	return n
}

// TestReadOtherFormats checks that Read gives the same BGR pixels as Open for a PNG, which Go
// decodes in both.
func TestReadOtherFormats(t *testing.T) {
	path := filepath.Join(torchref.RepoRoot(t), "testdata/images/000000001503.png")
	img, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	b := img.Bounds()
	if m.Cols() != b.Dx() || m.Rows() != b.Dy() || m.Type() != 16 /* CV_8UC3 */ {
		t.Fatalf("Read: %dx%d type %v, image %v", m.Cols(), m.Rows(), m.Type(), b)
	}
	for y := b.Min.Y; y < b.Max.Y; y += 7 {
		for x := b.Min.X; x < b.Max.X; x += 5 {
			r, g, bl, _ := img.At(x, y).RGBA()
			v := m.GetVecbAt(y-b.Min.Y, x-b.Min.X)
			if v[0] != uint8(bl>>8) || v[1] != uint8(g>>8) || v[2] != uint8(r>>8) {
				t.Fatalf("pixel %d,%d: Mat %v, image %d %d %d", x, y, v, r>>8, g>>8, bl>>8)
			}
		}
	}
}

// TestBadFiles: a missing file, a truncated header, garbage and a hostile header give errors
// naming the file, not a panic.
func TestBadFiles(t *testing.T) {
	dir := t.TempDir()
	huge := []byte{0xff, 0xd8, 0xff, 0xc0, 0, 11, 8, 0xff, 0xff, 0xff, 0xff, 1, 1, 0x11, 0}
	for name, data := range map[string][]byte{
		"garbage.jpg": []byte("not an image at all"),
		"short.jpg":   {0xff, 0xd8, 0xff},
		"huge.jpg":    huge,
		"body.jpg":    append(append([]byte{}, huge[:5]...), bytes.Repeat([]byte{0}, 100)...),
		// WebP headers: a VP8X canvas of 60000x60000 (refused before any decoding), a file that
		// ends in its header, an unknown first chunk, a lossy one with no data after its header
		"huge.webp":   []byte("RIFF\x30\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x00\x00\x00\x00\x5f\xea\x00\x5f\xea\x00"),
		"short.webp":  []byte("RIFF\x30\x00\x00\x00WEBPVP8 "),
		"chunk.webp":  []byte("RIFF\x30\x00\x00\x00WEBPABCD\x0a\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"),
		"nodata.webp": []byte("RIFF\x30\x00\x00\x00WEBPVP8 \x30\x00\x00\x00\x00\x00\x00\x9d\x01\x2a\x40\x00\x30\x00"),
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Open(path); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("Open(%s): %v", name, err)
		}
		if m, err := Read(path); err == nil || !strings.Contains(err.Error(), name) {
			m.Close()
			t.Errorf("Read(%s): %v", name, err)
		}
	}
	// JPEGs cut short, as an interrupted copy leaves them (libjpeg would fill the rest with grey
	// and only warn): a baseline one, a progressive one, and one cut just before its end marker.
	// Bytes after the end marker are no harm (PIL ignores them too).
	jpegs := testJPEGs(t)
	whole, err := os.ReadFile(jpegs[0])
	if err != nil {
		t.Fatal(err)
	}
	torchref.Script(t, makeProgram, jpegs[0], dir)
	progressive, err := os.ReadFile(filepath.Join(dir, "progressive.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"cut.jpg":             whole[:len(whole)*3/5],
		"cut-progressive.jpg": progressive[:len(progressive)*3/5],
		"cut-at-end.jpg":      whole[:len(whole)-2],
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if m, err := Read(path); err == nil || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), "truncated") {
			m.Close()
			t.Errorf("Read(%s): %v", name, err)
		} // (Open, in both builds: TestTruncatedJPEGRefused)
	}
	// Stray bytes between two marker segments (libjpeg warns of "extraneous bytes" and goes on,
	// as PIL and Go's decoder do): not a truncation.
	app0 := 4 + (int(whole[4])<<8 | int(whole[5])) // SOI, then APP0's marker and length
	stray := filepath.Join(dir, "stray.jpg")
	if err := os.WriteFile(stray, append(append(append([]byte{}, whole[:app0]...), 0, 0), whole[app0:]...), 0o644); err != nil {
		t.Fatal(err)
	}
	if whole[2] != 0xff || whole[3] != 0xe0 {
		t.Fatalf("%s does not start with APP0", jpegs[0])
	}
	if m, err := Read(stray); err != nil {
		t.Errorf("stray bytes between segments: %v", err)
	} else {
		m.Close()
	}
	trailing := filepath.Join(dir, "trailing.jpg")
	if err := os.WriteFile(trailing, append(append([]byte{}, whole...), "trailing bytes"...), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := Read(trailing)
	if err != nil {
		t.Errorf("a JPEG with bytes after its end: %v", err)
	}
	m.Close()
	if _, err := Open(filepath.Join(dir, "missing.jpg")); err == nil || !strings.Contains(err.Error(), "missing.jpg") {
		t.Errorf("missing file: %v", err)
	}
}

// TestReadFitHugeJPEG: a JPEG over transform.MaxPixels (10240x9800, 100.4 megapixels, a phone's
// 108 MP photo's kind) is refused by Read and decoded by ReadFit at half its size, its full size
// given; one that fits is read whole.
func TestReadFitHugeJPEG(t *testing.T) {
	dir := t.TempDir()
	huge := videotest.HugeJPEG(t, dir)
	if m, err := Read(huge); err == nil || !errors.Is(err, transform.ErrImageTooLarge) {
		m.Close()
		t.Errorf("Read: %v", err)
	}
	m, scale, full, err := ReadFit(huge)
	if err != nil {
		t.Fatal(err)
	}
	// The half-size decode holds the full one's means: column x of m is columns 2x and 2x+1,
	// grey x/32.
	px := m.GetVecbAt(10, 1000)
	if scale != 2 || full != image.Pt(10240, 9800) || m.Cols() != 5120 || m.Rows() != 4900 || !(int(px[0])-1000/32 <= 2 && 1000/32-int(px[0]) <= 2) {
		t.Errorf("ReadFit: %dx%d at scale %d, full %v, grey %v at column 1000 (want about %d)", m.Cols(), m.Rows(), scale, full, px, 1000/32)
	}
	m.Close()
	small := filepath.Join(torchref.RepoRoot(t), "testdata", "images", "000000001503.jpg")
	if m, scale, full, err := ReadFit(small); err != nil || scale != 1 || full != image.Pt(320, 240) || m.Cols() != 320 {
		t.Errorf("ReadFit of a small JPEG: %v, scale %d, full %v", err, scale, full)
	} else {
		m.Close()
	}
}

// TestPaddedJPEGRefused: a JPEG with more bytes after its header than its pixels and metadata
// can take (a small photo padded to 2 GiB was read whole, then aborted OpenCV's decoder) is
// refused once the limit is read, naming the file; one within the limit decodes.
func TestPaddedJPEGRefused(t *testing.T) {
	whole, err := os.ReadFile(testJPEGs(t)[0])
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(whole))
	if err != nil {
		t.Fatal(err)
	}
	limit := maxEncodedBytes(cfg.Width, cfg.Height)
	zeros := func(n int64) io.Reader { return io.LimitReader(zeroReader{}, n) }
	padded := io.MultiReader(bytes.NewReader(whole), zeros(limit)) // 2 GiB would be the same: reading stops at the limit
	if _, err := Decode(padded, "padded.jpg"); err == nil || !strings.Contains(err.Error(), "padded.jpg") || !strings.Contains(err.Error(), "MiB") {
		t.Errorf("a JPEG padded past %d bytes: %v", limit, err)
	}
	within := io.MultiReader(bytes.NewReader(whole), zeros(limit-int64(len(whole))))
	if img, err := Decode(within, "within.jpg"); err != nil || img.Bounds().Dx() != cfg.Width {
		t.Errorf("a JPEG of exactly %d bytes: %v", limit, err)
	}
}

// zeroReader reads zeros without end.
type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TestOrientationsAgree: the build without cgo turns a JPEG by each EXIF orientation (orientGo,
// imaging's transpositions) as the OpenCV build does (orientMat, which TestPixelsEqualPIL holds
// to PIL's pixels), on a 7x5 image of distinct pixels.
func TestOrientationsAgree(t *testing.T) {
	src := image.NewNRGBA(image.Rect(0, 0, 7, 5))
	for i := range src.Pix {
		src.Pix[i] = byte(i * 37)
		if i%4 == 3 {
			src.Pix[i] = 0xff
		}
	}
	m, err := matFrom("src", src)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for o := 2; o <= 8; o++ {
		want := orientMat(m, o)
		got := orientGo(src, o)
		b := got.Bounds()
		if b.Dx() != want.Cols() || b.Dy() != want.Rows() {
			t.Errorf("orientation %d: %v, OpenCV %dx%d", o, b, want.Cols(), want.Rows())
			want.Close()
			continue
		}
		bgr, _ := want.DataPtrUint8()
		for y := range b.Dy() {
			for x := range b.Dx() {
				r, g, bl, _ := got.At(b.Min.X+x, b.Min.Y+y).RGBA()
				k := 3 * (y*b.Dx() + x)
				if byte(r>>8) != bgr[k+2] || byte(g>>8) != bgr[k+1] || byte(bl>>8) != bgr[k] {
					t.Errorf("orientation %d: pixel (%d, %d) differs", o, x, y)
				}
			}
		}
		want.Close()
	}
}

// TestReadFitProgressiveJPEGBomb: libjpeg decodes a progressive JPEG through a buffer of all its
// coefficients at full size, even when it reads it at 1/8, so a 519-byte one whose header claims
// 60000x60000 made ReadFit (detect on a folder of images) allocate and fill 21 GB. One whose
// buffer would pass 800 MB (12000x12000 at 4:4:4: 864 MB) is refused, naming the file, before it
// is decoded, also where FF 00 before its frame header (stray data to libjpeg) hid the header
// from the check (ReadFit decoded it); a small one decodes.
func TestReadFitProgressiveJPEGBomb(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small.jpg")
	if err := os.WriteFile(small, progressive8x8, 0o644); err != nil {
		t.Fatal(err)
	}
	if m, _, _, err := ReadFit(small); err != nil || m.Cols() != 8 {
		t.Fatalf("ReadFit of an 8x8 progressive JPEG: %v", err)
	} else {
		m.Close()
	}
	data := withSize(t, progressive8x8, 12000, 12000)
	sof := bytes.Index(data, []byte{0xff, 0xc2})
	for name, data := range map[string][]byte{"bomb.jpg": data, "hidden.jpg": slices.Concat(data[:sof], []byte{0xff, 0x00, 0x00, 0x0a}, data[sof:])} {
		bomb := filepath.Join(dir, name)
		if err := os.WriteFile(bomb, data, 0o644); err != nil {
			t.Fatal(err)
		}
		m, scale, _, err := ReadFit(bomb)
		if err == nil {
			t.Errorf("ReadFit of a %d-byte progressive JPEG claiming 12000x12000: %dx%d at scale %d, no error", len(data), m.Cols(), m.Rows(), scale)
			m.Close()
		} else if !errors.Is(err, transform.ErrImageTooLarge) || !strings.Contains(err.Error(), bomb) {
			t.Errorf("ReadFit: %v; want ErrImageTooLarge naming %s", err, bomb)
		}
	}
}

// TestAnimatedWebPSaysSo: OpenCV 4.6 decodes no animated WebP and says nothing of why ("OpenCV
// returned no image"); the error names the file and says it is an animated WebP.
func TestAnimatedWebPSaysSo(t *testing.T) {
	// A VP8X header with the animation flag, a 64x64 canvas, then an ANIM chunk.
	data := []byte("RIFF\x2a\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x02\x00\x00\x00\x3f\x00\x00\x3f\x00\x00ANIM\x06\x00\x00\x00\x00\x00\x00\x00\x00\x00")
	path := filepath.Join(t.TempDir(), "anim.webp")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if m, _, _, err := ReadFit(path); err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "animated WebP") {
		if err == nil {
			m.Close()
		}
		t.Errorf("ReadFit of an animated WebP: %v", err)
	}
}
