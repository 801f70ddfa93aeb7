package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/shuffledet/shuffledet/backbone/shufflenet"
	"github.com/shuffledet/shuffledet/configs"
	"github.com/shuffledet/shuffledet/detector"
	"github.com/shuffledet/shuffledet/internal/bench"
	"github.com/shuffledet/shuffledet/internal/kernels"
	"github.com/shuffledet/shuffledet/internal/testmodel"
	"github.com/shuffledet/shuffledet/modelfile"
	"github.com/shuffledet/shuffledet/parallel"
)

func TestBench(t *testing.T) {
	type result struct {
		Case       string    `json:"case"`
		Runs       int       `json:"runs"`
		Warmup     int       `json:"warmup"`
		MedianMS   float64   `json:"median_ms"`
		P90MS      float64   `json:"p90_ms"`
		MinMS      float64   `json:"min_ms"`
		MACs       int64     `json:"macs"`
		GFLOPs     float64   `json:"gflops"`
		GFLOPPerS  float64   `json:"gflop_per_s"`
		Threads    int       `json:"threads"`
		CPUs       int       `json:"cpus"`
		GOMAXPROCS int       `json:"gomaxprocs"`
		ISA        string    `json:"isa"`
		PeakRSSMB  float64   `json:"peak_rss_mb"`
		FileRSSMB  float64   `json:"file_rss_mb"`
		TimesMS    []float64 `json:"times_ms"`
	}
	decode := func(out string) result {
		t.Helper()
		dec := json.NewDecoder(strings.NewReader(out))
		dec.DisallowUnknownFields()
		var r result
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("%v in %s", err, out)
		}
		return r
	}
	out, _, err := run(t, "bench", "-arch", "shufflenet-g3-0.5x", "-size", "96x64", "-n", "3", "-warmup", "1", "-json")
	if err != nil {
		t.Fatal(err)
	}
	r := decode(out)
	if r.Runs != 3 || len(r.TimesMS) != 3 || r.Warmup != 1 || r.Threads != 1 || r.CPUs != runtime.NumCPU() || r.GOMAXPROCS != runtime.GOMAXPROCS(0) || r.ISA != kernels.ISA() || !(r.MedianMS > 0 && r.MedianMS <= r.P90MS) || !(r.GFLOPs > 0.005) || !(r.PeakRSSMB > 1) ||
		!(r.FileRSSMB > 0 && r.FileRSSMB < r.PeakRSSMB) || !strings.Contains(r.Case, "shufflenet-g3-0.5x classifier, 96x64 input") {
		t.Errorf("%+v", r)
	}

	cfg, ts, err := testmodel.Detector("shufflenet-g3-0.25x-300", 3)
	if err != nil {
		t.Fatal(err)
	}
	model := filepath.Join(t.TempDir(), "tiny.bin")
	if err := modelfile.Write(model, *cfg, ts); err != nil {
		t.Fatal(err)
	}
	out, _, err = run(t, "bench", "-model", model, "-size", "320x240", "-n", "1", "-warmup", "0", "-json")
	if err != nil {
		t.Fatal(err)
	}
	if r := decode(out); r.Runs != 1 || !strings.Contains(r.Case, "detector at 300, 320x240 frame (network input 320x416 HxW") {
		t.Errorf("%+v", r)
	}
	out, _, err = run(t, "bench", "-model", model, "-size", "320x240", "-proposals", "7", "-n", "1", "-warmup", "0", "-json")
	if err != nil {
		t.Fatal(err)
	}
	if r := decode(out); !strings.Contains(r.Case, "box head counted at 7 proposals") {
		t.Errorf("-proposals 7: %+v", r)
	}
	text, _, err := run(t, "bench", "-arch", "shufflenet-g3-0.25x", "-size", "64x64", "-stage", "3", "-n", "1")
	if err != nil || !strings.Contains(text, "to stage 3") || !strings.Contains(text, "median") {
		t.Errorf("text output: %v\n%s", err, text)
	}
	for _, bad := range []struct {
		args []string
		msg  string
	}{
		{[]string{"bench"}, "give -arch NAME or -model FILE"},
		{[]string{"bench", "-arch", "shufflenet-g3-1.0x", "-model", model}, "not both"},
		{[]string{"bench", "-arch", "shufflenet-g3-1.0x", "-threads", "-2"}, "-threads -2"},
		{[]string{"bench", "-arch", "shufflenet-g3-1.0x", "-threads", "0"}, "-threads 0"},
		{[]string{"bench", "-arch", "shufflenet-g3-1.0x", "-threads", fmt.Sprint(parallel.Budget() + 1)}, fmt.Sprintf("-threads %d: %d threads, more than %d", parallel.Budget()+1, parallel.Budget()+1, parallel.Budget())},
		{[]string{"bench", "-arch", "shufflenet-g3-1.0x", "-size", "1x1"}, "size"},
		{[]string{"bench", "-arch", "shufflenet-g3-0.5x", "x", "-n", "1", "-json"}, `bench: "x" is not a flag, and bench takes no other arguments (the flags after it were not read)`},
		{[]string{"info", "-model", model, "x", "-json"}, `info: "x" is not a flag`},
		{[]string{"info", "-arch", "shufflenet-g3-0.5x", "-res", "300"}, "info: -res goes with -model"},
		// detect's flags before the command were dropped without a word (the cost at the model's resolution, 1 thread)
		{[]string{"-res", "600", "info", "-model", model}, "info: -res is given before info, where it is detect's own flag, not info's: give info's flags after it (detect info -FLAG VALUE ...)"},
		{[]string{"-model", model, "info"}, "info: -model is given before info"},
		{[]string{"-threads", "2", "bench", "-arch", "shufflenet-g3-0.25x", "-n", "1"}, "bench: -threads is given before bench"},
		{[]string{"bench", "-arch", "shufflenet-g3-1.0x", "-n", "0"}, "bench: -n 0: want 1 to 1000000 timed runs"},
		{[]string{"bench", "-arch", "shufflenet-g3-1.0x", "-n", "-3"}, "bench: -n -3: want 1 to 1000000 timed runs"},
		{[]string{"bench", "-arch", "shufflenet-g3-1.0x", "-n", "1000001"}, "bench: -n 1000001: want 1 to 1000000 timed runs"},
		{[]string{"bench", "-arch", "shufflenet-g3-1.0x", "-n", "1", "-warmup", "-1"}, "bench: -warmup -1: want 0 to 1000000 untimed runs"},
		{[]string{"bench", "-arch", "shufflenet-g3-1.0x", "-warmup", "1000001"}, "bench: -warmup 1000001: want 0 to 1000000 untimed runs"},
		// Checked before the case is made (a detector's first frame, a -size input filled): the
		// model is not read at all.
		{[]string{"bench", "-model", model + ".missing", "-n", "0"}, "bench: -n 0: want"},
		{[]string{"bench", "-model", model + ".missing", "-warmup", "-1"}, "bench: -warmup -1: want"},
		{[]string{"bench", "-model", model, "-stage", "3"}, "is a detector, which runs whole: -stage 3 applies only"},
		{[]string{"bench", "-model", model, "-stage", "0"}, "bench: -stage 0: want 2, 3 or 4 (without -stage, the whole classifier)"},
		{[]string{"bench", "-arch", "shufflenet-g3-0.5x", "-stage", "0"}, "bench: -stage 0: want 2, 3 or 4"},
		{[]string{"bench", "-arch", "shufflenet-g3-0.5x", "-stage", "5"}, "bench: -stage 5: want 2, 3 or 4"},
		{[]string{"bench", "-model", model, "-proposals", "0"}, "bench: -proposals 0: the RPN's proposals a frame, 1 to 10000"},
		{[]string{"bench", "-arch", "shufflenet-g3-0.5x", "-proposals", "50"}, "a proposal count (50) applies to a detector file"},
		{[]string{"bench", "-model", model + ".missing"}, ".missing"},
	} {
		if _, _, err := run(t, bad.args...); err == nil || !strings.Contains(err.Error(), bad.msg) {
			t.Errorf("%v: error %v, want one naming %q", bad.args, err, bad.msg)
		}
	}
}

