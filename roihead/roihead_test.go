package roihead

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/shuffledet/shuffledet/boxes"
	"github.com/shuffledet/shuffledet/nn"
	"github.com/shuffledet/shuffledet/parallel"
)

// forward pools every RoI (boxes in image coordinates) from feat, one image's feature map of
// c x h x w float32 values in CHW order, and returns the pooled features as
// [len(rois), c, OutH, OutW]: setFeatures, then pool, as Runner.Predict does per chunk.
func (r *align) forward(dst, feat []float32, c, h, w int, rois []boxes.Box) ([]float32, error) {
	if err := r.setFeatures(feat, c, h, w); err != nil {
		return dst[:0], err
	}
	return r.pool(dst, rois, nn.NCHW)
}

// pool pools every RoI of rois into dst (or a new slice when it is too short) in the given
// layout, on one thread: prepare, then poolRoIs on them all.
func (r *align) pool(dst []float32, rois []boxes.Box, layout nn.Layout) ([]float32, error) {
	if err := r.prepare(rois, 1); err != nil {
		return dst[:0], err
	}
	n := r.outputLen(len(rois), r.c)
	if cap(dst) < n {
		dst = make([]float32, n)
	}
	dst = dst[:n]
	r.poolRoIs(0, dst, 0, len(rois), layout)
	return dst, nil
}

func TestAlignEdgeCases(t *testing.T) {
	a := newAlign()
	out, err := a.forward(nil, nil, 0, 0, 0, nil)
	if err != nil || len(out) != 0 {
		t.Errorf("empty: %v %v", out, err)
	}
	if _, err := a.forward(nil, make([]float32, 5), 1, 2, 3, nil); err == nil {
		t.Error("wrong feature length should be an error")
	}
	// A constant map pools to the constant wherever the samples land inside; a RoI far outside
	// pools to zero; an inverted RoI is forced to 1x1 and still samples the map.
	feat := make([]float32, 2*4*5)
	for i := range feat {
		feat[i] = 3
	}
	rois := []boxes.Box{{X1: 0, Y1: 0, X2: 64, Y2: 48}, {X1: 1000, Y1: 1000, X2: 1100, Y2: 1100}, {X1: 30, Y1: 30, X2: 10, Y2: 10}}
	out, err = a.forward(make([]float32, 1), feat, 2, 4, 5, rois)
	if err != nil {
		t.Fatal(err)
	}
	per := 2 * 14 * 14
	if len(out) != 3*per || !near(out[0], 3) || !near(out[per-1], 3) || out[per] != 0 || out[2*per-1] != 0 || !near(out[2*per], 3) {
		t.Errorf("constant map: %v %v %v", out[0], out[per], out[2*per])
	}
	// The buffer is reused when large enough.
	again, _ := a.forward(out, feat, 2, 4, 5, rois)
	if &again[0] != &out[0] {
		t.Error("dst was not reused")
	}
	if n := testing.AllocsPerRun(5, func() { a.forward(out, feat, 2, 4, 5, rois) }); n != 0 {
		t.Errorf("steady state allocates %v times", n)
	}
}

