package detector_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/shuffledet/shuffledet/detector"
	"github.com/shuffledet/shuffledet/internal/bench"
	"github.com/shuffledet/shuffledet/internal/testmodel"
	"github.com/shuffledet/shuffledet/modelfile"
)

// BenchmarkDetect times one 640x480 frame through the whole detector (preprocess to final
// detections) for the g3 presets on 1 and 2 threads, on random weights (cost does not depend on
// the values), with its rate in GFLOP/s (a multiply-add counting 2, the box head at the frame's
// proposals, as detect bench counts it).
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
					flop, err := frameFLOPs(det, 640, 480)
					if err != nil {
						b.Fatal(err)
					}
					b.ReportAllocs()
					for b.Loop() {
						if _, err := det.DetectBGR(frame, 640, 480, 640*3); err != nil {
							b.Fatal(err)
						}
					}
					if s := b.Elapsed().Seconds(); s > 0 {
						b.ReportMetric(flop*float64(b.N)/s/1e9, "GFLOP/s")
					}
				})
			}
		})
	}
}

// frameFLOPs returns the floating-point operations of det's last w x h frame (a multiply-add
// counting 2), its box head counted at the proposals that frame gave.
func frameFLOPs(det *detector.Detector, w, h int) (float64, error) {
	ih, iw, err := det.Config().NetworkInput(h, w)
	if err != nil {
		return 0, err
	}
	cx, err := det.Model().Complexity(ih, iw, det.Proposals())
	if err != nil {
		return 0, err
	}
	return 2 * float64(cx.MACs), nil
}

// TestBenchmarkDetectCountsAsDetectBench: the FLOPs behind BenchmarkDetect's GFLOP/s are the
// work detect bench counts for the same frame (internal/bench: the box head at the frame's own
// proposals). The benchmark reported only ns/op, with no rate to set beside the machine's peak.
func TestBenchmarkDetectCountsAsDetectBench(t *testing.T) {
	cfg, ts, err := testmodel.Detector("shufflenet-g3-0.25x-300", 1)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "m.bin")
	if err := modelfile.Write(path, *cfg, ts); err != nil {
		t.Fatal(err)
	}
	det, err := detector.Load(path, detector.WithThreads(1))
	if err != nil {
		t.Fatal(err)
	}
	const w, h = 320, 240
	if _, err := det.DetectBGR(bench.Frame(w, h), w, h, 3*w); err != nil {
		t.Fatal(err)
	}
	flop, err := frameFLOPs(det, w, h)
	if err != nil {
		t.Fatal(err)
	}
	c, err := bench.Model(path, bench.Options{FrameW: w, FrameH: h, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	if flop != 2*float64(c.MACs) || !(flop > 0) {
		t.Errorf("BenchmarkDetect counts %g FLOP a %dx%d frame, detect bench %d multiply-adds (%s)", flop, w, h, c.MACs, c.Name)
	}
}
