//go:build cgo && !noopencv

package cvimage

import (
	"bufio"
	"bytes"
	"fmt"
	"image"
	"io"
	"os"

	"github.com/disintegration/imaging"
	"gocv.io/x/gocv"

	"github.com/shuffledet/shuffledet/transform"
)

// Open decodes the image file at path, applying a JPEG's EXIF orientation. JPEGs and WebPs are
// decoded by OpenCV (libjpeg-turbo, libwebp) into an opaque *image.NRGBA; other formats by Go, as
// the build without cgo decodes them (decode.go). Errors name the file.
func Open(path string) (image.Image, error) {
	enc, other, err := readFile(path, false)
	return toImage(path, enc, other, err)
}

// Decode is Open for an image read from r once, start to end (an upload's body, a []byte
// through bytes.NewReader); name names it in errors. The same formats, EXIF orientation and
// limits (the header's dimensions checked before anything is decoded: a 65-byte PNG that claims
// 30000x30000 is refused, where image.Decode would try to allocate 3.6 GB).
func Decode(r io.Reader, name string) (image.Image, error) {
	enc, other, err := readFrom(r, name, false)
	return toImage(name, enc, other, err)
}

// toImage is Open's and Decode's image from readFile's results: other as it is, enc decoded by
// OpenCV into an *image.NRGBA.
func toImage(path string, enc encoded, other image.Image, err error) (image.Image, error) {
	if err != nil || other != nil {
		return other, err
	}
	m, err := decodeWithOpenCV(path, enc)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	w, h := m.Cols(), m.Rows()
	pix, err := m.DataPtrUint8()
	if err != nil {
		return nil, fmt.Errorf("cvimage: image %s: %w", path, err)
	}
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i, o := 0, 0; i < w*h*3; i, o = i+3, o+4 {
		img.Pix[o], img.Pix[o+1], img.Pix[o+2], img.Pix[o+3] = pix[i+2], pix[i+1], pix[i], 0xff
	}
	return img, nil
}

// Read decodes the image file at path into a new 8-bit BGR gocv.Mat (OpenCV's layout), applying
// a JPEG's EXIF orientation; the caller closes it. JPEGs and WebPs are decoded by OpenCV; other
// formats by Go and copied in (alpha dropped, the stored colour kept, as PIL's convert("RGB")
// does).
func Read(path string) (gocv.Mat, error) {
	enc, img, err := readFile(path, false)
	if err != nil {
		return gocv.Mat{}, err
	}
	if img == nil {
		return decodeWithOpenCV(path, enc)
	}
	return matFrom(path, img)
}

// matFrom copies img into a new BGR Mat.
func matFrom(path string, img image.Image) (gocv.Mat, error) {
	n := imaging.Clone(img) // *image.NRGBA at the origin: un-premultiplied colour
	w, h := n.Rect.Dx(), n.Rect.Dy()
	m := gocv.NewMatWithSize(h, w, gocv.MatTypeCV8UC3)
	pix, err := m.DataPtrUint8()
	if err != nil {
		m.Close()
		return gocv.Mat{}, fmt.Errorf("cvimage: image %s: %w", path, err)
	}
	for y := range h {
		src := n.Pix[y*n.Stride : y*n.Stride+4*w]
		dst := pix[y*3*w : (y+1)*3*w]
		for x := range w {
			dst[3*x], dst[3*x+1], dst[3*x+2] = src[4*x+2], src[4*x+1], src[4*x]
		}
	}
	return m, nil
}

// ReadFit decodes the image file at path as Read does, except that a JPEG over
// transform.MaxPixels (a 108 or 200 megapixel phone photo), which Read refuses, is decoded at
// 1/2, 1/4 or 1/8 of its size, the least of libjpeg's scaled decodings that fits (each pixel the
// mean of a 2x2, 4x4 or 8x8 block, in a fraction of the time and memory); scale is then 2, 4 or
// 8, the file's pixels per pixel of m (1 for an image read whole), and full its size in the
// file. A detector downsizes such photos to a few hundred pixels anyway; its boxes, times
// scale, are in the file's pixels.
func ReadFit(path string) (m gocv.Mat, scale int, full image.Point, err error) {
	enc, img, err := readFile(path, true)
	if err != nil {
		return gocv.Mat{}, 0, image.Point{}, err
	}
	if img != nil {
		if m, err = matFrom(path, img); err != nil {
			return gocv.Mat{}, 0, image.Point{}, err
		}
		return m, 1, image.Pt(m.Cols(), m.Rows()), nil
	}
	m, err = decodeWithOpenCV(path, enc)
	if err != nil {
		return gocv.Mat{}, 0, image.Point{}, err
	}
	if enc.scale == 0 {
		return m, 1, image.Pt(m.Cols(), m.Rows()), nil
	}
	// Turned by its EXIF orientation when the decoded size is the turned one only (a photo within
	// scale-1 pixels of square decodes to a square either way: taken as not turned, its full
	// size then off by under scale pixels on a side, if it was).
	full, sc := enc.full, enc.scale
	if m.Cols() == (full.Y+sc-1)/sc && m.Rows() == (full.X+sc-1)/sc && m.Cols() != (full.X+sc-1)/sc {
		enc.full = image.Pt(full.Y, full.X)
	}
	return m, enc.scale, enc.full, nil
}

// encoded is an image file's bytes for OpenCV to decode, in format "jpeg" or "webp", at 1/scale
// of its size (full) when scale > 1.
type encoded struct {
	format string
	data   []byte
	scale  int
	full   image.Point
}

// fitScale returns the least of libjpeg's scaled decodings (1/2, 1/4, 1/8: ceil(w/s) x ceil(h/s))
// that brings a w x h JPEG within transform's limits, 0 for none.
func fitScale(w, h int) int {
	for _, s := range []int{2, 4, 8} {
		if transform.CheckSize((w+s-1)/s, (h+s-1)/s) == nil {
			return s
		}
	}
	return 0
}

