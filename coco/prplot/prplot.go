// Package prplot draws the precision-recall curves of a COCO evaluation (coco.Eval) as charts
// with gonum.org/v1/plot: axes, grid, legend; one curve per IoU threshold, one per object size,
// and a grid of small charts, one per category. Charts are written as PNG or SVG.
package prplot

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"image/color"
	"io"
	"os"
	"path/filepath"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/shuffledet/shuffledet/coco"
	"github.com/shuffledet/shuffledet/internal/outpath"
)

// maxDets is the index of 100 detections per image in coco.MaxDets, the setting AP uses.
const maxDets = coco.NumMaxDet - 1

// iouColors color the ten IoU thresholds' curves, from .50 (blue) to .95 (red).
var iouColors = [coco.NumIoU]color.RGBA{
	{31, 119, 180, 255}, {23, 190, 207, 255}, {44, 160, 44, 255}, {188, 189, 34, 255},
	{140, 86, 75, 255}, {148, 103, 189, 255}, {227, 119, 194, 255}, {255, 127, 14, 255},
	{127, 127, 127, 255}, {214, 39, 40, 255},
}

// areaColors color the area ranges all, small, medium, large.
var areaColors = [coco.NumArea]color.RGBA{{0, 0, 0, 255}, {31, 119, 180, 255}, {44, 160, 44, 255}, {214, 39, 40, 255}}

// curve is one line of a chart.
type curve struct {
	label string
	color color.Color
	dash  bool
	ys    [coco.NumRecall]float64
}

// newChart returns an empty precision-recall chart: recall on x, precision on y, both 0..1,
// with a grid.
func newChart(title string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "recall"
	p.Y.Label.Text = "precision"
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1.02
	p.X.Tick.Marker, p.Y.Tick.Marker = tenths, tenths
	p.Add(plotter.NewGrid())
	// Precision is high at low recall and low at high recall: the top right is free.
	p.Legend.Top, p.Legend.Left = true, false
	p.Legend.XOffs, p.Legend.YOffs = -vg.Millimeter, -vg.Millimeter
	return p
}

// tenths ticks an axis at 0, 0.1, ..., 1, labelling every other one.
var tenths = plot.ConstantTicks(func() []plot.Tick {
	ts := make([]plot.Tick, 11)
	for i := range ts {
		ts[i].Value = float64(i) / 10
		if i%2 == 0 {
			ts[i].Label = fmt.Sprintf("%.1f", ts[i].Value)
		}
	}
	return ts
}())

// addCurves draws the curves and, when legend is set, lists them in the legend with their AP
// (curves with no ground truth are listed as such and not drawn).
func addCurves(p *plot.Plot, cs []curve, width vg.Length, legend bool) error {
	for _, c := range cs {
		pts := make(plotter.XYs, 0, coco.NumRecall)
		for r, y := range c.ys {
			if y > -1 {
				pts = append(pts, plotter.XY{X: coco.RecallThresholds[r], Y: y})
			}
		}
		label := c.label + ": no ground truth"
		if len(pts) > 0 {
			label = fmt.Sprintf("%s: AP %.3f", c.label, coco.CurveAP(c.ys))
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return err
		}
		l.Color, l.Width = c.color, width
		if c.dash {
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
		}
		if len(pts) > 0 {
			p.Add(l)
		}
		if legend {
			p.Legend.Add(label, l)
		}
	}
	return nil
}

// categoryTitle names category id (coco.AllCategories: the evaluated categories, all of the
// ground truth's or those e.CatIDs narrowed them to) and what the chart shows.
func categoryTitle(e *coco.Eval, id int, what string) string {
	name := "all categories"
	switch {
	case id != coco.AllCategories:
		name = categoryName(e, id)
	case len(e.CatIDs) < len(e.GT.CategoryIDs()) && len(e.CatIDs) <= 4:
		name = ""
		for i, c := range e.CatIDs {
			if i > 0 {
				name += ", "
			}
			name += categoryName(e, c)
		}
	case len(e.CatIDs) < len(e.GT.CategoryIDs()):
		name = fmt.Sprintf("%d of the %d categories", len(e.CatIDs), len(e.GT.CategoryIDs()))
	}
	return fmt.Sprintf("%s, %s", name, what)
}

