package cvimage

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/shuffledet/shuffledet/internal/torchref"
	"github.com/shuffledet/shuffledet/transform"
)

// adam7 are the passes of an interlaced PNG: each pass's first column and row, and its steps.
var adam7 = [7][4]int{{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4}, {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}}

// encodePNG writes a w x h PNG of colorType at 8 or 16 bits (Go's encoder writes no interlaced
// PNG, and no grey or truecolour one with tRNS): pix gives each pixel's bytes; chunks (PLTE,
// tRNS) go between IHDR and the image data, as they are.
func encodePNG(t *testing.T, w, h int, colorType, depth byte, interlaced bool, pix func(x, y int) []byte, chunks ...[]byte) []byte {
	t.Helper()
	passes := [][4]int{{0, 0, 1, 1}}
	if interlaced {
		passes = adam7[:]
	}
	var raw bytes.Buffer
	for _, p := range passes {
		if p[0] >= w || p[1] >= h {
			continue // an empty pass has no rows
		}
		for y := p[1]; y < h; y += p[3] {
			raw.WriteByte(0) // filter: none
			for x := p[0]; x < w; x += p[2] {
				raw.Write(pix(x, y))
			}
		}
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	if _, err := zw.Write(raw.Bytes()); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	ihdr := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, uint32(w)), uint32(h))
	ihdr = append(ihdr, depth, colorType, 0, 0, 0)
	if interlaced {
		ihdr[12] = 1
	}
	return slices.Concat([]byte(pngSignature), pngChunk("IHDR", ihdr), slices.Concat(chunks...), pngChunk("IDAT", z.Bytes()), pngChunk("IEND", nil))
}

// testPNGs returns PNGs of every kind Go's decoder reads differently, by name: the test images,
// and synthetic ones: grey (8, 16 bits), 16-bit RGBA, palettes of 2 to 256 entries (1 to 8
// bits), with tRNS, interlaced ones.
func testPNGs(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	paths, err := filepath.Glob(filepath.Join(torchref.RepoRoot(t), "testdata/images/*.png"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no test PNGs (%v)", err)
	}
	for _, p := range paths {
		if out[filepath.Base(p)], err = os.ReadFile(p); err != nil {
			t.Fatal(err)
		}
	}
	r := image.Rect(0, 0, 13, 11)
	gray, gray16, rgba64 := image.NewGray(r), image.NewGray16(r), image.NewNRGBA64(r)
	pal := image.NewPaletted(r, color.Palette{color.NRGBA{1, 2, 3, 0}, color.NRGBA{200, 100, 50, 128}, color.Black, color.White})
	for i := range gray.Pix {
		gray.Pix[i] = uint8(i * 7)
		pal.Pix[i] = uint8(i % 4)
	}
	for i := range gray16.Pix {
		gray16.Pix[i] = uint8(i * 13)
	}
	for i := range rgba64.Pix {
		rgba64.Pix[i] = uint8(i * 29)
	}
	for name, img := range map[string]image.Image{"gray.png": gray, "gray16.png": gray16, "rgba64.png": rgba64, "palette-trns.png": pal} {
		var b bytes.Buffer
		if err := png.Encode(&b, img); err != nil {
			t.Fatal(err)
		}
		out[name] = b.Bytes()
	}
	for _, n := range []int{2, 16, 256} { // 1, 4 and 8 bits a pixel
		p := image.NewPaletted(r, make(color.Palette, n))
		for i := range p.Palette {
			p.Palette[i] = color.RGBA{uint8(i), uint8(3 * i), 7, 0xff}
		}
		for i := range p.Pix {
			p.Pix[i] = uint8(i * 5 % n)
		}
		var b bytes.Buffer
		if err := png.Encode(&b, p); err != nil {
			t.Fatal(err)
		}
		out[fmt.Sprintf("palette%d.png", n)] = b.Bytes()
	}
	out["interlaced-palette-trns.png"] = encodePNG(t, 13, 11, 3, 8, true, func(x, y int) []byte { return []byte{uint8(x+y) % 5} },
		pngChunk("PLTE", []byte{0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 9, 9}), pngChunk("tRNS", []byte{0, 128, 255}))
	out["interlaced-gray16-trns.png"] = encodePNG(t, 13, 11, 0, 16, true, func(x, y int) []byte { return []byte{uint8(x), uint8(y * 23)} },
		pngChunk("tRNS", []byte{3, 0}))
	out["rgb-trns.png"] = encodePNG(t, 13, 11, 2, 8, false, func(x, y int) []byte { return []byte{uint8(x % 3), 0, uint8(y % 2)} },
		pngChunk("tRNS", []byte{0, 1, 0, 0, 0, 1}))
	return out
}

// withPNGMetadata returns a PNG's bytes with chunks Go's decoder passes over (text, iCCP, gAMA,
// tIME, private ancillary ones, empty ones) before its IHDR, after it, after its PLTE, and before
// its image data.
func withPNGMetadata(t *testing.T, data []byte) []byte {
	t.Helper()
	var out []byte
	insert := func(chunks ...[]byte) { out = append(out, slices.Concat(chunks...)...) }
	insert(data[:len(pngSignature)], pngChunk("tEXt", []byte("Title\x00before IHDR")))
	for i := len(pngSignature); i+8 <= len(data); {
		n := int(binary.BigEndian.Uint32(data[i:]))
		typ := string(data[i+4 : i+8])
		if typ == "IDAT" {
			insert(pngChunk("iTXt", []byte("Comment\x00\x00\x00en\x00\x00before the image data")), pngChunk("tIME", []byte{7, 234, 12, 6, 17, 0, 0}))
			return append(out, data[i:]...)
		}
		insert(data[i : i+12+n])
		switch typ {
		case "IHDR":
			insert(pngChunk("iCCP", append([]byte("profile\x00\x00"), bytes.Repeat([]byte{7}, 70000)...)), pngChunk("prVt", nil), pngChunk("gAMA", []byte{0, 0, 0xb1, 0x8f}))
		case "PLTE":
			insert(pngChunk("zTXt", []byte("Comment\x00\x00x\x9c\x03\x00\x00\x00\x00\x01")))
		}
		i += 12 + n
	}
	t.Fatal("no IDAT chunk")
	return nil
}

// TestPNGMetadataDropped: decodeGo, which drops the chunks of a PNG's header that Go's decoder
// passes over (readPNGHead), decodes each of testPNGs, with withPNGMetadata's chunks added and
// without, to the pixels image/png decodes from all of its bytes (as decodeGo decoded it
// before); readPNGHead keeps the same header of both. A chunk passed over with a bad CRC, or a
// file that ends in one, is refused, as image/png refuses it.
func TestPNGMetadataDropped(t *testing.T) {
	for name, data := range testPNGs(t) {
		v := withPNGMetadata(t, data)
		want, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: image/png: %v", name, err)
		}
		for _, d := range [][]byte{data, v} {
			whole, err := png.Decode(bytes.NewReader(d))
			if err != nil {
				t.Fatalf("%s: image/png: %v", name, err)
			}
			got, err := decodeGo(bytes.NewReader(d), name)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if !reflect.DeepEqual(got, whole) || !reflect.DeepEqual(got, want) {
				t.Errorf("%s (%d bytes): pixels differ from image/png's of the whole file, or of the file without the metadata", name, len(d))
			}
		}
		plain, err := readPNGHead(bufio.NewReader(bytes.NewReader(data)), name)
		if err != nil {
			t.Fatal(err)
		}
		if head, err := readPNGHead(bufio.NewReader(bytes.NewReader(v)), name); err != nil || !bytes.Equal(head, plain) {
			t.Errorf("%s: readPNGHead kept %d bytes (%v), want the plain header's %d", name, len(head), err, len(plain))
		}
		text := bytes.Index(v, []byte("tEXtTitle"))
		badCRC := bytes.Clone(v)
		badCRC[text+25]++ // the last byte of its CRC
		for bad, d := range map[string][]byte{"bad CRC": badCRC, "cut in a tEXt chunk": v[:text+10]} {
			if _, err := png.Decode(bytes.NewReader(d)); err == nil {
				t.Fatalf("%s, %s: image/png decodes it", name, bad)
			}
			if _, err := decodeGo(bytes.NewReader(d), name); err == nil || !strings.Contains(err.Error(), name) {
				t.Errorf("%s, %s: %v, want an error naming the file", name, bad, err)
			}
		}
	}
}

