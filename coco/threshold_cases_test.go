package coco

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
)

// oneImage builds a ground truth of one image and one category (id 1) holding gts, and the
// detections dts (scores 0.9, 0.8, ... in the order given).
func oneImage(gts, dts [][4]float64) (*Dataset, []Result) {
	var anns []Annotation
	for i, b := range gts {
		anns = append(anns, Annotation{ID: int64(i + 1), ImageID: 1, CategoryID: 1, BBox: b, Area: b[2] * b[3]})
	}
	gt := NewDataset([]Image{{ID: 1, Width: 1000, Height: 1000}}, anns, []Category{{ID: 1, Name: "thing"}})
	var rs []Result
	for i, b := range dts {
		rs = append(rs, Result{ImageID: 1, CategoryID: 1, BBox: b, Score: 0.9 - 0.1*float64(i)})
	}
	return gt, rs
}

// oneMatchStats are the 12 numbers, worked out by hand, for one ground truth and one
// detection that matches it at the first n IoU thresholds (0.50 .. 0.50+0.05(n-1)) and not
// at the others, the ground truth falling in area range a (1 small, 2 medium, 3 large).
// Matched at a threshold, the precision is 1 at all 101 recall points and the recall 1; not
// matched, both are 0. So AP and AR are n/10, AP50 is 1 when n > 0, AP75 is 1 when n > 5, the
// numbers of the ground truth's area range equal the overall ones, and the other two area
// ranges have no ground truth: -1. (pycocotools' precision is tp/(tp+fp+eps), so a lone true
// positive has precision 1/(1+2^-52) = 1-2^-53 and its AP lands an ulp or two below these:
// they are compared within 1e-12, and pycocotoolsCases pins the exact bits.)
func oneMatchStats(n, a int) [12]float64 {
	f := float64(n) / 10
	b := func(ok bool) float64 {
		if ok {
			return 1
		}
		return 0
	}
	s := [12]float64{f, b(n > 0), b(n > 5), -1, -1, -1, f, f, f, -1, -1, -1}
	s[2+a], s[8+a] = f, f
	return s
}

