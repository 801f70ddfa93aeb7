package shufflenet_test

import (
	"fmt"
	"log"

	"github.com/shuffledet/shuffledet/backbone/shufflenet"
	"github.com/shuffledet/shuffledet/modelfile"
	"github.com/shuffledet/shuffledet/nn"
)

// The cost of ShuffleNet 1x (g=3) as an ImageNet classifier at 224x224, the figures of the
// megvii table (138M multiply-adds, 1.9M parameters) and of `detect info -arch`. Each part's
// output size: conv1 includes the max pool after it (stride 4).
func ExampleConfig_Complexity() {
	cfg := shufflenet.DefaultConfig() // 1x, g=3, shuffle, 1000-way classifier
	cx := cfg.Complexity(224, 224)
	fmt.Println(cx.Arch, "stem", cfg.StemWidth(), "stages", cfg.StageWidths(), "units", cfg.Repeats())
	fmt.Printf("%.2fM multiply-adds, %.2fM params\n", float64(cx.MACs)/1e6, float64(cx.Params)/1e6)
	for _, s := range cx.Stages {
		fmt.Printf("%-10s %3dx%-3d x %4d\n", s.Name, s.OutH, s.OutW, s.OutC)
	}
	// Output:
	// shufflenet-g3-1.0x stem 24 stages [240 480 960] units [4 8 4]
	// 137.46M multiply-adds, 1.86M params
	// conv1       56x56  x   24
	// stage2      28x28  x  240
	// stage3      14x14  x  480
	// stage4       7x7   x  960
	// classifier   1x1   x 1000
}

// Build a network from a model file's weights (here the trunk of the bundled demo detector,
// which has no classifier) and run it up to stage 3, the detector's stride-16 feature map.
func ExampleBuild() {
	f, err := modelfile.Open("../../models/shufflenet-g3-1.0x-300-person-car.bin")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	net, err := shufflenet.Build(f.Config.Backbone, f)
	if err != nil {
		log.Fatal(err)
	}
	r := net.NewRunner() // one per goroutine; it owns the activations
	x := nn.NewTensor(1, 3, 224, 224)
	fmt.Println(net.Config.Name(), "stage 3:", r.Forward(x, shufflenet.Stage3).Shape())
	fmt.Println(net.Config.Name(), "stage 4:", r.Forward(x, shufflenet.Stage4).Shape())
	// Output:
	// shufflenet-g3-1.0x stage 3: [1 480 14 14]
	// shufflenet-g3-1.0x stage 4: [1 960 7 7]
}
