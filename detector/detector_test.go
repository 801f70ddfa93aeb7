package detector_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/draw"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shuffledet/shuffledet/configs"
	"github.com/shuffledet/shuffledet/cvimage"
	"github.com/shuffledet/shuffledet/detector"
	"github.com/shuffledet/shuffledet/internal/allocstest"
	"github.com/shuffledet/shuffledet/internal/testmodel"
	"github.com/shuffledet/shuffledet/modelfile"
	"github.com/shuffledet/shuffledet/nn"
	"github.com/shuffledet/shuffledet/roihead"
	"github.com/shuffledet/shuffledet/rpn"
	"github.com/shuffledet/shuffledet/safetensors"
)

// tinyDetector writes a random 0.25x detector (Go-only, no PyTorch) and returns its path.
func tinyDetector(t testing.TB, edit func(*configs.Model, []*safetensors.Tensor) []*safetensors.Tensor) string {
	t.Helper()
	cfg, ts, err := testmodel.Detector("shufflenet-g3-0.25x-300", 7)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		ts = edit(cfg, ts)
	}
	path := filepath.Join(t.TempDir(), "tiny-det.bin")
	if err := modelfile.Write(path, *cfg, ts); err != nil {
		t.Fatal(err)
	}
	return path
}

func testImage(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.NRGBA{uint8(x * 7), uint8(y * 5), uint8(x ^ y), 255})
		}
	}
	return img
}

func TestDetectSteadyStateAllocatesNothing(t *testing.T) {
	// Every allocation counts, on one thread and on 4: handing work to the pool's workers
	// allocates nothing, nor a thread's first chunk of RoIs many frames in. (A worker whose spin
	// runs out parks, and the Go runtime takes a record of the blocked receive, 112 bytes, from
	// its caches, which allocstest.Steady stocks first: docs/DESIGN.md, "Threads and memory".)
	for _, threads := range []int{1, 4} {
		det, err := detector.Load(tinyDetector(t, nil), detector.WithScoreThreshold(0), detector.WithThreads(threads))
		if err != nil {
			t.Fatal(err)
		}
		small, large := testImage(200, 150), testImage(333, 500)
		frame := make([]byte, 3*200*150)
		for i := range frame {
			frame[i] = byte(i * 31)
		}
		must := func(dets []detector.Detection, err error) {
			if err != nil || len(dets) == 0 {
				t.Fatalf("%d detections, %v", len(dets), err)
			}
		}
		// Warm up on the larger size first: afterwards neither size, nor switching between
		// them, nor any input path allocates.
		must(det.Detect(large))
		must(det.Detect(small))
		must(det.DetectBGR(frame, 200, 150, 600))
		must(det.DetectRGB(frame, 200, 150, 600))
		for name, f := range map[string]func(){
			"Detect":              func() { must(det.Detect(small)) },
			"Detect, alternating": func() { must(det.Detect(large)); must(det.Detect(small)) },
			"DetectBGR":           func() { must(det.DetectBGR(frame, 200, 150, 600)) },
			"DetectRGB":           func() { must(det.DetectRGB(frame, 200, 150, 600)) },
		} {
			// (Another goroutine of the test process may allocate during a window: under load one
			// did, once in 20 runs; allocstest.Steady measures such a window again.)
			if counts := allocstest.Steady(20, f); counts != nil {
				t.Errorf("%d threads: %s allocates in steady state: %v times in three windows of 20 runs", threads, name, counts)
			}
		}
	}
}

// TestThreadsGiveIdenticalDetections runs a random 0.5x detector at 300 and 600, and a 1x one at
// 600 (whose stage 2 runs in bands of rows, each thread on its own rows), on 1, 2 and 3 threads
// (and a Clone of the 3-thread one) and checks that the detections are the same bit for bit:
// every layer computes each output value with the same code in the same order on any thread.
func TestThreadsGiveIdenticalDetections(t *testing.T) {
	img := testImage(320, 240)
	var path string
	for _, tc := range []struct {
		preset string
		res    int
	}{{"shufflenet-g3-0.5x-300", 300}, {"shufflenet-g3-0.5x-300", 600}, {"shufflenet-g3-1.0x-600", 600}} {
		cfg, ts, err := testmodel.Detector(tc.preset, 5)
		if err != nil {
			t.Fatal(err)
		}
		path = filepath.Join(t.TempDir(), "det.bin")
		if err := modelfile.Write(path, *cfg, ts); err != nil {
			t.Fatal(err)
		}
		res := tc.res
		var want []detector.Detection
		for _, threads := range []int{1, 2, 3} {
			det, err := detector.Load(path, detector.WithResolution(res), detector.WithScoreThreshold(0), detector.WithThreads(threads))
			if err != nil {
				t.Fatal(err)
			}
			if det.Threads() != threads {
				t.Fatalf("WithThreads(%d): %d threads", threads, det.Threads())
			}
			clone, err := det.Clone()
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range []*detector.Detector{det, clone} {
				got, err := d.Detect(img)
				if err != nil {
					t.Fatal(err)
				}
				if want == nil {
					if len(got) < 10 {
						t.Fatalf("at %d: only %d detections to compare", res, len(got))
					}
					want = append(want, got...)
					continue
				}
				if d.Threads() != threads || len(got) != len(want) {
					t.Fatalf("at %d, %d threads: %d detections, on one thread %d", res, d.Threads(), len(got), len(want))
				}
				for i := range got {
					g, w := got[i], want[i]
					same := g.CategoryID == w.CategoryID && math.Float32bits(g.Score) == math.Float32bits(w.Score)
					for j := range g.Box {
						same = same && math.Float32bits(g.Box[j]) == math.Float32bits(w.Box[j])
					}
					if !same {
						t.Fatalf("at %d, %d threads: detection %d is %+v, on one thread %+v", res, threads, i, g, w)
					}
				}
			}
		}
	}
	if _, err := detector.Load(path, detector.WithThreads(0)); err == nil || !strings.Contains(err.Error(), "threads 0") {
		t.Errorf("WithThreads(0): %v", err)
	}
	var none detector.Option // an option left out of a list built up conditionally
	if _, err := detector.Load(path, detector.WithThreads(1), none); err == nil || !strings.Contains(err.Error(), "option 1 is nil") {
		t.Errorf("a nil option: %v", err)
	}
}

