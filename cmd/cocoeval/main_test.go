package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/shuffledet/shuffledet/coco"
	"github.com/shuffledet/shuffledet/configs"
	"github.com/shuffledet/shuffledet/cvimage"
	"github.com/shuffledet/shuffledet/internal/version"
	"github.com/shuffledet/shuffledet/parallel"
	"github.com/shuffledet/shuffledet/transform"
)

const data = "../../../shared/data"

var (
	goldenGT = filepath.Join(data, "cocoeval-golden/instances_val2014_100.json")
	goldenDT = filepath.Join(data, "cocoeval-golden/instances_val2014_fakebbox100_results.json")
	val128GT = filepath.Join(data, "coco-val128/instances_val2017_128.json")
	val128   = filepath.Join(data, "coco-val128/val2017")
)

// pycocotools' printout for the golden problem (cocoapi's
// results/val2014_fake_eval_res.txt).
const goldenSummary = ` Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.505
 Average Precision  (AP) @[ IoU=0.50      | area=   all | maxDets=100 ] = 0.697
 Average Precision  (AP) @[ IoU=0.75      | area=   all | maxDets=100 ] = 0.573
 Average Precision  (AP) @[ IoU=0.50:0.95 | area= small | maxDets=100 ] = 0.586
 Average Precision  (AP) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ] = 0.519
 Average Precision  (AP) @[ IoU=0.50:0.95 | area= large | maxDets=100 ] = 0.501
 Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=  1 ] = 0.387
 Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets= 10 ] = 0.594
 Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.595
 Average Recall     (AR) @[ IoU=0.50:0.95 | area= small | maxDets=100 ] = 0.640
 Average Recall     (AR) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ] = 0.566
 Average Recall     (AR) @[ IoU=0.50:0.95 | area= large | maxDets=100 ] = 0.564
`

type fakeImage struct {
	image.Image
	path string
}

// testEnv has a perfect fake detector: it returns the ground truth of the
// image it is given. onDetect, when set, runs before each detection.
func testEnv(t *testing.T, onDetect func()) (*env, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	gt, err := coco.LoadDataset(val128GT)
	if err != nil {
		t.Fatal(err)
	}
	byFile := map[string]int64{}
	for _, im := range gt.Images {
		byFile[im.FileName] = im.ID
	}
	var classes []configs.Class // the ground truth's, as a model trained on it has them
	for _, c := range gt.Categories {
		classes = append(classes, configs.Class{ID: c.ID, Name: c.Name})
	}
	var stdout, stderr bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr,
		decode: func(p string) (image.Image, error) {
			im, _ := gt.Image(byFile[filepath.Base(p)]) // of the ground truth's size
			return fakeImage{image.NewGray(image.Rect(0, 0, int(im.Width), int(im.Height))), p}, nil
		},
		newDetectors: func(model string, s modelSettings) (func() (detectFunc, error), []configs.Class, error) {
			return func() (detectFunc, error) {
				return func(img image.Image) ([]coco.Result, error) {
					if onDetect != nil {
						onDetect()
					}
					id := byFile[filepath.Base(img.(fakeImage).path)]
					var rs []coco.Result
					for _, j := range gt.ImageAnnotations(id) {
						a := gt.Annotations[j]
						rs = append(rs, coco.Result{CategoryID: a.CategoryID, BBox: a.BBox, Score: 0.5})
					}
					return rs, nil
				}, nil
			}, classes, nil
		}}
	return e, &stdout, &stderr
}

func TestResultsMode(t *testing.T) {
	e, stdout, stderr := testEnv(t, nil)
	if code := run(context.Background(), e, []string{"cocoeval", "-gt", goldenGT, "-dt", goldenDT}); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.HasPrefix(stdout.String(), goldenSummary) {
		t.Errorf("summary:\n%s\nwant:\n%s", stdout, goldenSummary)
	}
	if !strings.Contains(stdout.String(), "   1  person ") {
		t.Errorf("no per-category table:\n%s", stdout)
	}
}

// fullWriter fails every write, as standard output on a full disk or a closed pipe does.
type fullWriter struct{}

func (fullWriter) Write([]byte) (int, error) { return 0, errors.New("no space left on device") }

// TestSummaryWriteError: a summary that cannot be written (text or -json) is an error, exit 1,
// the write's error on stderr; the text form exited 0 with nothing written.
func TestSummaryWriteError(t *testing.T) {
	for _, extra := range [][]string{nil, {"-json"}} {
		e, _, stderr := testEnv(t, nil)
		e.stdout = fullWriter{}
		if code := run(context.Background(), e, append([]string{"cocoeval", "-gt", goldenGT, "-dt", goldenDT}, extra...)); code != 1 || !strings.Contains(stderr.String(), "no space left on device") {
			t.Errorf("%v to a full disk: exit %d, stderr %q; want 1 and the write's error", extra, code, stderr)
		}
	}
}

// goldenDetections returns the golden results file's detections as JSON objects, to edit.
func goldenDetections(t *testing.T) []map[string]any {
	b, err := os.ReadFile(goldenDT)
	if err != nil {
		t.Fatal(err)
	}
	var dts []map[string]any
	if err := json.Unmarshal(b, &dts); err != nil {
		t.Fatal(err)
	}
	return dts
}

// writeJSON writes v to path as JSON.
func writeJSON(t *testing.T, path string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestOtherCategoriesNoted: detections of categories the ground truth does not have are kept
// (as pycocotools' loadRes keeps them), counted on stderr, and change nothing.
func TestOtherCategoriesNoted(t *testing.T) {
	dts := goldenDetections(t)
	for _, cat := range []int{999, 999, 12} {
		dts = append(dts, map[string]any{"image_id": dts[0]["image_id"], "category_id": cat, "bbox": []float64{1, 2, 3, 4}, "score": 0.9})
	}
	p := filepath.Join(t.TempDir(), "dt.json")
	writeJSON(t, p, dts)
	e, stdout, stderr := testEnv(t, nil)
	if code := run(context.Background(), e, []string{"cocoeval", "-gt", goldenGT, "-dt", p}); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.HasPrefix(stdout.String(), goldenSummary) {
		t.Errorf("summary:\n%s\nwant:\n%s", stdout, goldenSummary)
	}
	if want := "cocoeval: note: 3 detections have a category_id that is not a category of the ground truth (category_id 12: 1 detection, 999: 2 detections)"; !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr %q does not contain %q", stderr, want)
	}
}

func TestJSON(t *testing.T) {
	e, stdout, stderr := testEnv(t, nil)
	if code := run(context.Background(), e, []string{"cocoeval", "-gt", goldenGT, "-dt", goldenDT, "-json"}); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got jsonReport
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatalf("%v:\n%s", err, stdout)
	}
	var exp struct{ Stats [12]float64 }
	b, err := os.ReadFile(filepath.Join(data, "cocoeval-golden/expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &exp); err != nil {
		t.Fatal(err)
	}
	for i := range exp.Stats { // exact, as the evaluator is: JSON carries a float64's shortest exact form
		if math.Float64bits(got.Stats[i]) != math.Float64bits(exp.Stats[i]) {
			t.Errorf("stats[%d] = %v, want %v", i, got.Stats[i], exp.Stats[i])
		}
	}
	if len(got.Categories) != 80 || got.Categories[0].Name != "person" || got.Images != 100 || got.ImagesInGT != 100 || got.Detections != 734 {
		t.Errorf("report: %d categories, %d images, %d detections", len(got.Categories), got.Images, got.Detections)
	}
}

// TestPlots: -plots writes the three charts as PNG and SVG (their content is coco/prplot's test).
func TestPlots(t *testing.T) {
	e, _, stderr := testEnv(t, nil)
	plots := t.TempDir()
	if code := run(context.Background(), e, []string{"cocoeval", "-gt", goldenGT, "-dt", goldenDT, "-plots", plots}); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr.String(), "wrote 6 precision-recall charts to "+plots) {
		t.Errorf("stderr %q", stderr)
	}
	for _, name := range []string{"pr_iou", "pr_area", "pr_categories"} {
		for _, ext := range []string{".png", ".svg"} {
			if _, err := os.Stat(filepath.Join(plots, name+ext)); err != nil {
				t.Error(err)
			}
		}
	}
	// A -plots path that cannot be a folder stops a -model run before any image is detected.
	file := filepath.Join(plots, "pr_iou.png")
	detected := false
	e, _, stderr = testEnv(t, func() { detected = true })
	code := run(context.Background(), e, []string{"cocoeval", "-model", "m.bin", "-gt", val128GT, "-images", val128, "-limit", "2",
		"-out", filepath.Join(t.TempDir(), "r.json"), "-plots", filepath.Join(file, "sub")})
	if code == 0 || detected || !strings.Contains(stderr.String(), "pr_iou.png: not a directory") {
		t.Errorf("-plots under a file: exit %d, detected %v: %s", code, detected, stderr)
	}
	// and a -dt run before it evaluates and prints
	e, stdout, stderr := testEnv(t, nil)
	code = run(context.Background(), e, []string{"cocoeval", "-gt", goldenGT, "-dt", goldenDT, "-plots", filepath.Join(file, "sub")})
	if code == 0 || stdout.Len() > 0 || !strings.Contains(stderr.String(), "pr_iou.png: not a directory") {
		t.Errorf("-dt, -plots under a file: exit %d, stdout %q: %s", code, stdout, stderr)
	}
	// and -plots a file itself, named once
	e, stdout, stderr = testEnv(t, nil)
	code = run(context.Background(), e, []string{"cocoeval", "-gt", goldenGT, "-dt", goldenDT, "-plots", file})
	if want := "cocoeval: -plots " + file + " is not a folder (the charts are written into one; give its name)\n"; code != 1 || stdout.Len() > 0 || stderr.String() != want {
		t.Errorf("-plots a file: exit %d, stdout %q, stderr %q; want %q", code, stdout, stderr, want)
	}
	// and a symbolic link to a folder that is not there: MkdirAll failed on it ("file exists")
	// once the numbers were printed
	link := filepath.Join(t.TempDir(), "plots")
	if err := os.Symlink(filepath.Join(t.TempDir(), "gone"), link); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{link, filepath.Join(link, "sub")} {
		e, stdout, stderr = testEnv(t, nil)
		code = run(context.Background(), e, []string{"cocoeval", "-gt", goldenGT, "-dt", goldenDT, "-plots", dir})
		if want := "-plots " + dir + ": " + link + " is a symbolic link to "; code != 1 || stdout.Len() > 0 || !strings.Contains(stderr.String(), want) {
			t.Errorf("-plots %s, through a dangling link: exit %d, stdout %q, stderr %q; want %q", dir, code, stdout, stderr, want)
		}
	}
}

