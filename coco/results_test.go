package coco

import (
	"math"
	"path/filepath"
	"strings"
	"testing"
)

// TestResultObjectsReadInOnePass: result objects as detectors write them (WriteResults', and
// pycocotools-style json.dump's with extra fields) take the one-pass reader, allocation-free
// once the box slice exists (integer ids); FuzzResultObject proves it equal to encoding/json.
func TestResultObjectsReadInOnePass(t *testing.T) {
	for i, s := range []string{
		`{"image_id":42,"category_id":18,"bbox":[258.15,41.29,348.26,243.78],"score":0.236}`,
		`{"image_id": 42, "category_id": 18, "bbox": [258.15, 41.29, 348.26, 243.78], "score": 0.236, "segmentation": [[1, 2, 3]], "area": 7.5, "id": 3}`,
		"{\n  \"score\" : 1e-3 ,\n  \"bbox\" : [ 0 , -1.5E+2 , 3 , 4 ] , \"image_id\" : 7.0 , \"category_id\" : 1 }",
	} {
		r := resJSON{BBox: make([]float64, 0, 4)}
		if !r.readFlat([]byte(s)) {
			t.Errorf("%s: not read in one pass", s)
			continue
		}
		if r.ImageID.num == 0 || r.CategoryID == 0 || len(r.BBox) != 4 || r.Score == 0 {
			t.Errorf("%s: read as %+v", s, r)
		}
		b := []byte(s)
		if n := testing.AllocsPerRun(100, func() { r.UnmarshalJSON(b) }); i < 2 && n != 0 { // an id 7.0 costs strconv's error
			t.Errorf("%s: %v allocations a detection", s, n)
		}
	}
}

// TestWritingRefusesWhatJSONCannotHold: AppendResultJSON refuses a NaN or infinite number, leaving
// b as it was (it wrote "bbox":[NaN,...], which no JSON reader reads), and SaveResults into a
// folder that does not exist names the file and the folder, not its hidden temporary file.
func TestWritingRefusesWhatJSONCannotHold(t *testing.T) {
	for _, r := range []Result{{ImageID: 1, BBox: [4]float64{math.NaN(), 2, 3, 4}, Score: 1}, {ImageID: 1, Score: math.Inf(1)}} {
		b, err := AppendResultJSON([]byte("["), r, nil)
		if err == nil || string(b) != "[" || !strings.Contains(err.Error(), "is not finite") {
			t.Errorf("%v: %q, %v", r, b, err)
		}
	}
	b, err := AppendResultJSON(nil, Result{ImageID: 1, CategoryID: 2, BBox: [4]float64{1, 2.5, 3, 4}, Score: 0.25}, nil)
	if want := `{"image_id":1,"category_id":2,"bbox":[1,2.5,3,4],"score":0.25}`; err != nil || string(b) != want {
		t.Errorf("%s, %v; want %s", b, err, want)
	}
	path := filepath.Join(t.TempDir(), "missing", "r.json")
	err = SaveResults(path, nil, nil)
	if want := path + ": cannot write in its folder " + filepath.Dir(path) + ": no such file or directory"; err == nil || err.Error() != want {
		t.Errorf("%v\nwant %s", err, want)
	}
}