// TestClonesRunConcurrently: two clones and the original, detecting at once, each give the
// original's detections (score threshold 0: the tiny random model's scores are low, and a
// comparison of no detections would pass whatever the clones did). The clones are made while the
// original may already be detecting, as Clone's doc allows (the race rule runs this test).
func TestClonesRunConcurrently(t *testing.T) {
	det, err := detector.Load(tinyDetector(t, nil), detector.WithScoreThreshold(0))
	if err != nil {
		t.Fatal(err)
	}
	img := testImage(120, 90)
	want, err := det.Detect(img)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) == 0 {
		t.Fatal("no detections to compare")
	}
	want = append([]detector.Detection(nil), want...)
	errs := make(chan error, 3)
	for i := range 3 {
		c := det
		if i > 0 {
			if c, err = det.Clone(); err != nil {
				t.Fatal(err)
			}
		}
		go func() {
			got, err := c.Detect(img)
			if err == nil && len(got) != len(want) {
				err = fmt.Errorf("%d detections, want %d", len(got), len(want))
			}
			for i := range got {
				if err == nil && got[i] != want[i] {
					err = fmt.Errorf("detection %d: %+v, want %+v", i, got[i], want[i])
				}
			}
			errs <- err
		}()
	}
	for range 3 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

func TestCloneGivesSameDetections(t *testing.T) {
	det, err := detector.Load(tinyDetector(t, nil), detector.WithResolution(600), detector.WithScoreThreshold(0))
	if err != nil {
		t.Fatal(err)
	}
	clone, err := det.Clone()
	if err != nil {
		t.Fatal(err)
	}
	img := testImage(120, 90)
	a, err := det.Detect(img)
	if err != nil {
		t.Fatal(err)
	}
	a = append([]detector.Detection(nil), a...)
	b, err := clone.Detect(img)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) == 0 || len(a) != len(b) {
		t.Fatalf("clone: %d detections, original %d", len(b), len(a))
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("detection %d: clone %+v, original %+v", i, b[i], a[i])
		}
	}
	if det.Config().ShorterSide != 600 || clone.Config().ShorterSide != 600 {
		t.Fatalf("resolution option lost: %d / %d", det.Config().ShorterSide, clone.Config().ShorterSide)
	}
}

func TestBadInputGivesClearErrors(t *testing.T) {
	good := tinyDetector(t, nil)
	for _, c := range []struct {
		name string
		path string
		opts []detector.Option
		want string
	}{
		{"config and tensors disagree", tinyDetector(t, func(cfg *configs.Model, ts []*safetensors.Tensor) []*safetensors.Tensor {
			cfg.Detector.RPN.Channels = 128
			return ts
		}), nil, `"rpn.head.conv.weight" has shape [256`},
		{"class count disagrees", tinyDetector(t, func(cfg *configs.Model, ts []*safetensors.Tensor) []*safetensors.Tensor {
			cfg.Detector.Classes = cfg.Detector.Classes[:10]
			return ts
		}), nil, `"roi_heads.box_predictor.cls_score.weight" has shape [81`},
		{"unsupported resolution", good, []detector.Option{detector.WithResolution(5000)}, "resolution 5000 out of range"},
		{"bad score threshold", good, []detector.Option{detector.WithScoreThreshold(1.5)}, "score threshold 1.5"},
		{"missing file", filepath.Join(t.TempDir(), "nope.bin"), nil, "nope.bin"},
		{"negative running variance", tinyDetector(t, func(cfg *configs.Model, ts []*safetensors.Tensor) []*safetensors.Tensor {
			tensorNamed(t, ts, "first_conv.1.running_var").Data[0] = -1
			return ts
		}), nil, "negative running variance"},
		{"NaN weight", tinyDetector(t, func(cfg *configs.Model, ts []*safetensors.Tensor) []*safetensors.Tensor {
			tensorNamed(t, ts, "rpn.head.conv.weight").Data[5] = float32(math.NaN())
			return ts
		}), nil, `"rpn.head.conv.weight": value 5 is NaN`},
		{"huge weight", tinyDetector(t, func(cfg *configs.Model, ts []*safetensors.Tensor) []*safetensors.Tensor {
			tensorNamed(t, ts, "roi_heads.box_predictor.cls_score.weight").Data[7] = -1e30
			return ts
		}), nil, `"roi_heads.box_predictor.cls_score.weight": value 7 is -1e+30, beyond ±1e+08`},
		{"unused tensor", tinyDetector(t, func(cfg *configs.Model, ts []*safetensors.Tensor) []*safetensors.Tensor {
			return append(ts, &safetensors.Tensor{Name: "extra", Shape: []int{1}, Data: []float32{1}})
		}), nil, "does not use: extra"},
	} {
		_, err := detector.Load(c.path, c.opts...)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Count(err.Error(), filepath.Base(c.path)) != 1 {
			t.Errorf("%s: error %v, want it to name the file once and say %q", c.name, err, c.want)
		}
	}

	det, err := detector.Load(good)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := det.Detect(image.NewNRGBA(image.Rect(0, 0, 0, 10))); err == nil {
		t.Error("zero-size image accepted")
	}
	if _, err := det.DetectBGR(make([]byte, 10), 20000, 20000, 60000); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Errorf("20000x20000 frame: %v", err)
	}
	if _, err := det.DetectBGR(make([]byte, 10), 100, 100, 300); err == nil {
		t.Error("short frame buffer accepted")
	}
}

// tensorNamed returns the tensor of ts called name.
func tensorNamed(t *testing.T, ts []*safetensors.Tensor, name string) *safetensors.Tensor {
	t.Helper()
	for _, x := range ts {
		if x.Name == name {
			return x
		}
	}
	t.Fatalf("no tensor %q", name)
	return nil
}

