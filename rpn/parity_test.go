package rpn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/shuffledet/shuffledet/anchors"
	"github.com/shuffledet/shuffledet/boxes"
	"github.com/shuffledet/shuffledet/internal/kernels"
	"github.com/shuffledet/shuffledet/internal/torchref"
	"github.com/shuffledet/shuffledet/parallel"
	"github.com/shuffledet/shuffledet/safetensors"
)

// rpnCase is one image: the head outputs are random, the image and config vary. Ties: band > 0
// makes the bottom band feature rows uniform (as black bars give: one logit and one set of deltas
// per anchor shape there, many equal logits); step > 0 rounds every logit to a multiple of it.
type rpnCase struct {
	featH, featW, padH, padW, imgH, imgW int
	cfg                                  Config
	logitScale                           float64
	band                                 int
	step                                 float64
}

func (c rpnCase) inputs(seed uint64) (obj, del []float32) {
	r := rand.New(rand.NewPCG(seed, 7))
	a := len(anchors.DefaultSizes) * len(anchors.DefaultRatios)
	obj = make([]float32, a*c.featH*c.featW)
	for i := range obj {
		obj[i] = float32(r.NormFloat64() * c.logitScale)
	}
	del = make([]float32, 4*len(obj))
	for i := range del {
		del[i] = float32(r.NormFloat64() * 0.5)
		if i%211 == 0 {
			del[i] = 6 // beyond the exp clip
		}
	}
	if c.step > 0 {
		for i := range obj {
			obj[i] = float32(math.Round(float64(obj[i])/c.step) * c.step)
		}
	}
	hw := c.featH * c.featW
	for y := max(c.featH-c.band, 0); y < c.featH; y++ {
		for x := range c.featW {
			loc := y*c.featW + x
			for ai := range a {
				obj[ai*hw+loc] = float32(ai%5) * 0.6
				for k := range 4 {
					del[(ai*4+k)*hw+loc] = float32(k+1) * 0.01
				}
			}
		}
	}
	return obj, del
}

