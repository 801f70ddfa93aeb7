// Package bench times shuffledet's networks the way `detect bench` reports them (and `make bench`
// compares them with other engines): warm-up runs, then the median and 90th percentile of timed
// runs, the work of one run from the cost report, and the process's peak resident memory.
//
// Three kinds of case: a classifier (or the trunk up to a stage) on random weights for a named
// architecture (Arch), the same from a .bin file (Model on a classifier file), and the whole
// detector on one synthetic frame, from preprocessing to the final detections (Model on a detector
// file).
package bench

import (
	"errors"
	"fmt"
	"math"
	"math/rand"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/shuffledet/shuffledet/backbone/shufflenet"
	"github.com/shuffledet/shuffledet/detector"
	"github.com/shuffledet/shuffledet/internal/kernels"
	"github.com/shuffledet/shuffledet/internal/plural"
	"github.com/shuffledet/shuffledet/internal/quote"
	"github.com/shuffledet/shuffledet/internal/testmodel"
	"github.com/shuffledet/shuffledet/modelfile"
	"github.com/shuffledet/shuffledet/nn"
	"github.com/shuffledet/shuffledet/parallel"
	"github.com/shuffledet/shuffledet/transform"
)

// Classify is the stage argument of Arch and Model that runs the whole classifier (global average
// pool and the fully connected layer after stage 4); shufflenet.Stage2, Stage3 and Stage4 stop after
// that stage's last unit instead.
const Classify = 0

// Case is one thing to time.
type Case struct {
	Name    string       // what one run does, e.g. "shufflenet-g3-1.0x classifier, 224x224 input"
	MACs    int64        // multiply-adds of one run, from the cost report
	Threads int          // threads one run uses
	Run     func() error // one run
	// Ran is how many runs making the case made already (a detector's first frame, which counts
	// its proposals): Measure counts them among the warm-up runs.
	Ran int
}

// Result is a Case's timing. Times are wall-clock milliseconds per run.
type Result struct {
	Case     string  `json:"case"`
	Runs     int     `json:"runs"`   // timed runs
	Warmup   int     `json:"warmup"` // untimed runs before them
	MedianMS float64 `json:"median_ms"`
	P90MS    float64 `json:"p90_ms"` // nearest rank: the ceil(0.9 runs)-th fastest
	MinMS    float64 `json:"min_ms"`
	MACs     int64   `json:"macs"` // multiply-adds of one run
	// GFLOPs is the work of one run in 1e9 floating-point operations, a multiply-add counting as
	// two (the ShuffleNet paper's "MFLOPs" count it as one: 1x g3 at 224 is 138 M multiply-adds,
	// 0.275 GFLOP here).
	GFLOPs    float64 `json:"gflops"`
	GFLOPPerS float64 `json:"gflop_per_s"` // GFLOPs / median time
	Threads   int     `json:"threads"`
	// CPUs is how many logical CPUs the process may run on (runtime.NumCPU: the machine's, less
	// those its CPU affinity leaves out, as taskset's), GOMAXPROCS how many goroutines the Go
	// runtime runs at once (the GOMAXPROCS variable or a container's CPU quota can set it lower).
	// With Threads above either, the threads take turns, and the times are not those of Threads
	// cores (Oversubscribed says so).
	CPUs       int `json:"cpus"`
	GOMAXPROCS int `json:"gomaxprocs"`
	// ISA is the instruction set of the matrix product that ran ("avx512", "avx2", "neon",
	// "generic"; SHUFFLEDET_ISA caps it).
	ISA string `json:"isa"`
	// PeakRSSMB is the process's peak resident memory (VmHWM) after the runs, in MiB: weights,
	// buffers, and what loading the model took on the way. 0 where the OS does not report it.
	PeakRSSMB float64 `json:"peak_rss_mb"`
	// FileRSSMB is how much of the resident memory after the runs is file-backed, in MiB: the
	// executable's and the shared libraries' pages (in a cgo build, OpenCV and the libraries it
	// loads), which other processes share. PeakRSSMB - FileRSSMB approximates the engine's own
	// peak. 0 where the OS does not report it.
	FileRSSMB float64   `json:"file_rss_mb"`
	TimesMS   []float64 `json:"times_ms"` // every timed run, in order (make bench pools them across rounds)
}

