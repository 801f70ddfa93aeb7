// Command detect runs a shuffledet detector on images and prints what it finds, one JSON object
// per image:
//
//	detect -model m.bin [-res 300|600] [-score S] [-json PATH|-] IMAGE...
//	detect info -arch shufflenet-g3-1.0x -size 224x224 [-json]
//	detect info -model m.bin [-json]
//	detect bench -arch shufflenet-g3-1.0x [-size 224x224] [-json]    (or -model m.bin [-res 300|600] [-size 640x480])
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/shuffledet/shuffledet/detector"
	"github.com/shuffledet/shuffledet/internal/progress"
	"github.com/shuffledet/shuffledet/transform"
)

func main() {
	if err := newApp().Run(os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "detect:", err)
		os.Exit(1)
	}
}

func newApp() *cli.App {
	return &cli.App{
		Name:      "detect",
		Usage:     "detect objects with a ShuffleNet Faster R-CNN",
		UsageText: "detect -model m.bin [-res 300|600] [-score S] [-json PATH|-] IMAGE...",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "model", Usage: "detector model file (.bin)"},
			&cli.IntFlag{Name: "res", Usage: "shorter side: 300 or 600 (default: the model's)"},
			&cli.Float64Flag{Name: "score", Usage: "minimum detection score (default: the model's, 0.05 in the presets)"},
			&cli.StringFlag{Name: "json", Value: "-", Usage: "write JSON lines to `PATH` (- for standard output)"},
		},
		Commands:        []*cli.Command{infoCommand, benchCommand},
		HideHelpCommand: true,
		Action:          detectImages,
	}
}

// imageResult is one line of detect's JSON output.
type imageResult struct {
	Source     string          `json:"source"`
	Width      int             `json:"width"`
	Height     int             `json:"height"`
	Detections []detectionJSON `json:"detections"`
}

type detectionJSON struct {
	BBox       [4]float32 `json:"bbox"`
	Score      float32    `json:"score"`
	CategoryID int        `json:"category_id"`
	Label      string     `json:"label"`
}

func options(c *cli.Context) []detector.Option {
	var opts []detector.Option
	if c.IsSet("score") {
		opts = append(opts, detector.WithScoreThreshold(float32(c.Float64("score"))))
	}
	if c.IsSet("res") {
		opts = append(opts, detector.WithResolution(c.Int("res")))
	}
	return opts
}

func detectImages(c *cli.Context) error {
	if !c.IsSet("model") || c.NArg() == 0 {
		return errors.New("usage: detect -model m.bin [-res 300|600] [-score S] [-json PATH|-] IMAGE... (or detect info)")
	}
	det, err := detector.Load(c.String("model"), options(c)...)
	if err != nil {
		return err
	}
	out, closeOut, err := openOutput(c.String("json"), c.App.Writer)
	if err != nil {
		return err
	}
	// Ctrl-C stops after the image in progress; every line computed so far is on disk. A second
	// Ctrl-C kills the process at once.
	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() { <-ctx.Done(); stop() }()
	enc := json.NewEncoder(out)
	done, failed := 0, 0
	// Progress on stderr over several images: a bar on a terminal (unless the JSON lines go to
	// that terminal), a line every 10 s in logs.
	var pw io.Writer = c.App.ErrWriter
	if c.NArg() < 2 || c.String("json") == "-" && progress.IsTerminal(c.App.Writer) {
		pw = nil
	}
	bar := progress.New(pw, c.NArg(), "images")
	defer bar.Finish()
	for _, path := range c.Args().Slice() {
		if ctx.Err() != nil {
			if err := closeOut(); err != nil {
				return err
			}
			return fmt.Errorf("interrupted: %d of %d images done (%d failed); their results are written", done+failed, c.NArg(), failed)
		}
		res, err := detectFile(det, path)
		bar.Add(1)
		if err != nil {
			fmt.Fprintln(c.App.ErrWriter, "detect:", err)
			failed++
			continue
		}
		err = enc.Encode(res)
		if err == nil {
			err = out.Flush() // one line per image, on disk as soon as it is done
		}
		if err != nil {
			if cerr := closeOut(); cerr != nil {
				err = errors.Join(err, cerr)
			}
			return err
		}
		done++
	}
	if err := closeOut(); err != nil {
		return err
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d images failed", failed, c.NArg())
	}
	return nil
}

func detectFile(det *detector.Detector, path string) (*imageResult, error) {
	img, err := transform.Open(path)
	if err != nil {
		return nil, err
	}
	dets, err := det.Detect(img)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	b := img.Bounds()
	res := &imageResult{Source: path, Width: b.Dx(), Height: b.Dy(), Detections: make([]detectionJSON, len(dets))}
	for i, d := range dets {
		res.Detections[i] = detectionJSON{BBox: d.Box, Score: d.Score, CategoryID: d.CategoryID, Label: d.Label}
	}
	return res, nil
}

// openOutput returns a buffered writer for path ("-" is stdout) and a function that flushes and
// closes it.
func openOutput(path string, stdout io.Writer) (*bufio.Writer, func() error, error) {
	if path == "-" {
		w := bufio.NewWriter(stdout)
		return w, w.Flush, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, err
	}
	w := bufio.NewWriter(f)
	return w, func() error {
		if err := w.Flush(); err != nil {
			f.Close()
			return fmt.Errorf("%s: %w", path, err)
		}
		return f.Close()
	}, nil
}

func modelInfo(w io.Writer, path string, res int, asJSON bool) error {
	m, err := detector.LoadModel(path)
	if err != nil {
		return err
	}
	cfg := *m.Config.Detector
	if res != 0 {
		if err := cfg.SetResolution(res); err != nil {
			return err
		}
	}
	// A 4:3 landscape image at the model's resolution, padded as the detector pads it.
	h, wd := cfg.ShorterSide, min(cfg.ShorterSide*4/3, cfg.MaxLongerSide)
	pad := func(n int) int { return (n + cfg.SizeDivisible - 1) / cfg.SizeDivisible * cfg.SizeDivisible }
	cx := m.Complexity(pad(h), pad(wd), cfg.RPN.PostNMSTopN)
	info := struct {
		Model      string              `json:"model"`
		Resolution [2]int              `json:"resolution"`
		Classes    int                 `json:"classes"`
		ClassNames []string            `json:"class_names"`
		Complexity detector.Complexity `json:"complexity"`
	}{Model: path, Resolution: [2]int{cfg.ShorterSide, cfg.MaxLongerSide}, Classes: len(cfg.Classes), Complexity: cx}
	for _, c := range cfg.Classes {
		info.ClassNames = append(info.ClassNames, c.Name)
	}
	if asJSON {
		return writeJSON(w, info)
	}
	fmt.Fprintf(w, "%s: %s Faster R-CNN, %d classes, shorter side %d (longer at most %d)\n", path, cx.Arch, len(cfg.Classes), cfg.ShorterSide, cfg.MaxLongerSide)
	fmt.Fprintf(w, "cost on a %dx%d input with %d proposals:\n", cx.Height, cx.Width, cx.Proposals)
	for _, s := range []struct {
		name string
		c    int64
		p    int64
	}{{"backbone (conv1-stage3)", cx.Backbone.MACs, cx.Backbone.Params}, {"rpn", cx.RPN.MACs, cx.RPN.Params}, {"box head (stage4 + predictor)", cx.BoxHead.MACs, cx.BoxHead.Params}, {"total", cx.MACs, cx.Params}} {
		fmt.Fprintf(w, "  %-30s %12s multiply-adds %10s params\n", s.name, millions(s.c), millions(s.p))
	}
	return nil
}
