// Package modelfile reads and writes shuffledet's .bin model files: a safetensors container whose
// metadata carries the model configuration (docs/MODEL_FORMAT.md). Every tensor is checked against
// the configuration on use. Open's, Parse's and CheckAllUsed's errors name the file; Get's name the
// tensor, and the builder that calls it (detector.ModelFromFile) adds the file, once.
package modelfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"math"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/shuffledet/shuffledet/backbone/shufflenet"
	"github.com/shuffledet/shuffledet/configs"
	"github.com/shuffledet/shuffledet/internal/quote"
	"github.com/shuffledet/shuffledet/safetensors"
)

// Format is the value of the "format" metadata key.
const Format = "shuffledet"

// MaxConfigBytes bounds a model file's configuration text, refused before it is parsed (an
// 80-class detector's is about 5 KB, a 10,000-class one's under 400 KB; 90 MB of zeros in
// image_mean took 2.9 GB of memory to be refused by Validate).
const MaxConfigBytes = 1 << 20

// ChecksumKey is the metadata key of a model file's checksum: the CRC-32 (IEEE, zlib's) of its
// data section followed by its "config" value, as 8 lower-case hexadecimal digits. It finds a file
// damaged after it was written (a flipped bit in a weight or a threshold would otherwise load and
// detect wrongly, without an error).
const ChecksumKey = "crc32"

// File is an opened model file: its configuration, and its tensors read as Get asks for them,
// by one goroutine at a time (Get records the tensors used).
type File struct {
	Path   string        // the file it was read from
	Config configs.Model // the file's configuration (its metadata), validated

	st   *safetensors.Reader
	used map[string]bool
}

// Open reads and validates the model file at path: its size (at most safetensors.MaxFileSize,
// refused before anything is read), header, configuration and checksum (the data is read in
// pieces for it). Its tensors are read as Get asks for them, so a tensor the configuration has
// no use for never takes memory (CheckAllUsed names it). The File holds the file open until
// Close.
func Open(path string) (*File, error) {
	if path == "" { // (os's "open : no such file or directory" hides what is missing)
		return nil, errors.New("model: empty file name")
	}
	st, err := safetensors.OpenReader(path)
	if err != nil {
		var big *safetensors.SizeError
		if errors.As(err, &big) {
			return nil, fmt.Errorf("model %s: %d bytes, more than any model file (at most %d: a 2x g8 classifier of %d classes is 1.6 GB)", quote.Name(path), big.Size, int64(safetensors.MaxFileSize), shufflenet.MaxClasses)
		}
		if errors.Is(err, safetensors.ErrPyTorch) {
			return nil, fmt.Errorf("model %s: a PyTorch checkpoint (torch.save's), not a .bin model file: a train/train_detector.py run exports its models as OUT/iterNNNNNN.bin (the same command with --export-now writes one from its last.pt), and train/export.py converts other checkpoints", quote.Name(path))
		}
		var pe *fs.PathError
		if errors.As(err, &pe) && pe.Path == path { // "model m.bin: no such file or directory", not "model stat m.bin: ..."
			return nil, fmt.Errorf("model %s: %w", quote.Name(path), pe.Err)
		}
		return nil, fmt.Errorf("model %w", err)
	}
	f, err := fromSafetensors(st)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("model %s: %w", quote.Name(path), err)
	}
	f.Path = path
	return f, nil
}

// Close closes the model file; the values Get returned stay the caller's.
func (f *File) Close() error {
	if f == nil || f.st == nil {
		return errNotOpened
	}
	return f.st.Close()
}

// errNotOpened is returned by the methods of a nil *File (Open's result with its error) and of a
// File{}, instead of a nil-pointer panic.
var errNotOpened = errors.New("modelfile: a nil or zero File: make one with Open or Parse (did Open fail?)")

