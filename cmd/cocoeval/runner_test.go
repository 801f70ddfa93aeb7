package main

import (
	"context"
	"errors"
	"fmt"
	"image"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/shuffledet/shuffledet/coco"
)

// pathImage is a fake decoded image that remembers its file.
type pathImage struct {
	image.Image
	path string
}

func TestRunDetections(t *testing.T) {
	gt, err := coco.LoadDataset(val128GT)
	if err != nil {
		t.Fatal(err)
	}
	dir := val128
	byFile := map[string]int64{}
	for _, im := range gt.Images {
		byFile[im.FileName] = im.ID
	}
	// a perfect detector: the ground truth boxes of the image
	perfect := func() (detectFunc, error) {
		return func(img image.Image) ([]coco.Result, error) {
			id := byFile[filepath.Base(img.(pathImage).path)]
			var rs []coco.Result
			for _, j := range gt.ImageAnnotations(id) {
				a := gt.Annotations[j]
				rs = append(rs, coco.Result{ImageID: -1, CategoryID: a.CategoryID, BBox: a.BBox, Score: 0.9})
			}
			return rs, nil
		}, nil
	}
	decode := func(p string) (image.Image, error) { return pathImage{image.NewGray(image.Rect(0, 0, 1, 1)), p}, nil }

	var progress strings.Builder
	rep, err := runDetections(context.Background(), gt, runOptions{ImageDir: dir, Threads: 4, NewDetector: perfect, Decode: decode, Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.ImageIDs) != 128 || rep.Total != 128 || len(rep.Results) != len(gt.Annotations) {
		t.Fatalf("%d images of %d, %d results", len(rep.ImageIDs), rep.Total, len(rep.Results))
	}
	for i, id := range rep.ImageIDs {
		if id != gt.Images[i].ID {
			t.Fatalf("image %d is %d, want file order", i, id)
		}
	}
	if !strings.Contains(progress.String(), "128/128") {
		t.Errorf("progress %q", progress.String())
	}
	e, err := coco.EvaluateResults(gt, rep.Results)
	if err != nil {
		t.Fatal(err)
	}
	if e.Stats[0] != 1 {
		t.Errorf("perfect detector AP = %v", e.Stats[0])
	}

	// -limit
	rep, err = runDetections(context.Background(), gt, runOptions{ImageDir: dir, Threads: 2, Limit: 5, NewDetector: perfect, Decode: decode})
	if err != nil || len(rep.ImageIDs) != 5 {
		t.Fatalf("limit 5: %v images, %v", len(rep.ImageIDs), err)
	}
	e, _ = coco.NewEval(gt, rep.Results)
	e.ImgIDs = rep.ImageIDs
	if err := e.Accumulate(); err != nil {
		t.Fatal(err)
	}
	if s := e.Summarize(); s[0] != 1 {
		t.Errorf("limit 5: AP over the images done = %v", s[0])
	}

	// cancel (Ctrl-C) at the 10th image: partial results and the context's error. Once cancel
	// returns, each of the other 2 workers finishes at most the one image it may have started
	// (the calls started by then are counted when it returns: the thread that cancels can lose
	// its core between its count and the cancel, and the others go on meanwhile).
	ctx, cancel := context.WithCancel(context.Background())
	var n, startedAtCancel atomic.Int32
	cancelling := func() (detectFunc, error) {
		d, _ := perfect()
		return func(img image.Image) ([]coco.Result, error) {
			switch k := n.Add(1); {
			case k == 10:
				cancel()
				startedAtCancel.Store(n.Load())
			case k > 10:
				// Not done before the cancel: the other workers could otherwise finish every
				// image while the one cancelling waits for its core, and the run end complete.
				<-ctx.Done()
			}
			return d(img)
		}, nil
	}
	rep, err = runDetections(ctx, gt, runOptions{ImageDir: dir, Threads: 3, NewDetector: cancelling, Decode: decode})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if done, most := len(rep.ImageIDs), int(startedAtCancel.Load())+2; done < 10 || done > most {
		t.Errorf("%d images done after cancelling at the 10th, want 10 to %d", done, most)
	}
	// ... and they are the first ones, so that -dt -limit evaluates the file as this run did.
	for i, id := range rep.ImageIDs {
		if id != gt.Images[i].ID {
			t.Fatalf("after cancelling, image %d done is %d, want the first %d images (%d)", i, id, len(rep.ImageIDs), gt.Images[i].ID)
		}
	}

	// detector errors and bad output stop the run
	failing := func() (detectFunc, error) {
		return func(image.Image) ([]coco.Result, error) { return nil, errors.New("boom") }, nil
	}
	if _, err := runDetections(context.Background(), gt, runOptions{ImageDir: dir, NewDetector: failing, Decode: decode}); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("failing detector: %v", err)
	}
	nanScore := func() (detectFunc, error) {
		return func(image.Image) ([]coco.Result, error) {
			return []coco.Result{{CategoryID: 1, BBox: [4]float64{1, 1, 1, 1}, Score: math.NaN()}}, nil
		}, nil
	}
	if _, err := runDetections(context.Background(), gt, runOptions{ImageDir: dir, NewDetector: nanScore, Decode: decode}); err == nil || !strings.Contains(err.Error(), "score NaN is not finite") {
		t.Errorf("NaN score: %v", err)
	}
	if _, err := runDetections(context.Background(), gt, runOptions{ImageDir: t.TempDir(), NewDetector: perfect, Decode: decode}); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("missing images: %v", err)
	}
	// One image missing near the end: refused before any image is detected.
	last := gt.Images[len(gt.Images)-2]
	partial := t.TempDir()
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, im := range gt.Images {
		if im.ID != last.ID {
			if err := os.Symlink(filepath.Join(abs, im.FileName), filepath.Join(partial, im.FileName)); err != nil {
				t.Fatal(err)
			}
		}
	}
	var detected atomic.Int64
	counting := func() (detectFunc, error) {
		d, err := perfect()
		return func(img image.Image) ([]coco.Result, error) { detected.Add(1); return d(img) }, err
	}
	if _, err := runDetections(context.Background(), gt, runOptions{ImageDir: partial, NewDetector: counting, Decode: decode}); err == nil ||
		!strings.Contains(err.Error(), fmt.Sprintf("image %d (%q) not found", last.ID, last.FileName)) || detected.Load() != 0 {
		t.Errorf("one image missing: %v after %d images detected, want its error before any", err, detected.Load())
	}
}

// TestUndecodableImageNamedOnce: an image that cannot be decoded stops the run with
// cvimage's error, which names it, and nothing names it again ("X: cvimage: image X: ..."
// before).
func TestUndecodableImageNamedOnce(t *testing.T) {
	gt, err := coco.LoadDataset(val128GT)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, gt.Images[0].FileName)
	if err := os.WriteFile(path, []byte("not a JPEG"), 0o644); err != nil {
		t.Fatal(err)
	}
	none := func() (detectFunc, error) { return func(image.Image) ([]coco.Result, error) { return nil, nil }, nil }
	_, err = runDetections(context.Background(), gt, runOptions{ImageDir: dir, Limit: 1, NewDetector: none, Decode: decodeImage})
	if err == nil || !strings.HasPrefix(err.Error(), "cvimage: image "+path+": not an image but text: ") || strings.Count(err.Error(), path) != 1 {
		t.Errorf("%v; want cvimage's error, naming %s once", err, path)
	}
}
