// Command cocoeval evaluates COCO bbox detections with pycocotools'
// COCOeval semantics, to the last digit.
//
//	cocoeval -gt instances_val2017.json -dt results.json [-limit N] [-categories LIST] [-json] [-plots DIR]
//	cocoeval -model m.bin -gt instances_val2017.json -images val2017/ [-res 300|600|N] [-proposals N]
//	         [-out results.json] [-threads N] [-limit N] [-categories LIST] [-json] [-plots DIR]
//
// The second form runs the detector over the split (with a progress bar),
// writes the results file, then evaluates it. -threads N detects N images at
// a time, each detector splitting its image over GOMAXPROCS/N threads (at least
// one), so that the default (one image at a time) uses every core; the
// results do not depend on N. Ctrl-C writes the results of
// the images done so far (the first ones, as -limit gives them) and exits
// with status 130; so do SIGTERM and SIGHUP (the terminal closed). One during
// an evaluation (-dt's, or -model's once every image is done) stops it with
// status 130, printing no numbers, or, once they are printed, writing no
// more charts (the one being drawn is dropped; the results file of -model is
// written before). -limit N
// with -dt evaluates the first N images of -gt only: what a -limit or
// interrupted run's file covers. -gt - or -dt - reads standard input.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/shuffledet/shuffledet/coco"
	"github.com/shuffledet/shuffledet/coco/prplot"
	"github.com/shuffledet/shuffledet/configs"
	"github.com/shuffledet/shuffledet/cvimage"
	"github.com/shuffledet/shuffledet/internal/cliflag"
	"github.com/shuffledet/shuffledet/internal/cliout"
	"github.com/shuffledet/shuffledet/internal/interrupt"
	"github.com/shuffledet/shuffledet/internal/kernels"
	"github.com/shuffledet/shuffledet/internal/outpath"
	"github.com/shuffledet/shuffledet/internal/plural"
	"github.com/shuffledet/shuffledet/internal/progress"
	"github.com/shuffledet/shuffledet/internal/quote"
	"github.com/shuffledet/shuffledet/internal/version"
	"github.com/shuffledet/shuffledet/parallel"
	"github.com/shuffledet/shuffledet/rpn"
)

// env is what the command talks to; tests replace its parts.
type env struct {
	stdin          io.Reader // what -gt - and -dt - read (stdinPath)
	stdout, stderr io.Writer
	// newDetectors returns the factory of per-worker detectors for a model
	// file with the given settings, and the model's classes.
	newDetectors func(model string, s modelSettings) (func() (detectFunc, error), []configs.Class, error)
	decode       func(path string) (image.Image, error)
}

// modelSettings are -model's detector settings: the resolution and the proposals (0: the model's
// own) and each detector's threads.
type modelSettings struct {
	res, proposals, threads int
}

func main() {
	// SIGHUP too (the terminal closed, an ssh session dropped, as detect takes it): otherwise it
	// ends the process, and a run over minival loses every image done. The first signal is
	// answered at once: the images being detected can take seconds to finish (-threads of them
	// at 600), and a second Ctrl-C, pressed for want of an answer, would write nothing.
	stderr := progress.Above(os.Stderr) // (a message while the bar is drawn goes above it)
	ctx, stop := interrupt.Context(context.Background(), func() {
		fmt.Fprintln(stderr, "cocoeval: interrupted: finishing what is in progress (press Ctrl-C again to quit at once, writing nothing)")
	}, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: stderr, newDetectors: modelDetectors, decode: decodeImage}
	os.Exit(run(ctx, e, os.Args))
}

// within runs load on a goroutine of its own and returns what it returns, or, when ctx ends first
// (Ctrl-C, SIGTERM), an error saying what was being read: a read blocked in the kernel (a named
// pipe no one writes) cannot be cancelled, so it is left behind, and the command still ends.
func within[T any](ctx context.Context, path string, load func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := load()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, &exitError{code: 130, msg: fmt.Sprintf("interrupted while reading %s", quote.Name(path))}
	}
}

// stdinPath is what -gt - and -dt - stand for: standard input, e.stdin, read under this name, which
// messages show and which, where standard input is a file (a shell's < redirection), opens it
// again to give an error's line and column. Given as such, it reads e.stdin too.
const stdinPath = "/dev/stdin"

// loadDataset reads the ground truth at path, or e.stdin for stdinPath.
func loadDataset(e *env, path string) (*coco.Dataset, error) {
	if path == stdinPath {
		return coco.DecodeDataset(e.stdin, path)
	}
	if err := checkExists("gt", path); err != nil {
		return nil, err
	}
	return coco.LoadDataset(path)
}

// checkExists names the flag whose file is not there ("-dt x.json: no such file or directory";
// the open's own error named only the path). Other failures are the loader's to name.
func checkExists(flag, path string) error {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("-%s %s: no such file or directory", flag, quote.Name(path))
	}
	return nil
}

