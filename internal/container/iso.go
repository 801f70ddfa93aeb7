package container

import (
	"encoding/binary"
	"errors"
	"io"
	"math"
	"slices"
)

// isoFirstBox reports whether an ISO base media file may begin with a box of type typ: its file
// type box (ftyp), or, in a QuickTime file written before there was one, its index (moov), its
// media data (mdat), or padding (free, skip, wide).
func isoFirstBox(typ string) bool {
	switch typ {
	case "ftyp", "moov", "mdat", "free", "skip", "wide":
		return true
	}
	return false
}

// maxISOBoxes is how many boxes ISOFrameCount reads past, at the top level or in the
// index, before it gives up (a file type, padding, the index; the index's header, a track or a
// few, user data: a handful in practice).
const maxISOBoxes = 64

// errNotISO is isoBox's failure: a box that runs past its parent or cannot be read.
var errNotISO = errors.New("not an ISO base media file it can read")

// ISOFrameCount returns the count of frames of an ISO base media file (MP4, MOV, M4V, 3GP), as f
// reads it from its top-level box at f's offset on (NewForwardReader's off), where its index (its
// moov box's sample tables) lists every frame of its one video track, so that a frame count FFmpeg
// states is the file's exact count where it is this one: a file that is not fragmented (its moov
// holds no mvex box) and whose edit lists play every frame (isoIndexCounts). A fragmented file's
// index lists none of its frames, or its first fragment's only: FFmpeg counts its frames from the
// fragments it has seen, or from its duration. Where f ends within media data (mdat) or a box after
// it (an index after the media, ffmpeg's default, past the head), next is where to read on: the end
// of the mdat or of a box f ends within, or the start of the index or of the box whose header f
// ends within; else 0. The counts are 0 where f ends before they tell (an index first over MaxHead:
// its tracks are skipped by reading them) or it is not such a file's. indexLast reports that media
// data came before the index, or before f's end where it holds none.
func ISOFrameCount(f *ForwardReader) (counts Counts, next int64, indexLast bool) {
	afterMediaData := false
	for range maxISOBoxes {
		start := f.off
		typ, size, err := isoBox(f, math.MaxInt64-f.off)
		switch {
		case afterMediaData && (err == io.EOF || err == io.ErrUnexpectedEOF): // (f ends in its header)
			return Counts{}, start, true
		case err != nil || typ == "moof": // (a fragment before any index: not a file it knows)
			return Counts{}, 0, afterMediaData
		case typ == "moov":
			end := f.off + size
			counts := isoIndexCounts(f, end)
			if f.off < end && afterMediaData {
				if _, err := f.Seek(end-f.off, io.SeekCurrent); err != nil { // (f ends within it)
					return Counts{}, start, true
				}
			}
			return counts, 0, afterMediaData
		}
		end := f.off + size
		if _, err := f.Seek(size, io.SeekCurrent); err != nil {
			if typ == "mdat" || afterMediaData {
				return Counts{}, end, true
			}
			return Counts{}, 0, afterMediaData
		}
		afterMediaData = afterMediaData || typ == "mdat"
	}
	return Counts{}, 0, afterMediaData
}

// ISOCutBeforeIndex reports whether r, a file of size bytes read from its start, is an ISO base
// media file (MP4, MOV) that ends before a whole index (moov): its top-level boxes end, or run
// past its end, before one, as a file whose index follows its frames (ffmpeg's default, and
// many a camera's) is left by a recording that was never finished or a download
// cut short. FFmpeg reads no frame of such a file. A HEIF or AVIF picture (a top-level meta box,
// no index) is not one; an index that runs to the file's end (size 0: the last box) is whole.
func ISOCutBeforeIndex(r io.ReadSeeker, size int64) bool {
	var first [8]byte
	if _, err := io.ReadFull(r, first[:]); err != nil || !isoFirstBox(string(first[4:])) {
		return false
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return false
	}
	f := &ForwardReader{r: r}
	for range maxISOBoxes {
		typ, n, err := isoBox(f, math.MaxInt64-f.off)
		switch {
		case err == io.EOF || err == io.ErrUnexpectedEOF: // (its end, or within a box's header)
			return true
		case err != nil || typ == "meta": // (a HEIF or AVIF picture's items: no video here)
			return false
		case typ == "moov":
			return f.off+n > size && f.off+n != math.MaxInt64 // (a box of size 0 runs to the end: to MaxInt64 here)
		case f.off+n > size:
			return true
		}
		if _, err := f.Seek(n, io.SeekCurrent); err != nil {
			return false
		}
	}
	return false
}

