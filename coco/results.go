package coco

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/shuffledet/shuffledet/internal/outpath"
	"github.com/shuffledet/shuffledet/internal/plural"
	"github.com/shuffledet/shuffledet/internal/quote"
)

// Result is one detection in the COCO results format. Against a dataset whose image ids are
// strings, ImageID is the string's rank (see Dataset.ImageKey).
type Result struct {
	ImageID    int64      `json:"image_id"`
	CategoryID int        `json:"category_id"`
	BBox       [4]float64 `json:"bbox"` // x, y, w, h in original image pixels
	Score      float64    `json:"score"`

	// maskArea is the area of a result read from a segmentation (fromMask), which the area
	// ranges compare in place of w*h, as pycocotools' loadRes sets it: 32 bits, as maskApi.c
	// counts it, so that a Result stays 64 bytes (results files hold millions).
	maskArea uint32
	fromMask bool
}

// detectionName names detection i of a results file in errors.
type detectionName int

// String returns "detection i".
func (i detectionName) String() string { return "detection " + strconv.Itoa(int(i)) }

// rangeArea is the area the area ranges compare: w*h, or a mask's area.
func (r *Result) rangeArea() float64 {
	if r.fromMask {
		return float64(r.maskArea)
	}
	return float64(r.BBox[2] * r.BBox[3])
}

// resJSON is the decoding form of a result (extra fields are skipped). Ids
// may be written as floats with no fraction, as numpy pipelines write
// them (see intNumber).
type resJSON struct {
	ImageID      imageIDValue    `json:"image_id"`
	CategoryID   categoryNumber  `json:"category_id"`
	BBox         []float64       `json:"bbox"`
	Score        float64         `json:"score"`
	Caption      json.RawMessage `json:"caption"`      // only whether there is one: see DecodeResults
	Segmentation json.RawMessage `json:"segmentation"` // read where no result has a bbox (DecodeResults)
	bboxKey      bool            // the object has a "bbox" key (null and [] too)
	scoreInt     string          // the score as written, where it is an integer of magnitude 2^53 or more (bigIntScore)
}

// bigIntScore returns tok, a JSON number whose float64 is v, where it is an integer of magnitude
// 2^53 or more ("" otherwise): Python reads it as an int, which numpy sorts exactly, where a
// float64 may hold it and another such integer as one number (DecodeResults).
func bigIntScore(tok []byte, v float64) string {
	if math.Abs(v) < 1<<53 || writtenAsFloat(tok) {
		return ""
	}
	return string(tok)
}

// UnmarshalJSON decodes the object with its keys matched exactly (exactKeys). A flat result
// object, as results files hold them, is read in one pass (readFlat); anything else, and every
// error, goes through encoding/json.
func (r *resJSON) UnmarshalJSON(b []byte) error {
	saved := *r
	if r.readFlat(b) {
		return nil
	}
	*r = saved
	type plain resJSON
	r.bboxKey = hasKey(b, "bbox")
	b = exactKeys(b, "image_id", "category_id", "bbox", "score", "caption", "segmentation")
	if err := json.Unmarshal(b, (*plain)(r)); err != nil {
		return nameNonFinite(b, err)
	}
	r.scoreInt = ""
	if math.Abs(r.Score) >= 1<<53 { // (not NaN: the score is there) the exact "score" key's, the one that took its value
		eachTopKey(b, func(open, close int) bool {
			k := string(b[open+1 : close])
			if strings.IndexByte(k, '\\') >= 0 {
				json.Unmarshal(b[open:close+1], &k) // (a valid JSON string)
			}
			if k == "score" {
				tok, _ := numberAt(b, skipSpace(b, skipSpace(b, close+1)+1))
				r.scoreInt = bigIntScore(tok, r.Score)
			}
			return true
		})
	}
	return nil
}