// pycocotoolsCases are pycocotools' 12 numbers for the cases below, printed by
// testdata/threshold_cases.py (cocoapi's coco.py and cocoeval.py, maskApi.c's bbIou
// transcribed to Python). The evaluator must give these bits exactly.
var pycocotoolsCases = map[string][12]float64{
	"exact0": {0x1.9999999999999p-4, 0x1.fffffffffffffp-1, 0, 0x1.9999999999999p-4, -1, -1, 0x1.999999999999ap-4, 0x1.999999999999ap-4, 0x1.999999999999ap-4, 0x1.999999999999ap-4, -1, -1},
	"below0": {0, 0, 0, -1, 0, -1, 0, 0, 0, -1, 0, -1},
	"exact1": {0x1.9999999999999p-3, 0x1.fffffffffffffp-1, 0, 0x1.9999999999999p-3, -1, -1, 0x1.999999999999ap-3, 0x1.999999999999ap-3, 0x1.999999999999ap-3, 0x1.999999999999ap-3, -1, -1},
	"below1": {0x1.9999999999999p-4, 0x1.fffffffffffffp-1, 0, -1, 0x1.9999999999999p-4, -1, 0x1.999999999999ap-4, 0x1.999999999999ap-4, 0x1.999999999999ap-4, -1, 0x1.999999999999ap-4, -1},
	"exact2": {0x1.3333333333332p-2, 0x1.fffffffffffffp-1, 0, 0x1.3333333333332p-2, -1, -1, 0x1.3333333333333p-2, 0x1.3333333333333p-2, 0x1.3333333333333p-2, 0x1.3333333333333p-2, -1, -1},
	"below2": {0x1.9999999999999p-3, 0x1.fffffffffffffp-1, 0, -1, 0x1.9999999999999p-3, -1, 0x1.999999999999ap-3, 0x1.999999999999ap-3, 0x1.999999999999ap-3, -1, 0x1.999999999999ap-3, -1},
	"exact3": {0x1.9999999999999p-2, 0x1.fffffffffffffp-1, 0, 0x1.9999999999999p-2, -1, -1, 0x1.999999999999ap-2, 0x1.999999999999ap-2, 0x1.999999999999ap-2, 0x1.999999999999ap-2, -1, -1},
	"below3": {0x1.3333333333332p-2, 0x1.fffffffffffffp-1, 0, -1, 0x1.3333333333332p-2, -1, 0x1.3333333333333p-2, 0x1.3333333333333p-2, 0x1.3333333333333p-2, -1, 0x1.3333333333333p-2, -1},
	"exact4": {0x1.fffffffffffffp-2, 0x1.fffffffffffffp-1, 0, 0x1.fffffffffffffp-2, -1, -1, 0x1.0000000000000p-1, 0x1.0000000000000p-1, 0x1.0000000000000p-1, 0x1.0000000000000p-1, -1, -1},
	"below4": {0x1.9999999999999p-2, 0x1.fffffffffffffp-1, 0, -1, 0x1.9999999999999p-2, -1, 0x1.999999999999ap-2, 0x1.999999999999ap-2, 0x1.999999999999ap-2, -1, 0x1.999999999999ap-2, -1},
	"exact5": {0x1.3333333333332p-1, 0x1.fffffffffffffp-1, 0x1.fffffffffffffp-1, 0x1.3333333333332p-1, -1, -1, 0x1.3333333333333p-1, 0x1.3333333333333p-1, 0x1.3333333333333p-1, 0x1.3333333333333p-1, -1, -1},
	"below5": {0x1.fffffffffffffp-2, 0x1.fffffffffffffp-1, 0, -1, 0x1.fffffffffffffp-2, -1, 0x1.0000000000000p-1, 0x1.0000000000000p-1, 0x1.0000000000000p-1, -1, 0x1.0000000000000p-1, -1},
	"exact6": {0x1.6666666666665p-1, 0x1.fffffffffffffp-1, 0x1.fffffffffffffp-1, 0x1.6666666666665p-1, -1, -1, 0x1.6666666666666p-1, 0x1.6666666666666p-1, 0x1.6666666666666p-1, 0x1.6666666666666p-1, -1, -1},
	"below6": {0x1.3333333333332p-1, 0x1.fffffffffffffp-1, 0x1.fffffffffffffp-1, -1, 0x1.3333333333332p-1, -1, 0x1.3333333333333p-1, 0x1.3333333333333p-1, 0x1.3333333333333p-1, -1, 0x1.3333333333333p-1, -1},
	"exact7": {0x1.9999999999999p-1, 0x1.fffffffffffffp-1, 0x1.fffffffffffffp-1, 0x1.9999999999999p-1, -1, -1, 0x1.999999999999ap-1, 0x1.999999999999ap-1, 0x1.999999999999ap-1, 0x1.999999999999ap-1, -1, -1},
	"below7": {0x1.6666666666665p-1, 0x1.fffffffffffffp-1, 0x1.fffffffffffffp-1, -1, 0x1.6666666666665p-1, -1, 0x1.6666666666666p-1, 0x1.6666666666666p-1, 0x1.6666666666666p-1, -1, 0x1.6666666666666p-1, -1},
	"exact8": {0x1.cccccccccccccp-1, 0x1.fffffffffffffp-1, 0x1.fffffffffffffp-1, 0x1.cccccccccccccp-1, -1, -1, 0x1.ccccccccccccdp-1, 0x1.ccccccccccccdp-1, 0x1.ccccccccccccdp-1, 0x1.ccccccccccccdp-1, -1, -1},
	"below8": {0x1.9999999999999p-1, 0x1.fffffffffffffp-1, 0x1.fffffffffffffp-1, -1, 0x1.9999999999999p-1, -1, 0x1.999999999999ap-1, 0x1.999999999999ap-1, 0x1.999999999999ap-1, -1, 0x1.999999999999ap-1, -1},
	"exact9": {0x1.ffffffffffffep-1, 0x1.fffffffffffffp-1, 0x1.fffffffffffffp-1, 0x1.ffffffffffffep-1, -1, -1, 1, 1, 1, 1, -1, -1},
	"below9": {0x1.cccccccccccccp-1, 0x1.fffffffffffffp-1, 0x1.fffffffffffffp-1, -1, 0x1.cccccccccccccp-1, -1, 0x1.ccccccccccccdp-1, 0x1.ccccccccccccdp-1, 0x1.ccccccccccccdp-1, -1, 0x1.ccccccccccccdp-1, -1},
	"issue":  {0x1.a686d7f3d56afp-1, 1, 1, 0x1.a686d7f3d56afp-1, -1, -1, 0x1.999999999999ap-2, 0x1.b333333333333p-1, 0x1.b333333333333p-1, 0x1.b333333333333p-1, -1, -1},
	"fma":    {0x1.1111111111110p-1, 0x1.ffffffffffffep-1, 0x1.5555555555554p-2, -1, -1, 0x1.1111111111110p-1, 0x1.1111111111111p-1, 0x1.1111111111111p-1, 0x1.1111111111111p-1, -1, -1, 0x1.1111111111111p-1},
}

