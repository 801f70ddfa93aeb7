package modelfile_test

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/shuffledet/shuffledet/backbone/shufflenet"
	"github.com/shuffledet/shuffledet/configs"
	"github.com/shuffledet/shuffledet/detector"
	"github.com/shuffledet/shuffledet/internal/testmodel"
	"github.com/shuffledet/shuffledet/modelfile"
	"github.com/shuffledet/shuffledet/roihead"
	"github.com/shuffledet/shuffledet/rpn"
	"github.com/shuffledet/shuffledet/safetensors"
)

var tiny = shufflenet.Config{Groups: 3, Width: 0.25, Shuffle: true, NumClasses: 10}

func writeTiny(t *testing.T, edit func(cfg *configs.Model, ts []*safetensors.Tensor) []*safetensors.Tensor) string {
	t.Helper()
	ts, err := testmodel.Backbone(tiny, 1)
	if err != nil {
		t.Fatal(err)
	}
	cfg := configs.Model{Version: 1, Backbone: tiny}
	if edit != nil {
		ts = edit(&cfg, ts)
	}
	path := filepath.Join(t.TempDir(), "tiny.bin")
	if err := modelfile.Write(path, cfg, ts); err != nil {
		t.Fatal(err)
	}
	return path
}

func load(path string) error {
	f, err := modelfile.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := shufflenet.Build(f.Config.Backbone, f); err != nil {
		return fmt.Errorf("model %s: %w", path, err) // as the loaders name it (Get does not)
	}
	return f.CheckAllUsed()
}

func find(ts []*safetensors.Tensor, name string) *safetensors.Tensor {
	for _, t := range ts {
		if t.Name == name {
			return t
		}
	}
	return nil
}

func TestValidModelLoads(t *testing.T) {
	if err := load(writeTiny(t, nil)); err != nil {
		t.Fatal(err)
	}
}

func TestBadModelsGiveNamedErrors(t *testing.T) {
	const w = "features.3.branch_main_2.0.weight"
	for _, c := range []struct {
		name  string
		edit  func(cfg *configs.Model, ts []*safetensors.Tensor) []*safetensors.Tensor
		bytes func(b []byte) []byte
		want  []string
	}{
		{name: "truncated", bytes: func(b []byte) []byte { return b[:len(b)-100] }, want: []string{"cut short: ", " bytes"}},
		{name: "header length beyond file", bytes: func(b []byte) []byte { binary.LittleEndian.PutUint64(b, uint64(len(b))); return b }, want: []string{"runs past the end"}},
		{name: "NaN weight", edit: func(_ *configs.Model, ts []*safetensors.Tensor) []*safetensors.Tensor {
			find(ts, w).Data[5] = float32(math.NaN())
			return ts
		}, want: []string{w, "NaN"}},
		{name: "shape disagrees", edit: func(_ *configs.Model, ts []*safetensors.Tensor) []*safetensors.Tensor {
			x := find(ts, w)
			x.Shape = []int{x.Shape[0] / 2, x.Shape[1] * 2, 1, 1}
			return ts
		}, want: []string{w, "shape"}},
		{name: "missing tensor", edit: func(_ *configs.Model, ts []*safetensors.Tensor) []*safetensors.Tensor {
			x := find(ts, w)
			x.Name = "features.3.something_else"
			return ts
		}, want: []string{w, "missing"}},
		{name: "extra tensor", edit: func(_ *configs.Model, ts []*safetensors.Tensor) []*safetensors.Tensor {
			return append(ts, &safetensors.Tensor{Name: "stray.weight", Shape: []int{1}, Data: []float32{1}})
		}, want: []string{"stray.weight"}},
		{name: "unknown architecture", edit: func(cfg *configs.Model, ts []*safetensors.Tensor) []*safetensors.Tensor {
			cfg.Backbone.Groups = 5
			return ts
		}, want: []string{"groups 5"}},
		{name: "one image_mean", edit: func(cfg *configs.Model, ts []*safetensors.Tensor) []*safetensors.Tensor {
			cfg.Backbone.NumClasses = 0
			cfg.Detector = configs.DefaultDetector(300)
			cfg.Detector.ImageMean = []float64{0.485}
			return ts
		}, want: []string{"image_mean: want 3 numbers, got 1"}},
		{name: "bad version", edit: func(cfg *configs.Model, ts []*safetensors.Tensor) []*safetensors.Tensor {
			cfg.Version = 7
			return ts
		}, want: []string{"version 7"}},
	} {
		path := writeTiny(t, c.edit)
		if c.bytes != nil {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, c.bytes(b), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		err := load(path)
		if err == nil {
			t.Errorf("%s: loaded without error", c.name)
			continue
		}
		for _, want := range append(c.want, path) {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error %q does not mention %q", c.name, err, want)
			}
		}
	}
}