// MaxRuns is the most timed (and the most warm-up) runs Measure takes: a million runs of the
// smallest case take minutes; more is a typing slip (their times are kept, 8 bytes each).
const MaxRuns = 1_000_000

// Measure runs c warmup times untimed (the c.Ran runs made already among them: at least those),
// then runs times timed, and summarizes the timed runs. It stops at the first error.
func Measure(c Case, runs, warmup int) (Result, error) {
	if runs < 1 || warmup < 0 || runs > MaxRuns || warmup > MaxRuns {
		return Result{}, fmt.Errorf("bench: %s after %s: want 1 to %d runs and 0 to %d warm-up runs", plural.Count(runs, "run", "runs"), plural.Count(warmup, "warm-up run", "warm-up runs"), MaxRuns, MaxRuns)
	}
	for range warmup - c.Ran {
		if err := c.Run(); err != nil {
			return Result{}, err
		}
	}
	warmup = max(warmup, c.Ran) // (-warmup 0 of a detector: its first run was not timed)
	ms := make([]float64, runs)
	for i := range ms {
		t0 := time.Now()
		if err := c.Run(); err != nil {
			return Result{}, err
		}
		ms[i] = float64(time.Since(t0).Nanoseconds()) / 1e6
	}
	r := Result{Case: c.Name, Runs: runs, Warmup: warmup, MACs: c.MACs, GFLOPs: 2 * float64(c.MACs) / 1e9, Threads: c.Threads,
		CPUs: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0), ISA: kernels.ISA(), TimesMS: slices.Clone(ms)}
	slices.Sort(ms)
	r.MedianMS, r.P90MS, r.MinMS = Median(ms), Percentile(ms, 90), ms[0]
	r.GFLOPPerS = r.GFLOPs / (r.MedianMS / 1e3)
	if rss, err := PeakRSS(); err == nil {
		r.PeakRSSMB = float64(rss) / (1 << 20)
	}
	if rss, err := FileRSS(); err == nil {
		r.FileRSSMB = float64(rss) / (1 << 20)
	}
	return r, nil
}

// Oversubscribed says how many of r's threads can run at once, and what limits them, where that is
// fewer than r.Threads ("at most 2 at once: 2 CPUs"; "at most 1 at once: GOMAXPROCS 1 of 2 CPUs"),
// and "" where all of them can (or the figures are not known).
func (r Result) Oversubscribed() string {
	if r.CPUs < 1 || r.GOMAXPROCS < 1 || r.Threads <= min(r.CPUs, r.GOMAXPROCS) {
		return ""
	}
	if r.GOMAXPROCS < r.CPUs {
		return fmt.Sprintf("at most %d at once: GOMAXPROCS %d of %s", r.GOMAXPROCS, r.GOMAXPROCS, plural.Count(r.CPUs, "CPU", "CPUs"))
	}
	return fmt.Sprintf("at most %d at once: %s", r.CPUs, plural.Count(r.CPUs, "CPU", "CPUs"))
}

// Median returns the median of sorted values (the mean of the two middle ones for an even count).
func Median(sorted []float64) float64 {
	n := len(sorted)
	if n == 0 {
		return math.NaN()
	}
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// Percentile returns the nearest-rank p-th percentile of sorted values: the smallest value with at
// least p% of the values at or below it (p in (0, 100]).
func Percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 || !(p > 0 && p <= 100) {
		return math.NaN()
	}
	// Less a hair before rounding up: p% of n is inexact in floating point (99.9/100*1000 is
	// 999.0000000000001, whose ceiling took the 1000th value for the 999th).
	k := int(math.Ceil(p*float64(len(sorted))/100 - 1e-9))
	return sorted[max(k, 1)-1]
}

