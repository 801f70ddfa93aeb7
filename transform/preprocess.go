package transform

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"reflect"
	"slices"

	"github.com/shuffledet/shuffledet/internal/kernels"
	"github.com/shuffledet/shuffledet/parallel"
)

// Output is one preprocessed image, owned by the Preprocessor that made it and valid until that
// Preprocessor's next call.
type Output struct {
	// Data is the planar float32 [3, Height, Width] tensor (RGB, CHW), normalized, resized into the
	// top-left ResizedHeight x ResizedWidth corner and zero elsewhere.
	Data []float32
	// Height and Width are the padded size: multiples of Config.SizeDivisible.
	Height, Width int
	// ResizedHeight and ResizedWidth are the size of the image after resizing, before padding
	// (torchvision's image_sizes entry).
	ResizedHeight, ResizedWidth int
	// OrigHeight and OrigWidth are the size of the input image.
	OrigHeight, OrigWidth int
}

// Preprocessor turns images into the detector's input tensor. It keeps its output and scratch
// buffers between calls, so frames of a repeated size are processed without allocating. A
// Preprocessor is not safe for concurrent use; give each goroutine its own.
type Preprocessor struct {
	cfg    Config
	lut    [3][256]float32 // lut[c][v] = (float32(v)/255 - mean[c]) / std[c], torch's float32 ops
	pal    [256][3]byte    // the current *image.Paletted's palette as 8-bit RGB (nrgba of each entry)
	xa, ya axis
	xoff0  []int32 // a shrinking resize's byte offsets of xa.i0 * step within a row
	xoff1  []int32
	xkey   [3]int // (input width, output width, pixel step) the offsets were computed for
	pool   *parallel.Pool
	caches []rowCache // one per pool thread
	task   rowsTask
	data   []float32
	out    Output
	src    rowSource
}

// rowCache is one thread's working rows: the two horizontally resized input rows the output
// row being written interpolates between, a row of 8-bit RGB for the sources that convert, and
// an input row normalized.
type rowCache struct {
	rows   [2][]float32 // horizontally resized input rows, 3 planes of ResizedWidth each
	keys   [2]int       // input row held by rows[i], -1 if none
	rowBuf []byte
	norm   []float32 // an input row through the byte-to-float tables, 3 planes of the input width
}

// rowsTask writes output rows [lo, hi) of the padded tensor (parallel.Task).
type rowsTask struct {
	p      *Preprocessor
	rh, rw int // the resized image's size
	hp, wp int // the padded tensor's
}

// New returns a Preprocessor for cfg.
func New(cfg Config) (*Preprocessor, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	p := &Preprocessor{cfg: cfg}
	for c := range 3 {
		for v := range 256 {
			p.lut[c][v] = normalized(v, cfg.ImageMean[c], cfg.ImageStd[c])
		}
	}
	p.xa.in, p.ya.in = -1, -1
	p.caches = make([]rowCache, 1)
	p.task.p = p
	return p, nil
}

// SetPool makes p split each image's rows over pool's threads (nil: one thread), except for the
// image types that take the slow path (Image), which stay on the calling goroutine. The output
// does not depend on the thread count.
func (p *Preprocessor) SetPool(pool *parallel.Pool) {
	p.pool = pool
	p.caches = make([]rowCache, pool.Threads())
}

// Config returns the configuration p was built with.
func (p *Preprocessor) Config() Config { return p.cfg }

// source kinds
const (
	srcPacked = iota // rows are slices of pix with a fixed pixel step and channel offsets
	srcYCbCr
	srcPaletted      // pix holds palette indices (1 byte per pixel), mapped through Preprocessor.pal
	srcPremultiplied // pix holds premultiplied RGBA, 8 or 16 bits a channel (step 4 or 8): un-premultiplied
	srcGeneric
)

// rowSource yields the 8-bit rows of one input image.
type rowSource struct {
	kind   int
	pix    []byte
	stride int
	base   int    // offset of the first pixel of row 0
	step   int    // bytes per pixel in the rows returned by row
	off    [3]int // byte offset of R, G, B within a pixel
	pstep  int    // srcPremultiplied: bytes per pixel in pix (4 or 8)
	w      int
	ycc    *image.YCbCr
	img    image.Image
	minX   int
	minY   int
	sawNil bool // srcGeneric: At returned nil (read as black), first at nilAt
	nilAt  image.Point
}

