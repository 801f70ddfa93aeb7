package roihead

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/shuffledet/shuffledet/boxes"
	"github.com/shuffledet/shuffledet/internal/torchref"
	"github.com/shuffledet/shuffledet/safetensors"
)

func randn(r *rand.Rand, n int, scale float64) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64() * scale)
	}
	return x
}

// randomRoIs draws RoIs over an image of imgW x imgH, a quarter of them partly or wholly outside
// it, some tiny and some inverted (x2 < x1).
func randomRoIs(r *rand.Rand, n int, imgW, imgH float32) []boxes.Box {
	rois := make([]boxes.Box, n)
	for i := range rois {
		x, y := r.Float32()*imgW, r.Float32()*imgH
		w, h := 1+r.Float32()*imgW/2, 1+r.Float32()*imgH/2
		switch i % 8 {
		case 0:
			x, y = -r.Float32()*100, -r.Float32()*100
		case 1:
			x, y = imgW-r.Float32()*50, imgH-r.Float32()*50
		case 2:
			w, h = r.Float32()*4, r.Float32()*4
		case 3:
			w = -r.Float32() * 20
		case 4:
			x, y, w, h = imgW+20, imgH+30, 40, 40 // entirely outside
		}
		rois[i] = boxes.Box{X1: x, Y1: y, X2: x + w, Y2: y + h}
	}
	return rois
}

func TestRoIAlignMatchesTorchvision(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	const c, h, w = 16, 19, 25
	feat := randn(r, c*h*w, 1)
	rois := randomRoIs(r, 200, w*16, h*16)
	configs := []*align{
		newAlign(),
		{OutH: 7, OutW: 5, SpatialScale: 0.25, SamplingRatio: 0, Aligned: false},
		{OutH: 14, OutW: 14, SpatialScale: 1.0 / 16, SamplingRatio: 3, Aligned: true},
		{OutH: 6, OutW: 6, SpatialScale: 1.0 / 8, SamplingRatio: -1, Aligned: true},
	}
	prog := `
x = T["feat"].view(1, 16, 19, 25)
rois = torch.cat([torch.zeros(T["rois"].shape[0], 1), T["rois"]], 1)
`
	for i, a := range configs {
		prog += fmt.Sprintf("OUT['r%d'] = torchvision.ops.roi_align(x, rois, (%d, %d), %v, %d, %v)\n",
			i, a.OutH, a.OutW, a.SpatialScale, a.SamplingRatio, map[bool]string{false: "False", true: "True"}[a.Aligned])
	}
	f := torchref.Tensors(t, prog,
		&safetensors.Tensor{Name: "feat", Shape: []int{c, h, w}, Data: feat},
		&safetensors.Tensor{Name: "rois", Shape: []int{len(rois), 4}, Data: boxes.AppendFlat(nil, rois)})
	var out []float32
	for i, a := range configs {
		var err error
		out, err = a.forward(out, feat, c, h, w, rois)
		if err != nil {
			t.Fatal(err)
		}
		want := torchref.Get(t, f, fmt.Sprintf("r%d", i)).Data
		if len(out) != len(want) {
			t.Fatalf("config %d: %d values, torchvision %d", i, len(out), len(want))
		}
		n := torchref.Differing(out, want)
		t.Logf("config %d (%dx%d scale %v ratio %d aligned %v): max |diff| %.3g, %d of %d bit-identical",
			i, a.OutH, a.OutW, a.SpatialScale, a.SamplingRatio, a.Aligned, torchref.MaxAbs(out, want), len(out)-n, len(out))
		if n != 0 {
			t.Errorf("config %d: %d of %d values differ from torchvision's", i, n, len(out))
		}
	}
}

// postCase is one image for the post-processing parity test.
type postCase struct {
	p, classes   int
	logitScale   float64
	imgH, imgW   int
	scoreThresh  float64
	nmsThresh    float64
	detsPerImage int
}

func (c postCase) inputs(seed uint64) (logits, reg []float32, props []boxes.Box) {
	r := rand.New(rand.NewPCG(seed, 11))
	logits = randn(r, c.p*c.classes, c.logitScale)
	reg = randn(r, 4*c.p*c.classes, 1)
	props = make([]boxes.Box, c.p)
	for i := range props {
		x, y := r.Float32()*float32(c.imgW), r.Float32()*float32(c.imgH)
		props[i] = boxes.Box{X1: x, Y1: y, X2: x + 2 + r.Float32()*200, Y2: y + 2 + r.Float32()*200}
		if i%10 == 0 {
			props[i].X2 = props[i].X1 + 0.05 // thin: decoded boxes may fall under min_size
		}
	}
	return
}

