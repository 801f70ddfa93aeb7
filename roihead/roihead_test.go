package roihead

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/shuffledet/shuffledet/boxes"
)

func TestAlignEdgeCases(t *testing.T) {
	a := NewAlign()
	out, err := a.Forward(nil, nil, 0, 0, 0, nil)
	if err != nil || len(out) != 0 {
		t.Errorf("empty: %v %v", out, err)
	}
	if _, err := a.Forward(nil, make([]float32, 5), 1, 2, 3, nil); err == nil {
		t.Error("wrong feature length should be an error")
	}
	// A constant map pools to the constant wherever the samples land inside; a RoI far outside
	// pools to zero; an inverted RoI is forced to 1x1 and still samples the map.
	feat := make([]float32, 2*4*5)
	for i := range feat {
		feat[i] = 3
	}
	rois := []boxes.Box{{X1: 0, Y1: 0, X2: 64, Y2: 48}, {X1: 1000, Y1: 1000, X2: 1100, Y2: 1100}, {X1: 30, Y1: 30, X2: 10, Y2: 10}}
	out, err = a.Forward(make([]float32, 1), feat, 2, 4, 5, rois)
	if err != nil {
		t.Fatal(err)
	}
	per := 2 * 14 * 14
	if len(out) != 3*per || !near(out[0], 3) || !near(out[per-1], 3) || out[per] != 0 || out[2*per-1] != 0 || !near(out[2*per], 3) {
		t.Errorf("constant map: %v %v %v", out[0], out[per], out[2*per])
	}
	// The buffer is reused when large enough.
	again, _ := a.Forward(out, feat, 2, 4, 5, rois)
	if &again[0] != &out[0] {
		t.Error("dst was not reused")
	}
	if n := testing.AllocsPerRun(5, func() { a.Forward(out, feat, 2, 4, 5, rois) }); n != 0 {
		t.Errorf("steady state allocates %v times", n)
	}
}

func TestPostprocessEdgeCases(t *testing.T) {
	pp := NewPostProcessor(DefaultConfig())
	d, err := pp.Run(nil, nil, nil, 81, 600, 800)
	if err != nil || d.Len() != 0 {
		t.Errorf("no proposals: %v %v", d, err)
	}
	if _, err := pp.Run(make([]float32, 3), make([]float32, 12), make([]boxes.Box, 1), 2, 10, 10); err == nil {
		t.Error("wrong logits length should be an error")
	}
	if _, err := pp.Run(nil, nil, nil, 0, 10, 10); err == nil {
		t.Error("zero classes should be an error")
	}
	// Two proposals, classes {bg, a, b}: the first is confidently class 2, the second is
	// background; zero deltas return the proposal; the zero-width one is dropped as small.
	props := []boxes.Box{{X1: 10, Y1: 10, X2: 50, Y2: 60}, {X1: 5, Y1: 5, X2: 5, Y2: 30}}
	logits := []float32{0, 0, 8, 8, 0, 0}
	reg := make([]float32, 2*4*3)
	d, err = pp.Run(logits, reg, props, 3, 100, 100)
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 1 || d.Labels[0] != 2 || d.Boxes[0] != props[0] || d.Scores[0] < 0.99 {
		t.Errorf("got %+v", d)
	}
	// A threshold of 1 keeps nothing (strict >).
	pp.Config.ScoreThresh = 1
	if d, _ := pp.Run(logits, reg, props, 3, 100, 100); d.Len() != 0 {
		t.Errorf("threshold 1 kept %v", d)
	}
	// Softmax of a single (background) class: nothing to report.
	pp.Config.ScoreThresh = 0
	if d, _ := pp.Run([]float32{1, 2}, make([]float32, 8), props, 1, 100, 100); d.Len() != 0 {
		t.Errorf("background only: %v", d)
	}
}

func TestLaneSumOrder(t *testing.T) {
	for n := 1; n < 40; n++ {
		x := make([]float32, n)
		var want float64
		for i := range x {
			x[i] = float32(i + 1)
			want += float64(i + 1)
		}
		if got := laneSum(x); float64(got) != want {
			t.Errorf("laneSum(1..%d) = %v, want %v", n, got, want)
		}
	}
}

func BenchmarkRoIAlign300(b *testing.B) {
	r := rand.New(rand.NewPCG(9, 9))
	const c, h, w = 480, 38, 63 // 1x g3 stage 3 on a 600 x 1000 image
	feat := randn(r, c*h*w, 1)
	rois := make([]boxes.Box, 300)
	for i := range rois {
		x, y := r.Float32()*900, r.Float32()*500
		rois[i] = boxes.Box{X1: x, Y1: y, X2: x + 16 + r.Float32()*300, Y2: y + 16 + r.Float32()*300}
	}
	for _, workers := range []int{1, 2} {
		b.Run(map[int]string{1: "1worker", 2: "2workers"}[workers], func(b *testing.B) {
			a := NewAlign()
			a.Workers = workers
			out := make([]float32, a.OutputLen(len(rois), c))
			for b.Loop() {
				out, _ = a.Forward(out, feat, c, h, w, rois)
			}
		})
	}
}

