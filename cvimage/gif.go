package cvimage

import (
	"bufio"
	"errors"
	"io"
	"os"
)

// GIFFrames returns how many frames (image descriptors) the GIF file at path holds, reading its
// blocks without decoding them; an error where it is not a GIF whose blocks can be read to the
// end (Open then says what is wrong with it). Open reads a GIF's first frame only: one of more
// frames is a video (detect reads an animated GIF given on its own through OpenCV's FFmpeg).
func GIFFrames(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return readGIFFrames(bufio.NewReader(f))
}

var errNotGIF = errors.New("not a GIF whose blocks can be read")

// readGIFFrames is GIFFrames on the file's bytes as r reads them from its start.
func readGIFFrames(r *bufio.Reader) (int, error) {
	var head [13]byte // signature and version, then the logical screen descriptor
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return 0, errNotGIF
	}
	if string(head[:6]) != "GIF87a" && string(head[:6]) != "GIF89a" {
		return 0, errNotGIF
	}
	skip := func(n int) error {
		if _, err := r.Discard(n); err != nil {
			return errNotGIF
		}
		return nil
	}
	subBlocks := func() error { // data sub-blocks, each its length then its bytes, up to a 0
		for {
			n, err := r.ReadByte()
			if err != nil {
				return errNotGIF
			}
			if n == 0 {
				return nil
			}
			if err := skip(int(n)); err != nil {
				return err
			}
		}
	}
	colorTable := func(flags byte) int { // a global or local color table's bytes, where flags has one
		if flags&0x80 == 0 {
			return 0
		}
		return 3 << (flags&7 + 1)
	}
	if err := skip(colorTable(head[10])); err != nil {
		return 0, err
	}
	frames := 0
	for {
		b, err := r.ReadByte()
		if err != nil {
			return 0, errNotGIF // (no trailer)
		}
		switch b {
		case 0x21: // an extension: its label, then sub-blocks
			if err := skip(1); err != nil {
				return 0, err
			}
			if err := subBlocks(); err != nil {
				return 0, err
			}
		case 0x2c: // an image descriptor: position, size, flags; its color table; LZW code size; data
			var desc [9]byte
			if _, err := io.ReadFull(r, desc[:]); err != nil {
				return 0, errNotGIF
			}
			if err := skip(colorTable(desc[8]) + 1); err != nil {
				return 0, err
			}
			if err := subBlocks(); err != nil {
				return 0, err
			}
			frames++
		case 0x3b: // the trailer
			return frames, nil
		default:
			return 0, errNotGIF
		}
	}
}
