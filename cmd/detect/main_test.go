package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/draw"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/disintegration/imaging"
	"github.com/urfave/cli/v2"

	"github.com/shuffledet/shuffledet/cvimage"
	"github.com/shuffledet/shuffledet/internal/torchref"
	"github.com/shuffledet/shuffledet/internal/version"
)

func run(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	app := newApp()
	app.Writer, app.ErrWriter = &out, &errOut
	err = app.Run(append([]string{"detect"}, args...))
	return out.String(), errOut.String(), err
}

// TestVersion: -version prints the build's line (with what reads images) on standard output.
func TestVersion(t *testing.T) {
	out, errOut, err := run(t, "-version")
	if err != nil || errOut != "" {
		t.Fatalf("-version: %v, stderr %q", err, errOut)
	}
	if want := version.Line("detect", cvimage.Decoders()) + "\n"; out != want {
		t.Errorf("-version printed %q, want %q", out, want)
	}
}

// closedPipe fails every write as a pipe whose reader has gone does (detect ignores SIGPIPE).
type closedPipe struct{}

func (closedPipe) Write([]byte) (int, error) {
	return 0, &os.PathError{Op: "write", Path: "/dev/stdout", Err: syscall.EPIPE}
}

// TestHelpAndVersionToAFullStdout: -version and the help whose output cannot be written end with
// status 1, saying so (urfave/cli's printers drop the error: they ended with status 0), silently
// to a closed pipe (detect -h | head); written, status 0.
func TestHelpAndVersionToAFullStdout(t *testing.T) {
	for _, args := range [][]string{{"-version"}, {"-h"}, {"info", "-h"}, {"bench", "-h"}} {
		var stdout, stderr bytes.Buffer
		if code := runMain(append([]string{"detect"}, args...), &stdout, &stderr); code != 0 || stdout.Len() == 0 || stderr.Len() != 0 {
			t.Errorf("%v: exit %d, stdout %d bytes, stderr %q", args, code, stdout.Len(), stderr.String())
		}
		stderr.Reset()
		if code := runMain(append([]string{"detect"}, args...), fullWriter{}, &stderr); code != 1 || !strings.Contains(stderr.String(), "detect: writing standard output: no space left on device") {
			t.Errorf("%v to a full stdout: exit %d, stderr %q", args, code, stderr.String())
		}
		stderr.Reset()
		if code := runMain(append([]string{"detect"}, args...), closedPipe{}, &stderr); code != 1 || stderr.Len() != 0 {
			t.Errorf("%v to a closed pipe (| head): exit %d, stderr %q; want 1, nothing said", args, code, stderr.String())
		}
	}
}

