package cvimage

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image/jpeg"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
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

// TestHeaderBounded: a JPEG or PNG whose header goes on without end is refused once
// maxHeaderBytes of it are read (64 KiB more allowed for buffering), in both builds' readers
// (Decode: OpenCV's with cgo; decodeGo, every build's for other formats), allocating at most 1
// MiB (measured: 8 KiB for a JPEG, 37 KiB for a PNG): APP2 segments of 64 KiB before the frame
// header (which image.DecodeConfig passes over looking for it), COM segments or stray zeros
// after it. Before, all of it was read into memory, without a bound; then 64 MiB of it, held as
// it grew: 256 MiB allocated, 340 MB resident. A header of more than maxKeptHeaderBytes of what a
// decoder reads (tables) is refused as soon, allocating at most 8 MiB (measured: 5 MiB, the kept
// header grown past 1 MiB). A PNG's chunks before its image data, text or other ones Go's
// decoder passes over: image.DecodeConfig held a palette PNG's (164 to 260 MiB allocated, 21 GiB
// for empty chunks, image/png's 4 KiB buffer for each) and passed over a grey PNG's, which were
// then read without a bound.
func TestHeaderBounded(t *testing.T) {
	segment := func(marker byte) []byte { return append([]byte{0xff, marker, 0xff, 0xff}, make([]byte, 0xffff-2)...) }
	sof := bytes.Index(progressive8x8, []byte{0xff, 0xc2})
	frame := progressive8x8[:sof+2+int(progressive8x8[sof+2])<<8+int(progressive8x8[sof+3])] // up to its frame header
	dqt := append([]byte{0xff, 0xdb, 0, 67, 0}, make([]byte, 64)...)
	tooLarge := "a header (the bytes before its image data) of more than 64 MiB"
	sig := []byte(pngSignature)
	ihdr := func(colorType byte) []byte {
		return pngChunk("IHDR", []byte{0, 0, 0, 1, 0, 0, 0, 1, 8, colorType, 0, 0, 0})
	}
	palette := slices.Concat(sig, ihdr(3), pngChunk("PLTE", []byte{1, 2, 3}))
	text := pngChunk("tEXt", append([]byte("Comment\x00"), make([]byte, 1<<16)...))
	for _, c := range []struct {
		name       string
		file       string
		head, rest []byte // rest repeated without end
		want       string
		alloc      uint64 // the most bytes allocated to refuse it
	}{
		{"APP2", "padded.jpg", []byte{0xff, 0xd8}, segment(0xe2), tooLarge, 1 << 20},
		{"COM after SOF", "padded.jpg", frame, segment(0xfe), tooLarge, 1 << 20},
		{"zeros after SOF", "padded.jpg", frame, make([]byte, 1<<16), tooLarge, 1 << 20},
		{"DQT", "padded.jpg", []byte{0xff, 0xd8}, dqt, "a header of more than 1 MiB of tables", 8 << 20},
		// PNG: image.DecodeConfig reads a palette PNG's chunks up to its tRNS or image data
		{"PNG tEXt before PLTE", "padded.png", slices.Concat(sig, ihdr(3)), text, tooLarge, 1 << 20},
		{"PNG empty chunks after PLTE", "padded.png", palette, pngChunk("prVt", nil), tooLarge, 1 << 20},
		{"PNG zTXt before IHDR", "padded.png", sig, pngChunk("zTXt", make([]byte, 1<<16)), tooLarge, 1 << 20},
		{"PNG gray, iCCP before IDAT", "padded.png", slices.Concat(sig, ihdr(0)), pngChunk("iCCP", make([]byte, 1<<16)), tooLarge, 1 << 20},
	} {
		for _, d := range []struct {
			name   string
			decode func(io.Reader, string) error
		}{
			{"Decode", func(r io.Reader, name string) error { _, err := Decode(r, name); return err }},
			{"decodeGo", func(r io.Reader, name string) error { _, err := decodeGo(r, name); return err }},
		} {
			r := &headReader{r: io.MultiReader(bytes.NewReader(c.head), &repeated{seg: c.rest}), limit: maxHeaderBytes + 64<<10}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			err := d.decode(r, c.file)
			runtime.ReadMemStats(&after)
			if err == nil || !strings.Contains(err.Error(), c.file) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s, %s: %v (%d bytes read); want the header refused, naming the file", c.name, d.name, err, r.n)
			}
			if n := after.TotalAlloc - before.TotalAlloc; n > c.alloc {
				t.Errorf("%s, %s: %d KiB allocated to refuse the header, want at most %d", c.name, d.name, n>>10, c.alloc>>10)
			}
		}
	}
}

