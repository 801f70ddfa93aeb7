package roihead_test

import (
	"fmt"
	"log"

	"github.com/shuffledet/shuffledet/boxes"
	"github.com/shuffledet/shuffledet/nn"
	"github.com/shuffledet/shuffledet/roihead"
)

// meanHead is a box head that gives each pooled RoI one value, its mean (a detector's trunk
// supplies the real one, backbone.Trunk.NewBoxHead).
type meanHead struct{}

func (meanHead) BoxHead(dst []float32, rois *nn.Tensor) {
	for n := range rois.N {
		var sum float32
		for _, v := range rois.Plane(n, 0) {
			sum += v
		}
		dst[n] = sum / float32(rois.H*rois.W)
	}
}

// The box branch on three proposals over a one-channel feature map that is 1 on an object (the
// top left 4x4 cells of 8x8) and 0 elsewhere. The predictor scores one class by the RoI's mean
// (logit 4 x mean, background 2) and predicts no box change. The proposal off the object scores
// below the threshold; the one that overlaps the best one loses to it in NMS; the detection is
// mapped from the 128x128 network input back to the 256x256 original.
func Example() {
	pred, err := roihead.LoadPredictor(nn.WeightMap{
		"roi_heads.box_predictor.cls_score.weight": {0, 4}, // [background, class 1] x 1 input
		"roi_heads.box_predictor.cls_score.bias":   {2, 0},
		"roi_heads.box_predictor.bbox_pred.weight": make([]float32, 8),
		"roi_heads.box_predictor.bbox_pred.bias":   make([]float32, 8),
	}, 1, 2)
	if err != nil {
		log.Fatal(err)
	}
	cfg := roihead.DefaultConfig() // 14x14 RoIs, NMS 0.5, box weights 10, 10, 5, 5
	cfg.ScoreThresh = 0.5
	r, err := roihead.NewRunner(cfg, 1, func() roihead.BoxHead { return meanHead{} }, pred)
	if err != nil {
		log.Fatal(err)
	}

	feat := nn.NewTensor(1, 1, 8, 8) // stride 16: a 128x128 input
	for y := range 4 {
		for x := range 4 {
			feat.Data[y*8+x] = 1
		}
	}
	proposals := []boxes.Box{{X1: 0, Y1: 0, X2: 48, Y2: 48}, {X1: 80, Y1: 80, X2: 128, Y2: 128}, {X1: 4, Y1: 4, X2: 52, Y2: 52}}
	logits, _, err := r.Predict(feat, proposals)
	if err != nil {
		log.Fatal(err)
	}
	for i := range proposals {
		fmt.Printf("proposal %d: logits %.2f\n", i, logits[2*i:2*i+2])
	}
	dets, err := r.Forward(feat, proposals, 128, 128, 256, 256)
	if err != nil {
		log.Fatal(err)
	}
	for i := range dets.Len() {
		fmt.Printf("label %d score %.3f box %.1f\n", dets.Labels[i], dets.Scores[i], dets.Boxes[i])
	}
	// Output:
	// proposal 0: logits [2.00 4.00]
	// proposal 1: logits [2.00 0.00]
	// proposal 2: logits [2.00 3.92]
	// label 1 score 0.881 box {0.0 0.0 96.0 96.0}
}