// checkExact requires got to equal pycocotools' numbers for the case bit for bit.
func checkExact(t *testing.T, name string, got [12]float64) {
	t.Helper()
	want, ok := pycocotoolsCases[name]
	if !ok {
		t.Fatalf("no pycocotools numbers for %s", name)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%s = %x (%.17g), pycocotools %x (%.17g)", StatNames[i], got[i], got[i], want[i], want[i])
		}
	}
}

// TestEveryThresholdByHand puts an IoU exactly on each threshold .50, .55, ..., .95 and one
// just below it, with integer boxes: a 20x10 ground truth at the origin and a (10+k)x10
// detection inside it have IoU (10+k)/20, exactly threshold k as numpy computes it (0.5, 0.55,
// ..., 0.85, 0.95 have the same bits as the IoU; the ninth threshold is 0.8999999999999999 and
// an IoU of 0.9 passes it), so the detection matches at thresholds 0..k: AP (k+1)/10. A
// 200x10 ground truth (area 2000: medium) and a (99+10k)x10 detection have IoU 0.005 below
// threshold k: it matches at 0..k-1 only, AP k/10.
func TestEveryThresholdByHand(t *testing.T) {
	for k := 0; k < NumIoU; k++ {
		w := float64(10 + k)
		t.Run(fmt.Sprintf("IoU=%.2f", IoUThresholds[k]), func(t *testing.T) {
			gt, dts := oneImage([][4]float64{{0, 0, 20, 10}}, [][4]float64{{0, 0, w, 10}})
			if iou := w * 10 / 200; k != 8 && iou != IoUThresholds[k] || k == 8 && !(iou > IoUThresholds[k]) {
				t.Fatalf("IoU %v is not on threshold %v", iou, IoUThresholds[k])
			}
			e, err := EvaluateResults(gt, dts)
			if err != nil {
				t.Fatal(err)
			}
			checkStats(t, e.Stats, oneMatchStats(k+1, 1), 1e-12)
			checkExact(t, fmt.Sprintf("exact%d", k), e.Stats)
		})
		below := float64(99 + 10*k)
		t.Run(fmt.Sprintf("IoU=%.3f", below/200), func(t *testing.T) {
			gt, dts := oneImage([][4]float64{{0, 0, 200, 10}}, [][4]float64{{0, 0, below, 10}})
			e, err := EvaluateResults(gt, dts)
			if err != nil {
				t.Fatal(err)
			}
			checkStats(t, e.Stats, oneMatchStats(k, 2), 1e-12)
			checkExact(t, fmt.Sprintf("below%d", k), e.Stats)
		})
	}
}

// TestIssueExample is the case a new user tried: ground truth [0,0,20,10] and [50,50,10,20],
// detections [0,0,17,10] (IoU 0.85, the better score) and [50,50,10,18] (IoU 0.9).
// pycocotools: AP 0.8252475247524752 (it was 0.7504950495049505 with thresholds computed as a
// Go constant expression). By hand: at thresholds .50-.85 both detections match (precision 1
// at all 101 recall points: 808 ones); at .8999999999999999 only the second does, after a
// false positive, so precision is 0.5 up to recall 0.5 (51 points: 25.5); at .95 none. AP =
// 833.5/1010. Recall is 1 at eight thresholds and 0.5 at one: AR 0.85; with one detection per
// image, only the first counts: 0.5 at eight thresholds, AR1 0.4. Both boxes are small (200).
func TestIssueExample(t *testing.T) {
	gt, dts := oneImage([][4]float64{{0, 0, 20, 10}, {50, 50, 10, 20}}, [][4]float64{{0, 0, 17, 10}, {50, 50, 10, 18}})
	e, err := EvaluateResults(gt, dts)
	if err != nil {
		t.Fatal(err)
	}
	if e.Stats[0] != 0.8252475247524752 {
		t.Errorf("AP = %.17g, pycocotools 0.8252475247524752", e.Stats[0])
	}
	checkStats(t, e.Stats, [12]float64{833.5 / 1010, 1, 1, 833.5 / 1010, -1, -1, 0.4, 0.85, 0.85, 0.85, -1, -1}, 1e-12)
	checkExact(t, "issue", e.Stats)
}

