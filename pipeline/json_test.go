package pipeline

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/shuffledet/shuffledet/detector"
)

// A file name that is not valid UTF-8 (Latin-1's caf\xe9.jpg) keeps its bytes in the JSON
// line's "source", as \udcXX escapes (PEP 383), so that two such files are told apart: encoding/json
// alone wrote U+FFFD for either byte, and caf\xe9.jpg and caf\xe8.jpg had the same source. & < >
// are written as they are, as Python's json module writes them.
func TestJSONLinesSourceNotUTF8(t *testing.T) {
	dets := []detector.Detection{{Box: [4]float32{1, 2, 3, 4}, Score: 0.5, CategoryID: 1, Label: "person"}}
	for _, c := range []struct{ source, want string }{
		{"caf\xe9.jpg", `"caf\udce9.jpg"`},
		{"caf\xe8.jpg", `"caf\udce8.jpg"`},
		{"a&b/\xff\xfe<x>.png", `"a&b/\udcff\udcfe<x>.png"`},                           // & < > as they are, as Python writes them
		{"caf\xc3.jpg", `"caf\udcc3.jpg"`},                                             // a sequence cut short
		{"\xe9t\xc3\xa9\xe9", `"\udce9té\udce9"`},                                      // valid UTF-8 between invalid bytes
		{"café.jpg", `"café.jpg"`},                                                     // valid: as encoding/json writes it
		{"rtsp://cam/s?channel=1&subtype=<0>", `"rtsp://cam/s?channel=1&subtype=<0>"`}, // not \u0026 (encoding/json's default)
		{"a\"b\\c\x01.jpg", `"a\"b\\c\u0001.jpg"`},                                     // quotes, backslashes, control characters escaped as before
		{"�.jpg", `"�.jpg"`},                                                           // a U+FFFD of the name's own
	} {
		var got, plain bytes.Buffer
		j := NewJSONLines(&got)
		if err := j.Detections(c.source, 3, 120, 640, 480, dets); err != nil {
			t.Fatal(err)
		}
		line := got.String()
		if want := `{"source":` + c.want + `,`; !strings.HasPrefix(line, want) {
			t.Errorf("%q: line %s, want it to start %s", c.source, line, want)
		}
		if !json.Valid(got.Bytes()) || !strings.HasSuffix(line, "}\n") {
			t.Errorf("%q: not a JSON line: %q", c.source, line)
		}
		// The rest of the line as for any other source.
		if err := NewJSONLines(&plain).Detections("x", 3, 120, 640, 480, dets); err != nil {
			t.Fatal(err)
		}
		if rest, want := line[strings.Index(line, `,"frame"`):], plain.String()[len(`{"source":"x"`):]; rest != want {
			t.Errorf("%q: line ends %s, want %s", c.source, rest, want)
		}
	}
}

// TestJSONLinesNaNTime: a record with a NaN or infinite time (a Source of the caller's with a
// broken clock) is an error naming its source and frame, not encoding/json's bare "unsupported
// value: NaN", and writes nothing; the next record is written whole.
func TestJSONLinesNaNTime(t *testing.T) {
	var out bytes.Buffer
	j := NewJSONLines(&out)
	frame, good := 7, 40.0
	for _, tc := range []struct {
		source string
		time   float64
		want   string
	}{
		{"cam", math.NaN(), "cam frame 7: its record cannot be written as JSON: json: unsupported value: NaN"},
		{"caf\xe9", math.Inf(1), "frame 7: its record cannot be written as JSON: json: unsupported value: +Inf"},
	} {
		tm := tc.time
		err := j.Write(&Record{Source: tc.source, Frame: &frame, TimeMS: &tm, Width: 4, Height: 3})
		if err == nil || !strings.HasSuffix(err.Error(), tc.want) {
			t.Errorf("%q: %v, want an error ending %q", tc.source, err, tc.want)
		}
	}
	if out.Len() != 0 {
		t.Errorf("written: %q, want nothing", out.String())
	}
	if err := j.Write(&Record{Source: "cam", Frame: &frame, TimeMS: &good, Width: 4, Height: 3}); err != nil {
		t.Fatal(err)
	}
	if want := `{"source":"cam","frame":7,"time_ms":40,"width":4,"height":3,"detections":[]}` + "\n"; out.String() != want {
		t.Errorf("after the refused records: %q, want %q", out.String(), want)
	}
}

// TestJSONLinesAllocateNothing: a video's lines are written without allocating, its name valid
// UTF-8 or not: for one that is not (caf\xe9.mp4), the line wrapping the escaped source was a
// local that escaped to the heap, one allocation a frame in the steady state.
func TestJSONLinesAllocateNothing(t *testing.T) {
	j := NewJSONLines(io.Discard)
	dets := []detector.Detection{{Box: [4]float32{1, 2, 3, 4}, Score: 0.5, CategoryID: 1, Label: "person"}}
	for _, source := range []string{"cafe.mp4", "caf\xe9.mp4"} {
		frame := 0
		write := func() {
			if err := j.Detections(source, frame, float64(frame)*100, 640, 480, dets); err != nil {
				t.Fatal(err)
			}
			frame++
		}
		write() // (the name escaped once)
		if n := testing.AllocsPerRun(100, write); n != 0 {
			t.Errorf("%q: %v allocations a line", source, n)
		}
	}
}
