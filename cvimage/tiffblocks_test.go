package cvimage

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"runtime"
	"strings"
	"testing"
)

// blockTIFF returns a 64x64 RGB TIFF of one strip (tile > 0: one tile x tile tile) holding data,
// compressed as compression says (8: deflate, 32773: PackBits), rows rows a strip.
func blockTIFF(compression, rows, tile uint32, data []byte) []byte {
	type entry struct {
		tag, typ uint16
		value    uint32
	}
	const dirAt, entries = 8, 10
	bitsAt := uint32(dirAt + 2 + 12*entries + 4)
	dataAt := bitsAt + 6
	es := []entry{{256, 3, 64}, {257, 3, 64}, {258, 3, bitsAt}, {259, 3, compression}, {262, 3, 2},
		{273, 4, dataAt}, {277, 3, 3}, {278, 4, rows}, {279, 4, uint32(len(data))}}
	if tile > 0 {
		es = []entry{{256, 3, 64}, {257, 3, 64}, {258, 3, bitsAt}, {259, 3, compression}, {262, 3, 2},
			{277, 3, 3}, {322, 4, tile}, {323, 4, tile}, {324, 4, dataAt}, {325, 4, uint32(len(data))}}
	}
	b := []byte("II*\x00\x08\x00\x00\x00")
	b = binary.LittleEndian.AppendUint16(b, uint16(len(es)))
	for _, e := range es {
		b = binary.LittleEndian.AppendUint16(b, e.tag)
		b = binary.LittleEndian.AppendUint16(b, e.typ)
		count := uint32(1)
		if e.tag == 258 { // three SHORTs, at value
			count = 3
		}
		b = binary.LittleEndian.AppendUint32(b, count)
		b = binary.LittleEndian.AppendUint32(b, e.value)
	}
	for len(b) < int(bitsAt) {
		b = append(b, 0)
	}
	b = append(b, 8, 0, 8, 0, 8, 0)
	return append(b, data...)
}

// TestHostileTIFFBlocks: a 64x64 TIFF whose one strip is stated to hold 2^32-1 rows, or whose
// tile is 4096x4096, decodes without inflating its deflated 64 MiB of zeros (a 2 MB file so made
// took 8.5 GB and 73 s in detect); a PackBits strip longer than its pixels can take packed, or
// unpacking to more (x/image/tiff unpacks it whole, 64 bytes for every 2), is refused, as is a
// list of 4M offsets; a strip of 2^32-1 rows that holds its pixels decodes as before.
func TestHostileTIFFBlocks(t *testing.T) {
	var zeros bytes.Buffer
	z := zlib.NewWriter(&zeros)
	z.Write(make([]byte, 64<<20))
	z.Close()
	var pixels bytes.Buffer
	z = zlib.NewWriter(&pixels)
	z.Write(bytes.Repeat([]byte{200}, 64*64*3))
	z.Close()
	// StripOffsets as 4M BYTEs (a 4 MB file; x/image/tiff reads each into 8 bytes).
	list := blockTIFF(8, 64, 0, pixels.Bytes())
	entry := 8 + 2 + 12*5 // the sixth: StripOffsets
	binary.LittleEndian.PutUint16(list[entry+2:], 1)
	binary.LittleEndian.PutUint32(list[entry+4:], 4<<20)
	binary.LittleEndian.PutUint32(list[entry+8:], uint32(len(list)))
	list = append(list, make([]byte, 4<<20)...)
	for _, c := range []struct {
		name, want string
		data       []byte
	}{
		{"rows.tif", "", blockTIFF(8, 1<<32-1, 0, zeros.Bytes())},
		{"tile.tif", "a tile of 4096x4096 pixels, more than its 64x64 image", blockTIFF(8, 0, 4096, zeros.Bytes())},
		{"packbits.tif", "PackBits block 0 holds 1048576 bytes, more than its 64x64 pixels take", blockTIFF(32773, 64, 0, bytes.Repeat([]byte{0x81, 0}, 1<<19))},
		{"packbits2.tif", "PackBits block 0 unpacks to more than the 32768 bytes its 64x64 pixels take", blockTIFF(32773, 64, 0, bytes.Repeat([]byte{0x81, 0}, 1<<14))},
		{"whole.tif", "", blockTIFF(8, 1<<32-1, 0, pixels.Bytes())},
		{"list.tif", "tag 273 holds 4194304 values, more than 1048576", list},
	} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		img, err := decodeGo(bytes.NewReader(c.data), c.name)
		runtime.ReadMemStats(&after)
		if c.want == "" && (err != nil || img.Bounds().Dx() != 64) {
			t.Errorf("%s: %v", c.name, err)
		}
		if c.want != "" && (err == nil || !strings.Contains(err.Error(), c.name) || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%s: %v, want an error naming it and saying %q", c.name, err, c.want)
		}
		if n := after.TotalAlloc - before.TotalAlloc; n > 8<<20 {
			t.Errorf("%s: %d MiB allocated for a %d KiB file", c.name, n>>20, len(c.data)>>10)
		}
		if c.name == "whole.tif" && err == nil {
			if r, g, b, _ := img.At(63, 63).RGBA(); r>>8 != 200 || g>>8 != 200 || b>>8 != 200 {
				t.Errorf("%s: pixel %d %d %d, want 200", c.name, r>>8, g>>8, b>>8)
			}
		}
	}
}
