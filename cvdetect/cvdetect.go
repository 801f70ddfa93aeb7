//go:build cgo && !noopencv

package cvdetect

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"
	"strconv"
	"unsafe"

	"gocv.io/x/gocv"

	"github.com/shuffledet/shuffledet/detector"
	"github.com/shuffledet/shuffledet/internal/cvtext"
)

// ErrMatType is returned for a Mat that is not 8-bit, 3-channel (BGR).
var ErrMatType = errors.New("cvdetect: Mat must be 8-bit BGR (CV_8UC3)")

// Detect runs det on m, an 8-bit BGR Mat (CV_8UC3) of any size, continuous or not (a Region of a
// larger Mat). The pixels are read where they are, row by row with the Mat's step: nothing is
// copied beyond what det's preprocessing does. The returned slice is det's and valid until its
// next call; boxes are in m's pixel coordinates. Once det has seen m's size, Detect allocates
// nothing (but for a region in a build with gocv's -tags matprofile: see Pixels).
//
// The Mat's bytes are taken to be B, G, R, OpenCV's order, which nothing in a Mat records: for a
// Mat holding R, G, B (from a library that is not OpenCV's), pass Pixels' result to
// det.DetectRGB, which reads it without a conversion.
func Detect(det *detector.Detector, m gocv.Mat) ([]detector.Detection, error) {
	return DetectContext(context.Background(), det, m)
}

// DetectContext is Detect, ending with ctx's error once ctx is done (a camera loop's shutdown, a
// request's deadline): see detector.Detector.DetectContext.
func DetectContext(ctx context.Context, det *detector.Detector, m gocv.Mat) ([]detector.Detection, error) {
	pix, stride, err := Pixels(m)
	if err != nil {
		return nil, err
	}
	return det.DetectBGRContext(ctx, pix, m.Cols(), m.Rows(), stride)
}

// Pixels returns m's bytes in place, from its first pixel to the end of its last row, and the
// distance between rows in bytes (m.Step(), larger than 3*m.Cols() for a region of a wider Mat).
// The slice is valid while m is open. m must be 8-bit BGR, open (not closed, not a zero Mat) and
// not empty. gocv's Close clears only the Mat it is called on: a copy of that Mat made before
// (f := m; m.Close()) still holds the freed pointer, which no check here can tell from an open
// Mat's, so do not read a Mat through a copy after closing it. For a region Pixels opens and
// closes a one-row header Mat, which allocates nothing but, built with -tags matprofile, gocv's
// record of it (one allocation a call).
func Pixels(m gocv.Mat) (pix []byte, stride int, err error) {
	if m.Ptr() == nil { // gocv's own methods would dereference it
		return nil, 0, errors.New("cvdetect: the Mat is closed or was never made (gocv.Mat{})")
	}
	if m.Empty() {
		return nil, 0, errors.New("cvdetect: empty Mat")
	}
	if m.Rows() < 0 || m.Cols() < 0 { // OpenCV's rows and cols are -1 beyond two dimensions
		// (m.Size() would tell the count, but allocates: only for the error)
		return nil, 0, fmt.Errorf("cvdetect: a %d-dimensional Mat; want a 2-D image", len(m.Size()))
	}
	if t := m.Type(); t != gocv.MatTypeCV8UC3 {
		return nil, 0, fmt.Errorf("%w: got %s%s", ErrMatType, typeName(t), conversion(t))
	}
	stride = m.Step()
	if m.IsContinuous() {
		pix, err = m.DataPtrUint8()
		return pix, stride, err
	}
	// A region: its rows lie stride bytes apart inside the parent's buffer. gocv hands out a
	// pointer only for continuous Mats, and a one-row Mat always is: take row 0's address from a
	// header over it (no pixel copy), then span every row from there.
	row := m.RowRange(0, 1)
	defer row.Close()
	first, err := row.DataPtrUint8()
	if err != nil {
		return nil, 0, err
	}
	n := (m.Rows()-1)*stride + 3*m.Cols()
	return unsafe.Slice(&first[0], n), stride, nil
}

// typeName spells an OpenCV Mat type as OpenCV does (CV_8UC1, CV_32FC3).
func typeName(t gocv.MatType) string {
	depths := [...]string{"8U", "8S", "16U", "16S", "32S", "32F", "64F", "16F"}
	return fmt.Sprintf("CV_%sC%d", depths[t&7], 1+int(t>>3))
}

// conversion suggests how to make a Mat of type t 8-bit BGR, as ncnn's from_pixels does for
// gray and BGRA input.
func conversion(t gocv.MatType) string {
	switch t {
	case gocv.MatTypeCV8UC1:
		return " (gray: convert with gocv.CvtColor(m, &bgr, gocv.ColorGrayToBGR))"
	case gocv.MatTypeCV8UC4:
		return " (BGRA: convert with gocv.CvtColor(m, &bgr, gocv.ColorBGRAToBGR))"
	}
	if t&7 != 0 && 1+int(t>>3) == 3 {
		return " (scale to 0..255 and convert with m.ConvertToWithParams(&bgr, gocv.MatTypeCV8UC3, alpha, beta))"
	}
	return ""
}

