package cvimage

import (
	"fmt"

	"github.com/shuffledet/shuffledet/transform"
)

// maxJPEGCoefBytes is the most memory libjpeg may hold for a multi-scan JPEG's coefficients (see
// jpegCoefBytes) for a JPEG read reduced: 8 bytes a pixel of transform.MaxPixels, what a 100 MP
// four-component JPEG takes (one read whole is not checked: checkJPEGScans).
const maxJPEGCoefBytes = 8 * transform.MaxPixels

// jpegCoefBytes returns the bytes libjpeg allocates for the whole-image coefficient buffer of a
// JPEG's bytes, and whether it needs one: a progressive JPEG (SOF2), or a sequential one whose
// first scan holds fewer components than the frame (libjpeg's has_multiple_scans), is decoded
// into a buffer of every DCT block of the image, 128 bytes a block (64 16-bit coefficients), at
// the file's full size even when it is read at 1/2, 1/4 or 1/8 of it: a 519-byte progressive
// JPEG whose header claims 60000x60000 made OpenCV allocate and fill 21 GB. A buffer is not
// needed (false) by a single-scan JPEG, or one whose header cannot be read (its decoding fails).
func jpegCoefBytes(data []byte) (int64, bool) {
	var sof []byte
	progressive := false
	scan := jpegSegments(data, func(marker byte, payload []byte) bool {
		switch marker {
		case 0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf: // SOFn
			if sof == nil {
				sof = payload
				progressive = marker == 0xc2 || marker == 0xc6 || marker == 0xca || marker == 0xce
			}
		}
		return true
	})
	// SOF: precision, height, width (16 bits each), component count, then 3 bytes a component:
	// id, sampling factors (h<<4 | v), quantisation table.
	if len(sof) < 6 || scan < 0 || scan+4 >= len(data) {
		return 0, false
	}
	h, w, nf := int64(sof[1])<<8|int64(sof[2]), int64(sof[3])<<8|int64(sof[4]), int(sof[5])
	if nf == 0 || len(sof) < 6+3*nf {
		return 0, false
	}
	if ns := int(data[scan+4]); !progressive && ns >= nf {
		return 0, false
	}
	var hmax, vmax int64 = 1, 1
	for c := range nf {
		f := sof[6+3*c+1]
		hmax, vmax = max(hmax, int64(f>>4)), max(vmax, int64(f&15))
	}
	ceil := func(a, b int64) int64 { return (a + b - 1) / b }
	var n int64
	for c := range nf {
		f := sof[6+3*c+1]
		hs, vs := max(int64(f>>4), 1), max(int64(f&15), 1)
		// jdinput.c's width_in_blocks and height_in_blocks, rounded up to whole MCUs as
		// jdcoefct.c requests the buffer
		bw, bh := ceil(w*hs, hmax*8), ceil(h*vs, vmax*8)
		n += ceil(bw, hs) * hs * ceil(bh, vs) * vs * 128
	}
	return n, true
}

// checkJPEGScans refuses a w x h JPEG read reduced (over transform's limits) whose coefficients
// libjpeg would hold in more than maxJPEGCoefBytes (jpegCoefBytes), before it is decoded. A JPEG
// within the limits, read whole, is not refused: its coefficients take at most 8 bytes a pixel
// (four components at 4:4:4), rounded up to whole blocks, which can pass maxJPEGCoefBytes by a
// little (800.64 MB for a progressive CMYK JPEG of 9999x10001).
func checkJPEGScans(data []byte, name string, w, h int) error {
	if transform.CheckSize(w, h) == nil {
		return nil
	}
	n, ok := jpegCoefBytes(data)
	if !ok || n <= maxJPEGCoefBytes {
		return nil
	}
	return fmt.Errorf("cvimage: image %s (jpeg): %w: %dx%d, progressive or multi-scan: libjpeg holds every coefficient of such a file in memory, "+
		"%d MB, even to read it reduced (at most %d MB)", name, transform.ErrImageTooLarge, w, h, (n+999_999)/1_000_000, maxJPEGCoefBytes/1_000_000)
}
