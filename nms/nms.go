// Package nms implements greedy non-maximum suppression and its per-class (batched) form with
// the exact semantics of torchvision 0.14's CPU ops.nms and ops.batched_nms: boxes are visited in
// order of decreasing score (a stable order: equal scores keep index order), and a box is
// suppressed when its IoU, computed in float32, with an already kept box is strictly greater than
// the threshold.
//
// A Suppressor sorts once and keeps its scratch buffers between calls, so steady-state use does
// not allocate.
package nms

import (
	"cmp"
	"math"
	"slices"

	"github.com/shuffledet/shuffledet/boxes"
	"github.com/shuffledet/shuffledet/internal/kernels"
)

// CoordinateTrickMax is the largest number of boxes for which torchvision's CPU batched_nms uses
// the coordinate-offset trick (boxes.numel() <= 4000); above it, it runs NMS class by class.
// Batched follows the same rule, because the offset changes float32 rounding and so, rarely,
// which boxes survive.
const CoordinateTrickMax = 1000

// Suppressor runs NMS with reusable scratch memory. The zero value is ready to use. It is not
// safe for concurrent use.
type Suppressor struct {
	keys    []uint64 // run's candidates as RankKeys
	ranked  []ranked
	live    kernels.BoxSet
	pos     []int32
	byClass []classPos
	shifted []boxes.Box
	kept    []bool
	idx     []int
}

type ranked struct {
	score float32
	i     int32
}

type classPos struct {
	class int
	i     int32
}

// RankKey orders scores as torch's stable descending sort does (torch's top-k does not: TopK), as one unsigned integer:
// ascending keys are higher scores first (NaN first, as torch takes it for the largest value; -0
// equal to +0), equal scores by lower index i (the low 32 bits; 0 <= i < 2^32). Sorting keys
// gives a stable descending sort by score without a comparison function.
func RankKey(score float32, i int) uint64 {
	var up uint32 // increases with the score
	switch b := math.Float32bits(score); {
	case score != score:
		up = math.MaxUint32
	case score == 0:
		up = 1 << 31
	case b>>31 == 0:
		up = b | 1<<31
	default:
		up = ^b
	}
	return uint64(^up)<<32 | uint64(uint32(i))
}

func isNaN(f float32) bool { return f != f }

// NMS appends to keep the indices of the boxes that survive greedy NMS with IoU threshold thresh,
// in order of decreasing score, and returns the extended slice: torchvision.ops.nms. If limit > 0
// it stops after limit boxes are kept (the result is the first limit entries of the full result).
// Only the first min(len(bs), len(scores)) boxes are considered.
func (s *Suppressor) NMS(keep []int, bs []boxes.Box, scores []float32, thresh float64, limit int) []int {
	n := min(len(bs), len(scores))
	s.pos = s.pos[:0]
	for i := 0; i < n; i++ {
		s.pos = append(s.pos, int32(i))
	}
	return s.run(keep, bs, scores, s.pos, thresh, limit)
}

// run suppresses among the boxes bs[pos[k]] and appends the kept indices (into bs) to keep.
func (s *Suppressor) run(keep []int, bs []boxes.Box, scores []float32, pos []int32, thresh float64, limit int) []int {
	n := len(pos)
	if n == 0 {
		return keep
	}
	s.keys = s.keys[:0]
	for _, i := range pos {
		s.keys = append(s.keys, RankKey(scores[i], int(i)))
	}
	slices.Sort(s.keys)

	set := s.liveSet(n)
	nan := false
	for k, key := range s.keys {
		i := int32(uint32(key))
		b := bs[i]
		set.X1[k], set.Y1[k], set.X2[k], set.Y2[k], set.Area[k], set.Index[k] = b.X1, b.Y1, b.X2, b.Y2, b.Area(), i
		nan = nan || isNaN(b.X1) || isNaN(b.Y1) || isNaN(b.X2) || isNaN(b.Y2)
	}
	t32 := floorFloat32(thresh)
	// The live candidates occupy set[head:m], best first; each kept box filters the rest in
	// place, so later passes only visit survivors.
	kept := 0
	m := n
	for head := 0; head < m; head++ {
		keep = append(keep, int(set.Index[head]))
		kept++
		if limit > 0 && kept >= limit {
			break
		}
		e := [5]float32{set.X1[head], set.Y1[head], set.X2[head], set.Y2[head], set.Area[head]}
		rest := kernels.BoxSet{X1: set.X1[head+1:], Y1: set.Y1[head+1:], X2: set.X2[head+1:], Y2: set.Y2[head+1:],
			Area: set.Area[head+1:], Index: set.Index[head+1:]}
		if nan {
			m = head + 1 + filterIoUStd(rest, m-head-1, e, t32)
		} else {
			m = head + 1 + kernels.FilterIoU(rest, m-head-1, e, t32)
		}
	}
	return keep
}

// liveSet returns run's candidate set for n boxes, grown as needed.
func (s *Suppressor) liveSet(n int) kernels.BoxSet {
	l := &s.live
	if cap(l.Index) < n {
		*l = kernels.BoxSet{X1: make([]float32, n), Y1: make([]float32, n), X2: make([]float32, n), Y2: make([]float32, n),
			Area: make([]float32, n), Index: make([]int32, n)}
	}
	return kernels.BoxSet{X1: l.X1[:n], Y1: l.Y1[:n], X2: l.X2[:n], Y2: l.Y2[:n], Area: l.Area[:n], Index: l.Index[:n]}
}

