package coco

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/shuffledet/shuffledet/internal/plural"
	"github.com/shuffledet/shuffledet/internal/quote"
)

// The evaluation parameters are pycocotools' defaults for bbox, fixed.
const (
	NumIoU    = 10  // IoU thresholds .50:.05:.95
	NumRecall = 101 // recall thresholds 0:.01:1
	NumArea   = 4   // area ranges all, small, medium, large
	NumMaxDet = 3   // max detections per image 1, 10, 100
)

// IoUThresholds are the IoU thresholds, bit for bit numpy's
// np.linspace(.5, 0.95, 10) as pycocotools builds them: the eighth is
// 0.85 and the ninth 0.8999999999999999, one unit in the last place below
// 0.9, so an IoU of exactly 0.9 passes it.
var IoUThresholds = func() (v [NumIoU]float64) { linspace(v[:], 0.5, 0.95); return v }()

// RecallThresholds are the 101 recall points, bit for bit numpy's
// np.linspace(0, 1, 101).
var RecallThresholds = func() (v [NumRecall]float64) { linspace(v[:], 0, 1); return v }()

// linspace fills y with numpy's np.linspace(start, stop, len(y)), step by
// step as numpy 1.24 computes it: step = (stop-start)/(n-1) at run time
// (not the exact constant a Go constant expression would give), then
// y[i] = i*step + start with both operations rounded (the float64
// conversion forbids a fused multiply-add), and y[n-1] = stop.
func linspace(y []float64, start, stop float64) {
	n := len(y)
	step := (stop - start) / float64(n-1)
	for i := range y {
		y[i] = float64(float64(i)*step) + start
	}
	y[n-1] = stop
}

// AreaRanges are the object area ranges [lo, hi] (in pixels²) compared
// with the annotation "area" field: all, small, medium, large.
var AreaRanges = [NumArea][2]float64{{0, 1e10}, {0, 32 * 32}, {32 * 32, 96 * 96}, {96 * 96, 1e10}}

// AreaLabels name AreaRanges as pycocotools prints them.
var AreaLabels = [NumArea]string{"all", "small", "medium", "large"}

// MaxDets are the limits on detections per image and category.
var MaxDets = [NumMaxDet]int{1, 10, 100}

// MaxCategories is the most categories one evaluation takes. Accumulate's
// precision array holds, as pycocotools' does, NumIoU x NumRecall x
// NumArea x NumMaxDet = 12,120 float64 per category (97 KB), so 10,000
// categories (as many classes as a detector's configuration may have)
// take 970 MB; Evaluate refuses more with an error instead of allocating
// them. The number of images is not limited: Evaluate's memory follows
// the images, annotations and detections.
const MaxCategories = 10000

// Eval is a bbox evaluation of detections against a ground truth, with
// pycocotools COCOeval semantics: Evaluate, then Accumulate, then
// Summarize. Evaluate and Accumulate return an error for more than
// MaxCategories categories; Summarize and PerCategory, which run
// Accumulate if it has not run, panic with it.
type Eval struct {
	GT *Dataset
	// ImgIDs and CatIDs are the evaluated images and categories (all of
	// GT's by default). Like pycocotools' params.imgIds and catIds they
	// may be narrowed before Evaluate, which sorts them and drops
	// duplicates (np.unique). Accumulate, Summarize, PerCategory and
	// PRCurve describe the images and categories of the last Evaluate:
	// changing these fields takes effect at the next Evaluate.
	ImgIDs []int64
	CatIDs []int

	// Precision is indexed [t][r][k][a][m] (flattened, as pycocotools'
	// eval['precision']); -1 where a category has no ground truth.
	Precision []float64
	// Recall is indexed [t][k][a][m]; -1 where there is no ground truth.
	Recall []float64
	// Stats are the 12 summary numbers (after Summarize).
	Stats [12]float64

	dts []Result

	cats []int // the categories of the last Evaluate (CatIDs as it left them)

	// Kept detections (at most MaxDets[2] per image, best first) of the
	// evaluated categories: those of category k, image by image in the
	// order of ImgIDs, in kept[catKept[k]:catKept[k+1]].
	catKept []int32
	kept    []keptDet
	npig    []int32 // [k][a]: ground truths that are not ignored

	evaluated, accumulated bool
}