func TestWrongDtypeAndNotAModel(t *testing.T) {
	dir := t.TempDir()
	hdr := `{"__metadata__":{"format":"shuffledet","config":"{}"},"first_conv.0.weight":{"dtype":"BF16","shape":[1],"data_offsets":[0,2]}}`
	b := make([]byte, 8)
	binary.LittleEndian.PutUint64(b, uint64(len(hdr)))
	b = append(append(b, hdr...), 0, 0)
	path := filepath.Join(dir, "bf16.bin")
	os.WriteFile(path, b, 0o644)
	if err := load(path); err == nil || !strings.Contains(err.Error(), `"first_conv.0.weight": dtype "BF16"`) {
		t.Errorf("wrong dtype: %v", err)
	}
	other := filepath.Join(dir, "other.safetensors")
	if err := safetensors.WriteFile(other, nil, map[string]string{"format": "pt"}); err != nil {
		t.Fatal(err)
	}
	if err := load(other); err == nil || !strings.Contains(err.Error(), "not a shuffledet model") {
		t.Errorf("foreign safetensors: %v", err)
	}
}

// TestPyTorchCheckpointNamed: a PyTorch checkpoint given for a model file (a run's last.pt, a
// zip archive as torch.save writes it) is named as one, with the ways to a .bin (it was "not a
// safetensors file: its first 8 bytes (50 4b 03 04 ...) give a header length of ...").
func TestPyTorchCheckpointNamed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "last.pt")
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	if w, err := z.Create("archive/data.pkl"); err != nil {
		t.Fatal(err)
	} else {
		w.Write([]byte("\x80\x02}q\x00."))
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	err := load(path)
	if err == nil || !strings.HasPrefix(err.Error(), "model "+path+": a PyTorch checkpoint") || !strings.Contains(err.Error(), "--export-now") || !strings.Contains(err.Error(), "train/export.py") {
		t.Errorf("a .pt: %v", err)
	}
}

// TestNameWithNewlineQuoted: a model file whose name has a newline is named quoted, so the
// message is not split in two; as is one that is missing.
func TestNameWithNewlineQuoted(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a\nb.bin")
	os.WriteFile(path, []byte("not a model"), 0o644)
	if _, err := modelfile.Open(path); err == nil || !strings.HasPrefix(err.Error(), "model "+strconv.Quote(path)+": ") {
		t.Errorf("not a model: %v", err)
	}
	missing := filepath.Join(dir, "c\nd.bin")
	if _, err := modelfile.Open(missing); err == nil || err.Error() != "model "+strconv.Quote(missing)+": no such file or directory" {
		t.Errorf("missing: %v", err)
	}
}

