package coco

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/shuffledet/shuffledet/internal/quote"
)

// jsonInput returns r buffered, or an error naming what the file is when it begins as no JSON
// text can: a UTF-8 byte order mark (which JSON and Python's json.load refuse; some Windows
// editors write one), UTF-16 text (a UTF-16 byte order mark, or a JSON text's first character
// beside a zero byte), gzip's magic number (a .json.gz not unpacked), a zero byte in its first 512
// (a binary file), or nothing (an empty file).
func jsonInput(r io.Reader, name string) (*bufio.Reader, error) {
	if f, ok := r.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.IsDir() {
			return nil, &FileError{Path: name, Offset: -1, Msg: "is a directory, not a JSON file"}
		}
	}
	br := bufio.NewReaderSize(r, 1<<20)
	head, err := br.Peek(3)
	switch {
	case len(head) == 0 && err == io.EOF:
		return nil, &FileError{Path: name, Offset: -1, Msg: "is empty (0 bytes: a write or download that did not finish?)"}
	case bytes.HasPrefix(head, []byte{0xef, 0xbb, 0xbf}):
		return nil, &FileError{Path: name, Offset: 0, Msg: fmt.Sprintf("begins with a UTF-8 byte order mark, which JSON does not allow (remove it: sed -i '1s/^\\xEF\\xBB\\xBF//' %s)", quote.Name(name))}
	case bytes.HasPrefix(head, []byte{0xff, 0xfe}) || bytes.HasPrefix(head, []byte{0xfe, 0xff}):
		return nil, utf16Error(name, "UTF-16 text (its byte order mark says so)", "UTF-16")
	case len(head) >= 2 && head[1] == 0 && strings.IndexByte(jsonFirst, head[0]) >= 0:
		return nil, utf16Error(name, "UTF-16 text, little-endian ("+strconv.Quote(string(head[:1]))+" then a zero byte)", "UTF-16LE")
	case len(head) >= 2 && head[0] == 0 && strings.IndexByte(jsonFirst, head[1]) >= 0:
		return nil, utf16Error(name, "UTF-16 text, big-endian (a zero byte, then "+strconv.Quote(string(head[1:2]))+")", "UTF-16BE")
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		return nil, &FileError{Path: name, Offset: 0, Msg: fmt.Sprintf("is gzip-compressed: unpack it first (gunzip -k %s)", quote.Name(name))}
	}
	// A zero byte, which JSON text never holds, near the start: a binary file given for a JSON
	// one (a model, an image), which the checks after would call Latin-1 text to convert.
	start, _ := br.Peek(512)
	if at := bytes.IndexByte(start, 0); at >= 0 {
		return nil, &FileError{Path: name, Offset: int64(at), Msg: "is a binary file, not JSON text (a zero byte here): a model or an image given for a JSON file?"}
	}
	return br, nil
}

// jsonFirst holds the bytes a COCO JSON file starts with: blanks, then its object or list.
const jsonFirst = "{[ \t\r\n"

// utf16Error is jsonInput's error for a file of UTF-16 text (what, in the encoding iconv calls
// from), which JSON files are not: Windows tools write it, and read as bytes it is not UTF-8.
func utf16Error(name, what, from string) error {
	return &FileError{Path: name, Offset: 0, Msg: fmt.Sprintf("is %s, not UTF-8 as JSON files are (pycocotools' json.load refuses it too): "+
		"convert it (iconv -f %s -t UTF-8 %s > converted.json)", what, from, quote.Name(name))}
}

// FileError is an error in a JSON input file, with the position where it
// was found when it is known.
type FileError struct {
	Path   string // the file (or the name given to a reader)
	Line   int    // 1-based line, 0 when unknown
	Col    int    // 1-based column (in bytes), 0 when unknown
	Offset int64  // 0-based byte offset of the offending byte or value, -1 when unknown
	Msg    string
	Err    error // the underlying error, if any
}

// Error formats the error as "path:line:col: msg (byte N)", leaving out
// the parts that are not known.
func (e *FileError) Error() string {
	s := quote.Name(e.Path) + ": " + e.Msg
	if e.Line > 0 {
		s = fmt.Sprintf("%s:%d:%d: %s", quote.Name(e.Path), e.Line, e.Col, e.Msg)
	}
	if e.Offset >= 0 {
		s += fmt.Sprintf(" (byte %d)", e.Offset)
	}
	return s
}

