package detector_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/shuffledet/shuffledet/backbone"
	"github.com/shuffledet/shuffledet/configs"
	"github.com/shuffledet/shuffledet/detector"
	"github.com/shuffledet/shuffledet/internal/allocstest"
	"github.com/shuffledet/shuffledet/internal/testmodel"
	"github.com/shuffledet/shuffledet/nn"
	"github.com/shuffledet/shuffledet/parallel"
)

// tinyTrunk is a second backbone, defined only in this test: two 4x4 stride-4 convolutions with
// ReLU (3 -> 8 -> 16 channels, stride 16), and a box head of a 1x1 convolution (16 -> 12, ReLU)
// with global average pooling. It records how often it runs, the last shapes it is run on and
// how many box heads it made (the detector runs one per thread, concurrently: hence the mutex).
type tinyTrunk struct {
	c1, c2, head      *nn.Conv
	mu                sync.Mutex
	features, boxHead [4]int
	largestChunk      int
	calls             [2]int
	heads             int
	afterFeatures     func() // called when Features has run (nil: nothing)
}

func newTinyTrunk(w nn.Weights) (*tinyTrunk, error) {
	t := &tinyTrunk{}
	var err error
	if t.c1, err = nn.LoadConv(w, "tiny.conv1", 3, 8, 4, 4, 0, 1, nn.ReLU); err != nil {
		return nil, err
	}
	if t.c2, err = nn.LoadConv(w, "tiny.conv2", 8, 16, 4, 4, 0, 1, nn.ReLU); err != nil {
		return nil, err
	}
	t.head, err = nn.LoadConv(w, "tiny.head", 16, 12, 1, 1, 0, 1, nn.ReLU)
	return t, err
}

func (t *tinyTrunk) Name() string         { return "tiny" }
func (t *tinyTrunk) FeatureChannels() int { return 16 }
func (t *tinyTrunk) HeadChannels() int    { return 12 }
func (t *tinyTrunk) NewRunner(pool *parallel.Pool) backbone.Runner {
	r := &tinyRunner{t: t}
	r.scratch.SetPool(pool)
	return r
}

func (t *tinyTrunk) NewBoxHead() backbone.BoxHead {
	t.heads++
	return &tinyHead{t: t}
}

func (t *tinyTrunk) FeatureCost(h, w int) nn.Cost {
	h1, w1 := h/4, w/4
	return nn.Cost{Name: "backbone", MACs: int64(h1*w1*len(t.c1.Weight) + h1/4*w1/4*len(t.c2.Weight)),
		Params: int64(len(t.c1.Weight) + 8 + len(t.c2.Weight) + 16), OutC: 16, OutH: h1 / 4, OutW: w1 / 4}
}

func (t *tinyTrunk) HeadCost(size int) nn.Cost {
	return nn.Cost{Name: "box_head", MACs: int64(size * size * len(t.head.Weight)), Params: int64(len(t.head.Weight) + 12), OutC: 12, OutH: 1, OutW: 1}
}

type tinyRunner struct {
	t         *tinyTrunk
	mid, feat nn.Tensor
	scratch   nn.Scratch
}

type tinyHead struct {
	t       *tinyTrunk
	hd      nn.Tensor
	scratch nn.Scratch
}

func (r *tinyRunner) Features(x *nn.Tensor) *nn.Tensor {
	r.t.features = x.Shape()
	r.t.calls[0]++
	h, w := r.t.c1.OutSize(x.H, x.W)
	r.mid.Resize(1, 8, h, w)
	r.t.c1.Forward(&r.mid, 0, x, nil, &r.scratch)
	h, w = r.t.c2.OutSize(h, w)
	r.feat.Resize(1, 16, h, w)
	r.t.c2.Forward(&r.feat, 0, &r.mid, nil, &r.scratch)
	if r.t.afterFeatures != nil {
		r.t.afterFeatures()
	}
	return &r.feat
}

