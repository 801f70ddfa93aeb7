//go:build cgo && !noopencv && matprofile

package cvdetect

import (
	"image"
	"testing"

	"gocv.io/x/gocv"

	"github.com/shuffledet/shuffledet/detector"
	"github.com/shuffledet/shuffledet/internal/videotest"
)

func init() { regionAllocs = 1 } // gocv records each Mat it makes, Pixels' row header too

// TestMatProfileAdapter runs 1000 frames of assorted sizes, whole Mats and regions, through
// Detect and Draw and requires every Mat to be closed afterwards (gocv.MatProfile counts the
// open ones when built with -tags matprofile; make matprofile runs it).
func TestMatProfileAdapter(t *testing.T) {
	det, err := detector.Load(videotest.Tiny(t), detector.WithScoreThreshold(0))
	if err != nil {
		t.Fatal(err)
	}
	base := gocv.MatProfile.Count()
	sizes := []image.Point{{64, 48}, {97, 33}, {40, 120}, {320, 180}}
	detected := 0
	for i := range 1000 {
		sz := sizes[i%len(sizes)]
		m := gocv.NewMatWithSize(sz.Y+8, sz.X+6, gocv.MatTypeCV8UC3)
		gocv.RandU(&m, gocv.NewScalar(0, 0, 0, 0), gocv.NewScalar(255, 255, 255, 0))
		frame := m
		if i%2 == 1 { // a region, not continuous
			frame = m.Region(image.Rect(3, 4, 3+sz.X, 4+sz.Y))
		}
		if i == 0 && gocv.MatProfile.Count() == base {
			t.Fatal("MatProfile does not count open Mats: build with -tags matprofile")
		}
		dets, err := Detect(det, frame)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		detected += len(dets)
		Draw(&frame, dets)
		if i%2 == 1 {
			frame.Close()
		}
		m.Close()
	}
	if detected == 0 {
		t.Fatal("no detections: Draw was never exercised")
	}
	if n := gocv.MatProfile.Count(); n != base {
		t.Fatalf("%d Mats left open after 1000 frames", n-base)
	}
}