// fileError returns a *FileError at byte offset off (-1: unknown) of the
// file at path, with its line and column when the file can be read.
func fileError(path string, off int64, msg string, err error) *FileError {
	line, col := lineCol(path, off)
	return &FileError{Path: path, Line: line, Col: col, Offset: off, Msg: msg, Err: err}
}

// Unwrap returns the underlying error.
func (e *FileError) Unwrap() error { return e.Err }

// lineCol returns the 1-based line and column of byte offset off in the
// file at path, or 0, 0 when the file cannot be read.
func lineCol(path string, off int64) (line, col int) {
	if off < 0 {
		return 0, 0
	}
	f := openAgain(path)
	if f == nil {
		return 0, 0
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<16)
	line, col = 1, 1
	buf := make([]byte, 1<<16)
	var pos int64
	for pos < off {
		n := int64(len(buf))
		if off-pos < n {
			n = off - pos
		}
		m, err := io.ReadFull(r, buf[:n])
		chunk := buf[:m]
		if nl := bytes.Count(chunk, []byte{'\n'}); nl > 0 {
			line += nl
			col = m - bytes.LastIndexByte(chunk, '\n')
		} else {
			col += m
		}
		pos += int64(m)
		if err != nil {
			break
		}
	}
	return line, col
}

// openAgain opens the input file at path again, to find an error's position in it, or returns
// nil when it is not a regular file: a pipe's bytes were read once and are gone (opening a named
// pipe again would wait for a writer that never comes).
func openAgain(path string) *os.File {
	if path == "" {
		return nil
	}
	if st, err := os.Stat(path); err != nil || !st.Mode().IsRegular() {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	return f
}

// peekAt returns up to n bytes of the file at path starting at off.
func peekAt(path string, off int64, n int) []byte {
	if off < 0 {
		return nil
	}
	f := openAgain(path)
	if f == nil {
		return nil
	}
	defer f.Close()
	b := make([]byte, n)
	m, _ := f.ReadAt(b, off)
	return b[:m]
}

// jsonError converts a decoding error into a *FileError naming the file
// and, where possible, the line and column. elemOff is the byte offset of
// the value being decoded (used when err carries no offset of its own);
// what names that value ("annotation 12") for messages, may be empty.
func jsonError(path string, err error, elemOff int64, what string) error {
	var fe *FileError
	if errors.As(err, &fe) {
		return err
	}
	prefix := ""
	if what != "" {
		prefix = what + ": "
	}
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		// The stream decoder's offsets skip the bytes that Token
		// consumed, so the error is found again by validating the file
		// from its start.
		// Without the file (a reader), the value's start is the best
		// position known.
		off := valueStart(path, elemOff)
		if o, ok := syntaxOffset(path); ok {
			off = max(o-1, 0) // the offending byte
		}
		msg := se.Error()
		if w := wordInFile(path, off); w != "" { // the decoder saw the word's stand-in, a string
			msg = strings.Replace(msg, `character '"'`, w, 1)
		}
		return fileError(path, off, prefix+"invalid JSON: "+msg, err)
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		off := int64(-1)
		if st, err := os.Stat(path); err == nil && st.Mode().IsRegular() {
			off = st.Size()
		}
		return fileError(path, off, prefix+"invalid JSON: unexpected end of file (truncated?)", err)
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "value"
			if prefix != "" { // the value is the element named by what: "detection 0: want an object"
				field, prefix = strings.TrimSuffix(prefix, ": "), ""
			}
		}
		if slices.Contains(nonFiniteWords[:], te.Value) {
			// Python's word for a float that is not finite (pythonFloats), where the evaluation reads a number
			off := valueStart(path, elemOff)
			if te.Offset > 0 { // a float field's: te.Offset ends the word in the value
				off += te.Offset - int64(len(te.Value))
			}
			return fileError(path, off, fmt.Sprintf("%s%s: %s is not a finite number (Python's json writes it for such a float; the evaluation reads this field)", prefix, field, te.Value), err)
		}
		if k := te.Type.Kind(); (k == reflect.Int || k == reflect.Int64) && strings.HasPrefix(te.Value, "number ") {
			// an id with a fraction (7.5) or beyond int64 (see intNumber; an int's range where
			// categoryNumber refuses it), or the mark of a missing one
			v := strings.TrimPrefix(te.Value, "number ")
			f, _, perr := big.ParseFloat(v, 10, 256, big.ToNearestEven)
			if perr == nil && (f.Cmp(big.NewFloat(math.MinInt64)) == 0 || f.Cmp(big.NewFloat(AllCategories)) == 0) {
				return fileError(path, valueStart(path, elemOff), fmt.Sprintf("%s%s: %s is the smallest integer, which marks a missing id here: renumber it", prefix, field, v), err)
			}
			size, limit := 64, int64(math.MaxInt64)
			if k == reflect.Int {
				size, limit = strconv.IntSize, math.MaxInt // (32 bits on armv7 and 386)
			}
			if perr == nil && new(big.Float).Abs(f).Cmp(new(big.Float).SetInt64(limit)) > 0 { // (the smallest integer is the mark above)
				return fileError(path, valueStart(path, elemOff), fmt.Sprintf("%s%s: %s is out of range: an id here is a %d-bit integer, -%d to %d", prefix, field, v, size, limit, limit), err)
			}
			return fileError(path, valueStart(path, elemOff), fmt.Sprintf("%s%s: want an integer, got %s", prefix, field, v), err)
		}
		if k := te.Type.Kind(); (k == reflect.Float64 || k == reflect.Float32) && strings.HasPrefix(te.Value, "number ") {
			return fileError(path, valueStart(path, elemOff), fmt.Sprintf("%s%s: %s is beyond a float64's range", prefix, field, te.Value), err)
		}
		return fileError(path, valueStart(path, elemOff), fmt.Sprintf("%s%s: want %s, got JSON %s", prefix, field, typeWanted(te.Type), te.Value), err)
	default:
		return fileError(path, valueStart(path, elemOff), prefix+err.Error(), err)
	}
}

