package detector

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/shuffledet/shuffledet/boxes"
	"github.com/shuffledet/shuffledet/cvimage"
	"github.com/shuffledet/shuffledet/internal/torchref"
	"github.com/shuffledet/shuffledet/nn"
	"github.com/shuffledet/shuffledet/safetensors"
)

// Tolerances of the detector parity test against torchvision's FasterRCNN.
const (
	featureTol = 1e-4 // relative L2 error of feature maps, RPN head outputs and class logits
	boxTol     = 0.01 // pixels, proposals and final boxes
	scoreTol   = 1e-4 // absolute, class probabilities and final scores
)

// TestParityWithTorchvision exports random detectors with train/export.py, runs
// train/reference.py (torchvision's FasterRCNN) on real images with the score threshold at 0, and
// compares every stage of the Go detector: the preprocessed input, stage-3 features, RPN head
// outputs, proposals, per-RoI class logits and probabilities, and the final detections. At 300
// a JPEG is added where cvimage decodes JPEGs as PIL does (parityJPEG). One reference run per
// model and resolution dumps every image (a torch process starts in seconds; make test's time).
// make test runs 0.5x at 300 and 600; SHUFFLEDET_LONG=1 (make test-long) adds 1x and 2x.
func TestParityWithTorchvision(t *testing.T) {
	widths := []float64{0.5}
	if os.Getenv("SHUFFLEDET_LONG") != "" {
		widths = append(widths, 1.0, 2.0)
	}
	root := torchref.RepoRoot(t)
	pngs := []string{filepath.Join(root, "testdata/images/000000001503.png"), filepath.Join(root, "testdata/images/000000005503.png")}
	dir := t.TempDir()
	// compare runs reference.py on the model at res over images, one dump each, and compares
	// det with every one.
	compare := func(det *Detector, model string, width float64, res int, images []string) {
		t.Helper()
		args := []string{"--model", model, "--res", fmt.Sprint(res), "--score-thresh", "0"}
		var dumps []string
		for ii := range images {
			dumps = append(dumps, filepath.Join(dir, fmt.Sprintf("ref-%g-%d-%d.safetensors", width, res, ii)))
			args = append(args, "--dump", dumps[ii])
		}
		torchref.Run(t, "train/reference.py", append(args, images...)...)
		for ii, img := range images {
			compareWithReference(t, fmt.Sprintf("%gx@%d/%s", width, res, filepath.Base(img)), det, img, torchref.Load(t, dumps[ii]))
		}
	}
	for wi, width := range widths {
		for _, res := range []int{300, 600} {
			model := filepath.Join(dir, fmt.Sprintf("det-%g-%d.bin", width, res))
			torchref.Run(t, "train/export.py", "--out", model, "--random", "--seed", fmt.Sprint(100+wi), "--groups", "3", "--width", fmt.Sprint(width), "--detector", "--res", fmt.Sprint(res))
			det, err := Load(model, WithScoreThreshold(0))
			if err != nil {
				t.Fatal(err)
			}
			images := pngs
			if res == 300 && parityJPEG != "" {
				images = append(images[:len(images):len(images)], filepath.Join(root, parityJPEG))
			}
			compare(det, model, width, res, images)
		}
		// A size of neither preset (-res 448: the longer side at most 746) on the 300 model,
		// torchvision at the same min_size / max_size.
		model := filepath.Join(dir, fmt.Sprintf("det-%g-300.bin", width))
		det, err := Load(model, WithScoreThreshold(0), WithResolution(448))
		if err != nil {
			t.Fatal(err)
		}
		compare(det, model, width, 448, pngs[1:])
	}
}

