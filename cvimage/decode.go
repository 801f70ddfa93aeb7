package cvimage

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"net/http"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/disintegration/imaging"
	"golang.org/x/image/tiff"

	"github.com/shuffledet/shuffledet/internal/quote"
	"github.com/shuffledet/shuffledet/transform"
)

// Warnings receives a line, naming the file, for each JPEG decoded despite a warning of
// libjpeg-turbo's: mostly damaged data ("Corrupt JPEG data: premature end of data segment"),
// which it decodes as far as the data goes (the rest grey), as PIL decodes such a file (ReadFit
// and DecodeFit pass the line to WarnTo's function instead, where given). Standard error unless
// set (before any decoding starts; io.Discard silences it). Only cgo builds decode such JPEGs:
// Go's image/jpeg, which the build without cgo uses, refuses them with an error naming the file.
var Warnings io.Writer = os.Stderr

// isWebP reports whether a file's first bytes are a WebP's RIFF header (decoded by OpenCV, in
// the cgo build only).
func isWebP(head []byte) bool {
	return len(head) >= 12 && bytes.Equal(head[:4], []byte("RIFF")) && bytes.Equal(head[8:12], []byte("WEBP"))
}

// openGo decodes the image file at path with Go's decoders (JPEG, PNG, GIF, TIFF or BMP):
// without cgo, every image; with it, all but JPEGs and WebPs. It applies a JPEG's EXIF
// orientation as PIL's exif_transpose finds it (readJPEGHeader; only a JPEG's: PIL's
// exif_transpose also reads PNG's eXIf chunk and TIFF's orientation tag, left as stored). The dimensions in the header are checked against
// transform.MaxSide and transform.MaxPixels before the pixels are decoded, so a hostile header
// cannot make it allocate more than an image of MaxPixels takes (about 800 MB at 8 bytes a pixel, 16-bit RGBA;
// a copy more where the image is turned or its alpha divided out; for a TIFF, also the file
// itself, read into memory, at most maxTIFFBytes). That bounds the decoding only: what the
// caller makes of the image (detect's 8-bit frame, its Mat) comes on top, so a 100 MP 16-bit
// RGBA PNG peaks near 1.9 GB in detect, an 8-bit grey one near 1.2 GB. Errors name the file.
func openGo(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cvimage: open image: %w", quote.Err(err))
	}
	defer f.Close()
	return decodeGo(f, path)
}

// decodeGo is openGo for an image read from r once, start to end (a pipe, a network body),
// errors naming it name.
func decodeGo(r io.Reader, name string) (image.Image, error) {
	if r == nil {
		return nil, fmt.Errorf("cvimage: image %s: nil io.Reader", quote.Name(name))
	}
	br := bufio.NewReader(r)
	if err := peekHead(br, name); err != nil {
		return nil, err
	}
	var img image.Image
	if magic, _ := br.Peek(4); bytes.Equal(magic, []byte("II*\x00")) || bytes.Equal(magic, []byte("MM\x00*")) {
		var err error
		if img, err = decodeTIFF(br, name); err != nil {
			return nil, err
		}
	} else if bytes.HasPrefix(magic, []byte{0xff, 0xd8}) { // a JPEG, as image.DecodeConfig tells one
		var err error
		if img, err = decodeJPEGGo(br, name); err != nil {
			return nil, err
		}
	} else {
		// The header is read first, for its dimensions; the bytes it took are then read again
		// from head, not by seeking back, which a pipe cannot do.
		head, cfg, format, err := readConfig(br, name)
		if err != nil {
			return nil, err
		}
		if err := transform.CheckSize(cfg.Width, cfg.Height); err != nil {
			return nil, fmt.Errorf("cvimage: image %s (%s): %w", quote.Name(name), format, err)
		}
		if img, err = imaging.Decode(io.MultiReader(bytes.NewReader(head), br)); err != nil {
			return nil, fmt.Errorf("cvimage: image %s (%s): cannot decode: %w", quote.Name(name), format, err)
		}
		if p, ok := img.(*image.Paletted); ok && format == "gif" {
			img = onScreen(p, cfg.Width, cfg.Height)
		}
		// The header's size is not the picture's: a GIF's first frame can be any rectangle of its
		// screen, an empty one too (Go's decoder returns it).
		b := img.Bounds()
		if err := transform.CheckSize(b.Dx(), b.Dy()); err != nil {
			return nil, fmt.Errorf("cvimage: image %s (%s): its picture is %dx%d: %w", quote.Name(name), format, b.Dx(), b.Dy(), err)
		}
	}
	// A TIFF with associated alpha decodes premultiplied (RGBA); PIL's convert("RGB") divides
	// the alpha out, while the RGBA fast path takes the colours as they are (opaque, as every
	// other decoder's RGBA is).
	switch rgba := img.(type) {
	case *image.RGBA:
		if !rgba.Opaque() {
			img = imaging.Clone(img) // non-premultiplied NRGBA
		}
	case *image.RGBA64:
		if !rgba.Opaque() {
			img = imaging.Clone(img)
		}
	}
	return img, nil
}