// loadResults reads the results file at path, or e.stdin for stdinPath.
func loadResults(e *env, path string, gt *coco.Dataset) ([]coco.Result, error) {
	if path == stdinPath {
		return coco.DecodeResults(e.stdin, path, gt)
	}
	if err := checkExists("dt", path); err != nil {
		return nil, err
	}
	return coco.LoadResults(path, gt)
}

// exitError carries an exit status.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// run runs the command and returns its exit status.
func run(ctx context.Context, e *env, args []string) int {
	out := &cliout.Writer{W: e.stdout} // (urfave/cli's help and -version printers drop a write's error)
	app := newApp(e)
	app.Writer = out
	err := app.RunContext(ctx, args)
	if err == nil && out.Err() != nil {
		err = fmt.Errorf("writing standard output: %w", out.Err())
	}
	if err == nil {
		return 0
	}
	fmt.Fprintln(e.stderr, "cocoeval:", err)
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return 1
}

func init() { version.UseInCLI() }

func newApp(e *env) *cli.App {
	return &cli.App{
		Name:      "cocoeval",
		Version:   version.Line("cocoeval", cvimage.Decoders()),
		Usage:     "evaluate COCO bbox detections (pycocotools COCOeval, digit for digit)",
		UsageText: "cocoeval -gt annotations.json -dt results.json [-limit N] [-categories LIST] [-json] [-plots DIR]\n   cocoeval -model m.bin -gt annotations.json -images DIR [-res 300|600|N] [-proposals N] [-out results.json] [-threads N] [-limit N] [-categories LIST] [-json] [-plots DIR]",
		Writer:    e.stdout,
		ErrWriter: e.stderr,
		// errors are printed by run, never by os.Exit inside cli
		ExitErrHandler: func(*cli.Context, error) {},
		// A mistyped flag is an error on stderr, not the help on stdout (where -json goes).
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return fmt.Errorf("%w (cocoeval -h lists the flags)", err)
		},
		Before:          func(*cli.Context) error { return kernels.ISAError() },
		HideHelpCommand: true,
		// -h with a file after it (cocoeval -gt a.json -h b.json): the help, not "No help topic".
		CommandNotFound: func(c *cli.Context, _ string) { cli.ShowAppHelp(c) },
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "gt", Usage: "ground truth: COCO instances `JSON` (e.g. instances_val2017.json, the 5000-image minival; - reads standard input)"},
			&cli.StringFlag{Name: "dt", Usage: "detections to evaluate: a COCO results `JSON` file (- reads standard input)"},
			&cli.BoolFlag{Name: "json", Usage: "print the evaluation as JSON (stats at full precision, per-category results; images evaluated and images_in_gt, fewer after -limit or an interruption, whose exit status is 130)"},
			&cli.StringFlag{Name: "categories", Usage: "evaluate only these categories of -gt (`LIST`: ids or names, comma-separated, e.g. person,car or 1,3), as pycocotools' params.catIds: the averages are over them (default: every category, as pycocotools)"},
			&cli.StringFlag{Name: "plots", Usage: "write precision-recall charts into `DIR` as PNG and SVG: pr_iou (a curve per IoU threshold), pr_area (per object size), pr_categories (a chart per category, of the 256 with the most ground truths where there are more)"},
			&cli.StringFlag{Name: "model", Usage: "run this detector model `FILE` over the images first"},
			&cli.StringFlag{Name: "images", Usage: "with -model: the images `DIR` of the split"},
			&cliflag.Int{IntFlag: cli.IntFlag{Name: "res", Usage: "with -model: shorter side (the paper's: 300, 600); the longer side at most 5/3 of it", DefaultText: "the model's own resolution"}},
			&cliflag.Int{IntFlag: cli.IntFlag{Name: "proposals", Usage: "with -model: the RPN's proposals kept after its NMS, the regions the box head runs on (`N`, 1 to 10000): fewer are faster and may miss objects", DefaultText: "the model's, 300 in the presets"}},
			&cli.StringFlag{Name: "out", Value: "results.json", Usage: "with -model: where to write the results `FILE` (folders that do not exist are made)"},
			&cliflag.Int{IntFlag: cli.IntFlag{Name: "threads", Value: 1, Usage: "with -model: images detected at once (`N` workers, each with its own detector); the cores are shared among them, each detector splitting its image's work over cores/N threads (at least 1)"}},
			&cliflag.Int{IntFlag: cli.IntFlag{Name: "limit", Usage: "only the first `N` images of -gt (0: all): with -model, detect and evaluate those; with -dt, evaluate those (a -limit or interrupted run's file)"}},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return fmt.Errorf("unexpected arguments %q (flags only; see -help)", c.Args().Slice())
			}
			switch {
			case !c.IsSet("gt"): // (checked here, not as a Required flag: cli prints the help on stdout with that error)
				return errors.New("no -gt: give the ground truth, a COCO instances JSON (e.g. instances_val2017.json)")
			case c.IsSet("dt") && c.IsSet("model"):
				return errors.New("give either -dt (evaluate a results file) or -model (run a detector), not both")
			case c.IsSet("dt"):
				for _, f := range []string{"images", "res", "proposals", "out", "threads"} {
					if c.IsSet(f) {
						return fmt.Errorf("-%s only goes with -model", f)
					}
				}
			case !c.IsSet("model"):
				return errors.New("give -dt results.json to evaluate, or -model m.bin -images DIR to run a detector first")
			}
			for _, f := range []string{"gt", "dt"} {
				if c.String(f) == "-" {
					c.Set(f, stdinPath) // (named so in every message, and a redirected file's errors get their line)
				}
			}
			if c.IsSet("dt") && c.String("gt") == stdinPath && c.String("dt") == stdinPath {
				return errors.New("-gt and -dt are both standard input (-); give one of them as a file")
			}
			if err := checkPlots(c.String("plots")); err != nil { // before any work, either way
				return err
			}
			if c.IsSet("categories") && strings.TrimSpace(c.String("categories")) == "" {
				return errors.New("-categories: an empty list; give ids or names (e.g. person,car), or leave -categories out to evaluate every category")
			}
			if c.IsSet("dt") {
				return evalFile(c, e)
			}
			return runModel(c, e)
		},
	}
}