func TestProposalsMatchTorchvision(t *testing.T) {
	def := DefaultConfig()
	cases := []rpnCase{
		{38, 50, 608, 800, 600, 790, def, 2, 0, 0},
		{20, 32, 320, 512, 300, 500, def, 1, 0, 0},
		{38, 63, 608, 1024, 600, 1000, Config{PreNMSTopN: 2000, PostNMSTopN: 1000, NMSThresh: 0.5, ScoreThresh: 0.3, MinBoxSize: 20}, 1, 0, 0},
		{7, 9, 112, 144, 100, 130, Config{PreNMSTopN: 6000, PostNMSTopN: 2000, NMSThresh: 0.7, ScoreThresh: 0, MinBoxSize: 1e-3}, 3, 0, 0}, // 945 anchors < top-n
		{13, 17, 208, 272, 200, 260, Config{PreNMSTopN: 1234, PostNMSTopN: 300, NMSThresh: 0.9, ScoreThresh: 0, MinBoxSize: 1e-3}, 0.5, 0, 0},
		// Equal logits, ordered by torch's top-k selection (582 box coordinates differed while
		// they were ordered by index): a uniform band at the bottom, and logits on a coarse grid.
		{20, 32, 320, 512, 300, 500, def, 1, 8, 0},
		{38, 50, 608, 800, 600, 790, def, 2, 6, 0},
		{38, 50, 608, 800, 600, 790, def, 2, 0, 0.5},
		{13, 17, 208, 272, 200, 260, Config{PreNMSTopN: 1234, PostNMSTopN: 300, NMSThresh: 0.9, ScoreThresh: 0, MinBoxSize: 1e-3}, 1, 0, 0.5},
	}
	dir := t.TempDir()
	var in []*safetensors.Tensor
	prog := `
import sys
sys.path.insert(0, "train")
from safetensors_io import read_safetensors, write_safetensors
import torch
from torch import nn
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.image_list import ImageList
from torchvision.models.detection.rpn import RegionProposalNetwork
torch.set_num_threads(1)
T, _ = read_safetensors(sys.argv[1])
OUT = {}
class Head(nn.Module):
    def __init__(self, o, d):
        super().__init__()
        self.o, self.d = o, d
    def forward(self, feats):
        return [self.o], [self.d]
`
	a := len(anchors.DefaultSizes) * len(anchors.DefaultRatios)
	for i, c := range cases {
		obj, del := c.inputs(uint64(i))
		in = append(in,
			&safetensors.Tensor{Name: fmt.Sprintf("o%d", i), Shape: []int{1, a, c.featH, c.featW}, Data: obj},
			&safetensors.Tensor{Name: fmt.Sprintf("d%d", i), Shape: []int{1, 4 * a, c.featH, c.featW}, Data: del})
		prog += fmt.Sprintf(`
rpn = RegionProposalNetwork(AnchorGenerator(sizes=((32, 64, 128, 256, 512),), aspect_ratios=((0.5, 1.0, 2.0),)),
    Head(T["o%[1]d"], T["d%[1]d"]), 0.7, 0.3, 256, 0.5,
    dict(training=2000, testing=%[2]d), dict(training=2000, testing=%[3]d), %[4]v, score_thresh=%[5]v)
rpn.min_size = %[6]v
rpn.eval()
il = ImageList(torch.zeros(1, 3, %[7]d, %[8]d), [(%[9]d, %[10]d)])
with torch.no_grad():
    props, _ = rpn(il, {"0": torch.zeros(1, 1, %[11]d, %[12]d)})
OUT["p%[1]d"] = props[0]
# the scores: filter_proposals on the same decoded boxes
with torch.no_grad():
    from torchvision.models.detection.rpn import concat_box_prediction_layers
    anc = rpn.anchor_generator(il, [torch.zeros(1, 1, %[11]d, %[12]d)])
    ob, de = concat_box_prediction_layers([T["o%[1]d"]], [T["d%[1]d"]])
    pr = rpn.box_coder.decode(de, anc).view(1, -1, 4)
    b, s = rpn.filter_proposals(pr, ob, il.image_sizes, [ob.shape[0]])
OUT["b%[1]d"], OUT["s%[1]d"] = b[0], s[0]
`, i, c.cfg.PreNMSTopN, c.cfg.PostNMSTopN, c.cfg.NMSThresh, c.cfg.ScoreThresh, c.cfg.MinBoxSize,
			c.padH, c.padW, c.imgH, c.imgW, c.featH, c.featW)
	}
	inPath, outPath := filepath.Join(dir, "in.safetensors"), filepath.Join(dir, "out.safetensors")
	if err := safetensors.WriteFile(inPath, in, nil); err != nil {
		t.Fatal(err)
	}
	torchref.Script(t, prog+"write_safetensors(sys.argv[2], OUT)\n", inPath, outPath)
	f := torchref.Load(t, outPath)

	gen := anchors.NewGenerator(nil, nil)
	// The decoding splits over a pool: every thread count gives torchvision's bits.
	for _, threads := range []int{1, 2, 3} {
		pool := parallel.New(threads)
		defer pool.Close()
		p := newProposer(def)
		p.pool = pool
		for i, c := range cases {
			obj, del := c.inputs(uint64(i))
			p.cfg = c.cfg
			grid := gen.ForImage(c.padH, c.padW, c.featH, c.featW)
			props, scores, err := p.propose(obj, del, grid, a, c.featH, c.featW, c.imgH, c.imgW)
			if err != nil {
				t.Fatal(err)
			}
			want := torchref.Get(t, f, fmt.Sprintf("p%d", i)).Data
			wantB := torchref.Get(t, f, fmt.Sprintf("b%d", i)).Data
			wantS := torchref.Get(t, f, fmt.Sprintf("s%d", i)).Data
			if len(props)*4 != len(want) || len(scores) != len(wantS) {
				t.Fatalf("case %d, %d threads: %d proposals, torchvision %d", i, threads, len(props), len(want)/4)
			}
			for k := range want {
				if want[k] != wantB[k] {
					t.Fatalf("case %d: torchvision's forward and filter_proposals disagree", i)
				}
			}
			got := boxes.AppendFlat(nil, props)
			t.Logf("case %d (%dx%d, top %d/%d), %d threads: %d proposals, max |box diff| %.3g px, max |score diff| %.3g",
				i, c.featH, c.featW, c.cfg.PreNMSTopN, c.cfg.PostNMSTopN, threads, len(props), torchref.MaxAbs(got, want), torchref.MaxAbs(scores, wantS))
			// bit-identical: same boxes, same scores, same order
			if nb, ns := torchref.Differing(got, want), torchref.Differing(scores, wantS); nb != 0 || ns != 0 {
				t.Errorf("case %d, %d threads: %d box coordinates and %d scores differ from torchvision's", i, threads, nb, ns)
			}
		}
	}
}

