package pipeline

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/shuffledet/shuffledet/detector"
	"github.com/shuffledet/shuffledet/internal/quote"
)

// Record is one line of detect's JSON output: an image, or a frame of a video (then with its
// frame number and time).
type Record struct {
	Source     string      `json:"source"`
	Frame      *int        `json:"frame,omitempty"`   // video frames: the frame number, from 0
	TimeMS     *float64    `json:"time_ms,omitempty"` // video frames: the position in the source, ms
	Width      int         `json:"width"`
	Height     int         `json:"height"`
	Detections []Detection `json:"detections"`
}

// Detection is one detection in a Record.
type Detection struct {
	BBox       [4]float32 `json:"bbox"` // x, y, width, height in pixels
	Score      float32    `json:"score"`
	CategoryID int        `json:"category_id"`
	Label      string     `json:"label"`
}

// JSONLines writes Records as JSON lines, each flushed as soon as it is written, so a run that
// is interrupted leaves every finished frame on disk.
type JSONLines struct {
	w    *bufio.Writer
	enc  *json.Encoder
	rec  Record
	dets []Detection
	// frame and timeMS hold the record's frame number and time, which rec points to (fields,
	// so that writing a line allocates nothing).
	frame  int
	timeMS float64
	// rawSource and escaped hold the last source that was not valid UTF-8 and its JSON string
	// (escapeSource), so that a video of such a name escapes it once, not on every line.
	rawSource string
	escaped   json.RawMessage
	raw       rawSourceRecord // such a line (a field: a local escaped to the heap, one allocation a line)
}

// rawSourceRecord is a Record whose source is written as a JSON string already escaped: the outer
// "source" field hides Record's own, in its place first.
type rawSourceRecord struct {
	Source json.RawMessage `json:"source"`
	*Record
}

// NewJSONLines returns a JSONLines writing to w. & < > in strings are written as they are, as
// Python's json module writes them (encoding/json's default, \u0026, hid a camera's
// rtsp://cam/stream?channel=1&subtype=0 from a grep for it).
func NewJSONLines(w io.Writer) *JSONLines {
	b := bufio.NewWriter(w)
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	return &JSONLines{w: b, enc: enc}
}

// Write writes one record. In a source that is not valid UTF-8 (a file name in another encoding,
// caf\xe9.jpg) each byte that is not valid UTF-8 is written as a lone surrogate escape, \udcXX, as Python
// writes the names it reads from the system (PEP 383: json.loads, then os.fsencode, gives the
// bytes back), where encoding/json would write U+FFFD for every such byte, so that two files
// (caf\xe9.jpg, caf\xe8.jpg) had the same "source". A record JSON cannot hold (a NaN or infinite
// time from a Source of the caller's) is an error naming its source and frame; nothing of it is
// written.
func (j *JSONLines) Write(r *Record) error {
	if r.Detections == nil {
		r.Detections = []Detection{} // "detections": [], never null
	}
	var err error
	if !utf8.ValidString(r.Source) {
		err = j.writeRawSource(r)
	} else if err = j.enc.Encode(r); err == nil {
		err = j.w.Flush()
	}
	if err == nil {
		return nil
	}
	if unsupported := (*json.UnsupportedValueError)(nil); errors.As(err, &unsupported) { // (only on an error: its target escapes)
		frame := ""
		if r.Frame != nil {
			frame = fmt.Sprintf(" frame %d", *r.Frame)
		}
		return fmt.Errorf("%s%s: its record cannot be written as JSON: %w", quote.Name(r.Source), frame, err)
	}
	return err
}

// writeRawSource writes r, whose Source is not valid UTF-8, with the source escaped as
// escapeSource does (rawSourceRecord).
func (j *JSONLines) writeRawSource(r *Record) error {
	if r.Source != j.rawSource { // (never "" at first: "" is valid UTF-8)
		j.rawSource, j.escaped = r.Source, json.RawMessage(escapeSource(r.Source))
	}
	j.raw = rawSourceRecord{j.escaped, r}
	err := j.enc.Encode(&j.raw)
	j.raw.Record = nil // (not kept past the call: r is the caller's)
	if err != nil {
		return err
	}
	return j.w.Flush()
}

// escapeSource returns s as a JSON string, its valid UTF-8 as JSONLines writes any string and
// each byte that is not valid UTF-8 as \udcXX (PEP 383's surrogateescape).
func escapeSource(s string) string {
	var b, q bytes.Buffer
	enc := json.NewEncoder(&q)
	enc.SetEscapeHTML(false)
	b.WriteByte('"')
	for len(s) > 0 {
		n := 0 // the valid UTF-8 that starts s
		for n < len(s) {
			r, size := utf8.DecodeRuneInString(s[n:])
			if r == utf8.RuneError && size == 1 {
				break
			}
			n += size
		}
		if n > 0 {
			q.Reset()
			enc.Encode(s[:n])                 // (a valid string: no error)
			b.Write(q.Bytes()[1 : q.Len()-2]) // (less the quotes and Encode's newline)
			s = s[n:]
			continue
		}
		b.WriteString(`\udc`) // (an invalid byte is 0x80 or above: two hex digits)
		b.WriteString(strconv.FormatUint(uint64(s[0]), 16))
		s = s[1:]
	}
	b.WriteByte('"')
	return b.String()
}

// Detections writes one line for an image (frame < 0) or a video frame, reusing its buffers.
func (j *JSONLines) Detections(source string, frame int, timeMS float64, width, height int, dets []detector.Detection) error {
	return j.detections(source, frame, timeMS, width, height, dets, 1)
}

// detections is Detections with each box times scale (a frame decoded at 1/scale of its file's
// size: Position.Scale).
func (j *JSONLines) detections(source string, frame int, timeMS float64, width, height int, dets []detector.Detection, scale float32) error {
	j.dets = j.dets[:0]
	for _, d := range dets {
		box := d.Box
		if scale != 1 { // within the file's size: the decoded frame's last pixels cover fewer than scale
			for i := range box {
				box[i] *= scale
			}
			box[0], box[1] = min(box[0], float32(width)), min(box[1], float32(height))
			box[2], box[3] = min(box[2], float32(width)-box[0]), min(box[3], float32(height)-box[1])
		}
		j.dets = append(j.dets, Detection{BBox: box, Score: d.Score, CategoryID: d.CategoryID, Label: d.Label})
	}
	j.rec = Record{Source: source, Width: width, Height: height, Detections: j.dets}
	if frame >= 0 {
		j.frame = frame
		j.timeMS = math.Round(timeMS*1000) / 1000 // a microsecond is exact enough; no 300.00000000000006
		j.rec.Frame, j.rec.TimeMS = &j.frame, &j.timeMS
	}
	return j.Write(&j.rec)
}
