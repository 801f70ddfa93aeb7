package coco

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"
)

// TestPythonFloatsRewrite: NaN, Infinity and -Infinity outside strings become stand-ins of
// their length, whatever sizes the reads come in; inside strings (escaped quotes too) and in
// other words nothing changes.
func TestPythonFloatsRewrite(t *testing.T) {
	in := `[NaN,Infinity,-Infinity,-1,{"NaN":"a\"NaN\\","k":[NaN]},"Infinity",Na,Inf,-In]`
	ff := func(n int) string { return string(standIn(n)) }
	want := `[` + ff(3) + `,` + ff(8) + `,` + ff(9) + `,-1,{"NaN":"a\"NaN\\","k":[` + ff(3) + `]},"Infinity",Na,Inf,-In]`
	for size := 1; size <= len(in)+1; size++ {
		for _, oneByte := range []bool{false, true} {
			var src io.Reader = strings.NewReader(in)
			if oneByte {
				src = iotest.OneByteReader(src)
			}
			r := newPythonFloats(bufio.NewReaderSize(src, 16), "in.json")
			var got bytes.Buffer
			buf := make([]byte, size)
			for {
				n, err := r.Read(buf)
				got.Write(buf[:n])
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("reads of %d: %v", size, err)
				}
			}
			if got.String() != want {
				t.Fatalf("reads of %d (one byte underneath: %v):\n got %q\nwant %q", size, oneByte, got.String(), want)
			}
		}
	}
	// A word across the end of the reader's buffer (16 bytes, the least bufio allows) is read
	// whole.
	for pad := 0; pad < 20; pad++ {
		in := "[" + strings.Repeat(" ", pad) + "-Infinity]"
		got, err := io.ReadAll(newPythonFloats(bufio.NewReaderSize(strings.NewReader(in), 16), "in.json"))
		if want := "[" + strings.Repeat(" ", pad) + ff(9) + "]"; err != nil || string(got) != want {
			t.Fatalf("pad %d: %q, %v; want %q", pad, got, err, want)
		}
	}
}

// TestPythonFloatsSkipped: the golden problem with Python's words where pycocotools never reads
// them (an info block, a polygon, an extra key of every detection; a file name that spells one)
// evaluates to pycocotools' 12 numbers on the unchanged files (which it gives on these too).
func TestPythonFloatsSkipped(t *testing.T) {
	dir, exp := golden(t)
	var gt map[string]any
	readJSON(t, filepath.Join(dir, exp.GT), &gt)
	// Placeholders, spelled as Python writes the words once the files are written (writePython).
	gt["info"] = map[string]any{"mean": "@NaN@", "range": []any{"@-Infinity@", "@Infinity@"}}
	polygons := 0
	for _, a := range gt["annotations"].([]any) {
		a := a.(map[string]any)
		if seg, ok := a["segmentation"].([]any); ok && len(seg) > 0 {
			a["segmentation"] = []any{[]any{"@NaN@", 1, 2, "@Infinity@", "@-Infinity@", 3}}
			polygons++
		}
	}
	if polygons == 0 {
		t.Fatal("no polygon to put NaN in")
	}
	gt["images"].([]any)[0].(map[string]any)["file_name"] = "NaN"
	var dts []map[string]any
	readJSON(t, filepath.Join(dir, exp.DT), &dts)
	for _, d := range dts {
		d["spread"] = "@NaN@"
	}
	gtPath, dtPath := writePython(t, "gt.json", gt), writePython(t, "dt.json", dts)
	if b, _ := os.ReadFile(dtPath); !bytes.Contains(b, []byte(`"spread":NaN`)) {
		t.Fatalf("the results file has no NaN: %.200s", b)
	}
	e := evalFiles(t, gtPath, dtPath)
	checkStats(t, e.Stats, exp.Stats, 0)
}

