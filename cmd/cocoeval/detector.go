package main

import (
	"fmt"
	"image"
	"sync"

	"github.com/shuffledet/shuffledet/coco"
	"github.com/shuffledet/shuffledet/configs"
	"github.com/shuffledet/shuffledet/cvimage"
	"github.com/shuffledet/shuffledet/detector"
)

// decodeImage reads an image file, applying its EXIF orientation: cvimage.Open, which checks
// the header's dimensions before decoding (a hostile file cannot make it allocate gigabytes) and,
// built with cgo, decodes JPEGs with libjpeg-turbo as PIL does, so the detections are those a
// PyTorch evaluation of the same model gets.
func decodeImage(path string) (image.Image, error) {
	return cvimage.Open(path)
}

// modelDetectors loads the model once and returns a factory of per-worker
// detectors sharing its weights (Clone), each splitting an image's work over
// s.threads threads, and the model's classes. A resolution or a proposal count of 0 keeps the
// model's own.
func modelDetectors(model string, s modelSettings) (func() (detectFunc, error), []configs.Class, error) {
	opts := []detector.Option{detector.WithThreads(s.threads)}
	if s.res != 0 {
		opts = append(opts, detector.WithResolution(s.res))
	}
	if s.proposals != 0 {
		opts = append(opts, detector.WithProposals(s.proposals))
	}
	base, err := detector.Load(model, opts...)
	if err != nil {
		return nil, nil, err // it names the file
	}
	var mu sync.Mutex
	used := false
	factory := func() (detectFunc, error) {
		mu.Lock()
		defer mu.Unlock()
		d := base
		if used {
			if d, err = base.Clone(); err != nil {
				return nil, fmt.Errorf("%s: %w", model, err)
			}
		}
		used = true
		return func(img image.Image) ([]coco.Result, error) {
			dets, err := d.Detect(img)
			if err != nil {
				return nil, err
			}
			return toResults(dets), nil
		}, nil
	}
	return factory, base.Config().Classes, nil
}

// toResults converts detections (float32, owned by the detector) into
// results with clean decimal values.
func toResults(dets []detector.Detection) []coco.Result {
	out := make([]coco.Result, len(dets))
	for i, d := range dets {
		out[i] = coco.Result{CategoryID: d.CategoryID, Score: coco.Float32(d.Score),
			BBox: [4]float64{coco.Float32(d.Box[0]), coco.Float32(d.Box[1]), coco.Float32(d.Box[2]), coco.Float32(d.Box[3])}}
	}
	return out
}