// pngChunk returns a PNG chunk of type typ holding data, with its CRC.
func pngChunk(typ string, data []byte) []byte {
	c := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	c = append(append(c, typ...), data...)
	return binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
}

// withMetadata returns variants of a JPEG's bytes with what decoders pass over added to its
// header, before its first segment and after its frame header: APPn and COM segments, a second
// APP1 (kept: the first APP1 and the first Exif one are), stray bytes, a stuffed zero and fill
// bytes. readJPEGHead drops them (not the first APP1).
func withMetadata(t testing.TB, data []byte) map[string][]byte {
	t.Helper()
	seg := func(marker byte, payload string) []byte {
		return append([]byte{0xff, marker, byte((len(payload) + 2) >> 8), byte(len(payload) + 2)}, payload...)
	}
	sof := bytes.Index(data, []byte{0xff, 0xc0})
	if sof < 0 {
		t.Fatal("no baseline frame header")
	}
	end := sof + 2 + int(data[sof+2])<<8 + int(data[sof+3])
	insert := func(first, afterSOF []byte) []byte {
		return slices.Concat(data[:2], first, data[2:end], afterSOF, data[end:])
	}
	xmp := seg(0xe1, "http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta xmlns:x='adobe:ns:meta/'/>")
	return map[string][]byte{
		"metadata.jpg": insert(slices.Concat(seg(0xfe, "a comment"), seg(0xe2, "ICC_PROFILE\x00"+strings.Repeat("\x07", 3000)), seg(0xec, "Ducky")),
			slices.Concat(seg(0xed, "Photoshop 3.0\x00"), seg(0xfe, ""), seg(0xef, strings.Repeat("x", 0xffff-2)))),
		"two-app1.jpg": insert(slices.Concat(xmp, xmp), nil),
		"stray.jpg":    insert([]byte{0xff, 0xff, 0xff}, []byte{0x34, 0xff, 0x00, 0x12, 0xff, 0xff}),
	}
}

// TestMetadataDroppedGo: decodeGo, which drops what Go's decoder passes over in a JPEG's header
// (readJPEGHead), decodes each of withMetadata's variants of the test JPEGs to the pixels
// image/jpeg decodes from all of its bytes, and to those of the JPEG without them; the header
// readJPEGHead keeps of it is the JPEG's without them (for two-app1.jpg, with its first APP1).
func TestMetadataDroppedGo(t *testing.T) {
	for _, path := range testJPEGs(t) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		plain, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		plainHead, plainSkipped, err := readJPEGHead(bufio.NewReader(bytes.NewReader(data)), path)
		if err != nil {
			t.Fatal(err)
		}
		for name, v := range withMetadata(t, data) {
			// All dropped, but for the first APP1 of two-app1.jpg.
			head, skipped, err := readJPEGHead(bufio.NewReader(bytes.NewReader(v)), name)
			if err != nil || skipped == plainSkipped || int64(len(head))+skipped != int64(len(plainHead)+len(v)-len(data))+plainSkipped ||
				name != "two-app1.jpg" && !bytes.Equal(head, plainHead) {
				t.Errorf("%s, %s: readJPEGHead kept %d bytes, skipped %d (%v); want the plain header's %d", filepath.Base(path), name, len(head), skipped, err, len(plainHead))
			}
			want, err := jpeg.Decode(bytes.NewReader(v))
			if err != nil {
				t.Fatalf("%s, %s: image/jpeg: %v", filepath.Base(path), name, err)
			}
			got, err := decodeGo(bytes.NewReader(v), name)
			if err != nil {
				t.Fatalf("%s, %s: %v", filepath.Base(path), name, err)
			}
			if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(got, plain) {
				t.Errorf("%s, %s: pixels differ from image/jpeg's of the whole file, or of the file without the metadata", filepath.Base(path), name)
			}
		}
	}
}
