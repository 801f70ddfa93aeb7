package main

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/shuffledet/shuffledet/coco"
)

// FuzzParseCategories feeds -categories lists to parseCategories over a ground truth whose
// names include a number that is another category's id and a name with a space: it never
// panics; an accepted list gives categories of the ground truth, each once, every item of the
// list one of them; a refused one is named in the error.
func FuzzParseCategories(f *testing.F) {
	gt := coco.NewDataset(nil, nil, []coco.Category{{ID: 1, Name: "person"}, {ID: 3, Name: "car"}, {ID: 7, Name: "1"},
		{ID: 10, Name: "traffic light"}})
	for _, s := range []string{"", "person,car", "1,3", "1", "traffic light", " car , 3 ", "person,,car", "dog", "7,1,person"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, list string) {
		ids, err := parseCategories(gt, list)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "-categories: ") {
				t.Fatalf("%q: error %q does not say -categories", list, err)
			}
			return
		}
		if list == "" {
			if ids != nil {
				t.Fatalf("empty list: %v, want every category (nil)", ids)
			}
			return
		}
		seen := map[int]bool{}
		for _, id := range ids {
			if !gt.HasCategory(id) || seen[id] {
				t.Fatalf("%q: %v: an id not in the ground truth, or twice", list, ids)
			}
			seen[id] = true
		}
		for _, item := range strings.Split(list, ",") {
			item = strings.TrimSpace(item)
			if !slices.ContainsFunc(gt.Categories, func(c coco.Category) bool {
				return seen[c.ID] && (c.Name == item || strings.TrimLeft(item, "+0") == strings.TrimLeft(strconv.Itoa(c.ID), "0"))
			}) {
				t.Fatalf("%q: item %q is in none of %v", list, item, ids)
			}
		}
	})
}
