//go:build cgo && !noopencv

package cvdetect_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gocv.io/x/gocv"

	"github.com/shuffledet/shuffledet/cvdetect"
	"github.com/shuffledet/shuffledet/detector"
	"github.com/shuffledet/shuffledet/internal/videotest"
)

// Detect objects in an image OpenCV read (a BGR Mat, as a camera's frames are) and draw them.
func Example() {
	det, err := detector.Load("../models/shufflenet-g3-1.0x-300-person-car.bin", detector.WithScoreThreshold(0.5))
	if err != nil {
		log.Fatal(err)
	}
	img := gocv.IMRead("../testdata/images/000000005503.png", gocv.IMReadColor)
	defer img.Close()
	if img.Empty() {
		log.Fatal("cannot read the image")
	}
	dets, err := cvdetect.Detect(det, img) // reads the Mat's pixels in place
	if err != nil {
		log.Fatal(err)
	}
	for _, d := range dets {
		fmt.Printf("%s %.2f at x=%.0f y=%.0f w=%.0f h=%.0f\n", d.Label, d.Score, d.Box[0], d.Box[1], d.Box[2], d.Box[3])
	}
	cvdetect.Draw(&img, dets) // boxes, labels and scores on the image
	// Output:
	// person 0.69 at x=59 y=34 w=44 h=78
}

// Stop detecting once a context ends (a camera loop's shutdown, a request's deadline): the
// detection ends with the context's error at its next stage, here at once, the shutdown having
// come before the frame.
func ExampleDetectContext() {
	det, err := detector.Load("../models/shufflenet-g3-1.0x-300-person-car.bin")
	if err != nil {
		log.Fatal(err)
	}
	frame := gocv.IMRead("../testdata/images/000000005503.png", gocv.IMReadColor)
	defer frame.Close()
	ctx, shutdown := context.WithCancel(context.Background())
	shutdown()
	_, err = cvdetect.DetectContext(ctx, det, frame)
	fmt.Println(err)
	// Output:
	// context canceled
}

// Detect objects in every frame of a video and write the annotated frames, checking every step:
// OpenCV's Read says false both at the end of the file and for a frame it cannot decode, so the
// frames read are compared with the count the container states (0 where it states none; an MKV's
// may be more than there are: package pipeline reads on past damaged frames and tells these apart).
func Example_video() {
	det, err := detector.Load("../models/shufflenet-g3-1.0x-300-person-car.bin", detector.WithScoreThreshold(0.5))
	if err != nil {
		log.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "frames")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	n, err := annotateVideo(det, "../testdata/video/person.mp4", dir)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d annotated frames written\n", n)
	// Output:
	// 40 annotated frames written
}

// annotateVideo writes each frame of the video at path, annotated, into dir as frameNNNN.jpg and
// returns how many it wrote.
func annotateVideo(det *detector.Detector, path, dir string) (int, error) {
	in, err := gocv.VideoCaptureFile(path)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	defer in.Close()
	stated := int(in.Get(gocv.VideoCaptureFrameCount))
	frame := gocv.NewMat()
	defer frame.Close()
	n := 0
	for ; in.Read(&frame) && !frame.Empty(); n++ {
		dets, err := cvdetect.Detect(det, frame) // reads the Mat's pixels in place
		if err != nil {
			return n, fmt.Errorf("%s: frame %d: %w", path, n, err)
		}
		cvdetect.Draw(&frame, dets)
		out := filepath.Join(dir, fmt.Sprintf("frame%04d.jpg", n))
		if !gocv.IMWrite(out, frame) {
			return n, fmt.Errorf("%s: cannot write it", out)
		}
	}
	if n < stated {
		return n, fmt.Errorf("%s: frame %d (from 0) cannot be read, of the %d the file states: damaged or cut short", path, n, stated)
	}
	return n, nil
}

// TestAnnotateVideo: Example_video's loop tells a frame it cannot read from the end of the file,
// and says when a frame cannot be written.
func TestAnnotateVideo(t *testing.T) {
	det, err := detector.Load(videotest.Tiny(t))
	if err != nil {
		t.Fatal(err)
	}
	n, err := annotateVideo(det, videotest.CorruptClip(t, 5), t.TempDir())
	if want := fmt.Sprintf("frame 5 (from 0) cannot be read, of the %d the file states: damaged or cut short", videotest.ClipFrames); n != 5 || err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("a damaged frame 5: %d frames, %v; want 5 and %q", n, err, want)
	}
	missing := filepath.Join(t.TempDir(), "missing")
	n, err = annotateVideo(det, videotest.Clip(t), missing)
	if want := filepath.Join(missing, "frame0000.jpg") + ": cannot write it"; n != 0 || err == nil || err.Error() != want {
		t.Errorf("an unwritable folder: %d frames, %v; want 0 and %q", n, err, want)
	}
}
