//go:build cgo && !noopencv

package cvdetect

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gocv.io/x/gocv"

	"github.com/shuffledet/shuffledet/cvimage"
	"github.com/shuffledet/shuffledet/detector"
	"github.com/shuffledet/shuffledet/internal/torchref"
	"github.com/shuffledet/shuffledet/internal/videotest"
)

func smallDetector(t *testing.T) *detector.Detector {
	t.Helper()
	det, err := detector.Load(videotest.Model(t, "shufflenet-g3-0.25x-300", 96, 160, 50), detector.WithScoreThreshold(0))
	if err != nil {
		t.Fatal(err)
	}
	return det
}

// TestDetectInPlace: Detect on a Mat, on a region of a wider Mat (not continuous), on a region
// of whole rows (continuous) and detector.Detect on the same picture as an image.Image all give
// the same detections.
func TestDetectInPlace(t *testing.T) {
	det := smallDetector(t)
	path := filepath.Join(torchref.RepoRoot(t), "testdata/images/000000010363.jpg")
	img, err := cvimage.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	want, err := det.Detect(img)
	if err != nil {
		t.Fatal(err)
	}
	want = slices.Clone(want)
	if len(want) == 0 {
		t.Fatal("no detections to compare")
	}
	m, err := cvimage.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	w, h := m.Cols(), m.Rows()

	// The picture inside a wider and taller Mat: its region has a step larger than 3*w.
	big := gocv.NewMat()
	defer big.Close()
	gocv.CopyMakeBorder(m, &big, 5, 7, 11, 13, gocv.BorderConstant, color.RGBA{R: 200, A: 255})
	roi := big.Region(image.Rect(11, 5, 11+w, 5+h))
	defer roi.Close()
	// The picture as whole rows of a taller Mat: a continuous region not starting at row 0.
	tall := gocv.NewMat()
	defer tall.Close()
	gocv.CopyMakeBorder(m, &tall, 3, 2, 0, 0, gocv.BorderConstant, color.RGBA{G: 200, A: 255})
	rows := tall.Region(image.Rect(0, 3, w, 3+h))
	defer rows.Close()

	if roi.IsContinuous() || !rows.IsContinuous() || !m.IsContinuous() {
		t.Fatalf("test setup: continuity %v %v %v", m.IsContinuous(), roi.IsContinuous(), rows.IsContinuous())
	}
	for name, mat := range map[string]gocv.Mat{"continuous": m, "region": roi, "row region": rows} {
		got, err := Detect(det, mat)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: %d detections differ from detector.Detect's %d (first %+v, want %+v)", name, len(got), len(want), got[0], want[0])
		}
		got, err = DetectContext(context.Background(), det, mat)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("%s: DetectContext: %d detections (%v), want detector.Detect's %d", name, len(got), err, len(want))
		}
	}
	// A Mat holding R, G, B: Pixels into DetectRGB, as Detect's doc says, gives what
	// detector.Detect gives for the same picture.
	rgb := gocv.NewMat()
	defer rgb.Close()
	gocv.CvtColor(roi, &rgb, gocv.ColorBGRToRGB)
	pix, stride, err := Pixels(rgb)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := det.DetectRGB(pix, w, h, stride); err != nil || !slices.Equal(got, want) {
		t.Errorf("an RGB Mat through Pixels and DetectRGB: %d detections (%v), want detector.Detect's %d", len(got), err, len(want))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if got, err := DetectContext(ctx, det, m); !errors.Is(err, context.Canceled) || got != nil {
		t.Errorf("DetectContext, a done context: %d detections, %v; want context.Canceled", len(got), err)
	}
}

