package cvimage

import (
	"bytes"
	"encoding/hex"
	"errors"
	"image"
	"slices"
	"strings"
	"testing"

	"github.com/shuffledet/shuffledet/transform"
)

// progressive8x8 is an 8x8 progressive JPEG at 4:4:4 (PIL: progressive=True, subsampling=0).
var progressive8x8, _ = hex.DecodeString("ffd8ffe000104a46494600010100000100010000ffdb004300100b0c0e0c0a100e0d0e1211101318281a181616183123251d283a333d3c3933383740485c4e404457453738506d51575f626768673e4d71797064785c656763ffdb0043011112121815182f1a1a2f634238426363636363636363636363636363636363636363636363636363636363636363636363636363636363636363636363636363ffc20011080008000803011100021101031101ffc40014000100000000000000000000000000000004ffc4001501010100000000000000000000000000000305ffda000c030100021003100000011854ffc40014100100000000000000000000000000000000ffda00080101000105027fffc40014110100000000000000000000000000000000ffda0008010301013f017fffc40014110100000000000000000000000000000000ffda0008010201013f017fffc40014100100000000000000000000000000000000ffda0008010100063f027fffc40014100100000000000000000000000000000000ffda0008010100013f217fffda000c030100020003000000101fffc40014110100000000000000000000000000000000ffda0008010301013f107fffc40014110100000000000000000000000000000000ffda0008010201013f107fffc40014100100000000000000000000000000000000ffda0008010100013f107fffd9")

// withSize returns a copy of a JPEG's bytes with its frame header (SOFn) claiming w x h.
func withSize(t testing.TB, data []byte, w, h int) []byte {
	t.Helper()
	out := append([]byte(nil), data...)
	done := false
	jpegSegments(out, func(marker byte, payload []byte) {
		if marker >= 0xc0 && marker <= 0xc2 && !done {
			payload[1], payload[2], payload[3], payload[4] = byte(h>>8), byte(h), byte(w>>8), byte(w)
			done = true
		}
	})
	if !done {
		t.Fatal("no frame header")
	}
	return out
}

// TestJPEGCoefBytes: a progressive JPEG, or a sequential one whose first scan holds fewer
// components than its frame, is decoded by libjpeg through a buffer of all its coefficients (128
// bytes an 8x8 block of each component, in whole MCUs); a single-scan one needs none.
func TestJPEGCoefBytes(t *testing.T) {
	if n, ok := readJPEGHeader(progressive8x8).coefBytes(8, 8); !ok || n != 3*128 {
		t.Errorf("8x8 progressive 4:4:4: %d bytes, %v; want 384, true", n, ok)
	}
	if n, ok := readJPEGHeader(withSize(t, progressive8x8, 60000, 60000)).coefBytes(60000, 60000); !ok || n != 3*7500*7500*128 {
		t.Errorf("60000x60000 progressive 4:4:4: %d bytes, %v", n, ok)
	}
	// A sequential frame of 3 components, 4:2:0 (Y 2x2, Cb and Cr 1x1), 17x9, then a scan of ns.
	seq := func(ns byte) []byte {
		return []byte{0xff, 0xd8,
			0xff, 0xc0, 0, 17, 8, 0, 9, 0, 17, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1,
			0xff, 0xda, 0, 6 + 2*ns, ns, 1, 0, 0, 63, 0}
	}
	// Y: 3x2 blocks, rounded to 4x2; Cb, Cr: 2x1 each.
	if n, ok := readJPEGHeader(seq(1)).coefBytes(17, 9); !ok || n != (8+2+2)*128 {
		t.Errorf("sequential, a first scan of one of three components: %d bytes, %v; want %d, true", n, ok, 12*128)
	}
	if n, ok := readJPEGHeader(seq(3)).coefBytes(17, 9); ok {
		t.Errorf("sequential, one interleaved scan: %d bytes, %v; want none", n, ok)
	}
	for _, bad := range [][]byte{nil, {0xff, 0xd8}, seq(1)[:12], seq(1)[:len(seq(1))-8]} {
		if n, ok := readJPEGHeader(bad).coefBytes(17, 9); ok {
			t.Errorf("% x: %d bytes, %v; want none", bad, n, ok)
		}
	}
}

// TestJPEGScansWholeReadNotRefused: a JPEG within transform's limits, read whole, is never refused
// for its coefficients (maxJPEGCoefBytes is 8 bytes a pixel of MaxPixels): a progressive CMYK
// JPEG at 4:4:4 of 9999x10001 (99,999,999 pixels) takes 8 bytes a pixel rounded up to whole 8x8
// blocks, 800.64 MB, and was refused although the README takes JPEGs up to 100 megapixels.
func TestJPEGScansWholeReadNotRefused(t *testing.T) {
	cmyk := func(w, h int) []byte {
		return []byte{0xff, 0xd8,
			0xff, 0xc2, 0, 20, 8, byte(h >> 8), byte(h), byte(w >> 8), byte(w), 4, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0, 4, 0x11, 0,
			0xff, 0xda, 0, 8, 1, 1, 0, 0, 0, 0}
	}
	if n, ok := readJPEGHeader(cmyk(9999, 10001)).coefBytes(9999, 10001); !ok || n <= maxJPEGCoefBytes {
		t.Fatalf("9999x10001 progressive CMYK: %d bytes, %v; want over %d (the case this test is for)", n, ok, maxJPEGCoefBytes)
	}
	if err := readJPEGHeader(cmyk(9999, 10001)).checkScans("cmyk.jpg", 9999, 10001, 0); err != nil {
		t.Errorf("a JPEG within the limits, read whole: %v", err)
	}
	// Read reduced (over the limits: at 1/2, as fitScale takes it), the same bytes a pixel are refused.
	if err := readJPEGHeader(cmyk(20000, 20000)).checkScans("big.jpg", 20000, 20000, 2); !errors.Is(err, transform.ErrImageTooLarge) || !strings.Contains(err.Error(), "big.jpg") {
		t.Errorf("a 20000x20000 progressive CMYK JPEG read reduced: %v; want ErrImageTooLarge naming it", err)
	}
}

// TestJPEGStuffedZeroInHeader: FF 00 between a JPEG's marker segments is stray data to libjpeg,
// PIL and Go's decoder, which pass over its two bytes; read as a segment with a length, it hid
// the frame header after it, and a progressive JPEG claiming 60000x60000, read at 1/8, went on
// to libjpeg's 21 GB coefficient buffer.
func TestJPEGStuffedZeroInHeader(t *testing.T) {
	bomb := withSize(t, progressive8x8, 60000, 60000)
	i := bytes.Index(bomb, []byte{0xff, 0xc2})
	hidden := slices.Concat(bomb[:i], []byte{0xff, 0x00, 0x00, 0x0a}, bomb[i:])
	if cfg, _, err := image.DecodeConfig(bytes.NewReader(hidden)); err != nil || cfg.Width != 60000 || cfg.Height != 60000 {
		t.Fatalf("Go's header reader: %+v, %v; want 60000x60000 (the case this test is for)", cfg, err)
	}
	if n, ok := readJPEGHeader(hidden).coefBytes(60000, 60000); !ok || n != 3*7500*7500*128 {
		t.Errorf("frame header after FF 00: %d bytes, %v; want %d, true", n, ok, int64(3*7500*7500*128))
	}
	if err := readJPEGHeader(hidden).checkScans("hidden.jpg", 60000, 60000, 8); !errors.Is(err, transform.ErrImageTooLarge) {
		t.Errorf("read reduced: %v; want ErrImageTooLarge", err)
	}
}
