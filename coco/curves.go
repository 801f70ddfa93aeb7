package coco

import (
	"fmt"
	"math"

	"github.com/shuffledet/shuffledet/internal/quote"
)

// AllCategories asks PRCurve for the mean over the categories that have
// ground truth. It is not a category id: the loader reads it as a missing
// id, and Evaluate refuses it in CatIDs. (0 is a category id like any
// other.)
const AllCategories = math.MinInt

// PRCurve returns a precision-recall curve: the precision at each of the 101 RecallThresholds
// for IoU threshold t (an index into IoUThresholds, or -1 for the mean over all ten), area range
// a (an index into AreaRanges) and maxDet m (an index into MaxDets), of category id, or, when id
// is AllCategories, the mean over the categories that have ground truth (as pycocotools' demo
// plots it). A point is -1 where no category has ground truth. The mean of the points that are
// not -1 is the curve's AP. Accumulate runs first if it has not (its error is returned).
func (e *Eval) PRCurve(id, t, a, m int) ([NumRecall]float64, error) {
	var c [NumRecall]float64
	if t < -1 || t >= NumIoU || a < 0 || a >= NumArea || m < 0 || m >= NumMaxDet {
		return c, fmt.Errorf("coco: no curve for IoU index %d, area index %d, maxDets index %d", t, a, m)
	}
	if !e.accumulated {
		if err := e.Accumulate(); err != nil {
			return c, err
		}
	}
	ks := make([]int, 0, len(e.cats))
	for k, cid := range e.cats {
		if id == AllCategories || cid == id {
			ks = append(ks, k)
		}
	}
	if len(ks) == 0 && id == AllCategories {
		return c, fmt.Errorf("coco: no category is evaluated (the ground truth %s lists none)", quote.Name(e.GT.Path))
	}
	if len(ks) == 0 {
		return c, fmt.Errorf("coco: category %d is not evaluated", id)
	}
	t0, t1 := t, t+1
	if t < 0 {
		t0, t1 = 0, NumIoU
	}
	for r := range c {
		sum, n := 0.0, 0
		for ti := t0; ti < t1; ti++ {
			for _, k := range ks {
				if v := e.Precision[e.pidx(ti, r, k, a, m)]; v > -1 {
					sum += v
					n++
				}
			}
		}
		c[r] = -1
		if n > 0 {
			c[r] = sum / float64(n)
		}
	}
	return c, nil
}

// CurveAP returns the mean of the points of a PRCurve that are not -1 (its AP), or -1 when all
// are.
func CurveAP(c [NumRecall]float64) float64 {
	sum, n := 0.0, 0
	for _, v := range c {
		if v > -1 {
			sum += v
			n++
		}
	}
	if n == 0 {
		return -1
	}
	return sum / float64(n)
}