// packed makes s a packed source: rows of stride bytes in pix from base, step bytes a pixel, R,
// G and B at offsets off within it.
func (s *rowSource) packed(pix []byte, stride, base, step int, off [3]int) {
	s.kind, s.pix, s.stride, s.base, s.step, s.off = srcPacked, pix, stride, base, step, off
}

// premultiplied turns s, a packed source of premultiplied RGBA pixels, into one whose rows are
// un-premultiplied into a buffer of 3 bytes a pixel.
func (s *rowSource) premultiplied() {
	s.kind, s.pstep, s.step, s.off = srcPremultiplied, s.step, 3, [3]int{0, 1, 2}
}

// row returns input row y as bytes with p.src.step bytes per pixel, converted into buf (3 bytes a
// pixel) where the source is not packed.
func (p *Preprocessor) row(y int, buf []byte) []byte {
	s := &p.src
	switch s.kind {
	case srcPacked:
		o := s.base + y*s.stride
		return s.pix[o : o+s.w*s.step]
	case srcPaletted:
		buf := buf[:3*s.w]
		o := s.base + y*s.stride
		for x, i := range s.pix[o : o+s.w] {
			c := &p.pal[i]
			buf[3*x], buf[3*x+1], buf[3*x+2] = c[0], c[1], c[2]
		}
		return buf
	case srcPremultiplied:
		buf := buf[:3*s.w]
		o := s.base + y*s.stride
		for x := range s.w {
			q := s.pix[o+x*s.pstep:]
			if s.pstep == 4 {
				buf[3*x], buf[3*x+1], buf[3*x+2] = unpremultiply(uint32(q[0])*0x101, uint32(q[1])*0x101, uint32(q[2])*0x101, uint32(q[3])*0x101)
			} else {
				buf[3*x], buf[3*x+1], buf[3*x+2] = unpremultiply(uint32(q[0])<<8|uint32(q[1]), uint32(q[2])<<8|uint32(q[3]),
					uint32(q[4])<<8|uint32(q[5]), uint32(q[6])<<8|uint32(q[7]))
			}
		}
		return buf
	case srcYCbCr:
		buf := buf[:3*s.w]
		m := s.ycc
		yy := s.minY + y
		for x := range s.w {
			xx := s.minX + x
			r, g, b := color.YCbCrToRGB(m.Y[m.YOffset(xx, yy)], m.Cb[m.COffset(xx, yy)], m.Cr[m.COffset(xx, yy)])
			buf[3*x], buf[3*x+1], buf[3*x+2] = r, g, b
		}
		return buf
	default:
		buf := buf[:3*s.w]
		yy := s.minY + y
		for x := range s.w {
			c := s.img.At(s.minX+x, yy)
			if c == nil { // a broken image type: an error once the rows are read, not a panic
				if !s.sawNil {
					s.sawNil, s.nilAt = true, image.Pt(s.minX+x, yy)
				}
				c = color.Black
			}
			buf[3*x], buf[3*x+1], buf[3*x+2] = nrgb(c)
		}
		return buf
	}
}

// nrgb returns the straight color of c with alpha dropped, as the fast paths read their types:
// a straight color's own channels (color.NRGBA, color.NRGBA64's high bytes, color.NYCbCrA's
// YCbCr color), another's un-premultiplied as color.NRGBAModel.Convert does, without boxing the
// result in an interface (which allocates). Through RGBA, which premultiplies, a translucent
// straight color would lose precision, and a transparent one turn black.
func nrgb(c color.Color) (r, g, b uint8) {
	switch n := c.(type) {
	case color.NRGBA:
		return n.R, n.G, n.B
	case color.NRGBA64:
		return uint8(n.R >> 8), uint8(n.G >> 8), uint8(n.B >> 8)
	case color.NYCbCrA:
		return color.YCbCrToRGB(n.Y, n.Cb, n.Cr)
	}
	return unpremultiply(c.RGBA())
}

// unpremultiply returns the 8-bit straight color of a 16-bit premultiplied one, as
// color.NRGBAModel computes it.
func unpremultiply(r32, g32, b32, a uint32) (r, g, b uint8) {
	switch a {
	case 0xffff:
		return uint8(r32 >> 8), uint8(g32 >> 8), uint8(b32 >> 8)
	case 0:
		return 0, 0, 0
	}
	r32 = (r32 * 0xffff) / a
	g32 = (g32 * 0xffff) / a
	b32 = (b32 * 0xffff) / a
	return uint8(r32 >> 8), uint8(g32 >> 8), uint8(b32 >> 8)
}

