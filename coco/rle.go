package coco

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/shuffledet/shuffledet/internal/plural"
)

// rle is a mask in COCO's run-length encoding: column-major runs of h x w pixels, alternately
// 0s and 1s, starting with 0s. Its counts are 32-bit, as the C code's (maskApi.c) are, and wrap
// as they do.
type rle struct {
	h, w   uint32
	counts []uint32
}

// maxRunChars is the most characters one run of a compressed RLE string may take here: 6 hold
// 30 bits with the sign, more than any mask of 2^24 pixels needs (COCO's images have under 2^20).
// The C decoder's seventh character would shift an int by 30 and overflow it.
const maxRunChars = 6

// parseRLE reads a results file's "segmentation" as pycocotools' maskUtils reads it for a bbox
// evaluation (area, toBbox): a compressed RLE, {"size": [h, w, ...], "counts": "..."}, its keys
// matched exactly (as Python's dicts match them), the size's first two numbers integers (7.0
// too), a NUL ending the counts as it ends the C string. What pycocotools fails on (polygons,
// uncompressed counts, a size that is not two non-negative integers) is an error, and so is what
// its C decoder reads undefined or wraps (a string that ends inside a run, a run over
// maxRunChars characters, a height of 0 with runs) and, on purpose, a character outside '0' to
// DEL (below '0' the C code reads a negative char).
func parseRLE(raw json.RawMessage) (rle, error) {
	var v struct {
		Size   []json.RawMessage `json:"size"` // the first two read, as pycocotools' C code reads them
		Counts json.RawMessage   `json:"counts"`
	}
	if len(raw) == 0 || raw[0] != '{' || json.Unmarshal(exactKeys(raw, "size", "counts"), &v) != nil {
		return rle{}, errors.New("segmentation: want a compressed RLE, {\"size\": [h, w], \"counts\": \"...\"} (pycocotools reads no other kind of segmentation result for bbox evaluation)")
	}
	var side [2]uint32
	if len(v.Size) < 2 {
		return rle{}, fmt.Errorf("segmentation: size must be [h, w], got %s", plural.Count(len(v.Size), "number", "numbers"))
	}
	for i, raw := range v.Size[:2] {
		var n json.Number
		var k float64
		err := json.Unmarshal(raw, &n) // (a NaN's stand-in, a string, is refused here, named by jsonText)
		if err == nil {
			k, err = n.Float64()
		}
		if err != nil || k != math.Trunc(k) || k < 0 || k > math.MaxUint32 {
			return rle{}, fmt.Errorf("segmentation: size [%s, %s]: want two integers from 0 to 2^32-1", jsonText(v.Size[0]), jsonText(v.Size[1]))
		}
		side[i] = uint32(k)
	}
	if w := nonFiniteWord(v.Counts); w != "" {
		return rle{}, fmt.Errorf("segmentation: counts is %s: want a compressed RLE string", w)
	}
	var s string
	if err := json.Unmarshal(v.Counts, &s); err != nil {
		return rle{}, errors.New("segmentation: counts must be a compressed RLE string (uncompressed counts, a list, are not read by pycocotools here: compress them with maskUtils.frPyObjects)")
	}
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i] // the C string ends there
	}
	r := rle{h: side[0], w: side[1]}
	for p := 0; p < len(s); {
		var x int64
		for k := 0; ; k++ {
			if p == len(s) {
				return rle{}, errors.New("segmentation: counts ends inside a run")
			}
			if k == maxRunChars {
				return rle{}, fmt.Errorf("segmentation: counts has a run of more than %d characters", maxRunChars)
			}
			if s[p] < '0' || s[p] > 0x7f {
				return rle{}, fmt.Errorf("segmentation: counts has %q, outside '0' to DEL (an encoder writes '0' to 'o')", s[p])
			}
			c := int64(s[p] - '0')
			p++
			x |= (c & 0x1f) << (5 * k)
			if c&0x20 == 0 {
				if c&0x10 != 0 {
					x |= -1 << (5 * (k + 1))
				}
				break
			}
		}
		if m := len(r.counts); m > 2 { // (not m >= 2: the C decoder's, which every encoder matches)
			x += int64(r.counts[m-2])
		}
		r.counts = append(r.counts, uint32(x))
	}
	if len(r.counts) > 1 && r.h == 0 { // (the C code's toBbox would divide by it)
		return rle{}, fmt.Errorf("segmentation: size [%d, %d] has a height of 0, and counts has runs", r.h, r.w)
	}
	return r, nil
}

// area is maskUtils.area: the pixels of the 1-runs, summed in 32 bits.
func (r rle) area() uint32 {
	var a uint32
	for j := 1; j < len(r.counts); j += 2 {
		a += r.counts[j]
	}
	return a
}

// box is maskUtils.toBbox: [x, y, w, h] of the 1-runs, a run that crosses a column spanning the
// whole height, as rleToBbox computes it (32-bit arithmetic; an odd last run is left out).
func (r rle) box() [4]float64 {
	m := len(r.counts) / 2 * 2
	if m == 0 {
		return [4]float64{}
	}
	xs, ys, xe, ye := r.w, r.h, uint32(0), uint32(0)
	var cc, xp uint32
	for j := range m {
		cc += r.counts[j]
		t := cc - uint32(j%2)
		y := t % r.h
		x := (t - y) / r.h
		if j%2 == 0 {
			xp = x
		} else if xp < x {
			ys, ye = 0, r.h-1
		}
		xs, xe, ys, ye = min(xs, x), max(xe, x), min(ys, y), max(ye, y)
	}
	return [4]float64{float64(xs), float64(ys), float64(xe - xs + 1), float64(ye - ys + 1)}
}
