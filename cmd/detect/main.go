// Command detect runs a shuffledet detector on images, video files, cameras and network streams,
// and writes what it finds as JSON lines (one per image or frame), annotated videos and images,
// and a summary:
//
//	detect -model m.bin [-res 300|600|N] [-score S] [-nms T] [-proposals N] [-detections N] [-classes LIST]
//	       [-json PATH|-] [-out PATH|DIR] [-no-video] [-stride N] [-workers N] [-threads N] [-reconnect DURATION] [-show] INPUT...
//	detect info -arch shufflenet-g3-1.0x [-size 224x224] [-classes 1000] [-json]
//	detect info -model m.bin [-res 300|600|N] [-proposals N] [-size 640x480] [-json]   (a detector or a classifier file)
//	detect bench -arch shufflenet-g3-1.0x [-size 224x224] [-stage 2|3|4] [-threads N] [-n RUNS] [-warmup RUNS] [-json]
//	detect bench -model m.bin [-res 300|600|N] [-proposals N] [-size 640x480] [-threads N] [-n RUNS] [-warmup RUNS] [-json]
//	detect -version
//
// An INPUT is an image, a folder of images, a video file, a camera (camera:0, /dev/video0,
// /dev/v4l/by-id/...) or a stream URL (rtsp://, http(s)://, udp://, ...). Video, cameras,
// streams, -out and -show need a build with cgo and OpenCV; without cgo, detect reads images only (JPEGs with Go's decoder).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/shuffledet/shuffledet/configs"
	"github.com/shuffledet/shuffledet/cvimage"
	"github.com/shuffledet/shuffledet/detector"
	"github.com/shuffledet/shuffledet/internal/cliflag"
	"github.com/shuffledet/shuffledet/internal/cliout"
	"github.com/shuffledet/shuffledet/internal/interrupt"
	"github.com/shuffledet/shuffledet/internal/kernels"
	"github.com/shuffledet/shuffledet/internal/outpath"
	"github.com/shuffledet/shuffledet/internal/progress"
	"github.com/shuffledet/shuffledet/internal/quote"
	"github.com/shuffledet/shuffledet/internal/version"
	"github.com/shuffledet/shuffledet/parallel"
	"github.com/shuffledet/shuffledet/pipeline"
	"github.com/shuffledet/shuffledet/roihead"
	"github.com/shuffledet/shuffledet/rpn"
)

func main() {
	// A closed pipe on standard output (detect ... | head) makes writes fail with EPIPE, which
	// ends the run cleanly (the output video finished), instead of killing the process mid-file.
	signal.Ignore(syscall.SIGPIPE)
	os.Exit(runMain(os.Args, os.Stdout, os.Stderr))
}

// runMain runs detect with args on standard output and error stdout and stderr and returns its
// exit status: 0, 1 for an error (one of writing stdout too, which urfave/cli's help and
// -version printers drop: cliout; silently where it is a closed pipe, detect -h | head, as the
// SIGPIPE ignored above would have ended it), 130 for a run a signal cut short.
func runMain(args []string, stdout, stderr io.Writer) int {
	// A terminal's lines (the JSON lines of -json -, a message) go above the progress bar, not
	// after its text.
	stdout, stderr = progress.Above(stdout), progress.Above(stderr)
	out := &cliout.Writer{W: stdout}
	app := newApp()
	app.Writer, app.ErrWriter = out, stderr
	err := app.Run(args)
	if err == nil && errors.Is(out.Err(), syscall.EPIPE) {
		return 1
	}
	if err == nil && out.Err() != nil {
		err = fmt.Errorf("writing standard output: %w", out.Err())
	}
	if err != nil {
		fmt.Fprintln(stderr, "detect:", err)
		if errors.Is(err, errInterrupted) {
			return 130 // 128 + SIGINT, as a shell reports a command Ctrl-C ended (cocoeval's too; SIGTERM and SIGHUP alike)
		}
		return 1
	}
	return 0
}

// errInterrupted is wrapped by the error of a run a signal cut short (its outputs finished),
// which exits with status 130 rather than a failure's 1.
var errInterrupted = errors.New("interrupted")

