package container

import (
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
)

// Matroska (MKV, WebM) element IDs that MatroskaTimes reads.
const (
	ebmlHeaderID     = 0x1A45DFA3
	segmentID        = 0x18538067
	infoID           = 0x1549A966
	timestampScaleID = 0x2AD7B1
	durationID       = 0x4489
	clusterID        = 0x1F43B675
	clusterTimeID    = 0xE7
	crc32ID          = 0xBF
	voidID           = 0xEC
	tracksID         = 0x1654AE6B
	trackEntryID     = 0xAE
	trackTypeID      = 0x83
	trackTypeVideo   = 1
)

// maxSegmentChildren is how many of a segment's elements MatroskaTimes and MatroskaVideoTracks
// read past before its first cluster at most (a seek head, info, tracks, tags, cues, voids: a
// handful in practice).
const maxSegmentChildren = 64

// ErrNotMatroska is MatroskaTimes' and MatroskaVideoTracks' failure: not a Matroska file, or
// not one they can read.
var ErrNotMatroska = errors.New("not a Matroska file whose start it can read")

// MatroskaTimes reads from a Matroska file (MKV, WebM) its duration, as its segment's info
// states it, and the time its first cluster starts at, both in seconds. FFmpeg takes the
// duration as the file's length, but it is measured from time 0, not from the first frame: a
// file cut from a longer recording with its timestamps kept (ffmpeg -output_ts_offset, -copyts)
// starts later, and the frames it holds span duration - start.
func MatroskaTimes(path string) (start, duration float64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	return ReadMatroskaTimes(f)
}

// matroskaSegment reads a Matroska file's EBML header and its segment's ID and size from f's
// start, and returns the reader at the segment's first element; false where f does not start so.
func matroskaSegment(f io.ReadSeeker) (*ebmlReader, bool) {
	r := &ebmlReader{r: f}
	if id, size := r.element(); id != ebmlHeaderID || !r.skip(size) {
		return nil, false
	}
	if id, _ := r.element(); id != segmentID { // (its size may be unknown: read it as it comes)
		return nil, false
	}
	return r, true
}

// ReadMatroskaTimes is MatroskaTimes on the file's bytes as f reads them.
func ReadMatroskaTimes(f io.ReadSeeker) (start, duration float64, err error) {
	r, ok := matroskaSegment(f)
	if !ok {
		return 0, 0, ErrNotMatroska
	}
	scale := uint64(1_000_000) // ns per timestamp unit, unless the info states it
	duration = math.NaN()
	for range maxSegmentChildren {
		id, size := r.element()
		switch {
		case r.err != nil:
			return 0, 0, ErrNotMatroska
		case id == infoID && size != unknownSize:
			end := r.off + int64(size)
			for r.off < end && r.err == nil {
				id, size := r.element()
				switch id {
				case timestampScaleID:
					scale = r.uint(size)
				case durationID:
					duration = r.float(size)
				default:
					r.skip(size)
				}
			}
		case id == clusterID:
			id, size := r.element()
			for (id == crc32ID || id == voidID) && r.skip(size) { // (before its timestamp)
				id, size = r.element()
			}
			if id != clusterTimeID || r.err != nil || scale == 0 || !(duration >= 0) {
				return 0, 0, ErrNotMatroska
			}
			ns := 1e-9 * float64(scale)
			return float64(r.uint(size)) * ns, duration * ns, r.err
		case !r.skip(size):
			return 0, 0, ErrNotMatroska
		}
	}
	return 0, 0, ErrNotMatroska
}

