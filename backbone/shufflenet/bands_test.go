package shufflenet_test

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/shuffledet/shuffledet/backbone/shufflenet"
	"github.com/shuffledet/shuffledet/internal/allocstest"
	"github.com/shuffledet/shuffledet/internal/testmodel"
	"github.com/shuffledet/shuffledet/nn"
	"github.com/shuffledet/shuffledet/parallel"
)

// TestBandsMatchLayers: the network with its units in bands gives the values of the
// layer-by-layer path bit for bit, up to stage 4, on maps whose rows split unevenly into parts and
// bands, narrow maps (the depthwise convolution's small-plane kernels) and wide ones, on 1, 2 and
// 3 threads, with a batch of two images, and through Stage on a copy of a result's header (the
// stride-2 unit must not write over its input); units of both strides really ran in bands (the
// limits are lowered so that small maps take several bands), none with squeeze-and-excitation;
// in steady state the bands allocate nothing.
func TestBandsMatchLayers(t *testing.T) {
	for _, tc := range []struct {
		width      float64
		se         bool
		n, h, w    int
		bandBudget int
		short      bool // also run under -short (make arm64: under qemu)
	}{
		{1, false, 1, 200, 72, 64 << 10, true},   // stage 2 50x18 (narrow: the strip kernels), stage 3 25x9
		{0.5, false, 2, 97, 131, 32 << 10, true}, // odd sizes, two images
		{2, false, 1, 64, 256, 256 << 10, false}, // wide rows, 2x: 480 channels, 120 in the bottleneck
		{1, false, 1, 17, 600, 16 << 10, true},   // few rows: stage 2 5 rows (2 parts on 2 and 3 threads), stage 3 3
		{1, true, 1, 64, 64, 16 << 10, false},    // squeeze-and-excitation: layer by layer
	} {
		if testing.Short() && !tc.short {
			continue
		}
		name := fmt.Sprintf("%gx-se%v-%dx%dx%d", tc.width, tc.se, tc.n, tc.h, tc.w)
		t.Run(name, func(t *testing.T) {
			net, err := shufflenet.Build(shufflenet.Config{Groups: 3, Width: tc.width, Shuffle: true, SE: tc.se, NumClasses: 10}, testmodel.NewRecorder(3))
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewSource(4))
			x := nn.NewTensor(tc.n, 3, tc.h, tc.w)
			for i := range x.Data {
				x.Data[i] = float32(rng.NormFloat64())
			}
			// The reference: no map is large enough for bands.
			restore := shufflenet.SetBandLimits(tc.bandBudget, math.MaxInt)
			ref := net.NewRunner()
			want := append([]float32(nil), ref.Forward(x, shufflenet.Stage4).Data...)
			want3 := append([]float32(nil), ref.Forward(x, shufflenet.Stage3).Data...)
			if s1, s2 := ref.BandUnits(); s1+s2 != 0 {
				t.Fatalf("the layer-by-layer reference ran %d units in bands", s1+s2)
			}
			restore()
			defer shufflenet.SetBandLimits(tc.bandBudget, 1)()
			for _, threads := range []int{1, 2, 3} {
				r := net.NewRunner()
				r.SetPool(parallel.New(threads))
				sameAsLayers(t, fmt.Sprintf("%d threads", threads), r.Forward(x, shufflenet.Stage4).Data, want)
				s1, s2 := r.BandUnits()
				if tc.se != (s1 == 0 && s2 == 0) || !tc.se && (s1 == 0 || s2 == 0) {
					t.Fatalf("%d threads: %d stride-1 and %d stride-2 units ran in bands", threads, s1, s2)
				}
				// Stage on a copy of a result's header: the same data, not the Runner's tensor.
				stage2 := *r.Forward(x, shufflenet.Stage2)
				sameAsLayers(t, fmt.Sprintf("%d threads, Stage on a copy", threads), r.Stage(&stage2, shufflenet.Stage3).Data, want3)
				if counts := allocstest.Steady(2, func() { r.Forward(x, shufflenet.Stage4) }); counts != nil {
					t.Errorf("%d threads: the network in bands allocates in steady state: %v times in three windows of 2 runs", threads, counts)
				}
			}
		})
	}
}