// evalFile evaluates a results file: over every image of the ground truth, as pycocotools does,
// or with -limit over the first ones.
func evalFile(c *cli.Context, e *env) error {
	limit := c.Int("limit")
	if limit < 0 {
		return fmt.Errorf("-limit must not be negative, not %d", limit)
	}
	gt, err := within(c.Context, c.String("gt"), func() (*coco.Dataset, error) { return loadDataset(e, c.String("gt")) })
	if err != nil {
		return err
	}
	cats, err := parseCategories(gt, c.String("categories"))
	if err != nil {
		return err
	}
	all := firstImages(gt, 0)
	evaluated := all
	if limit > 0 && limit < len(all) {
		evaluated = all[:limit]
	}
	if err := checkPlotsGroundTruth(c.String("plots"), gt, evaluated, cats); err != nil {
		return err
	}
	dts, err := within(c.Context, c.String("dt"), func() ([]coco.Result, error) { return loadResults(e, c.String("dt"), gt) })
	if err != nil {
		return err
	}
	noteLimit(e, limit, len(all), c.String("gt"))
	if len(evaluated) < len(all) {
		fmt.Fprintf(e.stderr, "evaluating the first %s (of %d in %s)\n", plural.Count(limit, "image", "images"), len(all), quote.Name(c.String("gt")))
		if k := coveredPrefix(all, dts); k > limit && k < len(all) { // (a complete file at a small -limit: a quick check)
			beyond := fmt.Sprintf("images %d-%d", limit+1, k)
			if k == limit+1 {
				beyond = fmt.Sprintf("image %d", k)
			}
			fmt.Fprintf(e.stderr, "cocoeval: note: %s has detections on the first %d images: those on %s are not evaluated "+
				"(if the file is from a -limit or interrupted run, give -limit as that run printed it)\n", quote.Name(c.String("dt")), k, beyond)
		}
		return report(c.Context, c, e, gt, dts, imageIDs(evaluated), cats)
	}
	if k := coveredPrefix(all, dts); limit == 0 && len(dts) > 0 && k < len(all) {
		if n := withGroundTruth(gt, all[k:], cats); n > 0 { // (images without any have nothing to miss)
			fmt.Fprintf(e.stderr, "cocoeval: note: %s on the first %d of the %d images in %s; "+
				"the %d after %s with ground truth %s as missed (if the file is from a -limit or interrupted run, give -limit as that run printed it: %d or more, as its last images may have no detection)\n",
				plural.Word(len(dts), "the detection is", "the detections are all"), k, len(all), quote.Name(c.String("gt")),
				n, plural.Word(k, "it", "them"), plural.Word(n, "counts", "count"), k)
		}
	}
	return report(c.Context, c, e, gt, dts, nil, cats)
}

// inputNotes says what in gt and dts is almost surely a mistake though it evaluates (as
// pycocotools evaluates it, or where pycocotools stops): no detections, a ground truth without
// annotations (an image-info file, as test-dev's), annotation ids repeated (pycocotools looks
// annotations up by id: each one with a repeated id stands for the last one with that id).
func inputNotes(gt *coco.Dataset, dts []coco.Result) []string {
	var notes []string
	if len(dts) == 0 {
		notes = append(notes, "there are no detections: every AP and AR is 0, -1 where there is no ground truth (pycocotools' loadRes stops on an empty list)")
	}
	if len(gt.Annotations) == 0 {
		notes = append(notes, fmt.Sprintf("%s has no annotations (an image-info file, such as test-dev's, has none to evaluate against): every number is -1", quote.Name(gt.Path)))
	}
	if img, cat := unlistedAnnotations(gt); img+cat > 0 {
		notes = append(notes, fmt.Sprintf("%s has %s of images its images list lacks and %d of categories its categories list lacks: %s not evaluated (nor by pycocotools, which evaluates the images and categories listed)", quote.Name(gt.Path), plural.Count(img, "annotation", "annotations"), cat, plural.Word(img+cat, "it is", "they are")))
	}
	if shared := gt.RepeatedAnnotationIDs(); shared > 0 {
		notes = append(notes, fmt.Sprintf("%s of %s %s an id an earlier one has: pycocotools looks annotations up by id, so %s for the last annotation with its id (box, image and category), here as there", plural.Count(shared, "annotation", "annotations"), quote.Name(gt.Path), plural.Word(shared, "repeats", "repeat"), plural.Word(shared, "it stands", "each of them stands")))
	}
	return notes
}