func TestBenchISAEnv(t *testing.T) {
	bin := detectBinary(t)
	// A cap the machine has: bench runs on it and says so.
	cmd := exec.Command(bin, "bench", "-arch", "shufflenet-g3-0.25x", "-size", "64x64", "-n", "1", "-warmup", "0", "-json")
	cmd.Env = append(os.Environ(), kernels.ISAEnv+"=generic")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s=generic: %v", kernels.ISAEnv, err)
	}
	var r bench.Result
	if err := json.Unmarshal(out, &r); err != nil || r.ISA != "generic" {
		t.Errorf("%s=generic: isa %q (%v) in %s", kernels.ISAEnv, r.ISA, err, out)
	}
	// A value that names no instruction set is refused, by name.
	cmd = exec.Command(bin, "bench", "-arch", "shufflenet-g3-0.25x", "-n", "1")
	cmd.Env = append(os.Environ(), kernels.ISAEnv+"=avx3")
	out, err = cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), kernels.ISAEnv+`="avx3"`) {
		t.Errorf("%s=avx3: %v\n%s", kernels.ISAEnv, err, out)
	}
}

// TestInfoModelFile: info -model prints a classifier file's cost as -arch does for its
// architecture and class count (-size its input, HxW), and refuses -res and -proposals for it;
// a detector file's box head is counted at -proposals (the model's own count by default).
func TestInfoModelFile(t *testing.T) {
	dir := t.TempDir()
	cfg, err := shufflenet.ParseName("shufflenet-g3-0.25x")
	if err != nil {
		t.Fatal(err)
	}
	cfg.NumClasses = 10
	ts, err := testmodel.Backbone(cfg, 5)
	if err != nil {
		t.Fatal(err)
	}
	classifier := filepath.Join(dir, "classifier.bin")
	if err := modelfile.Write(classifier, configs.Model{Version: 1, Backbone: cfg}, ts); err != nil {
		t.Fatal(err)
	}
	for _, size := range []string{"", "96x64"} {
		args, arch := []string{"info", "-model", classifier}, []string{"info", "-arch", "shufflenet-g3-0.25x", "-classes", "10"}
		if size != "" {
			args, arch = append(args, "-size", size), append(arch, "-size", size)
		}
		got, _, err := run(t, args...)
		want, _, werr := run(t, arch...)
		if err != nil || werr != nil || got != want || !strings.Contains(got, "shufflenet-g3-0.25x") {
			t.Errorf("%v: %v\n%s\nwant (%v, %v):\n%s", args, err, got, arch, werr, want)
		}
	}
	for _, flag := range []string{"-res", "-proposals"} {
		if _, _, err := run(t, "info", "-model", classifier, flag, "300"); err == nil || !strings.Contains(err.Error(), "classifier.bin: a shufflenet-g3-0.25x classifier has no detector resolution nor proposals") {
			t.Errorf("info -model classifier %s 300: %v", flag, err)
		}
	}

	dcfg, dts, err := testmodel.Detector("shufflenet-g3-0.25x-300", 3)
	if err != nil {
		t.Fatal(err)
	}
	det := filepath.Join(dir, "detector.bin")
	if err := modelfile.Write(det, *dcfg, dts); err != nil {
		t.Fatal(err)
	}
	boxHead := func(args ...string) (proposals int, macs int64) {
		t.Helper()
		out, _, err := run(t, append([]string{"info", "-model", det, "-json"}, args...)...)
		var r struct {
			Complexity struct {
				Proposals int `json:"proposals"`
				BoxHead   struct {
					MACs int64 `json:"macs"`
				} `json:"box_head"`
			} `json:"complexity"`
		}
		if err != nil || json.Unmarshal([]byte(out), &r) != nil {
			t.Fatalf("info %v: %v\n%s", args, err, out)
		}
		return r.Complexity.Proposals, r.Complexity.BoxHead.MACs
	}
	n0, m0 := boxHead()
	n1, m1 := boxHead("-proposals", "7")
	n2, m2 := boxHead("-proposals", fmt.Sprint(n0))
	if n0 != dcfg.Detector.RPN.PostNMSTopN || n1 != 7 || !(m1 > 0 && m1 < m0) || n2 != n0 || m2 != m0 {
		t.Errorf("box head: %d proposals %d MACs by default, -proposals 7: %d %d, -proposals %d: %d %d", n0, m0, n1, m1, n0, n2, m2)
	}
	if _, _, err := run(t, "info", "-model", det, "-proposals", "0"); err == nil || !strings.Contains(err.Error(), "info: -proposals 0: the RPN's proposals a frame, 1 to 10000") {
		t.Errorf("info -proposals 0: %v", err)
	}
	if _, _, err := run(t, "info", "-arch", "shufflenet-g3-0.25x", "-proposals", "7"); err == nil || !strings.Contains(err.Error(), "-proposals goes with a detector's -model") {
		t.Errorf("info -arch -proposals: %v", err)
	}
}

