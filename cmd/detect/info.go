package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/shuffledet/shuffledet/backbone/shufflenet"
	"github.com/shuffledet/shuffledet/internal/bench"
)

var infoCommand = &cli.Command{
	Name:         "info",
	Usage:        "print an architecture's or a model's multiply-adds and parameters",
	UsageText:    "detect info -arch shufflenet-g3-1.0x [-size 224x224] [-classes 1000] [-json]\n   detect info -model m.bin [-res 300|600|N] [-size 640x480] [-json]",
	OnUsageError: usageError("detect info"),
	Flags: []cli.Flag{
		&cli.StringFlag{Name: "arch", Usage: "architecture: shufflenet-g<1|2|3|4|8>-<0.25|0.5|1.0|1.5|2.0>x[-shallow][-se][-noshuffle]"},
		&cli.StringFlag{Name: "size", Usage: "-arch: the network input HxW; -model: a frame WxH (a video size: 640x480 is landscape), resized as the detector resizes it", DefaultText: "224x224; 640x480"},
		&cli.IntFlag{Name: "classes", Value: 1000, Usage: "classifier width for -arch (0: none)"},
		&cli.StringFlag{Name: "model", Usage: "a detector .bin model file (a classifier file: -arch with its architecture)"},
		&cli.IntFlag{Name: "res", Usage: "detector's shorter side for -model (the paper's: 300, 600)", DefaultText: "the model's"},
		&cli.BoolFlag{Name: "json", Usage: "print one JSON object"},
	},
	Action: func(c *cli.Context) error {
		switch {
		case c.NArg() > 0:
			return strayArgs("info", c)
		case c.IsSet("arch") && c.IsSet("model"):
			return fmt.Errorf("info: give -arch or -model, not both")
		case c.IsSet("arch") && c.IsSet("res"):
			return fmt.Errorf("info: -res goes with -model (a detector's resolution; -size is the network's input with -arch)")
		case resFlag(c) != nil:
			return fmt.Errorf("info: %w", resFlag(c))
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
			fw, fh := bench.FrameW, bench.FrameH
			if c.IsSet("size") {
				var err error
				if fw, fh, err = parseSize(c.String("size")); err != nil {
					return fmt.Errorf("info: -size with -model is a frame, WxH (e.g. 640x480): %w", err)
				}
			}
			return modelInfo(c.App.Writer, c.String("model"), c.Int("res"), fw, fh, c.Bool("json"))
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
	h, wd, err := parseSize(size)
	if err != nil {
		return fmt.Errorf("info: -size with -arch is the network's input, HxW (e.g. 224x224): %w", err)
	}
	cx := cfg.Complexity(h, wd)
	if asJSON {
		return writeJSON(w, cx)
	}
	printComplexity(w, cx)
	return nil
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

func printComplexity(w io.Writer, cx shufflenet.Complexity) {
	fmt.Fprintf(w, "%s at %dx%d\n", cx.Arch, cx.Height, cx.Width)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "part\tmultiply-adds\tparams\toutput\t")
	for _, s := range cx.Stages {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%dx%dx%d\t\n", s.Name, millions(s.MACs), millions(s.Params), s.OutC, s.OutH, s.OutW)
	}
	fmt.Fprintf(tw, "total\t%s\t%s\t\t\n", millions(cx.MACs), millions(cx.Params))
	tw.Flush()
}

func millions(n int64) string { return fmt.Sprintf("%.2fM", float64(n)/1e6) }

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
