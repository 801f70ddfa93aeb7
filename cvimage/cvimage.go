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

	"github.com/shuffledet/shuffledet/internal/quote"
	"github.com/shuffledet/shuffledet/transform"
)

// Decoders names what reads images in this build: libjpeg-turbo (the headers it was built
// with) and OpenCV, through gocv, with their versions (for -version).
func Decoders() string {
	return libjpegVersion() + ", OpenCV " + gocv.OpenCVVersion() + " (gocv " + gocv.Version() + ")"
}

// Open decodes the image file at path, applying a JPEG's EXIF orientation. JPEGs are decoded by
// libjpeg-turbo as OpenCV decodes them, WebPs by OpenCV (libwebp), into an opaque *image.NRGBA; other formats by Go, as
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

// toImage is Open's and Decode's image from readFile's results: other as it is, enc decoded
// (decodeEncoded) into an *image.NRGBA.
func toImage(path string, enc encoded, other image.Image, err error) (image.Image, error) {
	if err != nil || other != nil {
		return other, err
	}
	m, err := decodeEncoded(path, enc, nil)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	w, h := m.Cols(), m.Rows()
	pix, err := m.DataPtrUint8()
	if err != nil {
		return nil, fmt.Errorf("cvimage: image %s: %w", quote.Name(path), err)
	}
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i, o := 0, 0; i < w*h*3; i, o = i+3, o+4 {
		img.Pix[o], img.Pix[o+1], img.Pix[o+2], img.Pix[o+3] = pix[i+2], pix[i+1], pix[i], 0xff
	}
	return img, nil
}