func TestClassifierFileIsNotADetector(t *testing.T) {
	cfg := configs.Model{Version: 1}
	cfg.Backbone.Groups, cfg.Backbone.Width, cfg.Backbone.Shuffle, cfg.Backbone.NumClasses = 3, 0.25, true, 10
	ts, err := testmodel.Backbone(cfg.Backbone, 1)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "classifier.bin")
	if err := modelfile.Write(path, cfg, ts); err != nil {
		t.Fatal(err)
	}
	if _, err := detector.Load(path); err == nil || !strings.Contains(err.Error(), "not a detector") {
		t.Fatalf("classifier loaded as a detector: %v", err)
	}
	// A name with a control character is quoted (internal/quote), so that the message stays one line.
	odd := filepath.Join(t.TempDir(), "odd\nname.bin")
	if err := modelfile.Write(odd, cfg, ts); err != nil {
		t.Fatal(err)
	}
	if _, err := detector.Load(odd); err == nil || !strings.Contains(err.Error(), "model "+strconv.Quote(odd)+": a ") {
		t.Errorf("classifier named with a newline: %v; want the name quoted", err)
	}
}

// TestUnusedTensorIsNeverRead: a model file with a tensor of 256 MiB that its configuration has
// no use for (sparse here, its checksum made right) is refused naming the tensor, without ever
// holding it in memory: tensors are read as the builder asks for them.
func TestUnusedTensorIsNeverRead(t *testing.T) {
	path := tinyDetector(t, nil)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n := binary.LittleEndian.Uint64(b)
	data := b[8+n:]
	var header map[string]json.RawMessage
	var meta map[string]string
	if err := json.Unmarshal(b[8:8+n], &header); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(header["__metadata__"], &meta); err != nil {
		t.Fatal(err)
	}
	const junk = 1 << 28 // bytes
	header["junk"], _ = json.Marshal(map[string]any{"dtype": "F32", "shape": []int{junk / 4}, "data_offsets": []int{len(data), len(data) + junk}})
	crc := crc32.Update(0, crc32.IEEETable, data)
	zeros := make([]byte, 1<<20)
	for range junk / len(zeros) {
		crc = crc32.Update(crc, crc32.IEEETable, zeros)
	}
	meta[modelfile.ChecksumKey] = fmt.Sprintf("%08x", crc32.Update(crc, crc32.IEEETable, []byte(meta["config"])))
	header["__metadata__"], _ = json.Marshal(meta)
	h, _ := json.Marshal(header)
	h = append(h, bytes.Repeat([]byte{' '}, (8-len(h)%8)%8)...)
	hostile := filepath.Join(t.TempDir(), "junk.bin")
	if err := os.WriteFile(hostile, slices.Concat(binary.LittleEndian.AppendUint64(nil, uint64(len(h))), h, data), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(hostile, int64(8+len(h)+len(data)+junk)); err != nil {
		t.Fatal(err)
	}
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	_, err = detector.LoadModel(hostile)
	runtime.ReadMemStats(&m1)
	if err == nil || !strings.Contains(err.Error(), hostile) || !strings.Contains(err.Error(), "does not use: junk") {
		t.Fatalf("%v, want an error naming %s and its tensor junk", err, hostile)
	}
	if grew := m1.TotalAlloc - m0.TotalAlloc; grew > junk/4 {
		t.Fatalf("loading took %d MiB of memory; the file's data without junk is %d KiB", grew>>20, len(data)>>10)
	}
}

// TestModelConfigEdits: a Model's configuration may be edited between NewDetector calls, but
// what no longer fits its weights is refused there (not a panic at the first frame), a Detector's
// Config is a copy, and the Model keeps its own copy of what Build or NewModel was given.
func TestModelConfigEdits(t *testing.T) {
	path := tinyDetector(t, nil)
	f, err := modelfile.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := detector.Build(path, f.Config, f)
	if err != nil {
		t.Fatal(err)
	}
	f.Config.Detector.Classes[0].Name = "edited by the caller"
	d, err := m.NewDetector()
	if err != nil {
		t.Fatal(err)
	}
	if d.Config().Classes[0].Name == "edited by the caller" {
		t.Error("the Model shares its config's lists with the caller of Build")
	}
	got := d.Config()
	got.Classes[0].Name = "edited through Config"
	if d.Config().Classes[0].Name == "edited through Config" || m.Config.Detector.Classes[0].Name == "edited through Config" {
		t.Error("Config returned the Detector's own lists")
	}
	m.Config.Detector.Classes = m.Config.Detector.Classes[1:]
	if _, err := m.NewDetector(); err == nil || !strings.Contains(err.Error(), "classes") {
		t.Errorf("a class dropped from the Model's config: %v", err)
	}
	if _, err := m.NewDetector(detector.WithThreads(math.MaxInt)); err == nil {
		t.Error("WithThreads(MaxInt) accepted")
	}
}

// TestConcurrentCallsGetErrBusy: a call on a Detector that is running on another goroutine (it is
// for one at a time) gets ErrBusy instead of corrupting that call's buffers, and the Detector
// works on once the first call is done. The first call is held inside the Detector by an image
// whose pixels wait for the test.
func TestConcurrentCallsGetErrBusy(t *testing.T) {
	det, err := detector.Load(tinyDetector(t, nil), detector.WithThreads(1))
	if err != nil {
		t.Fatal(err)
	}
	release := holdInDetect(det)
	frame := make([]byte, 64*48*3)
	if _, err := det.DetectBGR(frame, 64, 48, 64*3); !errors.Is(err, detector.ErrBusy) {
		t.Errorf("a call while another runs: %v, want ErrBusy", err)
	}
	if err := release(); err != nil {
		t.Fatalf("the first call: %v", err)
	}
	if _, err := det.DetectBGR(frame, 64, 48, 64*3); err != nil {
		t.Errorf("a call after the first one ended: %v", err)
	}
}

// TestClose: Close ends the Detector's threads (the goroutine count falls back), is refused while
// a call runs (ErrBusy, the call unharmed), makes every later call return ErrClosed, and a
// second Close is nil; a Clone of the closed Detector detects as the Detector did.
func TestClose(t *testing.T) {
	before := runtime.NumGoroutine()
	det, err := detector.Load(tinyDetector(t, nil), detector.WithThreads(4))
	if err != nil {
		t.Fatal(err)
	}
	frame := make([]byte, 64*48*3)
	for i := range frame {
		frame[i] = byte(i * 7)
	}
	want, err := det.DetectBGR(frame, 64, 48, 64*3)
	if err != nil {
		t.Fatal(err)
	}
	want = slices.Clone(want)

	release := holdInDetect(det)
	if err := det.Close(); !errors.Is(err, detector.ErrBusy) {
		t.Errorf("Close during a call: %v, want ErrBusy", err)
	}
	if err := release(); err != nil {
		t.Fatalf("the call Close was refused during: %v", err)
	}

	if err := det.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := det.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := det.DetectBGR(frame, 64, 48, 64*3); !errors.Is(err, detector.ErrClosed) {
		t.Errorf("DetectBGR after Close: %v, want ErrClosed", err)
	}
	if _, err := det.DetectRGB(frame, 64, 48, 64*3); !errors.Is(err, detector.ErrClosed) {
		t.Errorf("DetectRGB after Close: %v, want ErrClosed", err)
	}
	if _, err := det.Detect(image.NewRGBA(image.Rect(0, 0, 64, 48))); !errors.Is(err, detector.ErrClosed) {
		t.Errorf("Detect after Close: %v, want ErrClosed", err)
	}
	if det.Threads() != 4 {
		t.Errorf("Threads after Close: %d, want 4", det.Threads())
	}
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after Close, %d before the Detector", n, before)
	}

	clone, err := det.Clone()
	if err != nil {
		t.Fatal(err)
	}
	defer clone.Close()
	got, err := clone.DetectBGR(frame, 64, 48, 64*3)
	if err != nil || !slices.Equal(got, want) || clone.Threads() != 4 {
		t.Errorf("Clone of a closed Detector: %v, %d threads, %v, want %v", err, clone.Threads(), got, want)
	}
}

