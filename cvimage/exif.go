package cvimage

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"math"
	"slices"

	"github.com/disintegration/imaging"

	"github.com/shuffledet/shuffledet/internal/quote"
	"github.com/shuffledet/shuffledet/transform"
)

// jpegSegments calls visit with the marker and payload of each marker segment of a JPEG's bytes
// before its first scan, in order, and returns the index of the start of scan marker (-1 when
// there is none). Stray bytes between segments, FF 00 (a stuffed zero) among them, are passed
// over, as libjpeg, PIL and Go's decoder pass them; a payload cut short by the end of data is
// given as far as it goes.
func jpegSegments(data []byte, visit func(marker byte, payload []byte)) int {
	i := 2 // after SOI
	for i+1 < len(data) {
		if data[i] != 0xff {
			i++ // a stray byte before the next marker
			continue
		}
		marker := data[i+1]
		switch {
		case marker == 0xff: // fill byte
			i++
		case marker == 0xda: // start of scan
			return i
		case marker == 0x00 || jpegStandalone(marker): // no length: FF 00, TEM, RSTn
			i += 2
		default:
			if i+3 >= len(data) {
				return -1
			}
			n := int(data[i+2])<<8 | int(data[i+3])
			end := min(i+2+n, len(data))
			visit(marker, data[min(i+4, end):end])
			i += 2 + n
		}
	}
	return -1
}

// jpegStandalone reports whether a JPEG marker stands alone, with no length after it: TEM or
// RSTn. jpegSegments and readJPEGHead both walk by it, so that the segments readJPEGHead keeps
// are the ones jpegSegments then reads.
func jpegStandalone(marker byte) bool {
	return marker == 0x01 || marker >= 0xd0 && marker <= 0xd7
}

// jpegHeader is what is read of a JPEG's marker segments before its first scan, in one walk over
// them (readJPEGHeader).
type jpegHeader struct {
	frame       []byte // the frame header's payload (SOFn), nil for none
	progressive bool   // the frame is SOF2's
	scan        int    // the index of the first start of scan marker, -1 for none
	scanComps   int    // the number of components that scan holds, -1 for none (or cut short)
	orientation int    // the EXIF orientation PIL turns the image by, 1 for none
}

// readJPEGHeader reads the header of a JPEG's bytes as readJPEGHead keeps it (metadata no decoder
// reads dropped; the first APP1 and the first Exif one kept): its frame header, the first SOFn,
// which jpeg.DecodeConfig takes only as SOF0, SOF1 or SOF2 (its size is DecodeConfig's); its
// first scan; and the EXIF orientation Pillow 9.4's ImageOps.exif_transpose turns it by: the
// Orientation tag (0x0112) of the first image file directory in the first APP1 segment that
// begins "Exif\0" (a later one, or an XMP segment before it, is not read; one that does not go on
// "\0" and a TIFF header Pillow refuses), as tiffOrientation reads it; 1 (as stored) where there
// is none or it is not 2 to 8. OpenCV's and imaging's readers read only a first APP1 that is
// Exif, and only a SHORT: a photo whose XMP segment came first was left unturned.
func readJPEGHeader(data []byte) jpegHeader {
	j := jpegHeader{scanComps: -1, orientation: 1}
	exif := false
	j.scan = jpegSegments(data, func(marker byte, payload []byte) {
		switch {
		case marker >= 0xc0 && marker <= 0xc2 && j.frame == nil:
			j.frame, j.progressive = payload, marker == 0xc2
		case marker == 0xe1 && !exif && bytes.HasPrefix(payload, []byte("Exif\x00")):
			exif = true // the first Exif segment only, as Pillow keeps it
			if bytes.HasPrefix(payload, []byte("Exif\x00\x00")) {
				if v := tiffOrientation(payload[6:]); v >= 2 && v <= 8 {
					j.orientation = v
				}
			}
		}
	})
	if j.scan >= 0 && j.scan+4 < len(data) {
		j.scanComps = int(data[j.scan+4])
	}
	return j
}

