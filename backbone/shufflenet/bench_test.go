package shufflenet_test

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/shuffledet/shuffledet/backbone/shufflenet"
	"github.com/shuffledet/shuffledet/internal/testmodel"
	"github.com/shuffledet/shuffledet/nn"
	"github.com/shuffledet/shuffledet/parallel"
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

// BenchmarkClassifier times the whole classifier (ShuffleNet g3 at 224, 1x and 2x, random
// weights) on 1 and 2 threads: what `detect bench -arch` measures, here beside a CPU profile
// (-cpuprofile) and in the same process for both thread counts.
func BenchmarkClassifier(b *testing.B) {
	for _, width := range []float64{1, 2} {
		net, err := shufflenet.Build(shufflenet.Config{Groups: 3, Width: width, Shuffle: true, NumClasses: 1000}, testmodel.NewRecorder(1))
		if err != nil {
			b.Fatal(err)
		}
		rng := rand.New(rand.NewSource(1))
		x := nn.NewTensor(1, 3, 224, 224)
		for i := range x.Data {
			x.Data[i] = float32(rng.NormFloat64())
		}
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("%gx/threads=%d", width, threads), func(b *testing.B) {
				pool := parallel.New(threads)
				defer pool.Close()
				r := net.NewRunner()
				r.SetPool(pool)
				if _, err := r.Classify(x); err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				for b.Loop() {
					r.Classify(x)
				}
			})
		}
	}
}