// TestSigmoidTailIsTorchs: torch's sigmoid on fewer than 16 values runs its scalar loop, the C
// library's expf, which is not correctly rounded; sigmoid(x, false) gives its bits for logits
// where expf and the correctly rounded exp differ. Then the reviewer's case: 15 anchors (all in
// the tail), one of them with such a logit and the score threshold between the two roundings of
// its score: torchvision drops it.
func TestSigmoidTailIsTorchs(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	var logits []float32
	for len(logits) < 150 {
		x := float32(r.NormFloat64() * 4)
		if kernels.Expf(-x) != float32(math.Exp(-float64(x))) {
			logits = append(logits, x)
		}
	}
	x := math.Float32frombits(0xb8ad9e29)
	obj := make([]float32, 15)
	obj[7] = x
	f := torchref.Tensors(t, `
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.image_list import ImageList
from torchvision.models.detection.rpn import RegionProposalNetwork
x = T["x"]
OUT["s"] = torch.cat([torch.sigmoid(x[i:i + 15].clone()) for i in range(0, len(x), 15)])
class Head(torch.nn.Module):
    def forward(self, feats):
        return [T["o"]], [torch.zeros(1, 60, 1, 1)]
rpn = RegionProposalNetwork(AnchorGenerator(sizes=((32, 64, 128, 256, 512),), aspect_ratios=((0.5, 1.0, 2.0),)),
    Head(), 0.7, 0.3, 256, 0.5, dict(training=2000, testing=6000), dict(training=2000, testing=300), 1.0,
    score_thresh=float(T["thresh"][0]))
rpn.eval()
with torch.no_grad():
    props, _ = rpn(ImageList(torch.zeros(1, 3, 16, 16), [(16, 16)]), {"0": torch.zeros(1, 1, 1, 1)})
OUT["p"] = props[0]
`, &safetensors.Tensor{Name: "x", Shape: []int{len(logits)}, Data: logits},
		&safetensors.Tensor{Name: "o", Shape: []int{1, 15, 1, 1}, Data: obj},
		// Between expf's score for x and the correctly rounded one.
		&safetensors.Tensor{Name: "thresh", Shape: []int{1}, Data: []float32{1 / (1 + float32(math.Exp(-float64(x))))}})
	want := torchref.Get(t, f, "s").Data
	for i, x := range logits {
		if got := sigmoid(x, false); math.Float32bits(got) != math.Float32bits(want[i]) {
			t.Errorf("sigmoid(%v) = %v, torch's %v", x, got, want[i])
		}
	}
	cfg := DefaultConfig()
	cfg.NMSThresh, cfg.ScoreThresh = 1, float64(1/(1+float32(math.Exp(-float64(x)))))
	props, _, err := newProposer(cfg).propose(obj, make([]float32, 60), anchors.NewGenerator(nil, nil).ForImage(16, 16, 1, 1), 15, 1, 1, 16, 16)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(torchref.Get(t, f, "p").Data) / 4; len(props) != n || n != 14 {
		t.Errorf("%d proposals, torchvision %d (want 14: the anchor scored by expf falls below the threshold)", len(props), n)
	}
}
