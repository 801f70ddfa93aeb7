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

// TestTilesMatchLayers: on 2 and 3 threads, a map small enough to run in tiles gives the values of
// the layer-by-layer path on one thread bit for bit, up to stages 2, 3 and 4 and through
// Classify: the classifier's 224 and odd sizes whose rows split unevenly (a tile's band then
// reaches one or two rows into its neighbours at stride 2), widths 0.5-2, 1, 3 and 8 groups; a
// map too short for a thread count takes fewer tiles, the stages too short for a thread count's
// tiles run layer by layer after them, and a batch of two images runs layer by layer. (The limits on the
// networks' width and on a tile's positions are lifted, so that the 2x and the smallest maps
// run in tiles too.) In steady state the tiles allocate nothing.
func TestTilesMatchLayers(t *testing.T) {
	defer shufflenet.SetTileWork(math.MaxInt)()
	defer shufflenet.SetTilePositions(0)()
	for _, tc := range []struct {
		groups  int
		width   float64
		n, h, w int
		tiledTo [2]int // the last stage in tiles on 2 and 3 threads (1: none)
		short   bool   // also run under -short (make arm64: under qemu)
	}{
		{3, 1, 1, 224, 224, [2]int{4, 4}, true},
		{3, 0.5, 1, 97, 131, [2]int{4, 3}, true},   // stem 25x33: odd rows at every stage; stage 4 (4x5) too short for 3 tiles
		{3, 2, 1, 130, 66, [2]int{4, 3}, false},    // stage 4 5x3
		{8, 0.5, 1, 129, 200, [2]int{4, 3}, true},  // stage 4 5x7
		{1, 1, 1, 161, 64, [2]int{4, 4}, false},    // stage 4 6x2: 3 tiles to the end
		{3, 1, 1, 100, 300, [2]int{4, 3}, false},   // stage 4 4x10: two tiles of 2 rows each
		{3, 1, 1, 64, 64, [2]int{3, 2}, true},      // stage 4 2x2: stages 2 and 3 in 2 tiles (stage 2 alone in 3), then layer by layer
		{3, 0.5, 2, 120, 120, [2]int{1, 1}, false}, // two images: layer by layer
		{1, 2, 1, 97, 131, [2]int{1, 1}, false},    // 1 group at 2x: 288-channel products, too deep to run over their residual
	} {
		if testing.Short() && !tc.short {
			continue
		}
		name := fmt.Sprintf("g%d-%gx-%dx%dx%d", tc.groups, tc.width, tc.n, tc.h, tc.w)
		t.Run(name, func(t *testing.T) {
			net, err := shufflenet.Build(shufflenet.Config{Groups: tc.groups, Width: tc.width, Shuffle: true, NumClasses: 10}, testmodel.NewRecorder(5))
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewSource(6))
			x := nn.NewTensor(tc.n, 3, tc.h, tc.w)
			for i := range x.Data {
				x.Data[i] = float32(rng.NormFloat64())
			}
			ref := net.NewRunner()
			var want [5][]float32
			for s := shufflenet.Stage2; s <= shufflenet.Stage4; s++ {
				want[s] = append([]float32(nil), ref.Forward(x, s).Data...)
			}
			logits, err := ref.Classify(x)
			if err != nil {
				t.Fatal(err)
			}
			wantLogits := append([]float32(nil), logits...)
			for i, threads := range []int{2, 3} {
				r := net.NewRunner()
				r.SetPool(parallel.New(threads))
				for s := shufflenet.Stage2; s <= shufflenet.Stage4; s++ {
					sameAsLayers(t, fmt.Sprintf("%d threads, stage %d", threads, s), r.Forward(x, s).Data, want[s])
				}
				logits, err := r.Classify(x)
				if err != nil {
					t.Fatal(err)
				}
				sameAsLayers(t, fmt.Sprintf("%d threads, logits", threads), logits, wantLogits)
				r.Forward(x, shufflenet.Stage4)
				if got := r.TiledLast(); got != tc.tiledTo[i] {
					t.Errorf("%d threads: ran in tiles to stage %d, want %d", threads, got, tc.tiledTo[i])
				}
				if counts := allocstest.Steady(2, func() { r.Forward(x, shufflenet.Stage4) }); counts != nil {
					t.Errorf("%d threads: the tiles allocate in steady state: %v times in three windows of 2 runs", threads, counts)
				}
			}
		})
	}
}

// TestWideNetworksLayerByLayer: the 1x g3 classifier at 224 runs stages 2 and 3 in tiles on two
// threads and stage 4 (7x7: fewer than minTilePositions a tile) layer by layer after them; at
// 64x64 (stage 2 8x8: 32 positions a tile) it runs layer by layer throughout, and so does the 2x
// (wider than maxTileWork) at 224.
func TestWideNetworksLayerByLayer(t *testing.T) {
	for _, tc := range []struct {
		width   float64
		size    int
		tiledTo int
	}{{1, 224, shufflenet.Stage3}, {1, 64, shufflenet.Stage2 - 1}, {2, 224, shufflenet.Stage2 - 1}} {
		x := nn.NewTensor(1, 3, tc.size, tc.size)
		net, err := shufflenet.Build(shufflenet.Config{Groups: 3, Width: tc.width, Shuffle: true, NumClasses: 10}, testmodel.NewRecorder(5))
		if err != nil {
			t.Fatal(err)
		}
		r := net.NewRunner()
		r.SetPool(parallel.New(2))
		r.Forward(x, shufflenet.Stage4)
		if got := r.TiledLast(); got != tc.tiledTo {
			t.Errorf("%gx at %d: ran in tiles to stage %d, want %d", tc.width, tc.size, got, tc.tiledTo)
		}
	}
}

// sameAsLayers fails the test unless got holds want's values bit for bit (the layer-by-layer
// path's).
func sameAsLayers(t *testing.T, what string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, layer by layer %d", what, len(got), len(want))
	}
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s: value %d is %g, layer by layer %g", what, i, got[i], want[i])
		}
	}
}