// TestInfoRefusesWhatDetectRefuses: info -model counts a detector's cost only at a setting that
// detect and detect bench run (detector.Model.DetectorConfig, which checks the configuration's
// limits and MaxFrameMACs as NewDetector does): at -proposals 10000 a model of 101 classes passes
// configs.MaxClassNMS, and info refuses it with their message, where it printed a cost.
func TestInfoRefusesWhatDetectRefuses(t *testing.T) {
	path := detectorWithClasses(t, 101)
	const want = "post_nms_top_n 10000^2 x 101 classes = 10100000000, more than 10000000000"
	_, _, ierr := run(t, "info", "-model", path, "-proposals", "10000")
	_, _, berr := run(t, "bench", "-model", path, "-proposals", "10000", "-n", "1", "-warmup", "0")
	_, _, derr := run(t, "-model", path, "-proposals", "10000", "-threads", "1", "../../testdata/images/000000010363.jpg")
	if ierr == nil || berr == nil || derr == nil || !strings.Contains(ierr.Error(), want) ||
		ierr.Error() != "info: "+berr.Error() || !strings.Contains(derr.Error(), berr.Error()) {
		t.Errorf("-proposals 10000 on 101 classes: info %v\nbench %v\ndetect %v\nwant each to refuse it (%s)", ierr, berr, derr, want)
	}
	// Just within the limit (9950^2 x 101 < 10^10): info counts it.
	if out, _, err := run(t, "info", "-model", path, "-proposals", "9950"); err != nil || !strings.Contains(out, "with 9950 proposals") {
		t.Errorf("info -proposals 9950: %v\n%s", err, out)
	}
}

