package configs_test

import (
	"fmt"
	"log"

	"github.com/shuffledet/shuffledet/configs"
)

// A bundled preset: ShuffleNet 1x (g=3) Faster R-CNN at shorter side 600.
func ExamplePreset() {
	m, err := configs.Preset("shufflenet-g3-1.0x-600")
	if err != nil {
		log.Fatal(err)
	}
	d := m.Detector
	fmt.Println(m.Backbone.Name(), "with", len(d.Classes), "classes")
	fmt.Println("input: shorter side", d.ShorterSide, "longer at most", d.MaxLongerSide, "padded to /", d.SizeDivisible)
	fmt.Println("rpn:", d.RPN.NumAnchors(), "anchors per location,", d.RPN.PreNMSTopN, "->", d.RPN.PostNMSTopN, "proposals, NMS", d.RPN.NMSThresh)
	fmt.Println("roi:", d.RoI.OutputSize, "x", d.RoI.OutputSize, "RoIs, score >", d.RoI.ScoreThresh, "at most", d.RoI.DetectionsPerImg)
	// Output:
	// shufflenet-g3-1.0x with 80 classes
	// input: shorter side 600 longer at most 1000 padded to / 32
	// rpn: 15 anchors per location, 6000 -> 300 proposals, NMS 0.7
	// roi: 14 x 14 RoIs, score > 0.05 at most 100
}

// Any variant by name, <architecture>-<shorter side>, with the default detector settings; the
// configuration validates each stage's part.
func ExamplePreset_byName() {
	m, err := configs.Preset("shufflenet-g8-0.5x-se-300")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(m.Backbone.Groups, m.Backbone.Width, m.Backbone.SE, m.Detector.ShorterSide)
	m.Detector.RPN.NMSThresh = -1
	fmt.Println(m.Validate())
	_, err = configs.Preset("shufflenet-g3-1.0x-5000")
	fmt.Println(err)
	// Output:
	// 8 0.5 true 300
	// detector: rpn: nms_thresh -1 out of range [0, 1]
	// config "shufflenet-g3-1.0x-5000": resolution 5000 out of range (32 to 2458; the paper's are 300 and 600)
}