// keptDet is what accumulation needs of one detection.
type keptDet struct {
	score float64
	tp    [NumArea]uint16 // bit t: a true positive at IoU threshold t
	ig    [NumArea]uint16 // bit t: ignored at IoU threshold t
	rank  uint8           // rank within its image and category (0 = best)
}

// NewEval prepares the evaluation of dts against gt. All image ids of dts
// must be in gt and their numbers finite (see CheckResults); detections of
// categories that gt does not have are kept and never match, as in
// pycocotools (see FindUnmatchable).
func NewEval(gt *Dataset, dts []Result) (*Eval, error) {
	if gt == nil {
		return nil, fmt.Errorf("coco: no ground truth")
	}
	if err := CheckResults(dts, gt); err != nil {
		return nil, err
	}
	return &Eval{GT: gt, ImgIDs: gt.ImageIDs(), CatIDs: gt.CategoryIDs(), dts: dts}, nil
}

// EvaluateResults runs Evaluate, Accumulate and Summarize and returns the
// evaluation.
func EvaluateResults(gt *Dataset, dts []Result) (*Eval, error) {
	e, err := NewEval(gt, dts)
	if err != nil {
		return nil, err
	}
	if err := e.Accumulate(); err != nil {
		return nil, err
	}
	e.Summarize()
	return e, nil
}

// scratch holds the per-group buffers of Evaluate, reused across groups.
type scratch struct {
	ious    []float64
	gbox    [][4]float64
	garea   []float64
	gcrowd  []bool
	gignore []bool // ignored whatever its area (Annotation.Ignore)
	gidOK   []bool // gt id != 0 (pycocotools treats a match to id 0 as none)
	gign    []bool
	perm    []int32
	sign    []bool // gign in perm order
	scrowd  []bool
	prevIgn []bool
	matched []bool
	dbox    [][4]float64
	darea   []float64 // w*h: the IoU's
	drange  []float64 // what the area ranges compare: w*h, or a mask's area (Result.rangeArea)
	mOK     []uint16  // per dt: matched to a gt with a non-zero id, bit t
	mIg     []uint16  // per dt: matched to an ignored gt, bit t
}

// Evaluate matches detections to ground truth per image and category
// (pycocotools evaluate/evaluateImg). It fails, before allocating
// anything large, when more than MaxCategories categories are to be
// evaluated, or more than 2^31-1 annotations or detections are given.
//
// Only the (category, image) pairs that hold a ground truth or a
// detection are visited: ground truth and detections are put in
// (category, image) order by two stable counting sorts (by image, then by
// category), so time and memory follow the number of annotations,
// detections, images and categories, never their product.
func (e *Eval) Evaluate() error { return e.evaluate(context.Background()) }