// tiffUnit is the size of one value of each TIFF type Pillow reads (0: a type it skips).
var tiffUnit = [17]int64{1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4, 16: 8}

// tiffOrientation returns the Orientation tag of the first directory of a TIFF structure (an
// EXIF segment's body) as Pillow 9.4 reads it: the last entry of the tag (entries of a type it
// does not know skipped, the directory read up to the first entry whose values run past the
// end), its first value, of an integer, rational or floating-point type that is a whole number
// (a BYTE, UNDEFINED or ASCII value is kept as bytes, which never equals one); 0 where there is
// none.
func tiffOrientation(tiff []byte) int {
	if len(tiff) < 8 {
		return 0
	}
	var order binary.ByteOrder
	switch string(tiff[:4]) {
	case "II*\x00":
		order = binary.LittleEndian
	case "MM\x00*":
		order = binary.BigEndian
	default:
		return 0
	}
	size := int64(len(tiff))
	ifd := int64(order.Uint32(tiff[4:8]))
	if ifd+2 > size {
		return 0
	}
	var typ uint16
	var value []byte
	for k, n := int64(0), int64(order.Uint16(tiff[ifd:])); k < n; k++ {
		e := ifd + 2 + 12*k
		if e+12 > size {
			break
		}
		t := order.Uint16(tiff[e+2:])
		if int(t) >= len(tiffUnit) || tiffUnit[t] == 0 {
			continue
		}
		length := int64(order.Uint32(tiff[e+4:])) * tiffUnit[t]
		v := tiff[e+8 : e+8+min(length, 4)]
		if length > 4 {
			off := int64(order.Uint32(tiff[e+8:]))
			if off+length > size {
				break // Pillow's read falls short: it stops
			}
			v = tiff[off : off+length]
		}
		if length > 0 && order.Uint16(tiff[e:]) == 0x0112 {
			typ, value = t, v
		}
	}
	var f float64 // the first value
	switch typ {
	case 3:
		f = float64(order.Uint16(value))
	case 4, 13:
		f = float64(order.Uint32(value))
	case 16:
		f = float64(order.Uint64(value))
	case 6:
		f = float64(int8(value[0]))
	case 8:
		f = float64(int16(order.Uint16(value)))
	case 9:
		f = float64(int32(order.Uint32(value)))
	case 5, 10:
		num, den := float64(order.Uint32(value)), float64(order.Uint32(value[4:]))
		if typ == 10 {
			num, den = float64(int32(order.Uint32(value))), float64(int32(order.Uint32(value[4:])))
		}
		if den == 0 {
			return 0
		}
		f = num / den
	case 11:
		f = float64(math.Float32frombits(order.Uint32(value)))
	case 12:
		f = math.Float64frombits(order.Uint64(value))
	default: // none, or bytes
		return 0
	}
	if f != math.Trunc(f) || f < 0 || f > 8 {
		return 0
	}
	return int(f)
}

// orientGo turns img as PIL's ImageOps.exif_transpose does for orientation o (2-8; anything else
// leaves it as it is).
func orientGo(img image.Image, o int) image.Image {
	if o < 0 || o >= len(turns) || turns[o] == nil {
		return img
	}
	return turns[o](img)
}

// turns are exif_transpose's transpositions by orientation: FLIP_LEFT_RIGHT, ROTATE_180,
// FLIP_TOP_BOTTOM, TRANSPOSE, ROTATE_270, TRANSVERSE, ROTATE_90 (PIL's and imaging's rotations
// both counter-clockwise).
var turns = [9]func(image.Image) *image.NRGBA{2: imaging.FlipH, 3: imaging.Rotate180, 4: imaging.FlipV,
	5: imaging.Transpose, 6: imaging.Rotate270, 7: imaging.Transverse, 8: imaging.Rotate90}