// TestPythonFloatsLoose: Python's words where a string is read but not evaluated (a file name,
// a category's names) are numbers, which read as "" there, as 7 does; width and height as 0.
func TestPythonFloatsLoose(t *testing.T) {
	d, err := LoadDataset(writeFile(t, "gt.json", `{"images": [{"id": 1, "file_name": NaN, "width": Infinity, "height": -Infinity}, `+
		`{"id": 2, "file_name": 7}], "categories": [{"id": 1, "name": -Infinity, "supercategory": NaN}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if im := d.Images[0]; im.FileName != "" || im.Width != 0 || im.Height != 0 || d.Images[1].FileName != "" {
		t.Errorf("images %+v, want no file names, width and height 0", d.Images)
	}
	if c := d.Categories[0]; c.Name != "" || c.Supercategory != "" {
		t.Errorf("category %+v, want no names", c)
	}
}

// TestPythonFloatsRead: a NaN or infinite number where the evaluation reads a number is an
// error naming the file, the entry, the field, the word and (for a box, area or score) its byte.
func TestPythonFloatsRead(t *testing.T) {
	gt, err := LoadDataset(writeFile(t, "gt.json", tinyGT))
	if err != nil {
		t.Fatal(err)
	}
	ann := func(field string) string {
		a := map[string]string{"id": "1", "image_id": "1", "category_id": "1", "bbox": "[1, 2, 3, 4]", "area": "12", "iscrowd": "0"}
		for k, v := range map[string]string{"id": "NaN", "image_id": "Infinity", "category_id": "-Infinity", "bbox": "[1, NaN, 3, 4]", "area": "Infinity", "iscrowd": "NaN"} {
			if k == field {
				a[k] = v
			}
		}
		var s []string
		for _, k := range []string{"id", "image_id", "category_id", "bbox", "area", "iscrowd"} {
			s = append(s, `"`+k+`": `+a[k])
		}
		return `{"images": [{"id": 1}], "categories": [{"id": 1}], "annotations": [{` + strings.Join(s, ", ") + `}]}`
	}
	det := `[{"image_id": 7, "category_id": 1, "bbox": [1, 2, 3, 4], "score": 0.5}]`
	for _, c := range []struct {
		name, content string
		results       bool
		want          string
		at            string // the text at the byte the error names (the first of it in content)
	}{
		{"annotation id", ann("id"), false, "annotations[0]: id: NaN is not a finite number", "NaN"},
		{"annotation image_id", ann("image_id"), false, "annotations[0]: image_id: Infinity is not a finite number", "Infinity"},
		{"annotation category_id", ann("category_id"), false, "annotations[0]: category_id: -Infinity is not a finite number", "-Infinity"},
		{"annotation bbox", ann("bbox"), false, "annotations[0]: bbox: NaN is not a finite number", "NaN"},
		{"annotation area", ann("area"), false, "annotations[0]: area: Infinity is not a finite number", "Infinity"},
		{"annotation iscrowd", ann("iscrowd"), false, "annotations[0]: iscrowd: NaN is not a finite number", "NaN"},
		{"image id", `{"images": [{"id": NaN}], "categories": []}`, false, "images[0]: id: NaN is not a finite number", "NaN"},
		{"category id", `{"images": [], "categories": [{"id": Infinity}]}`, false, "categories[0]: id: Infinity is not a finite number", "Infinity"},
		{"result image_id", strings.Replace(det, "7", "NaN", 1), true, "detection 0: image_id: NaN is not a finite number", "NaN"},
		{"result category_id", strings.Replace(det, `"category_id": 1`, `"category_id": Infinity`, 1), true, "detection 0: category_id: Infinity is not a finite number", "Infinity"},
		{"result bbox", strings.Replace(det, "[1, 2", "[1, -Infinity", 1), true, "detection 0: bbox: -Infinity is not a finite number", "-Infinity"},
		{"result score", strings.Replace(det, "0.5", "NaN", 1), true, "detection 0: score: NaN is not a finite number", "NaN"},
		// A file that is not UTF-8 is refused at its first byte that is not (Python's json.load
		// reads UTF-8: pycocotools refuses it too), in any field, however far in (the decoder reads
		// again after the reader's error: it must stay). Else "\xff" in a score would read as NaN.
		{"latin-1 score", strings.Replace(det, "0.5", "\"\xff\"", 1), true, "has the byte 0xFF here, which is not UTF-8", "\xff"},
		{"latin-1 file name", "{\"images\": [{\"id\": 1, \"file_name\": \"caf\xe9-\xff.jpg\"}], \"categories\": []}", false, "byte 0xE9 here, which is not UTF-8 text", "\xe9"},
		{"latin-1 category after 512 bytes", `{"images": [{"id": 1, "file_name": "` + strings.Repeat("x", 474) + "\"}], \"categories\": [{\"id\": 1, \"name\": \"caf\xe9\"}]}", false, "Convert it (iconv -f LATIN1 -t UTF-8)", "\xe9"},
		{"latin-1 after a word", "[{\"image_id\": 7, \"category_id\": 1, \"bbox\": [1, 2, 3, 4], \"score\": 0.5, \"x\": NaN\xe9}]", true, "byte 0xE9 here", "\xe9"},
		{"surrogate", "{\"images\": [], \"categories\": [{\"id\": 1, \"name\": \"\xed\xa0\x80\"}]}", false, "byte 0xED here", "\xed"},
		{"overlong", "{\"images\": [], \"categories\": [{\"id\": 1, \"name\": \"\xc0\xaf\"}]}", false, "byte 0xC0 here", "\xc0"},
		{"cut short", "{\"images\": [], \"categories\": [{\"id\": 1, \"name\": \"\xe2\x82\"}]}", false, "byte 0xE2 here", "\xe2\x82\""},
		{"cut short at the end", "[]\n\xf0\x9f\x98", true, "ends inside a UTF-8 sequence (truncated?)", "\xf0"},
		{"outside a string", "{\"images\": [] \xa0, \"categories\": []}", false, "byte 0xA0 here", "\xa0"},
		// A word as a key: Python's json refuses it (a stand-in, a string, would pass as one).
		{"word as a key", `{"images": [], "categories": [], "info": {NaN : 1}}`, false, "an object key must be a string in double quotes", "NaN"},
		{"word as a key, far in", `{"images": [], "categories": [], "info": {"a": "` + strings.Repeat("y", 600) + `", Infinity:1}}`, false, "an object key must be a string", "Infinity"},
		// Where a list or object is wanted, the word is named, not its stand-in's string.
		{"a word for the detections", "\n NaN", true, `expected "[", found NaN`, "NaN"},
		{"a word for the images", `{"images": -Infinity, "categories": []}`, false, `images: expected "[", found -Infinity`, "-Infinity"},
		// A syntax error at a word names the word, not its stand-in's quote.
		{"word after a word", `{"images": [], "categories": [], "info": [1, NaN NaN]}`, false, "invalid JSON: invalid NaN after array element", "NaN]"},
	} {
		path := writeFile(t, strings.ReplaceAll(c.name, " ", "-")+".json", c.content)
		var err error
		if c.results {
			_, err = LoadResults(path, gt)
		} else {
			_, err = LoadDataset(path)
		}
		if err == nil || !strings.Contains(err.Error(), path+":") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error naming %s and saying %q", c.name, err, path, c.want)
			continue
		}
		var fe *FileError
		if at := strings.Index(c.content, c.at); !errors.As(err, &fe) || fe.Offset != int64(at) {
			t.Errorf("%s: %v, want byte %d", c.name, err, at)
		}
	}
}

// writePython writes v as JSON to a file called name in a temporary folder, with the strings
// "@NaN@", "@Infinity@" and "@-Infinity@" as Python's json writes those floats, and returns its
// path.
func writePython(t *testing.T, name string, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range nonFiniteWords {
		b = bytes.ReplaceAll(b, []byte(`"@`+w+`@"`), []byte(w))
	}
	return writeFile(t, name, string(b))
}

// FuzzPythonFloats: whatever the text and however it is read (small buffers, one byte at a
// time underneath), the rewrite is the same, of the same length, and changes only what stands
// for Python's words.
func FuzzPythonFloats(f *testing.F) {
	for _, s := range []string{`[NaN, "NaN\"", -Infinity]`, `{"a": Infinity}`, `"\\\\"NaN`, `-In NaN-Infinity`} {
		f.Add([]byte(s), uint8(3))
	}
	f.Fuzz(func(t *testing.T, in []byte, size uint8) {
		whole, werr := io.ReadAll(newPythonFloats(bufio.NewReaderSize(bytes.NewReader(in), 1<<16), "in.json"))
		if werr != nil {
			var fe *FileError
			bad := firstNotUTF8(in)
			if !errors.As(werr, &fe) || !(fe.Offset == int64(bad) && strings.Contains(fe.Msg, "UTF-8") ||
				fe.Offset < int64(bad) && strings.Contains(fe.Msg, "object key") && wordAtStart(in[fe.Offset:])) {
				t.Fatalf("%q: %v, want an error at byte %d, the first that is not UTF-8, or at a word used as a key before it", in, werr, bad)
			}
		} else if len(whole) != len(in) || !utf8.Valid(in) {
			t.Fatalf("%q: %q", in, whole)
		}
		for i := range whole { // (all of in, but the bytes from an error's on)
			if whole[i] != in[i] && whole[i] != 0xff && whole[i] != '"' {
				t.Fatalf("%q: byte %d became %q", in, i, whole[i])
			}
		}
		r := newPythonFloats(bufio.NewReaderSize(iotest.OneByteReader(bytes.NewReader(in)), 16), "in.json")
		var got []byte
		buf := make([]byte, int(size)%24+1)
		for {
			n, err := r.Read(buf)
			got = append(got, buf[:n]...)
			if err == io.EOF {
				break
			}
			if err != nil {
				if werr == nil || err.Error() != werr.Error() {
					t.Fatalf("%q read %d bytes at a time: %v, whole: %v", in, len(buf), err, werr)
				}
				return
			}
		}
		if werr != nil {
			t.Fatalf("%q read %d bytes at a time: no error, whole: %v", in, len(buf), werr)
		}
		if !bytes.Equal(got, whole) {
			t.Fatalf("%q read %d bytes at a time: %q, whole: %q", in, len(buf), got, whole)
		}
	})
}

// firstNotUTF8 returns the index of the first byte of b that is not UTF-8, or len(b).
func firstNotUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return len(b)
}

// TestUTF8Stream: text cut into pieces anywhere is checked as a whole: the first byte that is
// not UTF-8 is found where it is, a sequence cut by a piece's end is carried over.
func TestUTF8Stream(t *testing.T) {
	texts := []string{"", "a", "é", "日本語", "😀x😀", "ab\xe9cd", "\xe2\x82", "\xe2\x82\xac\xe2", "x\xf0\x9f\x98\x80\xf0\x9f", "\xed\xa0\x80", "\xc0\xaf",
		"\xf4\x90\x80\x80", "\xef\xbf\xbd\xff", "aé\x80", strings.Repeat("€", 9) + "\xe2\x28\xa1"}
	for _, text := range texts {
		b := []byte(text)
		want := firstNotUTF8(b)
		if want == len(b) && !utf8.Valid(b) {
			want = len(b) - len(b[firstRuneCutShort(b):]) // (only a sequence cut short at the end)
		}
		for size := 1; size <= len(b)+1; size++ {
			var u utf8Stream
			got := len(b)
			for off := 0; off < len(b); off += size {
				piece := b[off:min(off+size, len(b))]
				if bad := u.check(piece); bad != len(piece) {
					got = off + bad
					break
				}
			}
			if got == len(b) && u.carried > 0 {
				got = len(b) - u.carried
			}
			if got != want {
				t.Errorf("%q in pieces of %d: first byte not UTF-8 %d, want %d", text, size, got, want)
			}
		}
	}
}

// firstRuneCutShort returns where the sequence that b ends inside starts, or len(b).
func firstRuneCutShort(b []byte) int {
	for i := max(len(b)-utf8.UTFMax+1, 0); i < len(b); i++ {
		if utf8.RuneStart(b[i]) && !utf8.FullRune(b[i:]) {
			return i
		}
	}
	return len(b)
}

// wordAtStart reports whether b begins with one of Python's words.
func wordAtStart(b []byte) bool {
	for _, w := range nonFiniteWords {
		if bytes.HasPrefix(b, []byte(w)) {
			return true
		}
	}
	return false
}

// BenchmarkPythonFloats reads the golden ground truth (polygons, mostly numbers) through the
// rewrite; BenchmarkPythonFloats/plain reads it through bufio alone, what the rewrite adds to.
func BenchmarkPythonFloats(b *testing.B) {
	dir := filepath.Join(sharedData, "cocoeval-golden")
	text, err := os.ReadFile(filepath.Join(dir, "instances_val2014_100.json"))
	if err != nil {
		b.Skip(err)
	}
	for _, c := range []struct {
		name string
		wrap func(*bufio.Reader) io.Reader
	}{
		{"rewritten", func(r *bufio.Reader) io.Reader { return newPythonFloats(r, "golden.json") }},
		{"plain", func(r *bufio.Reader) io.Reader { return r }},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			buf := make([]byte, 64<<10)
			for b.Loop() {
				r := c.wrap(bufio.NewReaderSize(bytes.NewReader(text), 1<<20))
				for {
					if _, err := r.Read(buf); err != nil {
						break
					}
				}
			}
		})
	}
}
