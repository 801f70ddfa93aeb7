package coco

import (
	"fmt"
	"math"
	"math/rand"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// emptyGrid builds a ground truth of nImg images and nCat categories (ids 1..n) with a single
// annotation, on the last image in the last category, and a detection that matches it.
func emptyGrid(nImg, nCat int) (*Dataset, []Result) {
	imgs := make([]Image, nImg)
	for i := range imgs {
		imgs[i] = Image{ID: int64(i + 1)}
	}
	cats := make([]Category, nCat)
	for k := range cats {
		cats[k] = Category{ID: k + 1}
	}
	box := [4]float64{10, 10, 50, 50}
	anns := []Annotation{{ID: 1, ImageID: int64(nImg), CategoryID: nCat, BBox: box, Area: 2500}}
	return NewDataset(imgs, anns, cats), []Result{{ImageID: int64(nImg), CategoryID: nCat, BBox: box, Score: 0.9}}
}

// TestEvaluateMemoryFollowsAnnotations: Evaluate visits only the (category, image) pairs that
// hold a ground truth or a detection. 3000 images x 3000 categories with one annotation used
// to cost several arrays of 9 million offsets (over 100 MB, from a 70 KB file); now it costs
// what the images, categories and boxes do.
func TestEvaluateMemoryFollowsAnnotations(t *testing.T) {
	gt, dts := emptyGrid(3000, 3000)
	e, err := NewEval(gt, dts)
	if err != nil {
		t.Fatal(err)
	}
	if mb := allocatedMB(func() {
		if err := e.Evaluate(); err != nil {
			t.Fatal(err)
		}
	}); mb > 4 {
		t.Errorf("Evaluate of 3000 images x 3000 categories, one box, allocated %.1f MB", mb)
	}
	if n := e.catKept[len(e.CatIDs)] - e.catKept[len(e.CatIDs)-1]; n != 1 || e.npig[(len(e.CatIDs)-1)*NumArea] != 1 {
		t.Errorf("last category: %d kept detections, %d ground truths", n, e.npig[(len(e.CatIDs)-1)*NumArea])
	}
}

// TestEvaluateManyPairs: more (category, image) pairs than an int32 counts (10000 categories x
// 214749 images > 2^31) evaluate without overflow: the one box, in the last category and on
// the last image, is found and matched at every IoU threshold. (Evaluate only: accumulating
// 10000 categories takes 1 GB of precision, as in pycocotools.)
func TestEvaluateManyPairs(t *testing.T) {
	nImg, nCat := 214749, 10000
	if int64(nImg)*int64(nCat) <= math.MaxInt32 {
		t.Fatal("not past int32")
	}
	gt, dts := emptyGrid(nImg, nCat)
	e, err := NewEval(gt, dts)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Evaluate(); err != nil {
		t.Fatal(err)
	}
	k := nCat - 1
	if e.catKept[k+1]-e.catKept[k] != 1 || e.catKept[k] != 0 {
		t.Fatalf("kept detections of the last category: slots %d..%d", e.catKept[k], e.catKept[k+1])
	}
	if d := e.kept[0]; d.tp[0] != 1<<NumIoU-1 || d.ig[0] != 0 || e.npig[k*NumArea] != 1 {
		t.Errorf("detection %+v, %d ground truths", d, e.npig[k*NumArea])
	}
}

// TestTooManyCategories: more than MaxCategories categories are refused with an error that
// names the file, before anything large is allocated (10,001 categories would take 970 MB of
// precision); Accumulate and PRCurve return the error, Summarize panics with it.
func TestTooManyCategories(t *testing.T) {
	path := writeFile(t, "many.json", categoriesJSON(`[{"id": 1}]`, 1, MaxCategories+1))
	gt, err := LoadDataset(path)
	if err != nil {
		t.Fatal(err)
	}
	mb := allocatedMB(func() { _, err = EvaluateResults(gt, nil) })
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "10001 categories") || !strings.Contains(err.Error(), "MaxCategories") {
		t.Errorf("error %v", err)
	}
	if mb > 4 {
		t.Errorf("refusing allocated %.1f MB", mb)
	}
	e, err := NewEval(gt, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Accumulate(); err == nil {
		t.Error("Accumulate: no error")
	}
	if _, err := e.PRCurve(1, 0, 0, 0); err == nil {
		t.Error("PRCurve: no error")
	}
	defer func() {
		if r := recover(); r == nil {
			t.Error("Summarize did not panic")
		}
	}()
	e.Summarize()
}

// TestEvalIDsAsPycocotools: Evaluate sorts CatIDs and drops duplicates, as pycocotools'
// np.unique does (unsorted, repeated ids give the numbers and the per-category rows of the
// sorted, unique ones); and changing ImgIDs or CatIDs after Evaluate leaves Accumulate,
// Summarize and PerCategory describing what Evaluate evaluated.
func TestEvalIDsAsPycocotools(t *testing.T) {
	dir := filepath.Join(sharedData, "cocoeval-golden")
	needData(t, dir)
	want := evalFiles(t, filepath.Join(dir, "instances_val2014_100.json"), filepath.Join(dir, "instances_val2014_fakebbox100_results.json"))
	wantCats := want.PerCategory()

	e, err := NewEval(want.GT, want.dts)
	if err != nil {
		t.Fatal(err)
	}
	ids := slices.Clone(e.CatIDs)
	slices.Reverse(ids)
	ids = append(ids, ids[:5]...)
	e.CatIDs = ids
	if err := e.Evaluate(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(e.CatIDs, want.CatIDs) {
		t.Errorf("CatIDs after Evaluate: %v, want %v", e.CatIDs, want.CatIDs)
	}
	if ids[0] != want.CatIDs[len(want.CatIDs)-1] {
		t.Error("Evaluate sorted the caller's slice in place")
	}
	// The fields change after Evaluate: the evaluation does not.
	e.CatIDs = append(e.CatIDs[:3:3], 12345)
	e.ImgIDs = e.ImgIDs[:1]
	if err := e.Accumulate(); err != nil {
		t.Fatal(err)
	}
	if got := e.Summarize(); got != want.Stats {
		t.Errorf("stats %v, want %v", got, want.Stats)
	}
	if got := e.PerCategory(); !reflect.DeepEqual(got, wantCats) {
		t.Errorf("PerCategory: %d rows, want %d", len(got), len(wantCats))
	}
	// The next Evaluate takes them.
	if err := e.Evaluate(); err != nil {
		t.Fatal(err)
	}
	if got := e.PerCategory(); len(got) != 4 || got[3].ID != 12345 || got[3].Stats[0] != -1 {
		t.Errorf("PerCategory after narrowing: %+v", got)
	}
}

// TestNarrowedImagesEqualAFilteredFile: evaluating with ImgIDs narrowed to some images (as
// pycocotools' params.imgIds) gives, to the last bit, what evaluating a file that holds only those
// images, their annotations and their detections gives: the pairs of the images left out must
// drop out of the grouping without moving any other. Random boxes, crowds, several categories,
// a pair with more than MaxDets[2] detections, images with detections but no ground truth.
func TestNarrowedImagesEqualAFilteredFile(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	const nImg, nCat = 40, 5
	var imgs []Image
	for i := 1; i <= nImg; i++ {
		imgs = append(imgs, Image{ID: int64(i * 3)})
	}
	var cats []Category
	for k := 1; k <= nCat; k++ {
		cats = append(cats, Category{ID: k * 2})
	}
	box := func() [4]float64 {
		return [4]float64{rng.Float64() * 200, rng.Float64() * 200, 5 + rng.Float64()*150, 5 + rng.Float64()*150}
	}
	var anns []Annotation
	var dts []Result
	for _, im := range imgs {
		for range rng.Intn(8) {
			b := box()
			anns = append(anns, Annotation{ID: int64(len(anns) + 1), ImageID: im.ID, CategoryID: cats[rng.Intn(nCat)].ID, BBox: b, Area: b[2] * b[3], IsCrowd: rng.Intn(10) == 0})
		}
		n := rng.Intn(12)
		if im.ID == 9 {
			n = 130 // more than MaxDets[2] in one image
		}
		for range n {
			dts = append(dts, Result{ImageID: im.ID, CategoryID: cats[rng.Intn(nCat)].ID, BBox: box(), Score: float64(rng.Intn(20)) / 20})
		}
	}
	keep := map[int64]bool{}
	var narrowed []int64
	for _, im := range imgs {
		if rng.Intn(2) == 0 || im.ID == 9 {
			keep[im.ID] = true
			narrowed = append(narrowed, im.ID)
		}
	}
	stats := func(gt *Dataset, dts []Result, ids []int64) [12]float64 {
		e, err := NewEval(gt, dts)
		if err != nil {
			t.Fatal(err)
		}
		if ids != nil {
			e.ImgIDs = ids
		}
		if err := e.Evaluate(); err != nil {
			t.Fatal(err)
		}
		if err := e.Accumulate(); err != nil {
			t.Fatal(err)
		}
		return e.Summarize()
	}
	got := stats(NewDataset(imgs, anns, cats), dts, narrowed)
	var fImgs []Image
	var fAnns []Annotation
	var fDts []Result
	for _, im := range imgs {
		if keep[im.ID] {
			fImgs = append(fImgs, im)
		}
	}
	for _, a := range anns {
		if keep[a.ImageID] {
			fAnns = append(fAnns, a)
		}
	}
	for _, d := range dts {
		if keep[d.ImageID] {
			fDts = append(fDts, d)
		}
	}
	want := stats(NewDataset(fImgs, fAnns, cats), fDts, nil)
	for i := range want {
		if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
			t.Errorf("stat %d: %v narrowed, %v on the filtered file", i, got[i], want[i])
		}
	}
	if want[1] <= 0 {
		t.Errorf("AP50 %v: the problem has no matches to compare", want[1])
	}
}

// allocatedMB returns the MB that f allocates (runtime.MemStats.TotalAlloc).
func allocatedMB(f func()) float64 {
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	f()
	runtime.ReadMemStats(&m1)
	return float64(m1.TotalAlloc-m0.TotalAlloc) / (1 << 20)
}

// categoriesJSON returns an instances file with the given images (a JSON list), no annotations,
// and categories of ids first to last.
func categoriesJSON(images string, first, last int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `{"images": %s, "annotations": [], "categories": [`, images)
	for id := first; id <= last; id++ {
		if id > first {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id": %d}`, id)
	}
	b.WriteString("]}")
	return b.String()
}