// hasFlag reports whether flags has one called name.
func hasFlag(flags []cli.Flag, name string) bool {
	for _, f := range flags {
		if slices.Contains(f.Names(), name) {
			return true
		}
	}
	return false
}

// usageError returns the OnUsageError of the command named name: the error alone, pointing at
// -h, instead of the help on standard output.
// A flag it does not know that names an existing file (-photo.jpg) gets the ways to give it.
func usageError(name string) cli.OnUsageErrorFunc {
	return func(_ *cli.Context, err error, _ bool) error {
		const unknown = "flag provided but not defined: "
		if flag, ok := strings.CutPrefix(err.Error(), unknown); ok {
			if _, serr := os.Stat(flag); serr == nil {
				return fmt.Errorf("%w: to detect the file %s, write %s, or -- before it", err, quote.Name(flag), quote.Name("./"+flag))
			}
		}
		if strings.Contains(err.Error(), " for flag -reconnect: ") { // ("parse error" says not what it wants)
			return fmt.Errorf("%w: -reconnect takes a duration with its unit, e.g. 30s, 2m or 0 (%s -h lists the flags)", err, name)
		}
		return fmt.Errorf("%w (%s -h lists the flags)", err, name)
	}
}

func init() { version.UseInCLI() }

func newApp() *cli.App {
	return &cli.App{
		Name:      "detect",
		Usage:     "detect objects with a ShuffleNet Faster R-CNN",
		UsageText: usage,
		Version:   version.Line("detect", cvimage.Decoders()),
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "model", Usage: "detector model file (.bin)"},
			&cliflag.Int{IntFlag: cli.IntFlag{Name: "res", Usage: "shorter side (the paper's: 300, 600); the longer side at most 5/3 of it", DefaultText: "the model's"}},
			&cli.Float64Flag{Name: "score", Usage: "keep detections scoring above `S`", DefaultText: "the model's, 0.05 in the presets"},
			&cli.Float64Flag{Name: "nms", Usage: "drop a detection whose box overlaps a higher-scoring one of its class by an IoU above `T` (non-maximum suppression)", DefaultText: "the model's, 0.5 in the presets"},
			&cliflag.Int{IntFlag: cli.IntFlag{Name: "proposals", Usage: "the RPN's proposals kept after its NMS, the regions the box head runs on (`N`, 1 to 10000): fewer are faster and may miss objects", DefaultText: "the model's, 300 in the presets"}},
			&cliflag.Int{IntFlag: cli.IntFlag{Name: "detections", Usage: "report at most `N` detections an image (1 to 10000), the best-scoring after NMS", DefaultText: "the model's, 100 in the presets"}},
			&cli.StringFlag{Name: "classes", Usage: "report only these classes (`LIST`: the model's class names or category ids, comma-separated, e.g. person,car or 1,3); up to -detections of them", DefaultText: "all"},
			&cli.StringFlag{Name: "json", Value: "-", Usage: "write JSON lines to `PATH` (- for standard output)"},
			&cli.StringFlag{Name: "out", Usage: "annotated output: a `FOLDER` for all outputs, or the video file for a single video or live input (default: NAME.detect.mp4 beside a video, in the current folder for a live source; images only with -out)"},
			&cli.BoolFlag{Name: "no-video", Usage: "write no annotated videos"},
			&cliflag.Int{IntFlag: cli.IntFlag{Name: "stride", Value: 1, Usage: "videos, cameras and streams: detect every `N`th frame (a live source's as they arrive: 1/N of the detections' CPU); images are each detected"}},
			&cliflag.Int{IntFlag: cli.IntFlag{Name: "workers", Value: defaultWorkers(), DefaultText: "half the cores", Usage: "detectors running at once (`N`), each on its own frame (needs cgo: without it one detector runs)"}},
			&cliflag.Int{IntFlag: cli.IntFlag{Name: "threads", Usage: "threads each detector splits a frame's work over (`N`); the detections do not depend on it", DefaultText: "the cores divided among the workers (without cgo: every core)"}},
			&cli.DurationFlag{Name: "reconnect", Value: 30 * time.Second, Usage: "cameras and live streams: keep trying to reopen a lost source for this `DURATION` (0: end at the first loss; given, also a source that cannot be opened at the start); files, and streams of a stated length, are never reopened"},
			&cli.BoolFlag{Name: "show", Usage: "show the annotated frames in a window (q or Esc closes it)"},
		},
		Commands:        []*cli.Command{infoCommand, benchCommand},
		HideHelpCommand: true,
		// -h with inputs given (detect -model m.bin -h photo.jpg): the help, not "No help topic".
		CommandNotFound: func(c *cli.Context, _ string) {
			if c.Command != nil && c.Command.Name != "" { // a subcommand's -h
				cli.HelpPrinter(c.App.Writer, cli.CommandHelpTemplate, c.Command)
				return
			}
			cli.ShowAppHelp(c)
		},
		// A mistyped flag is an error on stderr, not the help on stdout (where JSON lines go).
		OnUsageError: usageError("detect"),
		Before:       func(*cli.Context) error { return kernels.ISAError() },
		Action:       detect,
	}
}

