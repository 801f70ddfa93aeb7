package rpn

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/shuffledet/shuffledet/anchors"
	"github.com/shuffledet/shuffledet/boxes"
	"github.com/shuffledet/shuffledet/parallel"
	"github.com/shuffledet/shuffledet/transform"
)

func TestProposeEdgeCases(t *testing.T) {
	p := newProposer(DefaultConfig())
	// Empty feature map.
	b, s, err := p.propose(nil, nil, nil, 15, 0, 0, 100, 100)
	if err != nil || len(b) != 0 || len(s) != 0 {
		t.Errorf("empty: %v %v %v", b, s, err)
	}
	// Wrong lengths are errors, not panics.
	if _, _, err := p.propose(make([]float32, 3), make([]float32, 12), nil, 1, 1, 3, 10, 10); err == nil {
		t.Error("missing anchors should be an error")
	}
	if _, _, err := p.propose(make([]float32, 2), make([]float32, 12), make([]boxes.Box, 3), 1, 1, 3, 10, 10); err == nil {
		t.Error("short objectness should be an error")
	}
	if _, _, err := p.propose(nil, nil, nil, -1, 1, 1, 10, 10); err == nil {
		t.Error("negative A should be an error")
	}
}

func TestProposeFiltersAndOrders(t *testing.T) {
	// One location, three anchors: a zero-area anchor (removed as small), a low score (removed by
	// the threshold) and two kept; zero deltas leave the anchors unchanged.
	anc := []boxes.Box{{X1: 0, Y1: 0, X2: 10, Y2: 10}, {X1: 5, Y1: 5, X2: 5, Y2: 5}, {X1: 0, Y1: 0, X2: 10, Y2: 10}, {X1: 20, Y1: 20, X2: 40, Y2: 40}}
	obj := []float32{1, 3, -2, 0.5}
	del := make([]float32, 16)
	cfg := DefaultConfig()
	cfg.ScoreThresh = 0.5 // sigmoid(-2) = 0.12 is dropped, sigmoid(0) would be kept (>=)
	p := newProposer(cfg)
	b, s, err := p.propose(obj, del, anc, 4, 1, 1, 100, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != 2 || b[0] != anc[0] || b[1] != anc[3] || !(s[0] > s[1]) {
		t.Errorf("got %v %v", b, s)
	}
	// Top-1 before NMS keeps only the best-scoring anchor, even though it is then removed.
	p.cfg.PreNMSTopN = 1
	if b, _, _ := p.propose(obj, del, anc, 4, 1, 1, 100, 100); len(b) != 0 {
		t.Errorf("top-1 (zero-area) should leave nothing: %v", b)
	}
	p.cfg.PreNMSTopN, p.cfg.PostNMSTopN = 6000, 1
	if b, _, _ := p.propose(obj, del, anc, 4, 1, 1, 100, 100); len(b) != 1 || b[0] != anc[0] {
		t.Errorf("post-NMS top 1: %v", b)
	}
	// A score equal to the threshold is kept (torchvision: scores >= score_thresh): sigmoid(0)
	// is 0.5 exactly, and sigmoid(-200) is 0, the default threshold.
	for _, c := range []struct{ logit, thresh float32 }{{0, 0.5}, {-200, 0}} {
		p.cfg = DefaultConfig()
		p.cfg.ScoreThresh = float64(c.thresh)
		if b, s, _ := p.propose([]float32{c.logit}, make([]float32, 4), anc[:1], 1, 1, 1, 100, 100); len(b) != 1 || s[0] != c.thresh {
			t.Errorf("logit %v, threshold %v: kept %v %v, want its anchor at score %v", c.logit, c.thresh, b, s, c.thresh)
		}
	}
	// torch compares in float32 (a tensor against a Python float): a threshold that rounds down
	// to 0.5 in float32 keeps 0.5 (a float64 comparison would drop it).
	p.cfg.ScoreThresh = 0.5 + 0x1p-30
	if b, s, _ := p.propose([]float32{0}, make([]float32, 4), anc[:1], 1, 1, 1, 100, 100); len(b) != 1 || s[0] != 0.5 {
		t.Errorf("score 0.5, threshold 0.5+2^-30 (0.5 in float32): kept %v %v, want its anchor", b, s)
	}
}

func BenchmarkPropose(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 3))
	const a, h, w = 15, 38, 63
	obj := make([]float32, a*h*w)
	del := make([]float32, 4*a*h*w)
	for i := range obj {
		obj[i] = float32(r.NormFloat64() * 2)
	}
	for i := range del {
		del[i] = float32(r.NormFloat64() * 0.3)
	}
	grid := anchors.NewGenerator(nil, nil).ForImage(608, 1024, h, w)
	for _, threads := range []int{1, 2} {
		b.Run(fmt.Sprintf("threads=%d", threads), func(b *testing.B) {
			pool := parallel.New(threads)
			defer pool.Close()
			p := newProposer(DefaultConfig())
			p.pool = pool
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := p.propose(obj, del, grid, a, h, w, 600, 1000); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// The RPN's pixel bound is the image side the engine accepts, written twice so that the RPN does
// not import the image decoders.
func TestMaxBoxSideIsTheLongestImageSide(t *testing.T) {
	if MaxBoxSide != transform.MaxSide {
		t.Errorf("rpn.MaxBoxSide %d, transform.MaxSide %d", MaxBoxSide, transform.MaxSide)
	}
}
