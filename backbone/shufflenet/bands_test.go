package shufflenet_test

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/shuffledet/shuffledet/backbone/shufflenet"
	"github.com/shuffledet/shuffledet/internal/testmodel"
	"github.com/shuffledet/shuffledet/nn"
	"github.com/shuffledet/shuffledet/parallel"
)

// TestBandsMatchLayers: the trunk with its large stride-1 units in bands gives the values of the
// layer-by-layer path bit for bit, on maps whose rows split unevenly into parts and bands, narrow
// maps (the depthwise convolution's small-plane kernels) and wide ones, on 1, 2 and 3 threads,
// with a batch of two images; and the bands really ran (the budget is shrunk so that small maps
// take several bands); in steady state they allocate nothing.
func TestBandsMatchLayers(t *testing.T) {
	for _, tc := range []struct {
		width      float64
		n, h, w    int
		bandBudget int
	}{
		{1, 1, 200, 72, 64 << 10},   // stage 2 50x18 (narrow: the strip kernels), stage 3 25x9
		{0.5, 2, 97, 131, 32 << 10}, // odd sizes, two images
		{2, 1, 64, 256, 256 << 10},  // wide rows, 2x: 480 channels, 120 in the bottleneck
		{1, 1, 9, 600, 16 << 10},    // few rows: parts of 2 rows, bands of 2
	} {
		name := fmt.Sprintf("%gx-%dx%dx%d", tc.width, tc.n, tc.h, tc.w)
		t.Run(name, func(t *testing.T) {
			net, err := shufflenet.Build(shufflenet.Config{Groups: 3, Width: tc.width, Shuffle: true, NumClasses: 10}, testmodel.NewRecorder(3))
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewSource(4))
			x := nn.NewTensor(tc.n, 3, tc.h, tc.w)
			for i := range x.Data {
				x.Data[i] = float32(rng.NormFloat64())
			}
			ref := net.NewRunner()
			ref.SetLayerByLayer()
			want := append([]float32(nil), ref.Forward(x, shufflenet.Stage3).Data...)
			defer shufflenet.SetBandLimits(tc.bandBudget, 1)()
			for _, threads := range []int{1, 2, 3} {
				r := net.NewRunner()
				r.SetPool(parallel.New(threads))
				got := r.Forward(x, shufflenet.Stage3).Data
				if !r.RanInBands() {
					t.Fatalf("%d threads: no unit ran in bands", threads)
				}
				for i := range want {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%d threads: value %d is %g, layer by layer %g", threads, i, got[i], want[i])
					}
				}
				if a := testing.AllocsPerRun(2, func() { r.Forward(x, shufflenet.Stage3) }); a != 0 {
					t.Errorf("%d threads: the trunk in bands allocates %v times per run in steady state", threads, a)
				}
			}
		})
	}
}