const usage = `detect -model m.bin [-res 300|600|N] [-score S] [-nms T] [-proposals N] [-detections N] [-classes LIST]
          [-json PATH|-] [-out PATH|DIR] [-no-video] [-stride N] [-workers N] [-threads N] [-reconnect DURATION] [-show] INPUT...
   detect info ...    (the cost of an architecture or a model)
   detect bench ...   (the time of a run)

   INPUT: an image, a folder of images, a video file (an animated GIF too), camera:N or its
   device file (/dev/video0, /dev/v4l/by-id/...), or a stream URL (rtsp://, http(s)://, udp://, ...)`

// defaultWorkers is half the cores: the other half decode and encode.
func defaultWorkers() int { return max(1, runtime.GOMAXPROCS(0)/2) }

// threads is -threads, by default the cores shared among the workers (at least one each), so
// that workers x threads is about the number of cores; without cgo, where one detector runs,
// every core.
func threads(c *cli.Context) int {
	if c.IsSet("threads") {
		return c.Int("threads")
	}
	if !withOpenCV {
		return runtime.GOMAXPROCS(0)
	}
	return max(1, runtime.GOMAXPROCS(0)/max(1, c.Int("workers")))
}

func options(c *cli.Context) []detector.Option {
	opts := []detector.Option{detector.WithThreads(threads(c))}
	if c.IsSet("score") {
		opts = append(opts, detector.WithScoreThreshold(float32(c.Float64("score"))))
	}
	if c.IsSet("nms") {
		opts = append(opts, detector.WithNMSThreshold(float32(c.Float64("nms"))))
	}
	if c.IsSet("proposals") {
		opts = append(opts, detector.WithProposals(c.Int("proposals")))
	}
	if c.IsSet("detections") {
		opts = append(opts, detector.WithDetectionsPerImage(c.Int("detections")))
	}
	if c.IsSet("res") {
		opts = append(opts, detector.WithResolution(c.Int("res")))
	}
	if c.IsSet("classes") {
		opts = append(opts, detector.WithClasses(strings.Split(c.String("classes"), ",")...))
	}
	return opts
}

// job is what detect sets up before any work: the inputs with their output paths, the
// detector and, once openJSON has run, the JSON lines writer.
type job struct {
	inputs    []input
	det       *detector.Detector
	jsonPath  string
	outputs   []string // the files the run writes (the JSON lines file, annotated videos), checked writable
	json      *pipeline.JSONLines
	closeJSON func() error
}