// Read decodes the image file at path into a new 8-bit BGR gocv.Mat (OpenCV's layout), applying
// a JPEG's EXIF orientation; the caller closes it. JPEGs and WebPs are decoded as Open decodes them; other
// formats by Go and copied in (alpha dropped, the stored colour kept, as PIL's convert("RGB")
// does).
func Read(path string) (gocv.Mat, error) {
	enc, img, err := readFile(path, false)
	if err != nil {
		return gocv.Mat{}, err
	}
	if img == nil {
		return decodeEncoded(path, enc, nil)
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
		return gocv.Mat{}, fmt.Errorf("cvimage: image %s: %w", quote.Name(path), err)
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
// mean of a 2x2, 4x4 or 8x8 block, in a fraction of the time and memory; a progressive or
// multi-scan JPEG only where its coefficients fit in 800 MB); scale is then 2, 4 or
// 8, the file's pixels per pixel of m (1 for an image read whole), and full its size in the
// file. A detector downsizes such photos to a few hundred pixels anyway; its boxes, times
// scale, are in the file's pixels.
func ReadFit(path string, opts ...FitOption) (m gocv.Mat, scale int, full image.Point, err error) {
	enc, img, err := readFile(path, true)
	return fitted(path, enc, img, err, opts)
}

// DecodeFit is ReadFit for an image read from r once, start to end (one fetched over HTTP); name
// names it in errors. Its pixels are those ReadFit gives for the same bytes in a file.
func DecodeFit(r io.Reader, name string, opts ...FitOption) (m gocv.Mat, scale int, full image.Point, err error) {
	enc, img, err := readFrom(r, name, true)
	return fitted(name, enc, img, err, opts)
}

// A FitOption changes how ReadFit and DecodeFit report on the image they read.
type FitOption func(*fitOptions)

type fitOptions struct {
	warn func(line string)
}

// WarnTo makes ReadFit or DecodeFit pass the line libjpeg's warning about the image gives (the
// one Warnings would get, naming the image, without its newline) to f instead of writing it to
// Warnings: what a caller that logs and counts such images (pipeline.Images) needs.
func WarnTo(f func(line string)) FitOption { return func(o *fitOptions) { o.warn = f } }

// fitted is ReadFit's and DecodeFit's Mat from readFrom's results.
func fitted(path string, enc encoded, img image.Image, err error, opts []FitOption) (gocv.Mat, int, image.Point, error) {
	if err != nil {
		return gocv.Mat{}, 0, image.Point{}, err
	}
	if img != nil {
		m, err := matFrom(path, img)
		if err != nil {
			return gocv.Mat{}, 0, image.Point{}, err
		}
		return m, 1, image.Pt(m.Cols(), m.Rows()), nil
	}
	var o fitOptions
	for _, opt := range opts {
		opt(&o)
	}
	m, err := decodeEncoded(path, enc, o.warn)
	if err != nil {
		return gocv.Mat{}, 0, image.Point{}, err
	}
	if enc.scale == 0 {
		return m, 1, image.Pt(m.Cols(), m.Rows()), nil
	}
	if enc.orientation >= 5 { // turned a quarter: its full size too
		enc.full = image.Pt(enc.full.Y, enc.full.X)
	}
	return m, enc.scale, enc.full, nil
}

// encoded is an image file's bytes for libjpeg-turbo or OpenCV to decode (decodeEncoded), in format "jpeg" or "webp", at 1/scale
// of its size (full) when scale > 1.
type encoded struct {
	format      string
	data        []byte
	scale       int
	full        image.Point
	orientation int // a JPEG's EXIF orientation as PIL reads it (readJPEGHeader), 1 for a WebP
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
// any other format decoded by decodeGo (which checks them itself). A JPEG's header, up to its
// first scan, is read first (readJPEGHead: at most maxHeaderBytes, the metadata OpenCV does not
// read passed over, not kept) and walked for its dimensions, its EXIF orientation and what is
// checked before OpenCV decodes it: the coefficients it takes read reduced (checkScans, before
// the rest of the file is read), and, once it is read, its end. One
// cut short is refused (libjpeg only warns, and fills the missing rows with grey; PIL, which the
// reference decodes with, refuses it too).
func readFile(path string, fit bool) (enc encoded, other image.Image, err error) {
	f, err := os.Open(path)
	if err != nil {
		return encoded{}, nil, fmt.Errorf("cvimage: open image: %w", quote.Err(err))
	}
	defer f.Close()
	return readFrom(f, path, fit)
}

// readFrom is readFile for an image read from r, named path in errors.
func readFrom(r io.Reader, path string, fit bool) (enc encoded, other image.Image, err error) {
	if r == nil {
		return encoded{}, nil, fmt.Errorf("cvimage: image %s: nil io.Reader", quote.Name(path))
	}
	br := bufio.NewReader(r)
	if err := peekHead(br, path); err != nil {
		return encoded{}, nil, err
	}
	var w, h int
	var skipped int64 // bytes of a JPEG's header read and not kept (readJPEGHead)
	if magic, _ := br.Peek(webpHeaderLen); bytes.HasPrefix(magic, []byte{0xff, 0xd8, 0xff}) {
		var cfg image.Config
		if enc.data, skipped, cfg, err = readJPEGConfig(br, path); err != nil {
			return encoded{}, nil, err
		}
		enc.format, w, h = "jpeg", cfg.Width, cfg.Height
	} else if isWebP(magic) {
		if w, h, err = webpSize(magic); err != nil {
			return encoded{}, nil, fmt.Errorf("cvimage: image %s (webp): cannot decode header: %w", quote.Name(path), err)
		}
		if webpAnimated(magic) { // (OpenCV's decoder returns nothing for one, without a word)
			return encoded{}, nil, fmt.Errorf("cvimage: image %s (webp): an animated WebP, which OpenCV does not decode: convert it to a video or its first frame to an image", quote.Name(path))
		}
		enc.format = "webp"
	} else {
		other, err := decodeGo(br, path)
		return encoded{}, other, err
	}
	if err := transform.CheckSize(w, h); err != nil {
		sc := fitScale(w, h)
		if !fit || enc.format != "jpeg" || sc == 0 {
			return encoded{}, nil, fmt.Errorf("cvimage: image %s (%s): %w", quote.Name(path), enc.format, err)
		}
		enc.scale, enc.full = sc, image.Pt(w, h)
	}
	var j jpegHeader
	if enc.format == "jpeg" { // its header checked before the rest is read
		j = readJPEGHeader(enc.data)
		if err := j.checkScans(path, w, h, enc.scale); err != nil {
			return encoded{}, nil, err
		}
	}
	if enc.data, err = readEncoded(enc.data, skipped, br, path, enc.format, w, h); err != nil {
		return encoded{}, nil, err
	}
	enc.orientation = 1
	if enc.format == "jpeg" {
		// The end-of-image marker (FF D9) after the start of the first scan: within the
		// entropy-coded data an FF byte is always followed by 00 or a marker, so FF D9 there is
		// the image's end (one in an EXIF thumbnail, a whole JPEG inside APP1, is before it).
		if j.scan < 0 || !bytes.Contains(enc.data[j.scan+2:], []byte{0xff, 0xd9}) {
			return encoded{}, nil, fmt.Errorf("cvimage: image %s (jpeg): truncated: its image data has no end-of-image marker", quote.Name(path))
		}
		enc.orientation = j.orientation
	}
	return enc, nil, nil
}

// decodeEncoded decodes a JPEG's or WebP's bytes, as readFrom read and checked them, into a
// BGR Mat, a JPEG's EXIF orientation applied. A JPEG is decoded by libjpeg-turbo as OpenCV
// decodes it (decodeJPEG), its damaged data before its end marker as far as it goes, as PIL
// decodes it, with libjpeg's warning, naming the file, passed to warn (nil: written to
// Warnings). A WebP is decoded by OpenCV's libwebp with its default settings, as PIL decodes it.
func decodeEncoded(path string, enc encoded, warn func(line string)) (gocv.Mat, error) {
	if enc.format == "jpeg" {
		m, warning, err := decodeJPEG(enc.data, max(1, enc.scale))
		if err != nil {
			return gocv.Mat{}, fmt.Errorf("cvimage: image %s (jpeg): cannot decode: %w", quote.Name(path), err)
		}
		if warning != "" {
			// (Most of libjpeg's warnings are of damaged data; a few of oddities it decodes past in
			// full, as "unknown JFIF revision number 2.01".)
			line := fmt.Sprintf("cvimage: image %s (jpeg): decoded despite libjpeg's warning (damaged data decodes as far as it goes): %s", quote.Name(path), warning)
			if warn == nil {
				fmt.Fprintln(Warnings, line)
			} else {
				warn(line)
			}
		}
		return oriented(m, enc.orientation), nil
	}
	m, err := gocv.IMDecode(enc.data, gocv.IMReadColor|gocv.IMReadIgnoreOrientation) // (a WebP has no EXIF orientation here: 1)
	if err != nil {
		return gocv.Mat{}, fmt.Errorf("cvimage: image %s (%s): cannot decode: %w", quote.Name(path), enc.format, err)
	}
	if m.Empty() || m.Type() != gocv.MatTypeCV8UC3 {
		m.Close()
		return gocv.Mat{}, fmt.Errorf("cvimage: image %s (%s): cannot decode: OpenCV returned no image", quote.Name(path), enc.format)
	}
	return oriented(m, enc.orientation), nil
}

// oriented returns m turned for EXIF orientation o (orientMat), closing m, or m itself for o <= 1.
func oriented(m gocv.Mat, o int) gocv.Mat {
	if o <= 1 {
		return m
	}
	turned := orientMat(m, o)
	m.Close()
	return turned
}

// orientMat returns m turned as PIL's ImageOps.exif_transpose turns an image of EXIF orientation
// o (2-8), in a new Mat.
func orientMat(m gocv.Mat, o int) gocv.Mat {
	dst := gocv.NewMat()
	switch o {
	case 2: // FLIP_LEFT_RIGHT
		gocv.Flip(m, &dst, 1)
	case 3: // ROTATE_180
		gocv.Rotate(m, &dst, gocv.Rotate180Clockwise)
	case 4: // FLIP_TOP_BOTTOM
		gocv.Flip(m, &dst, 0)
	case 5: // TRANSPOSE
		gocv.Transpose(m, &dst)
	case 6: // ROTATE_270 (counter-clockwise)
		gocv.Rotate(m, &dst, gocv.Rotate90Clockwise)
	case 7: // TRANSVERSE: transposed, then turned half way
		gocv.Transpose(m, &dst)
		gocv.Flip(dst, &dst, -1)
	case 8: // ROTATE_90 (counter-clockwise)
		gocv.Rotate(m, &dst, gocv.Rotate90CounterClockwise)
	default:
		m.CopyTo(&dst)
	}
	return dst
}
