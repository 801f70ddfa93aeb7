package detector_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/shuffledet/shuffledet/cvimage"
	"github.com/shuffledet/shuffledet/detector"
	"github.com/shuffledet/shuffledet/internal/testmodel"
	"github.com/shuffledet/shuffledet/modelfile"
)

// Detect objects in a photo with a model at shorter side 600.
func Example() {
	det, err := detector.Load("shufflenet2x.bin", detector.WithResolution(600))
	if err != nil {
		log.Fatal(err)
	}
	img, err := cvimage.Open("street.jpg") // decodes as PIL does (EXIF orientation), refuses huge images
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

// Run one Detector per goroutine: Clone shares the weights and gives each its own buffers. Two
// detectors at once take half the cores each (WithThreads; a clone keeps its original's count).
func ExampleDetector_Clone() {
	det, err := detector.Load("shufflenet2x.bin", detector.WithThreads(max(1, runtime.NumCPU()/2)))
	if err != nil {
		log.Fatal(err)
	}
	frames := make(chan []byte)
	var wg sync.WaitGroup
	for range 2 {
		worker, err := det.Clone()
		if err != nil {
			log.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
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
	wg.Wait() // the workers finish their last frames
}

// Load a model file and detect in a BGR frame. The model here is a random-weight 0.25x detector
// written by internal/testmodel, so its detections mean nothing, but every call is a real one.
func Example_randomModel() {
	dir, err := os.MkdirTemp("", "shuffledet-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	cfg, tensors, err := testmodel.Detector("shufflenet-g3-0.25x-300", 1)
	if err != nil {
		log.Fatal(err)
	}
	path := filepath.Join(dir, "random.bin")
	if err := modelfile.Write(path, *cfg, tensors); err != nil {
		log.Fatal(err)
	}

	det, err := detector.Load(path, detector.WithScoreThreshold(0)) // keep every detection
	if err != nil {
		log.Fatal(err)
	}
	cx := det.Model().Complexity(320, 416, 300) // a 4:3 frame at shorter side 300, padded
	fmt.Printf("%s: %.1fM multiply-adds in the trunk, %.1fM in the RPN\n", cx.Arch, float64(cx.Backbone.MACs)/1e6, float64(cx.RPN.MACs)/1e6)

	frame := make([]byte, 640*480*3) // 640x480 BGR, as OpenCV delivers it
	for i := range frame {
		frame[i] = byte(i % 251)
	}
	dets, err := det.DetectBGR(frame, 640, 480, 640*3)
	if err != nil {
		log.Fatal(err)
	}
	inside := true
	for _, d := range dets {
		x, y, w, h := d.Box[0], d.Box[1], d.Box[2], d.Box[3]
		inside = inside && x >= 0 && y >= 0 && w >= 0 && h >= 0 && x+w <= 640 && y+h <= 480
	}
	fmt.Println(len(dets), "detections (the per-image cap), all inside the frame:", inside)
	// Output:
	// shufflenet-g3-0.25x: 29.1M multiply-adds in the trunk, 153.8M in the RPN
	// 100 detections (the per-image cap), all inside the frame: true
}
