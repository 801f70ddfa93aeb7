package coco

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/bits"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// intNumber is a JSON number that holds an integer: 7, or 7.0 or 7e0 as numpy pipelines write
// ids (Python's json reads those as floats equal to the integers, which pycocotools' dicts then
// find). A number with a fraction, or outside int64, is refused with a *json.UnmarshalTypeError
// (the decoder adds the field's name; jsonError words it); null leaves the value unchanged, as
// encoding/json does for numbers. The smallest int64 is refused too: it marks an id that is
// absent (jsonError says so).
type intNumber int64

// UnmarshalJSON accepts an integral JSON number.
func (v *intNumber) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		return nil
	}
	if w := nonFiniteWord(b); w != "" {
		return &json.UnmarshalTypeError{Value: w, Type: reflect.TypeFor[int64]()}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n == math.MinInt64 {
			return &json.UnmarshalTypeError{Value: "number " + s, Type: reflect.TypeFor[int64]()}
		}
		*v = intNumber(n)
		return nil
	}
	if c := s[0]; c != '-' && (c < '0' || c > '9') {
		return &json.UnmarshalTypeError{Value: jsonKind(c), Type: reflect.TypeFor[int64]()}
	}
	// The decoder has checked the syntax: s is a JSON number.
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || f <= -(1<<63) || f >= 1<<63 {
		return &json.UnmarshalTypeError{Value: "number " + s, Type: reflect.TypeFor[int64]()}
	}
	*v = intNumber(f)
	return nil
}

// categoryNumber is an intNumber that fits an int, as category ids are held (32 bits on armv7 and
// 386: a larger id must be refused, not wrapped onto another category), and is not
// AllCategories.
type categoryNumber int

// UnmarshalJSON accepts an integral JSON number within int's range; null leaves the value
// unchanged (a missing id's mark stays, and is reported as missing).
func (v *categoryNumber) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	n := intNumber(*v)
	if err := n.UnmarshalJSON(b); err != nil {
		return err
	}
	if int64(int(n)) != int64(n) || int(n) == AllCategories {
		return &json.UnmarshalTypeError{Value: "number " + string(b), Type: reflect.TypeFor[int]()}
	}
	*v = categoryNumber(n)
	return nil
}

// jsonKind names the kind of JSON value that starts with c, as encoding/json's errors do.
func jsonKind(c byte) string {
	switch c {
	case '"':
		return "string"
	case '[':
		return "array"
	case '{':
		return "object"
	case 't', 'f':
		return "bool"
	}
	return "value"
}

// imageIDValue is an image id as a COCO file writes it: an integral number (see intNumber), or a
// string, as some converted datasets have them (pycocotools keys its dicts by either, and sorts
// the ids of a file, so one file's ids are all numbers or all strings).
type imageIDValue struct {
	num      intNumber // math.MinInt64 when absent (null leaves it)
	str      string
	isString bool
	float    bool // a number written with a fraction or an exponent (7.0), which Python reads as a float
}

// UnmarshalJSON accepts an integral number or a string.
func (v *imageIDValue) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' && nonFiniteWord(b) == "" {
		v.isString = true
		return json.Unmarshal(b, &v.str)
	}
	if err := v.num.UnmarshalJSON(b); err != nil {
		return err
	}
	v.float = writtenAsFloat(b)
	return nil
}

// catIDValue is a category's id (see categoryNumber), and whether it was written as a float.
type catIDValue struct {
	num   categoryNumber
	float bool
}

// UnmarshalJSON accepts what categoryNumber accepts.
func (v *catIDValue) UnmarshalJSON(b []byte) error {
	if err := v.num.UnmarshalJSON(b); err != nil {
		return err
	}
	v.float = writtenAsFloat(b)
	return nil
}

// writtenAsFloat reports whether the JSON number b has a fraction or an exponent (7.0, 7e0).
func writtenAsFloat(b []byte) bool { return bytes.ContainsAny(b, ".eE") }

// listIDs watches the ids of an images or categories list for those pycocotools' evaluate
// loses: it passes a list's ids through np.unique, which makes them all float64 when one of
// them is a float (written 7.0), and then finds nothing under an integer that a float64 does
// not hold (beyond 2^53): that image's or category's ground truth and detections count nowhere.
// Such an id is lost only where something is under it (Dataset.checkLost, LostImage).
type listIDs struct {
	float   string   // where the first id written as a float was read
	inexact []lostID // the integers a float64 cannot hold
}

// lostID is an id of a list that a float64 cannot hold, where it was read and at which offset.
type lostID struct {
	id    int64
	where string
	off   int64
}

// note records the id read at where, offset off.
func (l *listIDs) note(id int64, float bool, where string, off int64) {
	u := uint64(id)
	if id < 0 {
		u = -u
	}
	switch {
	case float && l.float == "":
		l.float = where
	case !float && u>>bits.TrailingZeros64(u) >= 1<<53:
		l.inexact = append(l.inexact, lostID{id, where, off})
	}
}