// TestEmptyNameAndNilFile: an empty path is refused as such (os says "open : no such file or
// directory", which hides what is missing), and the methods of a nil or zero File (Open's result
// with its error) return an error, not a nil-pointer panic.
func TestEmptyNameAndNilFile(t *testing.T) {
	if _, err := modelfile.Open(""); err == nil || err.Error() != "model: empty file name" {
		t.Errorf(`Open(""): %v, want "model: empty file name"`, err)
	}
	for name, f := range map[string]*modelfile.File{"nil": nil, "zero": {}} {
		calls := map[string]func() error{
			"Get":          func() error { _, err := f.Get("first_conv.0.weight", 24, 3, 3, 3); return err },
			"CheckAllUsed": func() error { return f.CheckAllUsed() },
			"Close":        func() error { return f.Close() },
		}
		for call, run := range calls {
			func() {
				defer func() {
					if p := recover(); p != nil {
						t.Errorf("%s File, %s: panic %v", name, call, p)
					}
				}()
				if err := run(); err == nil || !strings.Contains(err.Error(), "did Open fail?") {
					t.Errorf("%s File, %s: %v, want an error saying to make it with Open", name, call, err)
				}
			}()
		}
	}
}

// TestHugeConfigRefusedFirst: a configuration over modelfile.MaxConfigBytes (90 MB of zeros in image_mean
// took 2.9 GB of memory to be refused by Validate) is refused before it is parsed, naming the file.
func TestHugeConfigRefusedFirst(t *testing.T) {
	path := filepath.Join(t.TempDir(), "huge-config.bin")
	config := `{"version":1,"detector":{"image_mean":[` + strings.Repeat("0,", modelfile.MaxConfigBytes/2) + `0]}}`
	if err := safetensors.WriteFile(path, nil, map[string]string{"format": modelfile.Format, "config": config}); err != nil {
		t.Fatal(err)
	}
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	err := load(path)
	runtime.ReadMemStats(&m1)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), fmt.Sprintf("config: %d bytes, more than %d", len(config), modelfile.MaxConfigBytes)) {
		t.Errorf("error %v", err)
	}
	if grew := m1.TotalAlloc - m0.TotalAlloc; grew > 16<<20 {
		t.Errorf("%d MB allocated to refuse a %d MB configuration", grew>>20, len(config)>>20)
	}
}

// TestConfigTrailingData: the config string holds one JSON object; what follows it used to be
// ignored (a second object, half of one) and is now an error naming the file.
func TestConfigTrailingData(t *testing.T) {
	raw, err := json.Marshal(configs.Model{Version: 1, Backbone: tiny})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for i, more := range []string{"", " \n", ` {"version": 2}`, ` {"x`} {
		path := filepath.Join(dir, fmt.Sprintf("m%d.bin", i))
		if err := safetensors.WriteFile(path, nil, modelfile.Metadata(string(raw)+more, nil)); err != nil {
			t.Fatal(err)
		}
		f, err := modelfile.Open(path)
		if err == nil {
			f.Close()
		}
		if strings.TrimSpace(more) == "" {
			if err != nil {
				t.Errorf("config followed by %q: %v", more, err)
			}
		} else if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "more after its JSON object") {
			t.Errorf("config followed by %q: %v", more, err)
		}
	}
}

// TestConfigKeyCase: a key spelled in another case is refused, wherever it is, naming it
// (encoding/json took "MIN_SIZE" for min_size, and after "min_size" it overrode it; Python's
// json, reading the same config, does not); lower-case keys and upper-case values load.
func TestConfigKeyCase(t *testing.T) {
	raw, err := json.Marshal(configs.Model{Version: 1, Backbone: tiny})
	if err != nil {
		t.Fatal(err)
	}
	good := string(raw)
	dir := t.TempDir()
	for i, c := range []struct{ config, want string }{
		{good, ""},
		{strings.Replace(good, `"version"`, `"VERSION"`, 1), `key "VERSION": keys are spelled in lower-case ASCII letters, digits and underscores ("version"?)`},
		{strings.Replace(good, `"shuffle"`, `"ſhuffle"`, 1), `key "ſhuffle"`}, // a long s: encoding/json folds it to s
		{strings.Replace(good, `"version":1`, `"version":1,"Version":1`, 1), `key "Version"`},
		{strings.Replace(good, `"groups"`, `"Groups"`, 1), `key "Groups"`}, // inside the backbone object
		{strings.Replace(good, `"version":1`, `"version":1,"x":[{"A":1}]`, 1), `key "A"`},
	} {
		path := filepath.Join(dir, fmt.Sprintf("k%d.bin", i))
		if err := safetensors.WriteFile(path, nil, modelfile.Metadata(c.config, nil)); err != nil {
			t.Fatal(err)
		}
		f, err := modelfile.Open(path)
		if err == nil {
			f.Close()
		}
		if c.want == "" {
			if err != nil {
				t.Errorf("%s: %v", c.config, err)
			}
		} else if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.config, err, c.want)
		}
	}
}