// holdInDetect starts det.Detect on another goroutine and returns once the call is inside the
// Detector, reading a gateImage; release lets the call finish and returns its error.
func holdInDetect(det *detector.Detector) (release func() error) {
	held := &gateImage{started: make(chan struct{}), release: make(chan struct{})}
	done := make(chan error)
	go func() {
		_, err := det.Detect(held)
		done <- err
	}()
	<-held.started
	return func() error {
		close(held.release)
		return <-done
	}
}

// gateImage is a 64x48 image whose first pixel read signals started and waits for release.
type gateImage struct {
	started, release chan struct{}
	once             sync.Once
}

func (g *gateImage) ColorModel() color.Model { return color.RGBAModel }
func (g *gateImage) Bounds() image.Rectangle { return image.Rect(0, 0, 64, 48) }
func (g *gateImage) At(x, y int) color.Color {
	g.once.Do(func() {
		close(g.started)
		<-g.release
	})
	return color.RGBA{uint8(x), uint8(y), 7, 255}
}

// TestSubImageBoxes: boxes are in the image's own coordinates, so a SubImage's lie within its
// Bounds(), where its parent has those pixels: the same boxes as for a copy at the origin, moved
// by Bounds().Min.
func TestSubImageBoxes(t *testing.T) {
	det, err := detector.Load(tinyDetector(t, nil), detector.WithScoreThreshold(0))
	if err != nil {
		t.Fatal(err)
	}
	sub := testImage(320, 240).SubImage(image.Rect(100, 80, 260, 200)).(*image.NRGBA)
	origin := image.NewNRGBA(image.Rect(0, 0, 160, 120))
	draw.Draw(origin, origin.Bounds(), sub, sub.Bounds().Min, draw.Src)
	want, err := det.Detect(origin)
	if err != nil {
		t.Fatal(err)
	}
	want = slices.Clone(want)
	got, err := det.Detect(sub)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) == 0 || len(got) != len(want) {
		t.Fatalf("%d detections on the SubImage, %d on the copy", len(got), len(want))
	}
	for i := range want {
		w := want[i]
		w.Box[0], w.Box[1] = w.Box[0]+100, w.Box[1]+80
		if got[i] != w {
			t.Fatalf("detection %d: %+v, want %+v (the copy's, moved by (100, 80))", i, got[i], w)
		}
	}
}

// streetPhoto opens the test photo of a street (45 people and 18 cars to the demo model) that the
// tests of the Detector's settings detect on.
func streetPhoto(t *testing.T) image.Image {
	t.Helper()
	img, err := cvimage.Open("../testdata/images/000000010363.jpg")
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// TestWithClasses: the demo model's detections of the class asked for (by name or category id),
// as the full list has them when it is under the per-image cap (45 people and 18 cars on this
// street); Clone keeps the choice; an unknown class is an error that names it.
func TestWithClasses(t *testing.T) {
	const path = demoModel
	img := streetPhoto(t)
	full, err := detector.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	all, err := full.Detect(img)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) >= full.Config().RoI.DetectionsPerImg {
		t.Fatalf("%d detections: the case needs fewer than the cap", len(all))
	}
	for _, class := range []struct{ ask, label string }{{"person", "person"}, {"3", "car"}, {"car, 3", "car"}} {
		var want []detector.Detection
		for _, d := range all {
			if d.Label == class.label {
				want = append(want, d)
			}
		}
		if len(want) == 0 || len(want) == len(all) {
			t.Fatalf("%d of the %d detections are of %s: the case tests nothing", len(want), len(all), class.label)
		}
		some, err := detector.Load(path, detector.WithClasses(strings.Split(class.ask, ",")...))
		if err != nil {
			t.Fatal(err)
		}
		clone, err := some.Clone()
		if err != nil {
			t.Fatal(err)
		}
		for name, d := range map[string]*detector.Detector{"detector": some, "clone": clone} {
			got, err := d.Detect(img)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s with classes %q: %d detections, want the %d of %s in %d", name, class.ask, len(got), len(want), class.label, len(all))
			}
		}
	}
	_, err = detector.Load(path, detector.WithClasses("person", "dog"))
	if err == nil || !strings.Contains(err.Error(), `"dog"`) || !strings.Contains(err.Error(), path) {
		t.Errorf("a class the model lacks: %v", err)
	}
}

