//go:build cgo && !noopencv

package cvimage

import (
	"bytes"
	"encoding/binary"
	"errors"
)

// webpHeaderLen is how many bytes of a WebP file hold its dimensions, whichever its first chunk:
// the RIFF header (12), the chunk's name and size (8), and up to 10 bytes of its data.
const webpHeaderLen = 30

// webpSize reads a WebP's width and height from its first webpHeaderLen bytes (the WebP
// container specification): the canvas of an extended file (VP8X), or the bitstream's own of a
// simple lossy (VP8) or lossless (VP8L) one.
func webpSize(head []byte) (w, h int, err error) {
	if len(head) < webpHeaderLen {
		return 0, 0, errors.New("file too short for a WebP header")
	}
	le24 := func(b []byte) int { return int(b[0]) | int(b[1])<<8 | int(b[2])<<16 }
	switch data := head[20:]; string(head[12:16]) {
	case "VP8 ": // frame tag (3 bytes), start code 9d 01 2a, then 14-bit width and height
		if !bytes.Equal(data[3:6], []byte{0x9d, 0x01, 0x2a}) {
			return 0, 0, errors.New("VP8 chunk without its start code")
		}
		return int(binary.LittleEndian.Uint16(data[6:]) & 0x3fff), int(binary.LittleEndian.Uint16(data[8:]) & 0x3fff), nil
	case "VP8L": // signature 0x2f, then width-1 and height-1 in 14 bits each
		if data[0] != 0x2f {
			return 0, 0, errors.New("VP8L chunk without its signature")
		}
		bits := binary.LittleEndian.Uint32(data[1:])
		return int(bits&0x3fff) + 1, int(bits>>14&0x3fff) + 1, nil
	case "VP8X": // flags (4 bytes), then canvas width-1 and height-1 in 24 bits each
		return le24(data[4:]) + 1, le24(data[7:]) + 1, nil
	}
	return 0, 0, errors.New("unknown first chunk " + string(head[12:16]))
}

// webpAnimated reports whether a WebP's first webpHeaderLen bytes are an extended file's (VP8X)
// with its animation flag set.
func webpAnimated(head []byte) bool {
	return len(head) >= webpHeaderLen && string(head[12:16]) == "VP8X" && head[20]&0x02 != 0
}