// evaluate is Evaluate, returning ctx's error, with nothing evaluated, when ctx ends first (it
// is looked at between categories, outside the loops over detections).
func (e *Eval) evaluate(ctx context.Context) error {
	gt := e.GT
	e.evaluated, e.accumulated = false, false
	e.CatIDs = slices.Compact(slices.Sorted(slices.Values(e.CatIDs)))
	if K := len(e.CatIDs); K > MaxCategories {
		return fmt.Errorf("coco: %s: %d categories to evaluate, more than %d (coco.MaxCategories): their precision array alone would take %d MB (evaluate some of them: cocoeval -categories, Eval.CatIDs)",
			gt.Path, K, MaxCategories, int64(K)*NumIoU*NumRecall*NumArea*NumMaxDet*8>>20)
	}
	if len(gt.Annotations) > math.MaxInt32 || len(e.dts) > math.MaxInt32 {
		return fmt.Errorf("coco: %s: %s and %s: at most %d of each", quote.Name(gt.Path), plural.Count(len(gt.Annotations), "annotation", "annotations"), plural.Count(len(e.dts), "detection", "detections"), math.MaxInt32)
	}
	if len(e.CatIDs) > 0 && e.CatIDs[0] == AllCategories {
		return fmt.Errorf("coco: %s: category id %d is coco.AllCategories, not a category", quote.Name(gt.Path), AllCategories)
	}
	e.ImgIDs = slices.Compact(slices.Sorted(slices.Values(e.ImgIDs)))
	e.cats = slices.Clone(e.CatIDs)
	I, K := len(e.ImgIDs), len(e.cats)
	imgPos := make(map[int64]int32, I)
	for i, id := range e.ImgIDs {
		imgPos[id] = int32(i)
	}
	catPos := make(map[int]int32, K)
	for k, id := range e.cats {
		catPos[id] = int32(k)
	}
	// position returns the image and category positions of a pair, or -1, -1
	// when either is not evaluated.
	position := func(imageID int64, catID int) (int32, int32) {
		i, ok := imgPos[imageID]
		if !ok {
			return -1, -1
		}
		k, ok := catPos[catID]
		if !ok {
			return -1, -1
		}
		return i, k
	}

	// Ground truth in pycocotools order: images by sorted id, each in file
	// order, filtered by category; loadAnns then looks every id up in a
	// dict, so an id that appears twice stands for its last annotation
	// (whose own image and category place it).
	// (gt.lastOfID, indexed once with the dataset).
	anns := gt.Annotations
	var trav []int32 // annotation indices in pycocotools order
	trav = make([]int32, 0, len(anns))
	for _, id := range e.ImgIDs {
		for _, j := range gt.ImageAnnotations(id) {
			if _, ok := catPos[anns[j].CategoryID]; !ok {
				continue
			}
			if gt.lastOfID != nil {
				j = gt.lastOfID[j]
			}
			trav = append(trav, j)
		}
	}
	tImg, tCat := make([]int32, len(trav)), make([]int32, len(trav))
	for n, j := range trav {
		tImg[n], tCat[n] = position(anns[j].ImageID, anns[j].CategoryID)
	}
	gCat, gIdx := byGroup(I, K, tImg, tCat)
	gImg := make([]int32, len(gIdx))
	for n, t := range gIdx {
		gIdx[n], gImg[n] = trav[t], tImg[t]
	}
	trav, tImg, tCat = nil, nil, nil

	dts := e.dts
	dImg, dCat := make([]int32, len(dts)), make([]int32, len(dts))
	for n := range dts {
		dImg[n], dCat[n] = position(dts[n].ImageID, dts[n].CategoryID)
	}
	dStart, dIdx := byGroup(I, K, dImg, dCat)

	// eachGroup calls f with the ground truth (annotation indices, file
	// order) and the detections (indices into dts, file order) of every
	// image of category k that has either, images in ImgIDs order.
	eachGroup := func(k int, f func(gs, ds []int32)) {
		gs, gi := gIdx[gCat[k]:gCat[k+1]], gImg[gCat[k]:gCat[k+1]]
		ds := dIdx[dStart[k]:dStart[k+1]]
		for len(gs) > 0 || len(ds) > 0 {
			i := int32(math.MaxInt32)
			if len(gs) > 0 {
				i = gi[0]
			}
			if len(ds) > 0 {
				i = min(i, dImg[ds[0]])
			}
			ng, nd := 0, 0
			for ng < len(gs) && gi[ng] == i {
				ng++
			}
			for nd < len(ds) && dImg[ds[nd]] == i {
				nd++
			}
			f(gs[:ng], ds[:nd])
			gs, gi, ds = gs[ng:], gi[ng:], ds[nd:]
		}
	}

	maxDet := MaxDets[NumMaxDet-1]
	e.catKept = make([]int32, K+1)
	for k := 0; k < K; k++ {
		n := e.catKept[k]
		eachGroup(k, func(_, ds []int32) { n += int32(min(len(ds), maxDet)) })
		e.catKept[k+1] = n
	}
	e.kept = make([]keptDet, e.catKept[K])
	e.npig = make([]int32, K*NumArea)

	var s scratch
	for k := 0; k < K; k++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		slot := e.catKept[k]
		eachGroup(k, func(gs, ds []int32) {
			// best score first; ties keep file order (mergesort in numpy)
			slices.SortStableFunc(ds, func(a, b int32) int { return cmp.Compare(dts[b].Score, dts[a].Score) })
			if len(ds) > maxDet {
				ds = ds[:maxDet]
			}
			n := int32(len(ds))
			e.evaluateGroup(&s, k, gs, ds, e.kept[slot:slot+n])
			slot += n
		})
	}
	e.evaluated = true
	return nil
}

