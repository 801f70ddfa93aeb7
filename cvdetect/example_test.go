//go:build cgo

package cvdetect_test

import (
	"fmt"
	"log"

	"gocv.io/x/gocv"

	"github.com/shuffledet/shuffledet/cvdetect"
	"github.com/shuffledet/shuffledet/detector"
)

// Detect objects in every frame of a video and write the annotated frames.
func Example() {
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
