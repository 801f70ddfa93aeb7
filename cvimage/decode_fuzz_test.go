package cvimage

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"runtime"
	"slices"
	"strings"
	"testing"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"

	"github.com/shuffledet/shuffledet/transform"
)

// FuzzDecode feeds decodeGo hostile image files of every format it reads (seeds: small PNG,
// JPEG, GIF, BMP and TIFF images, a JPEG with an EXIF orientation, a palette PNG with text chunks): it must return an image within
// transform.MaxSide and MaxPixels, or an error naming the input, never crash.
func FuzzDecode(f *testing.F) {
	src := image.NewNRGBA(image.Rect(0, 0, 7, 5))
	for i := range src.Pix {
		src.Pix[i] = uint8(i * 37)
	}
	var seeds [][]byte
	for _, enc := range []func(*bytes.Buffer) error{
		func(b *bytes.Buffer) error { return png.Encode(b, src) },
		func(b *bytes.Buffer) error { return jpeg.Encode(b, src, nil) },
		func(b *bytes.Buffer) error {
			return gif.Encode(b, src, &gif.Options{NumColors: 4})
		},
		func(b *bytes.Buffer) error { return bmp.Encode(b, src) },
		func(b *bytes.Buffer) error { return tiff.Encode(b, src, nil) },
		func(b *bytes.Buffer) error {
			g := image.NewGray16(image.Rect(0, 0, 3, 2))
			g.SetGray16(1, 1, color.Gray16{Y: 0xffff})
			return png.Encode(b, g)
		},
	} {
		var b bytes.Buffer
		if err := enc(&b); err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, b.Bytes())
	}
	// A palette PNG with a text chunk before its palette, and another before its image data
	// (passed over by readPNGHead).
	var pal bytes.Buffer
	if err := png.Encode(&pal, image.NewPaletted(image.Rect(0, 0, 3, 2), color.Palette{color.Black, color.NRGBA{9, 8, 7, 6}})); err != nil {
		f.Fatal(err)
	}
	idat := bytes.Index(pal.Bytes(), []byte("IDAT")) - 4
	seeds = append(seeds, slices.Concat(pal.Bytes()[:33], pngChunk("tEXt", []byte("Comment\x00a")), pal.Bytes()[33:idat],
		pngChunk("zTXt", []byte("k\x00\x00x\x9c\x03\x00\x00\x00\x00\x01")), pal.Bytes()[idat:]))
	// A JPEG with an EXIF orientation (6: rotate 90) in an APP1 segment after SOI.
	exif := []byte{0xff, 0xe1, 0, 34, 'E', 'x', 'i', 'f', 0, 0, 'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1,
		0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0}
	seeds = append(seeds, append(append([]byte{0xff, 0xd8}, exif...), seeds[1][2:]...))
	for _, s := range seeds {
		f.Add(s)
	}
	const name = "fuzz-input"
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := decodeGo(bytes.NewReader(data), name)
		if err != nil {
			if !strings.Contains(err.Error(), name) {
				t.Fatalf("error does not name the input: %v", err)
			}
			return
		}
		b := img.Bounds()
		if err := transform.CheckSize(b.Dx(), b.Dy()); err != nil {
			t.Fatalf("decoded a %v image: %v", b, err)
		}
	})
}

// TestHostileTIFFAllocatesLittle: a TIFF of 8 bytes whose first directory lies near 2.5 GB (and
// one whose strip does) is refused without allocating for that offset; the TIFF decoder given a
// stream buffered the file up to it (FuzzDecode found it: 4 GiB for a 301-byte file).
func TestHostileTIFFAllocatesLittle(t *testing.T) {
	var good bytes.Buffer
	if err := tiff.Encode(&good, image.NewGray(image.Rect(0, 0, 2, 2)), nil); err != nil {
		t.Fatal(err)
	}
	farStrip := bytes.Clone(good.Bytes())
	// the StripOffsets entry (tag 273, one LONG) points far beyond the end
	for i := 8; i+12 <= len(farStrip); i += 2 {
		if farStrip[i] == 0x11 && farStrip[i+1] == 0x01 && farStrip[i+2] == 4 {
			copy(farStrip[i+8:], []byte{0x25, 0x4a, 0x6f, 0x94})
			break
		}
	}
	for name, data := range map[string][]byte{
		"far directory": []byte("II*\x00\x25\x4a\x6f\x94"),
		"far strip":     farStrip,
	} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := decodeGo(bytes.NewReader(data), name)
		runtime.ReadMemStats(&after)
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: %v, want an error naming it", name, err)
		}
		if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
			t.Errorf("%s: %d bytes allocated for a %d-byte file", name, n, len(data))
		}
	}
}