// Options selects what Arch and Model run. The zero value runs the whole classifier on a 224x224
// input, or the detector at the file's resolution on a 640x480 frame, on one thread.
type Options struct {
	InputH, InputW int // classifier (or trunk) input; 0 x 0: 224 x 224
	FrameW, FrameH int // detector frame, width first as video sizes are written; 0 x 0: 640 x 480
	Resolution     int // detector: shorter side (configs.CheckResolution); 0: the file's own
	Proposals      int // detector: proposals kept after the RPN's NMS (detector.WithProposals); 0: the file's own
	Stage          int // Classify, or shufflenet.Stage2, Stage3 or Stage4 (classifiers only)
	Threads        int // threads per run (detector.WithThreads); 0 means 1
}

func (o *Options) check() error {
	if o.Threads == 0 {
		o.Threads = 1
	}
	if o.Threads < 1 || o.Threads > parallel.MaxThreads {
		return fmt.Errorf("bench: %d threads: want 1 to %d", o.Threads, parallel.MaxThreads)
	}
	if o.InputH == 0 && o.InputW == 0 {
		o.InputH, o.InputW = 224, 224
	}
	if o.FrameW == 0 && o.FrameH == 0 {
		o.FrameW, o.FrameH = FrameW, FrameH
	}
	return nil
}

// Arch returns a case that runs architecture arch (a backbone name such as "shufflenet-g3-1.0x",
// with a 1000-way classifier) on random weights and a random input, through the classifier or up
// to the end of o.Stage. The cost does not depend on the weights' values.
func Arch(arch string, o Options) (Case, error) {
	cfg, err := shufflenet.ParseName(arch)
	if err != nil {
		return Case{}, err
	}
	if err := o.check(); err != nil {
		return Case{}, err
	}
	if set := o.detectorSettings(); set != "" {
		return Case{}, fmt.Errorf("bench: %s to a detector file, not to an architecture", set)
	}
	net, err := shufflenet.Build(cfg, testmodel.NewRecorder(1))
	if err != nil {
		return Case{}, err
	}
	return network(net, "random weights", o)
}

// Model returns a case for the model file at path: a classifier file runs as Arch does; a detector
// file runs whole (o.Stage must be Classify) on Frame(o.FrameW, o.FrameH).
func Model(path string, o Options) (Case, error) {
	if err := o.check(); err != nil {
		return Case{}, err
	}
	f, err := modelfile.Open(path)
	if err != nil {
		return Case{}, err
	}
	defer f.Close()
	if f.Config.Detector != nil {
		if o.Stage != Classify {
			return Case{}, fmt.Errorf("model %s is a detector, which runs whole: -stage %d applies only to an architecture (-arch) or a classifier file", quote.Name(path), o.Stage)
		}
		m, err := detector.ModelFromFile(f)
		if err != nil {
			return Case{}, err
		}
		return detectorCase(m, o)
	}
	if set := o.detectorSettings(); set != "" {
		return Case{}, fmt.Errorf("model %s: %s to a detector file, not to a %s classifier", quote.Name(path), set, f.Config.Backbone.Name())
	}
	net, err := shufflenet.Build(f.Config.Backbone, f)
	if err != nil {
		return Case{}, fmt.Errorf("model %s: %w", quote.Name(path), err)
	}
	if err := f.CheckAllUsed(); err != nil {
		return Case{}, err
	}
	return network(net, path, o)
}

func network(net *shufflenet.Net, weights string, o Options) (Case, error) {
	cfg, h, w, stage := net.Config, o.InputH, o.InputW, o.Stage
	if err := transform.CheckSize(w, h); err != nil { // the limits of an image
		return Case{}, fmt.Errorf("bench: input %dx%d (HxW): %w", h, w, err)
	}
	cx := cfg.Complexity(h, w)
	var c Case
	switch stage {
	case Classify:
		if cfg.NumClasses == 0 {
			return Case{}, fmt.Errorf("bench: %s (%s) has no classifier: give a stage (2, 3 or 4)", cfg.Name(), quote.Name(weights))
		}
		c.Name = fmt.Sprintf("%s classifier, %dx%d input (%s)", cfg.Name(), h, w, weights)
		c.MACs = cx.MACs
	case shufflenet.Stage2, shufflenet.Stage3, shufflenet.Stage4:
		c.Name = fmt.Sprintf("%s to stage %d, %dx%d input (%s)", cfg.Name(), stage, h, w, weights)
		last := fmt.Sprintf("stage%d", stage)
		for _, s := range cx.Stages {
			c.MACs += s.MACs
			if s.Name == last {
				break
			}
		}
	default:
		return Case{}, fmt.Errorf("bench: stage %d: want 2, 3, 4 or the whole classifier", stage)
	}
	x := nn.NewTensor(1, 3, h, w)
	rng := rand.New(rand.NewSource(1))
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	r := net.NewRunner()
	r.SetPool(parallel.New(o.Threads))
	c.Threads = o.Threads
	c.Run = func() error {
		if stage == Classify {
			_, err := r.Classify(x)
			return err
		}
		r.Forward(x, stage)
		return nil
	}
	return c, nil
}

