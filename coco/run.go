package coco

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// DetectFunc runs a detector on one image and returns its detections in
// the COCO results format. The runner sets ImageID; CategoryID must be a
// sparse COCO category id and BBox [x,y,w,h] in original image pixels.
type DetectFunc func(img image.Image) ([]Result, error)

// RunOptions configures RunDetections.
type RunOptions struct {
	// ImageDir is the folder the images of the ground truth are in.
	ImageDir string
	// Threads is the number of workers, each with its own detector from
	// NewDetector (default 1).
	Threads int
	// Limit processes only the first Limit images (in the file's order); 0
	// means all.
	Limit int
	// NewDetector returns a detector for one worker and a function that
	// releases it (may be nil). It is called once per worker.
	NewDetector func() (DetectFunc, func(), error)
	// Decode reads an image file (e.g. imaging.Open with auto-orientation).
	Decode func(path string) (image.Image, error)
	// Progress, when not nil, receives a progress bar (images/s, ETA).
	Progress io.Writer
	// ProgressLog writes the progress as a plain line every 10 s instead of redrawing a bar
	// four times a second: for logs and pipes rather than terminals.
	ProgressLog bool
}

// RunReport says what RunDetections did.
type RunReport struct {
	Results  []Result // detections of the images done, in the ground truth's image order
	ImageIDs []int64  // images done, in the ground truth's image order
	Total    int      // images that were to be processed
	Elapsed  time.Duration
}

// RunDetections runs detectors over the images of gt, opt.Threads at a
// time. When ctx is cancelled (Ctrl-C) it stops handing out images, waits
// for the images in flight, and returns what was computed together with
// ctx's error, so the caller can save the partial results. Any other
// error (an image that cannot be read, a detector error) stops the run and
// is returned with the results so far.
func RunDetections(ctx context.Context, gt *Dataset, opt RunOptions) (*RunReport, error) {
	if opt.NewDetector == nil || opt.Decode == nil {
		return nil, errors.New("coco: RunDetections needs NewDetector and Decode")
	}
	threads := max(opt.Threads, 1)
	// images in file order, each id once
	var todo []Image
	seen := make(map[int64]bool, len(gt.Images))
	for _, im := range gt.Images {
		if seen[im.ID] {
			continue
		}
		seen[im.ID] = true
		todo = append(todo, im)
		if opt.Limit > 0 && len(todo) == opt.Limit {
			break
		}
	}
	threads = min(threads, max(len(todo), 1))
	rep := &RunReport{Total: len(todo)}
	per := make([][]Result, len(todo))
	done := make([]bool, len(todo))

	start := time.Now()
	var next, finished atomic.Int64
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
	dets := make([]DetectFunc, threads)
	var closers []func()
	defer func() {
		for _, c := range closers {
			c()
		}
	}()
	for w := range dets {
		d, closeFn, err := opt.NewDetector()
		if err != nil {
			return nil, err
		}
		dets[w] = d
		if closeFn != nil {
			closers = append(closers, closeFn)
		}
	}

	var wg sync.WaitGroup
	for w := 0; w < threads; w++ {
		wg.Add(1)
		go func(detect DetectFunc) {
			defer wg.Done()
			for runCtx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= len(todo) {
					return
				}
				im := todo[i]
				path, err := gt.ImagePath(opt.ImageDir, im.ID)
				if err != nil {
					fail(err)
					return
				}
				img, err := opt.Decode(path)
				if err != nil {
					fail(fmt.Errorf("%s: %w", path, err))
					return
				}
				rs, err := detect(img)
				if err != nil {
					fail(fmt.Errorf("%s: detector: %w", path, err))
					return
				}
				for j := range rs {
					rs[j].ImageID = im.ID
				}
				if err := CheckResults(rs, gt); err != nil {
					fail(fmt.Errorf("%s: detector output: %w", path, err))
					return
				}
				per[i] = rs
				done[i] = true
				finished.Add(1)
			}
		}(dets[w])
	}

	var progressDone chan struct{}
	quit := make(chan struct{})
	if opt.Progress != nil {
		progressDone = make(chan struct{})
		go func() {
			defer close(progressDone)
			every := 250 * time.Millisecond
			if opt.ProgressLog {
				every = 10 * time.Second
			}
			tick := time.NewTicker(every)
			defer tick.Stop()
			for {
				select {
				case <-tick.C:
					writeProgress(opt.Progress, int(finished.Load()), len(todo), time.Since(start), opt.ProgressLog)
				case <-quit:
					return
				}
			}
		}()
	}
	wg.Wait()
	rep.Elapsed = time.Since(start)
	close(quit)
	if progressDone != nil {
		<-progressDone
		writeProgress(opt.Progress, int(finished.Load()), len(todo), rep.Elapsed, true)
	}

	for i, ok := range done {
		if ok {
			rep.ImageIDs = append(rep.ImageIDs, todo[i].ID)
			rep.Results = append(rep.Results, per[i]...)
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

// writeProgress draws "[=====>    ] 1234/5000  24.7 img/s  ETA 2m31s", over the previous bar, or
// as a line of its own when final (the last report, or every report in log mode).
func writeProgress(w io.Writer, done, total int, elapsed time.Duration, final bool) {
	const width = 30
	frac := 1.0
	if total > 0 {
		frac = float64(done) / float64(total)
	}
	n := int(frac * width)
	bar := make([]byte, width)
	for i := range bar {
		switch {
		case i < n:
			bar[i] = '='
		case i == n && !final:
			bar[i] = '>'
		default:
			bar[i] = ' '
		}
	}
	rate := 0.0
	if s := elapsed.Seconds(); s > 0 {
		rate = float64(done) / s
	}
	eta := "?"
	if rate > 0 {
		eta = time.Duration(float64(total-done) / rate * float64(time.Second)).Round(time.Second).String()
	}
	end := ""
	if final {
		end = "\n"
	}
	if done == total {
		eta = "0s"
	}
	fmt.Fprintf(w, "\r[%s] %d/%d  %.1f img/s  ETA %s  %s", bar, done, total, rate, eta, end)
}
