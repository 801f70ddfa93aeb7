package coco

import (
	"math"
	"path/filepath"
	"strings"
	"testing"
)

// TestPRCurve: the mean of a curve is the AP that Summarize reports for the same slice of the
// evaluation (AP, AP50, AP75, APs, APm, APl over all categories), and a category without ground
// truth gives a curve of -1.
func TestPRCurve(t *testing.T) {
	dir := filepath.Join(sharedData, "cocoeval-golden")
	needData(t, dir)
	e := evalFiles(t, filepath.Join(dir, "instances_val2014_100.json"), filepath.Join(dir, "instances_val2014_fakebbox100_results.json"))
	for _, c := range []struct {
		t, a, stat int
	}{{-1, 0, 0}, {0, 0, 1}, {5, 0, 2}, {-1, 1, 3}, {-1, 2, 4}, {-1, 3, 5}} {
		curve, err := e.PRCurve(AllCategories, c.t, c.a, NumMaxDet-1)
		if err != nil {
			t.Fatal(err)
		}
		// A category has ground truth at every recall point or at none, so averaging point by
		// point and then over the points is the summary's mean, up to the order of the sums.
		if ap := CurveAP(curve); !(math.Abs(ap-e.Stats[c.stat]) <= 1e-12) {
			t.Errorf("curve t=%d a=%d: AP %v, %s %v", c.t, c.a, ap, StatNames[c.stat], e.Stats[c.stat])
		}
	}
	for _, cr := range e.PerCategory() {
		curve, err := e.PRCurve(cr.ID, -1, 0, NumMaxDet-1)
		if err != nil {
			t.Fatal(err)
		}
		if ap := CurveAP(curve); !(math.Abs(ap-cr.Stats[0]) <= 1e-12) {
			t.Errorf("category %d: curve AP %v, AP %v", cr.ID, ap, cr.Stats[0])
		}
	}
	if _, err := e.PRCurve(12345, 0, 0, 0); err == nil {
		t.Error("no error for a category that is not evaluated")
	}
	if _, err := e.PRCurve(AllCategories, NumIoU, 0, 0); err == nil {
		t.Error("no error for IoU index 10")
	}
}

// TestPRCurveCategoryZero: 0 is a category id like any other, so PRCurve(0, ...) is category
// 0's curve (AP 1 here: its box is found), not the mean over the categories (AP 0.5, category
// 1's box being missed), which AllCategories asks for; and AllCategories itself cannot be a
// category of the evaluation.
func TestPRCurveCategoryZero(t *testing.T) {
	gt := NewDataset([]Image{{ID: 1}}, []Annotation{
		{ID: 1, ImageID: 1, CategoryID: 0, BBox: [4]float64{0, 0, 10, 10}, Area: 100},
		{ID: 2, ImageID: 1, CategoryID: 1, BBox: [4]float64{20, 20, 10, 10}, Area: 100},
	}, []Category{{ID: 0, Name: "a"}, {ID: 1, Name: "b"}})
	e, err := EvaluateResults(gt, []Result{{ImageID: 1, CategoryID: 0, BBox: [4]float64{0, 0, 10, 10}, Score: 1}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		id   int
		want float64
	}{{0, 1}, {1, 0}, {AllCategories, 0.5}} {
		curve, err := e.PRCurve(c.id, 0, 0, NumMaxDet-1)
		if err != nil {
			t.Fatal(err)
		}
		if ap := CurveAP(curve); !(math.Abs(ap-c.want) < 1e-12) {
			t.Errorf("PRCurve(%d): AP50 %v, want %v", c.id, ap, c.want)
		}
	}
	e.CatIDs = append(e.CatIDs, AllCategories)
	if err := e.Evaluate(); err == nil || !strings.Contains(err.Error(), "AllCategories") {
		t.Errorf("Evaluate with AllCategories among the categories: %v", err)
	}
}