// readFlat decodes b, a JSON value the decoder has validated, into r as encoding/json would
// after exactKeys, when b is an object whose image_id, category_id and score are numbers and
// whose bbox is an array of numbers, each within its type, and whose keys have no escapes (other
// keys may hold any value; they are skipped). It reports false, having changed r partly or not
// at all, for anything else.
func (r *resJSON) readFlat(b []byte) bool {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return true
	}
	for i < len(b) && b[i] == '"' {
		end := stringEnd(b, i)
		key := b[i+1 : end]
		if bytes.IndexByte(key, '\\') >= 0 {
			return false
		}
		i = skipSpace(b, end+1) + 1 // past the colon
		i = skipSpace(b, i)
		ok := true
		switch k := string(key); k {
		case "image_id", "category_id", "score":
			var tok []byte
			if tok, i = numberAt(b, i); tok == nil {
				return false
			}
			switch k {
			case "image_id":
				ok = r.ImageID.UnmarshalJSON(tok) == nil
			case "category_id":
				ok = r.CategoryID.UnmarshalJSON(tok) == nil
			default:
				r.Score, ok = parseFloat(tok)
				r.scoreInt = bigIntScore(tok, r.Score)
			}
		case "bbox":
			r.bboxKey = true
			i, ok = r.readBox(b, i)
		case "segmentation":
			end := valueEnd(b, i)
			r.Segmentation, i = append(r.Segmentation[:0], b[i:end]...), end
		case "caption":
			end := valueEnd(b, i)
			r.Caption, i = b[i:end], end
		default:
			i = valueEnd(b, i)
		}
		if !ok {
			return false
		}
		i = skipSpace(b, i)
		if i >= len(b) {
			return false
		}
		if b[i] == '}' {
			return true
		}
		i = skipSpace(b, i+1) // past the comma
	}
	return false
}

// readBox reads the array of numbers at b[i] into r.BBox as encoding/json fills a slice (an
// empty array makes a nil slice an empty one) and returns the index after it.
func (r *resJSON) readBox(b []byte, i int) (int, bool) {
	if i >= len(b) || b[i] != '[' {
		return i, false
	}
	r.BBox = r.BBox[:0]
	if r.BBox == nil {
		r.BBox = []float64{}
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return i + 1, true
	}
	for {
		tok, next := numberAt(b, i)
		if tok == nil {
			return i, false
		}
		v, ok := parseFloat(tok)
		if !ok {
			return i, false
		}
		r.BBox = append(r.BBox, v)
		i = skipSpace(b, next)
		if i >= len(b) {
			return i, false
		}
		if b[i] == ']' {
			return i + 1, true
		}
		i = skipSpace(b, i+1) // past the comma
	}
}

// parseFloat parses a JSON number token as encoding/json does for a float64 (false where it
// would give an error: out of range).
func parseFloat(tok []byte) (float64, bool) {
	v, err := strconv.ParseFloat(string(tok), 64)
	return v, err == nil
}

// numberAt returns the JSON number token at b[i] (nil if the value there is not a number) and
// the index after it.
func numberAt(b []byte, i int) ([]byte, int) {
	if i >= len(b) || (b[i] != '-' && (b[i] < '0' || b[i] > '9')) {
		return nil, i
	}
	j := i + 1
	for j < len(b) && (b[j] >= '0' && b[j] <= '9' || b[j] == '.' || b[j] == 'e' || b[j] == 'E' || b[j] == '+' || b[j] == '-') {
		j++
	}
	return b[i:j], j
}

// skipSpace returns the index of the first byte from i that is not JSON whitespace.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// valueEnd returns the index after the valid JSON value that starts at b[i].
func valueEnd(b []byte, i int) int {
	depth := 0
	for ; i < len(b); i++ {
		switch c := b[i]; c {
		case '"':
			i = stringEnd(b, i)
			if depth == 0 {
				return i + 1
			}
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return i // the enclosing object's end: a scalar ended here
			}
			if depth--; depth == 0 {
				return i + 1
			}
		case ',', ' ', '\t', '\n', '\r':
			if depth == 0 {
				return i
			}
		}
	}
	return i
}

// LoadResults reads a COCO results file as pycocotools' loadRes does:
// every detection is kept, whatever its category (one whose category is
// not in the ground truth never matches; see FindUnmatchable to count
// them) and whatever the signs of its width and height. Ids written as
// floats with no fraction (7.0, as numpy pipelines write them) are read as
// the integers, as Python's json and pycocotools' dicts take them; an id
// with a fraction is an error. Image ids are strings where gt's are (a string
// against numbers, or a number against strings, is an error). A NaN or infinite
// number in a field the evaluation reads (Python writes them; JSON has none:
// elsewhere they are skipped, as pycocotools skips them), malformed JSON, a
// detection without image_id, category_id, bbox or score, a score of
// two detections of a category whose scores are integers that differ and that
// a float64 holds as one number (beyond 2^53: pycocotools' numpy sorts
// scores written as integers exactly, and ranks 2^53+1 above 2^53, which a
// float64 ties), and, when gt is not nil, an
// image id that is not in gt (loadRes refuses those too) are errors that
// name the file, the line and column, the byte offset and the detection.
func LoadResults(path string, gt *Dataset) ([]Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, quote.Err(err)
	}
	defer f.Close()
	return DecodeResults(f, path, gt)
}

