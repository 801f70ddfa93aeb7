package detector_test

import (
	"fmt"
	"log"

	"github.com/shuffledet/shuffledet/detector"
	"github.com/shuffledet/shuffledet/transform"
)

// Detect objects in a photo with a model at shorter side 600.
func Example() {
	det, err := detector.Load("shufflenet2x.bin", detector.WithResolution(600))
	if err != nil {
		log.Fatal(err)
	}
	img, err := transform.Open("street.jpg") // decodes with EXIF orientation, refuses huge images
	if err != nil {
		log.Fatal(err)
	}
	dets, err := det.Detect(img)
	if err != nil {
		log.Fatal(err)
	}
	for _, d := range dets {
		fmt.Printf("%s %.2f at x=%.0f y=%.0f w=%.0f h=%.0f\n", d.Label, d.Score, d.Box[0], d.Box[1], d.Box[2], d.Box[3])
	}
}

// Run one Detector per goroutine: Clone shares the weights and gives each its own buffers.
func ExampleDetector_Clone() {
	det, err := detector.Load("shufflenet2x.bin")
	if err != nil {
		log.Fatal(err)
	}
	frames := make(chan []byte)
	for range 2 {
		worker, err := det.Clone()
		if err != nil {
			log.Fatal(err)
		}
		go func() {
			for bgr := range frames { // 640x480 BGR frames, e.g. from OpenCV
				dets, err := worker.DetectBGR(bgr, 640, 480, 640*3)
				if err != nil {
					log.Print(err)
					continue
				}
				fmt.Println(len(dets), "objects")
			}
		}()
	}
	close(frames)
}
