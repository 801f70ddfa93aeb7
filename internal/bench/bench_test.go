package bench

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/shuffledet/shuffledet/backbone/shufflenet"
	"github.com/shuffledet/shuffledet/configs"
	"github.com/shuffledet/shuffledet/internal/testmodel"
	"github.com/shuffledet/shuffledet/modelfile"
)

func TestMedianPercentile(t *testing.T) {
	for _, c := range []struct {
		v           []float64
		median, p90 float64
	}{
		{[]float64{5}, 5, 5},
		{[]float64{1, 3}, 2, 3},
		{[]float64{1, 2, 3}, 2, 3},
		{[]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 5.5, 9},
		{[]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 6, 10},
	} {
		if got := Median(c.v); got != c.median {
			t.Errorf("Median(%v) = %g, want %g", c.v, got, c.median)
		}
		if got := Percentile(c.v, 90); got != c.p90 {
			t.Errorf("Percentile(%v, 90) = %g, want %g", c.v, got, c.p90)
		}
	}
	// The rank is ceil(p% of n) exactly, where p/100*n in floating point lands just above a whole
	// number (99.9% of 1000 is the 999th value; 0.9% of 1000 the 9th).
	thousand := make([]float64, 1000)
	for i := range thousand {
		thousand[i] = float64(i + 1)
	}
	for _, c := range [][2]float64{{99.9, 999}, {0.9, 9}, {90, 900}, {100, 1000}, {0.01, 1}, {99.95, 1000}} {
		if got := Percentile(thousand, c[0]); got != c[1] {
			t.Errorf("Percentile(1..1000, %g) = %g, want %g", c[0], got, c[1])
		}
	}
	if !math.IsNaN(Median(nil)) || !math.IsNaN(Percentile(nil, 50)) || !math.IsNaN(Percentile([]float64{1}, 0)) || !math.IsNaN(Percentile([]float64{1}, math.NaN())) {
		t.Error("empty input or p outside (0, 100] gives a number")
	}
}

func TestMeasure(t *testing.T) {
	n := 0
	c := Case{Name: "count", MACs: 3e9, Threads: 1, Run: func() error { n++; return nil }}
	r, err := Measure(c, 7, 2)
	if err != nil {
		t.Fatal(err)
	}
	if n != 9 || r.Runs != 7 || r.Warmup != 2 || r.Case != "count" || r.Threads != 1 || r.GFLOPs != 6 || r.MACs != 3e9 {
		t.Errorf("%d calls, result %+v", n, r)
	}
	if len(r.TimesMS) != 7 || slices.Min(r.TimesMS) != r.MinMS {
		t.Errorf("times %v, min %g", r.TimesMS, r.MinMS)
	}
	if !(r.MinMS >= 0 && r.MinMS <= r.MedianMS && r.MedianMS <= r.P90MS) {
		t.Errorf("min %g, median %g, p90 %g out of order", r.MinMS, r.MedianMS, r.P90MS)
	}
	if !(r.PeakRSSMB > 1) {
		t.Errorf("peak RSS %g MiB", r.PeakRSSMB)
	}
	if r.CPUs != runtime.NumCPU() || r.GOMAXPROCS != runtime.GOMAXPROCS(0) {
		t.Errorf("%d CPUs, GOMAXPROCS %d; want %d and %d", r.CPUs, r.GOMAXPROCS, runtime.NumCPU(), runtime.GOMAXPROCS(0))
	}
	boom := errors.New("boom")
	calls := 0
	c.Run = func() error {
		calls++
		if calls == 3 {
			return boom
		}
		return nil
	}
	if _, err := Measure(c, 5, 1); !errors.Is(err, boom) || calls != 3 {
		t.Errorf("error %v after %d calls, want boom after 3", err, calls)
	}
	for _, bad := range [][2]int{{0, 1}, {1, -1}, {MaxRuns + 1, 0}, {1, MaxRuns + 1}} {
		if _, err := Measure(c, bad[0], bad[1]); err == nil {
			t.Errorf("%d runs, %d warm-up accepted", bad[0], bad[1])
		}
	}
	// A case that made a run already (a detector's first frame): it is one of the warm-up runs,
	// and -warmup 0 reports it (it said 0, with one untimed run made).
	for _, w := range [][3]int{{0, 1, 4}, {1, 1, 4}, {3, 3, 6}} { // warmup asked, reported, calls
		n := 0
		c := Case{Name: "ran", Threads: 1, Run: func() error { n++; return nil }, Ran: 1}
		if r, err := Measure(c, 4, w[0]); err != nil || r.Warmup != w[1] || n != w[2] {
			t.Errorf("-warmup %d of a case that ran once: %d calls, warmup %d, %v; want %d calls, warmup %d", w[0], n, r.Warmup, err, w[2], w[1])
		}
	}
}