// MatroskaVideoTracks returns how many video tracks the track list of the Matroska file that
// f reads from its start holds (an attachment, the cover art FFmpeg shows as a picture after the
// tracks, is none of them); ErrNotMatroska where f is not one whose start it can read.
func MatroskaVideoTracks(f io.ReadSeeker) (int, error) {
	r, ok := matroskaSegment(f)
	if !ok {
		return 0, ErrNotMatroska
	}
	for range maxSegmentChildren {
		id, size := r.element()
		switch {
		case r.err != nil || id == clusterID: // (the tracks come before the frames)
			return 0, ErrNotMatroska
		case id == tracksID && size != unknownSize:
			n := 0
			for end := r.off + int64(size); r.off < end && r.err == nil; {
				id, size := r.element()
				if id != trackEntryID || size == unknownSize {
					r.skip(size)
					continue
				}
				for entryEnd := r.off + int64(size); r.off < entryEnd && r.err == nil; {
					if id, size := r.element(); id == trackTypeID {
						if r.uint(size) == trackTypeVideo {
							n++
						}
					} else {
						r.skip(size)
					}
				}
			}
			if r.err != nil {
				return 0, ErrNotMatroska
			}
			return n, nil
		case !r.skip(size):
			return 0, ErrNotMatroska
		}
	}
	return 0, ErrNotMatroska
}

// unknownSize is an element size that says the element runs to its parent's end (or the file's).
const unknownSize = math.MaxUint64

// ebmlReader reads EBML elements (Matroska's encoding) in order; its first error stops it.
type ebmlReader struct {
	r   io.ReadSeeker
	off int64 // where the next element starts
	err error
}

// element reads an element's ID and data size (unknownSize when it is not stated).
func (e *ebmlReader) element() (id, size uint64) {
	id, _ = e.vint(4, true)
	size, allOnes := e.vint(8, false)
	if allOnes {
		size = unknownSize
	}
	return id, size
}

// vint reads a variable-length integer of at most maxLen bytes, its length marker kept (an ID)
// or not (a size), and whether its value bits were all ones.
func (e *ebmlReader) vint(maxLen int, keepMarker bool) (v uint64, allOnes bool) {
	var b [8]byte
	if e.read(b[:1]); e.err != nil {
		return 0, false
	}
	n := 1
	for n <= 8 && b[0]&(0x80>>(n-1)) == 0 {
		n++
	}
	if n > maxLen {
		e.err = ErrNotMatroska
		return 0, false
	}
	if e.read(b[1:n]); e.err != nil {
		return 0, false
	}
	v = uint64(b[0])
	if !keepMarker {
		v &^= 0x80 >> (n - 1)
	}
	for _, c := range b[1:n] {
		v = v<<8 | uint64(c)
	}
	return v, v == 1<<(7*n)-1
}

// uint reads an unsigned integer element's data of size bytes (at most 8).
func (e *ebmlReader) uint(size uint64) uint64 {
	if size > 8 {
		e.err = ErrNotMatroska
		return 0
	}
	var b [8]byte
	e.read(b[8-size:])
	return binary.BigEndian.Uint64(b[:])
}

// float reads a float element's data of size bytes (4 or 8; NaN for any other size).
func (e *ebmlReader) float(size uint64) float64 {
	var b [8]byte
	switch size {
	case 4:
		e.read(b[:4])
		return float64(math.Float32frombits(binary.BigEndian.Uint32(b[:4])))
	case 8:
		e.read(b[:])
		return math.Float64frombits(binary.BigEndian.Uint64(b[:]))
	}
	e.skip(size)
	return math.NaN()
}

// read fills b.
func (e *ebmlReader) read(b []byte) {
	if e.err != nil {
		return
	}
	n, err := io.ReadFull(e.r, b)
	e.off += int64(n)
	e.err = err
}

// skip moves past size bytes of data, and reports whether it could (not an unknown size).
func (e *ebmlReader) skip(size uint64) bool {
	if e.err != nil {
		return false
	}
	if size > math.MaxInt64-uint64(e.off) { // (unknownSize too)
		e.err = ErrNotMatroska
		return false
	}
	e.off, e.err = e.r.Seek(int64(size), io.SeekCurrent)
	return e.err == nil
}
