package coco

import (
	"encoding/json"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
	"unsafe"
)

// rleCases is testdata/rle_cases.json, written by testdata/rle_cases.py with pycocotools.
type rleCases struct {
	RLEs []struct {
		Size   [2]int     `json:"size"`
		Counts string     `json:"counts"`
		BBox   [4]float64 `json:"bbox"`
		Area   float64    `json:"area"`
	} `json:"rles"`
	GT      json.RawMessage `json:"gt"`
	Results json.RawMessage `json:"results"`
	Stats   []float64       `json:"stats"`
}

func loadRLECases(t *testing.T) rleCases {
	t.Helper()
	b, err := os.ReadFile("testdata/rle_cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var c rleCases
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestRLEMatchesPycocotools: 300 masks (empty, full, noise, one or two rectangles, 1x1 to 64x64
// and 3x200) encoded by pycocotools: the box and the area equal its toBbox and area exactly.
func TestRLEMatchesPycocotools(t *testing.T) {
	c := loadRLECases(t)
	if len(c.RLEs) != 300 {
		t.Fatalf("%d cases", len(c.RLEs))
	}
	for i, k := range c.RLEs {
		raw, _ := json.Marshal(map[string]any{"size": k.Size, "counts": k.Counts})
		r, err := parseRLE(raw)
		if err != nil {
			t.Fatalf("case %d %s: %v", i, raw, err)
		}
		if r.box() != k.BBox || float64(r.area()) != k.Area {
			t.Errorf("case %d %s: box %v area %v, pycocotools %v %v", i, raw, r.box(), r.area(), k.BBox, k.Area)
		}
	}
}

// TestSegmentationResults: results with a compressed-RLE mask and no bbox (some with a bbox of
// their own) give pycocotools' 12 numbers bit for bit: boxes from the masks, the area ranges
// comparing the masks' areas. With w*h in place of the masks' areas they differ, so the test
// sees that the area is the mask's.
func TestSegmentationResults(t *testing.T) {
	c := loadRLECases(t)
	gt, err := DecodeDataset(strings.NewReader(string(c.GT)), "gt.json")
	if err != nil {
		t.Fatal(err)
	}
	dts, err := DecodeResults(strings.NewReader(string(c.Results)), "dt.json", gt)
	if err != nil {
		t.Fatal(err)
	}
	e, err := EvaluateResults(gt, dts)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range c.Stats {
		if math.Float64bits(e.Stats[i]) != math.Float64bits(want) {
			t.Errorf("stat %d: %v, pycocotools %v", i, e.Stats[i], want)
		}
	}
	for i := range dts {
		dts[i].fromMask = false
	}
	if e, err := EvaluateResults(gt, dts); err != nil || e.Stats == [12]float64(c.Stats) {
		t.Errorf("the same stats with w*h as the area (%v): the case does not test the masks' areas", err)
	}
}

// TestResultSize: a Result stays 64 bytes on 64-bit targets (results files hold millions; the
// mask area is 32 bits for it).
func TestResultSize(t *testing.T) {
	if n := unsafe.Sizeof(Result{}); unsafe.Sizeof(uintptr(0)) == 8 && n != 64 {
		t.Errorf("a Result is %d bytes", n)
	}
}

// TestSegmentationErrors: what pycocotools fails on, or its C decoder reads undefined, is refused
// with the detection named.
func TestSegmentationErrors(t *testing.T) {
	gt, err := DecodeDataset(strings.NewReader(`{"images": [{"id": 1}], "categories": [{"id": 1}]}`), "gt.json")
	if err != nil {
		t.Fatal(err)
	}
	const ok = `{"image_id": 1, "category_id": 1, "score": 0.5, "segmentation": {"size": [4, 4], "counts": "52203"}}`
	for _, c := range []struct{ results, want string }{
		{`[` + ok + `, {"image_id": 1, "category_id": 1, "score": 0.5}]`, "detection 1: no segmentation (detection 0 has one and no bbox"},
		{`[` + ok + `, {"image_id": 1, "category_id": 1, "score": 0.5, "bbox": null, "segmentation": {"size": [4, 4], "counts": "52203"}}]`, "detection 1: bbox must be 4 numbers"},
		{`[{"image_id": 1, "category_id": 1, "score": 0.5, "segmentation": [[1, 2, 3, 4, 5, 6]]}]`, "detection 0: segmentation: want a compressed RLE"},
		{`[{"image_id": 1, "category_id": 1, "score": 0.5, "segmentation": {"size": [4, 4], "counts": [5, 2, 2, 7]}}]`, "counts must be a compressed RLE string"},
		{`[{"image_id": 1, "category_id": 1, "score": 0.5, "segmentation": {"size": [4.5, 4], "counts": "52203"}}]`, "size [4.5, 4]: want two integers"},
		{`[{"image_id": 1, "category_id": 1, "score": 0.5, "segmentation": {"Size": [4, 4], "counts": "52203"}}]`, "size must be [h, w], got 0 numbers"},
		{`[{"image_id": 1, "category_id": 1, "score": 0.5, "segmentation": {"size": [4], "counts": "52203"}}]`, "size must be [h, w], got 1 number"},
		{`[{"image_id": 1, "category_id": 1, "score": 0.5, "segmentation": {"size": [4, NaN], "counts": "52203"}}]`, "size [4, NaN]: want two integers"},
		{`[{"image_id": 1, "category_id": 1, "score": 0.5, "segmentation": {"size": [1.5, NaN], "counts": "52203"}}]`, "size [1.5, NaN]: want two integers"},
		{`[{"image_id": 1, "category_id": 1, "score": 0.5, "segmentation": {"size": [4, 4], "counts": -Infinity}}]`, "counts is -Infinity"},
		{`[{"image_id": 1, "category_id": 1, "score": 0.5, "segmentation": {"size": [4, 4], "counts": "5220!"}}]`, "outside '0' to DEL"},
		{`[{"image_id": 1, "category_id": 1, "score": 0.5, "segmentation": {"size": [4, 4], "counts": "522P"}}]`, "counts ends inside a run"},
		{`[{"image_id": 1, "category_id": 1, "score": 0.5, "segmentation": {"size": [4, 4], "counts": "PPPPPP0"}}]`, "a run of more than 6 characters"},
		{`[{"image_id": 1, "category_id": 1, "score": 0.5, "segmentation": {"size": [0, 4], "counts": "12"}}]`, "height of 0"},
		{`[{"image_id": 1, "category_id": 1, "score": 0.5}]`, "detection 0: no bbox"},
	} {
		if _, err := DecodeResults(strings.NewReader(c.results), "dt.json", gt); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.results, err, c.want)
		}
	}
	// One number is "1 number", not "1 numbers".
	if _, err := DecodeResults(strings.NewReader(`[{"image_id": 1, "category_id": 1, "score": 0.5, "segmentation": {"size": [4], "counts": "52203"}}]`), "dt.json", gt); err == nil || !strings.Contains(err.Error(), "got 1 number (byte 1)") {
		t.Errorf("size [4]: %v, want \"got 1 number (byte 1)\" in it", err)
	}
	// A mask's box and area; a bbox key keeps its box; a bbox on the first detection makes every
	// detection a box (its mask, and a later one's, unread), as in pycocotools.
	rs, err := DecodeResults(strings.NewReader(`[`+ok+`, {"image_id": 1, "category_id": 1, "score": 0.5, "bbox": [0, 0, 3, 3], "segmentation": {"size": [4, 4], "counts": "52203"}}]`), "dt.json", gt)
	if err != nil || rs[0].BBox != [4]float64{1, 1, 2, 2} || rs[0].rangeArea() != 4 || rs[1].BBox != [4]float64{0, 0, 3, 3} || rs[1].rangeArea() != 4 {
		t.Errorf("masks: %+v, %v", rs, err)
	}
	rs, err = DecodeResults(strings.NewReader(`[{"image_id": 1, "category_id": 1, "score": 0.5, "bbox": [0, 0, 2, 2], "segmentation": {"size": [4, 4], "counts": "52203"}}, {"image_id": 1, "category_id": 1, "score": 0.5, "bbox": [0, 0, 3, 3], "segmentation": "x"}]`), "dt.json", gt)
	if err != nil || rs[0].rangeArea() != 4 || rs[1].rangeArea() != 9 {
		t.Errorf("boxes: %+v, %v", rs, err)
	}
	// As pycocotools reads them (checked with its build from cocoapi): a size of integral floats
	// and a third number, or anything after the first two (a NaN, read through pythonFloats), a NUL ending the counts, the keys matched exactly (a "Counts" is
	// another key), 'p' read as the C code reads it.
	for _, seg := range []string{`{"size": [4.0, 4, 9], "counts": "52203"}`, `{"size": [4, 4, ` + string(standIn(3)) + `, "x"], "counts": "52203"}`, `{"size": [4, 4], "counts": "52203\u0000zz"}`,
		`{"size": [4, 4], "counts": "52203", "Counts": "0g0"}`} {
		r, err := parseRLE(json.RawMessage(seg))
		if err != nil || r.box() != [4]float64{1, 1, 2, 2} || r.area() != 4 {
			t.Errorf("%s: %v %v (%v), pycocotools [1 1 2 2] 4", seg, r.box(), r.area(), err)
		}
	}
	if r, err := parseRLE(json.RawMessage(`{"size": [4, 4], "counts": "5p2203"}`)); err != nil || r.box() != [4]float64{1, 0, 3, 4} || r.area() != 7 {
		t.Errorf("'p': %v %v (%v), pycocotools [1 0 3 4] 7", r.box(), r.area(), err)
	}
}

// FuzzParseRLE: any segmentation value either is refused or reads into runs that box and area
// take without a panic, and that encoded again as maskApi.c's rleToString encodes them read back
// the same (or, where a count wrapped from a negative one, are refused as too long a run).
func FuzzParseRLE(f *testing.F) {
	for _, s := range []string{`{"size": [4, 4], "counts": "52203"}`, `{"size": [0, 0], "counts": ""}`,
		`{"size": [3, 200], "counts": "0c`, `{"size": [1, 1], "counts": "PPPPP0"}`, `[[1, 2, 3]]`, `null`,
		`{"size": [4294967295, 1], "counts": "o"}`, `{"size": [2, 2], "counts": "1O"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := parseRLE(b)
		if err != nil {
			return
		}
		_, _ = r.box(), r.area()
		raw, _ := json.Marshal(map[string]any{"size": []uint32{r.h, r.w}, "counts": encodeRLE(r.counts)})
		back, err := parseRLE(raw)
		if err != nil && strings.Contains(err.Error(), "a run of more than") {
			return // a count that wrapped from a negative one: positive, it takes 7 characters
		}
		if err != nil || !slices.Equal(back.counts, r.counts) {
			t.Fatalf("%s: counts %v, encoded %s, read back %v (%v)", b, r.counts, raw, back.counts, err)
		}
	})
}

// encodeRLE is maskApi.c's rleToString: each count less the one two before it (from the
// fourth), in 5-bit groups, low first, with a continuation bit and the sign in the last.
func encodeRLE(counts []uint32) string {
	var s []byte
	for i, c := range counts {
		x := int64(c)
		if i > 2 {
			x -= int64(counts[i-2])
		}
		for more := true; more; {
			ch := byte(x & 0x1f)
			x >>= 5
			if ch&0x10 != 0 {
				more = x != -1
			} else {
				more = x != 0
			}
			if more {
				ch |= 0x20
			}
			s = append(s, ch+'0')
		}
	}
	return string(s)
}