// TestStdin: -dt - and -gt - read standard input (named /dev/stdin in messages and -json), as
// -dt /dev/stdin does; both at once are refused.
func TestStdin(t *testing.T) {
	for _, c := range []struct {
		args  []string
		stdin string
	}{
		{[]string{"-gt", goldenGT, "-dt", "-"}, goldenDT},
		{[]string{"-gt", goldenGT, "-dt", "/dev/stdin"}, goldenDT},
		{[]string{"-gt", "-", "-dt", goldenDT}, goldenGT},
	} {
		e, stdout, stderr := testEnv(t, nil)
		e.stdin = strings.NewReader(read(t, c.stdin))
		if code := run(context.Background(), e, append([]string{"cocoeval"}, c.args...)); code != 0 || !strings.HasPrefix(stdout.String(), goldenSummary) {
			t.Errorf("%q: exit %d, stdout %q: %s", c.args, code, stdout, stderr)
		}
	}
	e, stdout, stderr := testEnv(t, nil)
	e.stdin = strings.NewReader(read(t, goldenDT))
	var got jsonReport
	if code := run(context.Background(), e, []string{"cocoeval", "-gt", goldenGT, "-dt", "-", "-json"}); code != 0 || json.Unmarshal(stdout.Bytes(), &got) != nil || got.DT != "/dev/stdin" {
		t.Errorf("-json -dt -: exit %d, dt %q: %s", code, got.DT, stderr)
	}
	e, _, stderr = testEnv(t, nil)
	e.stdin = strings.NewReader(`[{"image_id": 42, "category_id": 1, "bbox": [1, 2], "score": 1}]`)
	if code := run(context.Background(), e, []string{"cocoeval", "-gt", goldenGT, "-dt", "-"}); code != 1 || !strings.Contains(stderr.String(), "cocoeval: /dev/stdin") || !strings.Contains(stderr.String(), "bbox must be 4 numbers") {
		t.Errorf("-dt - broken: exit %d: %s", code, stderr)
	}
	for _, dt := range []string{"-", "/dev/stdin"} {
		e, _, stderr = testEnv(t, nil)
		e.stdin = strings.NewReader("")
		if code := run(context.Background(), e, []string{"cocoeval", "-gt", "-", "-dt", dt}); code != 1 || stderr.String() != "cocoeval: -gt and -dt are both standard input (-); give one of them as a file\n" {
			t.Errorf("-gt - -dt %s: exit %d: %q", dt, code, stderr)
		}
	}
	e, stdout, _ = testEnv(t, nil)
	run(context.Background(), e, []string{"cocoeval", "-h"})
	if got := stdout.String(); strings.Count(got, "- reads standard input") != 2 {
		t.Errorf("-h does not say - reads standard input for -gt and -dt: %s", got)
	}
}

// TestPlotsWithoutGroundTruth: -plots where the images and categories evaluated hold no ground
// truth that counts, whose charts would have no curve, is refused naming -plots and its folder:
// before the detections are read (-dt) or detected (-model) where the ground truth shows it, or
// after the numbers (all -1) where only the evaluation does (an area outside pycocotools' ranges).
func TestPlotsWithoutGroundTruth(t *testing.T) {
	dir := t.TempDir()
	info := writeFile(t, dir, "info.json", `{"images": [{"id": 1, "width": 100, "height": 100}], "categories": [{"id": 1, "name": "a"}]}`)
	twoCats := writeFile(t, dir, "two.json", `{"images": [{"id": 1, "width": 100, "height": 100}, {"id": 2, "width": 100, "height": 100}],
		"categories": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}],
		"annotations": [{"id": 1, "image_id": 2, "category_id": 1, "bbox": [10, 10, 20, 20], "area": 400, "iscrowd": 0},
		{"id": 2, "image_id": 2, "category_id": 2, "bbox": [10, 10, 20, 20], "area": 400, "iscrowd": 1}]}`)
	negArea := writeFile(t, dir, "neg.json", `{"images": [{"id": 1, "width": 100, "height": 100}], "categories": [{"id": 1, "name": "a"}],
		"annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [10, 10, 20, 20], "area": -1, "iscrowd": 0}]}`)
	dt := writeFile(t, dir, "dt.json", `[{"image_id": 1, "category_id": 1, "bbox": [10, 10, 20, 20], "score": 0.9}]`)
	var val128Info map[string]json.RawMessage // val128's images and categories, no annotations: -model detects without -plots
	if err := json.Unmarshal([]byte(read(t, val128GT)), &val128Info); err != nil {
		t.Fatal(err)
	}
	delete(val128Info, "annotations")
	b, err := json.Marshal(val128Info)
	if err != nil {
		t.Fatal(err)
	}
	modelInfo := writeFile(t, dir, "val128-info.json", string(b))
	before := "cocoeval: -plots PLOTS: no precision-recall curve to draw: "
	counts := " has no annotation that counts (neither a crowd region nor ignored) in the images and categories to evaluate, so every AP and AR is -1; leave -plots out to evaluate anyway\n"
	for _, c := range []struct {
		args    []string
		printed bool   // the numbers are printed before the error
		missing bool   // -dt does not exist: without -plots it fails too, so that run is skipped
		want    string // stderr's end
	}{
		{[]string{"-gt", info, "-dt", dt}, false, false, before + info + " has no annotations (an image-info file, such as test-dev's?), so every AP and AR is -1; leave -plots out to evaluate anyway\n"},
		{[]string{"-gt", info, "-dt", filepath.Join(dir, "missing.json")}, false, true, before + info + " has no annotations"},
		{[]string{"-model", "m.bin", "-gt", modelInfo, "-images", val128, "-limit", "2", "-out", filepath.Join(dir, "r.json")}, false, false, before + modelInfo + " has no annotations"},
		{[]string{"-gt", twoCats, "-dt", dt, "-limit", "1"}, false, false, before + twoCats + counts},
		{[]string{"-gt", twoCats, "-dt", dt, "-categories", "b"}, false, false, before + twoCats + counts},
		{[]string{"-gt", negArea, "-dt", dt}, true, false, "cocoeval: -plots PLOTS: no precision-recall chart written: no category evaluated has ground truth in the images evaluated, so there is no curve to draw (every AP and AR above is -1)\n"},
	} {
		plots := filepath.Join(t.TempDir(), "plots")
		detected := false
		e, stdout, stderr := testEnv(t, func() { detected = true })
		code := run(context.Background(), e, append(append([]string{"cocoeval"}, c.args...), "-plots", plots))
		want := strings.ReplaceAll(c.want, "PLOTS", plots)
		if code != 1 || detected || (stdout.Len() > 0) != c.printed || !strings.Contains(stderr.String(), want) {
			t.Errorf("%q: exit %d, detected %v, stdout %q, stderr %q; want exit 1 and %q", c.args, code, detected, stdout, stderr, want)
		}
		if _, err := os.Stat(plots); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%q: -plots folder: %v", c.args, err)
		}
		// without -plots, it evaluates
		e, _, stderr = testEnv(t, nil)
		if !c.missing {
			if code := run(context.Background(), e, append([]string{"cocoeval"}, c.args...)); code != 0 {
				t.Errorf("%q without -plots: exit %d: %s", c.args, code, stderr)
			}
		}
	}
}

func TestErrors(t *testing.T) {
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken.json")
	os.WriteFile(broken, []byte("[\n{\"image_id\": 42, \"category_id\": 1 \"bbox\": [1,2,3,4], \"score\": 1}\n]"), 0o644)
	// More detectors at once than this machine should hold (above 256, the bound's message).
	overBudget, overBudgetErr := parallel.Budget()+1, fmt.Sprintf("-threads %d detectors at once: %d threads, more than %d", parallel.Budget()+1, parallel.Budget()+1, parallel.Budget())
	if overBudget > maxWorkers {
		overBudgetErr = fmt.Sprintf("-threads must be 1 to %d, not %d", maxWorkers, overBudget)
	}
	nan := filepath.Join(dir, "nan.json")
	os.WriteFile(nan, []byte(`[{"image_id": 42, "category_id": 1, "bbox": [1,2,3,4], "score": NaN}]`), 0o644)
	badImg := filepath.Join(dir, "badimg.json")
	os.WriteFile(badImg, []byte(`[{"image_id": 1, "category_id": 1, "bbox": [1,2,3,4], "score": 1}]`), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-dt", goldenDT}, "no -gt: give the ground truth"},
		{[]string{"-gt", goldenGT}, "give -dt"},
		{[]string{"-gt", goldenGT, "-dt", goldenDT, "-model", "m.bin"}, "not both"},
		{[]string{"-gt", goldenGT, "-dt", goldenDT, "-threads", "2"}, "-threads only goes with -model"},
		{[]string{"-gt", goldenGT, "-dt", broken}, "broken.json:2:35: detection 0: invalid JSON"},
		{[]string{"-gt", goldenGT, "-dt", nan}, "nan.json:1:65: detection 0: score: NaN is not a finite number (Python's json writes it for such a float; the evaluation reads this field) (byte 64)"},
		{[]string{"-gt", goldenGT, "-dt", badImg}, "image_id 1 is not in the ground truth"},
		{[]string{"-gt", goldenGT, "-dt", filepath.Join(dir, "missing.json")}, "cocoeval: -dt " + filepath.Join(dir, "missing.json") + ": no such file or directory"},
		{[]string{"-gt", filepath.Join(dir, "missing.json"), "-dt", goldenDT}, "cocoeval: -gt " + filepath.Join(dir, "missing.json") + ": no such file or directory"},
		{[]string{"-gt", filepath.Join(dir, "missing.json"), "-model", "m.bin", "-images", val128}, "cocoeval: -gt " + filepath.Join(dir, "missing.json") + ": no such file or directory"},
		{[]string{"-gt", val128GT, "-model", "m.bin"}, "needs -images"},
		// A mistyped -images is named as such, before the ground truth is read (here it could not be).
		{[]string{"-gt", filepath.Join(dir, "missing.json"), "-model", "m.bin", "-images", filepath.Join(dir, "val2017")}, "-images " + filepath.Join(dir, "val2017") + ": no such file or directory"},
		{[]string{"-gt", val128GT, "-model", "m.bin", "-images", broken}, "-images " + broken + " is not a folder"},
		{[]string{"-gt", val128GT, "-model", "m.bin", "-images", val128, "-res", "20"}, "-res: resolution 20 out of range (32 to 2458"},
		{[]string{"-gt", goldenGT, "-dt", goldenDT, "-proposals", "100"}, "-proposals only goes with -model"},
		{[]string{"-gt", val128GT, "-model", "m.bin", "-images", val128, "-proposals", "0"}, "-proposals 0: the RPN's proposals an image, 1 to 10000"},
		{[]string{"-gt", val128GT, "-model", "m.bin", "-images", val128, "-proposals", "10001"}, "-proposals 10001: the RPN's proposals an image, 1 to 10000"},
		{[]string{"-gt", val128GT, "-model", "m.bin", "-images", val128, "-threads", "100000"}, "-threads must be 1 to 256, not 100000"},
		{[]string{"-gt", val128GT, "-model", "m.bin", "-images", val128, "-threads", fmt.Sprint(overBudget)}, overBudgetErr},
	} {
		e, stdout, stderr := testEnv(t, nil)
		if code := run(context.Background(), e, append([]string{"cocoeval"}, c.args...)); code == 0 {
			t.Errorf("%v: exit 0", c.args)
		}
		if !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%v: stderr %q does not contain %q", c.args, stderr, c.want)
		}
		// Standard output is the evaluation (-json's object): an error leaves it empty, no help there.
		if stdout.Len() > 0 {
			t.Errorf("%v: the error wrote to standard output: %q", c.args, stdout)
		}
	}
}

