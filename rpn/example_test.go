package rpn_test

import (
	"fmt"
	"log"

	"github.com/shuffledet/shuffledet/nn"
	"github.com/shuffledet/shuffledet/rpn"
)

// An RPN small enough to follow by hand: a one-channel feature map, one 32x32 anchor per
// location, and a head whose objectness logit is the feature value and whose box deltas are
// zero. The proposals are the anchors of the three locations with a positive feature, best
// first, each 16 input pixels (the feature stride) per cell from the image's corner.
func Example() {
	cfg := rpn.Config{Channels: 1, AnchorSizes: []float32{32}, AspectRatios: []float32{1},
		PreNMSTopN: 100, PostNMSTopN: 3, NMSThresh: 0.7, ScoreThresh: 0, MinBoxSize: 1e-3}
	head, err := rpn.LoadHead(nn.WeightMap{
		"rpn.head.conv.weight":       {0, 0, 0, 0, 1, 0, 0, 0, 0}, // the centre tap: the feature itself
		"rpn.head.conv.bias":         {0},
		"rpn.head.cls_logits.weight": {1},
		"rpn.head.cls_logits.bias":   {0},
		"rpn.head.bbox_pred.weight":  {0, 0, 0, 0},
		"rpn.head.bbox_pred.bias":    {0, 0, 0, 0},
	}, cfg, 1)
	if err != nil {
		log.Fatal(err)
	}
	r, err := head.NewRunner(cfg) // one per goroutine
	if err != nil {
		log.Fatal(err)
	}

	// The feature map of a 64x64 image: 4x4 cells.
	feat := nn.NewTensor(1, 1, 4, 4)
	feat.Data[1*4+1] = 3 // row 1, column 1
	feat.Data[2*4+2] = 2
	feat.Data[1*4+2] = 1
	proposals, err := r.Forward(feat, 64, 64, 64, 64)
	if err != nil {
		log.Fatal(err)
	}
	for _, b := range proposals {
		fmt.Println(b)
	}

	def := rpn.DefaultConfig()
	fmt.Println("the default RPN:", def.NumAnchors(), "anchors per location,", def.PreNMSTopN, "->", def.PostNMSTopN, "proposals")
	// Output:
	// {0 0 32 32}
	// {16 16 48 48}
	// {16 0 48 32}
	// the default RPN: 15 anchors per location, 6000 -> 300 proposals
}
