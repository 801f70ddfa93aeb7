package cvimage

import (
	"bytes"
	"io"
	"testing"
)

// TestChunksReadAt: readChunks' pieces read as one file, across a piece's end and at the end.
func TestChunksReadAt(t *testing.T) {
	var c chunks
	c.parts, c.size = [][]byte{make([]byte, chunkSize), {1, 2, 3}}, chunkSize+3
	p := make([]byte, 5)
	if n, err := c.ReadAt(p, chunkSize-2); n != 5 || err != nil || !bytes.Equal(p, []byte{0, 0, 1, 2, 3}) {
		t.Errorf("ReadAt across pieces: %d, %v, %v", n, err, p)
	}
	if n, err := c.ReadAt(p, chunkSize); n != 3 || err != io.EOF {
		t.Errorf("ReadAt past the end: %d, %v", n, err)
	}
}
