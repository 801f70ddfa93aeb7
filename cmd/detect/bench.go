package main

import (
	"bytes"
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/shuffledet/shuffledet/internal/bench"
	"github.com/shuffledet/shuffledet/internal/cliflag"
	"github.com/shuffledet/shuffledet/internal/plural"
	"github.com/shuffledet/shuffledet/parallel"
)

var benchCommand = &cli.Command{
	Name:  "bench",
	Usage: "time a classifier (random weights or a .bin) or the whole detector: median and p90 per run, GFLOP, peak memory",
	UsageText: "detect bench -arch shufflenet-g3-1.0x [-size 224x224] [-stage 2|3|4] [-threads N] [-n RUNS] [-warmup N] [-json]\n" +
		"   detect bench -model m.bin [-res 300|600|N] [-proposals N] [-size 640x480] [-threads N] [-n RUNS] [-warmup N] [-json]",
	Description: "-arch runs a classifier on random weights and a random input of -size HxW (as in detect info),\n" +
		"or with -stage the trunk up to that stage. -model runs a classifier file the same way, or a\n" +
		"detector file from BGR frame bytes to the final detections on a synthetic frame of -size WxH\n" +
		"(a video size: 640x480 is landscape). Warm-up runs first, then -n timed runs.\n" +
		"gflops counts a multiply-add as 2 floating-point operations. isa names the matrix product's\n" +
		"instruction set; SHUFFLEDET_ISA=generic|avx2|avx512|neon caps it, to time what another CPU runs.",
	OnUsageError: usageError("detect bench"),
	Flags: []cli.Flag{
		&cli.StringFlag{Name: "arch", Usage: "the architecture `NAME`: shufflenet-g<1|2|3|4|8>-<0.25|0.5|1.0|1.5|2.0>x[-shallow][-se][-noshuffle]"},
		&cli.StringFlag{Name: "model", Usage: "a .bin model `FILE` (classifier or detector)"},
		&cli.StringFlag{Name: "size", Usage: "input `HxW` for a classifier (default 224x224); frame WxH for a detector (default 640x480)"},
		&cliflag.Int{IntFlag: cli.IntFlag{Name: "res", Usage: "detector's shorter side (`N`; the paper's: 300, 600)", DefaultText: "the model's"}},
		&cliflag.Int{IntFlag: cli.IntFlag{Name: "proposals", Usage: "detector's proposals kept after the RPN's NMS (`N`, 1 to 10000), the regions its box head runs on", DefaultText: "the model's, 300 in the presets"}},
		&cliflag.Int{IntFlag: cli.IntFlag{Name: "stage", Usage: "classifier only: stop after stage `N` (2, 3 or 4)", DefaultText: "the whole classifier"}},
		&cliflag.Int{IntFlag: cli.IntFlag{Name: "threads", Value: 1, Usage: "threads one run is split over (`N`; the detector's and the classifier's thread pool); results do not depend on it"}},
		&cliflag.Int{IntFlag: cli.IntFlag{Name: "n", Value: 20, Usage: "timed runs (`RUNS`)"}},
		&cliflag.Int{IntFlag: cli.IntFlag{Name: "warmup", Value: 3, Usage: "untimed runs first (`N`; a detector's first frame, which counts its proposals, is one of them)"}},
		&cli.BoolFlag{Name: "json", Usage: "print one JSON object: case, runs, warmup, median_ms, p90_ms, min_ms, macs, gflops, gflop_per_s, threads, cpus, gomaxprocs, isa, peak_rss_mb, file_rss_mb (MiB), times_ms"},
	},
	Action: func(c *cli.Context) error {
		if err := flagsBefore("bench", c); err != nil {
			return err
		}
		if c.NArg() > 0 {
			return strayArgs("bench", c)
		}
		o := bench.Options{Resolution: c.Int("res"), Proposals: c.Int("proposals"), Stage: c.Int("stage"), Threads: c.Int("threads")}
		if err := resFlag(c); err != nil {
			return fmt.Errorf("bench: %w", err)
		}
		if err := proposalsFlag(c); err != nil {
			return fmt.Errorf("bench: %w", err)
		}
		if st := c.Int("stage"); c.IsSet("stage") && (st < 2 || st > 4) { // (0, bench.Classify, ran the whole network unasked)
			return fmt.Errorf("bench: -stage %d: want 2, 3 or 4 (without -stage, the whole classifier)", st)
		}
		if o.Threads < 1 { // (bench.Options takes 0 for 1; a user who typed 0 meant something else)
			return fmt.Errorf("bench: -threads %d: want at least 1", o.Threads)
		}
		if err := parallel.CheckBudget(o.Threads); err != nil {
			return fmt.Errorf("bench: -threads %d: %w", o.Threads, err)
		}
		// Before the case is made, as the other flags are: making it runs a detector's first frame
		// and fills a -size input, seconds and hundreds of MiB spent before Measure refused -n 0.
		if n := c.Int("n"); n < 1 || n > bench.MaxRuns {
			return fmt.Errorf("bench: -n %d: want 1 to %d timed runs", n, bench.MaxRuns)
		}
		if n := c.Int("warmup"); n < 0 || n > bench.MaxRuns {
			return fmt.Errorf("bench: -warmup %d: want 0 to %d untimed runs", n, bench.MaxRuns)
		}
		if c.IsSet("size") {
			a, b, err := parseSize(c.String("size"))
			if err != nil {
				return fmt.Errorf("bench: -size is a classifier's input, HxW (e.g. 224x224), or a detector's frame, WxH (e.g. 640x480): %w", err)
			}
			o.InputH, o.InputW = a, b // a network input, HxW as in detect info
			o.FrameW, o.FrameH = a, b // a frame, WxH as video sizes are written
		}
		var cs bench.Case
		var err error
		switch {
		case c.IsSet("arch") && c.IsSet("model"):
			return fmt.Errorf("bench: give -arch or -model, not both")
		case c.IsSet("arch"):
			cs, err = bench.Arch(c.String("arch"), o)
		case c.IsSet("model"):
			cs, err = bench.Model(c.String("model"), o)
		default:
			return fmt.Errorf("bench: give -arch NAME or -model FILE")
		}
		if err != nil {
			return err
		}
		r, err := bench.Measure(cs, c.Int("n"), c.Int("warmup"))
		if err != nil {
			return err
		}
		if c.Bool("json") {
			if why := r.Oversubscribed(); why != "" { // (the text says so in its thread count)
				fmt.Fprintf(c.App.ErrWriter, "detect: bench: note: -threads %d, %s: the threads take turns, and the times are not those of %d cores\n", r.Threads, why, r.Threads)
			}
			return writeJSON(c.App.Writer, r)
		}
		return printBench(c.App.Writer, r)
	},
}

