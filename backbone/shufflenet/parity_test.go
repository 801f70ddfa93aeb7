package shufflenet_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/shuffledet/shuffledet/backbone/shufflenet"
	"github.com/shuffledet/shuffledet/internal/torchref"
	"github.com/shuffledet/shuffledet/modelfile"
	"github.com/shuffledet/shuffledet/nn"
	"github.com/shuffledet/shuffledet/safetensors"
)

// parityTol is the largest relative L2 error allowed between Go and PyTorch outputs.
const parityTol = 1e-4

type parityCase struct {
	groups int
	width  float64
	flags  []string // extra export.py flags
	short  bool     // also run under -short (make arm64 runs these tests under qemu with it)
}

func (c parityCase) name() string { return fmt.Sprintf("g%d-%gx%v", c.groups, c.width, c.flags) }

// TestParityWithPyTorch exports random ShuffleNets with train/export.py, runs them in PyTorch
// (train/features.py) on a real image and on a random input of odd size, and checks that the Go
// network's stage 2, 3, 4 features and classifier logits agree within parityTol (relative L2).
func TestParityWithPyTorch(t *testing.T) {
	var cases []parityCase
	for _, g := range []int{1, 3, 8} {
		for _, w := range []float64{0.5, 1.0, 2.0} {
			// under -short one width of each group count: 1 group at 2x, 3 at 1x, 8 at 0.5x
			cases = append(cases, parityCase{g, w, nil, g == 1 && w == 2 || g == 3 && w == 1 || g == 8 && w == 0.5})
		}
	}
	cases = append(cases,
		parityCase{3, 0.5, []string{"--shallow"}, false},
		parityCase{3, 0.5, []string{"--se"}, false},
		parityCase{3, 0.5, []string{"--no-shuffle"}, true},
		parityCase{2, 0.25, nil, true},
		parityCase{4, 1.5, []string{"--shallow", "--se"}, true},
	)
	if testing.Short() {
		cases = slices.DeleteFunc(cases, func(c parityCase) bool { return !c.short })
	}
	root := torchref.RepoRoot(t)
	image := filepath.Join(root, "testdata/images/000000005503.jpg")
	dir := t.TempDir()
	type job struct {
		Export   []string   `json:"export"`
		Features [][]string `json:"features"`
	}
	var jobs []job
	for i, c := range cases {
		model := filepath.Join(dir, fmt.Sprintf("m%d.bin", i))
		exp := append([]string{"--out", model, "--random", "--seed", fmt.Sprint(10 + i), "--groups", fmt.Sprint(c.groups), "--width", fmt.Sprint(c.width), "--num-classes", "1000"}, c.flags...)
		jobs = append(jobs, job{Export: exp, Features: [][]string{
			{"--model", model, "--out", filepath.Join(dir, fmt.Sprintf("m%d-image.safetensors", i)), "--image", image, "--size", "224"},
			{"--model", model, "--out", filepath.Join(dir, fmt.Sprintf("m%d-random.safetensors", i)), "--random-input", "--seed", fmt.Sprint(i), "--size", "97x131"},
		}})
	}
	spec, _ := json.Marshal(jobs)
	torchref.Script(t, `
import json, sys
sys.path.insert(0, "train")
import torch
torch.set_num_threads(2)
import export, features
for job in json.loads(sys.argv[1]):
    export.main(job["export"])
    for f in job["features"]:
        features.main(f)
`, string(spec))

	worst := 0.0
	defer func() { t.Logf("largest relative L2 error over all cases: %.3g", worst) }()
	for i, c := range cases {
		f, err := modelfile.Open(filepath.Join(dir, fmt.Sprintf("m%d.bin", i)))
		if err != nil {
			t.Fatal(err)
		}
		net, err := shufflenet.Build(f.Config.Backbone, f)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.CheckAllUsed(); err != nil {
			t.Fatal(err)
		}
		f.Close()
		r := net.NewRunner()
		for _, input := range []string{"image", "random"} {
			ref := torchref.Load(t, filepath.Join(dir, fmt.Sprintf("m%d-%s.safetensors", i, input)))
			x := tensorOf(t, torchref.Get(t, ref, "input"))
			for stage, name := range map[int]string{shufflenet.Stage2: "stage2", shufflenet.Stage3: "stage3", shufflenet.Stage4: "stage4"} {
				got := r.Forward(x, stage)
				want := torchref.Get(t, ref, name)
				if got.Shape() != tensorOf(t, want).Shape() {
					t.Fatalf("%s %s %s: shape %v, PyTorch %v", c.name(), input, name, got.Shape(), want.Shape)
				}
				e := torchref.RelL2(got.Data, want.Data)
				if !(e <= parityTol) {
					t.Errorf("%s %s %s: relative L2 error %.3g > %g", c.name(), input, name, e, parityTol)
				}
				worst = max(worst, e)
			}
			logits, err := r.Classify(x)
			if err != nil {
				t.Fatal(err)
			}
			if e := torchref.RelL2(logits, torchref.Get(t, ref, "logits").Data); !(e <= parityTol) {
				t.Errorf("%s %s logits: relative L2 error %.3g > %g", c.name(), input, e, parityTol)
			}
		}
	}
}

func tensorOf(t *testing.T, s *safetensors.Tensor) *nn.Tensor {
	t.Helper()
	if len(s.Shape) != 4 {
		t.Fatalf("tensor %q has shape %v, want 4-D", s.Name, s.Shape)
	}
	return &nn.Tensor{N: s.Shape[0], C: s.Shape[1], H: s.Shape[2], W: s.Shape[3], Data: s.Data}
}
