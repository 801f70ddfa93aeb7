package nms

import (
	"encoding/json"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/shuffledet/shuffledet/internal/torchref"
)

// TestSortLikeTorchMatchesTorch sorts tie-heavy score arrays of many lengths (insertion-sort,
// quicksort and, with adversarial inputs, heapsort regimes), with and without NaNs, and requires
// the exact index order torch's unstable descending sort produces.
func TestSortLikeTorchMatchesTorch(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	var inputs [][]float32
	for _, n := range []int{0, 1, 2, 15, 16, 17, 31, 100, 300, 1000, 4321} {
		for _, levels := range []int{1, 3, 50, 1 << 20} {
			s := make([]float32, n)
			for i := range s {
				s[i] = float32(rng.Intn(levels)) / 7
			}
			inputs = append(inputs, s)
		}
	}
	// Sorted and reverse-sorted runs with ties stress the pivot choice.
	asc := make([]float32, 2000)
	for i := range asc {
		asc[i] = float32(i / 3)
	}
	inputs = append(inputs, asc)
	// NaN sorts first in torch's descending sort; NaNs among themselves keep the order
	// introsort leaves them in. Infinities too.
	nan := float32(math.NaN())
	for _, n := range []int{3, 16, 40, 1000} {
		s := nanInfScores(rng, n)
		inputs = append(inputs, s)
	}
	// Median-of-3 killers: introsort exceeds its depth limit and heap-sorts (partialSort).
	for _, n := range []int{200, 1001, 4096} {
		s, heap := introsortKiller(n, rng)
		if !heap {
			t.Fatalf("killer of length %d does not reach the heapsort fallback", n)
		}
		inputs = append(inputs, s)
		withNaN := append([]float32(nil), s...)
		for i := 0; i < n; i += 37 {
			withNaN[i] = nan
		}
		inputs = append(inputs, withNaN)
	}

	path := filepath.Join(t.TempDir(), "inputs.json")
	if err := os.WriteFile(path, pyJSON(inputs), 0o644); err != nil {
		t.Fatal(err)
	}
	out := torchref.Script(t, `
import json, sys, torch
res = []
for s in json.load(open(sys.argv[1])):
    res.append(torch.tensor(s, dtype=torch.float32).sort(descending=True)[1].tolist())
print(json.dumps(res))
`, path)
	var want [][]int
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatal(err)
	}
	if len(want) != len(inputs) {
		t.Fatalf("torch sorted %d inputs, want %d", len(want), len(inputs))
	}
	for k, s := range inputs {
		a := make([]ranked, len(s))
		for i, v := range s {
			a[i] = ranked{v, int32(i)}
		}
		sortLikeTorch(a)
		if len(want[k]) != len(a) {
			t.Fatalf("input %d: torch returned %d indices, want %d", k, len(want[k]), len(a))
		}
		for i := range a {
			if int(a[i].i) != want[k][i] {
				t.Fatalf("input %d (n=%d): position %d holds index %d, torch has %d", k, len(s), i, a[i].i, want[k][i])
			}
		}
	}
}

// pyJSON encodes the inputs as JSON with Python's NaN and Infinity literals (encoding/json
// refuses them).
func pyJSON(inputs [][]float32) []byte {
	var b strings.Builder
	b.WriteByte('[')
	for k, s := range inputs {
		if k > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('[')
		for i, v := range s {
			if i > 0 {
				b.WriteByte(',')
			}
			switch {
			case v != v:
				b.WriteString("NaN")
			case math.IsInf(float64(v), 1):
				b.WriteString("Infinity")
			case math.IsInf(float64(v), -1):
				b.WriteString("-Infinity")
			default:
				b.WriteString(strconv.FormatFloat(float64(v), 'g', -1, 32))
			}
		}
		b.WriteByte(']')
	}
	b.WriteByte(']')
	return []byte(b.String())
}

// introsortKiller builds scores of length n on which libstdc++'s introsort (as sortLikeTorch
// reproduces it) runs out of depth and falls back to heapsort. It uses McIlroy's adversary ("A
// Killer Adversary for Quicksort", 1999): the sort runs on item ids whose values are fixed
// lazily, as the comparisons happen, so that every median-of-3 pivot is nearly the extreme
// value and each partition splits off only a few items. When the depth runs out, the items
// still unfixed (all greater than every fixed one, so no earlier comparison changes) get random
// tie-heavy values, so that the heapsort sees an unordered range. The run uses introsortIDs, a copy of
// sortLikeTorch's control flow on ids with a comparator; the recorded values, run through the
// real sortLikeTorch, take the same path (the test checks the result against torch, and
// go test -cover shows partialSort, makeHeap and adjustHeap run). heap reports whether the
// copy reached its heapsort fallback.
func introsortKiller(n int, rng *rand.Rand) (scores []float32, heap bool) {
	gas := n
	val := make([]int, n)
	for i := range val {
		val[i] = gas
	}
	solid, candidate := 0, 0
	freeze := func(x int) { val[x] = solid; solid++ }
	// before(x, y): x sorts before y, i.e. val[x] < val[y]; the scores are then -val, so that
	// the real sort's "larger score first" is the same order.
	before := func(x, y int) bool {
		if val[x] == gas && val[y] == gas {
			if x == candidate {
				freeze(x)
			} else {
				freeze(y)
			}
		}
		if val[x] == gas {
			candidate = x
		} else if val[y] == gas {
			candidate = y
		}
		return val[x] < val[y]
	}
	ids := make([]int, n)
	for i := range ids {
		ids[i] = i
	}
	heap = introsortIDs(ids, before, func() {
		top := solid
		for i, v := range val {
			if v == gas {
				val[i] = top + rng.Intn(n/4+1)
				solid = max(solid, val[i]+1)
			}
		}
		gas = -1 // nothing is gas any more
	})
	scores = make([]float32, n)
	for i, v := range val {
		scores[i] = -float32(v)
	}
	return scores, heap
}