// TestDetectRejects: empty Mats and Mats that are not 8-bit BGR give errors, not panics.
func TestDetectRejects(t *testing.T) {
	det := smallDetector(t)
	empty := gocv.NewMat()
	defer empty.Close()
	if _, err := Detect(det, empty); err == nil {
		t.Error("empty Mat accepted")
	}
	// A closed Mat and a zero one (a pipeline's at shutdown or reconnection): an error, and
	// nothing drawn, not a crash in OpenCV.
	closed := gocv.NewMatWithSize(48, 64, gocv.MatTypeCV8UC3)
	closed.Close()
	for name, m := range map[string]gocv.Mat{"closed": closed, "zero": {}} {
		if _, err := Detect(det, m); err == nil || !strings.Contains(err.Error(), "closed") {
			t.Errorf("%s Mat: %v", name, err)
		}
		Draw(&m, []detector.Detection{{Box: [4]float32{1, 1, 5, 5}, Score: 1, CategoryID: 1, Label: "person"}})
	}
	Draw(nil, nil)
	cube := gocv.NewMatWithSizes([]int{4, 48, 64}, gocv.MatTypeCV8UC3) // rows and cols read -1
	defer cube.Close()
	if _, err := Detect(det, cube); err == nil || !strings.Contains(err.Error(), "3-dimensional") {
		t.Errorf("3-D Mat: %v", err)
	}
	for typ, want := range map[gocv.MatType]string{
		gocv.MatTypeCV8UC1:  "got CV_8UC1 (gray: convert with gocv.CvtColor(m, &bgr, gocv.ColorGrayToBGR))",
		gocv.MatTypeCV8UC4:  "got CV_8UC4 (BGRA: convert with gocv.CvtColor(m, &bgr, gocv.ColorBGRAToBGR))",
		gocv.MatTypeCV32FC3: "got CV_32FC3 (scale to 0..255",
		gocv.MatTypeCV16UC3: "got CV_16UC3 (scale to 0..255",
		gocv.MatTypeCV16SC2: "got CV_16SC2",
	} {
		m := gocv.NewMatWithSize(48, 64, typ)
		_, err := Detect(det, m)
		m.Close()
		if !errors.Is(err, ErrMatType) || !strings.Contains(err.Error(), want) {
			t.Errorf("type %v: %v, want it to say %q", typ, err, want)
		}
	}
}

// regionAllocs is what Detect allocates a call for a region: nothing, or with -tags matprofile
// gocv's record of the row header Pixels makes (matprofile_test.go sets it).
var regionAllocs = 0.0

// TestDetectAllocatesNothing: a frame through Detect, a continuous Mat or a region of a wider
// one, allocates nothing once the detector is warm (as DetectBGR: the camera loop's promise).
func TestDetectAllocatesNothing(t *testing.T) {
	det := smallDetector(t)
	m := gocv.NewMatWithSize(120, 160, gocv.MatTypeCV8UC3)
	defer m.Close()
	m.SetTo(gocv.NewScalar(90, 120, 150, 0))
	big := gocv.NewMatWithSize(140, 200, gocv.MatTypeCV8UC3)
	defer big.Close()
	roi := big.Region(image.Rect(10, 10, 170, 130))
	defer roi.Close()
	for name, mat := range map[string]gocv.Mat{"continuous": m, "region": roi} {
		if _, err := Detect(det, mat); err != nil { // warm-up
			t.Fatal(err)
		}
		want := 0.0
		if name == "region" {
			want = regionAllocs
		}
		if n := testing.AllocsPerRun(20, func() { Detect(det, mat) }); n != want {
			t.Errorf("%s: %v allocations a frame, want %v", name, n, want)
		}
	}
}

