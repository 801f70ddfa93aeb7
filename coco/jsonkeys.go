package coco

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Python's json, which pycocotools reads with, matches an object's keys exactly; Go's
// encoding/json also takes a key that differs only in case ("Score" for "score") and, the
// last one winning, lets it replace the exact one. The decoding forms (imgJSON, catJSON, annJSON,
// and resJSON for what its one-pass readFlat, which compares keys exactly itself, hands on) read
// their objects through exactKeys, which hides such keys first: they are extra fields, skipped,
// as pycocotools skips them. A field given twice is the last value to Python; encoding/json
// takes the last too, but stops at an earlier one of the wrong type (a NaN's stand-in, a
// string): exactKeys hides every one but the last.

// exactKeys returns b, a JSON object, or a copy of it in which every top-level key that
// encoding/json would match to one of fields without being that field exactly (another case,
// or another Unicode fold), and every one of fields but its last, is renamed to underscores, so
// that no field takes its value. Keys are compared unescaped, as both decoders compare them. b
// is returned itself when no key needs it (the common case: no allocation).
func exactKeys(b []byte, fields ...string) []byte {
	var out []byte
	hide := func(open, close int) {
		if out == nil {
			out = append([]byte(nil), b...)
		}
		for k := open + 1; k < close; k++ {
			out[k] = '_'
		}
	}
	var last [8]int // per field (at most 8), the opening quote of its last key so far, + 1
	eachTopKey(b, func(open, close int) bool {
		variant, exact := keyMatch(b[open:close+1], fields)
		switch {
		case variant:
			hide(open, close)
		case exact >= 0 && exact < len(last):
			if prev := last[exact] - 1; prev >= 0 {
				hide(prev, stringEnd(b, prev))
			}
			last[exact] = open + 1
		}
		return true
	})
	if out == nil {
		return b
	}
	return out
}

// eachTopKey calls visit with the indices of the opening and closing quotes of each top-level
// key of b, a JSON object the decoder has validated, in order, until visit returns false.
func eachTopKey(b []byte, visit func(open, close int) bool) {
	depth := 0
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		case '"':
			end := stringEnd(b, i)
			if depth == 1 && isKey(b, end) && !visit(i, end) {
				return
			}
			i = end
		}
	}
}

// stringEnd returns the index of the quote that closes the JSON string whose opening quote is
// at b[start] (len(b)-1 if b ends first; the decoder has validated b).
func stringEnd(b []byte, start int) int {
	for i := start + 1; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return len(b) - 1
}

// hasKey reports whether b, a JSON object the decoder has validated, has the top-level key key
// (compared unescaped, as both decoders compare keys).
func hasKey(b []byte, key string) bool {
	found := false
	eachTopKey(b, func(open, close int) bool {
		k := string(b[open+1 : close])
		if strings.IndexByte(k, '\\') >= 0 {
			json.Unmarshal(b[open:close+1], &k) // (a valid JSON string)
		}
		found = k == key
		return !found
	})
	return found
}

// isKey reports whether the string that ends at b[end] is an object key: a colon follows it.
func isKey(b []byte, end int) bool {
	for i := end + 1; i < len(b); i++ {
		switch b[i] {
		case ' ', '\t', '\r', '\n':
		default:
			return b[i] == ':'
		}
	}
	return false
}

// keyMatch reports whether the quoted JSON string q equals one of fields when case is folded
// but not exactly (variant), and the index of the field it equals exactly (exact, else -1). A
// key without escapes (every key of a real file) is compared in place, without a copy: this runs
// for every key of every object.
func keyMatch(q []byte, fields []string) (variant bool, exact int) {
	k := q[1 : len(q)-1]
	if bytes.IndexByte(k, '\\') >= 0 {
		var s string
		if json.Unmarshal(q, &s) != nil {
			return false, -1
		}
		k = []byte(s)
	}
	for i, f := range fields {
		if string(k) == f {
			return false, i
		}
		if bytes.EqualFold(k, []byte(f)) {
			variant = true
		}
	}
	return variant, -1
}
