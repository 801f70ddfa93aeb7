package cvimage

import (
	"encoding/binary"
	"testing"
)

// TestTIFFOrientation: the Orientation tag is read as Pillow 9.4 reads it: either byte order, any
// integer type, the first of several values; a BYTE (kept as bytes), a value out of 0-8, another
// tag, or a directory cut short give 0 (not turned). TestPixelsEqualPIL checks more against
// Pillow itself.
func TestTIFFOrientation(t *testing.T) {
	entry := func(order binary.AppendByteOrder, tag, typ uint16, count uint32, value []byte) []byte {
		head := []byte("MM\x00*")
		if order == binary.AppendByteOrder(binary.LittleEndian) {
			head = []byte("II*\x00")
		}
		b := order.AppendUint32(head, 8)
		b = order.AppendUint16(b, 1)
		b = order.AppendUint16(order.AppendUint16(b, tag), typ)
		b = order.AppendUint32(b, count)
		return append(append(b, value...), 0, 0, 0, 0)
	}
	short := func(order binary.AppendByteOrder, v uint16) []byte {
		return order.AppendUint16(order.AppendUint16(nil, v), 0)
	}
	long := func(order binary.AppendByteOrder, v uint32) []byte { return order.AppendUint32(nil, v) }
	for _, c := range []struct {
		name string
		tiff []byte
		want int
	}{
		{"SHORT, big-endian", entry(binary.BigEndian, 0x0112, 3, 1, short(binary.BigEndian, 6)), 6},
		{"SHORT, little-endian", entry(binary.LittleEndian, 0x0112, 3, 1, short(binary.LittleEndian, 8)), 8},
		{"LONG", entry(binary.BigEndian, 0x0112, 4, 1, long(binary.BigEndian, 3)), 3},
		{"BYTE", entry(binary.LittleEndian, 0x0112, 1, 1, []byte{5, 0, 0, 0}), 0},
		{"SBYTE", entry(binary.LittleEndian, 0x0112, 6, 1, []byte{5, 0, 0, 0}), 5},
		{"SSHORT -1", entry(binary.BigEndian, 0x0112, 8, 1, short(binary.BigEndian, 0xffff)), 0},
		{"LONG 2^32-1", entry(binary.BigEndian, 0x0112, 4, 1, long(binary.BigEndian, 1<<32-1)), 0},
		{"two values", entry(binary.BigEndian, 0x0112, 3, 2, short(binary.BigEndian, 6)), 6},
		{"another tag", entry(binary.BigEndian, 0x0110, 3, 1, short(binary.BigEndian, 6)), 0},
		{"cut short", entry(binary.BigEndian, 0x0112, 3, 1, short(binary.BigEndian, 6))[:16], 0},
		{"not TIFF", []byte("XX\x00*\x00\x00\x00\x08"), 0},
		{"empty", nil, 0},
	} {
		if got := tiffOrientation(c.tiff); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
}
