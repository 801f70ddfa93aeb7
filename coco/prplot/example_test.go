package prplot_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

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
