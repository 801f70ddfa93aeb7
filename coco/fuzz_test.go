package coco

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fuzzSeeds adds small real inputs (the boundary cases' files ending in suffix, "_gt.json" or
// "_dt.json"; none for "") and the given strings as seeds.
func fuzzSeeds(f *testing.F, suffix string, extra ...string) {
	for _, s := range extra {
		f.Add([]byte(s))
	}
	if suffix == "" {
		return
	}
	files, err := filepath.Glob(filepath.Join(sharedData, "cocoeval-boundary", "case610[1-3]"+suffix))
	if err != nil || len(files) == 0 {
		f.Fatalf("fuzz seeds: no %s files in %s/cocoeval-boundary (%v)", suffix, sharedData, err)
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// checkEval evaluates dts against gt and checks that the 12 numbers are each -1 (nothing to
// average) or within [0, 1], and that nothing panics.
func checkEval(t *testing.T, gt *Dataset, dts []Result) {
	e, err := EvaluateResults(gt, dts)
	if err != nil {
		t.Fatalf("EvaluateResults refused what the loaders accepted: %v", err)
	}
	for i, s := range e.Stats {
		if s != -1 && !(s >= 0 && s <= 1) {
			t.Fatalf("%s = %v", StatNames[i], s)
		}
	}
	e.PerCategory()
}

// maxFuzzCategories bounds the categories FuzzDecodeDataset evaluates. Evaluate's memory follows
// the images and boxes, but Accumulate's precision array, like pycocotools', holds 12,120 numbers
// per category (10 IoU x 101 recall x 4 areas x 3 maxDets): a 35 KB file listing 3000 categories
// costs 300 MB and a second to evaluate, which starved the fuzzing workers until one was killed
// (make fuzz-long, first run). The loader is fuzzed on every input; the evaluation on those of up
// to maxFuzzCategories categories, and on those of more than MaxCategories, which it must refuse
// (before allocating).
const maxFuzzCategories = 256

// FuzzDecodeDataset feeds the instances loader arbitrary bytes: it must return a dataset or an
// error, never panic; a dataset's indexes must point inside it; and evaluating the dataset's
// own boxes as detections (up to maxFuzzCategories categories) must give numbers in range, and
// more than MaxCategories must be refused.
func FuzzDecodeDataset(f *testing.F) {
	many := categoriesJSON(`[{"id": 1}, {"id": 2}]`, 0, maxFuzzCategories) // more than maxFuzzCategories to evaluate
	fuzzSeeds(f, "_gt.json", tinyGT, `{"images": [], "categories": []}`, `{"images": [{"id": 1}], "categories": [{"id": 1}],
 "annotations": [{"id": 0, "image_id": 1, "category_id": 1, "bbox": [0, 0, 1e308, 1e308], "iscrowd": 1}]}`, `[`, `{"images": [{"id": "x"}]}`, many)
	f.Fuzz(func(t *testing.T, b []byte) {
		gt, err := DecodeDataset(bytes.NewReader(b), "fuzz.json")
		if err != nil {
			return
		}
		var dts []Result
		for _, id := range gt.ImageIDs() {
			if _, ok := gt.Image(id); !ok {
				t.Fatalf("ImageIDs lists %d, Image does not find it", id)
			}
			for _, j := range gt.ImageAnnotations(id) {
				a := gt.Annotations[j]
				if a.ImageID != id {
					t.Fatalf("ImageAnnotations(%d) holds annotation %d of image %d", id, j, a.ImageID)
				}
				dts = append(dts, Result{ImageID: id, CategoryID: a.CategoryID, BBox: a.BBox, Score: 0.5})
			}
		}
		for _, id := range gt.CategoryIDs() {
			for _, j := range gt.CategoryAnnotations(id) {
				if gt.Annotations[j].CategoryID != id {
					t.Fatalf("CategoryAnnotations(%d) holds annotation %d of category %d", id, j, gt.Annotations[j].CategoryID)
				}
			}
		}
		switch n := len(gt.CategoryIDs()); {
		case n <= maxFuzzCategories:
			checkEval(t, gt, dts)
		case n > MaxCategories:
			if _, err := EvaluateResults(gt, dts); err == nil {
				t.Fatalf("%d categories evaluated (MaxCategories %d)", n, MaxCategories)
			}
		}
	})
}

// FuzzDecodeResults feeds the results loader arbitrary bytes against a small ground truth: it
// must return detections or an error, never panic; what it returns must pass CheckResults,
// survive WriteResults and DecodeResults unchanged, and evaluate to numbers in range.
func FuzzDecodeResults(f *testing.F) {
	gt, err := DecodeDataset(bytes.NewReader([]byte(tinyGT)), "tiny.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(`[{"image_id": 7, "category_id": 1, "bbox": [10, 20, 30, 40], "score": 0.9},
 {"image_id": 7, "category_id": 3, "bbox": [0, 0, 100, 50], "score": 0.5, "segmentation": [[1, 2]]},
 {"image_id": 3, "category_id": 99, "bbox": [1, 1, -2, 2], "score": 1e-3}]`))
	f.Add([]byte(`[{"image_id": 7, "category_id": 1, "bbox": [NaN, 2, 3, 4], "score": 0.5}]`))
	f.Add([]byte(`[{"image_id": 7.0, "category_id": 1e0, "bbox": [1, 2, 3, 4], "score": 0.5}, {"image_id": 3, "category_id": 2.5, "bbox": [1, 2, 3, 4], "score": 0.5}]`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`[{"image_id": 7, "category_id": 1, "segmentation": {"size": [40, 30], "counts": "a18i0"}, "score": 0.9},
 {"image_id": 7, "category_id": 1, "segmentation": {"size": [40, 30], "counts": "52203"}, "bbox": [1, 2, 3, 4], "score": 0.5}]`))
	f.Add([]byte(`[{"image_id": 7, "category_id": 1, "bbox": [1, 2, 3, 4], "score": 1e999}]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		dts, err := DecodeResults(bytes.NewReader(b), "fuzz.json", gt)
		if err != nil {
			return
		}
		if err := CheckResults(dts, gt); err != nil {
			t.Fatalf("loaded detections fail CheckResults: %v", err)
		}
		var buf bytes.Buffer
		if err := WriteResults(&buf, dts, nil); err != nil {
			t.Fatalf("WriteResults: %v", err)
		}
		back, err := DecodeResults(&buf, "written.json", gt)
		if err != nil {
			t.Fatalf("written results do not load: %v\n%s", err, buf.Bytes())
		}
		want := slices.Clone(dts)
		for i := range want { // a detection read from a mask is written as its box
			want[i].maskArea, want[i].fromMask = 0, false
		}
		if !slices.Equal(back, want) {
			t.Fatalf("round trip changed the detections:\n%v\n%v", want, back)
		}
		FindUnmatchable(dts, gt)
		checkEval(t, gt, dts)
	})
}

// FuzzResultObject: the one-pass reader of a result object (readFlat, with its fallback) decodes
// every valid JSON value exactly as encoding/json does after exactKeys: the same fields, the
// same error, from the state DecodeResults starts each detection in.
func FuzzResultObject(f *testing.F) {
	for _, s := range []string{
		`{"image_id": 7, "category_id": 1, "bbox": [10, 20.5, 30, 40], "score": 0.9}`,
		`{"image_id":7.0,"category_id":1e0,"bbox":[],"score":-0,"segmentation":[[1,2],{"a":"}"}],"x":"\"]"}`,
		`{"Score": 1, "score": 2, "score": 3, "bbox": [1], "bbox": null, "image_id": null}`,
		`{"image_id": 1e400, "category_id": 2.5, "bbox": [1e999], "score": "0.5"}`,
		`{"\u0073core": 0.5, "ſcore": 1, "image_id": -9223372036854775808}`,
		`{}`, `[]`, `null`, `7`, `{"bbox": [1, null, 3]}`, `{"score": true}`,
		`{"caption": null, "image_id": 1}`, `{"Caption": "a", "\u0063aption": {"x": [1]}}`,
		`{"image_id": 1, "segmentation": {"size": [4, 4], "counts": "52203"}, "Segmentation": 1, "score": 0.5}`,
		`{"\u0062box": null, "segmentation": null, "segmentation": [1]}`,
	} {
		f.Add([]byte(s))
	}
	type plain resJSON
	start := func() resJSON {
		return resJSON{ImageID: missingImageID, CategoryID: AllCategories, Score: math.NaN(), BBox: make([]float64, 0, 4), Segmentation: json.RawMessage{}}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if !json.Valid(b) || bytes.IndexByte(b, 0xff) >= 0 {
			// (an object holds the byte 0xFF only as the stand-in of a NaN or Infinity, which
			// is named as the word on purpose; the reader refuses a string holding it:
			// TestPythonFloatsRead)
			return
		}
		for _, fresh := range []bool{true, false} {
			got, want := start(), start()
			if fresh { // the first detection's: no box slice yet
				got.BBox, want.BBox = nil, nil
			}
			gerr := got.UnmarshalJSON(b)
			werr := json.Unmarshal(exactKeys(b, "image_id", "category_id", "bbox", "score", "caption", "segmentation"), (*plain)(&want))
			if (gerr == nil) != (werr == nil) || gerr != nil && gerr.Error() != werr.Error() {
				t.Fatalf("%s: error %v, encoding/json's %v", b, gerr, werr)
			}
			same := got.ImageID == want.ImageID && got.CategoryID == want.CategoryID &&
				math.Float64bits(got.Score) == math.Float64bits(want.Score) && (got.BBox == nil) == (want.BBox == nil) &&
				(got.Caption == nil) == (want.Caption == nil) && bytes.Equal(got.Segmentation, want.Segmentation) &&
				(gerr != nil || got.bboxKey == hasKey(b, "bbox")) &&
				slices.EqualFunc(got.BBox, want.BBox, func(x, y float64) bool { return math.Float64bits(x) == math.Float64bits(y) })
			if !same {
				t.Fatalf("%s: %+v, encoding/json's %+v", b, got, want)
			}
		}
	})
}

