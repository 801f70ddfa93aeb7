package shufflenet_test

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/shuffledet/shuffledet/backbone/shufflenet"
	"github.com/shuffledet/shuffledet/internal/testmodel"
	"github.com/shuffledet/shuffledet/nn"
)

// BenchmarkBoxHead times the detector's box head: stage 4 of ShuffleNet 1x g3 on a chunk of 14x14
// RoIs, one thread: 4 RoIs (one thread's chunk, as roihead runs it) and 16 (its chunk before), each
// in the CNHW layout roihead runs it in and in NCHW (a matrix product per RoI). us/roi compares
// the chunk sizes.
func BenchmarkBoxHead(b *testing.B) {
	net, err := shufflenet.Build(shufflenet.Config{Groups: 3, Width: 1, Shuffle: true}, testmodel.NewRecorder(1))
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewSource(1))
	for _, n := range []int{4, 16} {
		rois := nn.NewTensor(n, 480, 14, 14)
		for i := range rois.Data {
			rois.Data[i] = float32(rng.NormFloat64())
		}
		for _, layout := range []struct {
			name string
			nn.Layout
		}{{"CNHW", nn.CNHW}, {"NCHW", nn.NCHW}} {
			b.Run(fmt.Sprintf("%dRoIs/%s", n, layout.name), func(b *testing.B) {
				rois.Layout = layout.Layout
				r := net.NewRunner()
				r.Stage(rois, shufflenet.Stage4)
				b.ReportAllocs()
				for b.Loop() {
					r.Stage(rois, shufflenet.Stage4)
				}
				b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*n), "us/roi")
			})
		}
	}
}
