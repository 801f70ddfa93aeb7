package cvimage

import (
	"fmt"

	"github.com/shuffledet/shuffledet/internal/quote"
	"github.com/shuffledet/shuffledet/transform"
)

// maxJPEGCoefBytes is the most memory libjpeg may hold for a multi-scan JPEG's coefficients (see
// coefBytes) for a JPEG read reduced: 8 bytes a pixel of transform.MaxPixels, what a 100 MP
// four-component JPEG takes (one read whole is not checked: checkScans).
const maxJPEGCoefBytes = 8 * transform.MaxPixels

// coefBytes returns the bytes libjpeg allocates for the whole-image coefficient buffer of the
// w x h JPEG whose header j is, and whether it needs one: a progressive JPEG (SOF2), or a
// sequential one whose first scan holds fewer components than the frame (libjpeg's
// has_multiple_scans), is decoded into a buffer of every DCT block of the image, 128 bytes a
// block (64 16-bit coefficients), at the file's full size even when it is read at 1/2, 1/4 or
// 1/8 of it: a 519-byte progressive JPEG whose header claims 60000x60000 made OpenCV allocate and
// fill 21 GB. A buffer is not needed (false) by a single-scan JPEG, or one without a frame header
// or a scan (its decoding fails).
func (j jpegHeader) coefBytes(w, h int) (int64, bool) {
	// SOF: precision, height, width (16 bits each), component count, then 3 bytes a component:
	// id, sampling factors (h<<4 | v), quantisation table. image.DecodeConfig has refused another
	// length and factors outside 1-4; checked again so that no bytes can make this panic.
	if len(j.frame) < 6 || j.scanComps < 0 {
		return 0, false
	}
	nf := int(j.frame[5])
	if len(j.frame) < 6+3*nf || !j.progressive && j.scanComps >= nf {
		return 0, false
	}
	factors := func(c int) (int64, int64) {
		f := j.frame[6+3*c+1]
		return max(int64(f>>4), 1), max(int64(f&15), 1)
	}
	var hmax, vmax int64 = 1, 1
	for c := range nf {
		hs, vs := factors(c)
		hmax, vmax = max(hmax, hs), max(vmax, vs)
	}
	ceil := func(a, b int64) int64 { return (a + b - 1) / b }
	var n int64
	for c := range nf {
		hs, vs := factors(c)
		// jdinput.c's width_in_blocks and height_in_blocks, rounded up to whole MCUs as
		// jdcoefct.c requests the buffer
		bw, bh := ceil(int64(w)*hs, hmax*8), ceil(int64(h)*vs, vmax*8)
		n += ceil(bw, hs) * hs * ceil(bh, vs) * vs * 128
	}
	return n, true
}

// checkScans refuses the w x h JPEG whose header j is, read at 1/scale of its size (2, 4 or 8:
// over transform's limits), when libjpeg would hold its coefficients in more than
// maxJPEGCoefBytes (coefBytes). One read whole (scale 0) is not refused: its coefficients take
// at most 8 bytes a pixel (four components at 4:4:4), rounded up to whole blocks, which can pass
// maxJPEGCoefBytes by a little (800.64 MB for a progressive CMYK JPEG of 9999x10001).
func (j jpegHeader) checkScans(name string, w, h, scale int) error {
	if scale == 0 {
		return nil
	}
	n, ok := j.coefBytes(w, h)
	if !ok || n <= maxJPEGCoefBytes {
		return nil
	}
	return fmt.Errorf("cvimage: image %s (jpeg): %w: %dx%d, progressive or multi-scan: libjpeg holds every coefficient of such a file in memory, "+
		"%d MB, even to read it reduced (at most %d MB)", quote.Name(name), transform.ErrImageTooLarge, w, h, (n+999_999)/1_000_000, maxJPEGCoefBytes/1_000_000)
}