// lost returns the ids pycocotools' evaluate loses: none unless an id is written as a float.
func (l *listIDs) lost() []lostID {
	if l.float == "" {
		return nil
	}
	return l.inexact
}

// lostError is the error of lost id x, under which a list's what (annotations[3], detection 7)
// is, in file name.
func (l *listIDs) lostError(name string, x lostID, what string) error {
	return atError(name, x.off, "%s: id %d is an integer that a float64 cannot hold, and %s's id is written as a float: "+
		"pycocotools' evaluate then makes every id of the list a float64 (np.unique) and finds nothing under this one, "+
		"so %s, of it, would count here and not there (write the ids as integers)", x.where, x.id, l.float, what)
}

// absent reports whether no id was read (v as reset to missingImageID, then decoded).
func (v imageIDValue) absent() bool { return !v.isString && v.num == math.MinInt64 }

// missingImageID is the value an image id is reset to before decoding: absent until one is read.
var missingImageID = imageIDValue{num: math.MinInt64}

// String gives the id as a message names it: the number, or the string quoted.
func (v imageIDValue) String() string {
	if v.isString {
		return strconv.Quote(v.str)
	}
	return strconv.FormatInt(int64(v.num), 10)
}

// imageIDs turns a file's image ids into Image.ID values while the file is decoded: numbers as
// they are; strings numbered in the order first seen, and renumbered by rank once the whole
// file is read (rank), since annotations may come before the images. The images' ids must be
// of one kind (pycocotools sorts them); an annotation whose image_id is of the other kind
// belongs to no image, as in pycocotools' dicts.
type imageIDs struct {
	kind      byte   // the images': 0 before the first, 'n' numbers, 's' strings
	first     string // where the first image's id was read, for the error of a file that mixes them
	seen      map[string]int64
	keys      []string // the strings, by number in order first seen
	annString []bool   // whether each annotation's image_id was a string (its ImageID then a number in keys)
}

// image returns the provisional Image.ID of v, an image's id read at where; a string after
// numbers, or a number after strings, is an error.
func (t *imageIDs) image(v imageIDValue, where string) (int64, error) {
	kind := byte('n')
	if v.isString {
		kind = 's'
	}
	if t.kind == 0 {
		t.kind, t.first = kind, where
	}
	if kind != t.kind {
		what := map[byte]string{'n': "a number", 's': "a string"}
		return 0, fmt.Errorf("%s: image id %s is %s, and %s's is %s: pycocotools sorts a file's image ids, and cannot sort numbers and strings together",
			where, v, what[kind], t.first, what[t.kind])
	}
	return t.number(v), nil
}

// annotation returns the provisional ImageID of v, annotation i's image_id.
func (t *imageIDs) annotation(i int, v imageIDValue) int64 {
	t.annString = append(t.annString[:i], v.isString)
	return t.number(v)
}

// number is v's provisional number: v itself, or a string's place in keys.
func (t *imageIDs) number(v imageIDValue) int64 {
	if !v.isString {
		return int64(v.num)
	}
	n, ok := t.seen[v.str]
	if !ok {
		if t.seen == nil {
			t.seen = make(map[string]int64)
		}
		n = int64(len(t.keys))
		t.seen[v.str] = n
		t.keys = append(t.keys, v.str)
	}
	return n
}

// noImage is the ImageID of an annotation whose image_id is of the other kind than the images'.
const noImage = math.MinInt64

// rank renumbers the images' and annotations' string ids by the strings' rank in sorted order
// (Python's: by code point, which byte order of UTF-8 is), gives an annotation of the other kind
// than the images' noImage, and returns the sorted strings (nil for images of numbers).
func (t *imageIDs) rank(images []Image, anns []Annotation) []string {
	if t.kind != 's' {
		for i := range anns {
			if i < len(t.annString) && t.annString[i] {
				anns[i].ImageID = noImage
			}
		}
		return nil
	}
	order := make([]int64, len(t.keys)) // provisional numbers in sorted order
	for i := range order {
		order[i] = int64(i)
	}
	slices.SortFunc(order, func(a, b int64) int { return strings.Compare(t.keys[a], t.keys[b]) })
	rankOf := make([]int64, len(order))
	sorted := make([]string, len(order))
	for r, n := range order {
		rankOf[n], sorted[r] = int64(r), t.keys[n]
	}
	for i := range images {
		images[i].ID = rankOf[images[i].ID]
	}
	for i := range anns {
		if i < len(t.annString) && t.annString[i] {
			anns[i].ImageID = rankOf[anns[i].ImageID]
		} else {
			anns[i].ImageID = noImage
		}
	}
	return sorted
}