// restamped returns b with its checksum made right where b is a safetensors file with a
// configuration, so that the fuzzer's mutations of the configuration and tensors reach their
// checks instead of stopping at the checksum (TestChecksum checks that).
func restamped(b []byte) []byte {
	st, err := safetensors.Parse(b)
	if err != nil {
		return b
	}
	config, ok := st.Metadata["config"]
	if !ok {
		return b
	}
	meta := modelfile.Metadata(config, st.Tensors)
	for k, v := range st.Metadata {
		if k != modelfile.ChecksumKey {
			meta[k] = v
		}
	}
	out, err := safetensors.Encode(st.Tensors, meta)
	if err != nil {
		panic(err) // what Parse read, Encode writes
	}
	return out
}

func FuzzOpen(f *testing.F) {
	ts, err := testmodel.Backbone(tiny, 1)
	if err != nil {
		f.Fatal(err)
	}
	// Small seeds keep the fuzzer fast: a valid header and config with the first few tensors,
	// and detector configs (anchors, top-n, image_mean/std, box weights for it to mutate).
	trunk := tiny
	trunk.NumClasses = 0
	withDetector := configs.Model{Version: 1, Backbone: trunk, Detector: configs.DefaultDetector(300)}
	withDetector.Detector.Classes = withDetector.Detector.Classes[:2]
	dir := f.TempDir()
	for i, c := range []struct {
		cfg configs.Model
		n   int
	}{{configs.Model{Version: 1, Backbone: tiny}, 0}, {configs.Model{Version: 1, Backbone: tiny}, 3}, {configs.Model{Version: 1, Backbone: tiny}, 8}, {withDetector, 0}, {withDetector, 3}} {
		path := filepath.Join(dir, fmt.Sprintf("seed%d.bin", i))
		if err := modelfile.Write(path, c.cfg, ts[:c.n]); err != nil {
			f.Fatal(err)
		}
		seed, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(seed)
	}
	// A whole small detector (8 RPN channels, 2 classes), every tensor present.
	small := withDetector
	small.Detector.RPN.Channels = 8
	r := testmodel.NewRecorder(1)
	if _, err := detector.Build("small", small, r); err != nil {
		f.Fatal(err)
	}
	path := filepath.Join(dir, "detector.bin")
	if err := modelfile.Write(path, small, r.Tensors()); err != nil {
		f.Fatal(err)
	}
	seed, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := modelfile.Parse("fuzz.bin", restamped(b))
		if err != nil {
			if strings.Count(err.Error(), "fuzz.bin") != 1 {
				t.Fatalf("error does not name the file once: %v", err)
			}
			return
		}
		// What the loader accepts stays within the limits that size the detector's buffers.
		if d := m.Config.Detector; d != nil {
			if d.RPN.NumAnchors() > rpn.MaxAnchors || d.RPN.PreNMSTopN > rpn.MaxPreNMSTopN || d.RPN.PostNMSTopN > rpn.MaxPostNMSTopN ||
				d.RoI.DetectionsPerImg > roihead.MaxDetectionsPerImg {
				t.Fatalf("accepted %d anchors per location, top-n %d / %d, %d detections per image",
					d.RPN.NumAnchors(), d.RPN.PreNMSTopN, d.RPN.PostNMSTopN, d.RoI.DetectionsPerImg)
			}
		}
		if m.Config.Detector != nil {
			// As detector.LoadModel does: every error names the file, once.
			_, err = detector.Build(m.Path, m.Config, m)
			if err == nil {
				err = m.CheckAllUsed()
			}
			if err != nil && strings.Count(err.Error(), "fuzz.bin") != 1 {
				t.Fatalf("error does not name the file once: %v", err)
			}
			return
		}
		if _, err := shufflenet.Build(m.Config.Backbone, m); err == nil {
			m.CheckAllUsed()
		}
	})
}

