// Package safetensors reads and writes the safetensors container: an 8-byte little-endian header
// length, a JSON header naming each tensor's dtype, shape and byte range, then the raw tensor data.
//
// Only float32 (F32) tensors are supported. Parse validates everything it is given (header length,
// JSON, repeated names, dtypes, shapes, offsets: the tensors must tile the data section exactly)
// and never panics on hostile input.
package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"slices"
	"sort"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/shuffledet/shuffledet/internal/quote"
)

// MaxHeaderSize bounds the JSON header (safetensors itself uses 100 MB).
const MaxHeaderSize = 100 << 20

// MaxFileSize bounds the size of a file a Reader reads, refused before its data is read for the
// checksum (a sparse file claiming 32 GiB took 38 s to be found damaged, measured once by a
// review): shuffledet's largest model file, a 2x g8 classifier of shufflenet.MaxClasses classes,
// is 1.6 GB (a detector's is tens of MB); modelfile.Open words the *SizeError for a model file.
const MaxFileSize = 2 << 30

// SizeError is the error for a file of more than MaxFileSize bytes.
type SizeError struct {
	Size int64 // the file's
}

// Error gives the file's size and the bound.
func (e *SizeError) Error() string {
	return fmt.Sprintf("%d bytes, more than a safetensors file read here may have (MaxFileSize, %d)", e.Size, int64(MaxFileSize))
}

// Bounds on what a header describes, checked as it is read, so that a header within
// MaxHeaderSize cannot take gigabytes of memory before it is refused (1.8 million entries took
// 1.2 GB, a shape of 20 million dimensions 0.8 GB; MaxTensors entries take about 30 MB to read).
// A ShuffleNet detector has a few hundred tensors of at most 4 dimensions.
const (
	MaxTensors    = 1 << 14
	MaxDimensions = 16
	MaxMetadata   = 1 << 10 // __metadata__ entries (a shuffledet model file has 3)
)

// Tensor is one named float32 tensor.
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32
}

// Len returns the number of elements the shape describes, or -1 for a dimension that is
// negative or beyond what a file holds (2^31-1, as Parse requires), or a product past an int.
func (t *Tensor) Len() int {
	n := 1
	for _, d := range t.Shape {
		if d < 0 || d > math.MaxInt32 || d > 0 && n > math.MaxInt/d {
			return -1
		}
		n *= d
	}
	return n
}

// File is a parsed safetensors file: its tensors in name order and its metadata.
type File struct {
	Metadata  map[string]string
	Tensors   []*Tensor
	DataCRC32 uint32 // the CRC-32 (IEEE, zlib's) of the data section as read: what DataCRC32 gives for Tensors
	byName    map[string]*Tensor
}

// Tensor returns the tensor with the given name, or nil.
func (f *File) Tensor(name string) *Tensor { return f.byName[name] }

type headerEntry struct {
	DType       string  `json:"dtype"`
	Shape       []int64 `json:"shape"`
	DataOffsets []int64 `json:"data_offsets"`
}

// ReadFile reads and parses the safetensors file at path, every tensor into memory (OpenReader
// reads only the tensors asked for). Errors name the file.
func ReadFile(path string) (*File, error) {
	r, err := OpenReader(path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	f, err := r.readAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", quote.Name(path), err)
	}
	return f, nil
}

// Parse decodes a whole safetensors file held in b.
func Parse(b []byte) (*File, error) {
	r, err := NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, err
	}
	return r.readAll()
}

// Reader reads a safetensors file's tensors one at a time, as they are asked for. The file is
// checked when it is opened: its size (at most MaxFileSize, else a *SizeError), its header, the
// size of its data section, and the data's checksum, read in pieces. A tensor nobody asks for is
// never held in memory, so a hostile file declaring gigabytes of tensors that its reader has no
// use for costs no memory.
type Reader struct {
	Metadata  map[string]string
	DataCRC32 uint32 // the CRC-32 (IEEE, zlib's) of the data section: what DataCRC32 gives for its tensors

	src   io.ReaderAt
	data  int64           // where the data section begins in src
	spans map[string]span // every tensor's place in the data section (and its CRC-32 at open), by name
	names []string        // the tensors' names, sorted
	file  *os.File        // the file OpenReader opened, else nil

	mu  sync.Mutex // held while buf is in use: Tensor's calls from several goroutines take turns
	buf []byte     // the pieces the data is read in (a multiple of 4 bytes), at open and by Tensor
}