func TestPostprocessEdgeCases(t *testing.T) {
	pp := newPostProcessor(DefaultConfig())
	d, err := pp.run(nil, nil, nil, 81, 600, 800)
	if err != nil || d.Len() != 0 {
		t.Errorf("no proposals: %v %v", d, err)
	}
	if _, err := pp.run(make([]float32, 3), make([]float32, 12), make([]boxes.Box, 1), 2, 10, 10); err == nil {
		t.Error("wrong logits length should be an error")
	}
	if _, err := pp.run(nil, nil, nil, 0, 10, 10); err == nil {
		t.Error("zero classes should be an error")
	}
	// Two proposals, classes {bg, a, b}: the first is confidently class 2, the second is
	// background; zero deltas return the proposal; the zero-width one is dropped as small.
	props := []boxes.Box{{X1: 10, Y1: 10, X2: 50, Y2: 60}, {X1: 5, Y1: 5, X2: 5, Y2: 30}}
	logits := []float32{0, 0, 8, 8, 0, 0}
	reg := make([]float32, 2*4*3)
	d, err = pp.run(logits, reg, props, 3, 100, 100)
	if err != nil {
		t.Fatal(err)
	}
	// softmax of (0, 0, 8) for class 2: 1/(1+2e^-8), computed in float32
	if d.Len() != 1 || d.Labels[0] != 2 || d.Boxes[0] != props[0] || !(math.Abs(float64(d.Scores[0])-1/(1+2*math.Exp(-8))) <= 1e-6) {
		t.Errorf("got %+v", d)
	}
	// A threshold of 1 keeps nothing (strict >).
	pp.cfg.ScoreThresh = 1
	if d, _ := pp.run(logits, reg, props, 3, 100, 100); d.Len() != 0 {
		t.Errorf("threshold 1 kept %v", d)
	}
	// A probability equal to the threshold is dropped too: two classes with equal logits give
	// 0.5 exactly (torchvision: scores > score_thresh).
	pp.cfg.ScoreThresh = 0.5
	if d, _ := pp.run([]float32{0, 0}, make([]float32, 8), props[:1], 2, 100, 100); d.Len() != 0 {
		t.Errorf("probability == threshold kept %v", d)
	}
	// torch compares in float32 (a tensor against a Python float): a threshold that rounds up
	// to 0.5 in float32 drops 0.5 too (a float64 comparison would keep it).
	pp.cfg.ScoreThresh = 0.5 - 0x1p-30
	if d, _ := pp.run([]float32{0, 0}, make([]float32, 8), props[:1], 2, 100, 100); d.Len() != 0 {
		t.Errorf("probability 0.5, threshold 0.5-2^-30 (0.5 in float32) kept %v", d)
	}
	pp.cfg.ScoreThresh = 0.4999
	if d, _ := pp.run([]float32{0, 0}, make([]float32, 8), props[:1], 2, 100, 100); d.Len() != 1 || d.Scores[0] != 0.5 {
		t.Errorf("probability 0.5 above threshold 0.4999: %v", d)
	}
	// Softmax of a single (background) class: nothing to report.
	pp.cfg.ScoreThresh = 0
	if d, _ := pp.run([]float32{1, 2}, make([]float32, 8), props, 1, 100, 100); d.Len() != 0 {
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
	a := newAlign()
	out := make([]float32, a.outputLen(len(rois), c))
	for b.Loop() {
		out, _ = a.forward(out, feat, c, h, w, rois)
	}
}

func BenchmarkPostprocess(b *testing.B) {
	c := postCase{300, 81, 2, 600, 1000, 0.05, 0.5, 100}
	logits, reg, props := c.inputs(1)
	pp := newPostProcessor(DefaultConfig())
	for b.Loop() {
		pp.run(logits, reg, props, c.classes, c.imgH, c.imgW)
	}
}

func near(a, b float32) bool { return a-b < 1e-6 && b-a < 1e-6 }

// TestAlignSamplingGridLimit: a sampling grid past maxBinSamples, fixed or adaptive, is an
// error (it used to panic in makeslice or wrap around).
func TestAlignSamplingGridLimit(t *testing.T) {
	feat := make([]float32, 2*4*5)
	small := []boxes.Box{{X1: 0, Y1: 0, X2: 64, Y2: 48}, {X1: 3, Y1: 3, X2: 40, Y2: 30}}
	for _, sr := range []int{65, 1 << 20, math.MaxInt >> 20, math.MaxInt} {
		a := newAlign()
		a.SamplingRatio = sr
		if _, err := a.forward(nil, feat, 2, 4, 5, small); err == nil {
			t.Errorf("sampling ratio %d: no error", sr)
		}
	}
	a := newAlign()
	a.SamplingRatio = 64 // 64 x 64 is the limit itself
	if _, err := a.forward(nil, feat, 2, 4, 5, small[:1]); err != nil {
		t.Errorf("sampling ratio 64: %v", err)
	}
	// Adaptive: a huge RoI's grid, ceil(roi size / 14) per axis, is refused.
	a = newAlign()
	a.SamplingRatio = 0
	huge := append([]boxes.Box{}, small...)
	huge = append(huge, boxes.Box{X1: 0, Y1: 0, X2: 1e12, Y2: 1e12})
	if _, err := a.forward(nil, feat, 2, 4, 5, huge); err == nil {
		t.Error("adaptive grid of a 1e12-pixel RoI: no error")
	}
	if _, err := a.forward(nil, feat, 2, 4, 5, small); err != nil {
		t.Errorf("adaptive grid of ordinary RoIs: %v", err)
	}
	// A NaN RoI samples nothing, as before: zeros, no error.
	nan := float32(math.NaN())
	out, err := a.forward(nil, feat, 2, 4, 5, []boxes.Box{{X1: nan, Y1: 0, X2: nan, Y2: 10}})
	if err != nil {
		t.Errorf("NaN RoI: %v", err)
	}
	for _, v := range out {
		if v != 0 {
			t.Errorf("NaN RoI pooled %v, want 0", v)
			break
		}
	}
	a = newAlign()
	a.OutH, a.OutW = 1<<30, 1<<30
	if _, err := a.forward(nil, feat, 2, 4, 5, nil); err == nil {
		t.Error("output 2^30 x 2^30: no error")
	}
}

// TestAlignChannelsIndependent: pooling a map of c channels (the kernels' vector widths, whole
// and ragged) gives, in each channel, bit for bit what pooling that channel's plane alone gives
// (one channel: the portable plain loop), pool after one setFeatures equals forward, and pool in
// the CNHW layout holds the same values, each channel's RoIs together.
func TestAlignChannelsIndependent(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	const h, w = 9, 13
	rois := randomRoIs(r, 12, w*16, h*16)
	for _, c := range []int{1, 3, 4, 5, 8, 15, 16, 17, 31, 33, 64, 70, 97} {
		feat := randn(r, c*h*w, 1)
		a, one := newAlign(), newAlign()
		all, err := a.forward(nil, feat, c, h, w, rois)
		if err != nil {
			t.Fatal(err)
		}
		bins := a.OutH * a.OutW
		for ch := range c {
			plane, err := one.forward(nil, feat[ch*h*w:(ch+1)*h*w], 1, h, w, rois)
			if err != nil {
				t.Fatal(err)
			}
			for i := range rois {
				for b := range bins {
					got, want := all[(i*c+ch)*bins+b], plane[i*bins+b]
					if math.Float32bits(got) != math.Float32bits(want) {
						t.Fatalf("c=%d: RoI %d channel %d bin %d: %g, alone %g", c, i, ch, b, got, want)
					}
				}
			}
		}
		if err := a.setFeatures(feat, c, h, w); err != nil {
			t.Fatal(err)
		}
		cnhw, err := a.pool(nil, rois, nn.CNHW) // channel c of RoI i is plane c*len(rois) + i
		if err != nil {
			t.Fatal(err)
		}
		for i := range rois {
			for ch := range c {
				for b := range bins {
					got, want := cnhw[(ch*len(rois)+i)*bins+b], all[(i*c+ch)*bins+b]
					if math.Float32bits(got) != math.Float32bits(want) {
						t.Fatalf("c=%d: CNHW RoI %d channel %d bin %d: %g, NCHW %g", c, i, ch, b, got, want)
					}
				}
			}
		}
		for k := 0; k < len(rois); k += 5 { // in chunks
			part, err := a.pool(nil, rois[k:min(k+5, len(rois))], nn.NCHW)
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range part {
				if math.Float32bits(v) != math.Float32bits(all[k*c*bins+i]) {
					t.Fatalf("c=%d: chunk at RoI %d differs at %d", c, k, i)
				}
			}
		}
	}
	var a align
	if _, err := a.pool(nil, rois, nn.NCHW); err == nil {
		t.Error("pool without a feature map: no error")
	}
	if err := a.setFeatures(nil, 1<<16, 1<<8, 1<<8); err == nil {
		t.Error("map of 2^32 values: no error")
	}
}

// TestRunnerThreadsGiveIdenticalResults runs Predict on 1, 2 and 3 threads, with a fixed and an
// adaptive sampling grid, through a box head that passes every pooled value on, and checks every
// pooled value, logit and box delta against the one-thread run bit for bit: the chunks of RoIs,
// each pooled and run through its thread's box head, land where one thread puts them.
func TestRunnerThreadsGiveIdenticalResults(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 11))
	const c, h, w = 37, 19, 25 // the kernels' whole vectors and a remainder
	const s = 14               // DefaultConfig's output size
	p, err := LoadPredictor(&randomWeights{r: r}, c*s*s, 4)
	if err != nil {
		t.Fatal(err)
	}
	feat := &nn.Tensor{N: 1, C: c, H: h, W: w, Data: randn(r, c*h*w, 1)}
	rois := randomRoIs(r, 37, 400, 300) // 9 whole chunks and one RoI
	for _, sr := range []int{2, 0} {
		var want [3][]float32
		for _, threads := range []int{1, 2, 3} {
			cfg := DefaultConfig()
			cfg.SamplingRatio = sr
			run, err := NewRunner(cfg, c, func() BoxHead { return flattenHead{} }, p)
			if err != nil {
				t.Fatal(err)
			}
			run.SetPool(parallel.New(threads))
			logits, deltas, err := run.Predict(feat, rois)
			if err != nil {
				t.Fatal(err)
			}
			got := [3][]float32{run.pooled, logits, deltas}
			if threads == 1 {
				for k := range got {
					want[k] = slices.Clone(got[k])
				}
				continue
			}
			for k := range got {
				if len(got[k]) != len(want[k]) {
					t.Fatalf("sampling ratio %d, %d threads: output %d has %d values, want %d", sr, threads, k, len(got[k]), len(want[k]))
				}
				for i := range want[k] {
					if math.Float32bits(got[k][i]) != math.Float32bits(want[k][i]) {
						t.Fatalf("sampling ratio %d, %d threads: output %d (pooled, logits, deltas) value %d is %g, on one thread %g", sr, threads, k, i, got[k][i], want[k][i])
					}
				}
			}
		}
	}
}

