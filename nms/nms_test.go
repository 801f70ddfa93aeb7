package nms

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/shuffledet/shuffledet/boxes"
)

func TestNMSEdgeCases(t *testing.T) {
	var s Suppressor
	if got := s.NMS(nil, nil, nil, 0.5, 0); len(got) != 0 {
		t.Errorf("empty: %v", got)
	}
	if got := s.Batched(nil, nil, nil, nil, 0.5, 0); len(got) != 0 {
		t.Errorf("empty batched: %v", got)
	}
	bs := []boxes.Box{bx(0, 0, 10, 10), bx(1, 1, 11, 11), bx(50, 50, 60, 60), bx(0, 0, 10, 10)}
	sc := []float32{0.5, 0.9, 0.3, 0.5}
	// IoU(0,1) = 81/119 = 0.68: suppressed at 0.5, kept at 0.7. Boxes 0 and 3 coincide
	// (IoU 1) and tie: the lower index wins.
	if got := s.NMS(nil, bs, sc, 0.5, 0); !slices.Equal(got, []int{1, 2}) {
		t.Errorf("nms 0.5 = %v", got)
	}
	if got := s.NMS(nil, bs, sc, 0.7, 0); !slices.Equal(got, []int{1, 0, 2}) {
		t.Errorf("nms 0.7 = %v", got)
	}
	// IoU exactly equal to the threshold is kept (strict >).
	if got := s.NMS(nil, []boxes.Box{bx(0, 0, 2, 1), bx(0, 0, 1, 1)}, []float32{1, 0.5}, 0.5, 0); len(got) != 2 {
		t.Errorf("IoU == thresh should keep both: %v", got)
	}
	// An IoU whose float32 value lies above a threshold that float32 cannot hold (3/10 and 1/3
	// round up) suppresses, as torchvision compares float32 IoUs with the float64 threshold.
	for _, c := range []struct {
		w, h   float32 // a box (0, 0, w, 1) inside a box (0, 0, h, 1)
		thresh float64
	}{{3, 10, 0.3}, {1, 3, 1.0 / 3}} {
		pair := []boxes.Box{bx(0, 0, c.h, 1), bx(0, 0, c.w, 1)}
		if got := s.NMS(nil, pair, []float32{1, 0.5}, c.thresh, 0); !slices.Equal(got, []int{0}) {
			t.Errorf("IoU float32(%v) against threshold %v: kept %v, want [0]", c.thresh, c.thresh, got)
		}
		if got := s.Batched(nil, pair, []float32{1, 0.5}, []int{1, 1}, c.thresh, 0); !slices.Equal(got, []int{0}) {
			t.Errorf("batched, IoU float32(%v) against threshold %v: kept %v, want [0]", c.thresh, c.thresh, got)
		}
	}
	// Zero-area boxes: IoU is NaN or 0, never > thresh; all kept.
	if got := s.NMS(nil, []boxes.Box{bx(1, 1, 1, 1), bx(1, 1, 1, 1)}, []float32{1, 1}, 0.1, 0); len(got) != 2 {
		t.Errorf("zero-area boxes: %v", got)
	}
	// Classes separate the overlapping pair.
	if got := s.Batched(nil, bs, sc, []int{1, 2, 1, 1}, 0.5, 0); !slices.Equal(got, []int{1, 0, 2}) {
		t.Errorf("batched = %v", got)
	}
	// Mismatched lengths use the common prefix, never panic.
	if got := s.NMS(nil, bs, sc[:2], 0.5, 0); !slices.Equal(got, []int{1}) {
		t.Errorf("short scores: %v", got)
	}
	if got := s.NMS(nil, bs, sc, 0.5, 1); !slices.Equal(got, []int{1}) {
		t.Errorf("limit 1: %v", got)
	}
	if got := s.NMS(nil, bs, sc, 1, 0); len(got) != 4 {
		t.Errorf("threshold 1 keeps all but identical... %v", got)
	}
	if got := s.Batched(nil, bs, sc, []int{0, 0, 0, 0}, 0.5, 0); !slices.Equal(got, []int{1, 2}) {
		t.Errorf("Batched one class = %v", got)
	}
}

