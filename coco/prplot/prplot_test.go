package prplot

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/plot/vg"

	"github.com/shuffledet/shuffledet/coco"
)

const golden = "../../../shared/data/cocoeval-golden"

func goldenEval(t testing.TB) *coco.Eval {
	t.Helper()
	gt, err := coco.LoadDataset(filepath.Join(golden, "instances_val2014_100.json"))
	if err != nil {
		t.Fatal(err)
	}
	dts, err := coco.LoadResults(filepath.Join(golden, "instances_val2014_fakebbox100_results.json"), gt)
	if err != nil {
		t.Fatal(err)
	}
	e, err := coco.EvaluateResults(gt, dts)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestWritePlots renders the golden problem's charts and checks what is in them: PNGs of the
// chart size, drawn in the curves' colors; SVGs that parse as XML and carry the titles and the
// legend's APs as text (AP 0.697 at IoU .50 and 0.573 at .75, AP, APs, APm, APl 0.505, 0.586,
// 0.519, 0.501, as pycocotools prints them for this problem).
func TestWritePlots(t *testing.T) {
	e := goldenEval(t)
	dir := t.TempDir()
	files, err := WritePlots(e, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 6 {
		t.Fatalf("wrote %v", files)
	}
	dpi := 96.0 // vgimg's default
	for _, c := range []struct {
		name   string
		w, h   int
		colors []color.RGBA
		texts  []string
	}{
		{"pr_iou", int(float64(chartWidth/vg.Inch) * dpi), int(float64(chartHeight/vg.Inch) * dpi), []color.RGBA{iouColors[5], iouColors[9]},
			[]string{"all categories, one curve per IoU threshold", "IoU 0.50: AP 0.697", "IoU 0.75: AP 0.573", "IoU 0.95: AP", "recall", "precision"}},
		{"pr_area", int(float64(chartWidth/vg.Inch) * dpi), int(float64(chartHeight/vg.Inch) * dpi), []color.RGBA{areaColors[1], areaColors[2], areaColors[3]},
			[]string{"one curve per area", "area all: AP 0.505", "area small: AP 0.586", "area medium: AP 0.519", "area large: AP 0.501"}},
		{"pr_categories", 0, 0, []color.RGBA{iouColors[0], iouColors[7]},
			[]string{"person: AP 0.533, 250 gt", "toothbrush: AP", "IoU .50", "IoU .75", "IoU .50:.95 (mean)"}},
	} {
		img := readPNG(t, filepath.Join(dir, c.name+".png"))
		b := img.Bounds()
		if c.w > 0 && (b.Dx() != c.w || b.Dy() != c.h) {
			t.Errorf("%s.png is %dx%d, want %dx%d", c.name, b.Dx(), b.Dy(), c.w, c.h)
		}
		for _, col := range c.colors {
			if n := countColor(img, col); n < 50 {
				t.Errorf("%s.png: %d pixels of curve color %v", c.name, n, col)
			}
		}
		svg, err := os.ReadFile(filepath.Join(dir, c.name+".svg"))
		if err != nil {
			t.Fatal(err)
		}
		text := svgText(t, svg)
		for _, s := range c.texts {
			if !strings.Contains(text, s) {
				t.Errorf("%s.svg has no text %q", c.name, s)
			}
		}
	}
	// one panel per category with ground truth
	grid, err := Grid(e, gridCols, panelWidth, panelHeight)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, row := range grid.Plots {
		for _, p := range row {
			if p != nil {
				n++
			}
		}
	}
	want := 0
	for _, c := range e.PerCategory() {
		if c.NumGT > 0 {
			want++
		}
	}
	if n != want {
		t.Errorf("grid has %d panels, %d categories have ground truth", n, want)
	}
	if _, err := WritePlots(e, dir, "gif"); err == nil {
		t.Error("no error for format gif")
	}
}

func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

// countColor counts the pixels within 8 levels of c per channel.
func countColor(img image.Image, c color.RGBA) int {
	n := 0
	b := img.Bounds()
	near := func(a uint32, b uint8) bool { d := int(a>>8) - int(b); return d >= -8 && d <= 8 }
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if near(r, c.R) && near(g, c.G) && near(bl, c.B) {
				n++
			}
		}
	}
	return n
}