// peekHead buffers r's first bytes (as many as a format's magic takes) and returns the read's
// error, if any but the end of the data: the format checks that follow ignore it, and reported
// a lost connection, or a folder given as a file, as an empty file or its first bytes as text.
func peekHead(r *bufio.Reader, name string) error {
	if _, err := r.Peek(headBytes); err != nil && err != io.EOF {
		return fmt.Errorf("cvimage: read image %s: %w", quote.Name(name), quote.Err(err))
	}
	return nil
}

// headBytes is how many bytes peekHead buffers: every format's magic, and a WebP's header
// (webpHeaderLen).
const headBytes = 32

// readConfig reads the header of an image file other than a TIFF or a JPEG from r and decodes
// its dimensions and format from it: a PNG's as readPNGHead keeps it (the chunks the decoder
// passes over dropped), another's as image.DecodeConfig reads it (a GIF's or BMP's screen or
// info header, and palette: at most a few KiB, with what image.DecodeConfig buffers beyond it).
// head is what the decoder is to read again before the rest of r; a header of more than
// maxHeaderBytes is refused.
func readConfig(r *bufio.Reader, name string) (head []byte, cfg image.Config, format string, err error) {
	if magic, _ := r.Peek(len(pngSignature)); string(magic) == pngSignature {
		if head, err = readPNGHead(r, name); err != nil {
			return nil, image.Config{}, "", err
		}
		if cfg, err = png.DecodeConfig(bytes.NewReader(head)); err != nil {
			if err == png.UnsupportedError("dimension overflow") {
				return nil, image.Config{}, "", pngTooLarge(head, name)
			}
			return nil, image.Config{}, "", fmt.Errorf("cvimage: image %s: cannot decode header: %w", quote.Name(name), err)
		}
		return head, cfg, "png", nil
	}
	var buf bytes.Buffer
	cfg, format, err = image.DecodeConfig(io.TeeReader(io.LimitReader(r, maxHeaderBytes+1), &buf))
	if err != nil {
		if buf.Len() > maxHeaderBytes {
			return nil, image.Config{}, "", headerTooLarge(name)
		}
		if isWebP(buf.Bytes()) {
			return nil, image.Config{}, "", fmt.Errorf("cvimage: image %s: WebP is decoded by the OpenCV (cgo) build only (cvimage.Open)", quote.Name(name))
		}
		if buf.Len() == 0 {
			return nil, image.Config{}, "", fmt.Errorf("cvimage: image %s: empty file", quote.Name(name))
		}
		if v := videoContainer(buf.Bytes()); v != "" {
			return nil, image.Config{}, "", fmt.Errorf("cvimage: image %s: not an image but a video (%s): an image's extension does not make it one; give it a video's (.mp4, .mkv, ...)", quote.Name(name), v)
		}
		if what := textContent(buf.Bytes()); what != "" {
			return nil, image.Config{}, "", fmt.Errorf("cvimage: image %s: not an image but %s", quote.Name(name), what)
		}
		return nil, image.Config{}, "", fmt.Errorf("cvimage: image %s: cannot decode header: %w", quote.Name(name), err)
	}
	return buf.Bytes(), cfg, format, nil
}

