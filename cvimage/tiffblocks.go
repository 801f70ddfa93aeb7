package cvimage

import (
	"encoding/binary"
	"fmt"
)

// TIFF tags and types checkTIFFBlocks reads.
const (
	tiffCompression     = 259
	tiffStripOffsets    = 273
	tiffRowsPerStrip    = 278
	tiffStripByteCounts = 279
	tiffTileWidth       = 322
	tiffTileLength      = 323
	tiffTileOffsets     = 324
	tiffTileByteCounts  = 325
	tiffPackBits        = 32773
)

// tiffListTags are the tags whose values x/image/tiff reads whole, into 8 bytes a value (a
// BYTE's too) after a buffer of the file's bytes: an 864 MB file of one such tag took 7 GB.
var tiffListTags = map[uint16]bool{
	256: true, 257: true, 258: true, 259: true, 262: true, 266: true, 273: true, 278: true, 279: true,
	292: true, 293: true, 317: true, 320: true, 322: true, 323: true, 324: true, 325: true, 338: true, 339: true,
}

// maxTIFFValues bounds the values of a tiffListTags tag: more than the strips or tiles of the
// largest image (transform.MaxSide rows, 100 MP in tiles of 16x16) and a 16-bit colour map's.
const maxTIFFValues = 1 << 20

// tiffEntry is one entry of a TIFF directory, as x/image/tiff reads it: BYTE, SHORT or LONG
// values, count of them at at.
type tiffEntry struct {
	size  int64 // bytes a value: 1, 2 or 4
	count int64
	at    int64
}

// tiffValueSize returns the bytes a value of a TIFF type takes: BYTE 1, SHORT 2, LONG 4; 0 for
// the types checkTIFFBlocks does not read.
func tiffValueSize(typ uint16) int64 {
	switch typ {
	case 1:
		return 1
	case 3:
		return 2
	case 4:
		return 4
	}
	return 0
}

// tiffDir is a TIFF's first directory: its byte order and the entries checkTIFFBlocks reads,
// the last of a tag as the decoder keeps it.
type tiffDir struct {
	order   binary.ByteOrder
	entries map[int]tiffEntry
}

// readTIFFDir reads the first directory of the TIFF in data, before x/image/tiff reads it (its
// DecodeConfig too): a tiffListTags list of more than maxTIFFValues values is refused. A
// directory it cannot read is left to the decoder (nil).
func readTIFFDir(data *chunks) (*tiffDir, error) {
	var head [8]byte
	if _, err := data.ReadAt(head[:], 0); err != nil {
		return nil, nil
	}
	d := &tiffDir{order: binary.LittleEndian, entries: map[int]tiffEntry{}}
	if head[0] == 'M' {
		d.order = binary.BigEndian
	}
	order := d.order
	dir := int64(order.Uint32(head[4:]))
	var b [12]byte
	if _, err := data.ReadAt(b[:2], dir); err != nil {
		return nil, nil
	}
	for i := range int64(order.Uint16(b[:2])) {
		p := dir + 2 + 12*i
		if _, err := data.ReadAt(b[:], p); err != nil {
			return nil, nil
		}
		tag, count := order.Uint16(b[:2]), order.Uint32(b[4:])
		if tiffListTags[tag] && count > maxTIFFValues {
			return nil, fmt.Errorf("tag %d holds %d values, more than %d", tag, count, maxTIFFValues)
		}
		e := tiffEntry{size: tiffValueSize(order.Uint16(b[2:])), count: int64(count), at: p + 8}
		if e.size == 0 || e.count == 0 {
			continue
		}
		if e.size*e.count > 4 {
			e.at = int64(order.Uint32(b[8:]))
		}
		d.entries[int(tag)] = e
	}
	return d, nil
}