// TestConfigKeysRequired: a configuration without one of its keys is refused, naming the key by
// its path (left out, a threshold or size read as 0, which passes Validate: another detector
// than the file's writer meant, silently).
func TestConfigKeysRequired(t *testing.T) {
	cfg := configs.Model{Version: 1, Backbone: shufflenet.Config{Groups: 3, Width: 0.5, Shuffle: true}, Detector: configs.DefaultDetector(300)}
	full, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	open := func(config string) error {
		path := filepath.Join(t.TempDir(), "m.bin")
		if err := safetensors.WriteFile(path, nil, modelfile.Metadata(config, nil)); err != nil {
			t.Fatal(err)
		}
		f, err := modelfile.Open(path)
		if err == nil {
			f.Close()
		}
		return err
	}
	if err := open(string(full)); err != nil {
		t.Fatalf("the full configuration: %v", err)
	}
	for _, key := range []string{"version", "backbone.shuffle", "backbone.num_classes", "detector.min_size",
		"detector.image_std", "detector.classes[0].name", "detector.rpn.nms_thresh", "detector.roi.score_thresh", "detector.roi.sampling_ratio"} {
		var tree map[string]any
		if err := json.Unmarshal(full, &tree); err != nil {
			t.Fatal(err)
		}
		obj, path := tree, strings.Split(key, ".")
		for _, p := range path[:len(path)-1] {
			if name, _, list := strings.Cut(p, "["); list { // a list's first element
				obj = obj[name].([]any)[0].(map[string]any)
			} else {
				obj = obj[p].(map[string]any)
			}
		}
		delete(obj, path[len(path)-1])
		b, err := json.Marshal(tree)
		if err != nil {
			t.Fatal(err)
		}
		if err := open(string(b)); err == nil || !strings.Contains(err.Error(), "config: "+key+" missing") {
			t.Errorf("without %s: %v", key, err)
		}
	}
}

// TestMetadataInvalidUTF8: a configuration with bytes that are not UTF-8 (a class name) is
// stored as the JSON header holds it (each such byte U+FFFD), and its checksum is of that text.
func TestMetadataInvalidUTF8(t *testing.T) {
	cfg := configs.Model{Version: 1, Backbone: shufflenet.Config{Groups: 3, Width: 0.25, Shuffle: true}, Detector: configs.DefaultDetector(300)}
	cfg.Detector.Classes = []configs.Class{{ID: 1, Name: "caf\xe9 \xe2\x82"}}
	r := testmodel.NewRecorder(1)
	if _, err := detector.Build("small", cfg, r); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := json.NewEncoder(&b).Encode(cfg); err != nil {
		t.Fatal(err)
	}
	raw := strings.Replace(b.String(), `caf\ufffd \ufffd\ufffd`, "caf\xe9 \xe2\x82", 1) // the bytes as a writer might pass them
	if raw == b.String() {
		t.Fatalf("no class name to put invalid bytes in: %s", raw)
	}
	path := filepath.Join(t.TempDir(), "m.bin")
	if err := safetensors.WriteFile(path, r.Tensors(), modelfile.Metadata(raw, r.Tensors())); err != nil {
		t.Fatal(err)
	}
	f, err := modelfile.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.Config.Detector.Classes[0].Name; got != "caf\ufffd \ufffd\ufffd" {
		t.Errorf("class name %q", got)
	}
}