func (h *tinyHead) BoxHead(dst []float32, rois *nn.Tensor) {
	h.t.mu.Lock()
	h.t.boxHead = rois.Shape()
	h.t.calls[1]++
	h.t.largestChunk = max(h.t.largestChunk, rois.N)
	h.t.mu.Unlock()
	h.hd.Resize(rois.N, 12, rois.H, rois.W)
	h.hd.Layout = rois.Layout
	h.t.head.Forward(&h.hd, 0, rois, nil, &h.scratch)
	nn.GlobalAvgPool(dst, &h.hd, nil)
}

// tinyTrunkModel returns a detector model on a tinyTrunk with random weights for every tensor
// asked for (w records them), the preset at 300 with a 32-channel RPN (cfg).
func tinyTrunkModel(t *testing.T) (m *detector.Model, trunk *tinyTrunk, w *testmodel.Recorder, cfg *configs.Detector) {
	w = testmodel.NewRecorder(3)
	trunk, err := newTinyTrunk(w)
	if err != nil {
		t.Fatal(err)
	}
	cfg = configs.DefaultDetector(300)
	cfg.RPN.Channels = 32
	if m, err = detector.NewModel("tiny-detector", trunk, *cfg, w); err != nil {
		t.Fatal(err)
	}
	return m, trunk, w, cfg
}

// TestASecondTrunkPlugsIn runs a whole detection on a trunk that no package of the module knows:
// a new backbone needs only to implement backbone.Trunk.
func TestASecondTrunkPlugsIn(t *testing.T) {
	m, trunk, w, cfg := tinyTrunkModel(t)
	var names []string
	for _, ts := range w.Tensors() {
		names = append(names, ts.Name)
	}
	for _, want := range []string{"rpn.head.conv.weight", "roi_heads.box_predictor.cls_score.weight", "tiny.head.weight"} {
		if !slices.Contains(names, want) {
			t.Errorf("tensor %s was not loaded (loaded: %v)", want, names)
		}
	}
	det, err := m.NewDetector(detector.WithScoreThreshold(0), detector.WithThreads(2))
	if err != nil {
		t.Fatal(err)
	}
	img := testImage(200, 150) // resized to 400x300, padded to 416x320
	dets, err := det.Detect(img)
	if err != nil {
		t.Fatal(err)
	}
	if len(dets) == 0 || len(dets) > cfg.RoI.DetectionsPerImg {
		t.Fatalf("%d detections", len(dets))
	}
	for _, d := range dets {
		x, y, bw, bh := d.Box[0], d.Box[1], d.Box[2], d.Box[3]
		if !(x >= 0 && y >= 0 && bw >= 0 && bh >= 0 && x+bw <= 200 && y+bh <= 150 && d.Score > 0 && d.Score <= 1) || d.Label == "" {
			t.Fatalf("detection %+v outside the 200x150 image or without a class", d)
		}
	}
	if want := [4]int{1, 3, 320, 416}; trunk.calls[0] != 1 || trunk.features != want {
		t.Errorf("trunk features ran %d times, last on %v, want once on %v", trunk.calls[0], trunk.features, want)
	}
	// The box head runs on chunks of 4 RoIs (roihead's chunk size), one box head per thread.
	if trunk.calls[1] < 1 || trunk.boxHead[0] == 0 || trunk.largestChunk != 4 || [3]int(trunk.boxHead[1:]) != [3]int{16, 14, 14} || trunk.heads != 2 {
		t.Errorf("%d box heads ran %d times, last on %v, largest chunk %d RoIs, want 2 (2 threads) on chunks of 4 of [16 14 14]", trunk.heads, trunk.calls[1], trunk.boxHead, trunk.largestChunk)
	}
	// Steady state: nothing allocated in one of up to three windows (another goroutine of the
	// process may allocate during one; a parked worker's record comes from the runtime's stock,
	// TestDetectSteadyStateAllocatesNothing).
	if counts := allocstest.Steady(2, func() { det.Detect(img) }); counts != nil {
		t.Errorf("steady-state detection allocates: %v times in three windows of 2 frames", counts)
	}
	cx, err := m.Complexity(320, 416, 300)
	if err != nil || cx.Arch != "tiny" || cx.Backbone.OutC != 16 || cx.Backbone.OutH != 20 || cx.BoxHead.MACs <= 0 || cx.RPN.MACs <= 0 {
		t.Errorf("complexity %+v", cx)
	}
}