// OpenReader opens the safetensors file at path and checks it (see Reader). The Reader holds the
// file open until Close. Errors name the file.
func OpenReader(path string) (*Reader, error) {
	// Checked before opening: opening a named pipe waits for a writer.
	if st, err := os.Stat(path); err != nil {
		return nil, err
	} else if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", quote.Name(path))
	}
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := fh.Stat()
	if err == nil && !st.Mode().IsRegular() { // replaced since the check above
		err = errors.New("not a regular file")
	}
	var r *Reader
	if err == nil {
		r, err = NewReader(fh, st.Size())
	}
	if err != nil {
		fh.Close()
		return nil, fmt.Errorf("%s: %w", quote.Name(path), err)
	}
	r.file = fh
	return r, nil
}

// NewReader reads the safetensors file of size bytes that src holds and checks it (see Reader).
func NewReader(src io.ReaderAt, size int64) (*Reader, error) {
	if size > MaxFileSize {
		return nil, &SizeError{Size: size}
	}
	var prefix [8]byte
	if readFull(src, prefix[:], 0) != nil {
		return nil, fmt.Errorf("truncated: %d bytes, need at least 8 for the header length", size)
	}
	n, err := headerLength(prefix[:], size)
	if err != nil {
		return nil, err
	}
	header := make([]byte, n)
	if err := readFull(src, header, 8); err != nil {
		return nil, fmt.Errorf("reading the header: %w", err)
	}
	dataLen := size - 8 - int64(n)
	l, err := parseHeader(header, dataLen)
	if err != nil {
		return nil, err
	}
	r := &Reader{Metadata: l.metadata, src: src, data: 8 + int64(n), spans: make(map[string]span, len(l.spans)),
		buf: make([]byte, min(1<<20, dataLen))}
	for _, sp := range l.spans { // in data order: they tile the data section
		if err := r.eachPiece(sp, func(b []byte) {
			r.DataCRC32 = crc32.Update(r.DataCRC32, crc32.IEEETable, b)
			sp.crc = crc32.Update(sp.crc, crc32.IEEETable, b)
		}); err != nil {
			return nil, fmt.Errorf("reading the data section: %w", err)
		}
		r.spans[sp.name] = sp
		r.names = append(r.names, sp.name)
	}
	sort.Strings(r.names)
	return r, nil
}

// Names returns the names of the file's tensors, sorted (the order in which WriteFile lays out their
// data; a file written elsewhere may hold it in any order).
func (r *Reader) Names() []string { return slices.Clone(r.names) }

// Shape returns the shape of the tensor called name, and whether the file has it.
func (r *Reader) Shape(name string) ([]int, bool) {
	sp, ok := r.spans[name]
	return slices.Clone(sp.shape), ok
}

// Tensor reads the tensor called name from the file into new memory. It may be called from
// several goroutines, but the calls are serialized, each holding the Reader while it reads: they
// read through the Reader's one buffer (up to 1 MiB, the one its checksum at open used), so that
// a call allocates only the tensor, not a buffer too. shuffledet reads a model's tensors one
// after another (modelfile.File.Get); reads that must run in parallel need a Reader each.
func (r *Reader) Tensor(name string) (*Tensor, error) {
	sp, ok := r.spans[name]
	if !ok {
		return nil, fmt.Errorf("tensor %q: not in the file", name)
	}
	if sp.end-sp.begin > math.MaxInt {
		return nil, fmt.Errorf("tensor %q: %d bytes do not fit in memory here", name, sp.end-sp.begin)
	}
	t := &Tensor{Name: name, Shape: slices.Clone(sp.shape), Data: make([]float32, (sp.end-sp.begin)/4)}
	var crc uint32
	i := 0
	r.mu.Lock()
	err := r.eachPiece(sp, func(b []byte) {
		crc = crc32.Update(crc, crc32.IEEETable, b)
		for j := 0; j < len(b); j += 4 {
			t.Data[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[j:]))
			i++
		}
	})
	r.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("tensor %q: reading its data: %w", name, err)
	}
	if crc != sp.crc { // what the checksum read at the start covered, or not
		return nil, fmt.Errorf("tensor %q: its bytes have changed since the file was opened (written over in place?): open it again", name)
	}
	return t, nil
}

