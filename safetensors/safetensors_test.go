package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func build(header string, data int) []byte {
	b := make([]byte, 8, 8+len(header)+data)
	binary.LittleEndian.PutUint64(b, uint64(len(header)))
	b = append(b, header...)
	return append(b, make([]byte, data)...)
}

func TestRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.safetensors")
	in := []*Tensor{{Name: "b", Shape: []int{2, 2}, Data: []float32{1, 2, 3, -4.5}}, {Name: "a", Shape: []int{1}, Data: []float32{7}}, {Name: "empty", Shape: []int{0, 3}, Data: nil}}
	if err := WriteFile(path, in, map[string]string{"k": "v"}); err != nil {
		t.Fatal(err)
	}
	f, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if f.Metadata["k"] != "v" || len(f.Tensors) != 3 || f.Tensors[0].Name != "a" {
		t.Fatalf("metadata %v, tensors %d", f.Metadata, len(f.Tensors))
	}
	b := f.Tensor("b")
	if b == nil || b.Data[3] != -4.5 || b.Shape[1] != 2 {
		t.Fatalf("tensor b = %+v", b)
	}
}

func TestHostileInput(t *testing.T) {
	for _, c := range []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "truncated"},
		{"short length", []byte{1, 2, 3}, "truncated"},
		{"length past end", build(`{}`, 0)[:9], "runs past the end"},
		{"huge length", append([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, "{}"...), "not a safetensors file: its first 8 bytes (ff ff ff ff ff ff ff 7f) give a header length of 9223372036854775807, over the 104857600-byte limit"},
		{"a JPEG", []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01"), "not a safetensors file: its first 8 bytes (ff d8 ff e0 00 10 4a 46)"},
		// torch.save's: a zip (torch 1.6 on), a pickle (before; torch.save(..., _use_new_zipfile_serialization=False))
		{"a .pt", []byte("PK\x03\x04\x00\x00\x08\x08\x00\x00"), "a zip archive or a Python pickle, as PyTorch's torch.save writes (a .pt or .pth checkpoint), not a safetensors file"},
		{"an old .pt", []byte("\x80\x02\x8a\x0al\xfc\x9cF\xf9 j\xa8"), "as PyTorch's torch.save writes"},
		{"not json", build(`{"a":`, 0), "header JSON"},
		{"not object", build(`[1]`, 0), "header JSON"},
		{"wrong dtype", build(`{"w":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}`, 4), `tensor "w": dtype "F16"`},
		{"data cut short", build(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, 4), "cut short: 66 of 70 bytes"},
		{"offsets out of range", build(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4294967304]}}`, 4), `tensor "w": data_offsets [0, 4294967304] outside the 4-byte data section`},
		{"negative offset", build(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}`, 4), `tensor "w": data_offsets`},
		{"size mismatch", build(`{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, 8), `shape [3] needs 12`},
		{"overlap", build(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`, 12), "overlap"},
		{"negative dim", build(`{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}`, 0), "bad dimension"},
		{"overflowing shape", build(`{"w":{"dtype":"F32","shape":[2147483647,2147483647,2147483647],"data_offsets":[0,0]}}`, 0), "too large"},
		{"bad offsets arity", build(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}}`, 4), "2 entries"},
		{"bad metadata", build(`{"__metadata__":{"a":1}}`, 0), "__metadata__"},
		{"junk after the header", build(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}} garbage!!`, 4), "more after its object"},
		{"two objects", build(`{}{"b":1}`, 0), "more after its object"},
		// the map kept the last "w": another reader takes the first
		{"repeated name", build(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, 8), `"w" appears twice`},
		{"gap", build(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}`, 12), `bytes 4 to 8 belong to no tensor (before "b")`},
		{"not from the start", build(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, 8), "bytes 0 to 4 belong to no tensor"},
		{"trailing bytes", build(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, 1004), "1000 bytes after the last tensor's end"},
		// An entry's keys as the reference reader takes them: exactly, once, no others (encoding/
		// json took "DATA_OFFSETS" for data_offsets, the last one winning: a and b swapped data).
		{"key in another case", build(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"DATA_OFFSETS":[4,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, 8), `tensor "a": unknown field "DATA_OFFSETS"`},
		{"key twice", build(`{"a":{"dtype":"F32","shape":[1],"shape":[1],"data_offsets":[0,4]}}`, 4), `tensor "a": shape appears twice`},
		{"unknown key", build(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"extra":1}}`, 4), `unknown field "extra"`},
		{"no shape", build(`{"a":{"dtype":"F32","data_offsets":[0,4]}}`, 4), `tensor "a": no shape`},
		{"null shape", build(`{"a":{"dtype":"F32","shape":null,"data_offsets":[0,4]}}`, 4), `tensor "a": shape is null`},
		{"invalid UTF-8", build("{\"a\xff\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4), "not valid UTF-8"},
		{"space before the object", build("\n{}", 0), "does not begin with '{'"},
		{"too many dimensions", build(`{"a":{"dtype":"F32","shape":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1],"data_offsets":[0,4]}}`, 4), `tensor "a": shape: more than 16 dimensions`},
	} {
		_, err := Parse(c.b)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to mention %q", c.name, err, c.want)
		}
	}
}