// TestOneProposalOneClass: a count of 1 takes the singular: info of a one-class detector at
// -proposals 1, and bench's case name, thread count and run count at -threads 1 -n 1 (they
// printed "1 classes", "1 proposals", "1 thread(s)" and "1 runs").
func TestOneProposalOneClass(t *testing.T) {
	path := detectorWithClasses(t, 1)
	out, _, err := run(t, "info", "-model", path, "-proposals", "1")
	if err != nil || !strings.Contains(out, "Faster R-CNN, 1 class, shorter side 300") || !strings.Contains(out, "network input, with 1 proposal (the RPN's most") {
		t.Errorf("info -proposals 1: %v\n%s", err, out)
	}
	out, _, err = run(t, "bench", "-model", path, "-size", "320x240", "-proposals", "1", "-threads", "1", "-n", "1", "-warmup", "0") // (-warmup 0: a detector's first frame, which counted its proposals, is the one)
	if err != nil || !strings.Contains(out, "box head counted at 1 proposal; ") || !strings.Contains(out, "\n  1 thread, ") || !strings.Contains(out, ", 1 run after 1 warm-up: median") {
		t.Errorf("bench -proposals 1: %v\n%s", err, out)
	}
}

// detectorWithClasses writes a random 0.25x detector at 300 with n classes and returns its path.
func detectorWithClasses(t *testing.T, n int) string {
	t.Helper()
	cfg, err := configs.Preset("shufflenet-g3-0.25x-300")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Detector.Classes = nil
	for i := 1; i <= n; i++ {
		cfg.Detector.Classes = append(cfg.Detector.Classes, configs.Class{ID: i, Name: fmt.Sprint("class", i)})
	}
	r := testmodel.NewRecorder(1)
	if _, err := detector.Build("detector", *cfg, r); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), fmt.Sprintf("classes%d.bin", n))
	if err := modelfile.Write(path, *cfg, r.Tensors()); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestBenchThreads: bench's line of a run says "1 thread" and "2 threads", not "thread(s)".
func TestBenchThreads(t *testing.T) {
	for n, want := range map[int]string{1: "\n  1 thread, avx2, 3 runs after", 2: "\n  2 threads, avx2, 3 runs after"} {
		var b strings.Builder
		printBench(&b, bench.Result{Case: "case", Threads: n, ISA: "avx2", Runs: 3})
		if !strings.Contains(b.String(), want) {
			t.Errorf("-threads %d: %q, want %q in it", n, b.String(), want)
		}
	}
}