// DecodeResults reads a COCO results document from r; see LoadResults.
// name is used in error messages.
func DecodeResults(r io.Reader, name string, gt *Dataset) ([]Result, error) {
	br, err := jsonInput(r, name)
	if err != nil {
		return nil, err
	}
	if firstByte(br) == '{' {
		return nil, &FileError{Path: name, Offset: -1, Msg: `is a JSON object, and a results file is a list of detections ([{"image_id": 1, ` +
			`"category_id": 1, "bbox": [x, y, w, h], "score": 0.9}, ...]): the ground truth (-gt and -dt swapped?), ` +
			`or detect's JSON lines (cocoeval -model runs the detector and writes the results)`}
	}
	dec := json.NewDecoder(newPythonFloats(br, name))
	var out []Result
	var d resJSON
	masks := false // the first detection has a segmentation and no bbox: every box and area from its mask
	type tie struct {
		cat   int
		score float64
	}
	type written struct {
		text string
		i    int
	}
	bigInts := map[tie]written{} // a category's scores written as integers a float64 does not tell apart: the first of each
	err = decodeList(dec, name, "results (a list of detections)", func(i int, off int64) error {
		d.ImageID, d.CategoryID, d.Score, d.scoreInt = missingImageID, AllCategories, math.NaN(), ""
		d.BBox, d.Caption, d.Segmentation, d.bboxKey = nullsAsNaN(d.BBox), nil, d.Segmentation[:0], false
		what := detectionName(i) // (formatted only for an error)
		if err := dec.Decode(&d); err != nil {
			return jsonError(name, err, off, what.String())
		}
		if i == 0 && d.Caption != nil {
			// pycocotools' loadRes would read the whole file as caption results: each
			// detection's area from the file (w*h otherwise), none for a detection without one
			return atError(name, off, "%s: has a caption, which makes pycocotools read the file as caption results, not bbox ones", what)
		}
		if i == 0 {
			masks = len(d.BBox) == 0 && len(d.Segmentation) > 0
		}
		var mask rle
		if masks {
			// pycocotools' loadRes: the box from the mask where the detection has none (a bbox
			// key of any value is kept as the box), the area from the mask always.
			if len(d.Segmentation) == 0 {
				return atError(name, off, "%s: no segmentation (detection 0 has one and no bbox, so every detection's box and area are read from its mask, as pycocotools reads them)", what)
			}
			var err error
			if mask, err = parseRLE(d.Segmentation); err != nil {
				return atError(name, off, "%s: %v", what, err)
			}
			if !d.bboxKey {
				b := mask.box()
				d.BBox = append(d.BBox[:0], b[:]...)
			}
		}
		switch {
		case d.ImageID.absent():
			return atError(name, off, "%s: no image_id", what)
		case d.CategoryID == AllCategories:
			return atError(name, off, "%s: no category_id", what)
		case len(d.BBox) != 4:
			switch {
			case !d.bboxKey && i == 0:
				return atError(name, off, "%s: no bbox, and no segmentation to read one from", what)
			case !d.bboxKey: // (boxes: with masks a missing key takes the mask's box)
				return atError(name, off, "%s: no bbox (detection 0 has one, so every detection's box is read from the file, as pycocotools reads them)", what)
			}
			return atError(name, off, "%s: %s", what, bboxShape(d.BBox))
		case slices.ContainsFunc(d.BBox, math.IsNaN):
			return atError(name, off, "%s: bbox: null is not a number (pycocotools' loadRes fails on it)", what)
		case math.IsNaN(d.Score):
			return atError(name, off, "%s: no score", what)
		}
		if d.scoreInt != "" {
			// pycocotools sorts the scores of a category's detections (in an image, then over
			// images) as integers where they are all written so: it ranks two integers that one
			// float64 holds, where a float64 ties them.
			k := tie{int(d.CategoryID), d.Score}
			if w, ok := bigInts[k]; !ok {
				bigInts[k] = written{d.scoreInt, i}
			} else if w.text != d.scoreInt {
				return atError(name, off, "%s: score %s and %s's, %s, of the same category, are integers that a float64 holds as one number, %s: "+
					"pycocotools sorts scores written as integers exactly (numpy) and ranks them, where here they tie "+
					"(write them as floats, %s.0, which pycocotools ties too)",
					what, d.scoreInt, detectionName(w.i), w.text, strconv.FormatFloat(d.Score, 'f', -1, 64), d.scoreInt)
			}
		}
		imageID, err := gt.resultImageID(d.ImageID)
		if err != nil {
			return atError(name, off, "%s: %v", what, err)
		}
		res := Result{ImageID: imageID, CategoryID: int(d.CategoryID), BBox: [4]float64(d.BBox), Score: d.Score}
		if masks {
			res.maskArea, res.fromMask = mask.area(), true
		}
		if err := res.check(gt); err != nil {
			return atError(name, off, "%s: %v", what, err)
		}
		out = append(out, res)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := expectEnd(dec, name, "the list of detections"); err != nil {
		return nil, err
	}
	return out, nil
}

// firstByte returns the first byte of br's JSON text that is not white space (0 when there is
// none in its buffer), without consuming it.
func firstByte(br *bufio.Reader) byte {
	for n := 1; n <= br.Size(); n++ {
		b, _ := br.Peek(n) // (reads only when the buffer has fewer: a pipe's writer is not waited for beyond)
		if len(b) < n {
			return 0
		}
		switch c := b[n-1]; c {
		case ' ', '\t', '\r', '\n':
		default:
			return c
		}
	}
	return 0
}

// resultImageID returns the Result.ImageID of a results file's image id v: the number, or for a
// dataset d of string ids the string's rank; a string where d's ids are numbers (or d is nil),
// a number where they are strings, and a string d does not have are errors.
func (d *Dataset) resultImageID(v imageIDValue) (int64, error) {
	switch {
	case !v.isString && (d == nil || d.imageKeys == nil):
		return int64(v.num), nil
	case !v.isString:
		return 0, fmt.Errorf("image_id %s is a number, and the ground truth %s's image ids are strings (as %q)", v, quote.Name(d.Path), d.imageKeys[0])
	case d == nil:
		return 0, fmt.Errorf("image_id %s is a string: string ids are read against the ground truth, which gives each its place", v)
	case d.imageKeys == nil:
		return 0, fmt.Errorf("image_id %s is a string, and the ground truth %s's image ids are numbers", v, quote.Name(d.Path))
	}
	if r, ok := d.keyRank[v.str]; ok {
		return r, nil
	}
	return 0, fmt.Errorf("image_id %s is not in the ground truth %s", v, quote.Name(d.Path))
}

// check validates one detection as pycocotools' loadRes would: finite
// numbers, and an image of gt when gt is not nil, one that pycocotools'
// evaluate does not lose (Dataset.LostImage).
func (r *Result) check(gt *Dataset) error {
	if err := r.checkFinite(gt); err != nil {
		return err
	}
	if gt != nil && !gt.HasImage(r.ImageID) {
		return fmt.Errorf("image_id %s is not in the ground truth %s", gt.ImageName(r.ImageID), quote.Name(gt.Path))
	}
	if gt == nil {
		return nil
	}
	return gt.LostImage(r.ImageID)
}

// checkFinite refuses a detection with a number that is not finite; gt (which may be nil) names
// its image.
func (r *Result) checkFinite(gt *Dataset) error {
	for _, v := range r.BBox {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("image %s: bbox %v is not finite", gt.ImageName(r.ImageID), r.BBox)
		}
	}
	if math.IsNaN(r.Score) || math.IsInf(r.Score, 0) {
		return fmt.Errorf("image %s: score %v is not finite", gt.ImageName(r.ImageID), r.Score)
	}
	return nil
}

// CheckResults validates detections held in memory against gt (which may
// be nil): finite numbers, and images of gt; the error names the first bad
// detection by index.
func CheckResults(rs []Result, gt *Dataset) error {
	for i := range rs {
		if err := rs[i].check(gt); err != nil {
			return fmt.Errorf("detection %d: %w", i, err)
		}
	}
	return nil
}

// Unmatchable counts the detections that pycocotools accepts but that can
// never match a ground truth.
type Unmatchable struct {
	// Categories maps each category id of the detections that is not a
	// category of the ground truth to its number of detections.
	Categories map[int]int
	// InOtherCategories is the number of detections in Categories.
	InOtherCategories int
	// NegativeSize is the number of detections with a negative width or
	// height: their IoU with any box is 0.
	NegativeSize int
}

// FindUnmatchable counts the detections of rs that cannot match anything
// in gt.
func FindUnmatchable(rs []Result, gt *Dataset) Unmatchable {
	var u Unmatchable
	for i := range rs {
		if !gt.HasCategory(rs[i].CategoryID) {
			if u.Categories == nil {
				u.Categories = map[int]int{}
			}
			u.Categories[rs[i].CategoryID]++
			u.InOtherCategories++
		}
		if rs[i].BBox[2] < 0 || rs[i].BBox[3] < 0 {
			u.NegativeSize++
		}
	}
	return u
}

// String describes the counts in a sentence or two ("" when there is
// nothing to say), naming up to ten of the other categories.
func (u Unmatchable) String() string {
	var parts []string
	if u.InOtherCategories > 0 {
		ids := slices.Sorted(maps.Keys(u.Categories))
		var b strings.Builder
		for i, id := range ids {
			if i == 10 {
				rest := 0
				for _, id := range ids[10:] {
					rest += u.Categories[id]
				}
				fmt.Fprintf(&b, ", and %s: %s", plural.Count(len(ids)-10, "other id", "other ids"), plural.Count(rest, "detection", "detections"))
				break
			}
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%d: %s", id, plural.Count(u.Categories[id], "detection", "detections"))
		}
		parts = append(parts, fmt.Sprintf("%s a category_id that is not a category of the ground truth (category_id %s); %s, as in pycocotools",
			plural.Count(u.InOtherCategories, "detection has", "detections have"), b.String(), plural.Word(u.InOtherCategories, "it never matches and does not count", "they never match and do not count")))
	}
	if u.NegativeSize > 0 {
		parts = append(parts, fmt.Sprintf("%s a negative width or height (bbox is [x,y,w,h]); %s, as in pycocotools", plural.Count(u.NegativeSize, "detection has", "detections have"), plural.Word(u.NegativeSize, "it never matches", "they never match")))
	}
	return strings.Join(parts, "; ")
}

// AppendResultJSON appends one detection as a JSON object to b. Numbers
// are written in their shortest round-trip form; the image id as gt's file
// writes it (its string, where gt's ids are strings; gt may be nil). A NaN
// or infinite number is an error (JSON has none), as is an id that is none
// of a string-id gt's, b then returned as it was.
func AppendResultJSON(b []byte, r Result, gt *Dataset) ([]byte, error) {
	if err := r.checkFinite(gt); err != nil {
		return b, err
	}
	key, ok := gt.ImageKey(r.ImageID)
	if !ok && gt != nil && gt.imageKeys != nil {
		return b, fmt.Errorf("image %d: not one of the ground truth %s's %s", r.ImageID, quote.Name(gt.Path), plural.Count(len(gt.imageKeys), "string image id", "string image ids"))
	}
	b = append(b, `{"image_id":`...)
	if ok {
		b = strconv.AppendQuote(b, key)
	} else {
		b = strconv.AppendInt(b, r.ImageID, 10)
	}
	b = append(b, `,"category_id":`...)
	b = strconv.AppendInt(b, int64(r.CategoryID), 10)
	b = append(b, `,"bbox":[`...)
	for i, v := range r.BBox {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendFloat(b, v)
	}
	b = append(b, `],"score":`...)
	b = appendFloat(b, r.Score)
	return append(b, '}'), nil
}

func appendFloat(b []byte, v float64) []byte {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.AppendInt(b, int64(v), 10)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

// WriteResults writes detections as a COCO results JSON list, one
// detection per line, image ids as gt's file writes them (gt may be nil:
// numbers). Non-finite numbers are refused (JSON has none). A detection
// read from a mask is written as its box (its mask's area, which the area
// ranges compared, is not written).
func WriteResults(w io.Writer, rs []Result, gt *Dataset) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	if _, err := bw.WriteString("["); err != nil {
		return err
	}
	var b []byte
	for i := range rs {
		b = b[:0]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '\n')
		var err error
		if b, err = AppendResultJSON(b, rs[i], gt); err != nil {
			return fmt.Errorf("detection %d: %w", i, err)
		}
		if _, err := bw.Write(b); err != nil {
			return err
		}
	}
	if _, err := bw.WriteString("\n]\n"); err != nil {
		return err
	}
	return bw.Flush()
}

// SaveResults writes detections to path, whole or not at all: through a hidden file in its
// folder renamed into place, so a reader never sees half a file; through a symbolic link, to the
// file it names; anything else (a named pipe, a device) written to directly, as it is not a file
// a rename could replace (outpath.WriteReplacing). Image ids are written as in gt (see
// WriteResults).
func SaveResults(path string, rs []Result, gt *Dataset) error {
	return outpath.WriteReplacing(path, func(w io.Writer) error { return WriteResults(w, rs, gt) })
}

// Float32 converts a float32 (as detectors produce) to the float64 with
// the same shortest decimal form, so results files read "12.5" rather than
// "12.5000003".
func Float32(v float32) float64 {
	f, err := strconv.ParseFloat(strconv.FormatFloat(float64(v), 'g', -1, 32), 64)
	if err != nil {
		return float64(v)
	}
	return f
}