// eachPiece calls f with the bytes of the tensor at sp, in pieces of at most len(r.buf) that
// r.buf holds (the caller holds r.mu where others may use it).
func (r *Reader) eachPiece(sp span, f func([]byte)) error {
	for off := sp.begin; off < sp.end; {
		b := r.buf[:min(int64(len(r.buf)), sp.end-off)]
		if err := readFull(r.src, b, r.data+off); err != nil {
			return err
		}
		f(b)
		off += int64(len(b))
	}
	return nil
}

// readFull reads len(b) bytes at off of src into b: io.ErrUnexpectedEOF where src ends first (a
// full read may come with io.EOF, as io.ReaderAt allows).
func readFull(src io.ReaderAt, b []byte, off int64) error {
	n, err := src.ReadAt(b, off)
	switch {
	case n == len(b):
		return nil
	case err == nil || err == io.EOF:
		return io.ErrUnexpectedEOF
	}
	return err
}

// Close closes the file that OpenReader opened (nothing for a NewReader).
func (r *Reader) Close() error {
	if r.file == nil {
		return nil
	}
	return r.file.Close()
}

// readAll reads every tensor into a File.
func (r *Reader) readAll() (*File, error) {
	f := &File{Metadata: r.Metadata, DataCRC32: r.DataCRC32, byName: make(map[string]*Tensor, len(r.names))}
	for _, name := range r.names {
		t, err := r.Tensor(name)
		if err != nil {
			return nil, err
		}
		f.Tensors = append(f.Tensors, t)
		f.byName[name] = t
	}
	return f, nil
}

// ErrPyTorch is wrapped by the error of a file that begins as PyTorch's torch.save writes its
// files (.pt, .pth): a zip archive, or before torch 1.6 a pickle. Such a file given for a
// safetensors one is a checkpoint that has not been exported.
var ErrPyTorch = errors.New("a zip archive or a Python pickle, as PyTorch's torch.save writes (a .pt or .pth checkpoint), not a safetensors file")

// headerLength reads the header length from a file's first 8 bytes and checks it against
// MaxHeaderSize and the file's size.
func headerLength(prefix []byte, fileSize int64) (int, error) {
	n := binary.LittleEndian.Uint64(prefix)
	if n > MaxHeaderSize && (bytes.HasPrefix(prefix, []byte("PK\x03\x04")) || prefix[0] == 0x80 && prefix[1] >= 2 && prefix[1] <= 5) {
		return 0, ErrPyTorch // (a zip's local file header; a pickle's PROTO opcode, protocols 2-5)
	}
	if n > MaxHeaderSize {
		return 0, fmt.Errorf("not a safetensors file: its first 8 bytes (% x) give a header length of %d, over the %d-byte limit", prefix, n, MaxHeaderSize)
	}
	if n > uint64(fileSize-8) {
		return 0, fmt.Errorf("header length %d runs past the end of the file (%d bytes)", n, fileSize)
	}
	return int(n), nil
}

// span is one tensor's place in the data section.
type span struct {
	begin, end int64
	name       string
	shape      []int
	crc        uint32 // its bytes' CRC-32 when a Reader opened the file
}

// layout is a checked header: the metadata and every tensor's span, in data order.
type layout struct {
	metadata map[string]string
	spans    []span
}