// TestBenchThreadsTakingTurns: where -threads is more than the CPUs, or than GOMAXPROCS (the
// variable, a container's CPU quota), the threads take turns, and bench says so: its text beside
// the thread count, -json in cpus and gomaxprocs and a note on standard error. It printed "2
// threads" for runs that GOMAXPROCS=1 (or taskset -c 0) left on one core, at one thread's times.
func TestBenchThreadsTakingTurns(t *testing.T) {
	for _, c := range []struct {
		r    bench.Result
		want string
	}{
		{bench.Result{Threads: 2, CPUs: 2, GOMAXPROCS: 2}, "\n  2 threads, avx2, "},
		{bench.Result{Threads: 3, CPUs: 2, GOMAXPROCS: 2}, "\n  3 threads (at most 2 at once: 2 CPUs), avx2, "},
		{bench.Result{Threads: 2, CPUs: 4, GOMAXPROCS: 1}, "\n  2 threads (at most 1 at once: GOMAXPROCS 1 of 4 CPUs), avx2, "},
		{bench.Result{Threads: 2, CPUs: 1, GOMAXPROCS: 1}, "\n  2 threads (at most 1 at once: 1 CPU), avx2, "},
		{bench.Result{Threads: 4, CPUs: 8, GOMAXPROCS: 4}, "\n  4 threads, avx2, "},
		{bench.Result{Threads: 2}, "\n  2 threads, avx2, "}, // (not known)
	} {
		c.r.Case, c.r.ISA, c.r.Runs = "case", "avx2", 3
		var b strings.Builder
		if err := printBench(&b, c.r); err != nil || !strings.Contains(b.String(), c.want) {
			t.Errorf("%+v: %q (%v), want %q in it", c.r, b.String(), err, c.want)
		}
	}

	bin := detectBinary(t)
	args := []string{"bench", "-arch", "shufflenet-g3-0.25x", "-size", "64x64", "-threads", "2", "-n", "1", "-warmup", "0"}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
	out, err := cmd.Output()
	if err != nil || !strings.Contains(string(out), "\n  2 threads (at most 1 at once: ") {
		t.Errorf("GOMAXPROCS=1 bench -threads 2: %v\n%s", err, out)
	}
	var stderr bytes.Buffer
	cmd = exec.Command(bin, append(args, "-json")...)
	cmd.Env, cmd.Stderr = append(os.Environ(), "GOMAXPROCS=1"), &stderr
	out, err = cmd.Output()
	var r bench.Result
	if err != nil || json.Unmarshal(out, &r) != nil || r.Threads != 2 || r.GOMAXPROCS != 1 || r.CPUs != runtime.NumCPU() ||
		!strings.Contains(stderr.String(), "detect: bench: note: -threads 2, at most 1 at once: ") {
		t.Errorf("GOMAXPROCS=1 bench -threads 2 -json: %v\n%s\nstderr: %s", err, out, stderr.String())
	}
}

// fullWriter fails every write, as standard output on a full disk or a closed pipe does.
type fullWriter struct{}

func (fullWriter) Write([]byte) (int, error) { return 0, errors.New("no space left on device") }

// TestTextOutputWriteError: info and bench fail with the write's error when their text cannot be
// written (they exited 0 with nothing written), as their -json forms do.
func TestTextOutputWriteError(t *testing.T) {
	dcfg, dts, err := testmodel.Detector("shufflenet-g3-0.25x-300", 3)
	if err != nil {
		t.Fatal(err)
	}
	det := filepath.Join(t.TempDir(), "detector.bin")
	if err := modelfile.Write(det, *dcfg, dts); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"info", "-arch", "shufflenet-g3-0.5x"},
		{"info", "-model", det},
		{"bench", "-arch", "shufflenet-g3-0.25x", "-size", "64x64", "-n", "1", "-warmup", "0"},
		{"bench", "-arch", "shufflenet-g3-0.25x", "-size", "64x64", "-n", "1", "-warmup", "0", "-json"},
	} {
		app := newApp()
		var errOut bytes.Buffer
		app.Writer, app.ErrWriter = fullWriter{}, &errOut
		if err := app.Run(append([]string{"detect"}, args...)); err == nil || !strings.Contains(err.Error(), "no space left on device") {
			t.Errorf("%v to a full disk: %v; want the write's error", args, err)
		}
	}
}

// TestBenchHelpNamesValues: bench -h names what each flag takes (HxW, RUNS, N, FILE), as detect's
// own flags do; it printed "--size value", "-n value".
func TestBenchHelpNamesValues(t *testing.T) {
	out, _, err := run(t, "bench", "-h")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"--arch NAME ", "--model FILE ", "--size HxW ", "--res N ", "--stage N ", "--threads N ", "-n RUNS ", "--warmup N "} {
		if !strings.Contains(out, want) {
			t.Errorf("bench -h has no %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, " value ") {
		t.Errorf("bench -h names a flag's value \"value\":\n%s", out)
	}
}