// maxEncodedBytes is the most bytes read of a w x h JPEG or WebP: 4 a pixel (more than a JPEG of
// pure noise at quality 100 or a lossless WebP takes) and maxHeaderBytes for the metadata (EXIF,
// embedded previews), at most that of transform.MaxPixels. A 2 GiB file, its image a small one,
// was read whole and aborted OpenCV's decoder.
func maxEncodedBytes(w, h int) int64 {
	return 4*min(int64(w)*int64(h), transform.MaxPixels) + maxHeaderBytes
}

// maxHeaderBytes is the most bytes of an image file read before its dimensions are known, of a
// JPEG before its first scan (readJPEGHead) and of a PNG before its image data (readPNGHead): its
// metadata, as much as maxEncodedBytes allows for. A JPEG's header was read by
// image.DecodeConfig, which reads segments up to the frame header and passes over stray bytes
// between them without a bound: a file of them was read into memory whole, however long, before
// its dimensions were known. (A JPEG's and a PNG's are counted here, not held: readJPEGHead keeps
// at most maxKeptHeaderBytes of a JPEG's, readPNGHead about 1 KiB of a PNG's.)
const maxHeaderBytes = 64 << 20

// headerTooLarge is the error for an image file whose header runs past maxHeaderBytes.
func headerTooLarge(name string) error {
	return fmt.Errorf("cvimage: image %s: a header (the bytes before its image data) of more than %d MiB, more than any image's metadata (a file padded or damaged?)",
		quote.Name(name), maxHeaderBytes>>20)
}

// maxKeptHeaderBytes is the most bytes of a JPEG's header that readJPEGHead keeps, the marker
// segments a decoder reads: a real photo's (its tables, frame header, JFIF thumbnail and EXIF)
// take at most a few hundred KiB.
const maxKeptHeaderBytes = 1 << 20