// TestWithDetectionsPerImage: a cap of n gives the n best of the detections the full list has
// (torchvision's box_detections_per_img keeps the first n after batched NMS, best first), on
// Load and through Set, with the classes chosen too; n outside 1..MaxDetectionsPerImg is an error
// that says so.
func TestWithDetectionsPerImage(t *testing.T) {
	const path = demoModel
	img := streetPhoto(t)
	det, err := detector.Load(path, detector.WithThreads(1))
	if err != nil {
		t.Fatal(err)
	}
	got, err := det.Detect(img)
	if err != nil {
		t.Fatal(err)
	}
	all := slices.Clone(got)
	if len(all) <= 10 || len(all) >= det.Config().RoI.DetectionsPerImg {
		t.Fatalf("%d detections: the case needs more than 10 and fewer than the cap", len(all))
	}
	capped, err := detector.Load(path, detector.WithThreads(1), detector.WithDetectionsPerImage(10))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := capped.Detect(img); err != nil || !slices.Equal(got, all[:10]) {
		t.Errorf("Load with 10 per image: %d detections (%v), want the first 10 of %d", len(got), err, len(all))
	}
	if err := det.Set(detector.WithDetectionsPerImage(3)); err != nil {
		t.Fatal(err)
	}
	if got, err := det.Detect(img); err != nil || !slices.Equal(got, all[:3]) {
		t.Errorf("Set to 3 per image: %d detections (%v), want the first 3 of %d", len(got), err, len(all))
	}
	var cars []detector.Detection
	for _, d := range all {
		if d.Label == "car" {
			cars = append(cars, d)
		}
	}
	if err := det.Set(detector.WithClasses("car"), detector.WithDetectionsPerImage(len(cars)-1)); err != nil {
		t.Fatal(err)
	}
	if got, err := det.Detect(img); err != nil || !slices.Equal(got, cars[:len(cars)-1]) {
		t.Errorf("cars, %d per image: %d detections (%v), want the first %d of the %d cars", len(cars)-1, len(got), err, len(cars)-1, len(cars))
	}
	for _, n := range []int{0, -1, roihead.MaxDetectionsPerImg + 1} {
		if err := det.Set(detector.WithDetectionsPerImage(n)); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("detections per image %d out of range", n)) || !strings.Contains(err.Error(), path) {
			t.Errorf("%d per image: %v", n, err)
		}
	}
	if det.Config().RoI.DetectionsPerImg != len(cars)-1 {
		t.Errorf("a refused cap changed it to %d", det.Config().RoI.DetectionsPerImg)
	}
}

// TestWithProposals: n proposals, given on Load or through Set (up and down, past any count
// before), give the detections of a model whose config says post_nms_top_n n, exactly; the first
// frame at a new maximum may grow the buffers, the next allocates nothing; n outside
// 1..rpn.MaxPostNMSTopN is an error that says so and changes nothing.
func TestWithProposals(t *testing.T) {
	const path = demoModel
	img := streetPhoto(t)
	m, err := detector.LoadModel(path)
	if err != nil {
		t.Fatal(err)
	}
	def := m.Config.Detector.RPN.PostNMSTopN
	edited := func(n int) []detector.Detection { // the detections of the config edited to n
		t.Helper()
		m.Config.Detector.RPN.PostNMSTopN = n
		defer func() { m.Config.Detector.RPN.PostNMSTopN = def }()
		d, err := m.NewDetector(detector.WithThreads(1), detector.WithScoreThreshold(0.01))
		if err != nil {
			t.Fatal(err)
		}
		got, err := d.Detect(img)
		if err != nil {
			t.Fatal(err)
		}
		return slices.Clone(got)
	}
	det, err := m.NewDetector(detector.WithThreads(1), detector.WithScoreThreshold(0.01), detector.WithProposals(40))
	if err != nil {
		t.Fatal(err)
	}
	if det.Config().RPN.PostNMSTopN != 40 || m.Config.Detector.RPN.PostNMSTopN != def {
		t.Fatalf("WithProposals(40): the detector's post_nms_top_n %d, the model's %d (was %d)", det.Config().RPN.PostNMSTopN, m.Config.Detector.RPN.PostNMSTopN, def)
	}
	var counts []int
	for i, n := range []int{40, 1, 600, 40, def, 600} {
		if i > 0 {
			if err := det.Set(detector.WithProposals(n)); err != nil {
				t.Fatal(err)
			}
		}
		want := edited(n)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		got, err := det.Detect(img)
		runtime.ReadMemStats(&after)
		if a := after.Mallocs - before.Mallocs; i >= 3 && a != 0 { // at most 600, which frame 2 held: every buffer is there
			t.Errorf("%d proposals (frame %d): Detect after Set allocates %d times (%d bytes)", n, i, a, after.TotalAlloc-before.TotalAlloc)
		}
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("%d proposals (frame %d): %d detections (%v), the config edited to %d gives %d (or they differ)", n, i, len(got), err, n, len(want))
		}
		if det.Proposals() != n {
			t.Errorf("%d proposals (frame %d): the box head ran on %d", n, i, det.Proposals())
		}
		counts = append(counts, len(got))
	}
	if counts[0] == counts[2] || counts[1] == counts[2] {
		t.Errorf("detections at 40, 1 and 600 proposals: %v; the case needs them to differ", counts[:3])
	}
	before := det.Config()
	for _, n := range []int{0, -1, rpn.MaxPostNMSTopN + 1} {
		for _, err := range []error{det.Set(detector.WithProposals(n)), func() error { _, err := m.NewDetector(detector.WithProposals(n)); return err }()} {
			if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("proposals: post_nms_top_n %d out of range (1..%d)", n, rpn.MaxPostNMSTopN)) || !strings.Contains(err.Error(), path) {
				t.Errorf("%d proposals: %v", n, err)
			}
		}
	}
	if after := det.Config(); after.RPN.PostNMSTopN != before.RPN.PostNMSTopN {
		t.Errorf("a refused count changed it to %d", after.RPN.PostNMSTopN)
	}
	if got, err := det.Detect(img); err != nil || !slices.Equal(got, edited(600)) {
		t.Errorf("after the refused counts: %d detections (%v), want 600 proposals' again", len(got), err)
	}
}