// TestDraw: a box is drawn in its class's colour on its edges and nowhere far from them; drawing
// on a region leaves the rest of the parent Mat alone; boxes reaching outside are clipped.
func TestDraw(t *testing.T) {
	parent := gocv.NewMatWithSize(200, 300, gocv.MatTypeCV8UC3)
	defer parent.Close()
	roi := parent.Region(image.Rect(50, 40, 250, 190)) // 200x150
	defer roi.Close()
	dets := []detector.Detection{
		{Box: [4]float32{40, 60, 100, 50}, Score: 0.9, CategoryID: 1, Label: "person"},
		{Box: [4]float32{-30, 100, 400, 90}, Score: 0.5, CategoryID: 3, Label: "car"}, // beyond the edges
	}
	Draw(&roi, dets)
	c := Color(1)
	for _, p := range []image.Point{{40, 85}, {139, 85}, {90, 109}} { // left, right, bottom edges: x+w-1, y+h-1
		v := roi.GetVecbAt(p.Y, p.X)
		if v[0] != c.B || v[1] != c.G || v[2] != c.R {
			t.Errorf("box edge at %v is %v, want the class colour %v", p, v, c)
		}
	}
	if v := roi.GetVecbAt(85, 90); !slices.Equal(v, gocv.Vecb{0, 0, 0}) {
		t.Errorf("inside the box: %v, want untouched", v)
	}
	// The label tab sits above the box, in the class colour.
	if v := roi.GetVecbAt(57, 41); v[0] != c.B || v[1] != c.G || v[2] != c.R {
		t.Errorf("label tab: %v", v)
	}
	// Nothing outside the region changed.
	for y := range 200 {
		for x := range 300 {
			if image.Pt(x, y).In(image.Rect(50, 40, 250, 190)) {
				continue
			}
			if v := parent.GetVecbAt(y, x); !slices.Equal(v, gocv.Vecb{0, 0, 0}) {
				t.Fatalf("pixel %d,%d outside the region was drawn on: %v", x, y, v)
			}
		}
	}
	if Color(1) == Color(3) || Color(-1) != Color(19) {
		t.Error("colours: classes must differ, negative ids must not panic")
	}
}

// TestDrawLabels: the labels are "name score" with the score to two decimals as fmt's %.2f
// writes it (ties to even: 0.125 is 0.12; 0.999 rounds up to 1.00), sized as gocv measures each
// (also scores a detector does not give, drawn after one of the same length: +Inf, NaN, -0.50
// and 10.00, whose signs, letters and extra digit are of other widths):
// Draw's picture equals one drawn with fmt.Sprintf and gocv.GetTextSizeWithBaseline per label,
// at two image sizes (two line thicknesses), with a class name longer than labelBytes. Once drawn,
// the labels allocate nothing (but the long one, which allocates its text).
func TestDrawLabels(t *testing.T) {
	var dets []detector.Detection
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	for i, s := range []float32{0.125, 0.999, 0, 1, 0.005, 0.47, 0.5, inf, nan, -0.5, 10, -inf} {
		dets = append(dets, detector.Detection{Box: [4]float32{float32(10 + 90*(i%4)), float32(30 + 60*(i/4)), 60, 40}, Score: s, CategoryID: i, Label: "person"})
	}
	long := detector.Detection{Box: [4]float32{20, 200, 50, 30}, Score: 0.31, CategoryID: 90, Label: strings.Repeat("toothbrush", 13)}
	for _, size := range []image.Point{{400, 300}, {1280, 720}} {
		got := gocv.NewMatWithSize(size.Y, size.X, gocv.MatTypeCV8UC3)
		want := gocv.NewMatWithSize(size.Y, size.X, gocv.MatTypeCV8UC3)
		Draw(&got, append(dets, long))
		drawWithSprintf(&want, append(dets, long))
		diff := gocv.NewMat()
		gocv.AbsDiff(got, want, &diff)
		if n := nonZero(diff); n != 0 {
			t.Errorf("%v: %d values differ from the labels drawn with fmt.Sprintf", size, n)
		}
		if a := testing.AllocsPerRun(10, func() { Draw(&got, dets) }); a != 0 {
			t.Errorf("%v: Draw allocated %v times a call once its labels were known", size, a)
		}
		diff.Close()
		got.Close()
		want.Close()
	}
}

