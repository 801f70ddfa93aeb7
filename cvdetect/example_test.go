//go:build cgo && !noopencv

package cvdetect_test

import (
	"fmt"
	"log"

	"gocv.io/x/gocv"

	"github.com/shuffledet/shuffledet/cvdetect"
	"github.com/shuffledet/shuffledet/detector"
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

// Detect objects in every frame of a video and write the annotated frames.
func Example_video() {
	det, err := detector.Load("shufflenet2x.bin")
	if err != nil {
		log.Fatal(err)
	}
	in, err := gocv.VideoCaptureFile("street.mp4")
	if err != nil {
		log.Fatal(err)
	}
	defer in.Close()
	frame := gocv.NewMat()
	defer frame.Close()
	for n := 0; in.Read(&frame); n++ {
		dets, err := cvdetect.Detect(det, frame) // reads the Mat's pixels in place
		if err != nil {
			log.Fatal(err)
		}
		cvdetect.Draw(&frame, dets)
		gocv.IMWrite(fmt.Sprintf("frame%04d.jpg", n), frame)
	}
}
