package detector_test

import (
	"fmt"
	"log"
	"sync"

	"github.com/shuffledet/shuffledet/cvimage"
	"github.com/shuffledet/shuffledet/detector"
)

// The demo model (ShuffleNet 1x g3 at 300, person and car) on one of the bundled test photos.
const (
	demoModel = "../models/shufflenet-g3-1.0x-300-person-car.bin"
	photo     = "../testdata/images/000000005503.png"
)

// Detect objects in a photo and print those scoring above 0.5 (WithScoreThreshold keeps scores
// strictly above it, as torchvision's box_score_thresh).
func Example() {
	det, err := detector.Load(demoModel, detector.WithScoreThreshold(0.5))
	if err != nil {
		log.Fatal(err)
	}
	img, err := cvimage.Open(photo) // decodes as PIL does (a JPEG's EXIF orientation), refuses huge images
	if err != nil {
		log.Fatal(err)
	}
	dets, err := det.Detect(img)
	if err != nil {
		log.Fatal(err)
	}
	for _, d := range dets { // Box is x, y, width, height in the photo's pixels
		fmt.Printf("%s %.2f at x=%.0f y=%.0f w=%.0f h=%.0f\n", d.Label, d.Score, d.Box[0], d.Box[1], d.Box[2], d.Box[3])
	}
	// Output:
	// person 0.69 at x=59 y=34 w=44 h=78
}

// Detect objects in a raw 8-bit BGR frame (a camera SDK's or OpenCV's buffer layout, rows stride
// bytes apart), here made from a photo; the buffer is read in place, not copied into an
// image.Image. DetectRGB takes R, G, B order.
func ExampleDetector_DetectBGR() {
	det, err := detector.Load(demoModel, detector.WithScoreThreshold(0.5), detector.WithClasses("person"))
	if err != nil {
		log.Fatal(err)
	}
	img, err := cvimage.Open(photo)
	if err != nil {
		log.Fatal(err)
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	stride := 3*w + 16 // rows may be padded
	pix := make([]byte, stride*h)
	for y := range h {
		for x := range w {
			r, g, bl, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
			pix[y*stride+3*x], pix[y*stride+3*x+1], pix[y*stride+3*x+2] = byte(bl>>8), byte(g>>8), byte(r>>8)
		}
	}
	dets, err := det.DetectBGR(pix, w, h, stride)
	if err != nil {
		log.Fatal(err)
	}
	for _, d := range dets {
		fmt.Printf("%s %.2f at x=%.0f y=%.0f w=%.0f h=%.0f\n", d.Label, d.Score, d.Box[0], d.Box[1], d.Box[2], d.Box[3])
	}
	// Output:
	// person 0.69 at x=59 y=34 w=44 h=78
}

// Run one Detector per goroutine: Clone shares the weights and gives each its own buffers (a
// Detector runs one frame at a time). Each takes its share of the cores (WithThreads; a clone
// keeps its original's count).
func ExampleDetector_Clone() {
	det, err := detector.Load(demoModel, detector.WithThreads(1), detector.WithScoreThreshold(0.5))
	if err != nil {
		log.Fatal(err)
	}
	img, err := cvimage.Open(photo)
	if err != nil {
		log.Fatal(err)
	}
	frames := make(chan int)
	found := make([]int, 4) // detections per frame, written by the worker that took it
	var wg sync.WaitGroup
	for i := range 2 {
		worker := det // the original is one of the workers
		if i > 0 {
			if worker, err = det.Clone(); err != nil {
				log.Fatal(err)
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer worker.Close()    // its threads end with the goroutine (Close is optional: the GC ends them too)
			for n := range frames { // frames from a camera, here the same photo four times
				dets, err := worker.Detect(img)
				if err != nil {
					log.Print(err)
					continue
				}
				found[n] = len(dets)
			}
		}()
	}
	for n := range found {
		frames <- n
	}
	close(frames)
	wg.Wait() // the workers finish their last frames
	fmt.Println(found)
	// Output:
	// [1 1 1 1]
}

// Change the score threshold or the classes between frames (a slider, a menu): Set keeps the
// Detector's buffers, so the frames after it allocate nothing once they have held the most
// detections (here: from the lowest threshold on).
func ExampleDetector_Set() {
	det, err := detector.Load(demoModel, detector.WithScoreThreshold(0.05))
	if err != nil {
		log.Fatal(err)
	}
	img, err := cvimage.Open(photo)
	if err != nil {
		log.Fatal(err)
	}
	for _, score := range []float32{0.05, 0.3, 0.6} {
		if err := det.Set(detector.WithScoreThreshold(score)); err != nil {
			log.Fatal(err)
		}
		dets, err := det.Detect(img)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("above %.2f: %d\n", score, len(dets))
	}
	// Output:
	// above 0.05: 32
	// above 0.30: 5
	// above 0.60: 1
}

// What a model costs on a frame: multiply-adds of the trunk, the RPN and the box head.
func ExampleModel_Complexity() {
	det, err := detector.Load(demoModel)
	if err != nil {
		log.Fatal(err)
	}
	cx, err := det.Model().Complexity(320, 416, 300) // a 4:3 frame at shorter side 300 (padded to 32), 300 proposals
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: trunk %.0fM, RPN %.0fM, box head %.0fM multiply-adds\n", cx.Arch,
		float64(cx.Backbone.MACs)/1e6, float64(cx.RPN.MACs)/1e6, float64(cx.BoxHead.MACs)/1e6)
	// Output:
	// shufflenet-g3-1.0x: trunk 276M, RPN 585M, box head 9727M multiply-adds
}