// parseHeader checks the JSON header of a file whose data section has dataLen bytes: every entry,
// no name twice, nothing after the JSON object, and tensors that tile the data section from its
// first byte to its last without gaps or overlaps (as the reference implementation requires).
func parseHeader(header []byte, dataLen int64) (*layout, error) {
	if !utf8.Valid(header) {
		return nil, fmt.Errorf("header JSON: not valid UTF-8")
	}
	if len(header) == 0 || header[0] != '{' {
		return nil, fmt.Errorf("header JSON: does not begin with '{'")
	}
	metadata, entries, err := headerEntries(bytes.TrimRight(header, " "))
	if err != nil {
		return nil, err
	}
	l := &layout{metadata: metadata}
	// Every entry is checked before any data is decoded: hostile headers with many entries over
	// one range must not allocate the data section many times over.
	for name, e := range entries {
		if e.DType != "F32" {
			return nil, fmt.Errorf("tensor %q: dtype %q is not supported (only F32)", name, e.DType)
		}
		count := int64(1)
		shape := make([]int, len(e.Shape))
		for i, d := range e.Shape {
			if d < 0 || d > math.MaxInt32 {
				return nil, fmt.Errorf("tensor %q: bad dimension %d in shape %v", name, d, e.Shape)
			}
			if d != 0 && count > math.MaxInt64/4/d {
				return nil, fmt.Errorf("tensor %q: shape %v is too large", name, e.Shape)
			}
			count *= d
			shape[i] = int(d)
		}
		if len(e.DataOffsets) != 2 {
			return nil, fmt.Errorf("tensor %q: data_offsets must have 2 entries, has %d", name, len(e.DataOffsets))
		}
		begin, end := e.DataOffsets[0], e.DataOffsets[1]
		if begin < 0 || end < begin || end > MaxFileSize { // (past dataLen: a file cut short, below)
			return nil, fmt.Errorf("tensor %q: data_offsets [%d, %d] outside the %d-byte data section", name, begin, end, dataLen)
		}
		if end-begin != 4*count {
			return nil, fmt.Errorf("tensor %q: data_offsets [%d, %d] hold %d bytes, shape %v needs %d", name, begin, end, end-begin, e.Shape, 4*count)
		}
		l.spans = append(l.spans, span{begin: begin, end: end, name: name, shape: shape})
	}
	sort.Slice(l.spans, func(i, j int) bool {
		a, b := l.spans[i], l.spans[j]
		if a.begin != b.begin {
			return a.begin < b.begin
		}
		if a.end != b.end {
			return a.end < b.end
		}
		return a.name < b.name
	})
	var at int64 // where the next tensor must begin
	for i, sp := range l.spans {
		switch {
		case sp.begin < at:
			return nil, fmt.Errorf("tensors %q and %q overlap in the data section", l.spans[i-1].name, sp.name)
		case sp.begin > at:
			return nil, fmt.Errorf("data section: bytes %d to %d belong to no tensor (before %q)", at, sp.begin, sp.name)
		}
		at = sp.end
	}
	switch {
	case at > dataLen: // tensors that tile a longer data section: the file ends early
		headerEnd := 8 + int64(len(header))
		return nil, fmt.Errorf("cut short: %d of %d bytes, as its header lays out the tensors (an interrupted copy or download?)", headerEnd+dataLen, headerEnd+at)
	case at < dataLen:
		return nil, fmt.Errorf("data section: %d bytes after the last tensor's end (%d of %d)", dataLen-at, at, dataLen)
	}
	return l, nil
}

