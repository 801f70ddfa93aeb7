package rpn

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/shuffledet/shuffledet/anchors"
	"github.com/shuffledet/shuffledet/boxes"
	"github.com/shuffledet/shuffledet/nn"
)

// randomWeights is an nn.Weights that invents normal values for every name, as a model file
// holding the requested shapes would give them.
type randomWeights struct {
	r     *rand.Rand
	names []string
}

func (w *randomWeights) Get(name string, shape ...int) ([]float32, error) {
	n := 1
	for _, d := range shape {
		n *= d
	}
	w.names = append(w.names, fmt.Sprint(name, shape))
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(w.r.NormFloat64() * 0.1)
	}
	return x, nil
}

func TestHeadLoadsTorchvisionNamesAndCountsItsCost(t *testing.T) {
	cfg := DefaultConfig()
	w := &randomWeights{r: rand.New(rand.NewPCG(1, 2))}
	h, err := LoadHead(w, cfg, 48)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"rpn.head.conv.weight[256 48 3 3]", "rpn.head.conv.bias[256]", "rpn.head.cls_logits.weight[15 256 1 1]",
		"rpn.head.cls_logits.bias[15]", "rpn.head.bbox_pred.weight[60 256 1 1]", "rpn.head.bbox_pred.bias[60]"}
	if !slices.Equal(w.names, want) {
		t.Errorf("tensors %v, want %v", w.names, want)
	}
	c := h.Cost(20, 30)
	const ch, in, a = 256, 48, 15
	if c.MACs != 20*30*(ch*in*9+ch*5*a) || c.Params != ch*in*9+ch+ch*5*a+5*a || c.OutC != 5*a || c.OutH != 20 || c.OutW != 30 {
		t.Errorf("cost %+v", c)
	}
	bad := cfg
	bad.Channels = 128
	if _, err := h.NewRunner(bad); err == nil || !strings.Contains(err.Error(), "128 channels") {
		t.Errorf("runner for another width: %v", err)
	}
	bad = cfg
	bad.AspectRatios = []float32{1}
	if _, err := h.NewRunner(bad); err == nil {
		t.Error("runner for other anchors accepted")
	}
	bad = cfg
	bad.NMSThresh = -1
	if _, err := LoadHead(w, bad, 48); err == nil {
		t.Error("negative NMS threshold accepted")
	}
}

// TestRunnerForward checks that Forward is the head's outputs, the anchors of the padded input and
// the proposal filter, and that a feature map of the wrong width is an error.
func TestRunnerForward(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Channels = 8
	r := rand.New(rand.NewPCG(3, 4))
	h, err := LoadHead(&randomWeights{r: r}, cfg, 6)
	if err != nil {
		t.Fatal(err)
	}
	run, err := h.NewRunner(cfg)
	if err != nil {
		t.Fatal(err)
	}
	feat := nn.NewTensor(1, 6, 7, 9)
	for i := range feat.Data {
		feat.Data[i] = float32(r.NormFloat64())
	}
	props, err := run.Forward(feat, 112, 144, 100, 130)
	if err != nil {
		t.Fatal(err)
	}
	if len(props) == 0 || len(props) > cfg.PostNMSTopN {
		t.Fatalf("%d proposals", len(props))
	}
	got := slices.Clone(props)
	obj, del := run.Predict(feat)
	grid := anchors.NewGenerator(cfg.AnchorSizes, cfg.AspectRatios).ForImage(112, 144, 7, 9)
	want, _, err := newProposer(cfg).propose(obj.Data, del.Data, grid, 15, 7, 9, 100, 130)
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("Forward differs from its parts (%v)", err)
	}
	if _, err := run.Forward(nn.NewTensor(1, 5, 7, 9), 112, 144, 100, 130); err == nil {
		t.Error("feature map of 5 channels accepted")
	}
	short := *feat
	short.Data = short.Data[:len(short.Data)-1]
	if _, err := run.Forward(&short, 112, 144, 100, 130); err == nil {
		t.Error("a feature map with fewer values than its shape accepted")
	}
}

// TestRunnerPrepareProposalSettings: a Runner whose settings PrepareProposalSettings changed proposes as a Runner made
// with them does, box for box, back and forth; after the first image at a new maximum it
// allocates nothing; settings that do not fit its head, or are out of range, are refused and
// change nothing.
func TestRunnerPrepareProposalSettings(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Channels = 8
	r := rand.New(rand.NewPCG(5, 6))
	h, err := LoadHead(&randomWeights{r: r}, cfg, 6)
	if err != nil {
		t.Fatal(err)
	}
	feat := nn.NewTensor(1, 6, 13, 17)
	for i := range feat.Data {
		feat.Data[i] = float32(r.NormFloat64())
	}
	forward := func(run *Runner) []boxes.Box {
		t.Helper()
		props, err := run.Forward(feat, 208, 272, 200, 260)
		if err != nil {
			t.Fatal(err)
		}
		return slices.Clone(props)
	}
	small := cfg
	small.PostNMSTopN = 7
	run, err := h.NewRunner(small)
	if err != nil {
		t.Fatal(err)
	}
	if got := forward(run); len(got) != 7 {
		t.Fatalf("%d proposals at post_nms_top_n 7", len(got))
	}
	for _, n := range []int{300, 7, 5000, 50} {
		c := cfg
		c.PostNMSTopN = n
		fresh, err := h.NewRunner(c)
		if err != nil {
			t.Fatal(err)
		}
		want := forward(fresh)
		set, err := run.PrepareProposalSettings(c)
		if err != nil {
			t.Fatal(err)
		}
		set()
		if len(want) != min(n, 1313) { // (1313 survive NMS here: each setting must bind but the largest)
			t.Fatalf("post_nms_top_n %d: %d proposals", n, len(want))
		}
		if got := forward(run); !slices.Equal(got, want) {
			t.Errorf("post_nms_top_n set to %d: %d proposals, unlike a Runner made with it (%d)", n, len(got), len(want))
		}
		if a := testing.AllocsPerRun(3, func() { run.Forward(feat, 208, 272, 200, 260) }); a != 0 {
			t.Errorf("post_nms_top_n set to %d: Forward allocates %v times a run", n, a)
		}
	}
	before := forward(run)
	other := cfg
	other.AnchorSizes = []float32{32, 64, 128, 256, 500}
	wide := cfg
	wide.Channels = 16
	huge := cfg
	huge.PostNMSTopN = MaxPostNMSTopN + 1
	for _, c := range []struct {
		cfg  Config
		want string
	}{{other, "anchor sizes"}, {wide, "16 channels"}, {huge, "post_nms_top_n 10001 out of range"}} {
		if _, err := run.PrepareProposalSettings(c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v", c.want, err)
		}
	}
	if got := forward(run); !slices.Equal(got, before) {
		t.Error("a refused setting changed the proposals")
	}
}