// decodeJPEGGo is decodeGo for a JPEG: its header read first (readJPEGHead, the metadata Go's
// decoder does not read passed over) and its dimensions checked before the rest is read, then
// the whole read into memory for its EXIF orientation, as PIL finds it (readJPEGHeader).
func decodeJPEGGo(r *bufio.Reader, name string) (image.Image, error) {
	head, skipped, cfg, err := readJPEGConfig(r, name)
	if err != nil {
		return nil, err
	}
	if err := transform.CheckSize(cfg.Width, cfg.Height); err != nil {
		return nil, fmt.Errorf("cvimage: image %s (jpeg): %w", quote.Name(name), err)
	}
	data, err := readEncoded(head, skipped, r, name, "jpeg", cfg.Width, cfg.Height)
	if err != nil {
		return nil, err
	}
	img, err := imaging.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("cvimage: image %s (jpeg): cannot decode: %w", quote.Name(name), err)
	}
	return orientGo(img, readJPEGHeader(data).orientation), nil
}

// onScreen returns a GIF's first frame f on its w x h screen, as PIL opens it: the screen's other
// pixels are palette entry 0, or the transparent one where the frame has one (Go's decoder
// returns the frame's rectangle alone, so a frame smaller than its screen came out at its own
// size, its boxes in its own pixels). A frame that covers its screen is returned as it is.
func onScreen(f *image.Paletted, w, h int) image.Image {
	screen := image.Rect(0, 0, w, h)
	if f.Rect == screen {
		return f
	}
	out := image.NewPaletted(screen, f.Palette)
	for i, c := range f.Palette {
		if _, _, _, a := c.RGBA(); a == 0 { // the transparent entry (Go's decoder clears its colour)
			for k := range out.Pix {
				out.Pix[k] = uint8(i)
			}
			break
		}
	}
	r := f.Rect.Intersect(screen)
	for y := r.Min.Y; y < r.Max.Y; y++ { // the indices as they are (draw.Draw would match colours)
		copy(out.Pix[out.PixOffset(r.Min.X, y):out.PixOffset(r.Max.X, y)], f.Pix[f.PixOffset(r.Min.X, y):])
	}
	return out
}

// maxTIFFBytes is the largest TIFF file decodeGo reads: 100 MP (transform.MaxPixels) of uncompressed 16-bit
// RGBA, 8 bytes a pixel, and 64 MiB for the rest.
const maxTIFFBytes = 8*transform.MaxPixels + 64<<20

// decodeTIFF decodes a TIFF from memory: its offsets point anywhere in the file, and the TIFF
// decoder given a stream (as image.Decode gives it one) buffers it up to the largest offset it is
// asked for, so a 300-byte file with an offset near 4 GiB made it allocate 4 GiB. Read from memory,
// an offset past the end is an error at once.
func decodeTIFF(r io.Reader, name string) (image.Image, error) {
	data, err := readChunks(r, maxTIFFBytes)
	if err != nil {
		return nil, fmt.Errorf("cvimage: read image %s: %w", quote.Name(name), err)
	}
	if data.size > maxTIFFBytes {
		return nil, fmt.Errorf("cvimage: image %s (tiff): %w: a file of more than %d bytes", quote.Name(name), transform.ErrImageTooLarge, maxTIFFBytes)
	}
	dir, err := readTIFFDir(data)
	if err != nil {
		return nil, fmt.Errorf("cvimage: image %s (tiff): %w", quote.Name(name), err)
	}
	cfg, err := tiff.DecodeConfig(io.NewSectionReader(data, 0, data.size))
	if err != nil {
		return nil, fmt.Errorf("cvimage: image %s: cannot decode header: %w", quote.Name(name), err)
	}
	if err := transform.CheckSize(cfg.Width, cfg.Height); err != nil {
		return nil, fmt.Errorf("cvimage: image %s (tiff): %w", quote.Name(name), err)
	}
	if err := checkTIFFBlocks(data, dir, cfg.Width, cfg.Height); err != nil {
		return nil, fmt.Errorf("cvimage: image %s (tiff): %w", quote.Name(name), err)
	}
	img, err := tiff.Decode(io.NewSectionReader(data, 0, data.size))
	if err != nil {
		return nil, fmt.Errorf("cvimage: image %s (tiff): cannot decode: %w", quote.Name(name), err)
	}
	return img, nil
}