// TestFMACases holds three two-decimal box pairs (each alone in its category) whose exact IoU
// is a threshold (0.9, 0.65, 0.6); rounded as pycocotools rounds (the product gw*gh before it
// is added to the union), the IoUs are 0.8999999999999999, 0.65 and 0.6000000000000001 and
// match at 9, 4 and 3 thresholds: AP 16/30. Fused into one multiply-add (what Go emits for
// da + gw*gh - i on arm64 without the float64 conversion) they come out 0.8999999999999996,
// 0.6499999999999998 and 0.5999999999999999, one threshold short each: AP 13/30. make test runs
// this under qemu-aarch64 too.
func TestFMACases(t *testing.T) {
	gts := [][4]float64{{665.0, 853.82, 230.3, 679.62}, {829.56, 495.46, 220.2, 722.68}, {167.55, 460.0, 101.5, 780.24}}
	dts := [][4]float64{{665.0, 853.82, 207.27, 679.62}, {829.56, 495.46, 143.13, 722.68}, {167.55, 460.0, 60.9, 780.24}}
	var anns []Annotation
	var cats []Category
	var rs []Result
	for i := range gts {
		anns = append(anns, Annotation{ID: int64(i + 1), ImageID: 1, CategoryID: i + 1, BBox: gts[i], Area: gts[i][2] * gts[i][3]})
		cats = append(cats, Category{ID: i + 1, Name: fmt.Sprintf("c%d", i+1)})
		rs = append(rs, Result{ImageID: 1, CategoryID: i + 1, BBox: dts[i], Score: 0.9})
	}
	e, err := EvaluateResults(NewDataset([]Image{{ID: 1, Width: 2000, Height: 2000}}, anns, cats), rs)
	if err != nil {
		t.Fatal(err)
	}
	if d := e.Stats[0] - 16.0/30; !(math.Abs(d) <= 1e-12) {
		t.Errorf("AP = %.17g, want 16/30 (13/30 means a fused multiply-add in the IoU)", e.Stats[0])
	}
	checkExact(t, "fma", e.Stats)
}

