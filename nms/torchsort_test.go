package nms

import (
	"encoding/json"
	"math/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/shuffledet/shuffledet/internal/torchref"
)

// TestSortLikeTorchMatchesTorch sorts tie-heavy score arrays of many lengths (insertion-sort,
// quicksort and, with adversarial patterns, heapsort regimes) and requires the exact index order
// torch's unstable descending sort produces.
func TestSortLikeTorchMatchesTorch(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	var inputs [][]float32
	for _, n := range []int{2, 15, 16, 17, 31, 100, 300, 1000, 4321} {
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
	spec, _ := json.Marshal(inputs)
	path := filepath.Join(t.TempDir(), "inputs.json")
	if err := os.WriteFile(path, spec, 0o644); err != nil {
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
	for k, s := range inputs {
		a := make([]ranked, len(s))
		for i, v := range s {
			a[i] = ranked{v, int32(i)}
		}
		sortLikeTorch(a)
		for i := range a {
			if int(a[i].i) != want[k][i] {
				t.Fatalf("input %d (n=%d): position %d holds index %d, torch has %d", k, len(s), i, a[i].i, want[k][i])
			}
		}
	}
}
