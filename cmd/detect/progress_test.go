//go:build cgo && !noopencv

package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/shuffledet/shuffledet/internal/videotest"
)

// TestFrameBar: a live source's report carries the drops in its label and ends with one line.
func TestFrameBar(t *testing.T) {
	var out bytes.Buffer
	b := newFrameBar(&out, "camera:0", 0, "frames")
	b.Update(3, 1)
	b.Finish(5, 2)
	got := out.String()
	if !strings.HasPrefix(got, "camera:0 (2 dropped): 5 frames, ") || strings.Count(got, "\n") != 1 {
		t.Errorf("progress %q", got)
	}
}

// TestFrameBarRelabelsAtItsPace: a live source that drops frames relabels its bar at most every
// relabelEvery, so a frame's update allocates nothing (a label a frame was a new string a frame),
// and the last drops still end in the final line.
func TestFrameBarRelabelsAtItsPace(t *testing.T) {
	var out bytes.Buffer
	b := newFrameBar(&out, "camera:0", 0, "frames")
	b.Update(1, 1)
	done := 1
	if n := testing.AllocsPerRun(100, func() { done++; b.Update(done, done) }); n != 0 {
		t.Errorf("%v allocations a frame", n)
	}
	b.Finish(done, done)
	if want := fmt.Sprintf("camera:0 (%d dropped): %d frames, ", done, done); !strings.HasPrefix(out.String(), want) {
		t.Errorf("progress %q, want it to start %q", out.String(), want)
	}
}

// TestImagesBarCountsUnreadable: a folder whose images are not all readable ends its bar at its
// total (it stopped at 2 of 3, 66.7%, with every image handled).
func TestImagesBarCountsUnreadable(t *testing.T) {
	dir := t.TempDir()
	model := videotest.Tiny(t)
	photo, err := os.ReadFile("../../testdata/images/000000001503.jpg")
	if err != nil {
		t.Fatal(err)
	}
	images := filepath.Join(dir, "images")
	if err := os.Mkdir(images, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"a.jpg": photo, "b.jpg": photo, "c.jpg": []byte("not a JPEG")} {
		if err := os.WriteFile(filepath.Join(images, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, stderr, err := run(t, "-model", model, "-json", os.DevNull, images)
	if err == nil || !strings.Contains(err.Error(), "1 of 3 images failed") {
		t.Fatalf("detect on a folder with an unreadable image: %v", err)
	}
	if !strings.Contains(stderr, "images: 3/3 images") {
		t.Errorf("the bar does not end at its total:\n%s", stderr)
	}
}

// TestSkippedImageNamedOnce: the line for an image that cannot be decoded names it once, as
// cvimage's error does ("X: skipped: cvimage: image X: ..." before).
func TestSkippedImageNamedOnce(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "c.jpg")
	if err := os.WriteFile(bad, []byte("not a JPEG"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, err := run(t, "-model", videotest.Tiny(t), "-json", os.DevNull, bad)
	if err == nil || !strings.Contains(err.Error(), "1 of 1 image failed") {
		t.Fatalf("detect on an unreadable image: %v", err)
	}
	if want := "skipped: cvimage: image " + bad + ": not an image but text: "; !strings.Contains(stderr, want) || strings.Count(stderr, bad) != 1 {
		t.Errorf("stderr does not name %s once, in %q:\n%s", bad, want, stderr)
	}
}

// TestVideoBarCountsCorrupt: a video with frames that cannot be decoded ends its bar at its
// total, every -stride-th frame counted once handled, written or skipped (it stopped at 37 of 40,
// and 19 of 20 with -stride 2, as an interrupted run does).
func TestVideoBarCountsCorrupt(t *testing.T) {
	path := videotest.CorruptClip(t, 10, 11, 25)
	for _, stride := range []int{1, 2} {
		total := (videotest.ClipFrames + stride - 1) / stride
		_, stderr, err := run(t, "-model", videotest.Tiny(t), "-no-video", "-stride", strconv.Itoa(stride), path)
		if err != nil {
			t.Fatalf("-stride %d: %v\n%s", stride, err, stderr)
		}
		if want := fmt.Sprintf("%s: %d/%d frames", path, total, total); !strings.Contains(stderr, want) {
			t.Errorf("-stride %d: the bar does not end at its total (%s):\n%s", stride, want, stderr)
		}
	}
}
