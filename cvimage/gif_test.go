package cvimage

import (
	"bufio"
	"bytes"
	"image"
	"image/color/palette"
	"image/gif"
	"os/exec"
	"path/filepath"
	"testing"
)

// gifOf encodes frames frames of w x h, each with a local color table and a delay (a graphic
// control extension), after a comment extension when comment is set.
func gifOf(t testing.TB, frames, w, h int, comment bool) []byte {
	t.Helper()
	g := &gif.GIF{}
	for i := range frames {
		p := image.NewPaletted(image.Rect(0, 0, w, h), palette.Plan9[:16+i])
		p.SetColorIndex(i%w, 0, uint8(i))
		g.Image, g.Delay = append(g.Image, p), append(g.Delay, 10)
	}
	var b bytes.Buffer
	if err := gif.EncodeAll(&b, g); err != nil {
		t.Fatal(err)
	}
	data := b.Bytes()
	if comment { // after the header, screen descriptor and (here no) global table: a comment
		at := 13
		if data[10]&0x80 != 0 {
			at += 3 << (data[10]&7 + 1)
		}
		ext := []byte{0x21, 0xfe, 5, 'h', 'e', 'l', 'l', 'o', 0}
		data = append(append(append([]byte{}, data[:at]...), ext...), data[at:]...)
	}
	return data
}

// TestGIFFrames: the frames of GIFs Go's encoder and FFmpeg write are counted, extensions and
// color tables skipped; a GIF cut short anywhere, or another file, is an error, never a count.
func TestGIFFrames(t *testing.T) {
	for _, c := range []struct {
		frames  int
		comment bool
	}{{1, false}, {1, true}, {3, false}, {7, true}} {
		data := gifOf(t, c.frames, 9, 5, c.comment)
		if g, err := gif.DecodeAll(bytes.NewReader(data)); err != nil || len(g.Image) != c.frames {
			t.Fatalf("the test's GIF: %v", err)
		}
		if n, err := readGIFFrames(bufio.NewReader(bytes.NewReader(data))); err != nil || n != c.frames {
			t.Errorf("%d frames, comment %v: %d, %v", c.frames, c.comment, n, err)
		}
		for cut := range len(data) - 1 {
			if n, err := readGIFFrames(bufio.NewReader(bytes.NewReader(data[:cut]))); err == nil {
				t.Fatalf("%d frames cut at %d of %d bytes: %d frames, no error", c.frames, cut, len(data), n)
			}
		}
	}
	for _, s := range []string{"", "GIF89a", "GIF90a\x01\x00\x01\x00\x00\x00\x00;", "\x89PNG\r\n\x1a\n"} {
		if n, err := readGIFFrames(bufio.NewReader(bytes.NewReader([]byte(s)))); err == nil {
			t.Errorf("%q: %d frames, no error", s, n)
		}
	}
	anim := filepath.Join(t.TempDir(), "anim.gif")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=s=64x48:r=10", "-frames:v", "6", anim).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	if n, err := GIFFrames(anim); err != nil || n != 6 {
		t.Errorf("FFmpeg's GIF of 6 frames: %d, %v", n, err)
	}
}

// FuzzGIFFrames: whatever the bytes, the frame counter returns an error or a count (at most a
// frame for every 10 bytes: a descriptor and a terminator take 11), and for a file Go's decoder
// reads too, the decoder's count.
func FuzzGIFFrames(f *testing.F) {
	f.Add(gifOf(f, 1, 3, 2, false))
	f.Add(gifOf(f, 3, 4, 4, true))
	f.Add([]byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff;"))
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := readGIFFrames(bufio.NewReader(bytes.NewReader(data)))
		if err != nil {
			return
		}
		if n < 0 || n > len(data)/10 {
			t.Fatalf("%d frames in %d bytes", n, len(data))
		}
		if g, err := gif.DecodeAll(bytes.NewReader(data)); err == nil && len(g.Image) != n {
			t.Fatalf("%d frames, Go's decoder %d", n, len(g.Image))
		}
	})
}
