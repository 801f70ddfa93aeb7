//go:build cgo && !noopencv

package pipeline

import (
	"context"
	"io"
	"path/filepath"
	"testing"
	"time"

	"gocv.io/x/gocv"

	"github.com/shuffledet/shuffledet/cvdetect"
	"github.com/shuffledet/shuffledet/detector"
	"github.com/shuffledet/shuffledet/internal/videotest"
)

// benchDetector is the 0.5x g3 detector at 300 with random weights (the cost does not depend on
// the values) and the default score threshold.
func benchDetector(b *testing.B) *detector.Detector {
	det, err := detector.Load(videotest.Model(b, "shufflenet-g3-0.5x-300", 0, 0, 0))
	if err != nil {
		b.Fatal(err)
	}
	return det
}

// detectorLatency is the mean time of cvdetect.Detect on the clip's frames, one after another
// on one goroutine, after one warm-up frame.
func detectorLatency(b *testing.B, det *detector.Detector) time.Duration {
	v, err := OpenVideo(videotest.Clip(b))
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	m := gocv.NewMat()
	defer m.Close()
	var total time.Duration
	n := 0
	for i := 0; ; i++ {
		if _, err := v.Read(context.Background(), &m); err != nil {
			break
		}
		t0 := time.Now()
		if _, err := cvdetect.Detect(det, m); err != nil {
			b.Fatal(err)
		}
		if i > 0 {
			total += time.Since(t0)
			n++
		}
	}
	return total / time.Duration(n)
}

// BenchmarkFileThroughput runs the clip through the pipeline as detect does (one detector, frames
// drawn, encoded to H.264 and written as JSON lines) and compares its throughput with
// 1 / (detector latency) measured alone on the same frames just before: pipeline-fps*latency is
// the fraction of the detector's own rate the whole pipeline reaches (goal: at least 0.9).
// detector-busy is the same with the detection times measured inside the run: the fraction of
// the run the detector was working, which a loaded machine does not skew.
func BenchmarkFileThroughput(b *testing.B) {
	det := benchDetector(b)
	lat := detectorLatency(b, det)
	out := filepath.Join(b.TempDir(), "out.mp4")
	frames, elapsed := 0, time.Duration(0)
	var busy time.Duration
	for b.Loop() {
		vw, err := NewVideoWriter(out, videotest.ClipFPS)
		if err != nil {
			b.Fatal(err)
		}
		stats := &Stats{}
		t0 := time.Now()
		err = Run(context.Background(), openClip(b), det, []Sink{NewJSONLines(io.Discard), vw}, Options{Workers: 1, Draw: true, Stats: stats})
		if cerr := vw.Close(); err == nil {
			err = cerr
		}
		elapsed += time.Since(t0)
		if err != nil {
			b.Fatal(err)
		}
		frames += stats.Counts().Frames
		l := stats.Latencies()[StageDetect]
		busy += l.Mean() * time.Duration(l.Count())
	}
	fps := float64(frames) / elapsed.Seconds()
	b.ReportMetric(float64(lat)/1e6, "detect-ms")
	b.ReportMetric(fps, "pipeline-fps")
	b.ReportMetric(fps*lat.Seconds(), "pipeline-fps*latency")
	b.ReportMetric(busy.Seconds()/elapsed.Seconds(), "detector-busy")
}

// BenchmarkLiveFrameAge feeds the pipeline a live source delivering 768x432 frames at 25 fps,
// faster than the detector, for 8 seconds per op (newest frame wins, frames drawn, encoded and
// written as JSON lines), and reports the age of a frame when its result leaves (from the end of
// its decoding to the end of its output), against the detector's latency in the same run (goal:
// under 2 latencies).
func BenchmarkLiveFrameAge(b *testing.B) {
	det := benchDetector(b)
	out := filepath.Join(b.TempDir(), "out.mp4")
	stats := &Stats{}
	for b.Loop() {
		vw, err := NewVideoWriter(out, 25)
		if err != nil {
			b.Fatal(err)
		}
		src := &synthetic{n: 200, interval: 40 * time.Millisecond, w: videotest.ClipWidth, h: videotest.ClipHeight}
		err = Run(context.Background(), src, det, []Sink{NewJSONLines(io.Discard), vw}, Options{Live: true, Workers: 1, Draw: true, Stats: stats})
		if cerr := vw.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	l := stats.Latencies()
	lat, age := l[StageDetect].Mean(), l[StageAge]
	c := stats.Counts()
	b.ReportMetric(float64(lat)/1e6, "detect-ms")
	b.ReportMetric(float64(age.Mean())/float64(lat), "age-mean/latency")
	b.ReportMetric(float64(age.Quantile(0.95))/float64(lat), "age-p95/latency")
	b.ReportMetric(float64(c.Dropped)/float64(c.Dropped+c.Frames), "dropped-fraction")
}