// byGroup puts the items j whose image position img[j] and category
// position cat[j] are both evaluated (>= 0) in (category, image) order,
// stably (items of one image and category keep their order): a counting
// sort by image, then one by category. It returns the items and where
// each category's run of them starts (K+1 offsets).
func byGroup(I, K int, img, cat []int32) (catStart, items []int32) {
	_, byImg := group(I, func(j int) int32 {
		if cat[j] < 0 {
			return -1
		}
		return img[j]
	}, len(img))
	catStart, items = group(K, func(n int) int32 { return cat[byImg[n]] }, len(byImg))
	for n, p := range items {
		items[n] = byImg[p]
	}
	return catStart, items
}

// evaluateGroup evaluates one image and category: gs are ground-truth
// annotation indices (file order), ds detection indices (best first,
// truncated); out receives one keptDet per detection.
func (e *Eval) evaluateGroup(s *scratch, k int, gs, ds []int32, out []keptDet) {
	nG, nD := len(gs), len(ds)
	anns := e.GT.Annotations
	s.gbox = slices.Grow(s.gbox[:0], nG)[:nG]
	s.garea = slices.Grow(s.garea[:0], nG)[:nG]
	s.gcrowd = slices.Grow(s.gcrowd[:0], nG)[:nG]
	s.gidOK = slices.Grow(s.gidOK[:0], nG)[:nG]
	s.gignore = slices.Grow(s.gignore[:0], nG)[:nG]
	for i, j := range gs {
		a := &anns[j]
		s.gbox[i], s.garea[i], s.gcrowd[i], s.gidOK[i], s.gignore[i] = a.BBox, a.Area, a.IsCrowd, a.ID != 0, a.Ignore
	}
	s.dbox = slices.Grow(s.dbox[:0], nD)[:nD]
	s.darea = slices.Grow(s.darea[:0], nD)[:nD]
	s.drange = slices.Grow(s.drange[:0], nD)[:nD]
	for i, j := range ds {
		b := e.dts[j].BBox
		s.dbox[i], s.darea[i], s.drange[i] = b, float64(b[2]*b[3]), e.dts[j].rangeArea()
		out[i].score = e.dts[j].Score
		out[i].rank = uint8(i)
	}

	// IoU as maskUtils.iou (bbIou): crowd regions use the detection area
	// as the union. Every product is converted to float64 before it is
	// added to: the C code rounds it, and without the conversion Go fuses
	// a*b + c into one FMADD on arm64 (rounded once), which moves IoUs
	// that land on a threshold.
	s.ious = slices.Grow(s.ious[:0], nD*nG)[:nD*nG]
	for d := 0; d < nD; d++ {
		db := &s.dbox[d]
		da := s.darea[d]
		row := s.ious[d*nG : (d+1)*nG]
		for gi := 0; gi < nG; gi++ {
			gb := &s.gbox[gi]
			row[gi] = 0
			w := min(db[2]+db[0], gb[2]+gb[0]) - max(db[0], gb[0])
			if w <= 0 {
				continue
			}
			h := min(db[3]+db[1], gb[3]+gb[1]) - max(db[1], gb[1])
			if h <= 0 {
				continue
			}
			i := float64(w * h)
			var u float64
			if s.gcrowd[gi] {
				u = da
			} else {
				u = da + float64(gb[2]*gb[3]) - i
			}
			row[gi] = i / u
		}
	}

	s.gign = slices.Grow(s.gign[:0], nG)[:nG]
	s.perm = slices.Grow(s.perm[:0], nG)[:nG]
	s.sign = slices.Grow(s.sign[:0], nG)[:nG]
	s.scrowd = slices.Grow(s.scrowd[:0], nG)[:nG]
	s.prevIgn = slices.Grow(s.prevIgn[:0], nG)[:nG]
	s.matched = slices.Grow(s.matched[:0], nG)[:nG]
	s.mOK = slices.Grow(s.mOK[:0], nD)[:nD]
	s.mIg = slices.Grow(s.mIg[:0], nD)[:nD]
	havePrev := false
	for a := 0; a < NumArea; a++ {
		lo, hi := AreaRanges[a][0], AreaRanges[a][1]
		npig := int32(0)
		for i := 0; i < nG; i++ {
			s.gign[i] = s.gcrowd[i] || s.gignore[i] || s.garea[i] < lo || s.garea[i] > hi
			if !s.gign[i] {
				npig++
			}
		}
		e.npig[k*NumArea+a] += npig
		if !havePrev || !slices.Equal(s.gign, s.prevIgn) {
			e.match(s, nG, nD)
			copy(s.prevIgn, s.gign)
			havePrev = true
		}
		for d := 0; d < nD; d++ {
			outside := s.drange[d] < lo || s.drange[d] > hi
			ig := s.mIg[d]
			if outside {
				ig |= ^s.mOK[d] & (1<<NumIoU - 1)
			}
			out[d].ig[a] = ig
			out[d].tp[a] = s.mOK[d] &^ ig
		}
	}
}