// checkTIFFBlocks bounds what x/image/tiff takes to decode the TIFF in data, of w x h pixels and
// first directory d (nil: left to the decoder), beyond its image: it decompresses each strip or
// tile into up to width x height x 8 bytes of the block as the file states it, and a PackBits
// block without bound, so a 2 MB file of 64x64 pixels in one 16384x16384 tile of deflated zeros
// took 8.5 GB and 73 s. A RowsPerStrip beyond h is made h in data (the same one strip: writers
// put 2^32-1 there for it); a tile of more pixels than both the image and 1 MP is refused, and so
// is a PackBits block that unpacks to more bytes than the decoder can use.
func checkTIFFBlocks(data *chunks, d *tiffDir, w, h int) error {
	if d == nil {
		return nil
	}
	order, entries := d.order, d.entries
	value := func(tag int, i int64) (uint64, bool) {
		e, ok := entries[tag]
		if !ok || i >= e.count {
			return 0, false
		}
		var v [4]byte
		if _, err := data.ReadAt(v[:e.size], e.at+i*e.size); err != nil {
			return 0, false
		}
		switch e.size {
		case 1:
			return uint64(v[0]), true
		case 2:
			return uint64(order.Uint16(v[:])), true
		}
		return uint64(order.Uint32(v[:])), true
	}
	bw, bh, across, down := int64(w), int64(h), int64(1), int64(1)
	offsets, counts := tiffStripOffsets, tiffStripByteCounts
	if tw, _ := value(tiffTileWidth, 0); tw != 0 {
		th, _ := value(tiffTileLength, 0)
		if th*tw > max(uint64(w)*uint64(h), 1<<20) {
			return fmt.Errorf("a tile of %dx%d pixels, more than its %dx%d image", tw, th, w, h)
		}
		if tw < 8 || th < 8 {
			return nil // (refused by the decoder)
		}
		bw, bh = int64(tw), int64(th)
		across, down = (int64(w)+bw-1)/bw, (int64(h)+bh-1)/bh
		offsets, counts = tiffTileOffsets, tiffTileByteCounts
	} else if rows, ok := value(tiffRowsPerStrip, 0); ok && rows > uint64(h) {
		e := entries[tiffRowsPerStrip]
		v := make([]byte, e.size)
		switch e.size {
		case 1:
			v[0] = byte(h) // (h < 256 here)
		case 2:
			order.PutUint16(v, uint16(h))
		default:
			order.PutUint32(v, uint32(h))
		}
		data.writeAt(v, e.at)
	} else if ok && rows != 0 {
		bh = int64(rows)
		down = (int64(h) + bh - 1) / bh
	}
	if c, _ := value(tiffCompression, 0); c != tiffPackBits {
		return nil
	}
	for k := range across * down {
		off, ok1 := value(offsets, k)
		n, ok2 := value(counts, k)
		if !ok1 || !ok2 {
			return nil
		}
		// At most limit bytes unpacked take at most limit + limit/128 + 1 packed (128-byte
		// literal runs): a longer block is refused unread, as its blocks may all point at the
		// same bytes (1M tiles over 1 MiB of no-op codes would scan for an hour).
		limit := bw * bh * 8
		if int64(n) > limit+limit/128+1 {
			return fmt.Errorf("PackBits block %d holds %d bytes, more than its %dx%d pixels take", k, n, bw, bh)
		}
		if unpacked := packBitsLen(data, int64(off), int64(n), limit); unpacked > limit {
			return fmt.Errorf("PackBits block %d unpacks to more than the %d bytes its %dx%d pixels take", k, limit, bw, bh)
		}
	}
	return nil
}

// packBitsLen returns the length of the n bytes of PackBits data at off in data unpacked (to
// the end of data where it ends first), or a length past limit as soon as it passes it.
func packBitsLen(data *chunks, off, n, limit int64) int64 {
	end := min(off+n, data.size)
	var out int64
	var b [1]byte
	for off < end && out <= limit {
		if _, err := data.ReadAt(b[:], off); err != nil {
			break
		}
		switch code := int64(int8(b[0])); {
		case code >= 0:
			out, off = out+code+1, off+code+2
		case code == -128:
			off++
		default:
			out, off = out+1-code, off+2
		}
	}
	return out
}

// writeAt writes p into the chunks at off, within their size.
func (c *chunks) writeAt(p []byte, off int64) {
	for _, v := range p {
		if off >= c.size {
			return
		}
		c.parts[off/chunkSize][off%chunkSize] = v
		off++
	}
}