// svgText parses an SVG document and returns its character data.
func svgText(t *testing.T, b []byte) string {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(b))
	var sb strings.Builder
	for {
		tok, err := dec.Token()
		if err != nil {
			if err.Error() == "EOF" {
				return sb.String()
			}
			t.Fatalf("SVG does not parse: %v", err)
		}
		if cd, ok := tok.(xml.CharData); ok {
			sb.Write(cd)
			sb.WriteByte('\n')
		}
	}
}

// TestCategoryZero: category 0's chart is category 0's (its box found: AP 1 at IoU .50), not
// the mean over all categories (0.5, category 1's box being missed), which coco.AllCategories
// asks for.
func TestCategoryZero(t *testing.T) {
	gt := coco.NewDataset([]coco.Image{{ID: 1}}, []coco.Annotation{
		{ID: 1, ImageID: 1, CategoryID: 0, BBox: [4]float64{0, 0, 10, 10}, Area: 100},
		{ID: 2, ImageID: 1, CategoryID: 1, BBox: [4]float64{20, 20, 10, 10}, Area: 100},
	}, []coco.Category{{ID: 0, Name: "zero"}, {ID: 1, Name: "one"}})
	e, err := coco.EvaluateResults(gt, []coco.Result{{ImageID: 1, CategoryID: 0, BBox: [4]float64{0, 0, 10, 10}, Score: 1}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		id    int
		texts []string
	}{
		{0, []string{"zero (id 0), one curve per IoU threshold", "IoU 0.50: AP 1.000"}},
		{coco.AllCategories, []string{"all categories, one curve per IoU threshold", "IoU 0.50: AP 0.500"}},
	} {
		p, err := ByIoU(e, c.id)
		if err != nil {
			t.Fatal(err)
		}
		w, err := p.WriterTo(chartWidth, chartHeight, "svg")
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if _, err := w.WriteTo(&b); err != nil {
			t.Fatal(err)
		}
		text := svgText(t, b.Bytes())
		for _, s := range c.texts {
			if !strings.Contains(text, s) {
				t.Errorf("ByIoU(%d): no text %q", c.id, s)
			}
		}
	}
}

// TestWritePlotsNoGroundTruth: with no category that has ground truth there is no chart to draw:
// WritePlotsContext says so and makes no folder (none left behind, empty).
func TestWritePlotsNoGroundTruth(t *testing.T) {
	gt := coco.NewDataset([]coco.Image{{ID: 1}}, nil, []coco.Category{{ID: 1, Name: "one"}})
	e, err := coco.EvaluateResults(gt, []coco.Result{{ImageID: 1, CategoryID: 1, BBox: [4]float64{0, 0, 10, 10}, Score: 1}})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "plots")
	files, err := WritePlotsContext(context.Background(), e, dir, "png")
	if !errors.Is(err, ErrNoGroundTruth) || files != nil {
		t.Errorf("wrote %v, error %v; want none, and ErrNoGroundTruth", files, err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the folder: %v, want none made", err)
	}
}

// TestFewCategories: an evaluation narrowed to one or two categories (cocoeval -categories) titles
// the summary charts with them, not "all categories", and its grid's page is as wide as its
// heading and color key (a one-panel page cut the key off): the key's last label is inside the
// SVG's width, and the PNG shows every key color.
func TestFewCategories(t *testing.T) {
	for _, ids := range [][]int{{1}, {1, 18}} {
		e := goldenEval(t)
		e.CatIDs = ids
		if err := e.Evaluate(); err != nil {
			t.Fatal(err)
		}
		if err := e.Accumulate(); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		if _, err := WritePlots(e, dir); err != nil {
			t.Fatal(err)
		}
		svg, err := os.ReadFile(filepath.Join(dir, "pr_iou.svg"))
		if err != nil {
			t.Fatal(err)
		}
		want := "person (id 1), one curve"
		if len(ids) == 2 {
			want = "person (id 1), dog (id 18), one curve"
		}
		if text := svgText(t, svg); !strings.Contains(text, want) || strings.Contains(text, "all categories") {
			t.Errorf("%v: pr_iou's title is not %q", ids, want)
		}
		grid, err := Grid(e, gridCols, panelWidth, panelHeight)
		if err != nil {
			t.Fatal(err)
		}
		img := readPNG(t, filepath.Join(dir, "pr_categories.png"))
		need := int(float64((grid.drawHeading(nil) + 2*pageMargin) / vg.Inch * 96))
		if b := img.Bounds(); b.Dx() < need {
			t.Errorf("%v: the grid's page is %d px wide, its heading and key need %d", ids, b.Dx(), need)
		}
		for _, k := range grid.Key {
			if n := countColor(img, k.Color.(color.RGBA)); n < 20 {
				t.Errorf("%v: key color of %q: %d pixels", ids, k.Label, n)
			}
		}
	}
}

// cancelWhen is a context that reads as cancelled (Err) from the first look at which when
// (called with the number of looks so far) is true: a Ctrl-C at that point of a run. at runs
// then, once; looks counts the looks.
type cancelWhen struct {
	context.Context
	when      func(looks int) bool
	at        func()
	looks     int
	cancelled bool
}

func (c *cancelWhen) Err() error {
	if !c.cancelled && c.when(c.looks) {
		c.cancelled = true
		c.at()
	}
	c.looks++
	if c.cancelled {
		return context.Canceled
	}
	return nil
}

// TestWritePlotsContext: cancelled at each point of the run (after each number of looks at the
// context, and while a chart's bytes are going to its hidden file), WritePlotsContext returns
// context.Canceled and the charts written before, each a whole PNG; the chart being drawn leaves
// no file, hidden or not, none is written after, and the earlier files of the charts not written
// stay as they were. Cancelled at the first look, it makes no folder; left alone, it writes every
// chart, having looked between the grid's charts too. (Two categories: a grid of two charts, drawn
// in milliseconds.)
func TestWritePlotsContext(t *testing.T) {
	e := goldenEval(t)
	e.CatIDs = []int{1, 18}
	if err := e.Evaluate(); err != nil {
		t.Fatal(err)
	}
	if err := e.Accumulate(); err != nil {
		t.Fatal(err)
	}
	names := []string{"pr_iou.png", "pr_area.png", "pr_categories.png"}
	never := filepath.Join(t.TempDir(), "new")
	if _, err := WritePlotsContext(&cancelWhen{Context: context.Background(), when: func(int) bool { return true }, at: func() {}}, e, never, "png"); err != context.Canceled {
		t.Errorf("cancelled at once: %v", err)
	} else if _, err := os.Stat(never); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("cancelled at once: the folder: %v", err)
	}
	// run writes the charts into a folder holding earlier ones, cancelled when when says, and
	// checks the folder; it returns the looks and whether the run was cancelled.
	run := func(what string, when func(dir string, looks int) bool) (looks int, cancelled bool) {
		dir := t.TempDir()
		for _, name := range names {
			if err := os.WriteFile(filepath.Join(dir, name), []byte("earlier"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		var then []string // the charts written when the cancellation is seen
		ctx := &cancelWhen{Context: context.Background(), when: func(looks int) bool { return when(dir, looks) }, at: func() {
			for _, name := range names {
				if b, _ := os.ReadFile(filepath.Join(dir, name)); string(b) != "earlier" {
					then = append(then, filepath.Join(dir, name))
				}
			}
		}}
		files, err := WritePlotsContext(ctx, e, dir, "png")
		switch {
		case err != nil && err != context.Canceled:
			t.Fatalf("%s: %v", what, err)
		case err != nil && !slices.Equal(files, then):
			t.Errorf("%s: wrote %v, of which %v when it was cancelled", what, files, then)
		case err == nil && len(files) != len(names):
			t.Errorf("%s: not cancelled, wrote %v", what, files)
		}
		if ents, _ := os.ReadDir(dir); len(ents) != len(names) {
			t.Errorf("%s: the folder holds %v, want %v", what, ents, names)
		}
		for i, name := range names {
			b, rerr := os.ReadFile(filepath.Join(dir, name))
			_, perr := png.Decode(bytes.NewReader(b))
			switch {
			case i < len(files) && (files[i] != filepath.Join(dir, name) || rerr != nil || perr != nil):
				t.Errorf("%s: %s, written, is not a PNG: %v %v", what, name, rerr, perr)
			case i >= len(files) && string(b) != "earlier":
				t.Errorf("%s: %s, not written, is %d bytes, not the earlier file", what, name, len(b))
			}
		}
		return ctx.looks, err != nil
	}
	all, cancelled := run("not cancelled", func(string, int) bool { return false })
	if cancelled || all <= 1+2*len(names) { // (one look first, then one before and one after drawing each chart)
		t.Errorf("not cancelled: %d looks at the context (not between the grid's charts?)", all)
	}
	for n := 1; n < all; n++ {
		if _, cancelled := run(fmt.Sprintf("cancelled after %d looks", n), func(_ string, looks int) bool { return looks >= n }); !cancelled {
			t.Errorf("cancelled after %d of %d looks: not cancelled", n, all)
		}
	}
	// A Ctrl-C while a chart's bytes are written (the first, the grid): that chart is not.
	for _, name := range []string{names[0], names[2]} {
		prefix := "." + strings.TrimSuffix(name, ".png") + ".partial-"
		if _, cancelled := run("cancelled while "+name+" is written", func(dir string, _ int) bool {
			ents, _ := os.ReadDir(dir)
			for _, ent := range ents {
				if info, err := ent.Info(); err == nil && strings.HasPrefix(ent.Name(), prefix) && info.Size() > 0 {
					return true
				}
			}
			return false
		}); !cancelled {
			t.Errorf("cancelled while %s is written: not cancelled", name)
		}
	}
}

// TestGridOfManyCategories: of more than MaxGridCategories categories with ground truth, the grid
// draws the MaxGridCategories with the most ground truths (among equals the lower ids) in id
// order, and its heading says so; categories without ground truth are never drawn.
func TestGridOfManyCategories(t *testing.T) {
	n := MaxGridCategories + 44
	var cats []coco.Category
	var anns []coco.Annotation
	var dts []coco.Result
	for id := 1; id <= n+1; id++ { // the last has no ground truth
		cats = append(cats, coco.Category{ID: id, Name: fmt.Sprint("c", id)})
		gts := 1
		if id%3 == 0 || id > n-10 { // 100 multiples of 3 and the 10 highest ids (4 of them both): two
			gts = 2
		}
		if id == n+1 {
			gts = 0
		}
		for k := range gts {
			box := [4]float64{float64(10 * k), 0, 8, 8}
			anns = append(anns, coco.Annotation{ID: int64(len(anns) + 1), ImageID: 1, CategoryID: id, BBox: box, Area: 64})
			dts = append(dts, coco.Result{ImageID: 1, CategoryID: id, BBox: box, Score: 1})
		}
	}
	e, err := coco.EvaluateResults(coco.NewDataset([]coco.Image{{ID: 1, Width: 100, Height: 100}}, anns, cats), dts)
	if err != nil {
		t.Fatal(err)
	}
	grid, err := Grid(e, gridCols, panelWidth, panelHeight)
	if err != nil {
		t.Fatal(err)
	}
	var want []string // all 106 with two, and of those with one the lowest ids, 150: to id 225
	for id := 1; id <= n; id++ {
		if id%3 == 0 || id > n-10 || id <= 225 {
			want = append(want, fmt.Sprintf("c%d: ", id))
		}
	}
	var got []string
	for _, row := range grid.Plots {
		for _, p := range row {
			if p != nil {
				got = append(got, p.Title.Text)
			}
		}
	}
	if len(want) != MaxGridCategories || len(got) != len(want) {
		t.Fatalf("%d panels, want %d (%d listed)", len(got), MaxGridCategories, len(want))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Fatalf("panel %d: %q, want %s", i, got[i], want[i])
		}
	}
	if wantHead := fmt.Sprintf("per category (the %d of %d with the most ground truths)", MaxGridCategories, n); !strings.Contains(grid.Heading, wantHead) {
		t.Errorf("heading %q does not say %q", grid.Heading, wantHead)
	}
}
