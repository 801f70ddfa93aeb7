package configs

import (
	"bytes"
	"embed"
	"fmt"
	"io"
	"path"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/shuffledet/shuffledet/backbone/shufflenet"
)

//go:embed presets/*.yaml
var presetFiles embed.FS

// Presets lists the names of the bundled YAML presets (configs/presets/*.yaml).
func Presets() []string {
	entries, _ := presetFiles.ReadDir("presets")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	sort.Strings(names)
	return names
}

// Preset returns the configuration called name: a bundled preset such as
// "shufflenet-g3-1.0x-600", or any other variant named the same way,
// <architecture>-<shorter side> (e.g. "shufflenet-g8-1.5x-se-300"; the paper's sizes are 300 and
// 600, any CheckResolution takes runs), with the default detector settings.
func Preset(name string) (*Model, error) {
	if b, err := presetFiles.ReadFile(path.Join("presets", name+".yaml")); err == nil {
		return parseYAML("preset "+name, b)
	}
	i := strings.LastIndex(name, "-")
	res, err := strconv.Atoi(name[i+1:])
	if i < 0 || err != nil {
		return nil, fmt.Errorf("config %q: want <architecture>-<shorter side>, e.g. shufflenet-g3-1.0x-600 (presets: %s)", name, strings.Join(Presets(), ", "))
	}
	arch, err := shufflenet.ParseName(name[:i])
	if err != nil {
		return nil, fmt.Errorf("config %q: %w", name, err)
	}
	if err := CheckResolution(res); err != nil {
		return nil, fmt.Errorf("config %q: %w", name, err)
	}
	arch.NumClasses = 0
	m := &Model{Version: 1, Backbone: arch, Detector: DefaultDetector(res)}
	return m, m.Validate()
}

func parseYAML(name string, b []byte) (*Model, error) {
	m := &Model{Backbone: shufflenet.Config{Shuffle: true}}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(m); err != nil {
		return nil, fmt.Errorf("config %s: %w", name, err)
	}
	// yaml.v3 reads the first document only; a second one would be ignored.
	var more yaml.Node
	switch err := dec.Decode(&more); err {
	case io.EOF:
	case nil:
		return nil, fmt.Errorf("config %s: more than one YAML document", name)
	default:
		return nil, fmt.Errorf("config %s: %w", name, err)
	}
	if m.Detector != nil && len(m.Detector.Classes) == 0 {
		m.Detector.Classes = append([]Class(nil), COCOClasses...)
	}
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("config %s: %w", name, err)
	}
	return m, nil
}