// printBench writes r as text, returning the write's error (a full disk, a closed pipe).
func printBench(w io.Writer, r bench.Result) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\n", r.Case)
	threads := plural.Count(r.Threads, "thread", "threads")
	if why := r.Oversubscribed(); why != "" {
		threads += " (" + why + ")"
	}
	fmt.Fprintf(&b, "  %s, %s, %s after %d warm-up: median %.2f ms, p90 %.2f ms, min %.2f ms\n", threads, r.ISA, plural.Count(r.Runs, "run", "runs"), r.Warmup, r.MedianMS, r.P90MS, r.MinMS)
	fmt.Fprintf(&b, "  %.3f GFLOP per run (%s multiply-adds), %.1f GFLOP/s at the median; peak resident memory %.1f MiB", r.GFLOPs, millions(r.MACs), r.GFLOPPerS, r.PeakRSSMB)
	if r.FileRSSMB > 0 {
		fmt.Fprintf(&b, " (%.1f MiB of it file-backed: the executable and shared libraries)", r.FileRSSMB)
	}
	b.WriteString("\n")
	_, err := w.Write(b.Bytes())
	return err
}

// strayArgs is the error for arguments that command (bench, info) does not take: the flag parser
// stops at the first, so the flags after it were not read.
func strayArgs(command string, c *cli.Context) error {
	return fmt.Errorf("%s: %q is not a flag, and %s takes no other arguments (the flags after it were not read): detect %s -FLAG VALUE ...",
		command, c.Args().First(), command, command)
}

// flagsBefore refuses detect's own flags given before the info or bench command: they are not the
// command's, and were dropped without a word (detect -res 600 info -model m.bin counted the cost
// at the model's 300).
func flagsBefore(command string, c *cli.Context) error {
	lineage := c.Lineage()
	if len(lineage) < 2 {
		return nil
	}
	if names := lineage[1].LocalFlagNames(); len(names) > 0 {
		return fmt.Errorf("%s: -%s is given before %s, where it is detect's own flag, not %s's: give %s's flags after it (detect %s -FLAG VALUE ...)",
			command, names[0], command, command, command, command)
	}
	return nil
}