func TestPostprocessMatchesTorchvision(t *testing.T) {
	cases := []postCase{
		{300, 21, 2, 600, 790, 0.05, 0.5, 100},  // many candidates: per-class NMS path
		{300, 81, 1, 480, 640, 0.05, 0.5, 100},  // fewer candidates: offset-trick path
		{100, 91, 3, 300, 500, 0.05, 0.5, 100},  //
		{300, 11, 2.5, 600, 1000, 0.2, 0.3, 50}, // other thresholds
		{50, 2, 1, 200, 300, 0.0, 0.7, 1000},    // one class, no threshold
	}
	var in []*safetensors.Tensor
	prog := `
from torchvision.models.detection.roi_heads import RoIHeads
`
	for i, c := range cases {
		logits, reg, props := c.inputs(uint64(i))
		in = append(in,
			&safetensors.Tensor{Name: fmt.Sprintf("l%d", i), Shape: []int{c.p, c.classes}, Data: logits},
			&safetensors.Tensor{Name: fmt.Sprintf("g%d", i), Shape: []int{c.p, 4 * c.classes}, Data: reg},
			&safetensors.Tensor{Name: fmt.Sprintf("p%d", i), Shape: []int{c.p, 4}, Data: boxes.AppendFlat(nil, props)})
		prog += fmt.Sprintf(`
h = RoIHeads(None, None, None, 0.5, 0.5, 512, 0.25, None, %[2]v, %[3]v, %[4]d)
b, s, l = h.postprocess_detections(T["l%[1]d"], T["g%[1]d"], [T["p%[1]d"]], [(%[5]d, %[6]d)])
OUT["b%[1]d"], OUT["s%[1]d"], OUT["lab%[1]d"] = b[0], s[0], l[0].float()
OUT["o%[1]d"] = torchvision.models.detection.transform.resize_boxes(b[0], (%[5]d, %[6]d), (%[7]d, %[8]d))
`, i, c.scoreThresh, c.nmsThresh, c.detsPerImage, c.imgH, c.imgW, c.imgH*3/2+1, c.imgW*2/3)
	}
	f := torchref.Tensors(t, prog, in...)

	pp := newPostProcessor(DefaultConfig())
	for i, c := range cases {
		logits, reg, props := c.inputs(uint64(i))
		pp.cfg.ScoreThresh, pp.cfg.NMSThresh, pp.cfg.DetectionsPerImg = c.scoreThresh, c.nmsThresh, c.detsPerImage
		d, err := pp.run(logits, reg, props, c.classes, c.imgH, c.imgW)
		if err != nil {
			t.Fatal(err)
		}
		wb := torchref.Get(t, f, fmt.Sprintf("b%d", i)).Data
		ws := torchref.Get(t, f, fmt.Sprintf("s%d", i)).Data
		wl := torchref.Get(t, f, fmt.Sprintf("lab%d", i)).Data
		if d.Len() != len(ws) {
			t.Fatalf("case %d: %d detections, torchvision %d", i, d.Len(), len(ws))
		}
		for k := range d.Scores {
			if float32(d.Labels[k]) != wl[k] {
				t.Fatalf("case %d: detection %d has label %d, torchvision %v", i, k, d.Labels[k], wl[k])
			}
		}
		gb := boxes.AppendFlat(nil, d.Boxes)
		t.Logf("case %d (P=%d, K+1=%d, %d candidates): %d detections, max |box diff| %.3g px, max |score diff| %.3g",
			i, c.p, c.classes, len(pp.cand), d.Len(), torchref.MaxAbs(gb, wb), torchref.MaxAbs(d.Scores, ws))
		// bit-identical: same boxes, scores and labels in the same order
		if nb, ns := torchref.Differing(gb, wb), torchref.Differing(d.Scores, ws); nb != 0 || ns != 0 {
			t.Errorf("case %d: %d box coordinates and %d scores differ from torchvision's", i, nb, ns)
		}
		toOriginal(d.Boxes, c.imgH, c.imgW, c.imgH*3/2+1, c.imgW*2/3)
		wo := torchref.Get(t, f, fmt.Sprintf("o%d", i)).Data
		if ob := boxes.AppendFlat(nil, d.Boxes); torchref.Differing(ob, wo) != 0 {
			t.Errorf("case %d: %d box coordinates in the original image differ from resize_boxes' (by up to %g)", i, torchref.Differing(ob, wo), torchref.MaxAbs(ob, wo))
		}
	}
}

// TestToOriginalMatchesResizeBoxes requires toOriginal to equal torchvision's resize_boxes bit
// for bit.
func TestToOriginalMatchesResizeBoxes(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 9))
	const n = 5000
	bs := make([]boxes.Box, n)
	for i := range bs {
		x, y := r.Float32()*850-50, r.Float32()*650-50
		bs[i] = boxes.Box{X1: x, Y1: y, X2: x + r.Float32()*400, Y2: y + r.Float32()*400}
	}
	f := torchref.Tensors(t, `
from torchvision.models.detection.transform import resize_boxes
OUT["a"] = resize_boxes(T["b"], (600, 790), (480, 641))
OUT["b"] = resize_boxes(T["b"], (299, 450), (333, 500))
`, &safetensors.Tensor{Name: "b", Shape: []int{n, 4}, Data: boxes.AppendFlat(nil, bs)})
	for _, c := range []struct {
		name                   string
		fromH, fromW, toH, toW int
	}{{"a", 600, 790, 480, 641}, {"b", 299, 450, 333, 500}} {
		got := append([]boxes.Box(nil), bs...)
		toOriginal(got, c.fromH, c.fromW, c.toH, c.toW)
		want := torchref.Get(t, f, c.name).Data
		flat := boxes.AppendFlat(nil, got)
		if len(flat) != len(want) {
			t.Fatalf("%s: %d values, torchvision %d", c.name, len(flat), len(want))
		}
		for i := range want {
			if math.Float32bits(flat[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%s: value %d = %v, resize_boxes %v (bit-exact)", c.name, i, flat[i], want[i])
			}
		}
	}
}