// Draw draws dets on m (8-bit BGR) in place: each box in its class's colour, on the outermost
// pixels it covers (a box [x, x+w) ends on pixel x+w-1: one clipped to the frame keeps its right
// and bottom lines), with a tab above it (inside it at the top edge; moved left to stay in the
// image at the right edge) holding the class name and score (a name outside printable ASCII,
// which OpenCV's fonts cannot draw, as "id" and the category id). Lines and text scale with the image
// size; boxes reaching outside m are clipped by OpenCV. A nil, closed or zero Mat, or one that is
// not 8-bit with 3 channels, is left alone (there is nothing to draw on, or no colour that means
// the same there). A box with a NaN coordinate, or none of whose pixels lie in m, is not drawn,
// nor its label. Once a class's label has been drawn at m's size with a score of as many
// digits, drawing it again allocates nothing (for a label, name and score, of up to 128 bytes).
func Draw(m *gocv.Mat, dets []detector.Detection) {
	if m == nil || m.Ptr() == nil || m.Empty() || m.Type() != gocv.MatTypeCV8UC3 {
		return
	}
	w, h := m.Cols(), m.Rows()
	thick := max(1, int(math.Round(float64(min(w, h))/360)))
	scale := 0.4 * float64(thick)
	var buf [labelBytes]byte
	for _, d := range dets {
		r, ok := boxPixels(d.Box)
		if !ok || r.Max.X < 0 || r.Max.Y < 0 || r.Min.X >= w || r.Min.Y >= h {
			continue // a NaN coordinate, or none of the box's pixels in m: no box, no label
		}
		c := Color(d.CategoryID)
		gocv.RectangleWithParams(m, r, c, thick, gocv.Line8, 0) // solid colour (gocv.Rectangle blends); corners inclusive
		// fmt's "%s %.2f", in buf; gocv copies the text, and buf is not written while it is in use.
		text := strconv.AppendFloat(append(appendName(buf[:0], d), ' '), float64(d.Score), 'f', 2, 32)
		label := unsafe.String(&text[0], len(text))
		size, base := cvtext.Size(label, scale, thick)
		top := r.Min.Y - size.Y - base - thick
		if top < 0 {
			top = r.Min.Y // no room above: put the tab inside the box
		}
		tab := image.Rect(r.Min.X, top, r.Min.X+size.X+2*thick, top+size.Y+base+thick)
		if over := tab.Max.X - (w - 1); over > 0 { // past the right edge: move it left, not past the left one
			tab = tab.Sub(image.Pt(min(over, max(tab.Min.X, 0)), 0))
		}
		gocv.RectangleWithParams(m, tab, c, -1, gocv.Line8, 0)
		gocv.PutTextWithParams(m, label, image.Pt(tab.Min.X+thick, tab.Max.Y-base), gocv.FontHersheySimplex, scale, textColor(c), thick, gocv.LineAA, false)
	}
}

// appendName appends d's class name, or "id N" (its category id) where the name has a byte
// outside printable ASCII: OpenCV's Hershey fonts draw each such byte as "?", so "café" came out
// "caf??" and "狗" "???".
func appendName(b []byte, d detector.Detection) []byte {
	for i := 0; i < len(d.Label); i++ {
		if c := d.Label[i]; c < ' ' || c > '~' {
			return strconv.AppendInt(append(b, "id "...), int64(d.CategoryID), 10)
		}
	}
	return append(b, d.Label...)
}

// boxPixels returns the first and last pixel a box [x, y, w, h] covers, rounded, as the corners
// gocv.RectangleWithParams draws through (both inclusive: the last is x+w-1, never left of x);
// false for a box with a NaN corner. Corners are clamped to ±maxCoord first: converted as they
// are, an infinite one became math.MinInt64 and one past 2^31 wrapped in gocv's C int, so a box
// far outside m, or with a NaN or infinite coordinate, was drawn at m's origin or across it.
func boxPixels(b [4]float32) (image.Rectangle, bool) {
	v := [4]float64{float64(b[0]), float64(b[1]), float64(b[0] + b[2]), float64(b[1] + b[3])}
	var p [4]int
	for i, f := range v {
		if math.IsNaN(f) {
			return image.Rectangle{}, false
		}
		p[i] = int(math.Round(min(max(f, -maxCoord), maxCoord)))
	}
	x0, y0, x1, y1 := p[0], p[1], p[2], p[3]
	return image.Rectangle{Min: image.Pt(x0, y0), Max: image.Pt(max(x0, x1-1), max(y0, y1-1))}, true
}

// maxCoord bounds the box corners Draw passes to OpenCV: far beyond any Mat's edge (a line or
// label there is off the image whatever its thickness), and within a C int with a label's size
// added.
const maxCoord = 1 << 24

// labelBytes is the longest label Draw writes without allocating ("name 0.99"; COCO's longest
// class name has 14 bytes).
const labelBytes = 128

// palette: 20 well separated colours (Tableau 20), as R, G, B.
var palette = [20][3]uint8{
	{31, 119, 180}, {255, 127, 14}, {44, 160, 44}, {214, 39, 40}, {148, 103, 189},
	{140, 86, 75}, {227, 119, 194}, {127, 127, 127}, {188, 189, 34}, {23, 190, 207},
	{174, 199, 232}, {255, 187, 120}, {152, 223, 138}, {255, 152, 150}, {197, 176, 213},
	{196, 156, 148}, {247, 182, 210}, {199, 199, 199}, {219, 219, 141}, {158, 218, 229},
}

// Color returns the colour Draw uses for a category id (gocv writes its B, G, R to the Mat's
// channels 0, 1, 2).
func Color(categoryID int) color.RGBA {
	p := palette[(categoryID%len(palette)+len(palette))%len(palette)]
	return color.RGBA{R: p[0], G: p[1], B: p[2], A: 255}
}

// textColor is black or white, whichever reads better on c.
func textColor(c color.RGBA) color.RGBA {
	if 0.299*float64(c.R)+0.587*float64(c.G)+0.114*float64(c.B) > 140 {
		return color.RGBA{A: 255}
	}
	return color.RGBA{R: 255, G: 255, B: 255, A: 255}
}