// categoryName is category id's name and id, or its id alone when it has no name.
func categoryName(e *coco.Eval, id int) string {
	if c, ok := e.GT.Category(id); ok && c.Name != "" {
		return fmt.Sprintf("%s (id %d)", c.Name, id)
	}
	return fmt.Sprintf("category %d", id)
}

// ByIoU returns the chart of category id (coco.AllCategories: all categories, averaged as
// pycocotools' demo does) with one precision-recall curve per IoU threshold .50, .55, ..., .95 (all areas, 100
// detections per image), each labelled with its AP.
func ByIoU(e *coco.Eval, id int) (*plot.Plot, error) {
	var cs []curve
	for t := range coco.NumIoU {
		ys, err := e.PRCurve(id, t, 0, maxDets)
		if err != nil {
			return nil, err
		}
		cs = append(cs, curve{label: fmt.Sprintf("IoU %.2f", coco.IoUThresholds[t]), color: iouColors[t], ys: ys})
	}
	p := newChart(categoryTitle(e, id, "one curve per IoU threshold (all areas, 100 detections)"))
	return p, addCurves(p, cs, vg.Points(1.5), true)
}

// ByArea returns the chart of category id (coco.AllCategories: all categories) with one precision-recall curve
// per object size (all, small < 32², medium, large > 96², by the annotations' area), precision
// averaged over the ten IoU thresholds, so each curve's mean is AP, APs, APm or APl.
func ByArea(e *coco.Eval, id int) (*plot.Plot, error) {
	var cs []curve
	for a := range coco.NumArea {
		ys, err := e.PRCurve(id, -1, a, maxDets)
		if err != nil {
			return nil, err
		}
		cs = append(cs, curve{label: "area " + coco.AreaLabels[a], color: areaColors[a], dash: a == 0, ys: ys})
	}
	p := newChart(categoryTitle(e, id, "one curve per area (IoU .50:.95, 100 detections)"))
	return p, addCurves(p, cs, vg.Points(1.5), true)
}

// panelCurves are the curves of a grid panel: IoU index (-1: the mean over all ten), label,
// color.
var panelCurves = []struct {
	t     int
	label string
	color color.RGBA
}{{0, "IoU .50", iouColors[0]}, {5, "IoU .75", iouColors[7]}, {-1, "IoU .50:.95 (mean)", color.RGBA{0, 0, 0, 255}}}

// panel is a category's small chart in the grid (panelCurves).
func panel(e *coco.Eval, c coco.CategoryResult) (*plot.Plot, error) {
	var cs []curve
	for _, s := range panelCurves {
		ys, err := e.PRCurve(c.ID, s.t, 0, maxDets)
		if err != nil {
			return nil, err
		}
		cs = append(cs, curve{label: s.label, color: s.color, ys: ys})
	}
	name := c.Name
	if name == "" {
		name = fmt.Sprintf("id %d", c.ID)
	}
	p := newChart(fmt.Sprintf("%s: AP %.3f, %d gt", name, c.Stats[0], c.NumGT))
	small := vg.Points(7)
	p.Title.TextStyle.Font.Size = vg.Points(8)
	p.X.Label.Text, p.Y.Label.Text = "", ""
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Tick.Label.Font.Size = small
		a.Tick.Marker = plot.ConstantTicks([]plot.Tick{{Value: 0, Label: "0"}, {Value: 0.5, Label: ".5"}, {Value: 1, Label: "1"}})
	}
	return p, addCurves(p, cs, vg.Points(1), false)
}

// MaxGridCategories is how many categories Grid draws at most: a page of 256 charts is already
// too large to read at once (LVIS has 1203 categories), and one of 10,000 took minutes and
// gigabytes to draw.
const MaxGridCategories = 256