func TestPeakRSS(t *testing.T) {
	before, err := PeakRSS()
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 64<<20)
	for i := range b {
		b[i] = byte(i)
	}
	after, err := PeakRSS()
	if err != nil {
		t.Fatal(err)
	}
	if !(after >= before && after >= 64<<20) { // a high-water mark, now above the 64 MiB held
		t.Errorf("peak RSS %d then %d bytes after touching 64 MiB", before, after)
	}
	_ = b[len(b)-1]
	file, err := FileRSS()
	if err != nil {
		t.Fatal(err)
	}
	if !(file > 0 && file < after) { // the test binary's own pages at least; never all of it
		t.Errorf("file-backed RSS %d bytes of a peak of %d", file, after)
	}
}

func TestFrame(t *testing.T) {
	f := Frame(5, 3)
	if len(f) != 45 {
		t.Fatalf("len %d", len(f))
	}
	// pixel (x=4, y=2): 16 + 12 + 8 = 36; channels 36, 121, 206
	if got := f[3*(2*5+4):][:3]; got[0] != 36 || got[1] != 121 || got[2] != 206 {
		t.Errorf("pixel (4, 2) = %v", got)
	}
}

func TestArch(t *testing.T) {
	c, err := Arch("shufflenet-g3-0.5x", Options{InputH: 64, InputW: 96})
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ := shufflenet.ParseName("shufflenet-g3-0.5x")
	if want := cfg.Complexity(64, 96).MACs; c.MACs != want || !strings.Contains(c.Name, "classifier, 64x96") {
		t.Errorf("%q: %d multiply-adds, want %d", c.Name, c.MACs, want)
	}
	r, err := Measure(c, 3, 1)
	if err != nil || !(r.MedianMS > 0) || !(r.GFLOPPerS > 0) {
		t.Fatalf("%+v, %v", r, err)
	}
	s3, err := Arch("shufflenet-g3-0.5x", Options{InputH: 64, InputW: 96, Stage: shufflenet.Stage3})
	if err != nil {
		t.Fatal(err)
	}
	var want int64
	for _, s := range cfg.Complexity(64, 96).Stages[:3] { // conv1, stage2, stage3
		want += s.MACs
	}
	if s3.MACs != want || s3.Run() != nil {
		t.Errorf("to stage 3: %d multiply-adds, want %d", s3.MACs, want)
	}
	for _, bad := range []struct {
		arch               string
		stage, thread, res int
		msg                string
	}{
		{"shufflenet-g5-1.0x", Classify, 1, 0, "groups 5"},
		{"shufflenet-g3-1.0x", 5, 1, 0, "stage 5"},
		{"shufflenet-g3-1.0x", Classify, 1, 300, "resolution (300)"},
		{"shufflenet-g3-1.0x", Classify, -1, 0, "-1 threads"},
		{"shufflenet-g3-1.0x", Classify, 100000, 0, "100000 threads: want 1 to 1024"},
	} {
		if _, err := Arch(bad.arch, Options{Stage: bad.stage, Threads: bad.thread, Resolution: bad.res}); err == nil || !strings.Contains(err.Error(), bad.msg) {
			t.Errorf("%+v: error %v", bad, err)
		}
	}
	if c, err := Arch("shufflenet-g3-0.25x", Options{InputH: 64, InputW: 64, Threads: 2}); err != nil || c.Threads != 2 || c.Run() != nil {
		t.Errorf("on 2 threads: %+v, %v", c, err)
	}
}