// Counts is what an ISO base media file's index (moov) says of its video: Frames, the count of
// frames of its one video track where FFmpeg plays every frame the index lists for it (else 0),
// and VideoTracks, how many video tracks it lists.
type Counts struct{ Frames, VideoTracks int }

// isoIndexCounts reads an index (moov) up to end and returns how many video tracks it lists, and
// the count of frames it lists for its video track (its sample size table's, stsz or stz2:
// FFmpeg's count, as OpenCV states it), where it has one video track and FFmpeg plays every
// frame it lists (else frames is 0). FFmpeg plays them
// where the index is not fragmented (no mvex), and the track's edit list, if it has one, plays
// the whole track (its one edit that is not empty as long as the track, within a tick of the index's
// time scale; an offset of the first frame's time, as for B-frames, drops none). A file cut
// where no key frame is (ffmpeg -ss with -c copy) keeps the frames from the key frame before
// the cut and an edit that starts at the cut: FFmpeg decodes those before it but does not
// return them, so its count (the track's frames) is more than a complete file gives.
func isoIndexCounts(f *ForwardReader, end int64) Counts {
	video, videos, movieScale, ok := readISOIndex(f, end)
	switch {
	case !ok:
		return Counts{}
	case videos != 1 || video.edited && !video.playsWhole(movieScale) || video.samples > math.MaxInt32:
		return Counts{VideoTracks: videos} // (several video tracks: which one FFmpeg reads is its choice)
	}
	return Counts{Frames: int(video.samples), VideoTracks: 1}
}

// readISOIndex reads an index (moov) up to end: its time scale (mvhd), how many video tracks it
// lists and the last of them; false where it cannot be read or is fragmented (mvex).
func readISOIndex(f *ForwardReader, end int64) (video isoTrack, videos int, movieScale uint64, ok bool) {
	for f.off < end {
		typ, size, err := isoBox(f, end-f.off)
		if err != nil || typ == "mvex" {
			return isoTrack{}, 0, 0, false
		}
		switch typ {
		case "mvhd":
			b, err := isoFields(f, size, 24)
			if err != nil {
				return isoTrack{}, 0, 0, false
			}
			movieScale = uint64(binary.BigEndian.Uint32(b[12:]))
			if b[0] == 1 {
				movieScale = uint64(binary.BigEndian.Uint32(b[20:]))
			}
			continue
		case "trak":
			var t isoTrack
			if !t.read(f, f.off+size, "trak") {
				return isoTrack{}, 0, 0, false
			}
			if t.handler == "vide" {
				video = t
				videos++
			}
			continue
		}
		if _, err := f.Seek(size, io.SeekCurrent); err != nil {
			return isoTrack{}, 0, 0, false
		}
	}
	return video, videos, movieScale, true
}

// ISOVideoTracks returns how many video tracks the index (moov) of the ISO base media file
// (MP4, MOV) that r reads from its start lists (ISOFrameCount, its media data seeked past, not
// read); 0 where it is not such a file or its index cannot be read.
func ISOVideoTracks(r io.ReadSeeker) int {
	var first [8]byte
	if _, err := io.ReadFull(r, first[:]); err != nil || !isoFirstBox(string(first[4:])) {
		return 0
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return 0
	}
	counts, _, _ := ISOFrameCount(&ForwardReader{r: r})
	return counts.VideoTracks
}

// isoTrack is what isoIndexCounts reads of a track (trak): its handler's type (vide:
// video), its media's time scale and duration (mdhd), its count of samples (frames: stsz or
// stz2), and its edit list (elst): whether it has one, how many of its edits are not empty, and
// how long the last of those is (in the index's time scale).
type isoTrack struct {
	handler         string
	scale, duration uint64
	samples         uint64
	edited          bool
	edits           int
	editDuration    uint64
}

// isoTrackBoxes is, for each box of a track that holds boxes isoTrack.read reads, the boxes in it
// that it reads or goes into (a MOV's minf has a handler too, its data's, not read).
var isoTrackBoxes = map[string][]string{
	"trak": {"edts", "mdia"},
	"edts": {"elst"},
	"mdia": {"hdlr", "mdhd", "minf"},
	"minf": {"stbl"},
	"stbl": {"stsz", "stz2"},
}