// Grid returns the per-category grid: one small chart per category with ground truth, titled
// with its AP and number of ground truths, with curves at IoU .50, .75 and the mean over
// .50:.95 (all areas, 100 detections), cols charts to a row, each w x h, under a heading that
// keys the colors. Of more than MaxGridCategories categories it draws the MaxGridCategories with
// the most ground truths (the lower id first among equals), in the order of their ids, and its
// heading says so.
func Grid(e *coco.Eval, cols int, w, h vg.Length) (*Tiled, error) {
	var cats []coco.CategoryResult
	for _, c := range e.PerCategory() {
		if c.NumGT > 0 {
			cats = append(cats, c)
		}
	}
	if len(cats) == 0 {
		return nil, ErrNoGroundTruth
	}
	which := "per category"
	if len(cats) > MaxGridCategories {
		which = fmt.Sprintf("per category (the %d of %d with the most ground truths)", MaxGridCategories, len(cats))
		slices.SortStableFunc(cats, func(a, b coco.CategoryResult) int { return cmp.Compare(b.NumGT, a.NumGT) })
		cats = cats[:MaxGridCategories]
		slices.SortFunc(cats, func(a, b coco.CategoryResult) int { return cmp.Compare(a.ID, b.ID) })
	}
	cols = max(1, min(cols, len(cats)))
	rows := (len(cats) + cols - 1) / cols
	t := &Tiled{Plots: make([][]*plot.Plot, rows), Width: vg.Length(cols) * w, Height: vg.Length(rows)*h + headingHeight,
		Heading: "precision (y) against recall (x) " + which + ", all areas, 100 detections per image:"}
	for _, s := range panelCurves {
		t.Key = append(t.Key, KeyEntry{Label: s.label, Color: s.color})
	}
	for r := range t.Plots {
		t.Plots[r] = make([]*plot.Plot, cols)
	}
	for i, c := range cats {
		p, err := panel(e, c)
		if err != nil {
			return nil, err
		}
		t.Plots[i/cols][i%cols] = p
	}
	return t, nil
}

// Tiled is a grid of charts drawn on one page (nil cells stay blank) under a one-line heading
// that ends with a color key.
type Tiled struct {
	Plots         [][]*plot.Plot // rows of charts
	Width, Height vg.Length      // the page
	Heading       string
	Key           []KeyEntry
}

// KeyEntry is one line color of a Tiled's key.
type KeyEntry struct {
	Label string
	Color color.Color
}

// headingHeight is the band at the top of a Tiled page that holds its heading.
const headingHeight = 24 * vg.Length(1)

// Encode draws the charts on one page and writes it to w in format "png" or "svg". A page
// narrower than its heading and key (a grid of a few charts) is widened to hold them, the charts
// keeping their width at its left. (Not WriteTo: io.WriterTo's method takes no format.)
func (t *Tiled) Encode(w io.Writer, format string) error {
	return t.encode(context.Background(), w, format)
}

// encode is Encode that stops between charts when ctx ends (the PNG of a grid of 80 takes a
// second), returning ctx's error and writing nothing.
func (t *Tiled) encode(ctx context.Context, w io.Writer, format string) error {
	tiles := draw.Tiles{Rows: len(t.Plots), Cols: len(t.Plots[0]),
		PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2,
		PadX: vg.Millimeter * 3, PadY: vg.Millimeter * 3}
	width := max(t.Width, t.drawHeading(nil)+2*pageMargin)
	canvas, dc, err := page(width, t.Height, format)
	if err != nil {
		return err
	}
	band := draw.Crop(dc, 0, 0, dc.Max.Y-dc.Min.Y-headingHeight, 0)
	t.drawHeading(&band)
	canvases := plot.Align(t.Plots, tiles, draw.Crop(dc, 0, t.Width-width, 0, -headingHeight))
	for r, row := range t.Plots {
		for c, p := range row {
			if err := ctx.Err(); err != nil {
				return err
			}
			if p != nil {
				p.Draw(canvases[r][c])
			}
		}
	}
	_, err = canvas.WriteTo(w)
	return err
}

// drawHeading writes the heading and its key, left-aligned, in the band c, and returns their
// width; with c nil it only measures them.
func (t *Tiled) drawHeading(c *draw.Canvas) vg.Length {
	sty := plot.New().Title.TextStyle
	sty.XAlign, sty.YAlign = draw.XLeft, draw.YCenter
	var x, y vg.Length
	if c != nil {
		x, y = c.Min.X, (c.Min.Y+c.Max.Y)/2
	}
	x0 := x
	x += vg.Points(4)
	if c != nil {
		c.FillText(sty, vg.Point{X: x, Y: y}, t.Heading)
	}
	x += sty.Width(t.Heading) + vg.Points(12)
	for _, k := range t.Key {
		if c != nil {
			c.StrokeLine2(draw.LineStyle{Color: k.Color, Width: vg.Points(2)}, x, y, x+vg.Points(18), y)
			c.FillText(sty, vg.Point{X: x + vg.Points(22), Y: y}, k.Label)
		}
		x += vg.Points(22) + sty.Width(k.Label) + vg.Points(14)
	}
	return x - x0
}

