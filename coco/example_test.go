package coco_test

import (
	"fmt"
	"log"
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