// TestChecksum: a file damaged after it was written (one bit of a weight, a threshold's digit in
// the configuration that still validates) is refused as damaged, naming the file; a file without
// a checksum is refused saying how to add one; restamped, the fuzz target's helper, mends both.
func TestChecksum(t *testing.T) {
	cfg := configs.Model{Version: 1, Backbone: shufflenet.Config{Groups: 3, Width: 0.25, Shuffle: true}, Detector: configs.DefaultDetector(300)}
	cfg.Detector.Classes = cfg.Detector.Classes[:2]
	r := testmodel.NewRecorder(1)
	if _, err := detector.Build("small", cfg, r); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "m.bin")
	if err := modelfile.Write(path, cfg, r.Tensors()); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := modelfile.Parse(path, good); err != nil {
		t.Fatalf("as written: %v", err)
	}
	dataStart := 8 + int(binary.LittleEndian.Uint64(good))
	config := bytes.Index(good, []byte(`\"nms_thresh\":0.5`))
	if config < 0 {
		t.Fatalf("no RoI nms_thresh 0.5 in the header: %s", good[8:dataStart])
	}
	flipped := func(i int, bit byte) []byte {
		b := bytes.Clone(good)
		b[i] ^= bit
		return b
	}
	noChecksum := bytes.Replace(good, []byte(`"crc32":`), []byte(`"crc3x":`), 1)
	for _, c := range []struct {
		name string
		b    []byte
		want string
	}{
		{"first data byte", flipped(dataStart, 1), "damaged"},
		{"a weight's sign", flipped(dataStart+len(good[dataStart:])/2|3, 0x80), "damaged"},
		{"last byte", flipped(len(good)-1, 0x10), "damaged"},
		{"RoI nms_thresh 0.5 -> 0.4", flipped(config+len(`\"nms_thresh\":0.`), '5'^'4'), "damaged"},
		{"no checksum", noChecksum, "metadata has no crc32"},
	} {
		_, err := modelfile.Parse(path, c.b)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: %v, want an error naming %s and saying %q", c.name, err, path, c.want)
		}
		if _, err := modelfile.Parse(path, restamped(c.b)); err != nil {
			t.Errorf("%s, restamped: %v", c.name, err)
		}
	}
}

// TestFileSizeRefusedFirst: a file larger than any model (a sparse one, nothing on disk) is
// refused from its size, before its data is read for the checksum (32 GiB took 38 s to be found
// damaged); a classifier of more than shufflenet.MaxClasses classes is refused by its config.
func TestFileSizeRefusedFirst(t *testing.T) {
	path := filepath.Join(t.TempDir(), "huge.bin")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(safetensors.MaxFileSize + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := modelfile.Open(path); err == nil || !strings.Contains(err.Error(), "model "+path+": 2147483649 bytes, more than any model file") {
		t.Errorf("Open of a %d-byte file: %v", int64(safetensors.MaxFileSize)+1, err)
	}
	cfg := shufflenet.Config{Groups: 8, Width: 2, Shuffle: true, NumClasses: shufflenet.MaxClasses}
	if err := cfg.Validate(); err != nil {
		t.Errorf("%d classes: %v", cfg.NumClasses, err)
	}
	// The largest classifier's last layer fits the file bound, with the trunk beside it.
	if bytes := int64(cfg.NumClasses) * int64(cfg.StageWidths()[2]) * 4; !(bytes < safetensors.MaxFileSize-64<<20) {
		t.Errorf("a 2x g8 classifier of %d classes holds %d bytes in its last layer, over the file bound", cfg.NumClasses, bytes)
	}
	cfg.NumClasses++
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "num_classes 131073 out of range") {
		t.Errorf("%d classes: %v", cfg.NumClasses, err)
	}
}