// unlistedAnnotations counts gt's annotations of an image id that its images do not list, and,
// of the others, those of a category id that its categories do not list.
func unlistedAnnotations(gt *coco.Dataset) (images, categories int) {
	imgs := make(map[int64]bool, len(gt.Images))
	for _, im := range gt.Images {
		imgs[im.ID] = true
	}
	cats := make(map[int]bool, len(gt.Categories))
	for _, c := range gt.Categories {
		cats[c.ID] = true
	}
	for _, a := range gt.Annotations {
		switch {
		case !imgs[a.ImageID]:
			images++
		case !cats[a.CategoryID]:
			categories++
		}
	}
	return images, categories
}

// detectedCategories returns the categories with ground truth that counts (neither a crowd
// region nor ignored) in images (nil: every image of gt) that dts detects there, as -categories
// takes them (by name, or by id where a name would not name that one category), and counts the
// categories with such ground truth: those the averages are over, as in pycocotools.
func detectedCategories(gt *coco.Dataset, dts []coco.Result, images []int64) (detected []string, withGT int) {
	if images == nil {
		images = gt.ImageIDs()
	}
	evaluated := make(map[int64]bool, len(images))
	counts := make(map[int]bool)
	for _, im := range images {
		evaluated[im] = true
		for _, i := range gt.ImageAnnotations(im) {
			if a := gt.Annotations[i]; !a.IsCrowd && !a.Ignore {
				counts[a.CategoryID] = true
			}
		}
	}
	seen := make(map[int]bool)
	for _, d := range dts {
		if evaluated[d.ImageID] {
			seen[d.CategoryID] = true
		}
	}
	for _, id := range gt.CategoryIDs() {
		if counts[id] {
			withGT++
			if seen[id] {
				c, _ := gt.Category(id)
				name := c.Name
				if len(gt.CategoryIDsNamed(name)) != 1 || strings.ContainsAny(name, ", ") || name == "" {
					name = strconv.Itoa(id) // a name -categories would not take as this one category
				}
				detected = append(detected, name)
			}
		}
	}
	return detected, withGT
}

// coveredPrefix is how many of images, from the first, it takes to hold every detection of dts.
func coveredPrefix(images []coco.Image, dts []coco.Result) int {
	has := make(map[int64]bool)
	for _, d := range dts {
		has[d.ImageID] = true
	}
	k := 0
	for i, im := range images {
		if has[im.ID] {
			k = i + 1
		}
	}
	return k
}

// noteLimit says on stderr when -limit asks for more images than the ground truth has.
func noteLimit(e *env, limit, images int, gt string) {
	if limit > images {
		fmt.Fprintf(e.stderr, "cocoeval: note: -limit %d is more than the %s in %s: %s evaluated\n", limit, plural.Count(images, "image", "images"), quote.Name(gt), plural.Word(images, "it is", "all of them are"))
	}
}

// undetectedCategories names the categories of cats (gt's ids) that none of the model's classes
// has ("car (id 3), truck (id 8)"), "" when there are none.
func undetectedCategories(gt *coco.Dataset, cats []int, classes []configs.Class) string {
	var missing []string
	for _, id := range cats {
		if !slices.ContainsFunc(classes, func(c configs.Class) bool { return c.ID == id }) {
			c, _ := gt.Category(id)
			missing = append(missing, fmt.Sprintf("%s (id %d)", quote.Name(c.Name), id))
		}
	}
	return strings.Join(missing, ", ")
}

// renamedClasses lists the model's classes whose category id gt names otherwise ("id 3: car
// in the model, truck in gt"; at most 5, then a count), "" when there are none.
func renamedClasses(gt *coco.Dataset, classes []configs.Class) string {
	names := make(map[int]string, len(gt.Categories))
	for _, c := range gt.Categories {
		names[c.ID] = c.Name
	}
	var diff []string
	for _, c := range classes {
		if name, ok := names[c.ID]; ok && name != c.Name {
			diff = append(diff, fmt.Sprintf("id %d: %q in the model, %q in the ground truth", c.ID, c.Name, name))
		}
	}
	if len(diff) > 5 {
		diff = append(diff[:5], fmt.Sprintf("and %d more", len(diff)-5))
	}
	return strings.Join(diff, "; ")
}

// foreignClasses lists the model's classes ("1 person, 3 car"; at most 5, then a count) when
// none of their ids is a category of gt, "" when one is (or the model has none).
func foreignClasses(gt *coco.Dataset, classes []configs.Class) string {
	var ids []string
	for _, c := range classes {
		if gt.HasCategory(c.ID) {
			return ""
		}
		ids = append(ids, fmt.Sprintf("%d %s", c.ID, quote.Name(c.Name)))
	}
	if len(ids) > 5 {
		ids = append(ids[:5], fmt.Sprintf("and %d more", len(ids)-5))
	}
	return strings.Join(ids, ", ")
}