// TestSecondDetectAllocatesNothing: from the second image of a size on, detection allocates
// nothing, on two threads too, where the trunk runs stages in tiles; the steady-state test warms
// up over several images and missed that the second call grew every tile's other buffer (2.7 MB
// in 3 allocations with the bundled model at 640x480), the tiles' double buffers being taken in
// the order of the call before.
func TestSecondDetectAllocatesNothing(t *testing.T) {
	for _, threads := range []int{1, 2} {
		det, err := detector.Load(demoModel, detector.WithThreads(threads))
		if err != nil {
			t.Fatal(err)
		}
		img := testImage(640, 480)
		if _, err := det.Detect(img); err != nil {
			t.Fatal(err)
		}
		restore := allocstest.Quiet() // (a parked worker's record comes from the runtime's stock)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err = det.Detect(img)
		runtime.ReadMemStats(&after)
		restore() // (before a t.Fatal: the package's later tests run with the collector on)
		if err != nil {
			t.Fatal(err)
		}
		if n := allocstest.Between(&before, &after); n != 0 {
			t.Errorf("%d threads: the second Detect allocates %d times (%d bytes)", threads, n, after.TotalAlloc-before.TotalAlloc)
		}
	}
}

// TestDetectionsForTheCaller: the slice Detect returns ends at its length (a caller's append
// copies instead of writing into the Detector's buffer), and a Detection's JSON has detect's
// names.
func TestDetectionsForTheCaller(t *testing.T) {
	det, err := detector.Load(tinyDetector(t, nil), detector.WithScoreThreshold(0))
	if err != nil {
		t.Fatal(err)
	}
	dets, err := det.Detect(testImage(200, 150))
	if err != nil || len(dets) == 0 {
		t.Fatalf("%d detections, %v", len(dets), err)
	}
	if cap(dets) != len(dets) {
		t.Errorf("capacity %d past the %d detections", cap(dets), len(dets))
	}
	b, err := json.Marshal(detector.Detection{Box: [4]float32{1, 2, 3, 4}, Score: 0.5, CategoryID: 1, Label: "person"})
	if want := `{"bbox":[1,2,3,4],"score":0.5,"category_id":1,"label":"person"}`; err != nil || string(b) != want {
		t.Errorf("JSON %s (%v), want %s", b, err, want)
	}
}

// TestSet: Set changes a Detector's thresholds, classes, resolution and threads between calls,
// each giving what a Detector loaded with the same options gives; with the thresholds or the
// classes changed before every frame (a camera program's slider), Detect allocates nothing; a
// refused Set changes nothing; Set is refused during a call and after Close.
func TestSet(t *testing.T) {
	const path = demoModel
	img := streetPhoto(t)
	det, err := detector.Load(path, detector.WithThreads(1))
	if err != nil {
		t.Fatal(err)
	}
	detectWith := func(opts ...detector.Option) []detector.Detection {
		t.Helper()
		fresh, err := detector.Load(path, opts...)
		if err != nil {
			t.Fatal(err)
		}
		defer fresh.Close()
		got, err := fresh.Detect(img)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	steps := []struct {
		name string
		set  []detector.Option
		all  []detector.Option // every option set so far, for a fresh Detector
	}{
		{"score 0.3", []detector.Option{detector.WithScoreThreshold(0.3)}, []detector.Option{detector.WithScoreThreshold(0.3)}},
		{"NMS 0.3", []detector.Option{detector.WithNMSThreshold(0.3)}, []detector.Option{detector.WithScoreThreshold(0.3), detector.WithNMSThreshold(0.3)}},
		{"person", []detector.Option{detector.WithClasses("person")}, []detector.Option{detector.WithScoreThreshold(0.3), detector.WithNMSThreshold(0.3), detector.WithClasses("person")}},
		{"res 448", []detector.Option{detector.WithResolution(448)}, []detector.Option{detector.WithScoreThreshold(0.3), detector.WithNMSThreshold(0.3), detector.WithClasses("person"), detector.WithResolution(448)}},
		{"2 threads, all classes, score 0.05", []detector.Option{detector.WithThreads(2), detector.WithClasses(), detector.WithScoreThreshold(0.05)}, []detector.Option{detector.WithNMSThreshold(0.3), detector.WithResolution(448)}},
	}
	var prev []detector.Detection
	for _, s := range steps {
		if err := det.Set(s.set...); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		got, err := det.Detect(img)
		if err != nil {
			t.Fatal(err)
		}
		want := detectWith(s.all...)
		if !slices.Equal(got, want) {
			t.Errorf("%s: %d detections, want the %d of a Detector loaded so", s.name, len(got), len(want))
		}
		if slices.Equal(got, prev) {
			t.Errorf("%s: the same %d detections as before it: the case tests nothing", s.name, len(got))
		}
		prev = slices.Clone(got)
	}
	if det.Threads() != 2 || det.Config().ShorterSide != 448 {
		t.Errorf("after Set: %d threads, shorter side %d", det.Threads(), det.Config().ShorterSide)
	}

	// A refused option leaves every setting as it was.
	before := det.Config()
	if err := det.Set(detector.WithScoreThreshold(0.9), detector.WithClasses("dog")); err == nil || !strings.Contains(err.Error(), `"dog"`) {
		t.Errorf("Set with a class the model lacks: %v", err)
	}
	if err := det.Set(detector.WithNMSThreshold(float32(math.NaN()))); err == nil {
		t.Error("Set with a NaN NMS threshold: no error")
	}
	if after := det.Config(); after.RoI.ScoreThresh != before.RoI.ScoreThresh || after.RoI.NMSThresh != before.RoI.NMSThresh {
		t.Errorf("a refused Set changed the config: %+v, was %+v", after.RoI, before.RoI)
	}
	if got, err := det.Detect(img); err != nil || !slices.Equal(got, prev) {
		t.Errorf("after a refused Set: %d detections, %v; want the %d before it", len(got), err, len(prev))
	}

	// With the thresholds or classes changed before every frame, Detect allocates nothing (once
	// its buffers have held the most detections: at score threshold 0).
	one, err := detector.Load(path, detector.WithThreads(1), detector.WithScoreThreshold(0))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := one.Detect(img); err != nil {
		t.Fatal(err)
	}
	for frame, opt := range []detector.Option{detector.WithScoreThreshold(0.5), detector.WithClasses("car"), detector.WithNMSThreshold(0.7), detector.WithClasses(), detector.WithScoreThreshold(0), detector.WithDetectionsPerImage(5), detector.WithDetectionsPerImage(100), detector.WithProposals(50), detector.WithProposals(300), detector.WithScoreThreshold(0.05)} {
		if err := one.Set(opt); err != nil {
			t.Fatal(err)
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := one.Detect(img)
		runtime.ReadMemStats(&after)
		if n := after.Mallocs - before.Mallocs; err != nil || n != 0 {
			t.Errorf("frame %d: Detect after Set allocates %d times (%d bytes), %v", frame, n, after.TotalAlloc-before.TotalAlloc, err)
		}
	}

	release := holdInDetect(det)
	if err := det.Set(detector.WithScoreThreshold(0.5)); !errors.Is(err, detector.ErrBusy) {
		t.Errorf("Set during a call: %v, want ErrBusy", err)
	}
	if err := release(); err != nil {
		t.Fatal(err)
	}
	det.Close()
	if err := det.Set(detector.WithScoreThreshold(0.5)); !errors.Is(err, detector.ErrClosed) {
		t.Errorf("Set after Close: %v, want ErrClosed", err)
	}
}

// TestOverflowIsAnError: weights within the file's bounds (MaxWeight) that still overflow float32
// on an image, through the layers that follow each other (every weight 1e8 here), give
// nn.ErrOverflow, not detections of NaN scores (none, or every score one value).
func TestOverflowIsAnError(t *testing.T) {
	// Every weight; the box branch's only (stage 4, units 12-15 of the tiny trunk, and the box
	// predictor), the RPN's output finite.
	for _, prefixes := range [][]string{{""}, {"features.12.", "features.13.", "features.14.", "features.15.", "roi_heads."}} {
		path := tinyDetector(t, func(cfg *configs.Model, ts []*safetensors.Tensor) []*safetensors.Tensor {
			for _, w := range ts {
				if slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(w.Name, p) }) && strings.HasSuffix(w.Name, ".weight") {
					for i := range w.Data {
						w.Data[i] = 1e8 / float32(1+i%3)
					}
				}
			}
			return ts
		})
		det, err := detector.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err = det.Detect(testImage(64, 48)); !errors.Is(err, nn.ErrOverflow) {
			t.Errorf("weights %q 1e8: %v, want nn.ErrOverflow", prefixes, err)
		}
	}
}