// drawWithSprintf is Draw as it was written first: each label formatted with fmt.Sprintf and
// measured by gocv.
func drawWithSprintf(m *gocv.Mat, dets []detector.Detection) {
	thick := max(1, int(math.Round(float64(min(m.Cols(), m.Rows()))/360)))
	scale := 0.4 * float64(thick)
	for _, d := range dets {
		c := Color(d.CategoryID)
		r, _ := boxPixels(d.Box)
		gocv.RectangleWithParams(m, r, c, thick, gocv.Line8, 0)
		label := fmt.Sprintf("%s %.2f", d.Label, d.Score)
		size, base := gocv.GetTextSizeWithBaseline(label, gocv.FontHersheySimplex, scale, thick)
		top := r.Min.Y - size.Y - base - thick
		if top < 0 {
			top = r.Min.Y
		}
		tab := image.Rect(r.Min.X, top, r.Min.X+size.X+2*thick, top+size.Y+base+thick)
		if over := tab.Max.X - (m.Cols() - 1); over > 0 {
			tab = tab.Sub(image.Pt(min(over, max(tab.Min.X, 0)), 0))
		}
		gocv.RectangleWithParams(m, tab, c, -1, gocv.Line8, 0)
		gocv.PutTextWithParams(m, label, image.Pt(tab.Min.X+thick, tab.Max.Y-base), gocv.FontHersheySimplex, scale, textColor(c), thick, gocv.LineAA, false)
	}
}

// TestDrawAtTheEdges: a box the detector clipped to the frame (x+w = width) keeps its right and
// bottom lines, on the last column and row (they were drawn one pixel past them, off the image);
// a box covers its pixels x to x+w-1, not x+w; the label of a box at the right edge is moved left
// to stay whole; a Mat that is not 8-bit BGR is left alone (one of 5 channels aborted the process).
func TestDrawAtTheEdges(t *testing.T) {
	m := gocv.NewMatWithSize(480, 640, gocv.MatTypeCV8UC3)
	defer m.Close()
	Draw(&m, []detector.Detection{{Box: [4]float32{500, 300, 140, 180}, Score: 0.9, CategoryID: 1, Label: "person"},
		{Box: [4]float32{100, 100, 50, 50}, Score: 0.9, CategoryID: 1, Label: "person"}})
	c := Color(1)
	is := func(x, y int) bool { v := m.GetVecbAt(y, x); return v[0] == c.B && v[1] == c.G && v[2] == c.R }
	for _, p := range []image.Point{{639, 400}, {570, 479}, {500, 400}, {149, 120}, {120, 149}, {100, 120}} {
		if !is(p.X, p.Y) {
			t.Errorf("box line at %v not drawn", p)
		}
	}
	for _, p := range []image.Point{{150, 120}, {120, 150}} {
		if is(p.X, p.Y) {
			t.Errorf("%v, one past the box's last pixel, drawn", p)
		}
	}
	// A box at the right edge, its label wider than the box: the tab ends on the last column.
	n := gocv.NewMatWithSize(200, 300, gocv.MatTypeCV8UC3)
	defer n.Close()
	Draw(&n, []detector.Detection{{Box: [4]float32{290, 50, 10, 100}, Score: 0.9, CategoryID: 1, Label: "person"}})
	inTab := func(x int) bool { // some pixel of the column above the box in the class colour (the text is another)
		for y := range 50 {
			if v := n.GetVecbAt(y, x); v[0] == c.B && v[1] == c.G && v[2] == c.R {
				return true
			}
		}
		return false
	}
	if !inTab(299) || !inTab(250) {
		t.Errorf("the tab is not over columns 250 to 299 (moved left to end on the last column): %v %v", inTab(250), inTab(299))
	}
	for _, typ := range []gocv.MatType{gocv.MatTypeCV8UC1, gocv.MatTypeCV8UC4, gocv.MatTypeCV16UC3, gocv.MatType(0 + 4<<3)} {
		o := gocv.NewMatWithSize(50, 50, typ)
		Draw(&o, []detector.Detection{{Box: [4]float32{5, 5, 20, 20}, Score: 0.9, CategoryID: 1, Label: "person"}})
		if nonZero(o) != 0 {
			t.Errorf("type %v drawn on", typ)
		}
		o.Close()
	}
}