// withGroundTruth counts the images with an annotation that a detection can match and that
// counts when missed (neither a crowd region nor ignored), of one of cats (nil: any category).
func withGroundTruth(gt *coco.Dataset, images []coco.Image, cats []int) int {
	n := 0
	for _, im := range images {
		for _, i := range gt.ImageAnnotations(im.ID) {
			if a := gt.Annotations[i]; !a.IsCrowd && !a.Ignore && (cats == nil || slices.Contains(cats, a.CategoryID)) {
				n++
				break
			}
		}
	}
	return n
}

// parseCategories reads -categories: ids or names of gt's categories, comma-separated (nil for
// "", every category). A name stands for every category listed under it, as pycocotools'
// getCatIds(catNms=...) finds them.
func parseCategories(gt *coco.Dataset, list string) ([]int, error) {
	if list == "" {
		return nil, nil
	}
	var ids []int
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		found := gt.CategoryIDsNamed(item)
		if id, err := strconv.Atoi(item); err == nil && gt.HasCategory(id) { // an id first, as pycocotools takes them
			found = []int{id}
		}
		if len(found) == 0 && item == "" {
			return nil, fmt.Errorf("-categories: an empty item in %q (a stray comma?)", list)
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("-categories: %q is neither the id nor the name of a category of %s", item, quote.Name(gt.Path))
		}
		for _, id := range found {
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	return ids, nil
}

// report evaluates dts (over images, or all images of gt when nil; over catIDs, or every
// category when nil) and prints the summary or JSON, and writes plots. When ctx ends (Ctrl-C),
// it stops with status 130, having printed no numbers if the evaluation was not done, or written
// the charts finished before it (interruptedCharts).
func report(ctx context.Context, c *cli.Context, e *env, gt *coco.Dataset, dts []coco.Result, images []int64, catIDs []int) error {
	ev, err := coco.NewEval(gt, dts)
	if err != nil {
		return err
	}
	if catIDs != nil {
		ev.CatIDs = catIDs
		fmt.Fprintf(e.stderr, "evaluating %d of the %s in %s\n", len(catIDs), plural.Count(len(gt.Categories), "category", "categories"), quote.Name(c.String("gt")))
	} else if detected, withGT := detectedCategories(gt, dts, images); len(dts) > 0 && len(detected) < withGT {
		hint := "-categories evaluates some only"
		if len(detected) > 0 && len(detected) <= 10 {
			hint = "-categories " + strings.Join(detected, ",") + " evaluates those only"
		}
		where := ""
		if images != nil {
			where = " in the images evaluated"
		}
		fmt.Fprintf(e.stderr, "cocoeval: note: the detections are of %d of the %s with ground truth%s, and the averages are over all %d, "+
			"as pycocotools' (%s)\n", len(detected), plural.Count(withGT, "category", "categories"), where, withGT, hint)
	}
	if u := coco.FindUnmatchable(dts, gt).String(); u != "" {
		fmt.Fprintln(e.stderr, "cocoeval: note:", u)
	}
	for _, n := range inputNotes(gt, dts) {
		fmt.Fprintln(e.stderr, "cocoeval: note:", n)
	}
	if images != nil {
		ev.ImgIDs = images
	}
	if err := ev.AccumulateContext(ctx); err != nil {
		if ctx.Err() != nil {
			return &exitError{code: 130, msg: "interrupted while evaluating: nothing printed"}
		}
		return err
	}
	ev.Summarize()
	cats := ev.PerCategory()
	if c.Bool("json") {
		out := jsonReport{GT: c.String("gt"), DT: c.String("dt"), Images: len(ev.ImgIDs), ImagesInGT: len(gt.ImageIDs()), Detections: len(dts),
			StatNames: coco.StatNames, Stats: ev.Stats, Categories: cats}
		if out.DT == "" {
			out.DT = c.String("out")
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return err
		}
	} else {
		if _, err := fmt.Fprint(e.stdout, ev.Summary()+"\n"+coco.CategoryTable(cats)); err != nil {
			return err
		}
	}
	if dir := c.String("plots"); dir != "" {
		files, err := prplot.WritePlotsContext(ctx, ev, dir)
		if err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return interruptedCharts(dir, files)
		}
		if errors.Is(err, prplot.ErrNoGroundTruth) { // (an interrupted -model's images, areas outside pycocotools' ranges: checkPlotsGroundTruth sees neither)
			return fmt.Errorf("-plots %s: no precision-recall chart written: no category evaluated has ground truth in the images evaluated, "+
				"so there is no curve to draw (every AP and AR above is -1)", quote.Name(dir))
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "wrote %s to %s\n", plural.Count(len(files), "precision-recall chart", "precision-recall charts"), quote.Name(dir))
	}
	return nil
}