// FuzzLoadFiles feeds the file loaders (LoadDataset, then LoadResults against a small ground
// truth) arbitrary files: an error must name the file, and where it gives a line and column they
// must be those of its byte offset in the file (what the position code works out by reading the
// file again).
func FuzzLoadFiles(f *testing.F) {
	// Small seeds only: a new input is minimized by running it again and again, and every run
	// here writes a file and reads it back several times.
	fuzzSeeds(f, "", tinyGT, "{\"images\": [\n  {\"id\": 1},\n]}", "{\"images\": [\n{\"id\": \"7\"}]}",
		"[\n{\"image_id\": 7, \"category_id\": 1, \"bbox\": [1,2,3,4], \"score\": 0.5},\n {\"image_id\": 99, \"category_id\": 1, \"bbox\": [1,2,3,4], \"score\": 0.5}]",
		"[{\"image_id\": 7, \"category_id\": 1,\n \"bbox\": [NaN, 2, 3, 4], \"score\": 0.5}]", "\xef\xbb\xbf[]", "[1e999]")
	gt, err := DecodeDataset(bytes.NewReader([]byte(tinyGT)), "tiny.json")
	if err != nil {
		f.Fatal(err)
	}
	path := filepath.Join(f.TempDir(), "input.json")
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		_, errGT := LoadDataset(path)
		_, errDT := LoadResults(path, gt)
		for _, err := range []error{errGT, errDT} {
			if err == nil {
				continue
			}
			if !strings.Contains(err.Error(), path) {
				t.Fatalf("error does not name the file: %v", err)
			}
			var fe *FileError
			if !errors.As(err, &fe) || fe.Line == 0 {
				continue
			}
			if fe.Offset < 0 || fe.Offset > int64(len(b)) {
				t.Fatalf("line %d:%d at byte %d of a %d-byte file: %v", fe.Line, fe.Col, fe.Offset, len(b), err)
			}
			before := b[:fe.Offset]
			line := 1 + bytes.Count(before, []byte{'\n'})
			col := int(fe.Offset) - bytes.LastIndexByte(before, '\n')
			if fe.Line != line || fe.Col != col {
				t.Fatalf("%d:%d given for byte %d, which is at %d:%d: %v", fe.Line, fe.Col, fe.Offset, line, col, err)
			}
		}
	})
}