// page returns a white w x h page in format "png" or "svg", and the area to draw on: the page
// less a margin (gonum's text extents cut the tops of titles drawn at the very edge).
func page(w, h vg.Length, format string) (vg.CanvasWriterTo, draw.Canvas, error) {
	var c vg.CanvasWriterTo
	switch format {
	case "png":
		c = vgimg.PngCanvas{Canvas: vgimg.New(w, h)}
	case "svg":
		c = vgsvg.New(w, h)
	default:
		return nil, draw.Canvas{}, fmt.Errorf("prplot: format %q (png or svg)", format)
	}
	dc := draw.New(c)
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	m := pageMargin
	return c, draw.Crop(dc, m, -m, m, -m), nil
}

// pageMargin is the blank border of a page.
const pageMargin = 6 * vg.Length(1)

// ErrNoGroundTruth is Grid's and WritePlots' error for an evaluation where no category has
// ground truth in the images evaluated: there is no curve to draw.
var ErrNoGroundTruth = errors.New("prplot: no category has ground truth")

// Chart sizes of WritePlots.
const (
	chartWidth, chartHeight = 7 * vg.Inch, 5 * vg.Inch
	panelWidth, panelHeight = 2.2 * vg.Inch, 1.9 * vg.Inch
	gridCols                = 8
)

// WritePlots writes into dir, in each of formats ("png", "svg"): pr_iou (all categories, one
// curve per IoU threshold), pr_area (one curve per area) and pr_categories (the per-category
// grid). It returns the files written. An e where no category has ground truth has no chart to
// draw: an error, and dir is not made.
func WritePlots(e *coco.Eval, dir string, formats ...string) ([]string, error) {
	return WritePlotsContext(context.Background(), e, dir, formats...)
}

// WritePlotsContext is WritePlots that stops when ctx ends (a Ctrl-C), returning the files
// written before and ctx's error. ctx is looked at first (an ended ctx makes no dir), before each
// chart is begun, between the grid's charts, and once a chart is drawn, before it replaces the
// file of its name: no file is written once ctx has ended, a chart cut short leaves none, hidden
// or not, and an earlier file of its name stays as it was.
func WritePlotsContext(ctx context.Context, e *coco.Eval, dir string, formats ...string) ([]string, error) {
	if len(formats) == 0 {
		formats = []string{"png", "svg"}
	}
	for _, f := range formats {
		if f != "png" && f != "svg" {
			return nil, fmt.Errorf("prplot: format %q (png or svg)", f)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	iou, err := ByIoU(e, coco.AllCategories)
	if err != nil {
		return nil, err
	}
	area, err := ByArea(e, coco.AllCategories)
	if err != nil {
		return nil, err
	}
	grid, err := Grid(e, gridCols, panelWidth, panelHeight)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, outpath.NewFolderMode); err != nil { // (once there are charts to write)
		return nil, err
	}
	var files []string
	for _, f := range formats {
		for _, c := range []struct {
			name  string
			write func(io.Writer) error
		}{
			{"pr_iou", func(w io.Writer) error { return writeChart(w, iou, f) }},
			{"pr_area", func(w io.Writer) error { return writeChart(w, area, f) }},
			{"pr_categories", func(w io.Writer) error { return grid.encode(ctx, w, f) }},
		} {
			if err := ctx.Err(); err != nil {
				return files, err
			}
			path := filepath.Join(dir, c.name+"."+f)
			err := outpath.WriteReplacing(path, func(w io.Writer) error {
				if err := c.write(w); err != nil {
					return err
				}
				return ctx.Err() // (an error: the hidden file is removed, not renamed into place)
			})
			if err != nil {
				if cerr := ctx.Err(); cerr != nil && errors.Is(err, cerr) {
					return files, cerr
				}
				return files, err
			}
			files = append(files, path)
		}
	}
	return files, nil
}

// writeChart writes one chart of the standard size as format.
func writeChart(w io.Writer, p *plot.Plot, format string) error {
	c, dc, err := page(chartWidth, chartHeight, format)
	if err != nil {
		return err
	}
	p.Draw(dc)
	_, err = c.WriteTo(w)
	return err
}