// TestNilAndZeroDetector: a nil *Detector (what Load returns with its error: a program that
// logged the error and went on) and a zero Detector{} give an error from every method that
// returns one, and zero values from the accessors, not a nil-pointer panic inside the package (the package promises no panics on bad
// input; pipeline.Run already refuses a nil Detector with an error).
func TestNilAndZeroDetector(t *testing.T) {
	frame := make([]byte, 64*48*3)
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for name, d := range map[string]*detector.Detector{"nil": nil, "zero": {}} {
		calls := map[string]func() error{
			"Detect":        func() error { _, err := d.Detect(img); return err },
			"DetectContext": func() error { _, err := d.DetectContext(context.Background(), img); return err },
			"DetectBGR":     func() error { _, err := d.DetectBGR(frame, 64, 48, 64*3); return err },
			"DetectRGB":     func() error { _, err := d.DetectRGB(frame, 64, 48, 64*3); return err },
			"DetectBGRContext": func() error {
				_, err := d.DetectBGRContext(context.Background(), frame, 64, 48, 64*3)
				return err
			},
			"DetectRGBContext": func() error {
				_, err := d.DetectRGBContext(context.Background(), frame, 64, 48, 64*3)
				return err
			},
			"Set":   func() error { return d.Set(detector.WithScoreThreshold(0.5)) },
			"Clone": func() error { _, err := d.Clone(); return err },
			"Close": func() error { return d.Close() },
		}
		wantMakeError(t, name+" Detector", "Load", calls)
		func() { // the accessors: zero values, not a nil-pointer panic
			defer func() {
				if p := recover(); p != nil {
					t.Errorf("%s Detector's accessors: panic %v", name, p)
				}
			}()
			if d.Threads() != 0 || d.Closed() || d.Proposals() != 0 || d.Model() != nil || d.Config().RPN.PostNMSTopN != 0 {
				t.Errorf("%s Detector's accessors: %d threads, closed %v, %d proposals, model %v", name, d.Threads(), d.Closed(), d.Proposals(), d.Model())
			}
		}()
	}
}

// wantMakeError calls each of calls: each must return an error naming maker (how to make what
// what is), not panic.
func wantMakeError(t *testing.T, what, maker string, calls map[string]func() error) {
	t.Helper()
	for call, f := range calls {
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Errorf("%s, %s: panic %v", what, call, p)
				}
			}()
			if err := f(); err == nil || !strings.Contains(err.Error(), maker) {
				t.Errorf("%s, %s: %v, want an error saying to make it with %s", what, call, err, maker)
			}
		}()
	}
}

// TestNilAndZeroModel: the methods of a nil *Model (LoadModel's result with its error) and of a
// Model{} built by hand, even with a valid configuration, return an error saying how to make
// one, not a nil-pointer panic.
func TestNilAndZeroModel(t *testing.T) {
	preset, err := configs.Preset("shufflenet-g3-0.25x-300")
	if err != nil {
		t.Fatal(err)
	}
	for name, m := range map[string]*detector.Model{"nil": nil, "zero": {}, "configured by hand": {Config: *preset}} {
		calls := map[string]func() error{
			"NewDetector":    func() error { _, err := m.NewDetector(); return err },
			"DetectorConfig": func() error { _, err := m.DetectorConfig(); return err },
			"Complexity":     func() error { _, err := m.Complexity(320, 320, 10); return err },
		}
		wantMakeError(t, name+" Model", "LoadModel", calls)
	}
}