// prepare checks the flags and inputs, plans and checks the outputs (the JSON lines file too:
// it can be written, and is not an input, the model or another output) and loads the model, so
// that every error a run can foresee comes before any work. supported rejects inputs, outputs
// and flags this build cannot handle. The JSON lines file is created by openJSON, once the
// caller's own checks have passed, so that a failed run leaves an existing file as it was.
func prepare(c *cli.Context, supported func(c *cli.Context, ins []input) error) (*job, error) {
	// Flags end at the first input (Go's flag parsing): a flag after one would be read as a file.
	// Checked first: detect photo.jpg -model m.bin is missing no -model.
	for _, a := range c.Args().Slice() {
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.HasPrefix(a, "-") && a != "-" && hasFlag(c.App.Flags, name) {
			if _, err := os.Stat(a); err == nil {
				continue // a file of that name (given after --)
			}
			before := "-model m.bin " + quote.Name(a) // (-model itself: not named twice)
			if name == "model" {
				before = "-model m.bin"
			}
			return nil, fmt.Errorf("%s after the inputs: flags go before them (detect %s ... INPUT...; a file of that name: %s)", quote.Name(a), before, quote.Name("./"+a))
		}
	}
	switch {
	case !c.IsSet("model") && c.Args().First() == "help": // (HideHelpCommand: "detect help bench" said only "no -model")
		return nil, errors.New("no help command: detect -h, detect info -h and detect bench -h print the help")
	case !c.IsSet("model"):
		return nil, errors.New("no -model: give the detector's .bin file\nusage: " + usage)
	case c.NArg() == 0:
		return nil, errors.New("no INPUT: give an image, a folder, a video, a camera or a stream\nusage: " + usage)
	}
	switch {
	case c.Int("stride") < 1:
		return nil, fmt.Errorf("-stride %d: must be at least 1", c.Int("stride"))
	case c.Int("workers") < 1:
		return nil, fmt.Errorf("-workers %d: must be at least 1", c.Int("workers"))
	case c.Int("threads") < 1 && c.IsSet("threads"):
		return nil, fmt.Errorf("-threads %d: must be at least 1", c.Int("threads"))
	case c.Int("threads") > parallel.MaxThreads:
		return nil, fmt.Errorf("-threads %d: at most %d", c.Int("threads"), parallel.MaxThreads)
	case resFlag(c) != nil:
		return nil, resFlag(c)
	case c.IsSet("score") && !(c.Float64("score") >= 0 && float32(c.Float64("score")) < 1):
		// Checked here as given: the detector takes a float32, in which 0.99999999999 is 1.
		return nil, fmt.Errorf("-score %v: must be at least 0 and below 1 as a float32 (the scores are float32)", c.Float64("score"))
	case c.IsSet("nms") && !(c.Float64("nms") >= 0 && c.Float64("nms") <= 1):
		return nil, fmt.Errorf("-nms %v: an IoU, 0 to 1", c.Float64("nms"))
	case proposalsFlag(c) != nil:
		return nil, proposalsFlag(c)
	case c.IsSet("detections") && !(c.Int("detections") >= 1 && c.Int("detections") <= roihead.MaxDetectionsPerImg):
		return nil, fmt.Errorf("-detections %d: the most detections an image gives, 1 to %d", c.Int("detections"), roihead.MaxDetectionsPerImg)
	case c.IsSet("json") && c.String("json") == "":
		return nil, errors.New("-json: give a file name, or - for standard output")
	case c.IsSet("out") && c.String("out") == "":
		return nil, errors.New("-out: give a file or folder name (or leave -out out for the defaults)")
	case c.Duration("reconnect") < 0:
		return nil, fmt.Errorf("-reconnect %s: must not be negative", c.Duration("reconnect"))
	}
	ins, err := parseInputs(c.Args().Slice())
	if err != nil {
		return nil, err
	}
	for _, in := range ins {
		if in.frames > 1 {
			how := "in a folder its first frame alone is detected, as an image; give it on its own to detect every frame"
			if !withOpenCV {
				how = "its first frame alone is detected, as an image (this detect is built without OpenCV, which reads it as a video)"
			}
			fmt.Fprintf(c.App.ErrWriter, "detect: warning: %s is an animated GIF of %d frames: %s\n", quote.Name(in.name()), in.frames, how)
		}
	}
	if n := c.Int("stride"); n > 1 && slices.ContainsFunc(ins, func(in input) bool { return in.kind == imageInput }) {
		// A folder's images are not a video's frames: skipping some would lose results unasked.
		fmt.Fprintf(c.App.ErrWriter, "detect: warning: -stride %d applies to videos, cameras and streams only: every image is detected\n", n)
	}
	if err := planOutputs(ins, c.String("out"), c.Bool("no-video")); err != nil {
		return nil, err
	}
	if err := checkOverlaps(ins, c.String("model"), c.String("json")); err != nil {
		return nil, err
	}
	if err := supported(c, ins); err != nil {
		return nil, err
	}
	if !withOpenCV { // one detector, and no -workers to name
		if err := parallel.CheckBudget(threads(c)); err != nil {
			return nil, fmt.Errorf("-threads %d: %w", threads(c), err)
		}
	} else if err := parallel.CheckBudget(c.Int("workers") * threads(c)); err != nil {
		return nil, fmt.Errorf("-workers %d x -threads %d: %w", c.Int("workers"), threads(c), err)
	}
	var outputs []string
	for _, in := range ins {
		if in.out != "" {
			if err := checkWritable(in.out); err != nil {
				return nil, err
			}
			outputs = append(outputs, in.out)
		}
	}
	if path := c.String("json"); path != "-" {
		if err := checkWritable(path); err != nil {
			return nil, fmt.Errorf("-json: %w", err)
		}
		outputs = append(outputs, path)
	}
	det, err := detector.Load(c.String("model"), options(c)...)
	if err != nil {
		return nil, err
	}
	return &job{inputs: ins, det: det, jsonPath: c.String("json"), outputs: outputs}, nil
}