// TestPNGTooLargeHeader: a PNG whose header declares more than transform.MaxPixels is refused as
// transform.ErrImageTooLarge naming its size, on every machine: on a 32-bit one (armv7) Go's
// decoder refuses one of more than 2^28 pixels itself ("png: unsupported feature: dimension
// overflow") before its size reaches transform.CheckSize, and that was the error a user saw.
func TestPNGTooLargeHeader(t *testing.T) {
	for _, side := range []uint32{30000, 65535, 1<<31 - 1} {
		var b bytes.Buffer
		b.WriteString(pngSignature)
		ihdr := make([]byte, 13)
		binary.BigEndian.PutUint32(ihdr[0:], side)
		binary.BigEndian.PutUint32(ihdr[4:], side)
		ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
		b.Write(pngChunk("IHDR", ihdr))
		b.Write(pngChunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01}))
		b.Write(pngChunk("IEND", nil))
		size := fmt.Sprintf("%dx%d", side, side)
		head := slices.Clone(b.Bytes())
		if _, err := Decode(&b, "big.png"); !errors.Is(err, transform.ErrImageTooLarge) || !strings.Contains(err.Error(), "big.png") || !strings.Contains(err.Error(), size) {
			t.Errorf("a PNG of %s: %v; want transform.ErrImageTooLarge naming the file and its size", size, err)
		}
		// The error a 32-bit machine's decoder leads to, here too.
		if err := pngTooLarge(head, "big.png"); !errors.Is(err, transform.ErrImageTooLarge) || !strings.Contains(err.Error(), "big.png") || !strings.Contains(err.Error(), size) {
			t.Errorf("pngTooLarge, %s: %v; want transform.ErrImageTooLarge naming the file and its size", size, err)
		}
	}
	if err := pngTooLarge([]byte(pngSignature), "cut.png"); errors.Is(err, transform.ErrImageTooLarge) || !strings.Contains(err.Error(), "dimension overflow") {
		t.Errorf("pngTooLarge without an IHDR: %v; want the decoder's error", err)
	}
}
