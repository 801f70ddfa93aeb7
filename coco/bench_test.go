package coco

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"testing"
)

// synthMinival builds a minival-sized problem with a fixed seed: 5000
// images, about 36k ground-truth boxes over the 80 COCO categories (1% crowd,
// segment areas below box areas) and 100 detections per image (jittered
// copies of the ground truth with noisy scores, plus false positives).
func synthMinival(seed uint64) (*Dataset, []Result) {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	const nImg, dtPerImg = 5000, 100
	images := make([]Image, nImg)
	var anns []Annotation
	var dts []Result
	cats := Categories80[:]
	for i := range images {
		w, h := 640.0, 480.0
		if rng.IntN(3) == 0 {
			w, h = 480, 640
		}
		id := int64(100000 + i*7)
		images[i] = Image{ID: id, FileName: "", Width: w, Height: h}
		n := 1 + rng.IntN(13) // mean 7.3 per image
		first := len(anns)
		for j := 0; j < n; j++ {
			// box sizes log-uniform from 6 to 400 px
			bw := math.Exp(math.Log(6) + rng.Float64()*math.Log(400.0/6))
			bh := bw * math.Exp((rng.Float64()-0.5)*1.2)
			bw, bh = min(bw, w-1), min(bh, h-1)
			x, y := rng.Float64()*(w-bw), rng.Float64()*(h-bh)
			bb := [4]float64{round2(x), round2(y), round2(bw), round2(bh)}
			anns = append(anns, Annotation{ID: int64(len(anns) + 1), ImageID: id,
				CategoryID: cats[rng.IntN(len(cats))].ID, BBox: bb,
				Area: round2(bb[2] * bb[3] * (0.45 + 0.5*rng.Float64())), IsCrowd: rng.IntN(100) == 0})
		}
		for j := 0; j < dtPerImg; j++ {
			var r Result
			r.ImageID = id
			if rng.IntN(10) < 6 {
				g := anns[first+rng.IntN(n)]
				jit := 0.02 + 0.25*rng.Float64()
				b := g.BBox
				r.BBox = [4]float64{round2(b[0] + b[2]*jit*rng.NormFloat64()), round2(b[1] + b[3]*jit*rng.NormFloat64()),
					round2(max(1, b[2]*(1+jit*rng.NormFloat64()))), round2(max(1, b[3]*(1+jit*rng.NormFloat64())))}
				r.CategoryID = g.CategoryID
				if rng.IntN(6) == 0 {
					r.CategoryID = cats[rng.IntN(len(cats))].ID
				}
				r.Score = round3(min(1, max(0.001, 0.9-jit*2+0.2*rng.NormFloat64())))
			} else {
				bw := math.Exp(math.Log(6) + rng.Float64()*math.Log(400.0/6))
				bh := bw * math.Exp((rng.Float64()-0.5)*1.2)
				r.BBox = [4]float64{round2(rng.Float64() * (w - 10)), round2(rng.Float64() * (h - 10)), round2(bw), round2(bh)}
				r.CategoryID = cats[rng.IntN(len(cats))].ID
				r.Score = round3(0.001 + 0.6*rng.Float64()*rng.Float64())
			}
			dts = append(dts, r)
		}
	}
	return NewDataset(images, anns, slices.Clone(cats)), dts
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }
func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

// writeDataset writes d as a minimal COCO instances file.
func writeDataset(path string, d *Dataset) error {
	type annJSON struct {
		ID         int64      `json:"id"`
		ImageID    int64      `json:"image_id"`
		CategoryID int        `json:"category_id"`
		BBox       [4]float64 `json:"bbox"`
		Area       float64    `json:"area"`
		IsCrowd    int        `json:"iscrowd"`
	}
	anns := make([]annJSON, len(d.Annotations))
	for i, a := range d.Annotations {
		anns[i] = annJSON{a.ID, a.ImageID, a.CategoryID, a.BBox, a.Area, 0}
		if a.IsCrowd {
			anns[i].IsCrowd = 1
		}
	}
	b, err := json.Marshal(map[string]any{"images": d.Images, "annotations": anns, "categories": d.Categories})
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// writeBenchProblem writes the benchmark problem (gt.json, dt.json) and the Go evaluator's stats
// (go_stats.json) to dir for testdata/bench_pycocotools.py.
func writeBenchProblem(dir string, gt *Dataset, dts []Result) error {
	if err := writeDataset(filepath.Join(dir, "gt.json"), gt); err != nil {
		return err
	}
	if err := SaveResults(filepath.Join(dir, "dt.json"), dts, nil); err != nil {
		return err
	}
	e, err := EvaluateResults(gt, dts)
	if err != nil {
		return err
	}
	b, err := json.Marshal(map[string]any{"stats": e.Stats})
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "go_stats.json"), b, 0o644)
}

// BenchmarkEvaluateMinival times Evaluate+Accumulate+Summarize on the
// synthetic minival-sized problem and reports the peak heap of one run.
func BenchmarkEvaluateMinival(b *testing.B) {
	gt, dts := synthMinival(1)
	b.Logf("%d images, %d gt boxes, %d detections", len(gt.Images), len(gt.Annotations), len(dts))
	if dir := os.Getenv("COCO_BENCH_DIR"); dir != "" {
		if err := writeBenchProblem(dir, gt, dts); err != nil {
			b.Fatal(err)
		}
		b.Logf("wrote the problem to %s for testdata/bench_pycocotools.py", dir)
	}

	// Peak heap of one run: with the collector off, the heap only grows,
	// so its high-water mark is the heap after the run.
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	old := debug.SetGCPercent(-1)
	e, err := EvaluateResults(gt, dts)
	runtime.ReadMemStats(&m1)
	debug.SetGCPercent(old)
	if err != nil {
		b.Fatal(err)
	}
	peak := float64(m1.HeapAlloc-m0.HeapAlloc) / (1 << 20)
	runtime.KeepAlive(e)

	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := EvaluateResults(gt, dts); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(peak, "peak-heap-MB")
}

// BenchmarkDecodeResults times loading the synthetic minival problem's 500k detections from
// the JSON that WriteResults writes (what `cocoeval -dt` reads).
func BenchmarkDecodeResults(b *testing.B) {
	gt, dts := synthMinival(1)
	var buf bytes.Buffer
	if err := WriteResults(&buf, dts, nil); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	for b.Loop() {
		got, err := DecodeResults(bytes.NewReader(buf.Bytes()), "dt.json", gt)
		if err != nil || len(got) != len(dts) {
			b.Fatalf("%d detections, %v", len(got), err)
		}
	}
}
