package coco

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// perCategoryCategories is how many categories the 25 cases of testdata/percategory.json hold
// (golden 80, generated 99, boundary 19): fewer compared means a case or category went missing.
const perCategoryCategories = 198

// storedCategory is one category of testdata/percategory.json: what PerCategory reports, as
// pycocotools computes it. Stats is a slice and the counts pointers so that a short or missing
// entry fails instead of reading as zeros.
type storedCategory struct {
	ID    int       `json:"id"`
	Name  string    `json:"name"`
	NumGT *int      `json:"num_gt"`
	NumDT *int      `json:"num_dt"`
	Stats []float64 `json:"stats"`
}

// TestPerCategoryMatchesPycocotools holds every category's numbers, as cocoeval prints them, to
// pycocotools' bit for bit on the golden case, the 16 generated cases and the 8 boundary cases.
// The summary tests see only means over categories, where errors in two categories could cancel
// or hide under another's weight. testdata/percategory.py made the stored numbers.
func TestPerCategoryMatchesPycocotools(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "percategory.json"))
	if err != nil {
		t.Fatal(err)
	}
	var stored struct {
		MadeBy      string `json:"made_by"`
		Pycocotools string `json:"pycocotools"`
		Numpy       string `json:"numpy"`
		Cases       []struct {
			Set        string           `json:"set"`
			GT         string           `json:"gt"`
			DT         string           `json:"dt"`
			Categories []storedCategory `json:"categories"`
		} `json:"cases"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&stored); err != nil {
		t.Fatalf("testdata/percategory.json: %v", err)
	}

	// Every case of the shared sets, in their expected.json order, must be stored.
	_, g := golden(t)
	want := []expectedCase{g}
	sets := []string{"cocoeval-golden"}
	for _, s := range []struct {
		dir string
		n   int
	}{{"cocoeval-cases", 16}, {"cocoeval-boundary", 8}} {
		var exp []expectedCase
		readJSON(t, filepath.Join(sharedData, s.dir, "expected.json"), &exp)
		if len(exp) != s.n {
			t.Fatalf("%s/expected.json has %d cases, want %d", s.dir, len(exp), s.n)
		}
		for _, c := range exp {
			want, sets = append(want, c), append(sets, s.dir)
		}
	}
	if len(stored.Cases) != len(want) {
		t.Fatalf("testdata/percategory.json has %d cases, the shared data %d", len(stored.Cases), len(want))
	}

	categories, values := 0, 0
	for i, c := range stored.Cases {
		if c.Set != sets[i] || c.GT != want[i].GT || c.DT != want[i].DT {
			t.Fatalf("stored case %d is %s/%s, %s; the shared data's is %s/%s, %s", i, c.Set, c.GT, c.DT, sets[i], want[i].GT, want[i].DT)
		}
		dir := filepath.Join(sharedData, c.Set)
		e := evalFiles(t, filepath.Join(dir, c.GT), filepath.Join(dir, c.DT))
		got := e.PerCategory()
		if len(got) != len(c.Categories) {
			t.Errorf("%s/%s: %d categories, pycocotools %d", c.Set, c.GT, len(got), len(c.Categories))
			continue
		}
		for k, w := range c.Categories {
			g := got[k]
			where := c.Set + "/" + c.GT + " category " + g.Name
			if len(w.Stats) != len(g.Stats) || w.NumGT == nil || w.NumDT == nil {
				t.Errorf("%s: stored entry incomplete: %d numbers, num_gt given %t, num_dt given %t", where, len(w.Stats), w.NumGT != nil, w.NumDT != nil)
				continue
			}
			if g.ID != w.ID || g.Name != w.Name || g.NumGT != *w.NumGT || g.NumDT != *w.NumDT {
				t.Errorf("%s: id %d %q, %d gt, %d dt; pycocotools id %d %q, %d gt, %d dt",
					where, g.ID, g.Name, g.NumGT, g.NumDT, w.ID, w.Name, *w.NumGT, *w.NumDT)
			}
			for s, v := range w.Stats {
				if !(g.Stats[s] == v) { // a NaN on either side fails too
					t.Errorf("%s (id %d): %s = %.17g, pycocotools %.17g", where, g.ID, StatNames[s], g.Stats[s], v)
				}
				values++
			}
			categories++
		}
	}
	if categories != perCategoryCategories || values != perCategoryCategories*len(StatNames) {
		t.Fatalf("compared %d categories (%d numbers), want %d (%d)", categories, values,
			perCategoryCategories, perCategoryCategories*len(StatNames))
	}
	t.Logf("compared %d cases, %d categories, %d numbers with pycocotools' (%s, numpy %s)",
		len(stored.Cases), categories, values, stored.Pycocotools, stored.Numpy)
}
