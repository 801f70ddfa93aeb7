package coco

import (
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

func TestWritePlots(t *testing.T) {
	dir := filepath.Join(sharedData, "cocoeval-golden")
	needData(t, dir)
	e := evalFiles(t, filepath.Join(dir, "instances_val2014_100.json"), filepath.Join(dir, "instances_val2014_fakebbox100_results.json"))
	files, err := e.WritePlots(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	want := 1
	for _, c := range e.PerCategory() {
		if c.NumGT > 0 {
			want++
		}
	}
	if len(files) != want {
		t.Fatalf("wrote %d plots, want %d", len(files), want)
	}
	f, err := os.Open(files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", files[0], err)
	}
	if b := img.Bounds(); b.Dx() != 760 || b.Dy() != 480 {
		t.Fatalf("plot is %v", b)
	}
}