// TestCutShort: a file cut anywhere in its data section (between tensors or within one) is
// reported as cut short, with its size and the size its header gives.
func TestCutShort(t *testing.T) {
	b := build(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[3],"data_offsets":[8,20]}}`, 20)
	data := len(b) - 20
	for n := data; n < len(b); n++ {
		want := fmt.Sprintf("cut short: %d of %d bytes", n, len(b))
		if _, err := Parse(b[:n]); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("cut at byte %d: error %v, want it to mention %q", n, err, want)
		}
	}
}

func TestReadFileNamesFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "broken.bin")
	if err := os.WriteFile(path, []byte{1, 2}, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("error %v does not name the file", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(build(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, 8))
	f.Add(build(`{"__metadata__":{"format":"shuffledet"},"a":{"dtype":"F32","shape":[1,1],"data_offsets":[0,4]}}`, 4))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := Parse(b)
		if err != nil {
			return
		}
		for _, x := range file.Tensors {
			if x.Len() != len(x.Data) {
				t.Fatalf("tensor %q: shape %v but %d values", x.Name, x.Shape, len(x.Data))
			}
		}
	})
}

func TestManyEntriesOverOneRangeAreRejectedBeforeDecoding(t *testing.T) {
	var h strings.Builder
	h.WriteString("{")
	for i := 0; i < 2000; i++ {
		if i > 0 {
			h.WriteString(",")
		}
		fmt.Fprintf(&h, `"t%d":{"dtype":"F32","shape":[262144],"data_offsets":[0,1048576]}`, i)
	}
	h.WriteString("}")
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	_, err := Parse(build(h.String(), 1<<20))
	runtime.ReadMemStats(&m1)
	if err == nil || !strings.Contains(err.Error(), "overlap") {
		t.Fatalf("error %v, want overlap", err)
	}
	if grew := m1.TotalAlloc - m0.TotalAlloc; grew > 64<<20 {
		t.Fatalf("parsing allocated %d MB before rejecting the file", grew>>20)
	}
}

// TestHugeHeadersRefusedCheaply: a header of more than MaxTensors entries, a shape of millions of
// dimensions, or __metadata__ of a million entries, is refused as it is read, without memory in
// proportion to what it describes (1.8 million entries took 1.2 GB, 20 million dimensions 0.8 GB,
// 95 MB of metadata 1.7 GB; the cases here, over 80 MB: now under 48 MB); MaxDimensions
// dimensions and MaxTensors tensors are taken.
func TestHugeHeadersRefusedCheaply(t *testing.T) {
	entries := func(n int) string {
		var h strings.Builder
		h.WriteString("{")
		for i := range n {
			if i > 0 {
				h.WriteString(",")
			}
			fmt.Fprintf(&h, `"t%d":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}`, i)
		}
		h.WriteString("}")
		return h.String()
	}
	if _, err := Parse(build(entries(MaxTensors), 0)); err != nil {
		t.Errorf("%d tensors: %v", MaxTensors, err)
	}
	dims := strings.Repeat("1,", MaxDimensions-1) + "1"
	if _, err := Parse(build(`{"a":{"dtype":"F32","shape":[`+dims+`],"data_offsets":[0,4]}}`, 4)); err != nil {
		t.Errorf("%d dimensions: %v", MaxDimensions, err)
	}
	var meta strings.Builder
	for i := range 1_000_000 {
		fmt.Fprintf(&meta, `"%x":"",`, i)
	}
	for name, header := range map[string]string{
		"1M metadata entries": `{"__metadata__":{` + strings.TrimSuffix(meta.String(), ",") + `},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`,
		"200K entries":        entries(200_000),
		"2M dimensions":       `{"a":{"dtype":"F32","shape":[` + strings.Repeat("1,", 2_000_000) + `1],"data_offsets":[0,4]}}`,
	} {
		b := build(header, 4)
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		_, err := Parse(b)
		runtime.ReadMemStats(&m1)
		if err == nil || !strings.Contains(err.Error(), "more than") {
			t.Errorf("%s: %v", name, err)
		}
		if grew := m1.TotalAlloc - m0.TotalAlloc; grew > 48<<20 { // MaxTensors entries read, about 30 MB
			t.Errorf("%s: %d MB allocated to refuse a %d MB header", name, grew>>20, len(b)>>20)
		}
	}
}

// TestReadFileChecksTheSizeFirst: a file padded to a gigabyte past its last tensor (sparse here) is
// refused from its header, before its data section is read into memory.
func TestReadFileChecksTheSizeFirst(t *testing.T) {
	path := filepath.Join(t.TempDir(), "padded.bin")
	if err := WriteFile(path, []*Tensor{{Name: "a", Shape: []int{2}, Data: []float32{1, 2}}}, nil); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, 1<<30); err != nil {
		t.Fatal(err)
	}
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	_, err := ReadFile(path)
	runtime.ReadMemStats(&m1)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "after the last tensor's end") {
		t.Fatalf("error %v", err)
	}
	if grew := m1.TotalAlloc - m0.TotalAlloc; grew > 1<<20 {
		t.Fatalf("ReadFile allocated %d MB before refusing the file", grew>>20)
	}
}

// TestWriteFileRefusesWhatReadFileWould: two tensors of one name, one named __metadata__, or a
// shape whose size wraps around, are refused when written (the header kept one entry over both tensors' data: a file its reader
// refuses).
func TestWriteFileRefusesWhatReadFileWould(t *testing.T) {
	dir := t.TempDir()
	half := 1 << (strconv.IntSize / 2)
	for i, ts := range [][]*Tensor{
		{{Name: "a", Shape: []int{1}, Data: []float32{1}}, {Name: "a", Shape: []int{1}, Data: []float32{2}}},
		{{Name: "__metadata__", Shape: []int{1}, Data: []float32{1}}},
		{{Name: "huge", Shape: []int{half, half}}}, // 2^IntSize values: 0 in int arithmetic, and none given
	} {
		path := filepath.Join(dir, fmt.Sprint(i))
		if err := WriteFile(path, ts, map[string]string{"k": "v"}); err == nil || !strings.Contains(err.Error(), ts[0].Name) {
			t.Errorf("%s: %v", ts[0].Name, err)
		}
	}
}

// TestDataCRC32: the checksum DataCRC32 gives for tensors (in any order) is the one Parse finds
// for the data section Encode writes, and zlib's CRC-32 of those bytes.
func TestDataCRC32(t *testing.T) {
	ts := []*Tensor{{Name: "b", Shape: []int{2, 3}, Data: []float32{1, -2, 3.5, 0, 1e-30, 7}},
		{Name: "a", Shape: []int{1}, Data: []float32{-0.25}}, {Name: "c", Shape: []int{0}, Data: []float32{}}}
	b, err := Encode(ts, map[string]string{"k": "v"})
	if err != nil {
		t.Fatal(err)
	}
	f, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	data := b[len(b)-4*7:] // a's value, then b's six
	if got, want := DataCRC32(ts), crc32.ChecksumIEEE(data); got != want || f.DataCRC32 != want {
		t.Errorf("DataCRC32 %08x, Parse's %08x, the data's %08x", got, f.DataCRC32, want)
	}
}

// eofAtEnd is a ReaderAt that returns io.EOF with a full read that reaches its end, as
// io.ReaderAt allows.
type eofAtEnd struct{ *bytes.Reader }

func (e eofAtEnd) ReadAt(b []byte, off int64) (int, error) {
	n, err := e.Reader.ReadAt(b, off)
	if err == nil && off+int64(n) == e.Size() {
		err = io.EOF
	}
	return n, err
}

// TestReaderFullReadAtEnd: a source whose last full read comes with io.EOF (as io.ReaderAt
// allows) reads whole, with tensors and without.
func TestReaderFullReadAtEnd(t *testing.T) {
	for _, ts := range [][]*Tensor{{{Name: "a", Shape: []int{2}, Data: []float32{1, 2}}}, nil} {
		b, err := Encode(ts, map[string]string{"k": "v"})
		if err != nil {
			t.Fatal(err)
		}
		r, err := NewReader(eofAtEnd{bytes.NewReader(b)}, int64(len(b)))
		if err != nil {
			t.Fatalf("%d tensors: %v", len(ts), err)
		}
		for _, want := range ts {
			if got, err := r.Tensor(want.Name); err != nil || !slices.Equal(got.Data, want.Data) {
				t.Errorf("tensor %s: %v, %v", want.Name, got, err)
			}
		}
	}
}

// TestReaderFileChanged: a file written over in place after it was opened (same size, the same
// second) is refused at the tensor that changed, not read as what the checksum covered.
func TestReaderFileChanged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.safetensors")
	ts := []*Tensor{{Name: "a", Shape: []int{3}, Data: []float32{1, 2, 3}}, {Name: "b", Shape: []int{1}, Data: []float32{4}}}
	if err := WriteFile(path, ts, nil); err != nil {
		t.Fatal(err)
	}
	r, err := OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ts[0].Data[1] = -2
	if err := WriteFile(path, ts, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Tensor("a"); err == nil || !strings.Contains(err.Error(), `tensor "a": its bytes have changed since the file was opened`) {
		t.Errorf("the changed tensor: %v", err)
	}
	if got, err := r.Tensor("b"); err != nil || got.Data[0] != 4 {
		t.Errorf("the unchanged one: %v, %v", got, err)
	}
}

// noReads is a ReaderAt that fails its test when it is read.
type noReads struct{ t *testing.T }

func (n noReads) ReadAt(b []byte, off int64) (int, error) {
	n.t.Errorf("read %d bytes at %d", len(b), off)
	return 0, io.ErrUnexpectedEOF
}

// prefixOnly is a ReaderAt whose first bytes are b and whose others are refused: a file of any
// size that only its header may be read of.
type prefixOnly []byte

func (p prefixOnly) ReadAt(b []byte, off int64) (int, error) {
	if off+int64(len(b)) > int64(len(p)) {
		return 0, fmt.Errorf("read %d bytes at %d, past the header", len(b), off)
	}
	return copy(b, p[off:]), nil
}

// TestFileSizeBounded: a file of more than MaxFileSize bytes (sparse here, its header valid) is
// refused from its size, naming the file and both sizes, before any of it is read: every
// caller of the Reader gets the bound, not only modelfile (ReadFile checksummed 2 GiB of zeros
// and took the file). A file of MaxFileSize bytes is not refused for its size.
func TestFileSizeBounded(t *testing.T) {
	n := int64(MaxFileSize)/4 + 1
	header := fmt.Sprintf(`{"a":{"dtype":"F32","shape":[%d],"data_offsets":[0,%d]}}`, n, 4*n)
	path := filepath.Join(t.TempDir(), "huge.safetensors")
	if err := os.WriteFile(path, build(header, 0), 0o644); err != nil {
		t.Fatal(err)
	}
	size := 8 + int64(len(header)) + 4*n
	if err := os.Truncate(path, size); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("%s: %d bytes, more than a safetensors file read here may have (MaxFileSize, %d)", path, size, int64(MaxFileSize))
	if _, err := ReadFile(path); err == nil || err.Error() != want {
		t.Errorf("ReadFile: %v; want %s", err, want)
	}
	_, err := OpenReader(path)
	if se := (*SizeError)(nil); !errors.As(err, &se) || se.Size != size {
		t.Errorf("OpenReader: %v; want a *SizeError of %d bytes", err, size)
	}
	if _, err := NewReader(noReads{t}, MaxFileSize+1); err == nil || err.Error() != fmt.Sprintf("%d bytes, more than a safetensors file read here may have (MaxFileSize, %d)", int64(MaxFileSize)+1, int64(MaxFileSize)) {
		t.Errorf("NewReader of MaxFileSize+1 bytes: %v", err)
	}
	if _, err := NewReader(prefixOnly(build(`{}`, 0)), MaxFileSize); err == nil || !strings.Contains(err.Error(), "after the last tensor's end") {
		t.Errorf("NewReader of MaxFileSize bytes: %v; want its header read and its data refused", err)
	}
}

// TestTensorAllocations: reading a tensor allocates the tensor, its shape and its values, not
// the pieces it is read in (a 64 KiB buffer on every call, before: reading N tensors made N).
func TestTensorAllocations(t *testing.T) {
	b, err := Encode([]*Tensor{{Name: "w", Shape: []int{1 << 16}, Data: make([]float32, 1<<16)}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(20, func() {
		if _, err := r.Tensor("w"); err != nil {
			t.Fatal(err)
		}
	}); n > 3 {
		t.Errorf("Tensor: %g allocations a call, want 3 (the tensor, its shape, its values)", n)
	}
}

// BenchmarkTensor reads a 256 KiB tensor from memory (B/op: its values, 262144 bytes, and little
// more).
func BenchmarkTensor(b *testing.B) {
	enc, err := Encode([]*Tensor{{Name: "w", Shape: []int{1 << 16}, Data: make([]float32, 1<<16)}}, nil)
	if err != nil {
		b.Fatal(err)
	}
	r, err := NewReader(bytes.NewReader(enc), int64(len(enc)))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Tensor("w"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestTensorConcurrent: Tensor called from several goroutines at once reads every tensor right,
// though its calls share the Reader's buffer.
func TestTensorConcurrent(t *testing.T) {
	var ts []*Tensor
	for i := range 4 {
		x := &Tensor{Name: fmt.Sprint("t", i), Shape: []int{1 << 18}, Data: make([]float32, 1<<18)}
		for j := range x.Data {
			x.Data[j] = float32(i*7 + j%5)
		}
		ts = append(ts, x)
	}
	b, err := Encode(ts, nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, len(ts))
	for _, want := range ts {
		go func() {
			for range 10 {
				got, err := r.Tensor(want.Name)
				if err == nil && !slices.Equal(got.Data, want.Data) {
					err = fmt.Errorf("tensor %s: other values", want.Name)
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range ts {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