// interruptedCharts is the error of an interruption while the charts were written into dir:
// files were written, the others not (the one being drawn left no file).
func interruptedCharts(dir string, files []string) error {
	if len(files) == 0 {
		return &exitError{code: 130, msg: fmt.Sprintf("interrupted: no precision-recall charts written to %s", quote.Name(dir))}
	}
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = filepath.Base(f)
	}
	return &exitError{code: 130, msg: fmt.Sprintf("interrupted while writing the precision-recall charts to %s: %s %s written, the others are not",
		quote.Name(dir), strings.Join(names, ", "), plural.Word(len(files), "is", "are"))}
}

// jsonReport is the -json output.
type jsonReport struct {
	GT         string                `json:"gt"`
	DT         string                `json:"dt"`
	Images     int                   `json:"images"`       // the images evaluated
	ImagesInGT int                   `json:"images_in_gt"` // the ground truth's: more than images after -limit or an interruption
	Detections int                   `json:"detections"`
	StatNames  [12]string            `json:"stat_names"`
	Stats      [12]float64           `json:"stats"`
	Categories []coco.CategoryResult `json:"categories"`
}

// checkOutput makes sure that the results file out can be written, before any work (a run over
// minival takes an hour): a name of a file, not a folder (nor one that only a folder can have,
// runs/ or runs/.), in a folder that takes new files or can be made (outpath.CanMakeIn: it is
// made when the results are written, as detect makes its output folders), through a symbolic
// link the folder of the file it names (SaveResults follows it), and not the ground truth, the
// model or the images folder (also through links).
func checkOutput(out, gt, model, images string) error {
	if out == "" {
		return errors.New("-out: no file name")
	}
	if out == "-" { // (not standard output: the evaluation's numbers go there)
		return errors.New("-out -: the results are written to a file, the evaluation's numbers to standard output; give the file's name (./- for one named -)")
	}
	st, statErr := os.Stat(out)
	if statErr == nil && st.IsDir() {
		return fmt.Errorf("-out %s is a folder; give the results file's name", quote.Name(out))
	}
	if base := filepath.Base(out); os.IsPathSeparator(out[len(out)-1]) || base == "." || base == ".." {
		return fmt.Errorf("-out %s names a folder (it ends in /, /. or /..); give the results file's name", quote.Name(out))
	}
	for _, in := range []struct{ flag, path string }{{"-gt", gt}, {"-model", model}, {"-images", images}} {
		if samePath(out, in.path) {
			return fmt.Errorf("-out %s would overwrite %s %s", quote.Name(out), in.flag, quote.Name(in.path))
		}
	}
	if statErr == nil && !st.Mode().IsRegular() { // a pipe or a device (/dev/stdout), written directly
		return nil
	}
	target := outpath.FollowLinks(out)                               // (where SaveResults writes)
	if runtime.GOOS == "linux" && len(filepath.Base(target)) > 255 { // (bytes; NTFS and APFS count characters)
		return fmt.Errorf("-out %s: %w", quote.Name(out), syscall.ENAMETOOLONG)
	}
	if err := outpath.CanMakeIn(filepath.Dir(target)); err != nil {
		return fmt.Errorf("-out %s: %w", quote.Name(out), quote.Err(err))
	}
	if _, err := os.Stat(target); err != nil && !errors.Is(err, fs.ErrNotExist) { // a loop of links
		return fmt.Errorf("-out %s: %w", quote.Name(out), outpath.WithoutPath(err))
	}
	return nil
}

// checkPlots makes sure that -plots DIR can take the charts, before any work (outpath.CanMakeIn:
// the folders are made when the charts are written).
func checkPlots(dir string) error {
	if dir == "" {
		return nil
	}
	if st, err := os.Stat(dir); err == nil && !st.IsDir() { // (named once: CanMakeIn's error names it too)
		return fmt.Errorf("-plots %s is not a folder (the charts are written into one; give its name)", quote.Name(dir))
	}
	if err := outpath.CanMakeIn(dir); err != nil { // (also a link to no folder: MkdirAll fails on it once the numbers are printed)
		return fmt.Errorf("-plots %s: %w", quote.Name(dir), quote.Err(err))
	}
	return nil
}

// checkPlotsGroundTruth refuses -plots DIR before the detections are read or detected (a -model
// run takes an hour over minival) where images and cats (nil: every category of gt) hold no ground
// truth that counts (neither a crowd region nor ignored): the charts would have no curve, and every
// AP and AR is -1.
func checkPlotsGroundTruth(dir string, gt *coco.Dataset, images []coco.Image, cats []int) error {
	if dir == "" {
		return nil
	}
	if cats == nil {
		cats = gt.CategoryIDs()
	}
	if withGroundTruth(gt, images, cats) > 0 {
		return nil
	}
	why := fmt.Sprintf("%s has no annotations (an image-info file, such as test-dev's?)", quote.Name(gt.Path))
	if len(gt.Annotations) > 0 {
		why = fmt.Sprintf("%s has no annotation that counts (neither a crowd region nor ignored) in the images and categories to evaluate", quote.Name(gt.Path))
	}
	return fmt.Errorf("-plots %s: no precision-recall curve to draw: %s, so every AP and AR is -1; leave -plots out to evaluate anyway", quote.Name(dir), why)
}

