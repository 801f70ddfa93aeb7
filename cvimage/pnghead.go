package cvimage

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image/png"
	"io"
	"math"
	"slices"

	"github.com/shuffledet/shuffledet/internal/quote"
	"github.com/shuffledet/shuffledet/transform"
)

// pngSignature is the eight bytes a PNG file begins with.
const pngSignature = "\x89PNG\r\n\x1a\n"

// pngKept are the chunks of a PNG's header that Go's decoder reads, with the longest of each it
// accepts (IHDR's 13 bytes, 256 palette entries of 3 bytes, 256 tRNS alpha values).
var pngKept = map[string]uint32{"IHDR": 13, "PLTE": 3 * 256, "tRNS": 256}

// readPNGHead reads a PNG's header from r, which begins with its signature: its chunks up to the
// first of its image data (IDAT), or all of r where there is none. It returns head, the header
// as Go's decoder reads it, in bounded memory: the signature, the first IHDR, PLTE and tRNS
// chunks (the only ones of a header the decoder reads), and the length and type of the chunk it
// stopped at, the first that is none of these nor passed over: IDAT, IEND, or one the decoder
// refuses (a second IHDR, PLTE or tRNS, one longer than the decoder takes, a length of 2^31 or
// more), which the decoder judges. The chunks the decoder passes over (text, iCCP, every other
// ancillary or unknown one) are read, their CRC checked as the decoder checks it, and dropped:
// image.DecodeConfig read a palette PNG's chunks into memory up to its tRNS or image data, so a
// file of 60 MiB of text chunks before its palette held them all before it was decoded. A header
// of more than maxHeaderBytes is an error naming the file; a file that ends inside it is left
// to the decoder, which finds it cut short where it would have.
func readPNGHead(r *bufio.Reader, name string) ([]byte, error) {
	head := make([]byte, len(pngSignature), 1<<10)
	if _, err := io.ReadFull(r, head); err != nil {
		return nil, fmt.Errorf("cvimage: read image %s: %w", quote.Name(name), err)
	}
	read := int64(len(head)) // bytes of the header read, kept or not
	seen := map[string]bool{}
	crc := crc32.NewIEEE()
	var chunk [4]byte // the type of a chunk passed over
	buf := make([]byte, 32<<10)
	for {
		if read > maxHeaderBytes {
			return nil, headerTooLarge(name)
		}
		p, err := r.Peek(8)
		if err == io.EOF {
			return append(head, p...), nil
		} else if err != nil {
			return nil, fmt.Errorf("cvimage: read image %s: %w", quote.Name(name), err)
		}
		n, typ := binary.BigEndian.Uint32(p), p[4:8] // (a string of it would be allocated, for every chunk)
		if limit, ok := pngKept[string(typ)]; ok && !seen[string(typ)] && n <= limit {
			seen[string(typ)] = true
			k := len(head)
			head = slices.Grow(head, 12+int(n))[:k+12+int(n)]
			m, err := io.ReadFull(r, head[k:])
			head, read = head[:k+m], read+int64(m)
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return head, nil
			} else if err != nil {
				return nil, fmt.Errorf("cvimage: read image %s: %w", quote.Name(name), err)
			}
			continue
		} else if ok || string(typ) == "IDAT" || string(typ) == "IEND" || n > 0x7fffffff {
			head = append(head, p...)
			_, err := r.Discard(8)
			return head, err // (peeked: no error)
		}
		// Passed over, as the decoder passes it over (image/png's parseChunk): its CRC checked.
		copy(chunk[:], typ)
		crc.Reset()
		crc.Write(chunk[:])
		r.Discard(8) // (peeked)
		read += 8
		for left := int64(n); left > 0; {
			if read > maxHeaderBytes {
				return nil, headerTooLarge(name)
			}
			k, err := io.ReadFull(r, buf[:min(left, int64(len(buf)))])
			crc.Write(buf[:k])
			left, read = left-int64(k), read+int64(k)
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return head, nil
			} else if err != nil {
				return nil, fmt.Errorf("cvimage: read image %s: %w", quote.Name(name), err)
			}
		}
		k, err := io.ReadFull(r, buf[:4])
		read += int64(k)
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return head, nil
		} else if err != nil {
			return nil, fmt.Errorf("cvimage: read image %s: %w", quote.Name(name), err)
		}
		if binary.BigEndian.Uint32(buf) != crc.Sum32() {
			return nil, fmt.Errorf("cvimage: image %s: cannot decode header: %w", quote.Name(name), png.FormatError(fmt.Sprintf("invalid checksum of its %q chunk", chunk[:])))
		}
	}
}

// pngTooLarge is the error for a PNG whose header Go's decoder refused as a "dimension overflow":
// on a 32-bit machine (armv7) it refuses one of more than 2^28 pixels so, before its size can be
// checked, where a 64-bit one gives its size to transform.CheckSize. The error is CheckSize's,
// transform.ErrImageTooLarge naming the size, as on a 64-bit machine. head is readPNGHead's, its
// IHDR (the decoder read it) first.
func pngTooLarge(head []byte, name string) error {
	err := error(png.UnsupportedError("dimension overflow"))
	if len(head) >= len(pngSignature)+8+8 && string(head[len(pngSignature)+4:][:4]) == "IHDR" {
		ihdr := head[len(pngSignature)+8:]
		w, h := binary.BigEndian.Uint32(ihdr), binary.BigEndian.Uint32(ihdr[4:])
		if w <= math.MaxInt32 && h <= math.MaxInt32 { // (the decoder refuses the rest as non-positive)
			if e := transform.CheckSize(int(w), int(h)); e != nil {
				return fmt.Errorf("cvimage: image %s (png): %w", quote.Name(name), e)
			}
		}
	}
	return fmt.Errorf("cvimage: image %s: cannot decode header: %w", quote.Name(name), err)
}
