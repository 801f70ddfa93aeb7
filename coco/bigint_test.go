package coco

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// beyondInt reports whether id, as a test writes it, is an integer that int cannot hold: on a
// 32-bit machine (armv7) a category id past int32 is refused (intNumber), as errIntID32 says.
func beyondInt(id string) bool {
	n, err := strconv.ParseInt(id, 10, 64)
	return err == nil && (n > math.MaxInt || n < -math.MaxInt)
}

// errIntID32 is the error of a category id that int cannot hold (beyondInt).
const errIntID32 = "is out of range: an id here is a 32-bit integer"

// bigDet is a detection of TestIntegersBeyond2p53: its image and category ids and its score as
// written, and whether it hits its image's annotation (the same box) or misses it.
type bigDet struct {
	img, cat, score string
	hit             bool
}

// TestIntegersBeyond2p53: scores and ids past 2^53, where pycocotools computes with Python ints
// and numpy arrays, and a float64 may hold two integers as one number. Each case was run through
// pycocotools' COCOeval (cocoapi's PythonAPI, numpy 1.24) on these very files; the stats it gave
// are the accepted cases' want, to the bit. The refused ones are those where it gives other
// numbers than this evaluator does without the refusal (both given in the comments). Each image
// is 100x100 and holds one 20x20 annotation per pair in anns; a detection hits it or misses it.
func TestIntegersBeyond2p53(t *testing.T) {
	const b, b1 = "9007199254740992", "9007199254740993" // 2^53, 2^53+1 (a float64 holds 2^53+1 as 2^53)
	one := [][2]string{{"1", "1"}, {"2", "1"}}           // an annotation of category 1 on images 1 and 2
	quarter := [12]float64{0.2524752475247525, 0.2524752475247525, 0.2524752475247525, 0.2524752475247525, -1, -1, 0.5, 0.5, 0.5, 0.5, -1, -1}
	half := [12]float64{0.5049504950495048, 0.5049504950495048, 0.5049504950495048, 0.5049504950495048, -1, -1, 0.5, 0.5, 0.5, 0.5, -1, -1}
	all := [12]float64{0.9999999999999998, 0.9999999999999999, 0.9999999999999999, 0.9999999999999998, -1, -1, 1, 1, 1, 1, -1, -1}
	for _, c := range []struct {
		name         string
		images, cats []string
		anns         [][2]string
		dets         []bigDet
		want         [12]float64 // pycocotools' stats
		refused      string      // else the error
	}{
		// Scores written as floats are Python floats, float64 as here, however large.
		{"float score 1e20", []string{"1", "2"}, []string{"1"}, one, []bigDet{{"1", "1", "1e20", false}, {"2", "1", "0.5", true}}, quarter, ""},
		{"float scores tied", []string{"1", "2"}, []string{"1"}, one, []bigDet{{"1", "1", b + ".0", false}, {"2", "1", b1 + ".0", true}}, quarter, ""},
		// Integers past 2^53 that no other integer of their category shares a float64 with:
		// numpy's exact order is the float64 order.
		{"integer score alone", []string{"1", "2"}, []string{"1"}, one, []bigDet{{"1", "1", b1, false}, {"2", "1", "0.5", true}}, quarter, ""},
		{"integer scores apart", []string{"1", "2"}, []string{"1"}, one, []bigDet{{"1", "1", b1, false}, {"2", "1", "9007199254740996", true}}, half, ""},
		{"integer scores past 2^63", []string{"1", "2"}, []string{"1"}, one, []bigDet{{"1", "1", "9223372036854775808", false}, {"2", "1", "9223372036854777856", true}}, half, ""},
		{"integer score 2^64", []string{"1", "2"}, []string{"1"}, one, []bigDet{{"1", "1", "18446744073709551616", false}, {"2", "1", "0.5", true}}, quarter, ""},
		{"tied integer scores of two categories", []string{"1", "2"}, []string{"1", "2"}, [][2]string{{"1", "1"}, {"2", "2"}}, []bigDet{{"1", "1", b, false}, {"2", "2", b1, true}},
			[12]float64{0.4999999999999999, 0.49999999999999994, 0.49999999999999994, 0.4999999999999999, -1, -1, 0.5, 0.5, 0.5, 0.5, -1, -1}, ""},
		// Two integers of a category that one float64 holds: numpy ranks 2^53+1 first, a float64
		// ties them (here: file order). pycocotools gives half; without the refusal, quarter.
		{"tied integer scores", []string{"1", "2"}, []string{"1"}, one, []bigDet{{"1", "1", b, false}, {"2", "1", b1, true}}, half,
			"detection 1: score 9007199254740993 and detection 0's, 9007199254740992, of the same category, are integers that a float64 holds as one number, 9007199254740992"},
		// in one image: pycocotools all, without the refusal AP 0.5, AR@1 0
		{"tied integer scores in an image", []string{"1"}, []string{"1"}, [][2]string{{"1", "1"}}, []bigDet{{"1", "1", b, false}, {"1", "1", b1, true}}, all, "detection 1: score 9007199254740993 and detection 0's"},
		// below zero alike: pycocotools half, without the refusal quarter
		{"tied negative integer scores", []string{"1", "2"}, []string{"1"}, one, []bigDet{{"1", "1", "-" + b1, false}, {"2", "1", "-" + b, true}}, half, "detection 1: score -9007199254740992 and detection 0's, -9007199254740993"},
		// Still refused, though pycocotools ties these as a float64 does (AP 0.44224422442244227,
		// and 0.16831683168316833, as here without the refusal): numpy sorts a category's scores
		// over its images as floats where one is written as a float or an image with its ground
		// truth has no detection of it; the refusal does not follow pycocotools' arrays that far.
		{"tied integer scores, a float score beside", []string{"1", "2", "3"}, []string{"1"}, [][2]string{{"1", "1"}, {"2", "1"}, {"3", "1"}}, []bigDet{{"1", "1", b, false}, {"2", "1", b1, true}, {"3", "1", "0.5", true}}, [12]float64{}, "detection 1: score 9007199254740993"},
		{"tied integer scores, an image without detections", []string{"1", "2", "3"}, []string{"1"}, [][2]string{{"1", "1"}, {"2", "1"}, {"3", "1"}}, []bigDet{{"1", "1", b, false}, {"2", "1", b1, true}}, [12]float64{}, "detection 1: score 9007199254740993"},
		// An id list with an id written as a float is float64 in pycocotools' evaluate (np.unique),
		// which loses an integer id a float64 cannot hold: alike here where nothing is under it.
		{"lost image without annotations or detections", []string{b1, "5.0"}, []string{"1"}, [][2]string{{"5", "1"}}, []bigDet{{"5", "1", "0.9", true}, {"5", "1", "0.4", false}}, all, ""},
		{"lost image that 2^53 stands for", []string{b, b1, "5.0"}, []string{"1"}, [][2]string{{"5", "1"}, {b, "1"}}, []bigDet{{"5", "1", "0.9", true}, {b, "1", "0.8", true}},
			[12]float64{1, 1, 1, 1, -1, -1, 1, 1, 1, 1, -1, -1}, ""},
		{"lost category without annotations, with a detection", []string{"1", "2"}, []string{b1, "5.0"}, [][2]string{{"1", "5"}, {"2", "5"}}, []bigDet{{"1", "5", "0.9", true}, {"2", "5", "0.4", false}, {"1", b1, "0.95", false}}, half, ""},
		// a detection on a lost image: pycocotools all (it never sees it), without the refusal AP 0.5
		{"detection on a lost image", []string{b1, "5.0"}, []string{"1"}, [][2]string{{"5", "1"}}, []bigDet{{"5", "1", "0.9", true}, {b1, "1", "0.95", false}}, all,
			"detection 1: image_id 9007199254740993: images[0]'s id in"},
		// pycocotools all (the lost image's annotation and detection nowhere), without the refusal 1
		{"annotation on a lost image", []string{b1, "5.0"}, []string{"1"}, [][2]string{{"5", "1"}, {b1, "1"}}, []bigDet{{"5", "1", "0.9", true}, {b1, "1", "0.8", true}}, all,
			"images[0]: id 9007199254740993 is an integer that a float64 cannot hold, and images[1]'s id is written as a float: pycocotools' evaluate then makes every id of the list a float64 (np.unique) and finds nothing under this one, so annotations[1], of it, would count here and not there"},
		// pycocotools all (category 2^53+1 lost), without the refusal 0.4999999999999999
		{"annotation of a lost category", []string{"1", "2"}, []string{b1, "5.0"}, [][2]string{{"1", "5"}, {"2", b1}}, []bigDet{{"1", "5", "0.9", true}, {"2", b1, "0.8", false}}, all,
			"categories[0]: id 9007199254740993 is an integer that a float64 cannot hold, and categories[1]'s id is written as a float"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if slices.ContainsFunc(c.cats, beyondInt) { // on a 32-bit machine
				c.refused = errIntID32
			}
			var ims, cats, anns, dets []string
			for i, id := range c.images {
				ims = append(ims, fmt.Sprintf(`{"id": %s, "width": 100, "height": 100, "file_name": "x%d.jpg"}`, id, i))
			}
			for i, id := range c.cats {
				cats = append(cats, fmt.Sprintf(`{"id": %s, "name": "c%d", "supercategory": "s"}`, id, i))
			}
			for i, a := range c.anns {
				anns = append(anns, fmt.Sprintf(`{"id": %d, "image_id": %s, "category_id": %s, "bbox": [10, 10, 20, 20], "area": 400, "iscrowd": 0}`, i+1, a[0], a[1]))
			}
			for _, d := range c.dets {
				box := "[60, 60, 20, 20]"
				if d.hit {
					box = "[10, 10, 20, 20]"
				}
				dets = append(dets, fmt.Sprintf(`{"image_id": %s, "category_id": %s, "bbox": %s, "score": %s}`, d.img, d.cat, box, d.score))
			}
			gtText := fmt.Sprintf(`{"images": [%s], "categories": [%s], "annotations": [%s]}`, strings.Join(ims, ", "), strings.Join(cats, ", "), strings.Join(anns, ", "))
			gt, err := DecodeDataset(strings.NewReader(gtText), "gt.json")
			var rs []Result
			if err == nil {
				rs, err = DecodeResults(strings.NewReader("["+strings.Join(dets, ", ")+"]"), "dt.json", gt)
			}
			if c.refused != "" {
				if err == nil || !strings.Contains(err.Error(), c.refused) {
					t.Fatalf("%v, want an error with %q", err, c.refused)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			e, err := EvaluateResults(gt, rs)
			if err != nil {
				t.Fatal(err)
			}
			e.Summarize()
			if e.Stats != c.want {
				t.Errorf("stats %v, pycocotools' %v", e.Stats, c.want)
			}
		})
	}
}
