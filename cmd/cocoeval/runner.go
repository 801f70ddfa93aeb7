package main

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shuffledet/shuffledet/coco"
	"github.com/shuffledet/shuffledet/internal/progress"
	"github.com/shuffledet/shuffledet/internal/quote"
)

// detectFunc runs a detector on one image and returns its detections in
// the COCO results format. The runner sets ImageID; CategoryID must be a
// sparse COCO category id and BBox [x,y,w,h] in original image pixels.
type detectFunc func(img image.Image) ([]coco.Result, error)

// runOptions configures runDetections.
type runOptions struct {
	// ImageDir is the folder the images of the ground truth are in.
	ImageDir string
	// Threads is the number of workers, each with its own detector from
	// NewDetector (default 1).
	Threads int
	// Limit processes only the first Limit images (in the file's order); 0
	// means all.
	Limit int
	// NewDetector returns a detector for one worker. It is called once per
	// worker.
	NewDetector func() (detectFunc, error)
	// Decode reads an image file (cocoeval's: cvimage.Open, EXIF orientation applied); its
	// errors name the file, as cvimage's do.
	Decode func(path string) (image.Image, error)
	// Progress, when not nil, receives the progress (package progress: a bar on a terminal,
	// a line every 10 s elsewhere).
	Progress io.Writer
	// Out, when not empty, is the results file: one that is an image to be read (also through a
	// link) is refused before the first image is detected.
	Out string
}

// runReport says what runDetections did.
type runReport struct {
	Results  []coco.Result // detections of the images done, in the ground truth's image order
	ImageIDs []int64       // images done, in the ground truth's image order
	Total    int           // images that were to be processed
	Elapsed  time.Duration
	// Resized counts the images done whose decoded size is not the ground truth's width and
	// height (where it states them); Resized1 describes the first of them in the file's order.
	Resized  int
	Resized1 string
}

// runDetections runs detectors over the images of gt, opt.Threads at a
// time. When ctx is cancelled (Ctrl-C) it stops handing out images, waits
// for the images in flight, and returns what was computed together with
// ctx's error, so the caller can save the partial results: images are handed
// out in order and every one handed out is finished, so the images done are
// the first len(ImageIDs), as -limit gives them. Any other
// error (an image that cannot be read, a detector error) stops the run and
// is returned with the results so far.
func runDetections(ctx context.Context, gt *coco.Dataset, opt runOptions) (*runReport, error) {
	if opt.NewDetector == nil || opt.Decode == nil {
		return nil, errors.New("runDetections needs NewDetector and Decode")
	}
	threads := max(opt.Threads, 1)
	todo := firstImages(gt, opt.Limit)
	// Every image's file is found before the first is detected: a missing one would otherwise
	// stop a 5000-image run where it comes, hours in.
	paths := make([]string, len(todo))
	var missing []error
	for i, im := range todo {
		p, err := gt.ImagePath(opt.ImageDir, im.ID)
		if err != nil {
			missing = append(missing, err)
		}
		paths[i] = p
	}
	switch len(missing) {
	case 0:
	case 1:
		return nil, missing[0]
	default:
		return nil, fmt.Errorf("%d of the %d images are not in %s; the first: %w", len(missing), len(todo), quote.Name(opt.ImageDir), missing[0])
	}
	if out, err := os.Stat(opt.Out); opt.Out != "" && err == nil {
		for i, p := range paths {
			if st, err := os.Stat(p); err == nil && os.SameFile(out, st) {
				return nil, fmt.Errorf("-out %s would overwrite image %s, %s", quote.Name(opt.Out), gt.ImageName(todo[i].ID), quote.Name(p))
			}
		}
	}
	threads = min(threads, max(len(todo), 1))
	rep := &runReport{Total: len(todo)}
	per := make([][]coco.Result, len(todo))
	done := make([]bool, len(todo))
	resized := make([]string, len(todo)) // "WxH there, wxh decoded" where they differ

	start := time.Now()
	var next atomic.Int64
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	var errOnce sync.Once
	var runErr error
	fail := func(err error) {
		errOnce.Do(func() { runErr = err })
		stop()
	}

	// detectors are built before the first image so that a bad model file
	// fails at once
	dets := make([]detectFunc, threads)
	for w := range dets {
		d, err := opt.NewDetector()
		if err != nil {
			return nil, err
		}
		dets[w] = d
	}

	bar := progress.New(opt.Progress, len(todo), "images")
	var wg sync.WaitGroup
	for w := 0; w < threads; w++ {
		wg.Add(1)
		go func(detect detectFunc) {
			defer wg.Done()
			for runCtx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= len(todo) {
					return
				}
				im, path := todo[i], paths[i]
				img, err := opt.Decode(path)
				if err != nil {
					fail(err) // (it names the file)
					return
				}
				if w, h := img.Bounds().Dx(), img.Bounds().Dy(); im.Width > 0 && im.Height > 0 && (float64(w) != im.Width || float64(h) != im.Height) {
					resized[i] = fmt.Sprintf("%s: %gx%g in the ground truth, %dx%d decoded", quote.Name(path), im.Width, im.Height, w, h)
				}
				rs, err := detect(img)
				if err != nil {
					fail(fmt.Errorf("%s: detector: %w", quote.Name(path), err))
					return
				}
				for j := range rs {
					rs[j].ImageID = im.ID
				}
				if err := coco.CheckResults(rs, gt); err != nil {
					fail(fmt.Errorf("%s: detector output: %w", quote.Name(path), err))
					return
				}
				per[i] = rs
				done[i] = true
				bar.Add(1)
			}
		}(dets[w])
	}

	wg.Wait()
	rep.Elapsed = time.Since(start)
	bar.Finish()

	for i, ok := range done {
		if ok {
			rep.ImageIDs = append(rep.ImageIDs, todo[i].ID)
			rep.Results = append(rep.Results, per[i]...)
			if resized[i] != "" {
				if rep.Resized++; rep.Resized == 1 {
					rep.Resized1 = resized[i]
				}
			}
		}
	}
	if runErr != nil {
		return rep, runErr
	}
	if err := ctx.Err(); err != nil && len(rep.ImageIDs) < len(todo) {
		return rep, err
	}
	return rep, nil
}

// firstImages lists the first limit images of gt (all of them when limit is 0) in the file's
// order, each id once: the images -limit covers, in both of cocoeval's forms.
func firstImages(gt *coco.Dataset, limit int) []coco.Image {
	var first []coco.Image
	seen := make(map[int64]bool, len(gt.Images))
	for _, im := range gt.Images {
		if seen[im.ID] {
			continue
		}
		seen[im.ID] = true
		first = append(first, im)
		if limit > 0 && len(first) == limit {
			break
		}
	}
	return first
}

// imageIDs lists the ids of images.
func imageIDs(images []coco.Image) []int64 {
	ids := make([]int64, len(images))
	for i, im := range images {
		ids[i] = im.ID
	}
	return ids
}