// match runs pycocotools' greedy matching for every IoU threshold with the
// ignore flags in s.gign, filling s.mOK and s.mIg.
func (e *Eval) match(s *scratch, nG, nD int) {
	// ground truth with ignored last, stable
	n := 0
	for i := 0; i < nG; i++ {
		if !s.gign[i] {
			s.perm[n] = int32(i)
			n++
		}
	}
	for i := 0; i < nG; i++ {
		if s.gign[i] {
			s.perm[n] = int32(i)
			n++
		}
	}
	for gi := 0; gi < nG; gi++ {
		s.sign[gi] = s.gign[s.perm[gi]]
		s.scrowd[gi] = s.gcrowd[s.perm[gi]]
	}
	clear(s.mOK[:nD])
	clear(s.mIg[:nD])
	if nG == 0 || nD == 0 {
		return
	}
	for t := 0; t < NumIoU; t++ {
		bit := uint16(1) << t
		clear(s.matched[:nG])
		thr := min(IoUThresholds[t], 1-1e-10)
		for d := 0; d < nD; d++ {
			iou := thr
			m := -1
			row := s.ious[d*nG : (d+1)*nG]
			for gi := 0; gi < nG; gi++ {
				if s.matched[gi] && !s.scrowd[gi] {
					continue
				}
				if m > -1 && !s.sign[m] && s.sign[gi] {
					break
				}
				v := row[s.perm[gi]]
				if v < iou {
					continue
				}
				iou = v
				m = gi
			}
			if m == -1 {
				continue
			}
			if s.sign[m] {
				s.mIg[d] |= bit
			}
			if s.gidOK[s.perm[m]] {
				s.mOK[d] |= bit
			}
			s.matched[m] = true
		}
	}
}

// eps is numpy's np.spacing(1).
const eps = 2.220446049250313e-16

// pidx returns the flat index of precision[t][r][k][a][m].
func (e *Eval) pidx(t, r, k, a, m int) int {
	return (((t*NumRecall+r)*len(e.cats)+k)*NumArea+a)*NumMaxDet + m
}

// ridx returns the flat index of recall[t][k][a][m].
func (e *Eval) ridx(t, k, a, m int) int {
	return ((t*len(e.cats)+k)*NumArea+a)*NumMaxDet + m
}

// Accumulate computes precision and recall (pycocotools accumulate),
// running Evaluate first if needed and returning its error.
func (e *Eval) Accumulate() error { return e.AccumulateContext(context.Background()) }