// typeWanted names the JSON value that decodes into t, for errors: "an object" where
// encoding/json would name a Go type (coco.plain).
func typeWanted(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	}
	return t.String()
}

// syntaxOffset validates the JSON file at path from its start and returns
// the offset just past the byte of its first syntax error.
func syntaxOffset(path string) (int64, bool) {
	f := openAgain(path)
	if f == nil {
		return 0, false
	}
	defer f.Close()
	dec := json.NewDecoder(newPythonFloats(bufio.NewReaderSize(f, 1<<20), path))
	var s skip
	var se *json.SyntaxError
	if err := dec.Decode(&s); errors.As(err, &se) {
		return se.Offset, true
	}
	return 0, false
}

// valueStart returns the offset of the first byte at or after off that is
// neither white space nor a comma nor a colon: where the next value starts.
func valueStart(path string, off int64) int64 {
	w := peekAt(path, off, 256)
	for i, c := range w {
		switch c {
		case ' ', '\t', '\r', '\n', ',', ':':
		default:
			return off + int64(i)
		}
	}
	return off
}

// atError returns a *FileError at the value that starts at or after byte
// offset off of the file at path.
func atError(path string, off int64, format string, args ...any) error {
	return fileError(path, valueStart(path, off), fmt.Sprintf(format, args...), nil)
}

// expectDelim reads the next token and checks that it is the delimiter d.
func expectDelim(dec *json.Decoder, d json.Delim, path, what string) error {
	off := dec.InputOffset()
	tok, err := dec.Token()
	if err != nil {
		return jsonError(path, err, off, what)
	}
	if got, ok := tok.(json.Delim); !ok || got != d {
		found := describeToken(tok)
		if _, isString := tok.(string); isString { // a word's stand-in is a string to the decoder
			if w := wordInFile(path, valueStart(path, off)); w != "" {
				found = w
			}
		}
		return atError(path, off, "%s: expected %q, found %v", what, string(d), found)
	}
	return nil
}

// expectEnd checks that only white space follows the document's value,
// which what names in the error: Python's json.load refuses anything else
// ("Extra data").
func expectEnd(dec *json.Decoder, path, what string) error {
	off := dec.InputOffset()
	tok, err := dec.Token()
	switch {
	case err == io.EOF:
		return nil
	case err != nil:
		return jsonError(path, err, off, "")
	}
	return atError(path, off, "unexpected %s after %s (only white space may follow it)", describeToken(tok), what)
}

func describeToken(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		return fmt.Sprintf("%q", string(v))
	case string:
		return fmt.Sprintf("string %q", v)
	case nil:
		return "null"
	default:
		return fmt.Sprintf("%v", v)
	}
}

// skipValue consumes and discards one JSON value without keeping it.
func skipValue(dec *json.Decoder) error {
	var s skip
	return dec.Decode(&s)
}

// skip is a JSON value that is parsed and thrown away.
type skip struct{}

// UnmarshalJSON discards the value.
func (*skip) UnmarshalJSON([]byte) error { return nil }
