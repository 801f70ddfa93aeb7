package coco_test

import (
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/shuffledet/shuffledet/coco"
)

// Evaluate a results file against its ground truth, as pycocotools' COCOeval does (cocoapi's
// own example: 100 val2014 images and its fake detections).
func ExampleEvaluateResults() {
	gt, err := coco.LoadDataset("../../shared/data/cocoeval-golden/instances_val2014_100.json")
	if err != nil {
		log.Fatal(err)
	}
	dts, err := coco.LoadResults("../../shared/data/cocoeval-golden/instances_val2014_fakebbox100_results.json", gt)
	if err != nil {
		log.Fatal(err)
	}
	ev, err := coco.EvaluateResults(gt, dts)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("AP %.3f, AP50 %.3f, AR100 %.3f\n", ev.Stats[0], ev.Stats[1], ev.Stats[8])
	fmt.Println(strings.SplitN(ev.Summary(), "\n", 2)[0])
	// Output:
	// AP 0.505, AP50 0.697, AR100 0.595
	//  Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.505
}

// Evaluate some images only (here the first ten of the file), as pycocotools does with
// params.imgIds set (its AP there: 0.6582350338016701).
func ExampleEval_Accumulate() {
	gt, err := coco.LoadDataset("../../shared/data/cocoeval-golden/instances_val2014_100.json")
	if err != nil {
		log.Fatal(err)
	}
	dts, err := coco.LoadResults("../../shared/data/cocoeval-golden/instances_val2014_fakebbox100_results.json", gt)
	if err != nil {
		log.Fatal(err)
	}
	ev, err := coco.NewEval(gt, dts)
	if err != nil {
		log.Fatal(err)
	}
	ev.ImgIDs = nil
	for _, im := range gt.Images[:10] {
		ev.ImgIDs = append(ev.ImgIDs, im.ID)
	}
	if err := ev.Accumulate(); err != nil {
		log.Fatal(err)
	}
	ev.Summarize()
	fmt.Printf("%d images: AP %.16f\n", len(ev.ImgIDs), ev.Stats[0])
	// Output:
	// 10 images: AP 0.6582350338016701
}

// Write a detector's boxes as a COCO results file, the list that pycocotools' loadRes and
// LoadResults read. Float32 writes a detector's float32 values by their own shortest decimals
// (12.3, not 12.300000190734863).
func ExampleWriteResults() {
	type detection struct { // as a detector returns them: x, y, width, height in float32
		box        [4]float32
		score      float32
		categoryID int
	}
	dets := []detection{{[4]float32{12.3, 45.6, 78.9, 101.1}, 0.93, 1}, {[4]float32{200, 10.5, 33.3, 60}, 0.41, 3}}
	var rs []coco.Result
	for _, d := range dets {
		rs = append(rs, coco.Result{ImageID: 42, CategoryID: d.categoryID, Score: coco.Float32(d.score),
			BBox: [4]float64{coco.Float32(d.box[0]), coco.Float32(d.box[1]), coco.Float32(d.box[2]), coco.Float32(d.box[3])}})
	}
	if err := coco.WriteResults(os.Stdout, rs, nil); err != nil { // SaveResults writes a file
		log.Fatal(err)
	}
	// Output:
	// [
	// {"image_id":42,"category_id":1,"bbox":[12.3,45.6,78.9,101.1],"score":0.93},
	// {"image_id":42,"category_id":3,"bbox":[200,10.5,33.3,60],"score":0.41}
	// ]
}