// TestNoDetectionsIsEmptyNotNil: a frame without detections gives an empty slice whether or not
// the Detector has returned detections before, so that the same frame marshals to the same JSON
// ("[]", as detect's JSON lines have it) on a new Detector and on one that has run.
func TestNoDetectionsIsEmptyNotNil(t *testing.T) {
	det, err := detector.Load(tinyDetector(t, nil), detector.WithScoreThreshold(0.999999), detector.WithThreads(1))
	if err != nil {
		t.Fatal(err)
	}
	frame := make([]byte, 64*48*3)
	for i := range 2 {
		dets, err := det.DetectBGR(frame, 64, 48, 64*3)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(dets)
		if string(b) != "[]" {
			t.Errorf("call %d: %s (nil: %v), want []", i, b, dets == nil)
		}
	}
}

// overBudget builds, as name, a 2x model whose RPN has 4096 channels at a 4096-pixel input: its
// largest frame costs 2.51 T multiply-adds, over MaxFrameMACs.
func overBudget(t *testing.T, name string) *detector.Model {
	t.Helper()
	heavy, err := configs.Preset("shufflenet-g3-2.0x-300")
	if err != nil {
		t.Fatal(err)
	}
	heavy.Detector.RPN.Channels = 4096
	heavy.Detector.ShorterSide, heavy.Detector.MaxLongerSide = 4096, 4096
	m, err := detector.Build(name, *heavy, testmodel.NewRecorder(1))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestFrameCostBounded: a configuration whose largest frame costs more than MaxFrameMACs (a 2x
// model file's RPN of 4096 channels at a 4096-pixel input: 2.51 T multiply-adds) is refused when a
// Detector is made, naming the cost and the model, quoted; a 2x detector at 600 with the 10,000 proposals the RoI head
// takes at most (1.31 T) is not.
func TestFrameCostBounded(t *testing.T) {
	// (a name with a newline: quoted, as every message naming the model quotes it)
	m := overBudget(t, "hea\nvy.bin")
	if _, err := m.NewDetector(); err == nil || !strings.Contains(err.Error(), `model "hea\nvy.bin": a 4096x4096 input with 300 proposals costs 2.51 T multiply-adds a frame`) {
		t.Errorf("an RPN of 4096 channels at 4096: %v", err)
	}
	if _, err := m.NewDetector(detector.WithProposals(1)); err == nil || !strings.Contains(err.Error(), `a 4096x4096 input with 1 proposal costs 2.4`) {
		t.Errorf("an RPN of 4096 channels at 4096, 1 proposal: %v", err)
	}
	wide, err := configs.Preset("shufflenet-g3-2.0x-600")
	if err != nil {
		t.Fatal(err)
	}
	wide.Detector.RPN.PostNMSTopN = 10000
	if m, err = detector.Build("wide.bin", *wide, testmodel.NewRecorder(1)); err != nil {
		t.Fatal(err)
	}
	if _, err := m.NewDetector(); err != nil {
		t.Errorf("2x at 600 with 10,000 proposals: %v", err)
	}
	d := wide.Detector
	h, w, err := d.NetworkInput(d.ShorterSide, d.MaxLongerSide)
	if err != nil {
		t.Fatal(err)
	}
	if cx, err := m.Complexity(h, w, d.RPN.PostNMSTopN); err != nil || !(math.Abs(float64(cx.MACs)/1.31e12-1) <= 0.005) {
		t.Errorf("2x at 600 with 10,000 proposals: %v multiply-adds (%v), MaxFrameMACs' doc says 1.31 T", cx.MACs, err)
	}
}

// TestDetectorConfig: DetectorConfig gives the configuration NewDetector runs with the same
// options, leaving the Model's own alone, and refuses what NewDetector refuses, MaxFrameMACs
// included, with its message (detect info reports on the one, detect runs the other).
func TestDetectorConfig(t *testing.T) {
	m := overBudget(t, "heavy.bin")
	for _, opts := range [][]detector.Option{nil, {detector.WithProposals(30)}, {detector.WithProposals(1), detector.WithThreads(1)}} {
		_, err := m.DetectorConfig(opts...)
		_, derr := m.NewDetector(opts...)
		if err == nil || derr == nil || err.Error() != derr.Error() || !strings.Contains(err.Error(), "multiply-adds a frame") {
			t.Errorf("%d options: DetectorConfig: %v; NewDetector: %v; want the same frame cost error", len(opts), err, derr)
		}
	}
	small, err := configs.Preset("shufflenet-g3-0.25x-300")
	if err != nil {
		t.Fatal(err)
	}
	if m, err = detector.Build("small.bin", *small, testmodel.NewRecorder(1)); err != nil {
		t.Fatal(err)
	}
	opts := []detector.Option{detector.WithResolution(448), detector.WithProposals(7), detector.WithScoreThreshold(0.5), detector.WithThreads(1)}
	got, err := m.DetectorConfig(opts...)
	if err != nil {
		t.Fatal(err)
	}
	det, err := m.NewDetector(opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer det.Close()
	if want := det.Config(); !reflect.DeepEqual(got, want) || got.ShorterSide != 448 || got.RPN.PostNMSTopN != 7 {
		t.Errorf("DetectorConfig: %+v\nNewDetector's: %+v", got, want)
	}
	if d := m.Config.Detector; d.ShorterSide != 300 || d.RPN.PostNMSTopN != 300 {
		t.Errorf("the Model's own configuration changed: shorter side %d, %d proposals", d.ShorterSide, d.RPN.PostNMSTopN)
	}
	if _, err := m.DetectorConfig(detector.WithProposals(0)); err == nil || !strings.Contains(err.Error(), "model small.bin: proposals: ") {
		t.Errorf("WithProposals(0): %v", err)
	}
}