func compareWithReference(t *testing.T, name string, det *Detector, path string, ref *safetensors.File) {
	t.Helper()
	img, err := cvimage.Open(path) // JPEGs as PIL decodes them when built with cgo
	if err != nil {
		t.Fatal(err)
	}
	dets, err := det.Detect(img)
	if err != nil {
		t.Fatal(err)
	}
	get := func(n string) []float32 { return torchref.Get(t, ref, n).Data }
	if d := torchref.MaxAbs(det.input.Data, get("image")); !(d <= 1e-4) {
		t.Errorf("%s: preprocessed input differs by %g", name, d)
	}
	// The stages again on the features Detect computed (each stage is deterministic).
	in, err := det.pre.Image(img)
	if err != nil {
		t.Fatal(err)
	}
	proposals, err := det.rpn.Forward(det.feat, in.Height, in.Width, in.ResizedHeight, in.ResizedWidth)
	if err != nil {
		t.Fatal(err)
	}
	objectness, deltas := det.rpn.Predict(det.feat)
	for _, c := range []struct {
		name string
		got  []float32
	}{{"features", det.feat.Data}, {"rpn_objectness", objectness.Data}, {"rpn_deltas", deltas.Data}} {
		if e := torchref.RelL2(c.got, get(c.name)); !(e <= featureTol) {
			t.Errorf("%s: %s relative L2 error %.3g > %g", name, c.name, e, featureTol)
		}
	}
	// Proposals: the same boxes; near-tied scores (1e-5 apart after float32 sigmoid) may swap
	// places or, at the post-NMS cut, trade one box for another: NMS-induced differences, allowed
	// for at most maxUnmatched boxes.
	props := get("proposals")
	goProps := make([][4]float32, len(proposals))
	for i, b := range proposals {
		goProps[i] = [4]float32{b.X1, b.Y1, b.X2, b.Y2}
	}
	pairs, pd := matchBoxes(goProps, props, nil)
	if unmatched := len(goProps) - len(pairs); unmatched > maxUnmatched || len(props) != 4*len(goProps) {
		t.Errorf("%s: %d proposals, torchvision %d, %d without a counterpart within %g px", name, len(goProps), len(props)/4, unmatched, boxTol)
	}
	// Per-RoI class logits, end to end, RoI by matched RoI.
	goLogits, _, err := det.roi.Predict(det.feat, proposals)
	if err != nil {
		t.Fatal(err)
	}
	logits := get("class_logits")
	k := det.model.predictor.NumClasses()
	var gl, wl []float32
	for i, j := range pairs {
		gl = append(gl, goLogits[i*k:(i+1)*k]...)
		wl = append(wl, logits[j*k:(j+1)*k]...)
	}
	if e := torchref.RelL2(gl, wl); !(e <= featureTol) {
		t.Errorf("%s: class logits relative L2 error %.3g", name, e)
	}
	// Per-RoI class probabilities and box deltas of the box branch alone, on torchvision's own
	// features and proposals (end to end, the 0.005 px proposal noise moves 2x probabilities by
	// about 1e-4).
	ft := torchref.Get(t, ref, "features")
	refFeat := &nn.Tensor{N: 1, C: ft.Shape[1], H: ft.Shape[2], W: ft.Shape[3], Data: ft.Data}
	refProps := boxes.FromFlat(nil, props)
	refLogits, refDeltas, err := det.roi.Predict(refFeat, refProps)
	if err != nil {
		t.Fatal(err)
	}
	if d := torchref.MaxAbs(softmaxRows(refLogits, k), softmaxRows(logits, k)); !(d <= scoreTol) {
		t.Errorf("%s: box branch on torchvision's proposals: class probabilities differ by %.3g", name, d)
	}
	if e := torchref.RelL2(refDeltas, get("box_regression")); !(e <= featureTol) {
		t.Errorf("%s: box branch on torchvision's proposals: box deltas relative L2 error %.3g", name, e)
	}
	// Final detections: matched by label, box and score.
	boxes, scores, labels := get("boxes"), get("scores"), get("labels")
	goBoxes := make([][4]float32, len(dets))
	goLabels := make([]float32, len(dets))
	goScores := make([]float32, len(dets))
	for i, d := range dets {
		goBoxes[i] = [4]float32{d.Box[0], d.Box[1], d.Box[0] + d.Box[2], d.Box[1] + d.Box[3]}
		goScores[i] = d.Score
		for l, c := range det.cfg.Classes {
			if c.ID == d.CategoryID {
				goLabels[i] = float32(l + 1)
			}
		}
	}
	dpairs, bd := matchBoxes(goBoxes, boxes, func(i, j int) bool {
		return goLabels[i] == labels[j] && math.Abs(float64(goScores[i]-scores[j])) <= scoreTol
	})
	if unmatched := len(dets) - len(dpairs); unmatched > maxUnmatched || len(scores) != len(dets) {
		t.Errorf("%s: %d detections, torchvision %d, %d without a counterpart (same class, box within %g px, score within %g)", name, len(dets), len(scores), unmatched, boxTol, scoreTol)
	}
	t.Logf("%s: %d proposals (%d matched, max diff %.2g px), %d detections (%d matched, boxes %.2g px)", name, len(goProps), len(pairs), pd, len(dets), len(dpairs), bd)
}

// maxUnmatched is how many proposals or detections may lack a torchvision counterpart: the
// NMS-induced differences that 1e-5 score noise causes among near-tied boxes.
const maxUnmatched = 2

// matchBoxes pairs each box of got with an unused box of want (flat x1,y1,x2,y2) within boxTol
// that also satisfies ok (if not nil), preferring the same position. It returns the pairs
// (got index -> want index) and the largest coordinate difference among them.
func matchBoxes(got [][4]float32, want []float32, ok func(i, j int) bool) (map[int]int, float64) {
	n := len(want) / 4
	used := make([]bool, n)
	pairs := map[int]int{}
	var worst float64
	for i, g := range got {
		best, bestD := -1, math.Inf(1)
		for j := 0; j < n; j++ {
			if used[j] || (ok != nil && !ok(i, j)) {
				continue
			}
			d := torchref.MaxAbs(g[:], want[4*j:4*j+4])
			if d <= boxTol && (d < bestD || (d == bestD && j == i)) {
				best, bestD = j, d
			}
		}
		if best >= 0 {
			used[best] = true
			pairs[i] = best
			worst = max(worst, bestD)
		}
	}
	return pairs, worst
}

func softmaxRows(x []float32, k int) []float32 {
	out := make([]float32, len(x))
	for r := 0; r+k <= len(x); r += k {
		mx := math.Inf(-1)
		for _, v := range x[r : r+k] {
			mx = max(mx, float64(v))
		}
		var s float64
		for _, v := range x[r : r+k] {
			s += math.Exp(float64(v) - mx)
		}
		for i, v := range x[r : r+k] {
			out[r+i] = float32(math.Exp(float64(v)-mx) / s)
		}
	}
	return out
}
