package coco

import (
	"encoding/json"
	"math"
	"reflect"
	"strconv"
)

// intNumber is a JSON number that holds an integer: 7, or 7.0 or 7e0 as numpy pipelines write
// ids (Python's json reads those as floats equal to the integers, which pycocotools' dicts then
// find). A number with a fraction, or outside int64, is refused with a *json.UnmarshalTypeError
// (the decoder adds the field's name; jsonError words it); null leaves the value unchanged, as
// encoding/json does for numbers.
type intNumber int64

// UnmarshalJSON accepts an integral JSON number.
func (v *intNumber) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		return nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		*v = intNumber(n)
		return nil
	}
	if c := s[0]; c != '-' && (c < '0' || c > '9') {
		return &json.UnmarshalTypeError{Value: jsonKind(c), Type: reflect.TypeFor[int64]()}
	}
	// The decoder has checked the syntax: s is a JSON number.
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || f < -(1<<63) || f >= 1<<63 {
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