// flattenHead is a box head whose vector is the whole pooled RoI, channel after channel, in
// either layout.
type flattenHead struct{}

func (flattenHead) BoxHead(dst []float32, rois *nn.Tensor) {
	hw := rois.H * rois.W
	for n := 0; n < rois.N; n++ {
		for ch := 0; ch < rois.C; ch++ {
			copy(dst[(n*rois.C+ch)*hw:], rois.Plane(n, ch))
		}
	}
}

// outputLen returns the number of values poolRoIs writes for n RoIs and c channels.
func (r *align) outputLen(n, c int) int { return n * c * r.OutH * r.OutW }

// growingHead is a box head with buffers of its own that grow to the largest chunk it has been
// given, as the trunk's box heads do; its vectors are flattenHead's.
type growingHead struct{ buf *[]float32 }

func (h growingHead) BoxHead(dst []float32, rois *nn.Tensor) {
	if len(*h.buf) < len(rois.Data) {
		*h.buf = make([]float32, len(rois.Data))
	}
	flattenHead{}.BoxHead(dst, rois)
}

// TestRunnerSizesEveryThread: after a frame whose RoIs make one chunk (which one thread runs),
// every thread runs a whole chunk and a partial one without allocating: a thread that got no
// chunk in the first frames must not allocate in a later one; nor does a frame whose RoIs are
// larger than the first frame's, with the adaptive sampling grid (sampling ratio 0) too.
func TestRunnerSizesEveryThread(t *testing.T) {
	r := rand.New(rand.NewPCG(12, 12))
	const c, h, w = 8, 19, 25 // a stride-16 map of a 300 x 400 image padded to 304 x 400
	const s = 14
	p, err := LoadPredictor(&randomWeights{r: r}, c*s*s, 2)
	if err != nil {
		t.Fatal(err)
	}
	feat := &nn.Tensor{N: 1, C: c, H: h, W: w, Data: randn(r, c*h*w, 1)}
	mallocs := func() uint64 {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.Mallocs
	}
	// attempt runs the check once on a fresh Runner and returns what allocated. A real defect
	// allocates every time; the runtime can allocate once on its own meanwhile (seen 2 times
	// in 25 runs beside other tests' processes), so a failure is tried again before it counts.
	attempt := func(sr int) []string {
		var found []string
		goroutines := runtime.NumGoroutine()
		cfg := DefaultConfig()
		cfg.SamplingRatio = sr
		run, err := NewRunner(cfg, c, func() BoxHead { return growingHead{new([]float32)} }, p)
		if err != nil {
			t.Fatal(err)
		}
		const threads = 4
		pool := parallel.New(threads)
		run.SetPool(pool)
		small := []boxes.Box{{X1: 10, Y1: 10, X2: 30, Y2: 40}, {X1: 50, Y1: 20, X2: 70, Y2: 30}, {X1: 0, Y1: 0, X2: 16, Y2: 16}, {X1: 100, Y1: 100, X2: 120, Y2: 150}}
		if _, _, err := run.Predict(feat, small); err != nil {
			t.Fatal(err)
		}
		// The chunks run below on this goroutine; the pool's threads, parking, could allocate
		// meanwhile (a channel wait's record): end them first (the Pool then runs loops inline).
		pool.Close()
		for start := time.Now(); runtime.NumGoroutine() > goroutines && time.Since(start) < 10*time.Second; {
			time.Sleep(time.Millisecond)
		}
		for _, n := range []int{roisPerChunk, roisPerChunk - 1} {
			task := chunkTask{r: run, n: n}
			for worker := range threads {
				before := mallocs()
				task.Run(worker, 0, 1)
				if d := mallocs() - before; d != 0 {
					found = append(found, fmt.Sprintf("sampling ratio %d, thread %d, a chunk of %d RoIs: %d allocations", sr, worker, n, d))
				}
			}
		}
		large := []boxes.Box{{X1: 0, Y1: 0, X2: 400, Y2: 300}, {X1: 0, Y1: 0, X2: 400, Y2: 16}, {X1: 0, Y1: 0, X2: 16, Y2: 300}, {X1: 5, Y1: 7, X2: 399, Y2: 299}}
		before := mallocs()
		if _, _, err := run.Predict(feat, large); err != nil {
			t.Fatal(err)
		}
		if d := mallocs() - before; d != 0 {
			found = append(found, fmt.Sprintf("sampling ratio %d, a frame with larger RoIs: %d allocations", sr, d))
		}
		return found
	}
	for _, sr := range []int{2, 0} {
		if attempt(sr) != nil {
			for _, e := range attempt(sr) {
				t.Error(e)
			}
		}
	}
}