// detectorSettings names the detector settings o gives (its resolution, its proposal count) with
// the verb that follows them, for the message refusing them where no detector runs; "" for none.
func (o Options) detectorSettings() string {
	var set []string
	if o.Resolution != 0 {
		set = append(set, fmt.Sprintf("a resolution (%d)", o.Resolution))
	}
	if o.Proposals != 0 {
		set = append(set, fmt.Sprintf("a proposal count (%d)", o.Proposals))
	}
	switch len(set) {
	case 0:
		return ""
	case 1:
		return set[0] + " applies"
	}
	return strings.Join(set, " and ") + " apply"
}

// FrameW and FrameH are the detector's default frame, a VGA camera's (detect info -model's too).
const FrameW, FrameH = 640, 480

// detectorCase times model m on a Frame(o.FrameW, o.FrameH), from the BGR bytes to the final
// detections.
func detectorCase(m *detector.Model, o Options) (Case, error) {
	path := m.Path
	w, h := o.FrameW, o.FrameH
	opts := []detector.Option{detector.WithThreads(o.Threads)}
	if o.Resolution != 0 {
		opts = append(opts, detector.WithResolution(o.Resolution))
	}
	if o.Proposals != 0 {
		opts = append(opts, detector.WithProposals(o.Proposals))
	}
	det, err := m.NewDetector(opts...)
	if err != nil {
		return Case{}, err
	}
	cfg := det.Config()
	ih, iw, err := cfg.NetworkInput(h, w)
	if err != nil {
		return Case{}, fmt.Errorf("model %s: frame %dx%d: %w", quote.Name(path), w, h, err)
	}
	frame := Frame(w, h)
	// The box head is most of the work, counted at the proposals this frame gives (a small input
	// has fewer anchors than post_nms_top_n: counting that many claimed more FLOP/s than the peak).
	if _, err := det.DetectBGR(frame, w, h, 3*w); err != nil {
		return Case{}, fmt.Errorf("model %s: frame %dx%d: %w", quote.Name(path), w, h, err)
	}
	cx, err := det.Model().Complexity(ih, iw, det.Proposals())
	if err != nil {
		return Case{}, err
	}
	return Case{
		Name: fmt.Sprintf("%s detector at %d, %dx%d frame (network input %dx%d HxW, box head counted at %s; %s)",
			cx.Arch, cfg.ShorterSide, w, h, cx.Height, cx.Width, plural.Count(cx.Proposals, "proposal", "proposals"), path),
		MACs:    cx.MACs,
		Threads: o.Threads,
		Run: func() error {
			_, err := det.DetectBGR(frame, w, h, 3*w)
			return err
		},
		Ran: 1,
	}, nil
}

// Frame returns the synthetic w x h BGR frame (3 bytes per pixel, rows of 3w bytes) that the
// detector case runs on: byte c of pixel (x, y) is (x*x + 3*y*y + x*y + 85*c) mod 256, a texture
// that any other engine can rebuild exactly (bench/peers.py does, for torchvision).
func Frame(w, h int) []byte {
	pix := make([]byte, 3*w*h)
	for y := range h {
		for x := range w {
			for c := range 3 {
				pix[3*(y*w+x)+c] = byte((x*x + 3*y*y + x*y + 85*c) % 256)
			}
		}
	}
	return pix
}

// ErrNoRSS is returned by PeakRSS and FileRSS where the operating system does not report the
// figure.
var ErrNoRSS = errors.New("bench: resident memory figures are not available on this system")