// headerEntries reads the header's one JSON object in one pass, token by token, so that no
// entry is held whole before it is checked (a shape of millions of dimensions is refused at the
// first past MaxDimensions, an object of millions of entries at the first past MaxTensors). It
// refuses a name twice (a map would keep the last; another reader may take the first) and
// anything after the object.
func headerEntries(header []byte) (metadata map[string]string, entries map[string]headerEntry, err error) {
	dec := json.NewDecoder(bytes.NewReader(header))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, nil, fmt.Errorf("header JSON: not an object")
	}
	metadata, entries = map[string]string{}, map[string]headerEntry{}
	sawMetadata := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, fmt.Errorf("header JSON: %w", err)
		}
		name, _ := tok.(string) // a key: the decoder refuses anything else here
		if _, twice := entries[name]; twice || name == "__metadata__" && sawMetadata {
			return nil, nil, fmt.Errorf("header JSON: %q appears twice", name)
		}
		if name == "__metadata__" {
			sawMetadata = true
			if err := readMetadata(dec, metadata); err != nil {
				if syntaxError(err) {
					return nil, nil, fmt.Errorf("header JSON: %w", err)
				}
				return nil, nil, fmt.Errorf("__metadata__: %w", err)
			}
			continue
		}
		if len(entries) == MaxTensors {
			return nil, nil, fmt.Errorf("header JSON: more than %d tensors", MaxTensors)
		}
		e, err := readEntry(dec)
		if err != nil {
			if syntaxError(err) {
				return nil, nil, fmt.Errorf("header JSON: %w", err)
			}
			return nil, nil, fmt.Errorf("tensor %q: %w", name, err)
		}
		entries[name] = e
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, nil, fmt.Errorf("header JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, nil, fmt.Errorf("header JSON: more after its object")
	}
	return metadata, entries, nil
}

// readMetadata reads the __metadata__ object, token by token, into m: at most MaxMetadata
// entries, each a string (null: none); a repeated key keeps its last value, as encoding/json
// kept it.
func readMetadata(dec *json.Decoder, m map[string]string) error {
	tok, err := dec.Token()
	switch {
	case err != nil:
		return err
	case tok == nil:
		return nil
	case tok != json.Delim('{'):
		return fmt.Errorf("must map strings to strings, not %v", tok)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		if _, ok := m[key]; !ok && len(m) == MaxMetadata {
			return fmt.Errorf("more than %d entries", MaxMetadata)
		}
		if tok, err = dec.Token(); err != nil {
			return err
		}
		value, ok := tok.(string)
		if !ok {
			return fmt.Errorf("must map strings to strings: %q is %v", key, tok)
		}
		m[key] = value
	}
	_, err = dec.Token() // the closing brace
	return err
}

// syntaxError reports whether err is the decoder's: malformed JSON or JSON cut short.
func syntaxError(err error) bool {
	var se *json.SyntaxError
	return errors.As(err, &se) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// readEntry reads one tensor's entry, the decoder at its opening brace, with the keys dtype,
// shape and data_offsets spelled exactly and each once, as the reference reader (serde, in Rust)
// takes them; encoding/json alone would also take "DATA_OFFSETS" or "Shape" for them (the last
// one winning), so that a file could hold one model for PyTorch and another for this reader. Any
// other key is refused (serde would skip it; no writer puts one there).
func readEntry(dec *json.Decoder) (headerEntry, error) {
	var e headerEntry
	if tok, err := dec.Token(); err != nil {
		return e, err
	} else if tok != json.Delim('{') {
		return e, fmt.Errorf("not a JSON object")
	}
	var seen [3]bool // dtype, shape, data_offsets
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return e, err
		}
		key, _ := tok.(string)
		k := slices.Index([]string{"dtype", "shape", "data_offsets"}, key)
		if k < 0 {
			return e, fmt.Errorf("unknown field %q (an entry has dtype, shape and data_offsets)", key)
		}
		if seen[k] {
			return e, fmt.Errorf("%s appears twice", key)
		}
		seen[k] = true
		switch key {
		case "dtype":
			tok, err := dec.Token()
			if err != nil {
				return e, err
			}
			if e.DType, _ = tok.(string); e.DType == "" {
				return e, fmt.Errorf("dtype: %v is not a type name", tok)
			}
		case "shape":
			if e.Shape, err = readInts(dec, key, MaxDimensions, "dimensions"); err != nil {
				return e, err
			}
			if e.Shape == nil {
				return e, fmt.Errorf("shape is null, not a list")
			}
		case "data_offsets":
			if e.DataOffsets, err = readInts(dec, key, MaxDimensions, "offsets"); err != nil { // (parseHeader wants 2)
				return e, err
			}
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return e, err
	}
	for k, key := range []string{"dtype", "shape", "data_offsets"} {
		if !seen[k] {
			return e, fmt.Errorf("no %s", key)
		}
	}
	return e, nil
}