// TestPostprocessLabels: Config.Labels keeps those classes only. Under the per-image cap the
// detections are the full run's of those classes, in the same order; at the cap, the other
// classes' detections no longer take places from them.
func TestPostprocessLabels(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 0))
	const np, nc = 60, 5 // background + 4 classes
	props := make([]boxes.Box, np)
	for i := range props {
		x, y := rng.Float32()*300, rng.Float32()*200
		props[i] = boxes.Box{X1: x, Y1: y, X2: x + 20 + rng.Float32()*80, Y2: y + 20 + rng.Float32()*80}
	}
	logits := make([]float32, np*nc)
	for i := range logits {
		logits[i] = float32(rng.NormFloat64() * 2)
	}
	reg := make([]float32, np*nc*4)
	for i := range reg {
		reg[i] = float32(rng.NormFloat64() * 0.5)
	}
	run := func(labels []int, perImg int) Detections {
		cfg := DefaultConfig()
		cfg.Labels, cfg.DetectionsPerImg = labels, perImg
		d, err := newPostProcessor(cfg).run(logits, reg, props, nc, 300, 400)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	all := run(nil, 1000)
	var want Detections
	for i, l := range all.Labels {
		if l == 2 || l == 4 {
			want.Boxes, want.Scores, want.Labels = append(want.Boxes, all.Boxes[i]), append(want.Scores, all.Scores[i]), append(want.Labels, l)
		}
	}
	if want.Len() < 10 || want.Len() == all.Len() {
		t.Fatalf("the case is too easy: %d of %d detections of labels 2 and 4", want.Len(), all.Len())
	}
	if got := run([]int{4, 2}, 1000); !reflect.DeepEqual(got, want) {
		t.Errorf("labels 2 and 4:\n got %v\nwant %v", got, want)
	}
	// A cap of 5 on every class: the labels' best 5, which the full run's top 5 are not.
	capped, top := run([]int{2, 4}, 5), run(nil, 5)
	if capped.Len() != 5 || !reflect.DeepEqual(capped.Labels, want.Labels[:5]) || !reflect.DeepEqual(capped.Scores, want.Scores[:5]) {
		t.Errorf("capped at 5: %v, want the first 5 of %v", capped, want)
	}
	if reflect.DeepEqual(top.Labels, capped.Labels) {
		t.Errorf("the full run's top 5 are of labels 2 and 4 only (%v): the cap is not tested", top.Labels)
	}
}