// checkImages makes sure that -images names a folder.
func checkImages(dir string) error {
	st, err := os.Stat(dir)
	if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
		err = pe.Err // (not "stat DIR: ...", which names no flag)
	}
	if err != nil {
		return fmt.Errorf("-images %s: %w", quote.Name(dir), err)
	}
	if !st.IsDir() {
		return fmt.Errorf("-images %s is not a folder", quote.Name(dir))
	}
	return nil
}

// samePath reports whether a and b name the same existing file.
func samePath(a, b string) bool {
	sa, err := os.Stat(a)
	if err != nil {
		return false
	}
	sb, err := os.Stat(b)
	return err == nil && os.SameFile(sa, sb)
}

// maxWorkers is the most images -threads detects at once, each with a detector of its own (tens
// of MB at 600): one per core is what pays (detect -workers has the same bound, pipeline.MaxWorkers,
// in a package cocoeval built without cgo does not have).
const maxWorkers = 256

// runModel runs the detector over the images, writes the results, then
// evaluates them.
func runModel(c *cli.Context, e *env) error {
	if !c.IsSet("images") {
		return errors.New("-model needs -images DIR (the images of the -gt split)")
	}
	res := c.Int("res") // 0 (not set): the model's resolution
	if c.IsSet("res") {
		if err := configs.CheckResolution(res); err != nil {
			return fmt.Errorf("-res: %w", err)
		}
	}
	if n := c.Int("proposals"); c.IsSet("proposals") && rpn.CheckPostNMSTopN(n) != nil {
		return fmt.Errorf("-proposals %d: the RPN's proposals an image, 1 to %d", n, rpn.MaxPostNMSTopN)
	}
	if t := c.Int("threads"); t < 1 || t > maxWorkers {
		return fmt.Errorf("-threads must be 1 to %d, not %d", maxWorkers, t)
	} else if err := parallel.CheckBudget(t); err != nil { // (each detector takes at least one thread)
		return fmt.Errorf("-threads %d detectors at once: %w", t, err)
	}
	if c.Int("limit") < 0 {
		return fmt.Errorf("-limit must not be negative, not %d", c.Int("limit"))
	}
	out := c.String("out")
	if err := checkOutput(out, c.String("gt"), c.String("model"), c.String("images")); err != nil {
		return err
	}
	if _, err := os.Stat(out); err == nil && !c.IsSet("out") {
		fmt.Fprintf(e.stderr, "cocoeval: note: %s (the default -out) is there from an earlier run; this run replaces it when it ends (give -out to keep it)\n", quote.Name(out))
	}
	// -images and the model before the ground truth, which takes seconds to read for minival.
	if err := checkImages(c.String("images")); err != nil {
		return err
	}
	// -threads images at a time; each detector splits its image over its share of the cores.
	perDetector := max(1, runtime.GOMAXPROCS(0)/c.Int("threads"))
	factory, classes, err := e.newDetectors(c.String("model"), modelSettings{res: res, proposals: c.Int("proposals"), threads: perDetector})
	if err != nil {
		return err
	}
	gt, err := within(c.Context, c.String("gt"), func() (*coco.Dataset, error) { return loadDataset(e, c.String("gt")) })
	var ee *exitError
	if errors.As(err, &ee) {
		ee.msg += fmt.Sprintf("; %s is left as it was", quote.Name(out))
	}
	if err != nil {
		return err
	}
	cats, err := parseCategories(gt, c.String("categories"))
	if err != nil {
		return err
	}
	first := firstImages(gt, c.Int("limit"))
	if err := checkPlotsGroundTruth(c.String("plots"), gt, first, cats); err != nil {
		return err
	}
	noteLimit(e, c.Int("limit"), len(gt.ImageIDs()), c.String("gt"))
	for _, im := range first { // (a detection on one would be refused when the image is done)
		if err := gt.LostImage(im.ID); err != nil {
			return fmt.Errorf("%w; refused before any image is detected: a detection on it would count here, not in pycocotools", err)
		}
	}
	if n := undetectedCategories(gt, cats, classes); n != "" {
		fmt.Fprintf(e.stderr, "cocoeval: note: -categories: not among the classes of %s, so never detected (AP and AR 0, or -1 where the images evaluated hold none): %s\n", quote.Name(c.String("model")), n)
	}
	if n := renamedClasses(gt, classes); n != "" {
		fmt.Fprintf(e.stderr, "cocoeval: note: %s and %s name categories differently: %s (the ids are evaluated, the names reported are %s's; a model trained on other data?)\n",
			quote.Name(c.String("model")), quote.Name(c.String("gt")), n, quote.Name(c.String("gt")))
	}
	if n := foreignClasses(gt, classes); n != "" {
		fmt.Fprintf(e.stderr, "cocoeval: note: none of the classes of %s is a category of %s (the model's ids: %s): none of its detections can match, "+
			"and every AP and AR will be 0, or -1 where there is no ground truth (a model trained on data numbered otherwise?)\n",
			quote.Name(c.String("model")), quote.Name(c.String("gt")), n)
	}
	rep, runErr := runDetections(c.Context, gt, runOptions{
		ImageDir:    c.String("images"),
		Threads:     c.Int("threads"),
		Limit:       c.Int("limit"),
		NewDetector: factory,
		Decode:      e.decode,
		Progress:    e.stderr,
		Out:         out,
	})
	if rep == nil {
		return runErr
	}
	if runErr != nil && len(rep.ImageIDs) == 0 {
		// Nothing done: an earlier run's file at -out stays as it was.
		if errors.Is(runErr, context.Canceled) {
			return &exitError{code: 130, msg: fmt.Sprintf("interrupted before the first image was done; %s is left as it was", quote.Name(out))}
		}
		return fmt.Errorf("%w (no image done; %s is left as it was)", runErr, quote.Name(out))
	}
	if err := os.MkdirAll(filepath.Dir(outpath.FollowLinks(out)), outpath.NewFolderMode); err != nil { // (a link's: where it is written)
		return fmt.Errorf("-out %s: %w", quote.Name(out), quote.Err(err))
	}
	if err := coco.SaveResults(out, rep.Results, gt); err != nil {
		return err
	}
	if runErr != nil {
		if errors.Is(runErr, context.Canceled) {
			// The numbers of the images done, as -limit gives them: a later -dt of the file
			// would count the others as missed.
			fmt.Fprintf(e.stderr, "interrupted: evaluating the %s done (of %d in %s)\n", plural.Count(len(rep.ImageIDs), "image", "images"), len(gt.ImageIDs()), quote.Name(c.String("gt")))
			// (ctx is already cancelled: the images done are evaluated; a second Ctrl-C ends the process)
			if err := report(context.WithoutCancel(c.Context), c, e, gt, rep.Results, rep.ImageIDs, cats); err != nil {
				return err
			}
			return &exitError{code: 130, msg: fmt.Sprintf("interrupted: %d of %s done; %s %s written to %s "+
				"(evaluate %s again with %s)",
				len(rep.ImageIDs), plural.Count(rep.Total, "image", "images"), plural.Word(len(rep.ImageIDs), "its", "their"),
				plural.Count(len(rep.Results), "detection is", "detections are"), quote.Name(out), plural.Word(len(rep.Results), "it", "them"), evalAgain(c.String("gt"), out, len(rep.ImageIDs), cats))}
		}
		return fmt.Errorf("%w (the %s of the %s done %s written to %s)", runErr, plural.Count(len(rep.Results), "detection", "detections"), plural.Count(len(rep.ImageIDs), "image", "images"), plural.Word(len(rep.Results), "is", "are"), quote.Name(out))
	}
	fmt.Fprintf(e.stderr, "%s in %s (%.1f img/s); %s written to %s\n",
		plural.Count(len(rep.ImageIDs), "image", "images"), rep.Elapsed.Round(1e7), float64(len(rep.ImageIDs))/rep.Elapsed.Seconds(), plural.Count(len(rep.Results), "detection", "detections"), quote.Name(out))
	if rep.Resized > 0 {
		fmt.Fprintf(e.stderr, "cocoeval: note: %d of the %s %s to another size than the ground truth's width and height (the first, %s): "+
			"%s boxes may be in another frame than the detections (other files than those annotated? an EXIF orientation the annotations do not follow?)\n",
			rep.Resized, plural.Count(len(rep.ImageIDs), "image", "images"), plural.Word(rep.Resized, "decodes", "decode"), rep.Resized1, plural.Word(rep.Resized, "its", "their"))
	}
	var images []int64
	if len(rep.ImageIDs) < len(gt.ImageIDs()) {
		images = rep.ImageIDs
		fmt.Fprintf(e.stderr, "evaluating the %s processed (of %d in %s; again: %s)\n",
			plural.Count(len(images), "image", "images"), len(gt.ImageIDs()), quote.Name(c.String("gt")), evalAgain(c.String("gt"), out, len(images), cats))
	}
	err = report(c.Context, c, e, gt, rep.Results, images, cats)
	if errors.As(err, &ee) && ee.code == 130 {
		ee.msg += fmt.Sprintf("; the %s written to %s (evaluate %s with %s)", plural.Count(len(rep.Results), "detection is", "detections are"), quote.Name(out), plural.Word(len(rep.Results), "it", "them"),
			evalAgain(c.String("gt"), out, len(images), cats))
	}
	return err
}

// evalAgain gives the flags that evaluate a -model run's results file out again as the run did:
// over its first images (0: every image of gt) and its -categories, cats (nil: every category),
// named by id as parseCategories reads them back.
func evalAgain(gt, out string, images int, cats []int) string {
	s := fmt.Sprintf("-gt %s -dt %s", quote.Name(gt), quote.Name(out))
	if images > 0 {
		s += fmt.Sprintf(" -limit %d", images)
	}
	if cats != nil {
		ids := make([]string, len(cats))
		for i, id := range cats {
			ids[i] = strconv.Itoa(id)
		}
		s += " -categories " + strings.Join(ids, ",")
	}
	return s
}