// TestBatchedEqualsPerClassLoop checks both batched paths against NMS run class by class.
func TestBatchedEqualsPerClassLoop(t *testing.T) {
	for _, n := range []int{50, 1000, 1001, 3000} {
		bs, sc, cl := randomSet(uint64(n), n, 7, false, 300)
		var s Suppressor
		got := s.Batched(nil, bs, sc, cl, 0.5, 0)
		var want []int
		for c := 1; c <= 7; c++ {
			var idx []int
			var sub []boxes.Box
			var subS []float32
			for i := range bs {
				if cl[i] == c {
					idx, sub, subS = append(idx, i), append(sub, bs[i]), append(subS, sc[i])
				}
			}
			var per Suppressor
			for _, k := range per.NMS(nil, sub, subS, 0.5, 0) {
				want = append(want, idx[k])
			}
		}
		slices.SortFunc(want, func(a, b int) int { return byScore(ranked{sc[a], int32(a)}, ranked{sc[b], int32(b)}) })
		// The offset trick (n <= CoordinateTrickMax) rounds coordinates; with these boxes it keeps
		// the same ones, in the same order, as the per-class loop.
		if !slices.Equal(got, want) {
			t.Errorf("n=%d: kept %v, the per-class loop %v", n, got, want)
		}
	}
}

func TestSuppressorDoesNotAllocate(t *testing.T) {
	bs, sc, cl := randomSet(1, 2000, 5, false, 700)
	var s Suppressor
	keep := s.NMS(nil, bs, sc, 0.5, 0)
	keep = s.Batched(keep[:0], bs, sc, cl, 0.5, 0)
	if n := testing.AllocsPerRun(5, func() {
		keep = s.NMS(keep[:0], bs, sc, 0.5, 0)
		keep = s.Batched(keep[:0], bs, sc, cl, 0.5, 0)
	}); n != 0 {
		t.Errorf("steady state allocates %v times per run", n)
	}
}

func benchSet(n int) ([]boxes.Box, []float32, []int) {
	r := rand.New(rand.NewPCG(42, 42))
	bs := make([]boxes.Box, n)
	sc := make([]float32, n)
	cl := make([]int, n)
	for i := range bs {
		// RPN-like: boxes of 16..512 px around an 800 x 600 image.
		cx, cy, s := r.Float32()*800, r.Float32()*600, 16+r.Float32()*496
		bs[i] = boxes.Box{X1: cx - s/2, Y1: cy - s/2, X2: cx + s/2, Y2: cy + s/2*(0.5+r.Float32())}
		sc[i] = r.Float32()
		cl[i] = r.IntN(80)
	}
	return bs, sc, cl
}

func BenchmarkNMS6000(b *testing.B) {
	bs, sc, _ := benchSet(6000)
	var s Suppressor
	var keep []int
	b.Run("full@0.7", func(b *testing.B) {
		for b.Loop() {
			keep = s.NMS(keep[:0], bs, sc, 0.7, 0)
		}
	})
	b.Run("top300@0.7", func(b *testing.B) {
		for b.Loop() {
			keep = s.NMS(keep[:0], bs, sc, 0.7, 300)
		}
	})
}

func BenchmarkBatched6000(b *testing.B) {
	bs, sc, cl := benchSet(6000)
	var s Suppressor
	var keep []int
	for b.Loop() {
		keep = s.Batched(keep[:0], bs, sc, cl, 0.5, 100)
	}
}

func bx(x1, y1, x2, y2 float32) boxes.Box { return boxes.Box{X1: x1, Y1: y1, X2: x2, Y2: y2} }