// AccumulateContext is Accumulate, running Evaluate first if needed, that stops when ctx ends
// (a Ctrl-C) and returns ctx's error, leaving nothing accumulated (Accumulate starts over).
// ctx is looked at once per category in each step, outside the loops over detections, so it
// stops within one category's work, and what it computes is what Accumulate computes, to the
// bit (TestAccumulateContext).
func (e *Eval) AccumulateContext(ctx context.Context) error {
	e.accumulated = false
	if !e.evaluated {
		if err := e.evaluate(ctx); err != nil {
			return err
		}
	}
	K := len(e.cats)
	nPrec, nRec := NumIoU*NumRecall*K*NumArea*NumMaxDet, NumIoU*K*NumArea*NumMaxDet
	e.Precision = slices.Grow(e.Precision[:0], nPrec)[:nPrec]
	e.Recall = slices.Grow(e.Recall[:0], nRec)[:nRec]
	for i := range e.Precision {
		e.Precision[i] = -1
	}
	for i := range e.Recall {
		e.Recall[i] = -1
	}
	type entry struct {
		score float64
		slot  int32
	}
	var order []entry
	var sorted []keptDet
	var words []uint32
	var rc, pr []float64
	for k := 0; k < K; k++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		lo, hi := e.catKept[k], e.catKept[k+1]
		n := int(hi - lo)
		// All detections of the category, best first; ties keep the
		// concatenation order (images by id, then rank): numpy's stable
		// mergesort.
		order = slices.Grow(order[:0], n)[:n]
		for i := range order {
			order[i] = entry{e.kept[int(lo)+i].score, lo + int32(i)}
		}
		slices.SortFunc(order, func(x, y entry) int {
			switch {
			case x.score > y.score:
				return -1
			case x.score < y.score:
				return 1
			}
			return int(x.slot - y.slot)
		})
		sorted = slices.Grow(sorted[:0], n)[:n]
		for i, o := range order {
			sorted[i] = e.kept[o.slot]
		}
		rc = slices.Grow(rc[:0], n)[:n]
		pr = slices.Grow(pr[:0], n)[:n]
		words = slices.Grow(words[:0], n)[:n]
		for a := 0; a < NumArea; a++ {
			npig := e.npig[k*NumArea+a]
			if npig == 0 {
				continue
			}
			fnpig := float64(npig)
			for m := 0; m < NumMaxDet; m++ {
				maxDet := MaxDets[m]
				// tp and ignore bits of the detections within maxDet
				words = words[:0]
				for i := range sorted {
					if int(sorted[i].rank) < maxDet {
						words = append(words, uint32(sorted[i].tp[a])|uint32(sorted[i].ig[a])<<16)
					}
				}
				for t := 0; t < NumIoU; t++ {
					tpBit, igBit := uint32(1)<<t, uint32(1)<<(t+16)
					// Only true positives can start a new point of the
					// envelope or cross a recall threshold: after a false
					// positive, or an ignored detection, precision is lower
					// or the same and recall the same. So the curve is kept
					// at the true positives only; numpy's answer is the
					// same to the bit.
					var tp, fp, nd int
					for _, w := range words {
						if w&igBit != 0 {
							continue
						}
						if w&tpBit == 0 {
							fp++
							continue
						}
						tp++
						ftp := float64(tp)
						rc[nd] = ftp / fnpig
						pr[nd] = ftp / (float64(fp+tp) + eps)
						nd++
					}
					if nd > 0 {
						e.Recall[e.ridx(t, k, a, m)] = rc[nd-1]
					} else {
						e.Recall[e.ridx(t, k, a, m)] = 0
					}
					for i := nd - 1; i > 0; i-- {
						if pr[i] > pr[i-1] {
							pr[i-1] = pr[i]
						}
					}
					i := 0
					for r := 0; r < NumRecall; r++ {
						for i < nd && rc[i] < RecallThresholds[r] {
							i++
						}
						q := 0.0
						if i < nd {
							q = pr[i]
						}
						e.Precision[e.pidx(t, r, k, a, m)] = q
					}
				}
			}
		}
	}
	e.accumulated = true
	return nil
}

// mustAccumulate runs Accumulate if it has not run, for the methods that
// have no error to return; it panics if it fails (more than MaxCategories
// categories), which a caller avoids by calling Accumulate, or
// EvaluateResults, first and checking the error.
func (e *Eval) mustAccumulate() {
	if e.accumulated {
		return
	}
	if err := e.Accumulate(); err != nil {
		panic(err)
	}
}