// TestFieldsAsPycocotoolsReadsThem: pycocotools' 12 numbers (cocoapi's PythonAPI built with
// Debian's cython3 and numpy 1.24, its matplotlib import stubbed; printed with float.hex) for
// inputs where Go's JSON decoding and Python's used to differ:
//   - fraction: an iscrowd of 0.5 ignores its annotation (any non-zero value) without making it
//     a crowd region (int(0.5) is 0): the first detection, inside it, is a false positive;
//   - case: keys that differ from the fields only in case ("Score", "Area", "ISCROWD", "BBOX",
//     "Image_ID") are extra fields, not the fields (encoding/json took the last of each);
//   - escaped: a key written with an escape ("sc\u006fre") is the field;
//   - duplicate category: a category id listed twice is one category (pycocotools' dict, the
//     last entry's name; np.unique in params.catIds);
//   - repeated annotation id: image 1's first annotation has the id of image 2's, which
//     loadAnns returns in its place (its own image placing it: image 2 gets it twice, image 1
//     loses its box); RepeatedAnnotationIDs counts it;
//   - caption later: a caption on a detection but the first leaves the file bbox results (loadRes
//     looks at the first only), every area w*h (the second detection's 5000 would leave it out
//     of the small range).
func TestFieldsAsPycocotoolsReadsThem(t *testing.T) {
	const img = `"images": [{"id": 1, "width": 200, "height": 200}], "categories": [{"id": 1, "name": "a"}]`
	caseGT := `{` + img + `, "annotations": [
		{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10], "area": 100, "iscrowd": 0},
		{"id": 2, "image_id": 1, "category_id": 1, "bbox": [50, 50, 10, 10], "area": 100, "Area": 5000, "iscrowd": 0, "ISCROWD": 1}]}`
	cases := []struct {
		name, gt, dt string
		want         [12]float64
	}{
		{"fraction", `{` + img + `, "annotations": [
			{"id": 1, "image_id": 1, "category_id": 1, "bbox": [100, 100, 10, 10], "area": 100, "iscrowd": 0},
			{"id": 2, "image_id": 1, "category_id": 1, "bbox": [0, 0, 20, 20], "area": 400, "iscrowd": 0.5}]}`,
			`[{"image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10], "score": 0.9},
			  {"image_id": 1, "category_id": 1, "bbox": [100, 100, 10, 10], "score": 0.8}]`,
			[12]float64{0x1p-1, 0x1p-1, 0x1p-1, 0x1p-1, -1, -1, 0, 1, 1, 1, -1, -1}},
		{"case", caseGT,
			`[{"image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10], "score": 0.1, "Score": 0.9, "BBOX": [50, 50, 10, 10]},
			  {"image_id": 1, "category_id": 1, "bbox": [30, 30, 10, 10], "score": 0.5, "Image_ID": 7}]`,
			[12]float64{0x1.0288df0cac5b4p-2, 0x1.0288df0cac5b4p-2, 0x1.0288df0cac5b4p-2, 0x1.0288df0cac5b4p-2, -1, -1, 0, 0x1p-1, 0x1p-1, 0x1p-1, -1, -1}},
		{"escaped", caseGT,
			`[{"image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10], "sc\u006fre": 0.9}]`,
			[12]float64{0x1.0288df0cac5b3p-1, 0x1.0288df0cac5b3p-1, 0x1.0288df0cac5b3p-1, 0x1.0288df0cac5b3p-1, -1, -1, 0x1p-1, 0x1p-1, 0x1p-1, 0x1p-1, -1, -1}},
		{"duplicate category", `{"images": [{"id": 1, "width": 640, "height": 480}],
			"categories": [{"id": 1, "name": "a", "supercategory": "s"}, {"id": 1, "name": "a2", "supercategory": "s"}],
			"annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10], "area": 100, "iscrowd": 0},
				{"id": 2, "image_id": 1, "category_id": 1, "bbox": [50, 50, 10, 10], "area": 100, "iscrowd": 0}]}`,
			`[{"image_id": 1, "category_id": 1, "bbox": [0, 0, 5, 5], "score": 0.9},
			  {"image_id": 1, "category_id": 1, "bbox": [50, 50, 10, 10], "score": 0.8}]`,
			[12]float64{0x1.0288df0cac5b4p-2, 0x1.0288df0cac5b4p-2, 0x1.0288df0cac5b4p-2, 0x1.0288df0cac5b4p-2, -1, -1, 0, 0x1p-1, 0x1p-1, 0x1p-1, -1, -1}},
		{"repeated annotation id", `{"images": [{"id": 1, "width": 200, "height": 200}, {"id": 2, "width": 200, "height": 200}],
			"categories": [{"id": 1, "name": "a"}], "annotations": [
				{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10], "area": 100, "iscrowd": 0},
				{"id": 2, "image_id": 1, "category_id": 1, "bbox": [50, 50, 10, 10], "area": 100, "iscrowd": 0},
				{"id": 1, "image_id": 2, "category_id": 1, "bbox": [100, 100, 40, 40], "area": 1600, "iscrowd": 0}]}`,
			`[{"image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10], "score": 0.9},
			  {"image_id": 1, "category_id": 1, "bbox": [50, 50, 10, 10], "score": 0.8},
			  {"image_id": 2, "category_id": 1, "bbox": [100, 100, 40, 40], "score": 0.7}]`,
			[12]float64{0x1.c4dbab82f5044p-2, 0x1.c4dbab82f5043p-2, 0x1.c4dbab82f5043p-2, 0x1p-1, 0x1.0288df0cac5b3p-1, -1, 0x1.5555555555556p-2, 0x1.5555555555556p-1, 0x1.5555555555556p-1, 1, 0x1p-1, -1}},
		{"caption later", `{` + img + `, "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10], "area": 100, "iscrowd": 0}]}`,
			`[{"image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10], "score": 0.9, "area": 100},
			  {"image_id": 1, "category_id": 1, "bbox": [50, 50, 10, 10], "score": 0.95, "caption": "x", "area": 5000}]`,
			[12]float64{0x1p-1, 0x1p-1, 0x1p-1, 0x1p-1, -1, -1, 0, 1, 1, 1, -1, -1}},
	}
	for _, c := range cases {
		gt, err := DecodeDataset(strings.NewReader(c.gt), c.name+"-gt.json")
		if err != nil {
			t.Fatal(err)
		}
		if c.name == "duplicate category" && !slices.Equal(gt.Categories, []Category{{ID: 1, Name: "a2", Supercategory: "s"}}) {
			t.Errorf("%s: categories %+v, want the last entry's only", c.name, gt.Categories)
		}
		if want := map[bool]int{true: 1}[c.name == "repeated annotation id"]; gt.RepeatedAnnotationIDs() != want {
			t.Errorf("%s: %d repeated annotation ids, want %d", c.name, gt.RepeatedAnnotationIDs(), want)
		}
		dts, err := DecodeResults(strings.NewReader(c.dt), c.name+"-dt.json", gt)
		if err != nil {
			t.Fatal(err)
		}
		e, err := EvaluateResults(gt, dts)
		if err != nil {
			t.Fatal(err)
		}
		for i := range c.want {
			if math.Float64bits(e.Stats[i]) != math.Float64bits(c.want[i]) {
				t.Errorf("%s: %s = %x, pycocotools %x", c.name, StatNames[i], e.Stats[i], c.want[i])
			}
		}
	}
}