// TestDrawNonASCIINames: a class name OpenCV's fonts cannot draw (a byte outside printable
// ASCII, which the Hershey fonts draw as "?": "café" came out "caf??") is drawn as "id" and the
// category id, without allocating; a printable ASCII name, spaces included, is drawn as it is.
func TestDrawNonASCIINames(t *testing.T) {
	for _, c := range []struct{ label, drawn string }{{"café", "id 1000"}, {"狗", "id 1000"}, {"tab\there", "id 1000"}, {"hard hat", "hard hat"}} {
		d := detector.Detection{Box: [4]float32{20, 40, 120, 80}, Score: 0.87, CategoryID: 1000, Label: c.label}
		got := gocv.NewMatWithSize(240, 320, gocv.MatTypeCV8UC3)
		want := gocv.NewMatWithSize(240, 320, gocv.MatTypeCV8UC3)
		Draw(&got, []detector.Detection{d})
		d.Label = c.drawn
		drawWithSprintf(&want, []detector.Detection{d})
		diff := gocv.NewMat()
		gocv.AbsDiff(got, want, &diff)
		if n := nonZero(diff); n != 0 {
			t.Errorf("%q: %d values differ from %q drawn", c.label, n, c.drawn)
		}
		d.Label = c.label
		if a := testing.AllocsPerRun(10, func() { Draw(&got, []detector.Detection{d}) }); a != 0 {
			t.Errorf("%q: Draw allocated %v times a call", c.label, a)
		}
		diff.Close()
		got.Close()
		want.Close()
	}
}

// TestDrawBoxesOutside: a box none of whose pixels is in the Mat draws nothing, on every side
// (off the right edge its label was moved left into the image), however far away (past 2^31,
// gocv's C int wrapped the corners into the image); a box with a NaN coordinate draws nothing (its
// corners became math.MinInt64, drawn at the origin); one reaching infinitely or very far past
// an edge is clipped there, as one just past it is.
func TestDrawBoxesOutside(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	drawn := func(box [4]float32) gocv.Mat {
		m := gocv.NewMatWithSize(120, 160, gocv.MatTypeCV8UC3)
		Draw(&m, []detector.Detection{{Box: box, Score: 0.9, CategoryID: 1, Label: "person"}})
		return m
	}
	for _, box := range [][4]float32{
		{170, 10, 50, 50}, {1000, 10, 50, 50}, {-300, 10, 50, 50}, {10, -300, 50, 50}, {10, 1000, 50, 50},
		{1 << 32, 10, 50, 50}, {5e9, 10, 50, 50}, {-(1 << 32), 10, 50, 50}, {10, 1 << 32, 50, 50},
		{nan, 10, 20, 20}, {10, nan, 20, 20}, {10, 10, nan, 20}, {10, 10, 20, nan}, {nan, nan, nan, nan},
		{inf, inf, 10, 10}, {-inf, -inf, 10, 10},
	} {
		m := drawn(box)
		if n := nonZero(m); n != 0 {
			t.Errorf("box %v, outside the 160x120 Mat or NaN: %d values drawn", box, n)
		}
		m.Close()
	}
	for _, c := range []struct{ far, near [4]float32 }{
		{[4]float32{10, 10, inf, 20}, [4]float32{10, 10, 1000, 20}},
		{[4]float32{10, 10, 1e12, 20}, [4]float32{10, 10, 1000, 20}},
		{[4]float32{10, 10, 30, inf}, [4]float32{10, 10, 30, 1000}},
		{[4]float32{-1e12, 10, 2e12, 20}, [4]float32{-1000, 10, 3000, 20}},
	} {
		far, near := drawn(c.far), drawn(c.near)
		diff := gocv.NewMat()
		gocv.AbsDiff(far, near, &diff)
		if n := nonZero(diff); n != 0 {
			t.Errorf("box %v: %d values differ from box %v (both clipped to the Mat)", c.far, n, c.near)
		}
		diff.Close()
		far.Close()
		near.Close()
	}
}

// nonZero counts the values of m, of any number of channels, that are not zero.
func nonZero(m gocv.Mat) int {
	one := m.Reshape(1, 0)
	defer one.Close()
	return gocv.CountNonZero(one)
}