// FuzzImagePath: whatever an image's file_name (and whether its id is a number or a string),
// ImagePath returns a regular file inside the images folder or an error naming the folder; it
// never leads out of the folder (a file sits beside it to be found by a file_name that climbs).
func FuzzImagePath(f *testing.F) {
	for _, s := range []string{"a.jpg", "", "../outside.jpg", "/a.jpg", "sub/../a.jpg", "sub", "./a.jpg", "sub/b.jpg", "..", "a.jpg/..", "\x00", "C:\\a.jpg"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	root := f.TempDir()
	dir := filepath.Join(root, "images")
	for _, p := range []string{filepath.Join(root, "outside.jpg"), filepath.Join(dir, "a.jpg"), filepath.Join(dir, "sub", "b.jpg"), filepath.Join(dir, "000000000007.jpg"), filepath.Join(dir, "s7.jpg")} {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			f.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			f.Fatal(err)
		}
	}
	f.Fuzz(func(t *testing.T, fileName string, stringID bool) {
		id := `7`
		if stringID {
			id = `"s7"`
		}
		name, err := json.Marshal(fileName)
		if err != nil {
			return
		}
		gt, err := DecodeDataset(strings.NewReader(`{"images":[{"id":`+id+`,"file_name":`+string(name)+`}],"categories":[]}`), "gt.json")
		if err != nil {
			return // (a file_name that is not text: refused, named)
		}
		p, err := gt.ImagePath(dir, gt.ImageIDs()[0])
		if err != nil {
			if !strings.Contains(err.Error(), dir) {
				t.Fatalf("error does not name the folder: %v", err)
			}
			return
		}
		rel, rerr := filepath.Rel(dir, p)
		if rerr != nil || !filepath.IsLocal(rel) {
			t.Fatalf("file_name %q: %s, outside %s", fileName, p, dir)
		}
		if st, err := os.Stat(p); err != nil || !st.Mode().IsRegular() {
			t.Fatalf("file_name %q: %s is not a regular file (%v)", fileName, p, err)
		}
	})
}