// Parse decodes a model file held in memory; name is used in error messages.
func Parse(name string, b []byte) (*File, error) {
	st, err := safetensors.NewReader(bytes.NewReader(b), int64(len(b)))
	if err == nil {
		var f *File
		if f, err = fromSafetensors(st); err == nil {
			f.Path = name
			return f, nil
		}
	}
	return nil, fmt.Errorf("model %s: %w", quote.Name(name), err)
}

func fromSafetensors(st *safetensors.Reader) (*File, error) {
	if got := st.Metadata["format"]; got != Format {
		return nil, fmt.Errorf("metadata format is %q, want %q (not a shuffledet model file)", got, Format)
	}
	raw, ok := st.Metadata["config"]
	if !ok {
		return nil, fmt.Errorf("metadata has no config")
	}
	if len(raw) > MaxConfigBytes {
		return nil, fmt.Errorf("config: %d bytes, more than %d", len(raw), MaxConfigBytes)
	}
	f := &File{st: st, used: map[string]bool{}}
	if err := checkKeyCase(raw); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f.Config); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("config: more after its JSON object (at byte %d)", dec.InputOffset())
	}
	var tree map[string]any
	if err := json.Unmarshal([]byte(raw), &tree); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if err := requireKeys(tree, reflect.TypeFor[configs.Model](), ""); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if err := f.Config.Validate(); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	// Checked after the configuration, so that a fuzzer's mutations still reach its checks.
	got, ok := st.Metadata[ChecksumKey]
	if !ok {
		return nil, fmt.Errorf("metadata has no %s, the checksum of its tensors and configuration "+
			"(files written before 2026-12-05 lack it: /usr/bin/python3 train/export.py --restamp OLD.bin --out NEW.bin adds it)", ChecksumKey)
	}
	if want := checksum(st.DataCRC32, raw); got != want {
		return nil, fmt.Errorf("damaged: its tensors and configuration give checksum %s, its metadata %s says %s", want, ChecksumKey, got)
	}
	return f, nil
}

// checksum is the ChecksumKey value for a data section of CRC-32 dataCRC and a configuration.
func checksum(dataCRC uint32, config string) string {
	return fmt.Sprintf("%08x", crc32.Update(dataCRC, crc32.IEEETable, []byte(config)))
}

// Metadata returns the metadata of a model file holding config (the configuration's JSON text)
// and tensors: its format, configuration and checksum. Invalid UTF-8 in config is stored as
// U+FFFD (the header is JSON), and the checksum is of the text as stored.
func Metadata(config string, tensors []*safetensors.Tensor) map[string]string {
	if !utf8.ValidString(config) {
		b, _ := json.Marshal(config) // a string always marshals, each invalid byte as U+FFFD
		json.Unmarshal(b, &config)
	}
	return map[string]string{"format": Format, "config": config, ChecksumKey: checksum(safetensors.DataCRC32(tensors), config)}
}

