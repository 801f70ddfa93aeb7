package configs

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// FuzzParseYAML feeds the YAML preset loader arbitrary bytes: it must return a configuration
// or an error, never panic; a configuration it accepts must be valid and must survive the
// trip through JSON that a model file makes (json.Marshal here, the model loader's strict
// decoding and Validate there) unchanged.
func FuzzParseYAML(f *testing.F) {
	for _, name := range Presets() {
		b, err := presetFiles.ReadFile("presets/" + name + ".yaml")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("version: 1\nbackbone: {groups: 8, width: 0.25, se: true, shuffle: false}\n"))
	f.Add([]byte("version: 1\nbackbone: {groups: 3, width: 1.0}\ndetector:\n  min_size: 600\n  classes: [{id: 1, name: person}]\n"))
	f.Add([]byte("version: 1\nbackbone: {groups: 3, width: .nan}\n"))
	f.Add([]byte("a: &a [*a, *a]\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := parseYAML("fuzz.yaml", b)
		if err != nil {
			return
		}
		if err := m.Validate(); err != nil {
			t.Fatalf("accepted an invalid configuration: %v", err)
		}
		raw, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("accepted a configuration JSON cannot hold: %v", err)
		}
		var back Model
		back.Backbone.Shuffle = true // as the model loader decodes it
		dec := json.NewDecoder(strings.NewReader(string(raw)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&back); err != nil {
			t.Fatalf("its JSON does not decode: %v\n%s", err, raw)
		}
		if err := back.Validate(); err != nil {
			t.Fatalf("its JSON is not valid: %v\n%s", err, raw)
		}
		if !reflect.DeepEqual(&back, m) {
			t.Fatalf("JSON round trip changed it:\n%+v\n%+v", m, &back)
		}
	})
}