// TestNMSMatchesNaiveIoU checks the inlined IoU of the NMS loop against greedy NMS written
// directly on boxes.IoU, on sets with and without NaN coordinates.
func TestNMSMatchesNaiveIoU(t *testing.T) {
	for seed, withNaN := range []bool{false, true, false, true} {
		bs, sc, _ := randomSet(uint64(seed+100), 700, 1, seed >= 2, 300)
		if withNaN {
			r := rand.New(rand.NewPCG(uint64(seed), 1))
			nan := float32(math.NaN())
			for range 40 {
				b := &bs[r.IntN(len(bs))]
				switch r.IntN(4) {
				case 0:
					b.X1 = nan
				case 1:
					b.Y1 = nan
				case 2:
					b.X2 = nan
				default:
					b.Y2 = nan
				}
			}
		}
		order := make([]int, len(bs))
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(a, b int) int { return byScore(ranked{sc[a], 0}, ranked{sc[b], 0}) })
		var want []int
		removed := make([]bool, len(bs))
		for k, i := range order {
			if removed[i] {
				continue
			}
			want = append(want, i)
			for _, j := range order[k+1:] {
				if !removed[j] && float64(boxes.IoU(bs[i], bs[j])) > 0.5 {
					removed[j] = true
				}
			}
		}
		var s Suppressor
		if got := s.NMS(nil, bs, sc, 0.5, 0); !slices.Equal(got, want) {
			t.Errorf("seed %d (NaN boxes %v): NMS kept %d boxes, greedy NMS on boxes.IoU %d", seed, withNaN, len(got), len(want))
		}
	}
}

// TestFloorFloat32 checks that comparing a float32 IoU with floorFloat32(t) decides as
// torchvision's float64(iou) > t does, for float32 values around thresholds that are and are not
// float32 values, rounding up or down, out of float32's range, infinite and NaN.
func TestFloorFloat32(t *testing.T) {
	for _, th := range []float64{0.1, 0.7, 0.5, 0.3, 1, 0, -0.3, 1e39, -1e39, math.Inf(1), math.Inf(-1), math.NaN(), 1e-46} {
		f := floorFloat32(th)
		x := float32(th)
		if x != x || math.IsInf(float64(x), 0) {
			x = f
		}
		for range 3 {
			x = math.Nextafter32(x, float32(math.Inf(-1)))
		}
		for range 7 {
			if got, want := x > f, float64(x) > th; got != want {
				t.Errorf("threshold %g: %g > floorFloat32 = %v, float64 comparison %v", th, x, got, want)
			}
			x = math.Nextafter32(x, float32(math.Inf(1)))
		}
		for _, x := range []float32{float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), math.MaxFloat32} {
			if got, want := x > f, float64(x) > th; got != want {
				t.Errorf("threshold %g: %g > floorFloat32 = %v, float64 comparison %v", th, x, got, want)
			}
		}
	}
}

// byScore is the order of a stable descending sort by score, written out: higher scores first,
// NaN first (torch takes it for the largest value), -0 equal to +0, equal scores by lower index.
func byScore(a, b ranked) int {
	if a.score > b.score || (isNaN(a.score) && !isNaN(b.score)) {
		return -1
	}
	if b.score > a.score || (isNaN(b.score) && !isNaN(a.score)) {
		return 1
	}
	return cmp.Compare(a.i, b.i)
}

func TestRankKeyIsByScore(t *testing.T) {
	nan := float32(math.NaN())
	special := []float32{0, float32(math.Copysign(0, -1)), nan, -nan, float32(math.Inf(1)), float32(math.Inf(-1)),
		1, -1, math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32, math.MaxFloat32, -math.MaxFloat32, 0.5, 0.5}
	r := rand.New(rand.NewPCG(2, 2))
	v := slices.Clone(special)
	for range 2000 {
		switch r.IntN(3) {
		case 0:
			v = append(v, special[r.IntN(len(special))]) // ties with the edges
		case 1:
			v = append(v, float32(r.IntN(7)-3)) // ties
		default:
			v = append(v, math.Float32frombits(r.Uint32())) // any bit pattern, NaNs included
		}
	}
	for i := range v {
		for j := range v {
			got := cmp.Compare(RankKey(v[i], i), RankKey(v[j], j))
			if want := byScore(ranked{v[i], int32(i)}, ranked{v[j], int32(j)}); got != want {
				t.Fatalf("%g (index %d) against %g (index %d): RankKey %d, byScore %d", v[i], i, v[j], j, got, want)
			}
		}
	}
}