func TestModelMode(t *testing.T) {
	e, stdout, stderr := testEnv(t, nil)
	out := filepath.Join(t.TempDir(), "res.json")
	if code := run(context.Background(), e, []string{"cocoeval", "-model", "m.bin", "-gt", val128GT, "-images", val128,
		"-res", "300", "-threads", "3", "-limit", "20", "-out", out}); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout.String(), "Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 1.000") {
		t.Errorf("perfect detector:\n%s", stdout)
	}
	if !strings.Contains(stderr.String(), "20/20") || !strings.Contains(stderr.String(), "evaluating the 20 images processed (of 128") {
		t.Errorf("stderr:\n%s", stderr)
	}
	rs, err := coco.LoadResults(out, nil)
	if err != nil || len(rs) == 0 {
		t.Fatalf("results file: %d, %v", len(rs), err)
	}
}

// TestLimitedFileEvaluatedAgain: the results file of a -limit run, evaluated with -dt and the
// same -limit, gives the run's own numbers; without -limit every other image counts as missed,
// and a note says what -limit would cover.
func TestLimitedFileEvaluatedAgain(t *testing.T) {
	stats := func(stdout *bytes.Buffer) [12]float64 {
		t.Helper()
		var r jsonReport
		if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
			t.Fatalf("-json output: %v\n%s", err, stdout)
		}
		return r.Stats
	}
	e, stdout, stderr := testEnv(t, nil)
	out := filepath.Join(t.TempDir(), "res.json")
	if code := run(context.Background(), e, []string{"cocoeval", "-model", "m.bin", "-gt", val128GT, "-images", val128,
		"-threads", "3", "-limit", "20", "-out", out, "-json"}); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if want := "again: -gt " + val128GT + " -dt " + out + " -limit 20"; !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr does not say %q:\n%s", want, stderr)
	}
	ran := stats(stdout)
	var counts jsonReport
	if err := json.Unmarshal(stdout.Bytes(), &counts); err != nil || counts.Images != 20 || counts.ImagesInGT != 128 {
		t.Errorf("-limit 20: images %d of images_in_gt %d (%v), want 20 of 128", counts.Images, counts.ImagesInGT, err)
	}

	e, stdout, stderr = testEnv(t, nil)
	if code := run(context.Background(), e, []string{"cocoeval", "-gt", val128GT, "-dt", out, "-limit", "20", "-json"}); code != 0 {
		t.Fatalf("-dt -limit 20: exit %d: %s", code, stderr)
	}
	if again := stats(stdout); again != ran {
		t.Errorf("-dt -limit 20 gives %v, the run gave %v", again, ran)
	}
	if !strings.Contains(stderr.String(), "evaluating the first 20 images (of 128") || strings.Contains(stderr.String(), "not evaluated") {
		t.Errorf("stderr:\n%s", stderr)
	}

	e, stdout, stderr = testEnv(t, nil)
	if code := run(context.Background(), e, []string{"cocoeval", "-gt", val128GT, "-dt", out, "-json"}); code != 0 {
		t.Fatalf("-dt: exit %d: %s", code, stderr)
	}
	if all := stats(stdout); !(all[8] < ran[8]) {
		t.Errorf("-dt over all 128 images: AR@100 %v, want below the 20 images' %v", all[8], ran[8])
	}
	// The last of the 20 images with a box: the note names it.
	gt, err := coco.LoadDataset(val128GT)
	if err != nil {
		t.Fatal(err)
	}
	k := 0
	for i, im := range gt.Images[:20] {
		if len(gt.ImageAnnotations(im.ID)) > 0 {
			k = i + 1
		}
	}
	if want := fmt.Sprintf("the detections are all on the first %d of the 128 images", k); !strings.Contains(stderr.String(), want) ||
		!strings.Contains(stderr.String(), fmt.Sprintf("give -limit as that run printed it: %d or more", k)) {
		t.Errorf("stderr does not say %q:\n%s", want, stderr)
	}

	// A -limit below the file's images: the note says which are left out (the 20 images' file
	// at -limit 5); at its own -limit (above) there is none.
	e, _, stderr = testEnv(t, nil)
	if code := run(context.Background(), e, []string{"cocoeval", "-gt", val128GT, "-dt", out, "-limit", "5"}); code != 0 ||
		!strings.Contains(stderr.String(), fmt.Sprintf("has detections on the first %d images: those on images 6-%d are not evaluated", k, k)) {
		t.Errorf("-limit 5: exit %d, stderr %s", code, stderr)
	}
	// One image left out names it, not a range of one; -limit 1 is "the first 1 image".
	e, _, stderr = testEnv(t, nil)
	if code := run(context.Background(), e, []string{"cocoeval", "-gt", val128GT, "-dt", out, "-limit", fmt.Sprint(k - 1)}); code != 0 ||
		!strings.Contains(stderr.String(), fmt.Sprintf("has detections on the first %d images: those on image %d are not evaluated", k, k)) {
		t.Errorf("-limit %d: exit %d, stderr %s", k-1, code, stderr)
	}
	e, _, stderr = testEnv(t, nil)
	if code := run(context.Background(), e, []string{"cocoeval", "-gt", val128GT, "-dt", out, "-limit", "1"}); code != 0 ||
		!strings.Contains(stderr.String(), "evaluating the first 1 image (of 128 in ") {
		t.Errorf("-limit 1: exit %d, stderr %s", code, stderr)
	}

	// A complete file at a small -limit (a quick check): no note about the images left out.
	e, _, stderr = testEnv(t, nil)
	if code := run(context.Background(), e, []string{"cocoeval", "-gt", goldenGT, "-dt", goldenDT, "-limit", "10"}); code != 0 || strings.Contains(stderr.String(), "not evaluated") {
		t.Errorf("golden file at -limit 10: exit %d, stderr %s", code, stderr)
	}

	// A complete file gets no note; a negative -limit is refused.
	e, _, stderr = testEnv(t, nil)
	if code := run(context.Background(), e, []string{"cocoeval", "-gt", goldenGT, "-dt", goldenDT}); code != 0 || strings.Contains(stderr.String(), "note: the detections are all") {
		t.Errorf("golden file: exit %d, stderr %s", code, stderr)
	}
	e, _, stderr = testEnv(t, nil)
	if code := run(context.Background(), e, []string{"cocoeval", "-gt", goldenGT, "-dt", goldenDT, "-limit", "-1"}); code == 0 || !strings.Contains(stderr.String(), "-limit must not be negative") {
		t.Errorf("-limit -1: exit %d, stderr %s", code, stderr)
	}
}

// TestCategoriesNoteOverImagesEvaluated: the note on categories with ground truth but no
// detections counts those of the images evaluated (-limit, a -limit or interrupted -model run),
// as the averages are over them: the golden file at -limit 10 detects every category of its
// first 10 images, and was noted as "69 of the 70"; a file of person detections alone is
// counted against the categories the report averages over (-json: those whose AP is not -1).
func TestCategoriesNoteOverImagesEvaluated(t *testing.T) {
	e, _, stderr := testEnv(t, nil)
	if code := run(context.Background(), e, []string{"cocoeval", "-gt", goldenGT, "-dt", goldenDT, "-limit", "10"}); code != 0 || strings.Contains(stderr.String(), "note: the detections are of") {
		t.Errorf("golden file at -limit 10: exit %d, stderr %s", code, stderr)
	}

	dts := goldenDetections(t)
	persons := slices.DeleteFunc(dts, func(d map[string]any) bool { return d["category_id"] != 1.0 })
	p := filepath.Join(t.TempDir(), "dt.json")
	writeJSON(t, p, persons)
	e, stdout, stderr := testEnv(t, nil)
	if code := run(context.Background(), e, []string{"cocoeval", "-gt", goldenGT, "-dt", p, "-limit", "10", "-json"}); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var r jsonReport
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	averaged := 0
	for _, c := range r.Categories {
		if c.Stats[0] != -1 {
			averaged++
		}
	}
	if want := fmt.Sprintf("the detections are of 1 of the %d categories with ground truth in the images evaluated, and the averages are over all %d", averaged, averaged); !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr does not say %q:\n%s", want, stderr)
	}
}

// TestLimitedCategoriesEvaluatedAgain: the flags a -limit -categories run prints to evaluate its
// file again keep its categories (by id), and give the run's own report.
func TestLimitedCategoriesEvaluatedAgain(t *testing.T) {
	e, stdout, stderr := testEnv(t, nil)
	out := filepath.Join(t.TempDir(), "res.json")
	if code := run(context.Background(), e, []string{"cocoeval", "-model", "m.bin", "-gt", val128GT, "-images", val128,
		"-limit", "20", "-categories", "person, car", "-out", out, "-json"}); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want := "again: -gt " + val128GT + " -dt " + out + " -limit 20 -categories 1,3)"
	_, again, ok := strings.Cut(stderr.String(), "again: ")
	if !ok || !strings.Contains(stderr.String(), want) {
		t.Fatalf("stderr does not say %q:\n%s", want, stderr)
	}
	again, _, _ = strings.Cut(again, ")")
	var ran, evaluated jsonReport
	if err := json.Unmarshal(stdout.Bytes(), &ran); err != nil || len(ran.Categories) != 2 {
		t.Fatalf("the run: %d categories (%v), want 2", len(ran.Categories), err)
	}
	e, stdout, stderr = testEnv(t, nil)
	if code := run(context.Background(), e, append([]string{"cocoeval", "-json"}, strings.Fields(again)...)); code != 0 {
		t.Fatalf("%s: exit %d: %s", again, code, stderr)
	}
	if err := json.Unmarshal(stdout.Bytes(), &evaluated); err != nil {
		t.Fatal(err)
	}
	ran.DT = evaluated.DT // (-model's report names -out there, as -dt's does)
	if !reflect.DeepEqual(ran, evaluated) {
		t.Errorf("%s gives\n%+v\nthe run gave\n%+v", again, evaluated, ran)
	}
}