func BenchmarkPostprocess(b *testing.B) {
	c := postCase{300, 81, 2, 600, 1000, 0.05, 0.5, 100}
	logits, reg, props := c.inputs(1)
	pp := NewPostProcessor(DefaultConfig())
	for b.Loop() {
		pp.Run(logits, reg, props, c.classes, c.imgH, c.imgW)
	}
}

func near(a, b float32) bool { return a-b < 1e-6 && b-a < 1e-6 }

// TestAlignSamplingGridLimit: a sampling grid past MaxBinSamples, fixed or adaptive, is an
// error (it used to panic in makeslice or wrap around), on one worker and on several.
func TestAlignSamplingGridLimit(t *testing.T) {
	feat := make([]float32, 2*4*5)
	small := []boxes.Box{{X1: 0, Y1: 0, X2: 64, Y2: 48}, {X1: 3, Y1: 3, X2: 40, Y2: 30}}
	for _, workers := range []int{1, 2} {
		for _, sr := range []int{65, 1 << 20, 1 << 40, math.MaxInt} {
			a := NewAlign()
			a.SamplingRatio, a.Workers = sr, workers
			if _, err := a.Forward(nil, feat, 2, 4, 5, small); err == nil {
				t.Errorf("workers %d, sampling ratio %d: no error", workers, sr)
			}
		}
		a := NewAlign()
		a.SamplingRatio, a.Workers = 64, workers // 64 x 64 is the limit itself
		if _, err := a.Forward(nil, feat, 2, 4, 5, small[:1]); err != nil {
			t.Errorf("workers %d, sampling ratio 64: %v", workers, err)
		}
		// Adaptive: a huge RoI's grid, ceil(roi size / 14) per axis, is refused.
		a = NewAlign()
		a.SamplingRatio, a.Workers = 0, workers
		huge := append([]boxes.Box{}, small...)
		huge = append(huge, boxes.Box{X1: 0, Y1: 0, X2: 1e12, Y2: 1e12})
		if _, err := a.Forward(nil, feat, 2, 4, 5, huge); err == nil {
			t.Errorf("workers %d: adaptive grid of a 1e12-pixel RoI: no error", workers)
		}
		if _, err := a.Forward(nil, feat, 2, 4, 5, small); err != nil {
			t.Errorf("workers %d: adaptive grid of ordinary RoIs: %v", workers, err)
		}
		// A NaN RoI samples nothing, as before: zeros, no error.
		nan := float32(math.NaN())
		out, err := a.Forward(nil, feat, 2, 4, 5, []boxes.Box{{X1: nan, Y1: 0, X2: nan, Y2: 10}})
		if err != nil {
			t.Errorf("workers %d: NaN RoI: %v", workers, err)
		}
		for _, v := range out {
			if v != 0 {
				t.Errorf("workers %d: NaN RoI pooled %v, want 0", workers, v)
				break
			}
		}
	}
	a := NewAlign()
	a.OutH, a.OutW = 1<<30, 1<<30
	if _, err := a.Forward(nil, feat, 2, 4, 5, nil); err == nil {
		t.Error("output 2^30 x 2^30: no error")
	}
}

// TestAlignWorkersMatchSerial checks that Workers > 1 gives bit-identical results (run it with
// -race: the workers share dst and feat).
func TestAlignWorkersMatchSerial(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	c, h, w := 5, 19, 23
	feat := make([]float32, c*h*w)
	for i := range feat {
		feat[i] = r.Float32()*2 - 1
	}
	rois := make([]boxes.Box, 37)
	for i := range rois {
		x, y := r.Float32()*300, r.Float32()*250
		rois[i] = boxes.Box{X1: x, Y1: y, X2: x + r.Float32()*200, Y2: y + r.Float32()*200}
	}
	serial := NewAlign()
	want, err := serial.Forward(nil, feat, c, h, w, rois)
	if err != nil {
		t.Fatal(err)
	}
	for _, workers := range []int{2, 3, 8, 100} {
		a := NewAlign()
		a.Workers = workers
		for range 2 { // the second run reuses the workers' scratch
			got, err := a.Forward(nil, feat, c, h, w, rois)
			if err != nil {
				t.Fatal(err)
			}
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("workers %d: value %d = %v, serial %v", workers, i, got[i], want[i])
				}
			}
		}
	}
}
