package container

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
)

// Head is what the head of a video file says about the file, as its bytes show it (not its name
// or URL: a link may name an MP4 without its extension, or by a query).
type Head struct {
	// Start and Duration are a Matroska file's (MatroskaTimes); Err is ErrNotMatroska for
	// another file, or a Matroska file whose start it cannot read (or, for a head read over
	// http(s), the request's failure).
	Start, Duration float64
	Err             error
	// Counts: an ISO base media file's (MP4, MOV) frames, where its index lists and plays every
	// frame of its one video track, that track's count (ISOFrameCount), and its video tracks; 0
	// for another file. The count FFmpeg states is exact, not an estimate, where it is this one
	// (not where FFmpeg read the file otherwise: by another demuxer, as one JPEG where its URL
	// ends in .jpg).
	Counts
	// IndexAt, when not 0, is where an ISO base media file's top-level boxes go on past the head,
	// after its media data (mdat): the mdat's end, or the start of a box after it that the head
	// ends within; its index (moov) there gives the count (Frames is 0 until it is read:
	// ISOFrameCount from IndexAt on).
	IndexAt int64
	// IndexLast: an ISO base media file's media data (mdat) comes before its index (moov), as
	// ffmpeg writes it without -movflags +faststart.
	IndexLast bool
}

// MaxHead bounds the bytes of a file's head worth reading for ReadHead (a Matroska file's head up
// to its first cluster's time, or an MP4's boxes up to its index's own: a few KB, more where a
// Matroska file starts with attachments or cues, or an MP4's index lists an hour of frames or
// more).
const MaxHead = 1 << 20

// MaxISOIndex bounds the bytes worth reading of an index (moov) that follows its file's media data
// (mdat), past the head (from Head.IndexAt): an index lists each frame in a few bytes (its size,
// its place, its time), 3.1 MB for an hour of 30 fps H.264 with B-frames and 48 kHz AAC
// (measured: ffmpeg's testsrc and sine, libx264 veryfast, 108,000 frames), so 8 MiB is about two
// and a half hours of it; a larger index is not read, and its file's count is not taken as exact.
const MaxISOIndex = 8 << 20

// ReadHead reads the head of a video file as r reads its bytes from its start (over http(s), at
// most MaxHead of them): a Matroska file (its EBML header's ID first) or an ISO base media file
// (a box FFmpeg's MP4 and MOV reader takes first) is read on; another is neither.
func ReadHead(r io.Reader) Head {
	b := bufio.NewReader(r)
	first, _ := b.Peek(8)
	h := Head{Err: ErrNotMatroska}
	switch {
	case len(first) >= 4 && binary.BigEndian.Uint32(first) == ebmlHeaderID:
		h.Start, h.Duration, h.Err = ReadMatroskaTimes(&ForwardReader{r: b})
	case len(first) == 8 && isoFirstBox(string(first[4:])):
		h.Counts, h.IndexAt, h.IndexLast = ISOFrameCount(&ForwardReader{r: b})
	}
	return h
}

// ForwardReader is an io.ReadSeeker over a reader that seeks forward only (from where it is),
// reading past what it skips (a file's head over the network, for ReadMatroskaTimes and
// ISOFrameCount), or seeking the reader where it is an io.Seeker (a local file, for
// ISOVideoTracks: past media data it need not read; past the file's end, where reads then end).
type ForwardReader struct {
	r   io.Reader
	off int64
}

// NewForwardReader returns a ForwardReader over r, which reads a file from byte off on.
func NewForwardReader(r io.Reader, off int64) *ForwardReader {
	return &ForwardReader{r: r, off: off}
}

// Read reads from the underlying reader, moving the offset on by what it reads.
func (f *ForwardReader) Read(b []byte) (int, error) {
	n, err := f.r.Read(b)
	f.off += int64(n)
	return n, err
}

// Seek moves offset bytes forward from where f is (whence io.SeekCurrent, offset not below 0:
// anything else fails) and returns the new offset in the file.
func (f *ForwardReader) Seek(offset int64, whence int) (int64, error) {
	if whence != io.SeekCurrent || offset < 0 {
		return f.off, errors.New("ForwardReader: seeks forward only")
	}
	if s, ok := f.r.(io.Seeker); ok {
		if _, err := s.Seek(offset, io.SeekCurrent); err != nil {
			return f.off, err
		}
		f.off += offset
		return f.off, nil
	}
	n, err := io.CopyN(io.Discard, f.r, offset)
	f.off += n
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return f.off, err
}
