package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/shuffledet/shuffledet/backbone/shufflenet"
	"github.com/shuffledet/shuffledet/detector"
	"github.com/shuffledet/shuffledet/internal/bench"
	"github.com/shuffledet/shuffledet/internal/cliflag"
	"github.com/shuffledet/shuffledet/internal/plural"
	"github.com/shuffledet/shuffledet/internal/quote"
	"github.com/shuffledet/shuffledet/modelfile"
)

var infoCommand = &cli.Command{
	Name:         "info",
	Usage:        "print an architecture's or a model's multiply-adds and parameters",
	UsageText:    "detect info -arch shufflenet-g3-1.0x [-size 224x224] [-classes 1000] [-json]\n   detect info -model m.bin [-res 300|600|N] [-proposals N] [-size 640x480] [-json]",
	OnUsageError: usageError("detect info"),
	Flags: []cli.Flag{
		&cli.StringFlag{Name: "arch", Usage: "architecture: shufflenet-g<1|2|3|4|8>-<0.25|0.5|1.0|1.5|2.0>x[-shallow][-se][-noshuffle]"},
		&cli.StringFlag{Name: "size", Usage: "-arch and a classifier file: the network input HxW; a detector file: a frame WxH (a video size: 640x480 is landscape), resized as the detector resizes it", DefaultText: "224x224; 640x480"},
		&cliflag.Int{IntFlag: cli.IntFlag{Name: "classes", Value: 1000, Usage: "classifier width for -arch (0: none)"}},
		&cli.StringFlag{Name: "model", Usage: "a .bin model file (detector or classifier)"},
		&cliflag.Int{IntFlag: cli.IntFlag{Name: "res", Usage: "detector's shorter side for -model (the paper's: 300, 600)", DefaultText: "the model's"}},
		&cliflag.Int{IntFlag: cli.IntFlag{Name: "proposals", Usage: "the RPN's proposals the box head's cost is counted at, for a detector -model (`N`, 1 to 10000)", DefaultText: "the model's"}},
		&cli.BoolFlag{Name: "json", Usage: "print one JSON object"},
	},
	Action: func(c *cli.Context) error {
		if err := flagsBefore("info", c); err != nil {
			return err
		}
		switch {
		case c.NArg() > 0:
			return strayArgs("info", c)
		case c.IsSet("arch") && c.IsSet("model"):
			return fmt.Errorf("info: give -arch or -model, not both")
		case c.IsSet("arch") && c.IsSet("res"):
			return fmt.Errorf("info: -res goes with -model (a detector's resolution; -size is the network's input with -arch)")
		case c.IsSet("arch") && c.IsSet("proposals"):
			return fmt.Errorf("info: -proposals goes with a detector's -model")
		case resFlag(c) != nil:
			return fmt.Errorf("info: %w", resFlag(c))
		case proposalsFlag(c) != nil:
			return fmt.Errorf("info: %w", proposalsFlag(c))
		case c.IsSet("arch"):
			size := "224x224"
			if c.IsSet("size") {
				size = c.String("size")
			}
			return archInfo(c.App.Writer, c.String("arch"), size, c.Int("classes"), c.Bool("json"))
		case c.IsSet("model"):
			if c.IsSet("classes") {
				return fmt.Errorf("info: -classes goes with -arch (a model file has its own)")
			}
			return modelInfo(c.App.Writer, c)
		}
		return fmt.Errorf("info: give -arch NAME or -model FILE")
	},
}

func archInfo(w io.Writer, arch, size string, classes int, asJSON bool) error {
	cfg, err := shufflenet.ParseName(arch)
	if err != nil {
		return err
	}
	cfg.NumClasses = classes
	if err := cfg.Validate(); err != nil { // (the name parsed: what is wrong is -classes)
		return fmt.Errorf("info: -classes %d: %w", classes, err)
	}
	return networkInfo(w, cfg, size, asJSON)
}

// networkInfo prints a classifier's (or trunk's) cost on a size (HxW) input.
func networkInfo(w io.Writer, cfg shufflenet.Config, size string, asJSON bool) error {
	h, wd, err := parseSize(size)
	if err != nil {
		return fmt.Errorf("info: -size with -arch or a classifier file is the network's input, HxW (e.g. 224x224): %w", err)
	}
	cx := cfg.Complexity(h, wd)
	if asJSON {
		return writeJSON(w, cx)
	}
	return printComplexity(w, cx)
}

