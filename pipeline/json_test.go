package pipeline

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/shuffledet/shuffledet/detector"
)

// A file name that is not valid UTF-8 (Latin-1's caf\xe9.jpg) keeps its bytes in the JSON
// line's "source", as \udcXX escapes (PEP 383), so that two such files are told apart: encoding/json
// alone wrote U+FFFD for either byte, and caf\xe9.jpg and caf\xe8.jpg had the same source.
func TestJSONLinesSourceNotUTF8(t *testing.T) {
	dets := []detector.Detection{{Box: [4]float32{1, 2, 3, 4}, Score: 0.5, CategoryID: 1, Label: "person"}}
	for _, c := range []struct{ source, want string }{
		{"caf\xe9.jpg", `"caf\udce9.jpg"`},
		{"caf\xe8.jpg", `"caf\udce8.jpg"`},
		{"a&b/\xff\xfe<x>.png", `"a\u0026b/\udcff\udcfe\u003cx\u003e.png"`},
		{"caf\xc3.jpg", `"caf\udcc3.jpg"`},        // a sequence cut short
		{"\xe9t\xc3\xa9\xe9", `"\udce9té\udce9"`}, // valid UTF-8 between invalid bytes
		{"café.jpg", `"café.jpg"`},                // valid: as encoding/json writes it
		{"�.jpg", `"�.jpg"`},                      // a U+FFFD of the name's own
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