// requireKeys reports the first key of t's JSON form (a struct's) that obj, the decoded JSON
// object, lacks, named by its path from prefix: every key of a model file's configuration is
// required, as the exporters write them all. A key left out would otherwise read as zero, which
// passes Validate for thresholds and sizes and gives another detector than the file's writer
// meant, without an error.
func requireKeys(obj map[string]any, t reflect.Type, prefix string) error {
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous && f.Tag.Get("json") == "" { // fields inlined at this level
			if err := requireKeys(obj, f.Type, prefix); err != nil {
				return err
			}
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		v, ok := obj[name]
		if !ok {
			return fmt.Errorf("%s%s missing", prefix, name)
		}
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch {
		case ft.Kind() == reflect.Struct:
			if sub, ok := v.(map[string]any); ok { // null (no detector) or a wrong type: Decode's
				if err := requireKeys(sub, ft, prefix+name+"."); err != nil {
					return err
				}
			}
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
			list, _ := v.([]any)
			for j, e := range list {
				if sub, ok := e.(map[string]any); ok {
					if err := requireKeys(sub, ft.Elem(), fmt.Sprintf("%s%s[%d].", prefix, name, j)); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

// checkKeyCase reports an object key anywhere in the JSON text that is not spelled in lower-case
// ASCII letters, digits and underscores, as every key of the configuration is: encoding/json
// matches keys to fields under Unicode case folding ("MIN_SIZE" was taken as min_size, and after
// "min_size" in the same object overrode it; "ſhuffle", with a long s, as shuffle), while Python's
// json, which the training and reference code read the same config with, does not. Syntax errors
// are left to the decoder.
func checkKeyCase(text string) error {
	type level struct{ object, wantKey bool }
	var stack []level
	dec := json.NewDecoder(strings.NewReader(text))
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil
		}
		top := len(stack) - 1
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				if top >= 0 && stack[top].object {
					stack[top].wantKey = true // this value, once read, is followed by a key
				}
				stack = append(stack, level{object: d == '{', wantKey: d == '{'})
			default:
				stack = stack[:top]
			}
			continue
		}
		if top < 0 || !stack[top].object {
			continue
		}
		if key, ok := tok.(string); ok && stack[top].wantKey {
			if strings.IndexFunc(key, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') }) >= 0 {
				return fmt.Errorf("key %q: keys are spelled in lower-case ASCII letters, digits and underscores (%q?)", key, strings.ToLower(key))
			}
			stack[top].wantKey = false
			continue
		}
		stack[top].wantKey = true
	}
}

// MaxWeight bounds the magnitude of every value a model file holds: no trained network's weight
// or BatchNorm statistic comes near it, and weights of 1e30 (finite) overflowed the layers after
// them into empty detections, without an error.
const MaxWeight = 1e8

// Get reads the tensor called name, checking that its shape is shape (before reading it) and its
// values finite and within ±MaxWeight. The values are new memory, the caller's. Its errors do
// not name the file: the builder that calls it does, once, with its own errors.
func (f *File) Get(name string, shape ...int) ([]float32, error) {
	if f == nil || f.st == nil {
		return nil, errNotOpened
	}
	have, ok := f.st.Shape(name)
	if !ok {
		return nil, fmt.Errorf("tensor %q is missing", name)
	}
	if !slices.Equal(have, shape) {
		return nil, fmt.Errorf("tensor %q has shape %v, the config needs %v", name, have, shape)
	}
	t, err := f.st.Tensor(name)
	if err != nil {
		return nil, err
	}
	for i, v := range t.Data {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("tensor %q: value %d is %g", name, i, v)
		}
		if !(v >= -MaxWeight && v <= MaxWeight) {
			return nil, fmt.Errorf("tensor %q: value %d is %g, beyond ±%g (no trained network's)", name, i, v, float64(MaxWeight))
		}
	}
	f.used[name] = true
	return t.Data, nil
}

// CheckAllUsed reports tensors that the configuration has no place for.
func (f *File) CheckAllUsed() error {
	if f == nil || f.st == nil {
		return errNotOpened
	}
	var extra []string
	for _, name := range f.st.Names() {
		if !f.used[name] {
			extra = append(extra, name)
		}
	}
	if len(extra) == 0 {
		return nil
	}
	if len(extra) > 5 {
		extra = append(extra[:5], fmt.Sprintf("and %d more", len(extra)-5))
	}
	return fmt.Errorf("model %s: tensors the config (%s) does not use: %s", quote.Name(f.Path), f.Config.Backbone.Name(), strings.Join(extra, ", "))
}

// Write writes a model file with the given configuration and tensors.
func Write(path string, cfg configs.Model, tensors []*safetensors.Tensor) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	if err := enc.Encode(cfg); err != nil {
		return fmt.Errorf("model %s: config: %w", quote.Name(path), err)
	}
	return safetensors.WriteFile(path, tensors, Metadata(strings.TrimSpace(buf.String()), tensors))
}