// introsortIDs is sortLikeTorch's algorithm on ids with an arbitrary comparator, for the
// adversary; it calls onHeap when it reaches the heapsort fallback (the first time) and reports
// whether it did. It need not sort: the input is the adversary's values, not this order.
func introsortIDs(a []int, before func(x, y int) bool, onHeap func()) (heap bool) {
	n := len(a)
	depth := 0
	for m := n; m > 1; m >>= 1 {
		depth++
	}
	var loop func(first, last, depth int)
	loop = func(first, last, depth int) {
		for last-first > sortThreshold {
			if depth == 0 {
				if !heap {
					heap = true
					onHeap()
				}
				return
			}
			depth--
			// moveMedianToFirst(first, first+1, mid, last-1)
			mid := first + (last-first)/2
			x, y, z := first+1, mid, last-1
			swapFirst := func(k int) { a[first], a[k] = a[k], a[first] }
			switch {
			case before(a[x], a[y]):
				switch {
				case before(a[y], a[z]):
					swapFirst(y)
				case before(a[x], a[z]):
					swapFirst(z)
				default:
					swapFirst(x)
				}
			case before(a[x], a[z]):
				swapFirst(x)
			case before(a[y], a[z]):
				swapFirst(z)
			default:
				swapFirst(y)
			}
			// unguardedPartition(first+1, last, pivot first)
			lo, hi := first+1, last
			for {
				for before(a[lo], a[first]) {
					lo++
				}
				hi--
				for before(a[first], a[hi]) {
					hi--
				}
				if lo >= hi {
					break
				}
				a[lo], a[hi] = a[hi], a[lo]
				lo++
			}
			loop(lo, last, depth)
			last = lo
		}
	}
	loop(0, n, 2*depth)
	return heap
}

// TestTopKMatchesTorch takes the top k of tie-heavy score vectors (lengths and k on both sides of
// torch's k*64 <= n switch between partial_sort and nth_element, k = 1 and k = n, NaNs and
// infinities, introsort killers) and requires the exact index order of torch's topk.
func TestTopKMatchesTorch(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	type topCase struct {
		s []float32
		k int
	}
	var cases []topCase
	ks := func(n int) []int {
		return []int{1, min(2, n), max(1, n/64), min(n/64+1, n), max(1, n/3), max(1, n-1), n}
	}
	for _, n := range []int{1, 3, 5, 64, 65, 100, 1000, 4321, 9120, 36000} {
		for _, levels := range []int{1, 3, 50, 1 << 20} {
			s := make([]float32, n)
			for i := range s {
				s[i] = float32(rng.Intn(levels)) / 7
			}
			for _, k := range ks(n) {
				cases = append(cases, topCase{s, k})
			}
		}
	}
	for _, n := range []int{4, 40, 1000, 5000} {
		s := nanInfScores(rng, n)
		for _, k := range ks(n) {
			cases = append(cases, topCase{s, k})
		}
	}
	for _, n := range []int{200, 4096} {
		s, _ := introsortKiller(n, rng)
		for _, k := range ks(n) {
			cases = append(cases, topCase{s, k})
		}
	}
	inputs := make([][]float32, len(cases))
	kk := make([]int, len(cases))
	for i, c := range cases {
		inputs[i], kk[i] = c.s, c.k
	}
	dir := t.TempDir()
	path, kpath := filepath.Join(dir, "inputs.json"), filepath.Join(dir, "k.json")
	kjson, _ := json.Marshal(kk)
	if err := os.WriteFile(path, pyJSON(inputs), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(kpath, kjson, 0o644); err != nil {
		t.Fatal(err)
	}
	out := torchref.Script(t, `
import json, sys, torch
ks = json.load(open(sys.argv[2]))
res = []
for s, k in zip(json.load(open(sys.argv[1])), ks):
    res.append(torch.tensor(s, dtype=torch.float32).topk(k)[1].tolist())
print(json.dumps(res))
`, path, kpath)
	var want [][]int32
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatal(err)
	}
	if len(want) != len(cases) {
		t.Fatalf("torch answered %d cases, want %d", len(want), len(cases))
	}
	var top TopK
	for i, c := range cases {
		top.Reset(len(c.s))
		for i, v := range c.s {
			top.Put(i, v)
		}
		got := top.Indices(nil, c.k)
		if !slices.Equal(got, want[i]) {
			j := 0
			for j < min(len(got), len(want[i])) && got[j] == want[i][j] {
				j++
			}
			t.Fatalf("case %d (n=%d, k=%d): first difference at position %d (%d of ours, %d of torch's)", i, len(c.s), c.k, j, len(got), len(want[i]))
		}
	}
	top.Reset(2)
	top.Put(1, 2) // in any order
	top.Put(0, 1)
	if got := top.Indices([]int32{7}, 0); !slices.Equal(got, []int32{7}) {
		t.Errorf("k = 0: %v", got)
	}
	if got := top.Indices(nil, 5); !slices.Equal(got, []int32{1, 0}) {
		t.Errorf("k past the length: %v", got)
	}
}

// nanInfScores returns n tie-heavy scores, about a sixth of them NaN and a sixth infinite.
func nanInfScores(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		switch rng.Intn(6) {
		case 0:
			s[i] = float32(math.NaN())
		case 1:
			s[i] = float32(math.Inf(1 - 2*rng.Intn(2)))
		default:
			s[i] = float32(rng.Intn(5)) / 4
		}
	}
	return s
}
