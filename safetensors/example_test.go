package safetensors_test

import (
	"encoding/binary"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/shuffledet/shuffledet/safetensors"
)

// Write two tensors and some metadata to a file and read them back. Tensors are stored (and
// read back) in name order, whatever order they were given in.
func ExampleWriteFile() {
	dir, err := os.MkdirTemp("", "safetensors-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "tiny.safetensors")

	tensors := []*safetensors.Tensor{
		{Name: "fc.weight", Shape: []int{2, 3}, Data: []float32{1, 2, 3, 4, 5, 6}},
		{Name: "fc.bias", Shape: []int{2}, Data: []float32{0.5, -0.5}},
	}
	if err := safetensors.WriteFile(path, tensors, map[string]string{"note": "an example"}); err != nil {
		log.Fatal(err)
	}

	f, err := safetensors.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range f.Tensors {
		fmt.Println(t.Name, t.Shape, t.Data)
	}
	fmt.Printf("metadata %q; fc.weight has %d values; conv.weight missing: %t\n",
		f.Metadata["note"], f.Tensor("fc.weight").Len(), f.Tensor("conv.weight") == nil)
	fmt.Printf("data CRC-32 %08x, as DataCRC32 computes it before writing: %t\n", f.DataCRC32, f.DataCRC32 == safetensors.DataCRC32(tensors))
	// Output:
	// fc.bias [2] [0.5 -0.5]
	// fc.weight [2 3] [1 2 3 4 5 6]
	// metadata "an example"; fc.weight has 6 values; conv.weight missing: true
	// data CRC-32 082810e6, as DataCRC32 computes it before writing: true
}

// Encode and Parse work on bytes in memory: an 8-byte little-endian header length, the JSON
// header, then the raw float32 data. Parse checks everything and refuses a damaged file.
func ExampleParse() {
	b, err := safetensors.Encode([]*safetensors.Tensor{{Name: "x", Shape: []int{2}, Data: []float32{1.5, 2}}}, nil)
	if err != nil {
		log.Fatal(err)
	}
	n := binary.LittleEndian.Uint64(b)
	fmt.Printf("%d bytes, a %d-byte header padded with spaces: [%s]\n", len(b), n, b[8:8+n])
	f, err := safetensors.Parse(b)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(f.Tensor("x").Data)
	_, err = safetensors.Parse(b[:len(b)-1]) // one byte short
	fmt.Println(err)
	// Output:
	// 72 bytes, a 56-byte header padded with spaces: [{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}  ]
	// [1.5 2]
	// cut short: 71 of 72 bytes, as its header lays out the tensors (an interrupted copy or download?)
}

// A Reader reads only the tensors asked for: the header and the data's checksum are read when
// the file is opened, each tensor's values when Tensor is called.
func ExampleOpenReader() {
	dir, err := os.MkdirTemp("", "safetensors-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "two.safetensors")
	tensors := []*safetensors.Tensor{
		{Name: "big", Shape: []int{1000, 1000}, Data: make([]float32, 1000*1000)},
		{Name: "small", Shape: []int{3}, Data: []float32{1, 2, 3}},
	}
	if err := safetensors.WriteFile(path, tensors, nil); err != nil {
		log.Fatal(err)
	}

	r, err := safetensors.OpenReader(path)
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	shape, _ := r.Shape("big")
	fmt.Println(r.Names(), "big has shape", shape)
	small, err := r.Tensor("small") // "big" is never read
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(small.Data)
	_, err = r.Tensor("huge")
	fmt.Println(err)
	// Output:
	// [big small] big has shape [1000 1000]
	// [1 2 3]
	// tensor "huge": not in the file
}
