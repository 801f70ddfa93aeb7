package coco

import (
	"bufio"
	"bytes"
	"fmt"
	"unicode/utf8"
)

// Python's json writes NaN, Infinity and -Infinity for floats that are not finite, and reads
// them back. pycocotools loads its files with it, so a file with them in fields the evaluation
// never reads (a polygon, an "info" block, an extra key) evaluates there; JSON has no such
// numbers, and encoding/json stops at them. pythonFloats rewrites each of them outside strings
// as a JSON string of the same length (every offset in an error stays the file's) made of
// bytes 0xFF. A field that is not read skips it; the decoding forms of the fields that are read
// recognise it (nonFiniteWord) and name it in their error. So that nothing else looks like a
// stand-in, the file must be UTF-8 (which never holds the byte 0xFF), as pycocotools' json.load
// reads it: the first byte that is not is refused (utf8Stream).

// nonFiniteWords are Python's spellings, longest first (see nonFiniteSuffix).
var nonFiniteWords = [...]string{"-Infinity", "Infinity", "NaN"}

// wordOrQuote marks the bytes that start a string or one of nonFiniteWords.
var wordOrQuote = [256]bool{'"': true, 'N': true, 'I': true, '-': true}

// pythonFloats reads r, the file called name, with every NaN, Infinity and -Infinity outside
// a string rewritten as its stand-in (standIn).
type pythonFloats struct {
	r        *bufio.Reader
	name     string
	off      int64  // the offset in the file of the next byte Read delivers from r
	inString bool   // inside a string of the text read so far
	escaped  bool   // just after a backslash inside a string
	word     int64  // the offset of the last word rewritten while only white space has followed it, else -1
	pending  []byte // the rest of a stand-in that the last Read's buffer could not hold
	text     utf8Stream
	err      error // what stopped the text (every Read after it returns it: json.Decoder reads again after an error)
}

// newPythonFloats returns r, the file called name, read through the rewrite.
func newPythonFloats(r *bufio.Reader, name string) *pythonFloats {
	return &pythonFloats{r: r, name: name, word: -1}
}

// Read copies the next bytes of r into p, rewritten.
func (t *pythonFloats) Read(p []byte) (int, error) {
	if t.err != nil {
		return 0, t.err
	}
	if len(t.pending) > 0 {
		n := copy(p, t.pending)
		t.pending = t.pending[n:]
		return n, nil
	}
	if len(p) == 0 {
		return 0, nil
	}
	if t.r.Buffered() == 0 {
		if _, err := t.r.Peek(1); err != nil {
			return 0, err
		}
	}
	head, _ := t.r.Peek(min(len(p), t.r.Buffered()))
	n := copy(p, head)
	for i := 0; i < n; i++ {
		if t.inString {
			i = t.scanString(p[:n], i)
			continue
		}
		if t.word >= 0 { // a word used as a key (a stand-in, a string, would pass as one)
			if i = skipSpace(p[:n], i); i == n {
				break
			}
			if p[i] == ':' {
				t.err = fileError(t.name, t.word, "invalid JSON: an object key must be a string in double quotes, not a number (Python's json refuses it too)", nil)
				return t.deliver(int(t.word - t.off))
			}
			t.word = -1
		}
		for i < n && !wordOrQuote[p[i]] {
			i++
		}
		if i == n {
			break
		}
		if p[i] == '"' {
			t.inString = true
			continue
		}
		if i > 0 && i+len(nonFiniteWords[0]) > t.r.Size() {
			n = i // too near the end of r's buffer to look ahead: from here next time
			break
		}
		word := t.wordAt(i)
		switch {
		case word == "":
		case i+len(word) <= n:
			copy(p[i:], standIn(len(word)))
			t.word = t.off + int64(i)
			i += len(word) - 1
		case i > 0:
			n = i // the word next time, whole
		default: // p is shorter than the word
			s := standIn(len(word))
			n = copy(p, s)
			t.pending = s[n:]
			t.word = t.off
			_, err := t.r.Discard(len(word))
			t.off += int64(len(word))
			return n, err
		}
	}
	return t.deliver(n)
}

// deliver consumes the n bytes of r that Read has copied (rewritten) to its buffer, and returns
// them, or, when there are none, the error that stopped the text. Where they are not UTF-8,
// it delivers those before the first byte that is not, and that is the error.
func (t *pythonFloats) deliver(n int) (int, error) {
	if n <= 0 {
		return 0, t.err
	}
	raw, _ := t.r.Peek(n)
	var notUTF8 error
	if bad := t.text.check(raw); bad < n {
		notUTF8, n = t.notUTF8(t.off+int64(bad), t.text.at(raw, bad), false), bad
	} else if c := t.text.carried; c > 0 && c <= n { // n ends inside a sequence it starts: see it whole
		start := n - c
		ahead, err := t.r.Peek(start + utf8.UTFMax)
		seq := ahead[start:]
		switch r, size := utf8.DecodeRune(seq); {
		case !utf8.FullRune(seq) && err != bufio.ErrBufferFull:
			notUTF8, n = t.notUTF8(t.off+int64(start), seq[0], true), start
		case r == utf8.RuneError && size == 1 && utf8.FullRune(seq):
			notUTF8, n = t.notUTF8(t.off+int64(start), seq[0], false), start
		case start > 0: // UTF-8, or past what r's buffer holds now: read whole next time
			n, t.text.carried = start, 0
		} // (else p is shorter than the sequence, which is UTF-8: the rest next time, seen)
	}
	if notUTF8 != nil {
		t.err = notUTF8 // (the decoder never sees the bytes of a sequence that is not UTF-8)
		if n <= 0 {
			return 0, t.err
		}
	}
	_, err := t.r.Discard(n)
	t.off += int64(n)
	return n, err
}