func TestInterrupt(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var n atomic.Int32
	e, stdout, stderr := testEnv(t, func() {
		if n.Add(1) == 7 {
			cancel() // what Ctrl-C does through signal.NotifyContext
		}
	})
	out := filepath.Join(t.TempDir(), "res.json")
	code := run(ctx, e, []string{"cocoeval", "-model", "m.bin", "-gt", val128GT, "-images", val128, "-out", out})
	if code != 130 {
		t.Fatalf("exit %d, want 130: %s", code, stderr)
	}
	if !strings.Contains(stderr.String(), "interrupted: 7 of 128 images done") || !strings.Contains(stderr.String(), out) ||
		!strings.Contains(stderr.String(), "evaluating the 7 images done (of 128") ||
		!strings.Contains(stderr.String(), "(evaluate them again with -gt "+val128GT+" -dt "+out+" -limit 7)") {
		t.Errorf("stderr:\n%s", stderr)
	}
	// The perfect detector's numbers over the images done.
	if !strings.Contains(stdout.String(), "Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 1.000") {
		t.Errorf("no evaluation of the images done:\n%s", stdout)
	}
	rs, err := coco.LoadResults(out, nil)
	if err != nil || len(rs) == 0 {
		t.Fatalf("partial results: %d, %v", len(rs), err)
	}
}

func TestModelLoadError(t *testing.T) {
	e, _, stderr := testEnv(t, nil)
	e.newDetectors = modelDetectors
	missing := filepath.Join(t.TempDir(), "nope.bin")
	if code := run(context.Background(), e, []string{"cocoeval", "-model", missing, "-gt", val128GT, "-images", val128}); code == 0 {
		t.Fatal("exit 0")
	}
	if !strings.Contains(stderr.String(), "nope.bin") {
		t.Errorf("stderr %q does not name the model file", stderr)
	}
	// The model is read before the ground truth (minival's takes seconds): its error comes first.
	e, _, stderr = testEnv(t, nil)
	e.newDetectors = modelDetectors
	if code := run(context.Background(), e, []string{"cocoeval", "-model", missing, "-gt", filepath.Join(t.TempDir(), "missing.json"), "-images", val128}); code == 0 || !strings.Contains(stderr.String(), "nope.bin") {
		t.Errorf("a missing model and ground truth: exit %d, stderr %q does not name the model file", code, stderr)
	}
}