// modelInfo prints the cost of the model file -model: a detector's on a frame of -size (WxH;
// 640x480), resized and padded as the detector does, at -res and -proposals (the model's by
// default; refused where detect refuses them); a classifier's on an input of -size (HxW; 224x224), as -arch prints it.
func modelInfo(w io.Writer, c *cli.Context) error {
	path, asJSON := c.String("model"), c.Bool("json")
	f, err := modelfile.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if f.Config.Detector == nil {
		if c.IsSet("res") || c.IsSet("proposals") {
			return fmt.Errorf("info: model %s: a %s classifier has no detector resolution nor proposals (-res, -proposals)", quote.Name(path), f.Config.Backbone.Name())
		}
		size := "224x224"
		if c.IsSet("size") {
			size = c.String("size")
		}
		if _, err := shufflenet.Build(f.Config.Backbone, f); err != nil { // (its weights checked, as a detector's are)
			return fmt.Errorf("model %s: %w", quote.Name(path), err)
		}
		if err := f.CheckAllUsed(); err != nil {
			return err
		}
		return networkInfo(w, f.Config.Backbone, size, asJSON)
	}
	frameW, frameH := bench.FrameW, bench.FrameH
	if c.IsSet("size") {
		if frameW, frameH, err = parseSize(c.String("size")); err != nil {
			return fmt.Errorf("info: -size with a detector -model is a frame, WxH (e.g. 640x480): %w", err)
		}
	}
	m, err := detector.ModelFromFile(f)
	if err != nil {
		return err
	}
	// The configuration detect would run, refused where detect refuses it (its limits, MaxFrameMACs).
	var opts []detector.Option
	if c.IsSet("res") {
		opts = append(opts, detector.WithResolution(c.Int("res")))
	}
	if c.IsSet("proposals") {
		opts = append(opts, detector.WithProposals(c.Int("proposals")))
	}
	cfg, err := m.DetectorConfig(opts...)
	if err != nil {
		return fmt.Errorf("info: %w", err)
	}
	h, wd, err := cfg.NetworkInput(frameH, frameW)
	if err != nil {
		return fmt.Errorf("info: frame %dx%d: %w", frameW, frameH, err)
	}
	cx, err := m.Complexity(h, wd, cfg.RPN.PostNMSTopN)
	if err != nil {
		return err
	}
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
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s: %s Faster R-CNN, %s, shorter side %d (longer at most %d)\n", path, cx.Arch, plural.Count(len(cfg.Classes), "class", "classes"), cfg.ShorterSide, cfg.MaxLongerSide)
	fmt.Fprintf(&b, "cost on a %dx%d frame (WxH), a %dx%d (HxW) network input, with %s (the RPN's most; a frame may give fewer, detect bench counts its own):\n", frameW, frameH, cx.Height, cx.Width, plural.Count(cx.Proposals, "proposal", "proposals"))
	for _, s := range []struct {
		name string
		c    int64
		p    int64
	}{{"backbone (conv1-stage3)", cx.Backbone.MACs, cx.Backbone.Params}, {"rpn", cx.RPN.MACs, cx.RPN.Params}, {"box head (stage4 + predictor)", cx.BoxHead.MACs, cx.BoxHead.Params}, {"total", cx.MACs, cx.Params}} {
		fmt.Fprintf(&b, "  %-30s %12s multiply-adds %10s params\n", s.name, millions(s.c), millions(s.p))
	}
	_, err = w.Write(b.Bytes())
	return err
}

// parseSize reads -size, two sides AxB in the order its caller gives them (a network input HxW,
// a frame WxH), each between 32 and 8192.
func parseSize(s string) (a, b int, err error) {
	as, bs, ok := strings.Cut(strings.ToLower(s), "x")
	if ok {
		a, err = strconv.Atoi(as)
		if err == nil {
			b, err = strconv.Atoi(bs)
		}
	}
	if !ok || err != nil || a < 32 || b < 32 || a > 8192 || b > 8192 {
		return 0, 0, fmt.Errorf("size %q: want two sides, NxM, each between 32 and 8192", s)
	}
	return a, b, nil
}

// printComplexity writes cx as a table, returning the write's error (a full disk, a closed pipe).
func printComplexity(w io.Writer, cx shufflenet.Complexity) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s at %dx%d\n", cx.Arch, cx.Height, cx.Width)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "part\tmultiply-adds\tparams\toutput\t")
	for _, s := range cx.Stages {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%dx%dx%d\t\n", s.Name, millions(s.MACs), millions(s.Params), s.OutC, s.OutH, s.OutW)
	}
	fmt.Fprintf(tw, "total\t%s\t%s\t\t\n", millions(cx.MACs), millions(cx.Params))
	tw.Flush()
	_, err := w.Write(b.Bytes())
	return err
}

func millions(n int64) string { return fmt.Sprintf("%.2fM", float64(n)/1e6) }

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