// TestNilModelArguments: a nil file, trunk or weights given to the Model builders is an error
// naming the model, not a nil-pointer panic (the package's promise for bad input).
func TestNilModelArguments(t *testing.T) {
	p, err := configs.Preset("shufflenet-g3-0.25x-300")
	if err != nil {
		t.Fatal(err)
	}
	_, trunk, w, _ := tinyTrunkModel(t)
	for _, c := range []struct {
		name string
		run  func() (*detector.Model, error)
		want string
	}{
		{"ModelFromFile(nil)", func() (*detector.Model, error) { return detector.ModelFromFile(nil) }, "nil *modelfile.File"},
		{"Build with nil weights", func() (*detector.Model, error) { return detector.Build("m.bin", *p, nil) }, "model m.bin: nil weights"},
		{"NewModel with nil trunk", func() (*detector.Model, error) {
			return detector.NewModel("m.bin", nil, *p.Detector, w)
		}, "model m.bin: nil trunk"},
		{"NewModel with nil weights", func() (*detector.Model, error) { return detector.NewModel("m.bin", trunk, *p.Detector, nil) }, "model m.bin: nil weights"},
	} {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s: panic %v", c.name, r)
				}
			}()
			m, err := c.run()
			if m != nil || err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: %v, %v; want an error saying %q", c.name, m, err, c.want)
			}
		}()
	}
}