// readFile reads the image file at path once, start to end (no seeking back: it may be a pipe):
// a JPEG's or WebP's bytes, the dimensions in its header checked before the rest is read (a JPEG
// too large for transform's limits taken at a scale that fits, fitScale, when fit is set), or
// any other format decoded by decodeGo (which checks them itself).
func readFile(path string, fit bool) (enc encoded, other image.Image, err error) {
	f, err := os.Open(path)
	if err != nil {
		return encoded{}, nil, fmt.Errorf("cvimage: open image: %w", err)
	}
	defer f.Close()
	return readFrom(f, path, fit)
}

// readFrom is readFile for an image read from r, named path in errors.
func readFrom(r io.Reader, path string, fit bool) (enc encoded, other image.Image, err error) {
	br := bufio.NewReader(r)
	var w, h int
	if magic, _ := br.Peek(webpHeaderLen); bytes.HasPrefix(magic, []byte{0xff, 0xd8, 0xff}) {
		var head bytes.Buffer
		cfg, _, err := image.DecodeConfig(io.TeeReader(br, &head))
		if err != nil {
			return encoded{}, nil, fmt.Errorf("cvimage: image %s: cannot decode header: %w", path, err)
		}
		enc.format, enc.data, w, h = "jpeg", head.Bytes(), cfg.Width, cfg.Height
	} else if isWebP(magic) {
		if w, h, err = webpSize(magic); err != nil {
			return encoded{}, nil, fmt.Errorf("cvimage: image %s (webp): cannot decode header: %w", path, err)
		}
		enc.format = "webp"
	} else {
		other, err := decodeGo(br, path)
		return encoded{}, other, err
	}
	if err := transform.CheckSize(w, h); err != nil {
		sc := fitScale(w, h)
		if !fit || enc.format != "jpeg" || sc == 0 {
			return encoded{}, nil, fmt.Errorf("cvimage: image %s (%s): %w", path, enc.format, err)
		}
		enc.scale, enc.full = sc, image.Pt(w, h)
	}
	limit := maxEncodedBytes(w, h)
	buf := bytes.NewBuffer(enc.data) // the header read so far, then the rest
	if _, err := buf.ReadFrom(io.LimitReader(br, limit+1-int64(buf.Len()))); err != nil {
		return encoded{}, nil, fmt.Errorf("cvimage: read image %s: %w", path, err)
	}
	if int64(buf.Len()) > limit {
		return encoded{}, nil, fmt.Errorf("cvimage: image %s (%s): more than %d MiB, more than a %dx%d image's data and metadata take (a file padded or damaged?)",
			path, enc.format, limit>>20, w, h)
	}
	enc.data = buf.Bytes()
	return enc, nil, nil
}

// maxEncodedBytes is the most bytes readFrom reads of a w x h JPEG or WebP: 4 a pixel (more than
// a JPEG of pure noise at quality 100 or a lossless WebP takes) and 64 MiB for the metadata
// (EXIF, embedded previews), at most that of transform.MaxPixels. A 2 GiB file, its image a
// small one, was read whole and aborted OpenCV's decoder.
func maxEncodedBytes(w, h int) int64 {
	return 4*min(int64(w)*int64(h), transform.MaxPixels) + 64<<20
}

// decodeWithOpenCV decodes a JPEG's or WebP's bytes with OpenCV into a BGR Mat, a JPEG's EXIF
// orientation applied. A JPEG cut short is refused (libjpeg only warns, and fills the missing
// rows with grey; PIL, which the reference decodes with, refuses it too); damaged data before the
// end marker is decoded as far as it goes with libjpeg's warning on standard error, as PIL
// decodes it. A WebP is decoded by libwebp with its default settings, as PIL decodes it.
func decodeWithOpenCV(path string, enc encoded) (gocv.Mat, error) {
	if enc.format == "jpeg" && !jpegComplete(enc.data) {
		return gocv.Mat{}, fmt.Errorf("cvimage: image %s (jpeg): truncated: its image data has no end-of-image marker", path)
	}
	flags := gocv.IMReadColor
	switch enc.scale {
	case 2:
		flags = gocv.IMReadReducedColor2
	case 4:
		flags = gocv.IMReadReducedColor4
	case 8:
		flags = gocv.IMReadReducedColor8
	}
	m, err := gocv.IMDecode(enc.data, flags)
	if err != nil {
		return gocv.Mat{}, fmt.Errorf("cvimage: image %s (%s): cannot decode: %w", path, enc.format, err)
	}
	if m.Empty() || m.Type() != gocv.MatTypeCV8UC3 {
		m.Close()
		return gocv.Mat{}, fmt.Errorf("cvimage: image %s (%s): cannot decode: OpenCV returned no image", path, enc.format)
	}
	return m, nil
}

// jpegComplete reports whether a JPEG's bytes hold an end-of-image marker (FF D9) after the start
// of its first scan: the marker segments before the scan are walked by their lengths (an EXIF
// thumbnail, a whole JPEG inside APP1, is skipped; stray bytes between segments are passed over,
// as libjpeg, PIL and Go's decoder pass them), and within the entropy-coded data an FF byte is
// always followed by 00 or a marker, so FF D9 there is the image's end.
func jpegComplete(data []byte) bool {
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
			return bytes.Contains(data[i+2:], []byte{0xff, 0xd9})
		case marker == 0x01 || marker >= 0xd0 && marker <= 0xd7: // no length
			i += 2
		default:
			if i+3 >= len(data) {
				return false
			}
			i += 2 + (int(data[i+2])<<8 | int(data[i+3]))
		}
	}
	return false
}
