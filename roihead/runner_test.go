package roihead

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/shuffledet/shuffledet/nn"
)

// randomWeights is an nn.Weights that invents normal values for every name.
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
	return randn(w.r, n, 1), nil
}

// meanHead is a box head that averages each pooled channel: its vector has C values.
type meanHead struct{ calls int }

func (h *meanHead) BoxHead(dst []float32, rois *nn.Tensor) {
	h.calls++
	nn.GlobalAvgPool(dst, rois, nil)
}

func TestPredictorLoadsTorchvisionNamesAndCountsItsCost(t *testing.T) {
	w := &randomWeights{r: rand.New(rand.NewPCG(1, 1))}
	p, err := LoadPredictor(w, 16, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"roi_heads.box_predictor.cls_score.weight[3 16]", "roi_heads.box_predictor.cls_score.bias[3]",
		"roi_heads.box_predictor.bbox_pred.weight[12 16]", "roi_heads.box_predictor.bbox_pred.bias[12]"}
	if !slices.Equal(w.names, want) || p.NumClasses() != 3 {
		t.Errorf("tensors %v, %d classes", w.names, p.NumClasses())
	}
	if c := p.Cost(); c.MACs != 16*15 || c.Params != 16*15+15 || c.OutC != 15 {
		t.Errorf("cost %+v", c)
	}
	if _, err := LoadPredictor(w, 16, 0); err == nil {
		t.Error("zero classes accepted")
	}
}

// TestRunnerForward checks that Forward is Predict (pooler at the inferred scale, box head,
// predictor), the post-processing and the mapping to the original image.
func TestRunnerForward(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	const c, h, w = 16, 19, 25 // a stride-16 map of a 300 x 400 image padded to 304 x 400
	p, err := LoadPredictor(&randomWeights{r: r}, c, 4)
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.ScoreThresh = 0
	head := &meanHead{}
	run, err := NewRunner(cfg, c, func() BoxHead { return head }, p)
	if err != nil {
		t.Fatal(err)
	}
	feat := &nn.Tensor{N: 1, C: c, H: h, W: w, Data: randn(r, c*h*w, 1)}
	props := randomRoIs(r, 40, 400, 300)
	if _, err := run.Forward(feat, props, 300, 400, 450, 600); err != nil {
		t.Fatal(err)
	}
	head.calls = 0 // the first call also sized the box head's buffers
	got, err := run.Forward(feat, props, 300, 400, 450, 600)
	if err != nil {
		t.Fatal(err)
	}
	chunks := (len(props) + roisPerChunk - 1) / roisPerChunk // the box head runs on roisPerChunk RoIs at a time
	if got.Len() == 0 || head.calls != chunks {
		t.Fatalf("%d detections, %d box head calls, want %d", got.Len(), head.calls, chunks)
	}
	gotBoxes, gotScores, gotLabels := slices.Clone(got.Boxes), slices.Clone(got.Scores), slices.Clone(got.Labels)

	a := newAlign() // scale 2^round(log2(19/300)) = 1/16
	pooled, err := a.forward(nil, feat.Data, c, h, w, props)
	if err != nil {
		t.Fatal(err)
	}
	vec := make([]float32, len(props)*c)
	nn.GlobalAvgPool(vec, &nn.Tensor{N: len(props), C: c, H: 14, W: 14, Data: pooled}, nil)
	logits, deltas := make([]float32, len(props)*4), make([]float32, len(props)*16)
	p.classes.Forward(logits, vec, len(props), nil)
	p.deltas.Forward(deltas, vec, len(props), nil)
	want, err := newPostProcessor(cfg).run(logits, deltas, props, 4, 300, 400)
	if err != nil {
		t.Fatal(err)
	}
	toOriginal(want.Boxes, 300, 400, 450, 600)
	if !slices.Equal(gotBoxes, want.Boxes) || !slices.Equal(gotScores, want.Scores) || !slices.Equal(gotLabels, want.Labels) {
		t.Fatal("Forward differs from its parts")
	}
	if d, err := run.Forward(feat, nil, 300, 400, 450, 600); err != nil || d.Len() != 0 || head.calls != chunks {
		t.Errorf("no proposals: %v, %v, box head called %d times", d, err, head.calls)
	}
	if _, err := run.Forward(feat, props, 0, 400, 450, 600); err == nil {
		t.Error("image resized to 0 rows accepted")
	}
	short := *feat
	short.Data = short.Data[:len(short.Data)-1]
	if _, err := run.Forward(&short, props, 300, 400, 450, 600); err == nil {
		t.Error("a feature map with fewer values than its shape accepted")
	}
	wide := *feat // a feature map of more channels than the box heads take
	wide.C, wide.Data = c+1, randn(r, (c+1)*h*w, 1)
	if _, err := run.Forward(&wide, props, 300, 400, 450, 600); err == nil || !strings.Contains(err.Error(), "want [1, 16, H, W]") {
		t.Errorf("a feature map of %d channels for a box head of %d: %v", c+1, c, err)
	}
	if _, err := NewRunner(cfg, 0, func() BoxHead { return head }, p); err == nil {
		t.Error("feature maps of 0 channels accepted")
	}
	bad := cfg
	bad.OutputSize = 0
	if _, err := NewRunner(bad, c, func() BoxHead { return head }, p); err == nil {
		t.Error("output size 0 accepted")
	}
}
