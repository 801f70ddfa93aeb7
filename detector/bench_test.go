package detector_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/shuffledet/shuffledet/detector"
	"github.com/shuffledet/shuffledet/internal/testmodel"
	"github.com/shuffledet/shuffledet/modelfile"
)

// BenchmarkDetect times one 640x480 frame through the whole detector (preprocess to final
// detections) for the g3 presets on 1 and 2 threads, on random weights (cost does not depend on
// the values).
func BenchmarkDetect(b *testing.B) {
	frame := make([]byte, 640*480*3)
	for i := range frame {
		frame[i] = byte(i * 7)
	}
	for _, name := range []string{"shufflenet-g3-0.5x-300", "shufflenet-g3-0.5x-600", "shufflenet-g3-1.0x-300", "shufflenet-g3-1.0x-600"} {
		b.Run(name, func(b *testing.B) {
			cfg, ts, err := testmodel.Detector(name, 1)
			if err != nil {
				b.Fatal(err)
			}
			path := filepath.Join(b.TempDir(), "m.bin")
			if err := modelfile.Write(path, *cfg, ts); err != nil {
				b.Fatal(err)
			}
			for _, threads := range []int{1, 2} {
				b.Run(fmt.Sprintf("threads=%d", threads), func(b *testing.B) {
					det, err := detector.Load(path, detector.WithThreads(threads))
					if err != nil {
						b.Fatal(err)
					}
					if _, err := det.DetectBGR(frame, 640, 480, 640*3); err != nil {
						b.Fatal(err)
					}
					b.ReportAllocs()
					b.ResetTimer()
					for b.Loop() {
						det.DetectBGR(frame, 640, 480, 640*3)
					}
				})
			}
		})
	}
}