// openJSON makes the outputs' folders (makeFolders) and creates the JSON lines file (or takes
// stdout for "-"): the first things a run writes. The file's open is given up when ctx is done:
// a named pipe's waits for its reader, which may never come.
func (j *job) openJSON(ctx context.Context, stdout io.Writer) error {
	if err := j.makeFolders(); err != nil {
		return err
	}
	if j.jsonPath == "-" {
		j.json, j.closeJSON = pipeline.NewJSONLines(stdout), func() error { return nil }
		return nil
	}
	// Write-only, not os.Create's read-write: a named pipe opened read-write has this process
	// for a reader, and the lines would go nowhere.
	type opened struct {
		f   *os.File
		err error
	}
	done := make(chan opened, 1)
	go func() {
		f, err := os.OpenFile(j.jsonPath, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, outpath.NewFileMode) // (a file written over in place keeps its mode)
		done <- opened{f, err}
	}()
	var o opened
	select {
	case o = <-done:
	case <-ctx.Done():
		select {
		case o = <-done: // opened as the signal came: the run's own check ends it
		default:
			go func() { // (the open is left to finish on its own, and its file closed)
				if o := <-done; o.f != nil {
					o.f.Close()
				}
			}()
			return ctx.Err()
		}
	}
	if o.err != nil {
		return fmt.Errorf("-json: %w", quote.Err(o.err))
	}
	j.json, j.closeJSON = pipeline.NewJSONLines(o.f), o.f.Close
	return nil
}

// makeFolders makes the folders the outputs go into that do not exist yet (checkWritable checked
// that they can be made, and made none, so that a run that fails before any work leaves none).
func (j *job) makeFolders() error {
	for _, p := range j.outputs {
		if err := os.MkdirAll(filepath.Dir(p), outpath.NewFolderMode); err != nil {
			return fmt.Errorf("output %s: %w", quote.Name(p), quote.Err(err))
		}
	}
	return nil
}

// interruptible returns a context that the first Ctrl-C, SIGTERM or SIGHUP (the terminal closed)
// cancels, saying so on w; a second one ends the process at once (internal/interrupt). Call stop
// when done.
func interruptible(parent context.Context, w io.Writer) (ctx context.Context, stop func()) {
	return interrupt.Context(parent, func() {
		fmt.Fprintln(w, "detect: interrupted: finishing the frames in progress and the outputs (press Ctrl-C again to quit at once)")
	}, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
}

// proposalsFlag checks -proposals, where given (detector.WithProposals' range; a model's own
// limits on its box head's work are checked as it loads).
func proposalsFlag(c *cli.Context) error {
	if n := c.Int("proposals"); c.IsSet("proposals") && rpn.CheckPostNMSTopN(n) != nil {
		return fmt.Errorf("-proposals %d: the RPN's proposals a frame, 1 to %d", n, rpn.MaxPostNMSTopN)
	}
	return nil
}

// resFlag checks -res, where given (configs.CheckResolution).
func resFlag(c *cli.Context) error {
	if c.IsSet("res") {
		if err := configs.CheckResolution(c.Int("res")); err != nil {
			return fmt.Errorf("-res: %w", err)
		}
	}
	return nil
}
