//go:build cgo && !noopencv && matprofile

package pipeline

import (
	"context"
	"io"
	"os/exec"
	"path/filepath"
	"testing"

	"gocv.io/x/gocv"

	"github.com/shuffledet/shuffledet/detector"
	"github.com/shuffledet/shuffledet/internal/videotest"
)

// TestMatProfilePipeline runs 1000 frames (the clip 25 times) through Run with drawing, a video
// file (Motion JPEG: quicker to encode than H.264) and JSON lines, then an interrupted run, a live
// run, a rotated video into a writer following its times and a photo read reduced, and requires every Mat to be
// closed afterwards (gocv.MatProfile counts open Mats when built with -tags matprofile; make
// matprofile runs it).
func TestMatProfilePipeline(t *testing.T) {
	// The default score threshold: few detections, so the 1000 frames go fast; Draw's Mats (none)
	// are the adapter test's subject.
	det, err := detector.Load(videotest.Tiny(t))
	if err != nil {
		t.Fatal(err)
	}
	base := gocv.MatProfile.Count()
	clip := videotest.Clip(t)
	open := func() (Source, error) { return OpenVideo(clip) }
	vw, err := NewVideoWriter(filepath.Join(t.TempDir(), "out.avi"), videotest.ClipFPS)
	if err != nil {
		t.Fatal(err)
	}
	stats := &Stats{}
	opened := false
	sinks := []Sink{vw, NewJSONLines(io.Discard), sinkFunc(func(*Frame) error {
		opened = opened || gocv.MatProfile.Count() > base
		return nil
	})}
	if err := Run(context.Background(), &loop{open: open, times: 25}, det, sinks, Options{Draw: true, Workers: 2, Stats: stats}); err != nil {
		t.Fatal(err)
	}
	if err := vw.Close(); err != nil {
		t.Fatal(err)
	}
	if c := stats.Counts(); c.Frames != 1000 || !opened {
		t.Fatalf("%d frames; Mats counted while running: %v (build with -tags matprofile)", c.Frames, opened)
	}
	// Interrupted mid-run, and live with drops.
	ctx, cancel := context.WithCancel(context.Background())
	stop := sinkFunc(func(f *Frame) error {
		if f.Index == 20 {
			cancel()
		}
		return nil
	})
	if err := Run(ctx, &loop{open: open, times: 2}, det, []Sink{stop}, Options{Draw: true, Workers: 2}); err != context.Canceled {
		t.Fatalf("interrupted run: %v", err)
	}
	if err := Run(context.Background(), &synthetic{n: 100, w: 96, h: 64}, det, nil, Options{Live: true, Draw: true}); err != nil {
		t.Fatal(err)
	}
	// A video tagged with a rotation (its frames turned from a Mat of their own) into a writer
	// that follows the frames' times (it keeps the last frame), and a photo too large to decode
	// whole (read reduced).
	dir := t.TempDir()
	turned := filepath.Join(dir, "turned.mp4")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-i", clip, "-c", "copy", "-metadata:s:v", "rotate=90", turned).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	v, err := OpenVideo(turned)
	if err != nil {
		t.Fatal(err)
	}
	tw, err := NewVideoWriter(filepath.Join(dir, "turned.out.mp4"), videotest.ClipFPS)
	if err != nil {
		t.Fatal(err)
	}
	tw.FollowTimes = true
	if err := Run(context.Background(), v, det, []Sink{tw}, Options{Draw: true}); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := Run(context.Background(), NewImages([]string{videotest.HugeJPEG(t, dir)}), det, []Sink{NewJSONLines(io.Discard)}, Options{Draw: true}); err != nil {
		t.Fatal(err)
	}
	if n := gocv.MatProfile.Count(); n != base {
		t.Fatalf("%d Mats left open", n-base)
	}
}
