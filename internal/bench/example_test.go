package bench_test

import (
	"fmt"

	"github.com/shuffledet/shuffledet/internal/bench"
)

// Time a ShuffleNet 0.5x (g=3) classifier on random weights at 224x224, one thread.
func ExampleArch() {
	c, err := bench.Arch("shufflenet-g3-0.5x", bench.Options{InputH: 224, InputW: 224})
	if err != nil {
		fmt.Println(err)
		return
	}
	r, err := bench.Measure(c, 5, 2)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s: %.3f GFLOP per run, %d timed runs\n", r.Case, r.GFLOPs, r.Runs)
	// Output: shufflenet-g3-0.5x classifier, 224x224 input (random weights): 0.075 GFLOP per run, 5 timed runs
}