// floorFloat32 returns the largest float32 not above t (NaN for NaN): for every float32 x,
// x > floorFloat32(t) exactly when float64(x) > t, torchvision's comparison of a float32 IoU
// with a double threshold.
func floorFloat32(t float64) float32 {
	f := float32(t)
	if float64(f) > t {
		f = math.Nextafter32(f, float32(math.Inf(-1)))
	}
	return f
}

// filterIoUStd is kernels.FilterIoU for sets with NaN coordinates: boxes.IoU's std::min and
// std::max, which a NaN changes, in place of Go's min and max. TestNMSMatchesNaiveIoU compares
// both paths with greedy NMS on boxes.IoU.
func filterIoUStd(s kernels.BoxSet, n int, b [5]float32, thresh float32) int {
	w := 0
	for j := 0; j < n; j++ {
		iw := boxes.StdMax(0, boxes.StdMin(b[2], s.X2[j])-boxes.StdMax(b[0], s.X1[j]))
		ih := boxes.StdMax(0, boxes.StdMin(b[3], s.Y2[j])-boxes.StdMax(b[1], s.Y1[j]))
		inter := float32(iw * ih)
		s.X1[w], s.Y1[w], s.X2[w], s.Y2[w], s.Area[w], s.Index[w] = s.X1[j], s.Y1[j], s.X2[j], s.Y2[j], s.Area[j], s.Index[j]
		if !(inter/(b[4]+s.Area[j]-inter) > thresh) {
			w++
		}
	}
	return w
}

// Batched appends to keep the indices of the boxes that survive NMS done independently for each
// class (boxes of different classes never suppress each other), sorted by decreasing score, and
// returns the extended slice: torchvision.ops.batched_nms on the CPU. Like torchvision it offsets
// the boxes of each class by class*(max coordinate + 1) and runs one NMS when there are at most
// CoordinateTrickMax boxes, and runs NMS class by class otherwise. If limit > 0 only the first
// limit entries of the result are produced. Only the first min(len(bs), len(scores),
// len(classes)) boxes are considered.
//
// Up to CoordinateTrickMax boxes equal scores are ordered by index (torchvision's NMS sorts
// stably); above it the survivors are merged in torch's own unstable sort order, reproduced
// here, so ties come out exactly as torchvision orders them.
func (s *Suppressor) Batched(keep []int, bs []boxes.Box, scores []float32, classes []int, thresh float64, limit int) []int {
	n := min(len(bs), len(scores), len(classes))
	if n == 0 {
		return keep
	}
	if n <= CoordinateTrickMax {
		return s.offsetTrick(keep, bs[:n], scores, classes, thresh, limit)
	}
	return s.perClass(keep, bs[:n], scores, classes, thresh, limit)
}

// offsetTrick is torchvision's _batched_nms_coordinate_trick, rounding as torch does in float32.
func (s *Suppressor) offsetTrick(keep []int, bs []boxes.Box, scores []float32, classes []int, thresh float64, limit int) []int {
	maxc := bs[0].X1
	nan := false
	for _, b := range bs {
		for _, v := range [4]float32{b.X1, b.Y1, b.X2, b.Y2} {
			if v > maxc {
				maxc = v
			}
			nan = nan || isNaN(v)
		}
	}
	if nan {
		maxc = float32(math.NaN())
	}
	step := maxc + 1
	s.shifted = s.shifted[:0]
	for i, b := range bs {
		off := float32(float32(classes[i]) * step)
		s.shifted = append(s.shifted, boxes.Box{X1: b.X1 + off, Y1: b.Y1 + off, X2: b.X2 + off, Y2: b.Y2 + off})
	}
	return s.NMS(keep, s.shifted, scores[:len(bs)], thresh, limit)
}

// perClass is torchvision's _batched_nms_vanilla: NMS per class, then all survivors sorted by
// score.
func (s *Suppressor) perClass(keep []int, bs []boxes.Box, scores []float32, classes []int, thresh float64, limit int) []int {
	n := len(bs)
	s.byClass = s.byClass[:0]
	for i := 0; i < n; i++ {
		s.byClass = append(s.byClass, classPos{classes[i], int32(i)})
	}
	slices.SortFunc(s.byClass, func(a, b classPos) int {
		if c := cmp.Compare(a.class, b.class); c != 0 {
			return c
		}
		return cmp.Compare(a.i, b.i)
	})
	if cap(s.kept) < n {
		s.kept = make([]bool, n)
	}
	kept := s.kept[:n]
	clear(kept)
	// torch's unstable sort (introsort, see sortLikeTorch) orders ties depending on every
	// survivor, so each class runs to completion.
	idx := s.idx[:0]
	for lo := 0; lo < n; {
		hi := lo + 1
		for hi < n && s.byClass[hi].class == s.byClass[lo].class {
			hi++
		}
		s.pos = s.pos[:0]
		for _, cp := range s.byClass[lo:hi] {
			s.pos = append(s.pos, cp.i)
		}
		idx = s.run(idx[:0], bs, scores, s.pos, thresh, 0)
		for _, i := range idx {
			kept[i] = true
		}
		lo = hi
	}
	s.idx = idx
	s.ranked = s.ranked[:0]
	for i, k := range kept {
		if k {
			s.ranked = append(s.ranked, ranked{scores[i], int32(i)})
		}
	}
	sortLikeTorch(s.ranked)
	if limit > 0 && len(s.ranked) > limit {
		s.ranked = s.ranked[:limit]
	}
	for _, r := range s.ranked {
		keep = append(keep, int(r.i))
	}
	return keep
}
