package backbone_test

import (
	"fmt"
	"log"

	"github.com/shuffledet/shuffledet/backbone"
	"github.com/shuffledet/shuffledet/backbone/shufflenet"
	"github.com/shuffledet/shuffledet/modelfile"
	"github.com/shuffledet/shuffledet/nn"
)

// What a detector does with its Trunk (here ShuffleNet 1x g=3, the bundled demo detector's): a
// Runner turns the padded frame into the stride-16 feature map for the RPN and the RoI pooler,
// and a BoxHead turns each pooled RoI into one vector for the box predictor.
func Example() {
	f, err := modelfile.Open("../models/shufflenet-g3-1.0x-300-person-car.bin")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	net, err := shufflenet.Build(f.Config.Backbone, f)
	if err != nil {
		log.Fatal(err)
	}
	var trunk backbone.Trunk = net.Trunk()
	fmt.Printf("%s: features of %d channels at stride %d, box head vectors of %d\n",
		trunk.Name(), trunk.FeatureChannels(), backbone.FeatureStride, trunk.HeadChannels())

	// A 300x400 frame padded to multiples of 32.
	r := trunk.NewRunner(nil) // nil: one thread
	feat := r.Features(nn.NewTensor(1, 3, 320, 416))
	fmt.Println("feature map", feat.Shape())
	c := trunk.FeatureCost(320, 416)
	fmt.Printf("%s: %.1fM multiply-adds\n", c.Name, float64(c.MACs)/1e6)

	// Three RoIs pooled to 14x14 (roihead's RoIAlign), one vector each.
	const rois, size = 3, 14
	head := trunk.NewBoxHead()
	vecs := make([]float32, rois*trunk.HeadChannels())
	head.BoxHead(vecs, nn.NewTensor(rois, trunk.FeatureChannels(), size, size))
	h := trunk.HeadCost(size)
	fmt.Printf("%d vectors of %d; %s: %.1fM multiply-adds a RoI\n", rois, len(vecs)/rois, h.Name, float64(h.MACs)/1e6)
	// Output:
	// shufflenet-g3-1.0x: features of 480 channels at stride 16, box head vectors of 960
	// feature map [1 480 20 26]
	// backbone: 276.2M multiply-adds
	// 3 vectors of 960; box_head: 32.4M multiply-adds a RoI
}