func TestModelFiles(t *testing.T) {
	dir := t.TempDir()
	cls := shufflenet.Config{Groups: 3, Width: 0.25, Shuffle: true, NumClasses: 10}
	ts, err := testmodel.Backbone(cls, 1)
	if err != nil {
		t.Fatal(err)
	}
	clsPath := filepath.Join(dir, "cls.bin")
	if err := modelfile.Write(clsPath, configs.Model{Version: 1, Backbone: cls}, ts); err != nil {
		t.Fatal(err)
	}
	c, err := Model(clsPath, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c.MACs != cls.Complexity(224, 224).MACs || c.Run() != nil || !strings.Contains(c.Name, clsPath) {
		t.Errorf("classifier file: %+v", c)
	}
	// Only the settings given are named (a 0 is the file's own, not one the user gave).
	for _, c := range []struct {
		o    Options
		want string
	}{
		{Options{Resolution: 300}, ": a resolution (300) applies to a detector file, not to a shufflenet-g3-0.25x classifier"},
		{Options{Proposals: 50}, ": a proposal count (50) applies to a detector file, not to a shufflenet-g3-0.25x classifier"},
		{Options{Resolution: 300, Proposals: 50}, ": a resolution (300) and a proposal count (50) apply to a detector file"},
	} {
		if _, err := Model(clsPath, c.o); err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "(0)") {
			t.Errorf("%+v on a classifier: %v, want %q", c.o, err, c.want)
		}
		if _, err := Arch("shufflenet-g3-0.25x", c.o); err == nil || !strings.Contains(err.Error(), "to a detector file, not to an architecture") || strings.Contains(err.Error(), "(0)") {
			t.Errorf("%+v on an architecture: %v", c.o, err)
		}
	}
	// A file name with a newline is quoted (internal/quote), not split over two lines.
	nlPath := filepath.Join(dir, "cls\n.bin")
	if err := os.Link(clsPath, nlPath); err != nil {
		t.Fatal(err)
	}
	if _, err := Model(nlPath, Options{Proposals: 50}); err == nil || !strings.Contains(err.Error(), "model "+strconv.Quote(nlPath)+": ") {
		t.Errorf("proposals on %q: %v", nlPath, err)
	}

	cfg, ts, err := testmodel.Detector("shufflenet-g3-0.5x-300", 1)
	if err != nil {
		t.Fatal(err)
	}
	detPath := filepath.Join(dir, "det.bin")
	if err := modelfile.Write(detPath, *cfg, ts); err != nil {
		t.Fatal(err)
	}
	d, err := Model(detPath, Options{FrameW: 160, FrameH: 120, InputH: 99}) // a 160x120 frame -> 300x400 at 300
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(d.Name, "detector at 300, 160x120 frame (network input 320x416 HxW") {
		t.Errorf("detector case %q", d.Name)
	}
	if d0, err := Model(detPath, Options{}); err != nil || !strings.Contains(d0.Name, "640x480 frame (network input 320x416 HxW") {
		t.Errorf("default frame: %v", err)
	}
	if r, err := Measure(d, 1, 1); err != nil || !(r.GFLOPs > 1) {
		t.Errorf("%+v, %v", r, err)
	}
	if _, err := Model(detPath, Options{FrameW: 1 << 20, FrameH: 10}); err == nil || !strings.Contains(err.Error(), "frame 1048576x10") {
		t.Errorf("huge frame: %v", err)
	}
	if _, err := Arch("shufflenet-g3-0.5x", Options{InputH: 0, InputW: 64}); err == nil || !strings.Contains(err.Error(), "input 0x64") {
		t.Errorf("empty input: %v", err)
	}
	d6, err := Model(detPath, Options{FrameW: 160, FrameH: 120, Resolution: 600})
	if err != nil || !strings.Contains(d6.Name, "detector at 600") || !(d6.MACs > d.MACs) {
		t.Errorf("at 600: %q, %d vs %d multiply-adds at 300, %v", d6.Name, d6.MACs, d.MACs, err)
	}
	// At 32 the 2x4 feature map has 120 anchors: the box head is counted at the proposals the
	// frame gives, not at post_nms_top_n's 300 (which claimed several times the machine's peak).
	small, err := Model(detPath, Options{FrameW: 640, FrameH: 480, Resolution: 32})
	if err != nil || strings.Contains(small.Name, "counted at 300 proposals") || !strings.Contains(small.Name, "network input 32x64") {
		t.Errorf("at 32: %q, %v", small.Name, err)
	}
	for _, bad := range []struct {
		path                string
		res, stage, threads int
		msg                 string
	}{
		{detPath, 0, shufflenet.Stage3, 1, "is a detector, which runs whole: -stage 3 applies only"},
		{detPath, 5000, Classify, 1, "resolution 5000 out of range"},
		{detPath, 0, Classify, -4, "-4 threads"},
		{filepath.Join(dir, "missing.bin"), 0, Classify, 1, "missing.bin"},
	} {
		if _, err := Model(bad.path, Options{Resolution: bad.res, Stage: bad.stage, Threads: bad.threads}); err == nil || !strings.Contains(err.Error(), bad.msg) {
			t.Errorf("%+v: error %v", bad, err)
		}
	}
}
