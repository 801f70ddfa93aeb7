package anchors

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/shuffledet/shuffledet/internal/torchref"
)

func TestGridMatchesAnchorGenerator(t *testing.T) {
	cases := []struct {
		sizes, ratios            []float32
		imgH, imgW, featH, featW int
	}{
		{DefaultSizes, DefaultRatios, 608, 800, 38, 50},  // 600 x 790 padded to /32, stride 16
		{DefaultSizes, DefaultRatios, 320, 512, 20, 32},  // the 300 resolution
		{DefaultSizes, DefaultRatios, 600, 1000, 38, 63}, // strides 15 x 15 (integer division)
		{[]float32{16, 24, 45, 90}, []float32{0.25, 0.5, 1, 2, 3}, 200, 330, 13, 21},
	}
	prog := `
import sys
sys.path.insert(0, "train")
from safetensors_io import write_safetensors
import torch
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.image_list import ImageList
OUT = {}
`
	for i, c := range cases {
		prog += fmt.Sprintf(`
g = AnchorGenerator(sizes=(%s,), aspect_ratios=(%s,))
il = ImageList(torch.zeros(1, 3, %d, %d), [(%d, %d)])
OUT["a%d"] = g(il, [torch.zeros(1, 1, %d, %d)])[0]
`, pyTuple(c.sizes), pyTuple(c.ratios), c.imgH, c.imgW, c.imgH, c.imgW, i, c.featH, c.featW)
	}
	out := filepath.Join(t.TempDir(), "anchors.safetensors")
	torchref.Script(t, prog+"write_safetensors(sys.argv[1], OUT)\n", out)
	f := torchref.Load(t, out)
	for i, c := range cases {
		g := NewGenerator(c.sizes, c.ratios)
		got := g.ForImage(c.imgH, c.imgW, c.featH, c.featW)
		want := torchref.Get(t, f, fmt.Sprintf("a%d", i))
		if len(got)*4 != len(want.Data) {
			t.Fatalf("case %d: %d anchors, torchvision %d", i, len(got), len(want.Data)/4)
		}
		for k, b := range got {
			w := want.Data[4*k : 4*k+4]
			if b.X1 != w[0] || b.Y1 != w[1] || b.X2 != w[2] || b.Y2 != w[3] {
				t.Fatalf("case %d: anchor %d = %v, torchvision %v", i, k, b, w)
			}
		}
		t.Logf("case %d: %d anchors identical to AnchorGenerator", i, len(got))
	}
}

func pyTuple(xs []float32) string {
	s := "("
	for _, x := range xs {
		s += fmt.Sprintf("%v, ", x)
	}
	return s + ")"
}
