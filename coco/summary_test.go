package coco

import (
	"slices"
	"strings"
	"testing"

	"github.com/rivo/uniseg"
)

// TestCategoryTableColumns: every row of the per-category table has its numbers in the header's
// columns (as a terminal shows them) whatever the names and ids: longer than the name column,
// non-ASCII, East Asian wide, holding a newline, or ids of many digits.
func TestCategoryTableColumns(t *testing.T) {
	stats := [12]float64{0.5, 0.25, -1, 1, 0, 0.125, 0, 0, 0.75, 0, 0, 0}
	cats := []CategoryResult{
		{ID: 1, Name: "person", NumGT: 3, NumDT: 7, Stats: stats},
		{ID: 2, Name: "a category name far longer than the column", NumGT: 1, NumDT: 0, Stats: stats},
		{ID: 3, Name: "Straßenbahn–große", NumGT: 1, NumDT: 0, Stats: stats},
		{ID: 4, Name: "自行车", NumGT: 1, NumDT: 0, Stats: stats},
		{ID: 5, Name: "line\nbreak", NumGT: 1, NumDT: 0, Stats: stats},
		{ID: 1234567890, Name: "big id", NumGT: 1, NumDT: 0, Stats: stats},
	}
	table := CategoryTable(cats)
	lines := strings.Split(strings.TrimSuffix(table, "\n"), "\n")
	if len(lines) != len(cats)+1 {
		t.Fatalf("%d lines for %d categories and a header:\n%s", len(lines), len(cats), table)
	}
	header := lines[0]
	// the column where each field ends, as a terminal shows it
	ends := func(line string) []int {
		var out []int
		w, in := 0, false
		for _, r := range line + " " {
			if r == ' ' {
				if in {
					out = append(out, w)
				}
				in = false
			} else {
				in = true
			}
			w += uniseg.StringWidth(string(r))
		}
		return out
	}
	want := ends(header)
	numbers := want[len(want)-9:] // gt, dt and the seven stats are right-aligned under their names
	for _, line := range lines[1:] {
		got := ends(line)
		if len(got) < 9 || !slices.Equal(got[len(got)-9:], numbers) {
			t.Errorf("numbers not under the header's columns:\n%s\n%s", header, line)
		}
		if !strings.Contains(line, "0.500  0.250 -1.000  1.000  0.000  0.125  0.750") {
			t.Errorf("row %q lacks its stats", line)
		}
	}
	if !strings.Contains(table, `"line\nbreak"`) {
		t.Errorf("a name with a newline is not quoted:\n%s", table)
	}
	if short := CategoryTable(cats[:1]); !strings.HasPrefix(short, "  id  category             gt      dt      AP") {
		t.Errorf("the table of COCO's names changed its layout:\n%s", short)
	}
}