func TestInfoArchJSON(t *testing.T) {
	out, _, err := run(t, "info", "-arch", "shufflenet-g3-2.0x", "-size", "224x224", "-json")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		MACs   int64 `json:"macs"`
		Params int64 `json:"params"`
		Stages []struct {
			Name string `json:"name"`
			MACs int64  `json:"macs"`
		} `json:"stages"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	if !(math.Abs(float64(v.MACs)/524e6-1) <= 0.02) || !(math.Abs(float64(v.Params)/5.4e6-1) <= 0.02) || len(v.Stages) != 5 {
		t.Fatalf("info: %+v", v)
	}
	text, _, err := run(t, "info", "-arch", "shufflenet-g8-0.5x")
	if err != nil || !strings.Contains(text, "stage4") || !strings.Contains(text, "total") {
		t.Fatalf("text info: %v\n%s", err, text)
	}
	for _, bad := range [][]string{{"info", "-arch", "shufflenet-g5-1.0x"}, {"info", "-arch", "shufflenet-g3-1.0x", "-size", "huge"}, {"info"}} {
		if _, _, err := run(t, bad...); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
	// A bad -classes is named as the flag, not only as the config's num_classes.
	if _, _, err := run(t, "info", "-arch", "shufflenet-g3-1.0x", "-classes", "-1"); err == nil || !strings.HasPrefix(err.Error(), "info: -classes -1: ") {
		t.Errorf("-classes -1: %v", err)
	}
}

type line struct {
	Source     string   `json:"source"`
	Frame      *int     `json:"frame"`   // video frames only
	TimeMS     *float64 `json:"time_ms"` // video frames only
	Width      int      `json:"width"`
	Height     int      `json:"height"`
	Detections []struct {
		BBox       [4]float64 `json:"bbox"`
		Score      float64    `json:"score"`
		CategoryID int        `json:"category_id"`
		Label      string     `json:"label"`
	} `json:"detections"`
}

func parseLines(t *testing.T, s string) []line {
	t.Helper()
	var ls []line
	for _, raw := range strings.Split(strings.TrimSpace(s), "\n") {
		l := decodeLine(t, raw)
		if l.Frame != nil || l.TimeMS != nil {
			t.Fatalf("an image's line has a frame or time: %q", raw)
		}
		ls = append(ls, l)
	}
	return ls
}

// decodeLine parses one JSON line strictly (no unknown fields).
func decodeLine(t *testing.T, raw string) line {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.DisallowUnknownFields()
	var l line
	if err := dec.Decode(&l); err != nil {
		t.Fatalf("%v in %q", err, raw)
	}
	return l
}

// TestDetectMatchesReferenceOutput runs detect and train/reference.py on the same model and images
// and requires the same JSON lines: same fields, same detections within the parity tolerances.
func TestDetectMatchesReferenceOutput(t *testing.T) {
	root := torchref.RepoRoot(t)
	dir := t.TempDir()
	model := filepath.Join(dir, "m.bin")
	torchref.Run(t, "train/export.py", "--out", model, "--random", "--seed", "4", "--config", "configs/presets/shufflenet-g3-0.5x-300.yaml")
	images := []string{filepath.Join(root, "testdata/images/000000001503.png"), filepath.Join(root, "testdata/images/000000005503.png")}
	jsonPath := filepath.Join(dir, "out.jsonl")
	if _, _, err := run(t, append([]string{"-model", model, "-score", "0.3", "-json", jsonPath}, images...)...); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	want := torchref.Run(t, "train/reference.py", append([]string{"--model", model, "--score-thresh", "0.3"}, images...)...)
	gl, wl := parseLines(t, string(got)), parseLines(t, string(want))
	if len(gl) != len(wl) {
		t.Fatalf("%d lines, reference %d", len(gl), len(wl))
	}
	for i := range gl {
		g, w := gl[i], wl[i]
		if g.Source != w.Source || g.Width != w.Width || g.Height != w.Height || len(g.Detections) != len(w.Detections) {
			t.Fatalf("line %d: %s %dx%d %d detections, reference %s %dx%d %d", i, g.Source, g.Width, g.Height, len(g.Detections), w.Source, w.Width, w.Height, len(w.Detections))
		}
		if len(g.Detections) == 0 {
			t.Fatalf("line %d: no detections above 0.3 to compare", i)
		}
		for j, d := range g.Detections {
			r := w.Detections[j]
			for k := range d.BBox {
				if !(math.Abs(d.BBox[k]-r.BBox[k]) <= 0.01) {
					t.Errorf("%s detection %d: bbox %v, reference %v", g.Source, j, d.BBox, r.BBox)
					break
				}
			}
			if !(math.Abs(d.Score-r.Score) <= 1e-4) || d.CategoryID != r.CategoryID || d.Label != r.Label {
				t.Errorf("%s detection %d: %v %d %q, reference %v %d %q", g.Source, j, d.Score, d.CategoryID, d.Label, r.Score, r.CategoryID, r.Label)
			}
		}
	}

	// -nms: torchvision's box_nms_thresh, the same detections as the reference's at that IoU
	// (fewer than at 0.5 here: the case tests something); out of range refused.
	tight, _, err := run(t, "-model", model, "-score", "0.3", "-nms", "0.1", images[1])
	if err != nil {
		t.Fatal(err)
	}
	tl := parseLines(t, tight)
	rl := parseLines(t, string(torchref.Run(t, "train/reference.py", "--model", model, "--score-thresh", "0.3", "--nms-thresh", "0.1", images[1])))
	if len(tl) != 1 || len(rl) != 1 || len(tl[0].Detections) != len(rl[0].Detections) || len(tl[0].Detections) >= len(gl[1].Detections) {
		t.Fatalf("-nms 0.1: %d lines, reference %d; want the reference's detections, fewer than %d at 0.5", len(tl), len(rl), len(gl[1].Detections))
	}
	for j, d := range tl[0].Detections {
		if r := rl[0].Detections[j]; !(math.Abs(d.Score-r.Score) <= 1e-4) || d.CategoryID != r.CategoryID {
			t.Errorf("-nms 0.1 detection %d: %v %d, reference %v %d", j, d.Score, d.CategoryID, r.Score, r.CategoryID)
		}
	}
	if _, _, err := run(t, "-model", model, "-nms", "1.5", images[1]); err == nil || !strings.Contains(err.Error(), "-nms 1.5: an IoU, 0 to 1") {
		t.Errorf("-nms 1.5: %v", err)
	}

	// -classes: only the detections of that class, as the full run has them (under the cap).
	label, nlabel := gl[1].Detections[0].Label, 0
	for _, d := range gl[1].Detections {
		if d.Label == label {
			nlabel++
		}
	}
	if nlabel == len(gl[1].Detections) {
		t.Fatalf("%s: every detection is a %s: -classes is not tested", images[1], label)
	}
	only, _, err := run(t, "-model", model, "-score", "0.3", "-classes", label, images[1])
	if err != nil {
		t.Fatal(err)
	}
	if ol := parseLines(t, only); len(ol) != 1 || len(ol[0].Detections) != nlabel || ol[0].Detections[0] != gl[1].Detections[0] {
		t.Errorf("-classes %s: %s, want the %d %s detections of %v", label, only, nlabel, label, gl[1].Detections)
	}
	if _, _, err := run(t, "-model", model, "-classes", "person,unicorn", images[1]); err == nil || !strings.Contains(err.Error(), `class "unicorn"`) {
		t.Errorf("-classes person,unicorn: %v", err)
	}

	// Bad input: every image is reported by name, good ones still produce their line.
	broken := filepath.Join(dir, "broken.jpg")
	os.WriteFile(broken, []byte("not a jpeg"), 0o644)
	out, stderr, err := run(t, "-model", model, images[0], broken)
	if err == nil || !strings.Contains(stderr, "broken.jpg") || len(parseLines(t, out)) != 1 {
		t.Errorf("broken image: err %v, stderr %q, stdout %q", err, stderr, out)
	}
	if withOpenCV && (!strings.Contains(stderr, "summary: 1 image in") || !strings.Contains(stderr, "corrupt 1")) { // the broken one counted
		t.Errorf("no summary counting the broken image: stderr %q", stderr)
	}
	// -res: any shorter side from 32 to 2458, the longer side at most 5/3 of it.
	if out, _, err := run(t, "-model", model, "-res", "448", images[0]); err != nil || len(parseLines(t, out)) != 1 {
		t.Errorf("-res 448: %v, stdout %q", err, out)
	}
	if _, _, err := run(t, "-model", model, "-res", "20", images[0]); err == nil || !strings.Contains(err.Error(), "resolution 20 out of range") {
		t.Errorf("-res 20: %v", err)
	}
	if text, _, err := run(t, "info", "-model", model, "-res", "800"); err != nil || !strings.Contains(text, "shorter side 800 (longer at most 1333)") ||
		!strings.Contains(text, "a 800x1088 (HxW) network input") {
		t.Errorf("info -res 800: %v\n%s", err, text)
	}
	if _, _, err := run(t, "-model", filepath.Join(dir, "missing.bin"), images[0]); err == nil || !strings.Contains(err.Error(), "missing.bin") {
		t.Errorf("missing model: %v", err)
	}
	info, _, err := run(t, "info", "-model", model, "-json")
	if err != nil || !strings.Contains(info, `"box_head"`) || !strings.Contains(info, `"classes": 80`) {
		t.Errorf("info -model: %v\n%s", err, info)
	}
	// -size is a frame, WxH, resized as the detector resizes it (a 4:3 landscape one by default).
	for size, want := range map[string]string{"": "640x480 frame (WxH), a 320x416 (HxW) network", "640x480": "640x480 frame (WxH), a 320x416 (HxW) network",
		"480x640": "480x640 frame (WxH), a 416x320 (HxW) network", "1000x100": "1000x100 frame (WxH), a 64x512 (HxW) network"} {
		args := []string{"info", "-model", model}
		if size != "" {
			args = append(args, "-size", size)
		}
		text, _, err := run(t, args...)
		if err != nil || !strings.Contains(text, "cost on a "+want+" input") {
			t.Errorf("%v: %v\n%s", args, err, text)
		}
	}
	if _, _, err := run(t, "info", "-model", model, "-classes", "5"); err == nil || !strings.Contains(err.Error(), "-classes goes with -arch") {
		t.Errorf("info -model -classes: %v", err)
	}
}

// TestProposalsAndDetectionsFlags: -detections N gives the first N detections of the full list;
// -proposals 1 runs the box head on one proposal, so the demo model's two classes give at most
// two detections, where its own 300 give more; -proposals 300 is the default's output, byte for
// byte; values out of range are refused, naming the flag and the range, before any work.
func TestProposalsAndDetectionsFlags(t *testing.T) {
	const model = "../../models/shufflenet-g3-1.0x-300-person-car.bin"
	img := "../../testdata/images/000000010363.jpg"
	full, _, err := run(t, "-model", model, "-threads", "1", img)
	if err != nil {
		t.Fatal(err)
	}
	all := parseLines(t, full)[0].Detections
	if len(all) <= 3 {
		t.Fatalf("%d detections: the case needs more than 3", len(all))
	}
	out, _, err := run(t, "-model", model, "-threads", "1", "-detections", "3", img)
	if l := parseLines(t, out); err != nil || len(l[0].Detections) != 3 || !slices.Equal(l[0].Detections, all[:3]) {
		t.Errorf("-detections 3: %v, %s; want the first 3 of %d", err, out, len(all))
	}
	out, _, err = run(t, "-model", model, "-threads", "1", "-proposals", "1", img)
	if l := parseLines(t, out); err != nil || len(l[0].Detections) < 1 || len(l[0].Detections) > 2 {
		t.Errorf("-proposals 1: %v, %s; want 1 or 2 detections", err, out)
	}
	if out, _, err = run(t, "-model", model, "-threads", "1", "-proposals", "300", img); err != nil || out != full {
		t.Errorf("-proposals 300, the model's own: %v, %s; want %s", err, out, full)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-proposals", "0"}, "-proposals 0: the RPN's proposals a frame, 1 to 10000"},
		{[]string{"-proposals", "10001"}, "-proposals 10001: the RPN's proposals a frame, 1 to 10000"},
		{[]string{"-detections", "0"}, "-detections 0: the most detections an image gives, 1 to 10000"},
		{[]string{"-detections", "-5"}, "-detections -5: the most detections an image gives, 1 to 10000"},
		{[]string{"-detections", "10001"}, "-detections 10001: the most detections an image gives, 1 to 10000"},
		{[]string{"-proposals", "x"}, `invalid value "x" for flag -proposals`},
	} {
		if _, _, err := run(t, append(append([]string{"-model", model}, c.args...), img)...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.args, err, c.want)
		}
	}
}

// TestIntFlagsDecimal: every integer flag of detect and its subcommands is a cliflag.Int, read
// in decimal: -res 0600 is 600 (flag.Int read it as octal, 384), and 0x10 is refused, the message
// naming the flag and the value.
func TestIntFlagsDecimal(t *testing.T) {
	app := newApp()
	flags := slices.Clone(app.Flags)
	for _, c := range app.Commands {
		flags = append(flags, c.Flags...)
	}
	for _, f := range flags {
		switch f.(type) {
		case *cli.IntFlag, *cli.Int64Flag, *cli.UintFlag, *cli.Uint64Flag:
			t.Errorf("-%s is a %T, which reads 010 as octal 8 and 0x10 as 16: make it a cliflag.Int", f.Names()[0], f)
		}
	}
	const model = "../../models/shufflenet-g3-1.0x-300-person-car.bin"
	out, _, err := run(t, "info", "-model", model, "-res", "0600", "-proposals", "0300", "-json")
	var r struct {
		Resolution [2]int `json:"resolution"`
		Complexity struct {
			Proposals int `json:"proposals"`
		} `json:"complexity"`
	}
	if err != nil || json.Unmarshal([]byte(out), &r) != nil || r.Resolution != [2]int{600, 1000} || r.Complexity.Proposals != 300 {
		t.Errorf("info -res 0600 -proposals 0300: %v, %+v, want resolution 600 (at most 1000) and 300 proposals\n%s", err, r, out)
	}
	for _, args := range [][]string{
		{"-model", model, "-threads", "0x10", "x.jpg"},
		{"-model", model, "-stride", "010.", "x.jpg"},
		{"bench", "-arch", "shufflenet-g3-0.25x", "-n", "0x10"},
		{"info", "-arch", "shufflenet-g3-0.25x", "-classes", "0b11"},
	} {
		flag, value := args[len(args)-2], args[len(args)-1]
		if args[0] == "-model" {
			flag, value = args[2], args[3]
		}
		want := fmt.Sprintf("invalid value %q for flag %s: want a whole number in decimal digits, with an optional sign", value, flag)
		if _, _, err := run(t, args...); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v: %v, want %q", args, err, want)
		}
	}
}

// TestHelpDefaults: -h shows the defaults that apply, not the flags' zero values.
func TestHelpDefaults(t *testing.T) {
	out, _, err := run(t, "-h")
	if err != nil {
		t.Fatal(err)
	}
	info, _, err := run(t, "info", "-h")
	if err != nil {
		t.Fatal(err)
	}
	out += info
	for _, want := range []string{"shorter side (the paper's: 300, 600); the longer side at most 5/3 of it (default: the model's)", "keep detections scoring above S (default: the model's, 0.05 in the presets)",
		"fewer are faster and may miss objects (default: the model's, 300 in the presets)", "the best-scoring after NMS (default: the model's, 100 in the presets)"} {
		if !strings.Contains(out, want) {
			t.Errorf("-h lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "(default: 0)") {
		t.Errorf("-h shows a zero default:\n%s", out)
	}
	// -h among the inputs, or after a subcommand's argument: the help, not "No help topic".
	for _, args := range [][]string{{"-model", "m.bin", "-h", "photo.jpg"}, {"bench", "-h", "x"}} {
		if out, _, err := run(t, args...); err != nil || !strings.Contains(out, "USAGE:") {
			t.Errorf("%v: %v\n%s", args, err, out)
		}
	}
}

// TestUsageMistakes: what is missing, or out of place, is named: no -model, no input, a flag
// after the inputs (which would be read as a file; -model's example named it twice), a model
// file that is not there, a help command that is not one.
func TestUsageMistakes(t *testing.T) {
	img := filepath.Join(t.TempDir(), "x.jpg")
	if err := os.WriteFile(img, []byte("not read"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(t.TempDir(), "nosuch.bin")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{img}, "no -model: give the detector's .bin file"},
		{[]string{"help", "bench"}, "no help command: detect -h, detect info -h and detect bench -h print the help"}, // (it said "no -model")
		{[]string{"help"}, "no help command: "},
		{[]string{img, "-model", missing}, "-model after the inputs: flags go before them (detect -model m.bin ... INPUT...;"}, // not "no -model", nor -model twice
		{[]string{"-model", missing}, "no INPUT: give an image"},
		{[]string{"-model", missing, img, "-score", "0.5"}, "-score after the inputs: flags go before them"},
		{[]string{"-model", missing, img, "--json=x.jsonl"}, "--json=x.jsonl after the inputs"},
		{[]string{"-model", missing, img}, "model " + missing + ": no such file or directory"},
		{[]string{"-model", missing, "-json", "", img}, "-json: give a file name, or - for standard output"},
		{[]string{"-model", missing, "-out", "", img}, "-out: give a file or folder name"},
	} {
		_, _, err := run(t, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.args, err, c.want)
		}
	}
}

// TestPanoramaMatchesReference: a 13:1 panorama (four photos side by side, resized to 499x38 at
// 300) after a photo gives torchvision's detections on the panorama alone: its RoIs are pooled at
// 1/16, the trunk's stride. The engine inferred the scale for each image as torchvision's
// MultiScaleRoIAlign infers it once (1/8 here: no detection right of the middle), and the
// reference keeps whatever scale its first image gave (so it runs the panorama alone: a photo
// first would pool it at the photo's scale).
func TestPanoramaMatchesReference(t *testing.T) {
	root := torchref.RepoRoot(t)
	pano := filepath.Join(t.TempDir(), "pano.png")
	canvas := image.NewNRGBA(image.Rect(0, 0, 2080, 160))
	for i, name := range []string{"000000001503.png", "000000005503.png", "000000007888.jpg", "000000010363.jpg"} {
		src, err := imaging.Open(filepath.Join(root, "testdata/images", name))
		if err != nil {
			t.Fatal(err)
		}
		draw.Draw(canvas, image.Rect(520*i, 0, 520*(i+1), 160), imaging.Resize(src, 520, 160, imaging.Linear), image.Point{}, draw.Src)
	}
	if err := imaging.Save(canvas, pano); err != nil {
		t.Fatal(err)
	}
	model := filepath.Join(root, "models/shufflenet-g3-1.0x-300-person-car.bin")
	photo := filepath.Join(root, "testdata/images/000000001503.png")
	out, _, err := run(t, "-model", model, "-score", "0.1", photo, pano)
	if err != nil {
		t.Fatal(err)
	}
	gl := parseLines(t, out)
	wl := parseLines(t, string(torchref.Run(t, "train/reference.py", "--model", model, "--score-thresh", "0.1", pano)))
	if len(gl) != 2 || len(wl) != 1 {
		t.Fatalf("%d lines, reference %d", len(gl), len(wl))
	}
	g, w := gl[1], wl[0]
	if len(g.Detections) != len(w.Detections) || len(g.Detections) < 10 {
		t.Fatalf("%d detections on the panorama, reference %d (want the same, at least 10)", len(g.Detections), len(w.Detections))
	}
	right := 0
	for j, d := range g.Detections {
		r := w.Detections[j]
		for i := range d.BBox {
			if !(math.Abs(d.BBox[i]-r.BBox[i]) <= 0.01) {
				t.Errorf("detection %d: bbox %v, reference %v", j, d.BBox, r.BBox)
				break
			}
		}
		if !(math.Abs(d.Score-r.Score) <= 1e-4) || d.CategoryID != r.CategoryID {
			t.Errorf("detection %d: %v %d, reference %v %d", j, d.Score, d.CategoryID, r.Score, r.CategoryID)
		}
		if d.BBox[0] > 1040 {
			right++
		}
	}
	if right == 0 {
		t.Errorf("no detection in the panorama's right half: %v", g.Detections)
	}
}

// TestDashFileSaysHow: a file whose name starts with a dash, given as an input, is read as an
// unknown flag; the error says how to give it (it said only that the flag is not defined).
func TestDashFileSaysHow(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := os.WriteFile("-photo.jpg", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err := run(t, "-model", "m.bin", "-photo.jpg")
	if err == nil || !strings.Contains(err.Error(), "to detect the file -photo.jpg, write ./-photo.jpg, or -- before it") {
		t.Errorf("detect -photo.jpg: %v", err)
	}
	_, _, err = run(t, "-model", "m.bin", "-nosuch")
	if err == nil || !strings.Contains(err.Error(), "(detect -h lists the flags)") {
		t.Errorf("detect -nosuch: %v", err)
	}
}

// TestReconnectSaysUnit: -reconnect 5 (seconds meant, no unit) is refused saying what a duration
// is; it said only "parse error".
func TestReconnectSaysUnit(t *testing.T) {
	_, _, err := run(t, "-model", "m.bin", "-reconnect", "5", "camera:0")
	if err == nil || !strings.Contains(err.Error(), "-reconnect takes a duration with its unit, e.g. 30s, 2m or 0") {
		t.Errorf("-reconnect 5: %v", err)
	}
}