// Image preprocesses img. Fast paths, which allocate nothing once the Preprocessor's buffers fit,
// cover *image.RGBA, *image.NRGBA, *image.Gray, their 16-bit forms *image.RGBA64,
// *image.NRGBA64 and *image.Gray16 (each channel's high byte, as OpenCV and PIL reduce 16-bit
// color; PIL clips 16-bit gray, its mode I, to 255 instead), *image.YCbCr, *image.NYCbCrA and
// *image.Paletted. Every other type (*image.CMYK, *image.Alpha, custom types) takes the slow
// path: img.At per pixel converted as color.NRGBAModel does, which allocates for most types (At
// boxes each pixel's color). Alpha is dropped, the straight (un-premultiplied) color kept, as
// PIL's convert("RGB") keeps what a file stores: *image.NRGBA's channels as they are, a
// translucent *image.RGBA's or *image.RGBA64's un-premultiplied as color.NRGBAModel does (row
// by row, allocating nothing; an opaque one's read as they are), *image.NYCbCrA's YCbCr color,
// palette entries and slow-path colors likewise (a straight color's own channels, another's
// un-premultiplied as color.NRGBAModel does); every path gives the same pixels for the same
// picture.
func (p *Preprocessor) Image(img image.Image) (*Output, error) {
	if img == nil {
		return nil, fmt.Errorf("%w: nil image", ErrEmptyImage)
	}
	if v := reflect.ValueOf(img); v.Kind() == reflect.Pointer && v.IsNil() {
		return nil, fmt.Errorf("%w: nil %T", ErrEmptyImage, img) // its Bounds would dereference it
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if err := CheckSize(w, h); err != nil {
		return nil, err
	}
	s := rowSource{w: w, minX: b.Min.X, minY: b.Min.Y}
	var opaque func() bool // premultiplied alpha: un-premultiplied unless this says the image is opaque
	switch m := img.(type) {
	case *image.RGBA:
		s.packed(m.Pix, m.Stride, m.PixOffset(b.Min.X, b.Min.Y), 4, [3]int{0, 1, 2})
		opaque = m.Opaque
	case *image.NRGBA:
		s.packed(m.Pix, m.Stride, m.PixOffset(b.Min.X, b.Min.Y), 4, [3]int{0, 1, 2})
	case *image.Gray:
		s.packed(m.Pix, m.Stride, m.PixOffset(b.Min.X, b.Min.Y), 1, [3]int{0, 0, 0})
	// 16-bit channels are big-endian: each one's high byte is its 8-bit value.
	case *image.RGBA64:
		s.packed(m.Pix, m.Stride, m.PixOffset(b.Min.X, b.Min.Y), 8, [3]int{0, 2, 4})
		opaque = m.Opaque
	case *image.NRGBA64:
		s.packed(m.Pix, m.Stride, m.PixOffset(b.Min.X, b.Min.Y), 8, [3]int{0, 2, 4})
	case *image.Gray16:
		s.packed(m.Pix, m.Stride, m.PixOffset(b.Min.X, b.Min.Y), 2, [3]int{0, 0, 0})
	case *image.YCbCr:
		if err := checkYCbCr(m, img); err != nil {
			return nil, err
		}
		s.kind, s.ycc, s.step, s.off = srcYCbCr, m, 3, [3]int{0, 1, 2}
	case *image.NYCbCrA:
		// Alpha is ignored, so the embedded YCbCr is the image.
		if err := checkYCbCr(&m.YCbCr, img); err != nil {
			return nil, err
		}
		s.kind, s.ycc, s.step, s.off = srcYCbCr, &m.YCbCr, 3, [3]int{0, 1, 2}
	case *image.Paletted:
		if err := p.setPalette(m, w, h); err != nil {
			return nil, err
		}
		s.kind, s.pix, s.stride, s.base, s.step, s.off = srcPaletted, m.Pix, m.Stride, m.PixOffset(b.Min.X, b.Min.Y), 3, [3]int{0, 1, 2}
	default:
		s.kind, s.img, s.step, s.off = srcGeneric, img, 3, [3]int{0, 1, 2}
	}
	// A malformed image (Pix shorter than Rect and Stride imply) is an error, not a panic: a packed
	// one checked before opaque, below, reads Pix; the standard library's others with a Pix (read
	// through At, which panics on one too short) likewise.
	pix, stride, base, rowBytes, hasPix := s.pix, s.stride, s.base, w*s.step, s.kind == srcPacked
	if p, st, bs, bpp, ok := atPix(img, b); ok {
		pix, stride, base, rowBytes, hasPix = p, st, bs, w*bpp, true
	}
	if hasPix && !covers(len(pix), base, stride, rowBytes, h) {
		return nil, fmt.Errorf("%w: %T %v: Pix (%d bytes, stride %d) does not cover the bounds", ErrBadBuffer, img, b, len(pix), stride)
	}
	if opaque != nil && !opaque() {
		s.premultiplied()
	}
	return p.run(&s, w, h)
}

// atPix returns the pixel buffer of the standard library's images that Image reads through At
// (CMYK, Alpha, Alpha16): Pix, Stride, the offset of the bounds' first pixel and its bytes a
// pixel; ok is false for another image.
func atPix(img image.Image, b image.Rectangle) (pix []byte, stride, base, bpp int, ok bool) {
	switch m := img.(type) {
	case *image.CMYK:
		return m.Pix, m.Stride, m.PixOffset(b.Min.X, b.Min.Y), 4, true
	case *image.Alpha:
		return m.Pix, m.Stride, m.PixOffset(b.Min.X, b.Min.Y), 1, true
	case *image.Alpha16:
		return m.Pix, m.Stride, m.PixOffset(b.Min.X, b.Min.Y), 2, true
	}
	return nil, 0, 0, 0, false
}

// checkYCbCr reports a YCbCr whose planes do not cover its bounds (img is the image passed in,
// for the message).
func checkYCbCr(m *image.YCbCr, img image.Image) error {
	b := m.Rect
	if b.Empty() {
		return nil // CheckSize has rejected it already
	}
	last := image.Pt(b.Max.X-1, b.Max.Y-1)
	if m.YStride < b.Dx() || m.CStride < 0 || m.YOffset(b.Min.X, b.Min.Y) < 0 || m.COffset(b.Min.X, b.Min.Y) < 0 ||
		m.YOffset(last.X, last.Y) >= len(m.Y) || m.COffset(last.X, last.Y) >= min(len(m.Cb), len(m.Cr)) {
		return fmt.Errorf("%w: %T %v: planes too short for their strides", ErrBadBuffer, img, b)
	}
	return nil
}

// setPalette validates a paletted image (Pix covering the bounds, every index within the
// palette: the generic path would panic on one outside it) and loads its palette into p.pal.
func (p *Preprocessor) setPalette(m *image.Paletted, w, h int) error {
	b := m.Rect
	base := m.PixOffset(b.Min.X, b.Min.Y)
	if !covers(len(m.Pix), base, m.Stride, w, h) {
		return fmt.Errorf("%w: %T %v: Pix (%d bytes, stride %d) does not cover the bounds", ErrBadBuffer, m, b, len(m.Pix), m.Stride)
	}
	n := len(m.Palette)
	if n == 0 {
		return fmt.Errorf("%w: %T %v: empty palette", ErrBadBuffer, m, b)
	}
	if n < 256 {
		var top byte
		for y := range h {
			o := base + y*m.Stride
			for _, i := range m.Pix[o : o+w] {
				top = max(top, i)
			}
		}
		if int(top) >= n {
			return fmt.Errorf("%w: %T %v: palette index %d outside the palette of %d colors", ErrBadBuffer, m, b, top, n)
		}
	}
	for i, c := range m.Palette[:min(n, 256)] {
		if c == nil {
			return fmt.Errorf("%w: %T %v: palette color %d is nil", ErrBadBuffer, m, b, i)
		}
		r, g, b := nrgb(c)
		p.pal[i] = [3]byte{r, g, b}
	}
	return nil
}

// covers reports whether a buffer of n bytes holds h rows of rowBytes bytes, the first at base
// and each stride bytes after the previous one (without overflowing).
func covers(n, base, stride, rowBytes, h int) bool {
	return base >= 0 && stride >= rowBytes && n >= rowBytes && base <= n-rowBytes &&
		(h <= 1 || (n-rowBytes-base)/(h-1) >= stride)
}

// BGR preprocesses a raw interleaved 8-bit BGR buffer (an OpenCV Mat's layout): w x h pixels,
// row y starting at pix[y*stride]. stride must be at least 3*w and pix must hold the last row.
func (p *Preprocessor) BGR(pix []byte, w, h, stride int) (*Output, error) {
	return p.packed(pix, w, h, stride, [3]int{2, 1, 0}, "BGR")
}

// RGB preprocesses a raw interleaved 8-bit RGB buffer: w x h pixels, row y starting at
// pix[y*stride]. stride must be at least 3*w and pix must hold the last row.
func (p *Preprocessor) RGB(pix []byte, w, h, stride int) (*Output, error) {
	return p.packed(pix, w, h, stride, [3]int{0, 1, 2}, "RGB")
}

func (p *Preprocessor) packed(pix []byte, w, h, stride int, off [3]int, name string) (*Output, error) {
	if err := CheckSize(w, h); err != nil {
		return nil, err
	}
	if stride < 3*w {
		return nil, fmt.Errorf("%w: %s %dx%d: stride %d < 3*width %d", ErrBadBuffer, name, w, h, stride, 3*w)
	}
	// The last row ends at (h-1)*stride + 3*w; compare without overflowing.
	if len(pix) < 3*w || (h > 1 && (len(pix)-3*w)/(h-1) < stride) {
		need := "more bytes than any buffer holds"
		if stride <= (math.MaxInt-3*w)/max(1, h-1) {
			need = fmt.Sprint((h-1)*stride+3*w, " bytes")
		}
		return nil, fmt.Errorf("%w: %s %dx%d stride %d needs %s, have %d", ErrBadBuffer, name, w, h, stride, need, len(pix))
	}
	s := rowSource{w: w}
	s.packed(pix, stride, 0, 3, off)
	return p.run(&s, w, h)
}

// run resizes and pads the image described by s (already validated: w x h within limits).
func (p *Preprocessor) run(s *rowSource, w, h int) (*Output, error) {
	rh, rw, err := ResizedSize(h, w, p.cfg.ShorterSide, p.cfg.MaxLongerSide)
	if err != nil {
		return nil, err
	}
	p.src = *s
	defer func() { p.src = rowSource{} }() // do not retain the caller's pixels
	hp, wp := roundUp(rh, p.cfg.SizeDivisible), roundUp(rw, p.cfg.SizeDivisible)

	p.xa.setup(w, rw)
	p.ya.setup(h, rh)
	if key := [3]int{w, rw, s.step}; lookupsDirect(w, rw) && p.xkey != key {
		p.xoff0 = slices.Grow(p.xoff0[:0], rw)[:rw]
		p.xoff1 = slices.Grow(p.xoff1[:0], rw)[:rw]
		for o := range rw {
			p.xoff0[o] = p.xa.i0[o] * int32(s.step)
			p.xoff1[o] = p.xa.i1[o] * int32(s.step)
		}
		p.xkey = key
	}
	for i := range p.caches {
		c := &p.caches[i]
		for j := range c.rows {
			c.rows[j] = slices.Grow(c.rows[j][:0], 3*rw)[:3*rw]
			c.keys[j] = -1
		}
		if s.kind != srcPacked {
			c.rowBuf = slices.Grow(c.rowBuf[:0], 3*w)[:3*w]
		}
		if !lookupsDirect(w, rw) {
			c.norm = slices.Grow(c.norm[:0], 3*w)[:3*w]
		}
	}
	p.data = slices.Grow(p.data[:0], 3*hp*wp)[:3*hp*wp]
	p.task.rh, p.task.rw, p.task.hp, p.task.wp = rh, rw, hp, wp
	if s.kind == srcGeneric {
		// Another package's image type may not expect At from several goroutines at once.
		p.task.Run(0, 0, hp)
		if p.src.sawNil {
			return nil, fmt.Errorf("%w: %T: At(%d, %d) returned a nil color.Color", ErrBadBuffer, p.src.img, p.src.nilAt.X, p.src.nilAt.Y)
		}
	} else {
		p.pool.Run(hp, &p.task)
	}
	p.out = Output{Data: p.data, Height: hp, Width: wp, ResizedHeight: rh, ResizedWidth: rw, OrigHeight: h, OrigWidth: w}
	return &p.out, nil
}

// Run writes rows [lo, hi) of every plane on pool thread worker: an output row of the resized
// image interpolates two horizontally resized input rows (kept in the thread's cache, so that
// neighbouring output rows share them), a padding row is zeros.
func (t *rowsTask) Run(worker, lo, hi int) {
	p, c := t.p, &t.p.caches[worker]
	rw, wp := t.rw, t.wp
	plane := t.hp * wp
	for oy := lo; oy < hi; oy++ {
		if oy >= t.rh {
			for ch := range 3 {
				clear(p.data[ch*plane+oy*wp : ch*plane+(oy+1)*wp])
			}
			continue
		}
		y0, y1 := int(p.ya.i0[oy]), int(p.ya.i1[oy])
		if c.keys[0] != y0 {
			if c.keys[1] == y0 {
				c.rows[0], c.rows[1] = c.rows[1], c.rows[0]
				c.keys[0], c.keys[1] = c.keys[1], c.keys[0]
			} else {
				p.hpass(c.rows[0], y0, rw, c)
				c.keys[0] = y0
			}
		}
		if c.keys[1] != y1 {
			p.hpass(c.rows[1], y1, rw, c)
			c.keys[1] = y1
		}
		w0, w1 := p.ya.w0[oy], p.ya.w1[oy]
		for ch := range 3 {
			dst := p.data[ch*plane+oy*wp : ch*plane+(oy+1)*wp]
			vpass(dst[:rw], c.rows[0][ch*rw:(ch+1)*rw], c.rows[1][ch*rw:(ch+1)*rw], w0, w1)
			clear(dst[rw:])
		}
	}
}

// lookupsDirect reports whether hpass looks each output's two values up itself for a resize of w
// columns to rw: one more than 2x smaller (reading fewer than half of its input values per output
// value), or any where kernels.LerpRow has no SIMD version to pay for normalizing the row first.
func lookupsDirect(w, rw int) bool { return w > 2*rw || !kernels.LerpRowAccelerated() }

// hpass normalizes and horizontally interpolates input row y into dst (3 planes of rw values):
// dst[c][o] = w0*lut[c][row[i0]] + w1*lut[c][row[i1]]. Up to a resize 2x smaller it normalizes
// the row into c.norm first (each input value once, the three channels in one pass) and
// interpolates it with kernels.LerpRow's SIMD; a smaller one, or a CPU without the SIMD
// (lookupsDirect), looks each output's two values up itself: the table lookups are the pass's
// time, and there normalizing every input takes more of them (a 4K frame at 300: 3.9 ms
// against 1.2 a frame; 768x432 at 600 without the SIMD 2.98 against 2.42).
// c's rowBuf is the converting sources' row buffer.
func (p *Preprocessor) hpass(dst []float32, y, rw int, c *rowCache) {
	row := p.row(y, c.rowBuf)
	off, w := p.src.off, p.xa.in
	if lookupsDirect(w, rw) {
		x0, x1 := p.xoff0[:rw], p.xoff1[:rw]
		w0, w1 := p.xa.w0[:rw], p.xa.w1[:rw]
		for ch := range 3 {
			lut := &p.lut[ch]
			r := row[off[ch]:]
			d := dst[ch*rw : (ch+1)*rw]
			for o := range d {
				d[o] = float32(lut[r[x0[o]]]*w0[o]) + float32(lut[r[x1[o]]]*w1[o])
			}
		}
		return
	}
	step := p.src.step
	n0, n1, n2 := c.norm[:w], c.norm[w:2*w], c.norm[2*w:3*w]
	l0, l1, l2 := &p.lut[0], &p.lut[1], &p.lut[2]
	r0, r1, r2 := row[off[0]:], row[off[1]:], row[off[2]:]
	for x := range n0 {
		i := x * step
		n0[x], n1[x], n2[x] = l0[r0[i]], l1[r1[i]], l2[r2[i]]
	}
	for ch, norm := range [3][]float32{n0, n1, n2} {
		kernels.LerpRow(dst[ch*rw:(ch+1)*rw], norm, p.xa.i0, p.xa.i1, p.xa.w0, p.xa.w1)
	}
}