// readInts reads key's list of at most limit 64-bit integers (what), nil for a JSON null.
func readInts(dec *json.Decoder, key string, limit int, what string) ([]int64, error) {
	tok, err := dec.Token()
	switch {
	case err != nil:
		return nil, err
	case tok == nil:
		return nil, nil
	case tok != json.Delim('['):
		return nil, fmt.Errorf("%s: %v is not a list of integers", key, tok)
	}
	out := []int64{}
	for dec.More() {
		if len(out) == limit {
			return nil, fmt.Errorf("%s: more than %d %s", key, limit, what)
		}
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		n, ok := tok.(json.Number)
		if !ok {
			return nil, fmt.Errorf("%s: %v is not an integer", key, tok)
		}
		v, err := strconv.ParseInt(string(n), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s: %s is not a 64-bit integer", key, n)
		}
		out = append(out, v)
	}
	if _, err := dec.Token(); err != nil { // the closing bracket
		return nil, err
	}
	return out, nil
}

// WriteFile writes tensors (in name order) and metadata to path as a safetensors file.
func WriteFile(path string, tensors []*Tensor, metadata map[string]string) error {
	b, err := Encode(tensors, metadata)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, b, 0o644)
}

// Encode returns the safetensors file of tensors (in name order) and metadata, as WriteFile writes it.
func Encode(tensors []*Tensor, metadata map[string]string) ([]byte, error) {
	sorted := byName(tensors)
	header := map[string]any{}
	if len(metadata) > 0 {
		header["__metadata__"] = metadata
	}
	if len(sorted) > MaxTensors {
		return nil, fmt.Errorf("%d tensors, more than %d (a reader refuses the file)", len(sorted), MaxTensors)
	}
	var off int64
	for i, t := range sorted {
		if t.Name == "__metadata__" || i > 0 && t.Name == sorted[i-1].Name {
			return nil, fmt.Errorf("tensor name %q is reserved or appears twice", t.Name)
		}
		if len(t.Shape) > MaxDimensions {
			return nil, fmt.Errorf("tensor %q: %d dimensions, more than %d", t.Name, len(t.Shape), MaxDimensions)
		}
		if t.Len() != len(t.Data) {
			return nil, fmt.Errorf("tensor %q: shape %v needs %d values, has %d", t.Name, t.Shape, t.Len(), len(t.Data))
		}
		n := int64(4 * len(t.Data))
		header[t.Name] = headerEntry{DType: "F32", Shape: toInt64(t.Shape), DataOffsets: []int64{off, off + n}}
		off += n
	}
	h, err := json.Marshal(header)
	if err != nil {
		return nil, err
	}
	for len(h)%8 != 0 {
		h = append(h, ' ')
	}
	out := make([]byte, 8, 8+len(h)+int(off))
	binary.LittleEndian.PutUint64(out, uint64(len(h)))
	out = append(out, h...)
	return appendData(out, sorted), nil
}

// DataCRC32 returns the CRC-32 (IEEE, zlib's) of the data section that WriteFile writes for
// tensors, which File.DataCRC32 gives back when the file is read.
func DataCRC32(tensors []*Tensor) uint32 {
	var crc uint32
	var buf []byte // one tensor's bytes at a time, not the whole data section
	for _, t := range byName(tensors) {
		buf = appendData(buf[:0], []*Tensor{t})
		crc = crc32.Update(crc, crc32.IEEETable, buf)
	}
	return crc
}

// byName returns a copy of tensors sorted by name, the order in which WriteFile lays out their data.
func byName(tensors []*Tensor) []*Tensor {
	sorted := append([]*Tensor(nil), tensors...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	return sorted
}

// appendData appends the data section of sorted, little-endian float32 values, to out.
func appendData(out []byte, sorted []*Tensor) []byte {
	for _, t := range sorted {
		for _, v := range t.Data {
			out = binary.LittleEndian.AppendUint32(out, math.Float32bits(v))
		}
	}
	return out
}

func toInt64(s []int) []int64 {
	r := make([]int64, len(s))
	for i, v := range s {
		r[i] = int64(v)
	}
	return r
}
