package nms

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/shuffledet/shuffledet/boxes"
	"github.com/shuffledet/shuffledet/internal/torchref"
	"github.com/shuffledet/shuffledet/safetensors"
)

// randomSet draws n overlapping boxes in a 600 x 800 image, scores (quantized to a few levels
// when ties is set, to exercise the tie order) and classes in [0, numClasses).
func randomSet(seed uint64, n, numClasses int, ties bool, extent float32) ([]boxes.Box, []float32, []int) {
	r := rand.New(rand.NewPCG(seed, 99))
	bs := make([]boxes.Box, n)
	sc := make([]float32, n)
	cl := make([]int, n)
	perm := r.Perm(n) // distinct scores unless ties are wanted
	for i := range bs {
		x, y := r.Float32()*extent, r.Float32()*extent*5/7
		bs[i] = boxes.Box{X1: x, Y1: y, X2: x + 1 + r.Float32()*150, Y2: y + 1 + r.Float32()*150}
		sc[i] = (float32(perm[i]) + 0.5) / float32(n)
		if ties {
			sc[i] = float32(r.IntN(20)) / 20
		}
		cl[i] = 1 + r.IntN(numClasses)
	}
	return bs, sc, cl
}

func toFloat(xs []int) []float32 {
	f := make([]float32, len(xs))
	for i, x := range xs {
		f[i] = float32(x)
	}
	return f
}

func sameIndices(t *testing.T, what string, got []int, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: kept %d boxes, torchvision %d", what, len(got), len(want))
		return
	}
	for i := range got {
		if float32(got[i]) != want[i] {
			t.Errorf("%s: position %d: index %d, torchvision %v", what, i, got[i], want[i])
			return
		}
	}
}

func TestNMSMatchesTorchvision(t *testing.T) {
	type set struct {
		name    string
		n, k    int
		ties    bool
		extent  float32
		threshs []float64
	}
	sets := []set{
		{"3000 distinct", 3000, 10, false, 700, []float64{0.3, 0.5, 0.7}},
		{"4000 tied", 4000, 10, true, 700, []float64{0.5, 0.7}},
		{"800 tied (offset trick)", 800, 5, true, 700, []float64{0.5}},
		{"1000 (offset trick)", 1000, 80, false, 700, []float64{0.5}},
		{"1001 (per class)", 1001, 80, false, 700, []float64{0.5}},
		{"1001 tied (per class)", 1001, 5, true, 700, []float64{0.5}},
		{"1100 tied (per class)", 1100, 3, true, 300, []float64{0.5}},
		{"6000 distinct", 6000, 80, false, 700, []float64{0.5, 0.7}},
		{"6000 dense", 6000, 3, false, 120, []float64{0.5, 0.7, 0.9}},
		{"900 dense tied", 900, 3, true, 60, []float64{0.5, 0.7}},
	}
	if testing.Short() {
		// make arm64 under qemu: the sets of up to 4000 boxes (each kind among them; every set natively)
		sets = slices.DeleteFunc(sets, func(s set) bool { return s.n > 4000 })
	}
	var in []*safetensors.Tensor
	prog := ""
	for si, s := range sets {
		bs, sc, cl := randomSet(uint64(si+1), s.n, s.k, s.ties, s.extent)
		in = append(in,
			&safetensors.Tensor{Name: fmt.Sprintf("b%d", si), Shape: []int{s.n, 4}, Data: boxes.AppendFlat(nil, bs)},
			&safetensors.Tensor{Name: fmt.Sprintf("s%d", si), Shape: []int{s.n}, Data: sc},
			&safetensors.Tensor{Name: fmt.Sprintf("c%d", si), Shape: []int{s.n}, Data: toFloat(cl)})
		for ti, th := range s.threshs {
			prog += fmt.Sprintf(`
b, s, c = T["b%[1]d"], T["s%[1]d"], T["c%[1]d"].long()
OUT["nms%[1]d_%[2]d"] = torchvision.ops.nms(b, s, %[3]v).float()
OUT["bat%[1]d_%[2]d"] = torchvision.ops.batched_nms(b, s, c, %[3]v).float()
`, si, ti, th)
		}
	}
	f := torchref.Tensors(t, prog, in...)
	var sup Suppressor
	var keep []int
	for si, s := range sets {
		bs, sc, cl := randomSet(uint64(si+1), s.n, s.k, s.ties, s.extent)
		for ti, th := range s.threshs {
			keep = sup.NMS(keep[:0], bs, sc, th, 0)
			want := torchref.Get(t, f, fmt.Sprintf("nms%d_%d", si, ti)).Data
			sameIndices(t, fmt.Sprintf("nms %s @%v", s.name, th), keep, want)
			// A limit yields the prefix.
			lim := sup.NMS(nil, bs, sc, th, 37)
			sameIndices(t, fmt.Sprintf("nms %s @%v limit 37", s.name, th), lim, want[:min(37, len(want))])

			wantB := torchref.Get(t, f, fmt.Sprintf("bat%d_%d", si, ti)).Data
			// Above CoordinateTrickMax boxes torchvision merges the per-class results with torch's
			// unstable sort; Batched reproduces its order among ties too.
			keep = sup.Batched(keep[:0], bs, sc, cl, th, 0)
			sameIndices(t, fmt.Sprintf("batched %s @%v", s.name, th), keep, wantB)
			lim = sup.Batched(nil, bs, sc, cl, th, 100)
			sameIndices(t, fmt.Sprintf("batched %s @%v limit 100", s.name, th), lim, wantB[:min(100, len(wantB))])
			t.Logf("%s @%v: nms kept %d, batched kept %d (identical)", s.name, th, len(want), len(wantB))
		}
	}
}