// TestComplexityRefusesWhatCannotBe: Complexity refuses sizes no input has and a model whose
// config lost its detector section (it returned negative or overflowed counts, and panicked on
// a nil section, though the package says nothing in it panics on bad input).
func TestComplexityRefusesWhatCannotBe(t *testing.T) {
	m, err := detector.LoadModel(tinyDetector(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range [][3]int{{-32, 32, 5}, {32, 0, 5}, {1 << 20, 32, 5}, {32, 32, -5}, {32, 32, 1 << 30}} {
		if cx, err := m.Complexity(c[0], c[1], c[2]); err == nil {
			t.Errorf("%v: %+v", c, cx)
		}
	}
	m.Config.Detector = nil
	if _, err := m.Complexity(320, 416, 300); err == nil || !strings.Contains(err.Error(), "no detector section") {
		t.Errorf("without a detector section: %v", err)
	}
}

// TestFrameContextStops: DetectBGRContext and DetectRGBContext stop as DetectContext does (a
// camera loop's shutdown or a request's deadline), and detect as DetectBGR and DetectRGB otherwise.
func TestFrameContextStops(t *testing.T) {
	const w, h = 200, 150
	frame := make([]byte, w*h*3)
	for i := range frame {
		frame[i] = uint8(i * 7)
	}
	for _, c := range []struct {
		name      string
		withCtx   func(*detector.Detector, context.Context) ([]detector.Detection, error)
		withoutIt func(*detector.Detector) ([]detector.Detection, error)
	}{
		{"BGR",
			func(d *detector.Detector, ctx context.Context) ([]detector.Detection, error) {
				return d.DetectBGRContext(ctx, frame, w, h, 3*w)
			},
			func(d *detector.Detector) ([]detector.Detection, error) { return d.DetectBGR(frame, w, h, 3*w) }},
		{"RGB",
			func(d *detector.Detector, ctx context.Context) ([]detector.Detection, error) {
				return d.DetectRGBContext(ctx, frame, w, h, 3*w)
			},
			func(d *detector.Detector) ([]detector.Detection, error) { return d.DetectRGB(frame, w, h, 3*w) }},
	} {
		m, trunk, _, _ := tinyTrunkModel(t)
		det, err := m.NewDetector(detector.WithScoreThreshold(0))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		trunk.afterFeatures = cancel
		if dets, err := c.withCtx(det, ctx); !errors.Is(err, context.Canceled) || dets != nil || trunk.calls != [2]int{1, 0} {
			t.Errorf("%s: cancelled in the trunk: %d detections, %v; trunk and box head ran %v times", c.name, len(dets), err, trunk.calls)
		}
		trunk.afterFeatures = nil
		if _, err := c.withCtx(det, ctx); !errors.Is(err, context.Canceled) || trunk.calls != [2]int{1, 0} {
			t.Errorf("%s: a done context: %v; trunk and box head ran %v times", c.name, err, trunk.calls)
		}
		if _, err := c.withCtx(det, nil); err == nil || err.Error() != "detector: nil Context" {
			t.Errorf("%s: a nil Context: %v, want \"detector: nil Context\"", c.name, err)
		}
		got, err := c.withCtx(det, context.Background())
		if err != nil || len(got) == 0 || trunk.calls[1] == 0 {
			t.Fatalf("%s: afterwards: %d detections, %v; trunk and box head ran %v times", c.name, len(got), err, trunk.calls)
		}
		got = append([]detector.Detection(nil), got...)
		want, err := c.withoutIt(det)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("%s: with a context %v, without %v (%v)", c.name, got, want, err)
		}
	}
}

// TestDetectContextStops: DetectContext ends with the context's error at the next stage once the
// context is done (here cancelled while the trunk runs: the RPN and the box head do not run), or
// at once for a context done before; the Detector then detects as before.
func TestDetectContextStops(t *testing.T) {
	m, trunk, _, _ := tinyTrunkModel(t)
	det, err := m.NewDetector(detector.WithScoreThreshold(0))
	if err != nil {
		t.Fatal(err)
	}
	img := testImage(200, 150)
	ctx, cancel := context.WithCancel(context.Background())
	trunk.afterFeatures = cancel
	if dets, err := det.DetectContext(ctx, img); !errors.Is(err, context.Canceled) || dets != nil || trunk.calls != [2]int{1, 0} {
		t.Errorf("cancelled in the trunk: %d detections, %v; trunk and box head ran %v times", len(dets), err, trunk.calls)
	}
	trunk.afterFeatures = nil
	if _, err := det.DetectContext(ctx, img); !errors.Is(err, context.Canceled) || trunk.calls != [2]int{1, 0} {
		t.Errorf("a done context: %v; trunk and box head ran %v times", err, trunk.calls)
	}
	if dets, err := det.DetectContext(context.Background(), img); err != nil || len(dets) == 0 || trunk.calls[1] == 0 {
		t.Errorf("afterwards: %d detections, %v", len(dets), err)
	}
	if det.Proposals() == 0 {
		t.Fatal("no proposals for the whole call: the check below needs some")
	}
	if n := det.Proposals(); det.Set(detector.WithScoreThreshold(0)) != nil || det.Proposals() != n {
		t.Errorf("Set after a whole call: Proposals %d, want the call's %d", det.Proposals(), n)
	}
	if _, err := det.DetectContext(ctx, img); !errors.Is(err, context.Canceled) || det.Proposals() != 0 {
		t.Errorf("a done context after a whole call: %v, Proposals %d, want 0 (not the call before's)", err, det.Proposals())
	}
	func() { // a nil Context is an error (as http.NewRequestWithContext's), not a panic
		defer func() {
			if r := recover(); r != nil {
				t.Errorf("a nil Context: panic %v", r)
			}
		}()
		if _, err := det.DetectContext(nil, img); err == nil || err.Error() != "detector: nil Context" {
			t.Errorf("a nil Context: %v, want \"detector: nil Context\"", err)
		}
		if _, err := det.Detect(img); err != nil {
			t.Errorf("after a nil Context: %v", err) // not left busy
		}
	}()
	if _, err := det.Detect(img); err != nil || det.Proposals() == 0 || det.Close() != nil {
		t.Fatalf("a whole call, then Close: %v, Proposals %d", err, det.Proposals())
	}
	if _, err := det.Detect(img); !errors.Is(err, detector.ErrClosed) || det.Proposals() != 0 {
		t.Errorf("a call after Close: %v, Proposals %d, want ErrClosed and 0 (not the last image's)", err, det.Proposals())
	}
}