// chunkSize is the size of the pieces readChunks reads a file into.
const chunkSize = 256 << 10

// chunks is a file's bytes in memory, in pieces of chunkSize (the last one shorter): read into
// one growing slice (io.ReadAll), a TIFF stream of maxTIFFBytes held more than twice that at
// once, 2 GB, as the slice was copied into a larger one.
type chunks struct {
	parts [][]byte
	size  int64
}

// readChunks reads r to its end, or to more than limit bytes (size then says so).
func readChunks(r io.Reader, limit int64) (*chunks, error) {
	c := &chunks{}
	for c.size <= limit {
		buf := make([]byte, chunkSize)
		n, err := io.ReadFull(r, buf)
		if n > 0 {
			c.parts = append(c.parts, buf[:n])
			c.size += int64(n)
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	return c, nil
}

// ReadAt implements io.ReaderAt.
func (c *chunks) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("negative offset")
	}
	n := 0
	for n < len(p) && off < c.size {
		k := copy(p[n:], c.parts[off/chunkSize][off%chunkSize:])
		n, off = n+k, off+int64(k)
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// videoContainer names the video container whose signature a file's first bytes hold (MP4 or
// MOV, Matroska or WebM, AVI, MPEG-TS), "" for none: a video named like an image.
func videoContainer(head []byte) string {
	switch {
	case len(head) >= 12 && string(head[4:8]) == "ftyp":
		return "MP4 or MOV"
	case bytes.HasPrefix(head, []byte{0x1a, 0x45, 0xdf, 0xa3}):
		return "Matroska or WebM"
	case len(head) >= 12 && string(head[:4]) == "RIFF" && string(head[8:12]) == "AVI ":
		return "AVI"
	case len(head) > 3*188 && head[0] == 0x47 && head[188] == 0x47 && head[2*188] == 0x47 && head[3*188] == 0x47:
		return "MPEG-TS"
	}
	return ""
}

// maxQuoted is how many characters of a page's title or a text's first line textContent quotes.
const maxQuoted = 80

// textContent says what a file's first bytes hold where they sniff as a web page or text
// (http.DetectContentType): an HTML page, by its title where the head holds one, or text, by its
// first line (a login or error page served at an image's URL, or saved under an image's name);
// "" otherwise.
func textContent(head []byte) string {
	switch ct := http.DetectContentType(head); {
	case strings.HasPrefix(ct, "text/html"):
		lower := asciiLower(head) // (not bytes.ToLower: it widens bytes that are not UTF-8, and its offsets index head)
		if i := bytes.Index(lower, []byte("<title>")); i >= 0 {
			title := head[i+len("<title>"):]
			if j := bytes.Index(lower[i:], []byte("</title>")); j >= 0 {
				title = head[i+len("<title>") : i+j]
			}
			if t := strings.Join(strings.Fields(string(title)), " "); t != "" {
				return fmt.Sprintf("an HTML page titled %s (a login or error page?)", quoteStart(t))
			}
		}
		return "an HTML page (a login or error page?)"
	case strings.HasPrefix(ct, "text/plain"):
		line, _, _ := strings.Cut(string(head), "\n")
		if line = strings.TrimSpace(line); line != "" {
			return "text: " + quoteStart(line)
		}
		return "text"
	}
	return ""
}

// asciiLower returns a copy of b with its ASCII capitals lowered, every other byte as it is, so
// that an offset in it is one in b.
func asciiLower(b []byte) []byte {
	lower := bytes.Clone(b)
	for i, c := range lower {
		if 'A' <= c && c <= 'Z' {
			lower[i] = c + 'a' - 'A'
		}
	}
	return lower
}

// quoteStart quotes s's first maxQuoted characters as Go quotes a string (a control character
// cannot reach the terminal), "..." after them where s runs on.
func quoteStart(s string) string {
	if utf8.RuneCountInString(s) <= maxQuoted {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("%q...", string([]rune(s)[:maxQuoted]))
}
