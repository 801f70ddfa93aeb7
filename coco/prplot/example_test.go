package prplot_test

import (
	"bytes"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot/vg"

	"github.com/shuffledet/shuffledet/coco"
	"github.com/shuffledet/shuffledet/coco/prplot"
)

// The COCO API demo's detections, evaluated and drawn as PNG charts.
func ExampleWritePlots() {
	dir := "../../../shared/data/cocoeval-golden"
	gt, err := coco.LoadDataset(filepath.Join(dir, "instances_val2014_100.json"))
	if err != nil {
		log.Fatal(err)
	}
	dts, err := coco.LoadResults(filepath.Join(dir, "instances_val2014_fakebbox100_results.json"), gt)
	if err != nil {
		log.Fatal(err)
	}
	e, err := coco.EvaluateResults(gt, dts)
	if err != nil {
		log.Fatal(err)
	}
	out, err := os.MkdirTemp("", "prplot")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(out)
	files, err := prplot.WritePlots(e, out, "png")
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range files {
		fmt.Println(filepath.Base(f))
	}
	// Output:
	// pr_iou.png
	// pr_area.png
	// pr_categories.png
}

// The per-category grid of two categories, drawn as an SVG page into a buffer: a Tiled can be
// written anywhere (an HTTP response, a report), not only into WritePlots' files.
func ExampleGrid() {
	cats := []coco.Category{{ID: 1, Name: "person"}, {ID: 2, Name: "car"}}
	gts := []coco.Annotation{
		{ID: 1, ImageID: 1, CategoryID: 1, BBox: [4]float64{10, 10, 40, 80}, Area: 3200},
		{ID: 2, ImageID: 1, CategoryID: 2, BBox: [4]float64{60, 50, 30, 20}, Area: 600},
	}
	gt := coco.NewDataset([]coco.Image{{ID: 1, Width: 100, Height: 100}}, gts, cats)
	dts := []coco.Result{
		{ImageID: 1, CategoryID: 1, BBox: [4]float64{12, 10, 40, 78}, Score: 0.9},
		{ImageID: 1, CategoryID: 2, BBox: [4]float64{0, 0, 20, 20}, Score: 0.8}, // misses the car
	}
	e, err := coco.EvaluateResults(gt, dts)
	if err != nil {
		log.Fatal(err)
	}
	grid, err := prplot.Grid(e, 8, 2.2*vg.Inch, 1.9*vg.Inch)
	if err != nil {
		log.Fatal(err)
	}
	for _, row := range grid.Plots {
		for _, p := range row {
			fmt.Println(p.Title.Text)
		}
	}
	var page bytes.Buffer
	if err := grid.Encode(&page, "svg"); err != nil {
		log.Fatal(err)
	}
	fmt.Println(strings.Contains(page.String(), "<svg"))
	fmt.Println(grid.Encode(&page, "gif"))
	// Output:
	// person: AP 0.800, 1 gt
	// car: AP 0.000, 1 gt
	// true
	// prplot: format "gif" (png or svg)
}
