//go:build !cgo || noopencv

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"

	"github.com/urfave/cli/v2"

	"github.com/shuffledet/shuffledet/cvimage"
	"github.com/shuffledet/shuffledet/detector"
	"github.com/shuffledet/shuffledet/internal/plural"
	"github.com/shuffledet/shuffledet/internal/quote"
	"github.com/shuffledet/shuffledet/pipeline"
)

// withOpenCV says that this build reads images only, with one detector.
const withOpenCV = false

// nocgo refuses what needs OpenCV.
func nocgo(c *cli.Context, ins []input) error {
	for _, in := range ins {
		if in.kind != imageInput {
			return fmt.Errorf("%s: video files, cameras and streams need detect built with cgo and OpenCV (this build has CGO_ENABLED=0 or the noopencv tag)", quote.Name(in.name()))
		}
	}
	for _, f := range []string{"out", "show", "workers"} {
		if c.IsSet(f) {
			return fmt.Errorf("-%s needs detect built with cgo and OpenCV (this build has CGO_ENABLED=0 or the noopencv tag)", f)
		}
	}
	return nil
}

// detect, without cgo: images only, one after another, decoded by Go.
func detect(c *cli.Context) error {
	j, err := prepare(c, nocgo)
	if err != nil {
		return err
	}
	if err := j.openJSON(c.Context, c.App.Writer); err != nil {
		return err
	}
	// Ctrl-C stops after the image in progress; every line computed so far is on disk.
	ctx, stop := interruptible(c.Context, c.App.ErrWriter)
	defer stop()
	done, failed := 0, 0
	for _, in := range j.inputs {
		if ctx.Err() != nil {
			break
		}
		img, dets, err := detectFile(ctx, j.det, in)
		if err != nil && ctx.Err() != nil {
			break // (a fetch the interruption cut short: not a failure)
		}
		if err != nil {
			fmt.Fprintln(c.App.ErrWriter, "detect:", err)
			failed++
			continue
		}
		b := img.Bounds()
		if err := j.json.Detections(in.name(), -1, 0, b.Dx(), b.Dy(), dets); err != nil {
			return errors.Join(err, j.closeJSON())
		}
		done++
	}
	if ctx.Err() != nil { // (during the last image too, as the cgo build's run: the status says so)
		return errors.Join(fmt.Errorf("%w after %d of %s (%d failed); their results are written", errInterrupted, done+failed, plural.Count(len(j.inputs), "image", "images"), failed), j.closeJSON())
	}
	if err := j.closeJSON(); err != nil {
		return err
	}
	if failed > 0 {
		return fmt.Errorf("%d of %s failed", failed, plural.Count(len(j.inputs), "image", "images"))
	}
	return nil
}

// detectFile detects the objects in the image in: a file, or an http(s) URL fetched
// (pipeline.FetchImage) and decoded as the file would be.
func detectFile(ctx context.Context, det *detector.Detector, in input) (image.Image, []detector.Detection, error) {
	var img image.Image
	var err error
	if in.isURL() {
		var data []byte
		if data, err = pipeline.FetchImage(ctx, in.spec); err == nil {
			img, err = cvimage.Decode(bytes.NewReader(data), in.name())
		}
	} else {
		img, err = cvimage.Open(in.spec)
	}
	if err != nil {
		return nil, nil, err
	}
	dets, err := det.Detect(img)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", quote.Name(in.name()), err)
	}
	return img, dets, nil
}