// notUTF8 returns the error for the file's byte c at off, which is not UTF-8 (where the file
// ends inside the sequence c starts, atEnd).
func (t *pythonFloats) notUTF8(off int64, c byte, atEnd bool) error {
	if atEnd {
		return fileError(t.name, off, "ends inside a UTF-8 sequence (truncated?)", nil)
	}
	return fileError(t.name, off, fmt.Sprintf("has the byte 0x%02X here, which is not UTF-8 text "+
		"(pycocotools' json.load refuses the file too): Latin-1? Convert it (iconv -f LATIN1 -t UTF-8)", c), nil)
}

// scanString returns the index in b of the quote that ends the string b[i:] is inside, updating
// the state (len(b)-1 when the string goes on past b). Escapes are skipped; the searches are
// bytes.IndexByte's, which are vectorized (many of a COCO file's bytes are in strings: RLE
// counts).
func (t *pythonFloats) scanString(b []byte, i int) int {
	for i < len(b) {
		if t.escaped {
			t.escaped = false
			i++
			continue
		}
		rest := b[i:]
		q := bytes.IndexByte(rest, '"')
		if q >= 0 {
			rest = rest[:q] // (to an escaped quote, maybe: still inside the string)
		}
		if e := bytes.IndexByte(rest, '\\'); e >= 0 {
			i += e + 1
			t.escaped = true
			continue
		}
		if q < 0 {
			break
		}
		t.inString = false
		return i + q
	}
	return len(b) - 1
}

// utf8Stream checks that text arriving in pieces is UTF-8, a sequence cut by the end of a
// piece carried to the next.
type utf8Stream struct {
	carry   [utf8.UTFMax]byte // the start of a sequence that the last piece ended inside
	carried int               // how many bytes of carry are used
}

// at returns the byte at index i of b, a piece given to check, or of the carry before it
// where i is negative.
func (u *utf8Stream) at(b []byte, i int) byte {
	if i < 0 {
		return u.carry[u.carried+i]
	}
	return b[i]
}

// check returns the index in b of the first byte that, after what came before, is not UTF-8
// (negative where the sequence that is not began in an earlier piece), or len(b) when all is.
func (u *utf8Stream) check(b []byte) int {
	i := 0
	if u.carried > 0 {
		var seq [2 * utf8.UTFMax]byte
		k := copy(seq[:], u.carry[:u.carried])
		k += copy(seq[k:k+utf8.UTFMax-u.carried], b)
		if !utf8.FullRune(seq[:k]) { // b is shorter than the rest of the sequence
			u.carried = copy(u.carry[:], seq[:k])
			return len(b)
		}
		r, size := utf8.DecodeRune(seq[:k])
		if r == utf8.RuneError && size == 1 {
			return -u.carried
		}
		i, u.carried = size-u.carried, 0
	}
	cut := len(b) // where a sequence that b ends inside starts
	for j := len(b) - 1; j >= i && j >= len(b)-utf8.UTFMax+1; j-- {
		if !utf8.RuneStart(b[j]) {
			continue
		}
		if !utf8.FullRune(b[j:]) {
			cut = j
		}
		break
	}
	if utf8.Valid(b[i:cut]) {
		u.carried = copy(u.carry[:], b[cut:])
		return len(b)
	}
	for i < cut {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:cut])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return cut // (not reached: b[:cut] is not UTF-8)
}

// wordAt returns the word of nonFiniteWords that the unread text holds at i, or "".
func (t *pythonFloats) wordAt(i int) string {
	for _, w := range nonFiniteWords {
		if ahead, _ := t.r.Peek(i + len(w)); len(ahead) == i+len(w) && string(ahead[i:]) == w {
			return w
		}
	}
	return ""
}

// standIn returns the JSON string of n bytes that stands for a word of n bytes.
func standIn(n int) []byte {
	s := bytes.Repeat([]byte{0xff}, n)
	s[0], s[n-1] = '"', '"'
	return s
}

// nonFiniteWord returns the word that b, a JSON value read through pythonFloats, stands in
// for, or "".
func nonFiniteWord(b []byte) string {
	if len(b) < 3 || b[0] != '"' || b[len(b)-1] != '"' {
		return ""
	}
	for _, c := range b[1 : len(b)-1] {
		if c != 0xff {
			return ""
		}
	}
	for _, w := range nonFiniteWords {
		if len(w) == len(b) {
			return w
		}
	}
	return ""
}

// jsonText returns b, a JSON value read through pythonFloats, as the file spells it: the word a
// stand-in stands for, else b itself.
func jsonText(b []byte) string {
	if w := nonFiniteWord(b); w != "" {
		return w
	}
	return string(b)
}

// wordInFile returns the word of nonFiniteWords that the file at path holds at byte off, or "".
func wordInFile(path string, off int64) string {
	for _, w := range nonFiniteWords {
		if bytes.Equal(peekAt(path, off, len(w)), []byte(w)) {
			return w
		}
	}
	return ""
}

// nonFiniteSuffix returns the word whose stand-in b, JSON text read through pythonFloats,
// ends with, or "".
func nonFiniteSuffix(b []byte) string {
	for _, w := range nonFiniteWords {
		if len(b) >= len(w) && nonFiniteWord(b[len(b)-len(w):]) != "" {
			return w
		}
	}
	return ""
}