// readJPEGHead reads a JPEG's header from r, which begins with its SOI marker: every marker
// segment up to its first scan and that scan's component count (readJPEGHeader's walk), or all
// of r, where there is no scan. It returns head, the header as OpenCV's and Go's decoders read
// it, in bounded memory: its segments as they are, but for the metadata neither reads (APPn
// other than APP0, JFIF, and APP14, Adobe, which set the colour space; and COM), and for the
// stray bytes between segments (each decoder passes over them, libjpeg with a warning), which
// are read, counted in skipped, and dropped. The first APP1 and the first Exif APP1 are kept:
// OpenCV reads the one, readJPEGHeader the other. Before, the header was read into memory
// whole: refusing one of 100 MiB of APP segments took 340 MB. A header of more than
// maxHeaderBytes, or of more than maxKeptHeaderBytes kept, is an error naming the file; of the
// rest of r, nothing is read but what r's buffer holds.
func readJPEGHead(r *bufio.Reader, name string) (head []byte, skipped int64, err error) {
	head = make([]byte, 2, 4<<10)
	if _, err := io.ReadFull(r, head); err != nil {
		return nil, 0, fmt.Errorf("cvimage: read image %s: %w", quote.Name(name), err)
	}
	// keep appends the next n bytes of r to head, as many as it has; false at its end.
	keep := func(n int) (bool, error) {
		k := len(head)
		head = slices.Grow(head, n)[:k+n]
		m, err := io.ReadFull(r, head[k:])
		head = head[:k+m]
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return false, nil
		}
		return err == nil, err
	}
	app1, exif := false, false
	for {
		if int64(len(head))+skipped > maxHeaderBytes {
			return nil, 0, headerTooLarge(name)
		}
		if len(head) > maxKeptHeaderBytes {
			return nil, 0, fmt.Errorf("cvimage: image %s (jpeg): a header of more than %d MiB of tables and other segments a decoder reads (metadata aside), more than any image's (a file padded or damaged?)",
				quote.Name(name), maxKeptHeaderBytes>>20)
		}
		p, err := r.Peek(4)
		if err != nil && err != io.EOF {
			return nil, 0, fmt.Errorf("cvimage: read image %s: %w", quote.Name(name), err)
		}
		n, drop := 0, 0 // the bytes of the next unit to keep, or to drop
		switch {
		case len(p) < 2: // the end
			return append(head, p...), skipped, nil
		case p[0] != 0xff: // stray bytes, up to the next FF buffered
			b, _ := r.Peek(r.Buffered())
			if drop = bytes.IndexByte(b, 0xff); drop < 0 {
				drop = len(b)
			}
		case p[1] == 0xff: // a fill byte before a marker
			drop = 1
		case p[1] == 0x00: // a stuffed zero, stray data here
			drop = 2
		case p[1] == 0xda: // start of scan: its length and component count
			n = 5
		case jpegStandalone(p[1]): // TEM, RSTn: no length
			n = 2
		case len(p) < 4: // a length cut short by the end
			n = len(p)
		default:
			n = 2 + (int(p[2])<<8 | int(p[3]))
			switch marker := p[1]; {
			case n < 4: // a length under 2: kept as it is, for the decoder to judge
				n = 4
			case marker == 0xe1:
				q, _ := r.Peek(min(n, 9))
				isExif := bytes.HasPrefix(q[4:], []byte("Exif\x00"))
				if app1 && (exif || !isExif) {
					n, drop = 0, n
				}
				app1, exif = true, exif || isExif
			case marker >= 0xe2 && marker <= 0xef && marker != 0xee || marker == 0xfe:
				n, drop = 0, n
			}
		}
		if drop > 0 {
			k, err := r.Discard(drop)
			skipped += int64(k)
			if err == io.EOF {
				return head, skipped, nil
			} else if err != nil {
				return nil, 0, fmt.Errorf("cvimage: read image %s: %w", quote.Name(name), err)
			}
			continue
		}
		scan := p[1] == 0xda // (p is r's buffer, which keep reads over)
		more, err := keep(n)
		if err != nil {
			return nil, 0, fmt.Errorf("cvimage: read image %s: %w", quote.Name(name), err)
		}
		if !more || scan {
			return head, skipped, nil
		}
	}
}

// readJPEGConfig reads a JPEG's header from r (readJPEGHead) and decodes its dimensions from it.
func readJPEGConfig(r *bufio.Reader, name string) (head []byte, skipped int64, cfg image.Config, err error) {
	if head, skipped, err = readJPEGHead(r, name); err != nil {
		return nil, 0, image.Config{}, err
	}
	if cfg, err = jpeg.DecodeConfig(bytes.NewReader(head)); err != nil {
		return nil, 0, image.Config{}, fmt.Errorf("cvimage: image %s: cannot decode header: %w", quote.Name(name), err)
	}
	return head, skipped, cfg, nil
}

// readEncoded returns head followed by the rest of a w x h JPEG's or WebP's bytes from r, read
// into one buffer up to maxEncodedBytes, less the skipped bytes already read and not kept in head
// (readJPEGHead's); more is an error naming the file.
func readEncoded(head []byte, skipped int64, r io.Reader, name, format string, w, h int) ([]byte, error) {
	limit := maxEncodedBytes(w, h) - skipped
	buf := bytes.NewBuffer(head)
	if _, err := buf.ReadFrom(io.LimitReader(r, limit+1-int64(buf.Len()))); err != nil {
		return nil, fmt.Errorf("cvimage: read image %s: %w", quote.Name(name), err)
	}
	if int64(buf.Len()) > limit {
		return nil, fmt.Errorf("cvimage: image %s (%s): more than %d MiB, more than a %dx%d image's data and metadata take (a file padded or damaged?)",
			quote.Name(name), format, maxEncodedBytes(w, h)>>20, w, h)
	}
	return buf.Bytes(), nil
}
