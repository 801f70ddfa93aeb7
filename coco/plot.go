package coco

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// Curve is one precision-recall curve: precision at RecallThresholds, -1
// where there is no ground truth.
type Curve struct {
	Label     string
	Precision [NumRecall]float64
}

// PRCurves returns the precision-recall curves (area all, 100 detections)
// at the 10 IoU thresholds, for category id, or averaged over the
// categories that have ground truth when id is 0 (as pycocotools' demo
// plots). Call Accumulate first.
func (e *Eval) PRCurves(id int) ([]Curve, error) {
	if !e.accumulated {
		e.Accumulate()
	}
	ks := make([]int, 0, len(e.CatIDs))
	for k, cid := range e.CatIDs {
		if id == 0 || cid == id {
			ks = append(ks, k)
		}
	}
	if len(ks) == 0 {
		return nil, fmt.Errorf("coco: category %d is not evaluated", id)
	}
	curves := make([]Curve, NumIoU)
	for t := 0; t < NumIoU; t++ {
		curves[t].Label = fmt.Sprintf("IoU=%.2f", IoUThresholds[t])
		for r := 0; r < NumRecall; r++ {
			sum, n := 0.0, 0
			for _, k := range ks {
				if v := e.Precision[e.pidx(t, r, k, 0, NumMaxDet-1)]; v > -1 {
					sum += v
					n++
				}
			}
			curves[t].Precision[r] = -1
			if n > 0 {
				curves[t].Precision[r] = sum / float64(n)
			}
		}
	}
	return curves, nil
}

// curveColors are the colors of the 10 IoU-threshold curves, from .50
// (blue) to .95 (red).
var curveColors = []color.RGBA{
	{31, 119, 180, 255}, {23, 190, 207, 255}, {44, 160, 44, 255}, {188, 189, 34, 255},
	{140, 86, 75, 255}, {148, 103, 189, 255}, {227, 119, 194, 255}, {255, 127, 14, 255},
	{127, 127, 127, 255}, {214, 39, 40, 255},
}

// PlotPR draws precision-recall curves into a w x h image (paletted:
// small and quick to encode as PNG).
func PlotPR(title string, curves []Curve, w, h int) *image.Paletted {
	pal := color.Palette{color.White, color.Black, color.RGBA{225, 225, 225, 255}}
	for _, c := range curveColors {
		pal = append(pal, c)
	}
	img := image.NewPaletted(image.Rect(0, 0, w, h), pal)
	const left, right, top, bottom = 56, 120, 34, 44
	pw, ph := w-left-right, h-top-bottom
	px := func(x float64) int { return left + int(float64(x*float64(pw))+0.5) }
	py := func(y float64) int { return top + ph - int(float64(y*float64(ph))+0.5) }
	const black, grid = 1, 2
	for i := 0; i <= 10; i++ {
		v := float64(i) / 10
		line(img, px(v), py(0), px(v), py(1), grid, 1)
		line(img, px(0), py(v), px(1), py(v), grid, 1)
		lbl := fmt.Sprintf("%.1f", v)
		text(img, px(v)-len(lbl)*7/2, py(0)+16, lbl, black)
		text(img, left-8-len(lbl)*7, py(v)+4, lbl, black)
	}
	line(img, px(0), py(0), px(1), py(0), black, 1)
	line(img, px(0), py(0), px(0), py(1), black, 1)
	line(img, px(1), py(0), px(1), py(1), black, 1)
	line(img, px(0), py(1), px(1), py(1), black, 1)
	text(img, left+pw/2-3*7, h-8, "recall", black)
	text(img, 4, top-8, "precision", black)
	text(img, left+pw/2-len(title)*7/2, 20, title, black)
	for ci, c := range curves {
		col := uint8(3 + ci%len(curveColors))
		prevOK := false
		var x0, y0 int
		for r, p := range c.Precision {
			if p < 0 {
				prevOK = false
				continue
			}
			x1, y1 := px(RecallThresholds[r]), py(p)
			if prevOK {
				line(img, x0, y0, x1, y1, col, 2)
			}
			x0, y0, prevOK = x1, y1, true
		}
		ly := top + 10 + ci*16
		line(img, left+pw+10, ly-4, left+pw+28, ly-4, col, 2)
		text(img, left+pw+32, ly, c.Label, black)
	}
	return img
}

// line draws a line of thickness th in palette color c (Bresenham).
func line(img *image.Paletted, x0, y0, x1, y1 int, c uint8, th int) {
	dx, dy := abs(x1-x0), -abs(y1-y0)
	sx, sy := 1, 1
	if x0 > x1 {
		sx = -1
	}
	if y0 > y1 {
		sy = -1
	}
	err := dx + dy
	for {
		for i := 0; i < th; i++ {
			for j := 0; j < th; j++ {
				img.SetColorIndex(x0+i, y0+j, c)
			}
		}
		if x0 == x1 && y0 == y1 {
			return
		}
		if e2 := 2 * err; e2 >= dy {
			err += dy
			x0 += sx
		} else {
			err += dx
			y0 += sy
		}
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// text draws s with its baseline at y in palette color c.
func text(img *image.Paletted, x, y int, s string, c uint8) {
	d := font.Drawer{Dst: img, Src: image.NewUniform(img.Palette[c]), Face: basicfont.Face7x13,
		Dot: fixed.P(x, y)}
	d.DrawString(s)
}

// WritePlots writes PR-curve PNGs into dir: pr_all.png (averaged over the
// categories) and pr_<id>_<name>.png for every category with ground
// truth. It returns the files written.
func (e *Eval) WritePlots(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if !e.accumulated {
		e.Accumulate()
	}
	var files []string
	write := func(name, title string, id int) error {
		curves, err := e.PRCurves(id)
		if err != nil {
			return err
		}
		path := filepath.Join(dir, name)
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		enc := png.Encoder{CompressionLevel: png.BestSpeed}
		if err := enc.Encode(f, PlotPR(title, curves, 760, 480)); err != nil {
			f.Close()
			return fmt.Errorf("%s: %w", path, err)
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		files = append(files, path)
		return nil
	}
	ap, _ := e.stat(summaryLines[0], nil, nil)
	if err := write("pr_all.png", fmt.Sprintf("all categories: AP %.3f", ap), 0); err != nil {
		return files, err
	}
	for _, c := range e.PerCategory() {
		if c.NumGT == 0 {
			continue
		}
		name := fmt.Sprintf("pr_%03d_%s.png", c.ID, fileSafe(c.Name))
		if err := write(name, fmt.Sprintf("%s (id %d): AP %.3f", c.Name, c.ID, c.Stats[0]), c.ID); err != nil {
			return files, err
		}
	}
	return files, nil
}

// fileSafe keeps letters, digits, '-' and '_' of s and turns the rest into '_'.
func fileSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			return r
		}
		return '_'
	}, s)
}