func TestDecodeImage(t *testing.T) {
	img, err := decodeImage(filepath.Join(val128, "000000000139.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 640 || b.Dy() != 426 {
		t.Errorf("size %v", b)
	}
}

// TestDecodeImageChecksHeader: a header claiming a huge image is refused before
// any pixel is decoded (cvimage.Open's check of the header).
func TestDecodeImageChecksHeader(t *testing.T) {
	ihdr := make([]byte, 17)
	copy(ihdr, "IHDR")
	binary.BigEndian.PutUint32(ihdr[4:], 100_000) // width
	binary.BigEndian.PutUint32(ihdr[8:], 100_000) // height
	ihdr[12], ihdr[13] = 8, 2                     // 8-bit RGB
	var png bytes.Buffer
	png.WriteString("\x89PNG\r\n\x1a\n")
	binary.Write(&png, binary.BigEndian, uint32(13))
	png.Write(ihdr)
	binary.Write(&png, binary.BigEndian, crc32.ChecksumIEEE(ihdr))
	path := filepath.Join(t.TempDir(), "huge.png")
	if err := os.WriteFile(path, png.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := decodeImage(path); !errors.Is(err, transform.ErrImageTooLarge) {
		t.Fatalf("err = %v, want %v", err, transform.ErrImageTooLarge)
	}
}

// TestModelSettingsFlags: without -res and -proposals the model keeps its own resolution and
// proposal count (0 is passed on); each flag, and both together, reach the detectors as given;
// -res 0 is refused.
func TestModelSettingsFlags(t *testing.T) {
	for _, c := range []struct {
		args           []string
		res, proposals int
	}{
		{nil, 0, 0},
		{[]string{"-res", "300"}, 300, 0},
		{[]string{"-res", "600"}, 600, 0},
		{[]string{"-res", "448"}, 448, 0},
		{[]string{"-proposals", "100"}, 0, 100},
		{[]string{"-res", "448", "-proposals", "100"}, 448, 100},
		{[]string{"-res", "0448", "-proposals", "0100"}, 448, 100}, // decimal, not octal (cliflag.Int)
	} {
		e, _, stderr := testEnv(t, nil)
		newDetectors := e.newDetectors
		got := modelSettings{res: -1, proposals: -1}
		e.newDetectors = func(model string, s modelSettings) (func() (detectFunc, error), []configs.Class, error) {
			got = s
			return newDetectors(model, s)
		}
		args := append([]string{"cocoeval", "-model", "m.bin", "-gt", val128GT, "-images", val128, "-limit", "2",
			"-out", filepath.Join(t.TempDir(), "res.json")}, c.args...)
		if code := run(context.Background(), e, args); code != 0 {
			t.Fatalf("%v: exit %d: %s", c.args, code, stderr)
		}
		if got.res != c.res || got.proposals != c.proposals {
			t.Errorf("%v: detectors built at resolution %d with %d proposals, want %d and %d", c.args, got.res, got.proposals, c.res, c.proposals)
		}
	}
	e, _, stderr := testEnv(t, nil)
	if code := run(context.Background(), e, []string{"cocoeval", "-model", "m.bin", "-gt", val128GT, "-images", val128, "-res", "0"}); code == 0 ||
		!strings.Contains(stderr.String(), "-res: resolution 0 out of range") {
		t.Errorf("-res 0: exit %d, stderr %q", code, stderr)
	}
}

// TestProposalsReachTheBoxHead: with 1 proposal the box head runs on 1: the demo model's two
// classes give at most 2 detections an image, where its own 300 give more. (Natively only: the
// 1x model on a real image takes 90 s under qemu, and its arithmetic is the detector's, tested
// there by its packages.)
func TestProposalsReachTheBoxHead(t *testing.T) {
	img, err := decodeImage(filepath.Join(val128, "000000000139.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	var counts []int
	for _, n := range []int{0, 1} {
		factory, _, err := modelDetectors("../../models/shufflenet-g3-1.0x-300-person-car.bin", modelSettings{proposals: n, threads: 1})
		if err != nil {
			t.Fatal(err)
		}
		detect, err := factory()
		if err != nil {
			t.Fatal(err)
		}
		rs, err := detect(img)
		if err != nil {
			t.Fatal(err)
		}
		counts = append(counts, len(rs))
	}
	if !(counts[0] > 2 && counts[1] >= 1 && counts[1] <= 2) {
		t.Errorf("detections with the model's proposals and with 1: %v, want more than 2, then 1 or 2", counts)
	}
}

// TestIntFlagsDecimal: every integer flag is a cliflag.Int, read in decimal; a value in another
// base is refused, the message naming the flag and the value (flag.Int read -limit 0x10 as 16).
func TestIntFlagsDecimal(t *testing.T) {
	e, _, _ := testEnv(t, nil)
	for _, f := range newApp(e).Flags {
		switch f.(type) {
		case *cli.IntFlag, *cli.Int64Flag, *cli.UintFlag, *cli.Uint64Flag:
			t.Errorf("-%s is a %T, which reads 010 as octal 8 and 0x10 as 16: make it a cliflag.Int", f.Names()[0], f)
		}
	}
	for _, args := range [][]string{{"-dt", goldenDT, "-limit", "0x10"}, {"-model", "m.bin", "-images", val128, "-threads", "0o2"}} {
		e, _, stderr := testEnv(t, nil)
		flag, value := args[len(args)-2], args[len(args)-1]
		want := fmt.Sprintf("invalid value %q for flag %s: want a whole number in decimal digits, with an optional sign", value, flag)
		if code := run(context.Background(), e, append([]string{"cocoeval", "-gt", goldenGT}, args...)); code == 0 || !strings.Contains(stderr.String(), want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", args, code, stderr, want)
		}
	}
}

// TestHelpDefaults: -h gives each flag's real default, never a zero that means "not set" (-limit's
// 0 is a value: all images).
func TestHelpDefaults(t *testing.T) {
	e, stdout, _ := testEnv(t, nil)
	if code := run(context.Background(), e, []string{"cocoeval", "-h"}); code != 0 {
		t.Fatalf("-h: exit %d", code)
	}
	out := stdout.String()
	// -h with a file after it: the help, not "No help topic".
	e2, stdout2, stderr2 := testEnv(t, nil)
	if code := run(context.Background(), e2, []string{"cocoeval", "-gt", "a.json", "-h", "b.json"}); code != 0 || !strings.Contains(stdout2.String(), "USAGE:") {
		t.Errorf("-h b.json: exit %d, stderr %q", code, stderr2)
	}
	if want := "shorter side (the paper's: 300, 600); the longer side at most 5/3 of it (default: the model's own resolution)"; !strings.Contains(out, want) {
		t.Errorf("-h lacks %q:\n%s", want, out)
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "(default: 0)") && !strings.Contains(line, "(0: all)") {
			t.Errorf("-h shows a zero default that means \"not set\": %s", line)
		}
	}
}

// TestVersion: -version prints the build's line on standard output and exits 0, without the
// flags a run requires (-gt).
func TestVersion(t *testing.T) {
	e, stdout, stderr := testEnv(t, nil)
	if code := run(context.Background(), e, []string{"cocoeval", "-version"}); code != 0 || stderr.Len() != 0 {
		t.Fatalf("-version: exit %d, stderr %q", code, stderr)
	}
	if want := version.Line("cocoeval", cvimage.Decoders()) + "\n"; stdout.String() != want {
		t.Errorf("-version printed %q, want %q", stdout, want)
	}
}

// TestHelpAndVersionToAFullStdout: -version and -h whose output cannot be written end with
// status 1, saying so (urfave/cli's printers drop the error: they ended with status 0).
func TestHelpAndVersionToAFullStdout(t *testing.T) {
	for _, arg := range []string{"-version", "-h"} {
		e, _, stderr := testEnv(t, nil)
		e.stdout = fullWriter{}
		if code := run(context.Background(), e, []string{"cocoeval", arg}); code != 1 || !strings.Contains(stderr.String(), "cocoeval: writing standard output: no space left on device") {
			t.Errorf("%s to a full stdout: exit %d, stderr %q", arg, code, stderr)
		}
	}
}

// TestOutputCheckedFirst: a results file that cannot be written, or that would replace an input,
// is refused before any image is detected (a minival run takes an hour); a usage error goes to
// stderr, not the help to stdout.
func TestOutputCheckedFirst(t *testing.T) {
	dir := t.TempDir()
	gtCopy := filepath.Join(dir, "gt.json")
	b, err := os.ReadFile(val128GT)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(gtCopy, b, 0o644)
	link := filepath.Join(dir, "link.json")
	os.Symlink(gtCopy, link)
	model := filepath.Join(dir, "m.bin")
	os.WriteFile(model, []byte("model"), 0o644)
	// names that fail only when the results are written, after the run, unless checked first
	throughFile, loop, noFolder := filepath.Join(dir, "through-file.json"), filepath.Join(dir, "loop.json"), filepath.Join(dir, "no-folder")
	os.Symlink(filepath.Join(model, "r.json"), throughFile)
	os.Symlink(loop, loop)
	os.Symlink(filepath.Join(dir, "gone"), noFolder)
	for _, c := range []struct {
		out, want string
	}{
		{filepath.Join(model, "sub", "r.json"), "m.bin: not a directory"},
		{dir, "is a folder"},
		{filepath.Join(dir, "runs") + string(filepath.Separator), "names a folder"},
		{filepath.Join(dir, "runs") + string(filepath.Separator) + ".", "names a folder"},
		{filepath.Join(dir, "runs") + string(filepath.Separator) + "..", "names a folder"},
		{throughFile, "m.bin: not a directory"},
		{loop, "-out " + loop + ": too many levels of symbolic links"},
		{filepath.Join(dir, strings.Repeat("r", 251)+".json"), "file name too long"},
		{filepath.Join(noFolder, "sub", "r.json"), noFolder + " is a symbolic link to "},
		{"", "-out: no file name"},
		{"-", "-out -: the results are written to a file"},
		{gtCopy, "would overwrite -gt"},
		{link, "would overwrite -gt"},
		{model, "would overwrite -model"},
	} {
		detected := false
		e, _, stderr := testEnv(t, func() { detected = true })
		code := run(context.Background(), e, []string{"cocoeval", "-model", model, "-gt", gtCopy, "-images", val128, "-limit", "2", "-out", c.out})
		if code == 0 || !strings.Contains(stderr.String(), c.want) || detected {
			t.Errorf("-out %q: exit %d, detected %v, stderr %q (want %q)", c.out, code, detected, stderr, c.want)
		}
	}
	for _, out := range []string{"/dev/stdout", "/dev/null"} { // (written directly: /dev/stdout's link is /proc's, to a pipe or a terminal)
		if err := checkOutput(out, gtCopy, model, val128); err != nil {
			t.Errorf("-out %s: %v, want it taken", out, err)
		}
	}
	if b2, _ := os.ReadFile(gtCopy); !bytes.Equal(b, b2) {
		t.Error("the ground truth was changed")
	}
	if b2, _ := os.ReadFile(model); string(b2) != "model" {
		t.Error("the model was changed")
	}
	e, stdout, stderr := testEnv(t, nil)
	if code := run(context.Background(), e, []string{"cocoeval", "-gt", val128GT, "-no-such-flag"}); code == 0 || stdout.Len() != 0 || !strings.Contains(stderr.String(), "no-such-flag") {
		t.Errorf("usage error: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// TestOutputIsNotAnImage: a results file that is one of the images to be read (its name, a
// link or a hard link) is refused before any image is detected: it replaced the image unasked.
func TestOutputIsNotAnImage(t *testing.T) {
	gt, err := coco.LoadDataset(val128GT)
	if err != nil {
		t.Fatal(err)
	}
	images := t.TempDir()
	first, second := filepath.Join(images, gt.Images[0].FileName), filepath.Join(images, gt.Images[1].FileName)
	for _, p := range []string{first, second} {
		if err := os.WriteFile(p, []byte("image"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	link, hard := filepath.Join(t.TempDir(), "link.json"), filepath.Join(t.TempDir(), "hard.json")
	if err := os.Symlink(second, link); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(second, hard); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{first, link, hard} {
		detected := false
		e, _, stderr := testEnv(t, func() { detected = true })
		code := run(context.Background(), e, []string{"cocoeval", "-model", "m.bin", "-gt", val128GT, "-images", images, "-limit", "2", "-out", out})
		if code == 0 || !strings.Contains(stderr.String(), "would overwrite image") || detected {
			t.Errorf("-out %s: exit %d, detected %v, stderr %q", out, code, detected, stderr)
		}
	}
	for _, p := range []string{first, second} {
		if b, _ := os.ReadFile(p); string(b) != "image" {
			t.Errorf("%s was changed: %q", p, b)
		}
	}
}

// TestOutputFolderMade: -out in folders that do not exist yet makes them when the results are
// written, as detect does for its outputs; a run that fails before any image is done makes none.
func TestOutputFolderMade(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "runs", "val128", "results.json")
	e, _, stderr := testEnv(t, nil)
	if code := run(context.Background(), e, []string{"cocoeval", "-model", "m.bin", "-gt", val128GT, "-images", val128, "-limit", "2", "-out", out}); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	rs, err := coco.LoadResults(out, nil)
	if err != nil || len(rs) == 0 {
		t.Fatalf("results: %d, %v", len(rs), err)
	}
	// through a link to a file in folders not made yet: those are made, as the link's target is written
	link, target := filepath.Join(dir, "link.json"), filepath.Join(dir, "elsewhere", "sub", "results.json")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	e, _, stderr = testEnv(t, nil)
	if code := run(context.Background(), e, []string{"cocoeval", "-model", "m.bin", "-gt", val128GT, "-images", val128, "-limit", "2", "-out", link}); code != 0 {
		t.Fatalf("-out through a link: exit %d: %s", code, stderr)
	}
	if rs, err := coco.LoadResults(target, nil); err != nil || len(rs) == 0 {
		t.Fatalf("results through a link: %d, %v", len(rs), err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // Ctrl-C while the model loads: no image done
	e, _, stderr = testEnv(t, nil)
	never := filepath.Join(dir, "never", "results.json")
	if code := run(ctx, e, []string{"cocoeval", "-model", "m.bin", "-gt", val128GT, "-images", val128, "-out", never}); code != 130 {
		t.Fatalf("interrupted: exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Dir(never)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a run that wrote nothing made %s: %v", filepath.Dir(never), err)
	}
}

// TestInterruptBeforeFirstImage: an interrupted run that finished no image leaves an earlier
// results file as it was.
func TestInterruptBeforeFirstImage(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // Ctrl-C while the model loads
	e, _, stderr := testEnv(t, nil)
	out := filepath.Join(t.TempDir(), "res.json")
	const earlier = `[{"image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4], "score": 0.5}]`
	os.WriteFile(out, []byte(earlier), 0o644)
	code := run(ctx, e, []string{"cocoeval", "-model", "m.bin", "-gt", val128GT, "-images", val128, "-threads", "1", "-out", out})
	if code != 130 || !strings.Contains(stderr.String(), "left as it was") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if b, _ := os.ReadFile(out); string(b) != earlier {
		t.Errorf("the earlier results file became %q", b)
	}
}

// TestCategories: -categories (ids or names) evaluates as if the ground truth and the results
// held those categories only, as pycocotools' params.catIds does; without it, a note says when
// the detections cover fewer categories than the averages run over; an unknown one is refused.
func TestCategories(t *testing.T) {
	stats := func(args ...string) ([12]float64, string) {
		t.Helper()
		e, stdout, stderr := testEnv(t, nil)
		if code := run(context.Background(), e, append([]string{"cocoeval", "-json"}, args...)); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		var r jsonReport
		if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		return r.Stats, stderr.String()
	}
	gt, err := coco.LoadDataset(goldenGT)
	if err != nil {
		t.Fatal(err)
	}
	dts, err := coco.LoadResults(goldenDT, gt)
	if err != nil {
		t.Fatal(err)
	}
	// Two categories: the first (by id) and one by name.
	first, second := gt.Categories[0], gt.Categories[len(gt.Categories)/2]
	got, stderr := stats("-gt", goldenGT, "-dt", goldenDT, "-categories", fmt.Sprintf("%d,%s", first.ID, second.Name))
	if !strings.Contains(stderr, fmt.Sprintf("evaluating 2 of the %d categories", len(gt.Categories))) {
		t.Errorf("stderr: %s", stderr)
	}
	// The same files with those categories only.
	raw, err := os.ReadFile(goldenGT)
	if err != nil {
		t.Fatal(err)
	}
	var g map[string]any
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	keep := func(id any) bool { return int(id.(float64)) == first.ID || int(id.(float64)) == second.ID }
	var cats, anns []any
	for _, c := range g["categories"].([]any) {
		if keep(c.(map[string]any)["id"]) {
			cats = append(cats, c)
		}
	}
	for _, a := range g["annotations"].([]any) {
		if keep(a.(map[string]any)["category_id"]) {
			anns = append(anns, a)
		}
	}
	g["categories"], g["annotations"] = cats, anns
	var kept []coco.Result
	for _, d := range dts {
		if d.CategoryID == first.ID || d.CategoryID == second.ID {
			kept = append(kept, d)
		}
	}
	dir := t.TempDir()
	gt2, dt2 := filepath.Join(dir, "gt.json"), filepath.Join(dir, "dt.json")
	b, _ := json.Marshal(g)
	if err := os.WriteFile(gt2, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := coco.SaveResults(dt2, kept, nil); err != nil {
		t.Fatal(err)
	}
	want, _ := stats("-gt", gt2, "-dt", dt2)
	if got != want {
		t.Errorf("-categories: %v; the files with those categories only: %v", got, want)
	}
	// The note: results of the two categories against every category.
	_, stderr = stats("-gt", goldenGT, "-dt", dt2)
	name := func(c coco.Category) string {
		if strings.ContainsAny(c.Name, ", ") {
			return strconv.Itoa(c.ID) // (-categories splits at commas and trims spaces)
		}
		return c.Name
	}
	hint := name(first) + "," + name(second)
	if !strings.Contains(stderr, "note: the detections are of 2 of the") || !strings.Contains(stderr, "(-categories "+hint+" evaluates those only)") {
		t.Errorf("no note naming the 2 categories of the results: %s", stderr)
	}
	// The note's -categories is the evaluation of those two.
	if again, _ := stats("-gt", goldenGT, "-dt", dt2, "-categories", hint); again != got {
		t.Errorf("-categories %s as the note gives it: %v, want %v", hint, again, got)
	}
	// A category named after another's id: ids first, as pycocotools takes them; one given
	// twice is evaluated once.
	named := filepath.Join(dir, "named.json")
	b, _ = json.Marshal(map[string]any{
		"images":      []any{map[string]any{"id": 1, "file_name": "a.jpg", "width": 100, "height": 100}},
		"categories":  []any{map[string]any{"id": 1, "name": "2"}, map[string]any{"id": 2, "name": "dog"}},
		"annotations": []any{map[string]any{"id": 1, "image_id": 1, "category_id": 2, "bbox": []float64{10, 10, 20, 20}, "area": 400, "iscrowd": 0}},
	})
	if err := os.WriteFile(named, b, 0o644); err != nil {
		t.Fatal(err)
	}
	dog := filepath.Join(dir, "dog.json")
	if err := os.WriteFile(dog, []byte(`[{"image_id": 1, "category_id": 2, "bbox": [10, 10, 20, 20], "score": 0.9}]`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, list := range []string{"2", "dog", "2,dog"} {
		s, stderr := stats("-gt", named, "-dt", dog, "-categories", list)
		if !(s[0] > 0.99) || !strings.Contains(stderr, "evaluating 1 of the 2 categories") { // one box found: AP 1, less a rounding
			t.Errorf("-categories %s: AP %v, %s", list, s[0], stderr)
		}
	}
	e, _, errBuf := testEnv(t, nil)
	if code := run(context.Background(), e, []string{"cocoeval", "-gt", goldenGT, "-dt", goldenDT, "-categories", "person,unicorn"}); code == 0 ||
		!strings.Contains(errBuf.String(), `"unicorn" is neither the id nor the name of a category`) {
		t.Errorf("unknown category: exit %d, %s", code, errBuf)
	}
}

// TestParseCategoriesAsPycocotools: a name means every category listed under it, as pycocotools'
// getCatIds(catNms=[name]) scans the file's list: two ids sharing a name are both evaluated, and
// a category listed twice is found by its first entry's name too (the dataset keeps the last
// one's); a negative id is an id like any other.
func TestParseCategoriesAsPycocotools(t *testing.T) {
	gt, err := coco.DecodeDataset(strings.NewReader(`{"images": [], "annotations": [], "categories": [
		{"id": -1, "name": "neg"}, {"id": 5, "name": "old"}, {"id": 7, "name": "twin"},
		{"id": 8, "name": "twin"}, {"id": 5, "name": "new"}]}`), "gt.json")
	if err != nil {
		t.Fatal(err)
	}
	for list, want := range map[string][]int{
		"-1": {-1}, "neg": {-1}, "old": {5}, "new": {5}, "twin": {7, 8}, "8,twin": {8, 7}, "new, old,neg": {5, -1},
	} {
		got, err := parseCategories(gt, list)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("-categories %q: %v, %v; want %v", list, got, err, want)
		}
	}
	if _, err := parseCategories(gt, "-2"); err == nil || !strings.Contains(err.Error(), `"-2" is neither the id nor the name of a category of gt.json`) {
		t.Errorf("-categories -2: %v", err)
	}
	for _, list := range []string{" , ", "old,", ",old", "old,,neg"} {
		if _, err := parseCategories(gt, list); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("-categories: an empty item in %q (a stray comma?)", list)) {
			t.Errorf("-categories %q: %v, want an error naming the empty item", list, err)
		}
	}
}

// TestInputNotes: inputs that evaluate but are almost surely mistakes get a note: no detections
// (pycocotools stops on an empty list), a ground truth without annotations (an image-info file),
// annotation ids repeated (pycocotools keeps the last annotation of each id), annotations of
// images or categories not listed (evaluated by neither); a well-formed pair gets none.
func TestInputNotes(t *testing.T) {
	dir := t.TempDir()
	gt := writeFile(t, dir, "gt.json", `{"images": [{"id": 1, "width": 100, "height": 100}], "categories": [{"id": 1, "name": "a"}],
		"annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [10, 10, 20, 20], "area": 400, "iscrowd": 0},
		{"id": 2, "image_id": 1, "category_id": 1, "bbox": [50, 50, 20, 20], "area": 400, "iscrowd": 0}]}`)
	dupIDs := writeFile(t, dir, "dup.json", strings.Replace(read(t, gt), `"id": 2,`, `"id": 1,`, 1))
	info := writeFile(t, dir, "info.json", `{"images": [{"id": 1, "width": 100, "height": 100}], "categories": [{"id": 1, "name": "a"}]}`)
	unlisted := writeFile(t, dir, "unlisted.json", strings.Replace(strings.Replace(read(t, gt), `"image_id": 1, "category_id": 1, "bbox": [50`, `"image_id": 7, "category_id": 1, "bbox": [50`, 1),
		`"annotations": [`, `"annotations": [{"id": 3, "image_id": 1, "category_id": 9, "bbox": [0, 0, 5, 5], "area": 25, "iscrowd": 0}, `, 1))
	unlistedImage := writeFile(t, dir, "unlisted-image.json", strings.Replace(read(t, gt), `"image_id": 1, "category_id": 1, "bbox": [50`, `"image_id": 7, "category_id": 1, "bbox": [50`, 1))
	empty := writeFile(t, dir, "empty.json", `[]`)
	dt := writeFile(t, dir, "dt.json", `[{"image_id": 1, "category_id": 1, "bbox": [10, 10, 20, 20], "score": 0.9}]`)
	for _, c := range []struct {
		gt, dt string
		want   string // "" for no note
	}{
		{gt, dt, ""},
		{gt, empty, "note: there are no detections"},
		{info, dt, "info.json has no annotations"},
		{dupIDs, dt, "1 annotation of " + dupIDs + " repeats an id an earlier one has: pycocotools looks annotations up by id, so it stands for the last annotation"},
		{unlisted, dt, unlisted + " has 1 annotation of images its images list lacks and 1 of categories its categories list lacks: they are not evaluated"},
		{unlistedImage, dt, unlistedImage + " has 1 annotation of images its images list lacks and 0 of categories its categories list lacks: it is not evaluated"},
	} {
		e, _, stderr := testEnv(t, nil)
		if code := run(context.Background(), e, []string{"cocoeval", "-gt", c.gt, "-dt", c.dt}); code != 0 {
			t.Fatalf("%s, %s: exit %d: %s", c.gt, c.dt, code, stderr)
		}
		if got := stderr.String(); c.want == "" && strings.Contains(got, "note:") || c.want != "" && !strings.Contains(got, c.want) {
			t.Errorf("%s, %s: stderr %q, want %q", filepath.Base(c.gt), filepath.Base(c.dt), got, c.want)
		}
	}
}

// writeFile writes content to dir/name and returns its path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestDefaultOutReplacedWithANote: a -model run without -out writes results.json; when one is
// there from an earlier run, it says so before it starts (an -out given replaces silently).
func TestDefaultOutReplacedWithANote(t *testing.T) {
	gtPath, err1 := filepath.Abs(val128GT)
	images, err2 := filepath.Abs(val128)
	if err := errors.Join(err1, err2); err != nil {
		t.Fatal(err)
	}
	type env3 struct {
		e      *env
		stderr *bytes.Buffer
	}
	var envs []env3
	for range 3 { // (testEnv reads the ground truth by its relative path: before the Chdir)
		e, _, stderr := testEnv(t, nil)
		envs = append(envs, env3{e, stderr})
	}
	t.Chdir(t.TempDir())
	os.WriteFile("m.bin", nil, 0o644) // the test env's detectors do not read it
	args := []string{"cocoeval", "-model", "m.bin", "-gt", gtPath, "-images", images, "-limit", "1"}
	for i, want := range []bool{false, true} {
		if code := run(context.Background(), envs[i].e, args); code != 0 {
			t.Fatalf("run %d: exit %d: %s", i, code, envs[i].stderr)
		}
		if got := strings.Contains(envs[i].stderr.String(), "results.json (the default -out) is there from an earlier run"); got != want {
			t.Errorf("run %d: note %v, want %v: %s", i, got, want, envs[i].stderr)
		}
	}
	if code := run(context.Background(), envs[2].e, append(args, "-out", "results.json")); code != 0 || strings.Contains(envs[2].stderr.String(), "earlier run") {
		t.Errorf("-out given: exit %d, %s", code, envs[2].stderr)
	}
}

// TestNoteOnUncoveredImages: the note that images after the detections' last count as missed is
// given only when one of them has ground truth a detection could match: not for images without
// annotations, with only a crowd region, or only of categories -categories leaves out (a perfect
// results file got it, pointing at -limit).
func TestNoteOnUncoveredImages(t *testing.T) {
	for _, c := range []struct {
		name, third string // the third image's annotations
		note        string
		res         string // the results file, the default's two detections on the first two images when ""
	}{
		{"no annotations", ``, "", ""},
		{"a crowd region", `{"id": 3, "image_id": 3, "category_id": 1, "bbox": [0, 0, 10, 10], "area": 100, "iscrowd": 1}`, "", ""},
		{"a box", `{"id": 3, "image_id": 3, "category_id": 1, "bbox": [0, 0, 10, 10], "area": 100, "iscrowd": 0}`,
			"the detections are all on the first 2 of the 3 images in GT; the 1 after them with ground truth counts as missed", ""},
		// A count of 1 takes the singular (it was "the detections are all on the first 1 ...; the 2 after them").
		{"a box, one detection", `{"id": 3, "image_id": 3, "category_id": 1, "bbox": [0, 0, 10, 10], "area": 100, "iscrowd": 0}`,
			"the detection is on the first 1 of the 3 images in GT; the 2 after it with ground truth count as missed",
			`[{"image_id": 1, "category_id": 1, "bbox": [1, 1, 20, 20], "score": 0.9}]`},
		{"a box, two detections on the first image", `{"id": 3, "image_id": 3, "category_id": 1, "bbox": [0, 0, 10, 10], "area": 100, "iscrowd": 0}`,
			"the detections are all on the first 1 of the 3 images in GT; the 2 after it with ground truth count as missed",
			`[{"image_id": 1, "category_id": 1, "bbox": [1, 1, 20, 20], "score": 0.9}, {"image_id": 1, "category_id": 1, "bbox": [30, 30, 20, 20], "score": 0.8}]`},
	} {
		dir := t.TempDir()
		gt := filepath.Join(dir, "gt.json")
		anns := `{"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 1, 20, 20], "area": 400, "iscrowd": 0},
			{"id": 2, "image_id": 2, "category_id": 1, "bbox": [5, 5, 30, 20], "area": 600, "iscrowd": 0}`
		if c.third != "" {
			anns += "," + c.third
		}
		doc := `{"images": [{"id": 1}, {"id": 2}, {"id": 3}], "categories": [{"id": 1, "name": "person"}, {"id": 2, "name": "car"}], "annotations": [` + anns + `]}`
		dt := filepath.Join(dir, "dt.json")
		res := `[{"image_id": 1, "category_id": 1, "bbox": [1, 1, 20, 20], "score": 0.9}, {"image_id": 2, "category_id": 1, "bbox": [5, 5, 30, 20], "score": 0.8}]`
		if c.res != "" {
			res = c.res
		}
		if err := os.WriteFile(gt, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dt, []byte(res), 0o644); err != nil {
			t.Fatal(err)
		}
		e, _, stderr := testEnv(t, nil)
		if code := run(context.Background(), e, []string{"cocoeval", "-gt", gt, "-dt", dt}); code != 0 {
			t.Fatalf("%s: exit %d: %s", c.name, code, stderr)
		}
		got := strings.ReplaceAll(stderr.String(), gt, "GT")
		if c.note == "" && strings.Contains(got, "as missed") || c.note != "" && !strings.Contains(got, c.note) {
			t.Errorf("third image with %s: stderr %q, want the note %q", c.name, got, c.note)
		}
		// With -categories of the others, its box is not evaluated: no note.
		e, _, stderr = testEnv(t, nil)
		if code := run(context.Background(), e, []string{"cocoeval", "-gt", gt, "-dt", dt, "-categories", "2"}); code != 0 || strings.Contains(stderr.String(), "as missed") {
			t.Errorf("third image with %s, -categories 2: exit %d, stderr %q", c.name, code, stderr)
		}
	}
}

// TestRenamedClassesNoted: a model whose classes name a category id otherwise than the ground
// truth does (trained on other data) gets a note naming both; the same names get none.
func TestRenamedClassesNoted(t *testing.T) {
	for _, renamed := range []bool{false, true} {
		e, _, stderr := testEnv(t, nil)
		newDetectors := e.newDetectors
		e.newDetectors = func(model string, s modelSettings) (func() (detectFunc, error), []configs.Class, error) {
			f, classes, err := newDetectors(model, s)
			if renamed {
				classes = slices.Clone(classes)
				classes[0].Name, classes[6].Name = "walker", "surfboard"
			}
			return f, classes, err
		}
		args := []string{"cocoeval", "-model", "m.bin", "-gt", val128GT, "-images", val128, "-limit", "2", "-out", filepath.Join(t.TempDir(), "res.json")}
		if code := run(context.Background(), e, args); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		want := `name categories differently: id 1: "walker" in the model, "person" in the ground truth; id 7: "surfboard" in the model, "train" in the ground truth`
		if got := stderr.String(); renamed != strings.Contains(got, want) || !renamed && strings.Contains(got, "differently") {
			t.Errorf("renamed %v: stderr %s", renamed, got)
		}
	}
}

// TestForeignClassesNoted: a model none of whose classes' ids is a category of the ground truth
// (trained on a dataset numbered otherwise) gets a note before any image is detected, as every
// detection would go unmatched; a model with one class the ground truth has gets none.
func TestForeignClassesNoted(t *testing.T) {
	for _, foreign := range []bool{false, true} {
		e, _, stderr := testEnv(t, nil)
		detected := false
		newDetectors := e.newDetectors
		e.newDetectors = func(model string, s modelSettings) (func() (detectFunc, error), []configs.Class, error) {
			f, _, err := newDetectors(model, s)
			classes := []configs.Class{{ID: 1001, Name: "person"}, {ID: 1003, Name: "car"}}
			if !foreign {
				classes[1].ID = 3
			}
			return func() (detectFunc, error) {
				d, err := f()
				return func(img image.Image) ([]coco.Result, error) {
					if !detected && foreign && !strings.Contains(stderr.String(), "note: none of the classes of m.bin") {
						t.Error("no note before the first image is detected")
					}
					detected = true
					return d(img)
				}, err
			}, classes, err
		}
		args := []string{"cocoeval", "-model", "m.bin", "-gt", val128GT, "-images", val128, "-limit", "2", "-out", filepath.Join(t.TempDir(), "res.json")}
		if code := run(context.Background(), e, args); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		want := "cocoeval: note: none of the classes of m.bin is a category of " + val128GT + " (the model's ids: 1001 person, 1003 car): " +
			"none of its detections can match"
		if got := stderr.String(); foreign != strings.Contains(got, want) || !foreign && strings.Contains(got, "none of the classes") {
			t.Errorf("foreign %v: stderr %s", foreign, got)
		}
	}
}

// TestOneImageOneDetection: a -model run over one image that gives one detection says so in
// the singular ("1 image in", "1 detection written", "evaluating the 1 image processed").
func TestOneImageOneDetection(t *testing.T) {
	e, _, stderr := testEnv(t, nil)
	newDetectors := e.newDetectors
	e.newDetectors = func(model string, s modelSettings) (func() (detectFunc, error), []configs.Class, error) {
		f, classes, err := newDetectors(model, s)
		return func() (detectFunc, error) {
			detect, err := f()
			return func(img image.Image) ([]coco.Result, error) {
				rs, err := detect(img)
				if len(rs) == 0 {
					t.Errorf("%s: no detection to keep one of", img.(fakeImage).path)
				}
				return rs[:min(len(rs), 1)], err
			}, err
		}, classes, err
	}
	out := filepath.Join(t.TempDir(), "res.json")
	if code := run(context.Background(), e, []string{"cocoeval", "-model", "m.bin", "-gt", val128GT, "-images", val128, "-limit", "1", "-out", out}); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"\n1 image in ", "; 1 detection written to " + out + "\n", "\nevaluating the 1 image processed (of 128 in "} {
		if got := "\n" + stderr.String(); !strings.Contains(got, want) {
			t.Errorf("stderr does not say %q:\n%s", want, got)
		}
	}
}

// TestOneImageOneCategory: a ground truth of one image and one category says "the 1 image" and
// "the 1 category" in the notes on -limit and -categories.
func TestOneImageOneCategory(t *testing.T) {
	dir := t.TempDir()
	gt, dt := filepath.Join(dir, "gt.json"), filepath.Join(dir, "dt.json")
	if err := errors.Join(
		os.WriteFile(gt, []byte(`{"images": [{"id": 1, "width": 100, "height": 100}], "categories": [{"id": 1, "name": "a"}],
			"annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [10, 10, 20, 20], "area": 400, "iscrowd": 0}]}`), 0o644),
		os.WriteFile(dt, []byte(`[{"image_id": 1, "category_id": 1, "bbox": [10, 10, 20, 20], "score": 0.9}]`), 0o644)); err != nil {
		t.Fatal(err)
	}
	e, _, stderr := testEnv(t, nil)
	if code := run(context.Background(), e, []string{"cocoeval", "-gt", gt, "-dt", dt, "-limit", "2", "-categories", "1"}); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"cocoeval: note: -limit 2 is more than the 1 image in " + gt + ": it is evaluated\n", "evaluating 1 of the 1 category in " + gt + "\n"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr does not say %q:\n%s", want, stderr)
		}
	}
}

// TestResizedImagesNoted: images that decode to another size than the ground truth's width and
// height (other files than those annotated) get a note naming the first; the same sizes none.
func TestResizedImagesNoted(t *testing.T) {
	for _, shrink := range []bool{false, true} {
		e, _, stderr := testEnv(t, nil)
		decode := e.decode
		e.decode = func(p string) (image.Image, error) {
			img, err := decode(p)
			if shrink && err == nil && strings.HasSuffix(p, "000000000139.jpg") {
				img = fakeImage{image.NewGray(image.Rect(0, 0, 320, 213)), p}
			}
			return img, err
		}
		args := []string{"cocoeval", "-model", "m.bin", "-gt", val128GT, "-images", val128, "-limit", "3", "-out", filepath.Join(t.TempDir(), "res.json")}
		if code := run(context.Background(), e, args); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		want := "note: 1 of the 3 images decodes to another size than the ground truth's width and height (the first, " +
			filepath.Join(val128, "000000000139.jpg") + ": 640x426 in the ground truth, 320x213 decoded): its boxes may be"
		if got := stderr.String(); shrink != strings.Contains(got, want) || !shrink && strings.Contains(got, "another size") {
			t.Errorf("shrunk %v: stderr %s", shrink, got)
		}
	}
}

// TestControlCharactersQuoted: a file name with a newline is quoted in the message that names
// it, so that the message is not split in two.
func TestControlCharactersQuoted(t *testing.T) {
	dir := t.TempDir()
	broken := filepath.Join(dir, "bro\nken.json")
	os.WriteFile(broken, []byte("[\n{\"image_id\": 42, \"category_id\": 1 \"bbox\": [1,2,3,4], \"score\": 1}\n]"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-gt", goldenGT, "-dt", broken}, strconv.Quote(broken) + ":2:35: detection 0: invalid JSON"},
		{[]string{"-gt", goldenGT, "-dt", filepath.Join(dir, "mis\nsing.json")}, "-dt " + strconv.Quote(filepath.Join(dir, "mis\nsing.json")) + ": no such file or directory"},
		{[]string{"-gt", val128GT, "-model", "m.bin", "-images", val128, "-out", filepath.Join(dir, "a\nb")}, "-out " + strconv.Quote(filepath.Join(dir, "a\nb")) + " is a folder"},
	} {
		os.Mkdir(filepath.Join(dir, "a\nb"), 0o755) // (a folder: -out refuses it)
		e, _, stderr := testEnv(t, nil)
		if code := run(context.Background(), e, append([]string{"cocoeval"}, c.args...)); code == 0 {
			t.Errorf("%q: exit 0", c.args)
		}
		if !strings.Contains(stderr.String(), c.want) || strings.Count(stderr.String(), "\n") != 1 {
			t.Errorf("%q: stderr %q, want one line with %q", c.args, stderr, c.want)
		}
	}
}

// cancelOn is a stderr that cancels when a line containing at is written: a Ctrl-C at that point
// of a run.
type cancelOn struct {
	bytes.Buffer
	at     string
	cancel func()
}

func (w *cancelOn) Write(p []byte) (int, error) {
	if strings.Contains(string(p), w.at) {
		w.cancel()
	}
	return w.Buffer.Write(p)
}

// TestInterruptEvaluation: Ctrl-C while a results file is evaluated (-dt), or while a -model run's
// results are, stops it with status 130 and no numbers printed (a -model run's results file
// written, and how to evaluate it again said); once the numbers are printed, no charts are begun.
func TestInterruptEvaluation(t *testing.T) {
	for _, c := range []struct {
		name, at string
		args     []string
		want     string
	}{
		{"-dt", "evaluating the first 50 images", []string{"-gt", goldenGT, "-dt", goldenDT, "-limit", "50", "-plots", "PLOTS"}, "interrupted while evaluating: nothing printed"},
		{"-dt -categories", "evaluating 2 of the 80 categories", []string{"-gt", goldenGT, "-dt", goldenDT, "-categories", "person,car", "-json"}, "interrupted while evaluating: nothing printed"},
		{"-model", "128 images in ", []string{"-model", "m.bin", "-gt", val128GT, "-images", val128, "-out", "OUT"},
			"interrupted while evaluating: nothing printed; the 898 detections are written to OUT (evaluate them with -gt " + val128GT + " -dt OUT)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			plots, out := filepath.Join(dir, "plots"), filepath.Join(dir, "r.json")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			e, stdout, _ := testEnv(t, nil)
			stderr := &cancelOn{at: c.at, cancel: cancel}
			e.stderr = stderr
			args := []string{"cocoeval"}
			for _, a := range c.args {
				args = append(args, strings.NewReplacer("PLOTS", plots, "OUT", out).Replace(a))
			}
			code := run(ctx, e, args)
			want := "cocoeval: " + strings.ReplaceAll(c.want, "OUT", out) + "\n"
			if code != 130 || stdout.Len() > 0 || !strings.HasSuffix(stderr.String(), want) {
				t.Errorf("exit %d, want 130; stdout %q; stderr %q, want it to end %q", code, stdout, stderr, want)
			}
			if _, err := os.Stat(plots); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("-plots: %v", err)
			}
			if c.name == "-model" {
				if rs, err := coco.LoadResults(out, nil); err != nil || len(rs) != 898 {
					t.Errorf("results file: %d, %v", len(rs), err)
				}
			}
		})
	}
	// Interrupted once the numbers are printed: no chart is begun.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e, _, _ := testEnv(t, nil)
	stderr := &bytes.Buffer{}
	e.stderr = stderr
	plots := filepath.Join(t.TempDir(), "plots")
	e.stdout = &cancelOn{at: "Average Precision", cancel: cancel}
	code := run(ctx, e, []string{"cocoeval", "-gt", goldenGT, "-dt", goldenDT, "-plots", plots})
	if _, err := os.Stat(plots); code != 130 || !errors.Is(err, os.ErrNotExist) || !strings.HasSuffix(stderr.String(), "cocoeval: interrupted: no precision-recall charts written to "+plots+"\n") {
		t.Errorf("interrupted after the numbers: exit %d, -plots %v; stderr %q", code, err, stderr)
	}
}

// TestFlagNotes: an empty -categories is refused, naming the flag, before any file is read; a
// -limit over the images there are, and a category -categories chooses that the model does not
// detect, are noted on stderr.
func TestFlagNotes(t *testing.T) {
	e, _, stderr := testEnv(t, nil)
	if code := run(context.Background(), e, []string{"cocoeval", "-gt", "missing.json", "-dt", goldenDT, "-categories", ""}); code != 1 ||
		!strings.Contains(stderr.String(), "cocoeval: -categories: an empty list; give ids or names") {
		t.Errorf("-categories \"\": exit %d: %s", code, stderr)
	}
	e, _, stderr = testEnv(t, nil)
	if code := run(context.Background(), e, []string{"cocoeval", "-gt", goldenGT, "-dt", goldenDT, "-limit", "1000"}); code != 0 ||
		!strings.Contains(stderr.String(), "cocoeval: note: -limit 1000 is more than the 100 images in "+goldenGT+": all of them are evaluated\n") {
		t.Errorf("-dt -limit 1000: exit %d: %s", code, stderr)
	}
	// A model without the class "car" (id 3), asked for car and person.
	e, _, stderr = testEnv(t, nil)
	newDetectors := e.newDetectors
	e.newDetectors = func(model string, s modelSettings) (func() (detectFunc, error), []configs.Class, error) {
		f, classes, err := newDetectors(model, s)
		return f, slices.DeleteFunc(classes, func(c configs.Class) bool { return c.Name == "car" }), err
	}
	out := filepath.Join(t.TempDir(), "r.json")
	code := run(context.Background(), e, []string{"cocoeval", "-model", "m.bin", "-gt", val128GT, "-images", val128, "-out", out, "-limit", "200", "-categories", "car,person"})
	if code != 0 || !strings.Contains(stderr.String(), "cocoeval: note: -limit 200 is more than the 128 images in "+val128GT+": all of them are evaluated\n") ||
		!strings.Contains(stderr.String(), "cocoeval: note: -categories: not among the classes of m.bin, so never detected (AP and AR 0, or -1 where the images evaluated hold none): car (id 3)\n") {
		t.Errorf("-model: exit %d: %s", code, stderr)
	}
	if strings.Contains(stderr.String(), "person (id 1)") {
		t.Errorf("-model: person noted as not detected: %s", stderr)
	}
}

// TestNotesQuoteNames: the notes and the closing line of a run name -dt, -gt and -out quoted
// where they hold a newline, as its errors do, so that no line is split in two.
func TestNotesQuoteNames(t *testing.T) {
	dir := t.TempDir()
	// Detections on the first 60 of the 100 images: -limit 50 leaves some out.
	gt, err := coco.LoadDataset(goldenGT)
	if err != nil {
		t.Fatal(err)
	}
	dts, err := coco.LoadResults(goldenDT, gt)
	if err != nil {
		t.Fatal(err)
	}
	first := imageIDs(firstImages(gt, 60))
	dts = slices.DeleteFunc(dts, func(r coco.Result) bool { return !slices.Contains(first, r.ImageID) })
	dt := filepath.Join(dir, "d\nt.json")
	if err := coco.SaveResults(dt, dts, gt); err != nil {
		t.Fatal(err)
	}
	e, _, stderr := testEnv(t, nil)
	if code := run(context.Background(), e, []string{"cocoeval", "-gt", goldenGT, "-dt", dt, "-limit", "50"}); code != 0 ||
		!strings.Contains(stderr.String(), "cocoeval: note: "+strconv.Quote(dt)+" has detections on the first") {
		t.Errorf("-dt %q -limit 50: exit %d; stderr %q", dt, code, stderr)
	}
	out := filepath.Join(dir, "r\n.json")
	e, _, stderr = testEnv(t, nil)
	if code := run(context.Background(), e, []string{"cocoeval", "-model", "m.bin", "-gt", val128GT, "-images", val128, "-out", out}); code != 0 ||
		!strings.Contains(stderr.String(), "detections written to "+strconv.Quote(out)+"\n") {
		t.Errorf("-out %q: exit %d; stderr %q", out, code, stderr)
	}
}

// cancelOnceWritten is a context that reads as cancelled (Err) once file exists: a Ctrl-C that
// comes while the chart after it is drawn.
type cancelOnceWritten struct {
	context.Context
	file string
}

func (c cancelOnceWritten) Err() error {
	if _, err := os.Stat(c.file); err == nil {
		return context.Canceled
	}
	return nil
}

// TestInterruptCharts: Ctrl-C while the charts are drawn stops with status 130 and says which
// charts were written and that the others were not; the chart being drawn leaves no file, not
// even a hidden one, and a -model run's results file is kept and named.
func TestInterruptCharts(t *testing.T) {
	for _, mode := range []string{"-dt", "-model"} {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			plots, out := filepath.Join(dir, "plots"), filepath.Join(dir, "r.json")
			e, stdout, stderr := testEnv(t, nil)
			args := []string{"cocoeval", "-gt", goldenGT, "-dt", goldenDT, "-plots", plots}
			if mode == "-model" {
				args = []string{"cocoeval", "-model", "m.bin", "-gt", val128GT, "-images", val128, "-limit", "8", "-out", out, "-plots", plots}
			}
			code := run(cancelOnceWritten{context.Background(), filepath.Join(plots, "pr_iou.png")}, e, args)
			want := "cocoeval: interrupted while writing the precision-recall charts to " + plots + ": pr_iou.png is written, the others are not"
			if mode == "-model" {
				want += "; the 54 detections are written to " + out + " (evaluate them with -gt " + val128GT + " -dt " + out + " -limit 8)"
			}
			if code != 130 || !strings.Contains(stdout.String(), "Average Precision") || !strings.HasSuffix(stderr.String(), want+"\n") {
				t.Errorf("exit %d, want 130 (numbers printed: %v); stderr %q, want it to end %q", code, strings.Contains(stdout.String(), "Average Precision"), stderr, want)
			}
			ents, err := os.ReadDir(plots)
			if err != nil || len(ents) != 1 || ents[0].Name() != "pr_iou.png" {
				t.Errorf("-plots holds %v (%v), want pr_iou.png alone", ents, err)
			}
			if mode == "-model" {
				if rs, err := coco.LoadResults(out, nil); err != nil || len(rs) != 54 {
					t.Errorf("results file: %d detections, %v", len(rs), err)
				}
			}
		})
	}
}

// TestLostImageRefusedBeforeDetection: a ground truth with an image id that pycocotools'
// evaluate loses (2^53+1 in an images list with an id written 5.0: np.unique makes them float64)
// evaluates as pycocotools does only while nothing is on that image; -model refuses it before any
// image is detected, not when the detector's output on it is checked.
func TestLostImageRefusedBeforeDetection(t *testing.T) {
	dir := t.TempDir()
	gt := filepath.Join(dir, "gt.json")
	if err := os.WriteFile(gt, []byte(`{"images": [{"id": 5.0, "file_name": "a.jpg"}, {"id": 9007199254740993, "file_name": "b.jpg"}], "categories": [{"id": 1, "name": "c"}], "annotations": []}`), 0o644); err != nil {
		t.Fatal(err)
	}
	detected := false
	e, _, stderr := testEnv(t, func() { detected = true })
	code := run(context.Background(), e, []string{"cocoeval", "-model", "m.bin", "-gt", gt, "-images", dir, "-out", filepath.Join(dir, "r.json")})
	if want := "cocoeval: image_id 9007199254740993: images[1]'s id in " + gt + " is an integer that a float64 cannot hold, and images[0]'s is written as a float"; code != 1 || detected || !strings.HasPrefix(stderr.String(), want) {
		t.Errorf("exit %d, detected %v; stderr %q, want it to begin %q", code, detected, stderr, want)
	}
}