// read reads a track's boxes up to end, within a box of type parent (trak, or one that
// isoTrackBoxes goes into); false where a box cannot be read.
func (t *isoTrack) read(f *ForwardReader, end int64, parent string) bool {
	for f.off < end {
		typ, size, err := isoBox(f, end-f.off)
		if err != nil {
			return false
		}
		if !slices.Contains(isoTrackBoxes[parent], typ) {
			if _, err := f.Seek(size, io.SeekCurrent); err != nil {
				return false
			}
			continue
		}
		switch typ {
		case "edts", "mdia", "minf", "stbl":
			if !t.read(f, f.off+size, typ) {
				return false
			}
		case "hdlr":
			b, err := isoFields(f, size, 12)
			if err != nil {
				return false
			}
			t.handler = string(b[8:12])
		case "mdhd": // (version 0: 20 bytes to the duration's end; 1: 32)
			b, err := isoFields(f, size, min(size, 32))
			switch {
			case err != nil || len(b) < 20 || b[0] == 1 && len(b) < 32:
				return false
			case b[0] == 1:
				t.scale, t.duration = uint64(binary.BigEndian.Uint32(b[20:])), binary.BigEndian.Uint64(b[24:])
			default:
				t.scale, t.duration = uint64(binary.BigEndian.Uint32(b[12:])), uint64(binary.BigEndian.Uint32(b[16:]))
			}
		case "stsz", "stz2": // (version and flags, a sample size or a field size, the count)
			b, err := isoFields(f, size, 12)
			if err != nil {
				return false
			}
			t.samples = uint64(binary.BigEndian.Uint32(b[8:]))
		case "elst":
			if !t.readEdits(f, size) {
				return false
			}
		}
	}
	return true
}

// readEdits reads an edit list's size bytes: its edits (a duration in the index's time scale and
// a start in the media's, -1 for an empty edit: a delay).
func (t *isoTrack) readEdits(f *ForwardReader, size int64) bool {
	var b [20]byte
	if size < 8 {
		return false
	}
	if _, err := io.ReadFull(f, b[:8]); err != nil {
		return false
	}
	width := int64(12)
	if b[0] == 1 {
		width = 20
	}
	n := int64(binary.BigEndian.Uint32(b[4:]))
	if n > (size-8)/width {
		return false
	}
	t.edited = true
	for range n {
		if _, err := io.ReadFull(f, b[:width]); err != nil {
			return false
		}
		duration, start := uint64(binary.BigEndian.Uint32(b[:])), int64(int32(binary.BigEndian.Uint32(b[4:])))
		if width == 20 {
			duration, start = binary.BigEndian.Uint64(b[:]), int64(binary.BigEndian.Uint64(b[8:]))
		}
		if start != -1 {
			t.edits++
			t.editDuration = duration
		}
	}
	_, err := f.Seek(size-8-n*width, io.SeekCurrent)
	return err == nil
}

// playsWhole reports whether the track's edit list plays all of its media: one edit that is not
// empty, at least as long as the media less a tick of movieScale (the index's time scale, to
// which its length is rounded).
func (t *isoTrack) playsWhole(movieScale uint64) bool {
	if t.edits != 1 || movieScale == 0 || t.scale == 0 {
		return false
	}
	return (float64(t.editDuration)+1)/float64(movieScale) >= float64(t.duration)/float64(t.scale)
}

// isoFields reads the first n bytes of a box's contents of size bytes and skips the rest.
func isoFields(f *ForwardReader, size, n int64) ([]byte, error) {
	if size < n {
		return nil, errNotISO
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, err
	}
	_, err := f.Seek(size-n, io.SeekCurrent)
	return b, err
}

// isoBox reads a box's header and returns its type and the size of its contents, which must end
// within room bytes of where the header starts; a box whose size is 0 (it runs to the end of the
// file) is taken as one that ends there.
func isoBox(f *ForwardReader, room int64) (typ string, size int64, err error) {
	var b [16]byte
	if _, err := io.ReadFull(f, b[:8]); err != nil {
		return "", 0, err
	}
	n, header := uint64(binary.BigEndian.Uint32(b[:4])), uint64(8)
	switch n {
	case 0:
		n = uint64(room)
	case 1: // a 64-bit size follows the type
		if _, err := io.ReadFull(f, b[8:]); err != nil {
			return "", 0, err
		}
		n, header = binary.BigEndian.Uint64(b[8:]), 16
	}
	if n < header || n > uint64(room) {
		return "", 0, errNotISO
	}
	return string(b[4:8]), int64(n - header), nil
}
