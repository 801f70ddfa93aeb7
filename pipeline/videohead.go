//go:build cgo && !noopencv

package pipeline

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"mime"
	"net/http"
	neturl "net/url"
	"os"
	"slices"
	"strconv"
	"strings"
)

// videoHead is what the head of a video file read over http(s) says about the file, as its
// bytes show it (not its URL: a link may name an MP4 without its extension, or by a query).
type videoHead struct {
	// start and duration are a Matroska file's (matroskaTimes); err is errNotMatroska for
	// another file, or a Matroska file whose start it cannot read, or the request's failure.
	start, duration float64
	err             error
	// isoCounts: an ISO base media file's (MP4, MOV) frames, where its index lists and plays every
	// frame of its one video track, that track's count (isoFrameCount), and its video tracks; 0
	// for another file. The count FFmpeg states is exact, not an estimate, where it is this one
	// (not where FFmpeg read the file otherwise: by another demuxer, as one JPEG where its URL
	// ends in .jpg).
	isoCounts
	// indexAt, when not 0, is where an ISO base media file's top-level boxes go on past the head,
	// after its media data (mdat): the mdat's end, or the start of a box after it that the head
	// ends within; its index (moov) there gives the count (frames is 0 until it is read:
	// httpISOIndex).
	indexAt int64
	// indexLast: an ISO base media file's media data (mdat) comes before its index (moov), as
	// ffmpeg writes it without -movflags +faststart; ranged: the server answered the head's Range
	// with 206 (httpVideoHead; a server that sends 200 and the whole file ignores Range). FFmpeg
	// reads such a file's index by reading past its frames, then goes back to them: a server that
	// ignores Range cannot take it back, and no frame is read (unless the whole file fits in
	// FFmpeg's buffer, a few KB; FFmpeg 5.1 on python3 -m http.server, measured: a 98 KB clip and
	// a 2.8 MB one, no frame; a 3 KB one, every frame).
	indexLast, ranged bool
}

// maxVideoHead bounds the bytes httpVideoHead reads (a Matroska file's head up to its first
// cluster's time, or an MP4's boxes up to its index's own: a few KB, more where a Matroska file
// starts with attachments or cues, or an MP4's index lists an hour of frames or more).
const maxVideoHead = 1 << 20

// maxISOIndex bounds the bytes httpVideoHead reads of an index (moov) that follows its file's
// media data (mdat), past the head: an index lists each frame in a few bytes (its size, its place,
// its time), 3.1 MB for an hour of 30 fps H.264 with B-frames and 48 kHz AAC (measured: ffmpeg's
// testsrc and sine, libx264 veryfast, 108,000 frames), so 8 MiB is about two and a half hours of
// it; a larger index is not read, and its file's count is not taken as exact.
const maxISOIndex = 8 << 20

// httpVideoHead reads the head of the file at an http(s) URL (at most maxVideoHead bytes), and
// where that shows an ISO base media file's media data (mdat) running past it, the boxes after it,
// its index (moov: ffmpeg's default place for it, at the end), with a second Range request (at
// most maxISOIndex bytes, asked only of a server that answered the head's Range with 206; its
// file's count is not exact where the server does not answer with those bytes). Both requests
// are made within whyTimeout, as FFmpeg makes them: the URL's user and password are sent only when
// the server asks for them (Digest or Basic), and the server's certificate is not checked.
func httpVideoHead(ctx context.Context, rawURL string) videoHead {
	get, done, err := ffmpegRequests(ctx, rawURL)
	if err != nil {
		return videoHead{err: err}
	}
	defer done()
	resp, err := get(0, maxVideoHead)
	if err != nil {
		return videoHead{err: err}
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusPartialContent {
		resp.Body.Close()
		return videoHead{err: errNotMatroska}
	}
	h := readVideoHead(io.LimitReader(resp.Body, maxVideoHead))
	// (its connection closed before the index is asked for, not held open beside that request)
	resp.Body.Close()
	// A server that answered the head with 200, not 206, ignores Range: asked again, it would send
	// the whole file again.
	h.ranged = resp.StatusCode == http.StatusPartialContent
	if h.ranged && h.indexAt > 0 && h.indexAt <= math.MaxInt64-maxISOIndex { // (an mdat to the file's end: nothing after it)
		h.isoCounts = httpISOIndex(get, h.indexAt)
	}
	return h
}

// ffmpegRequests returns ffmpegGetter's get for rawURL, its requests made within whyTimeout of ctx
// by an ffmpegClient (a Range request is not sent compressed: Go asks for gzip only without one),
// and done, which ends them and closes the client's idle connections.
func ffmpegRequests(ctx context.Context, rawURL string) (get func(from int64, n int) (*http.Response, error), done func(), err error) {
	u, err := neturl.Parse(rawURL)
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, whyTimeout)
	client := ffmpegClient()
	return ffmpegGetter(ctx, client, u), func() { client.CloseIdleConnections(); cancel() }, nil
}

// ffmpegGetter returns a function that asks client for n bytes of u from byte from on
// (ffmpegGet), answering the server's challenge with u's user and password where it asks for them,
// as FFmpeg does.
func ffmpegGetter(ctx context.Context, client *http.Client, u *neturl.URL) func(from int64, n int) (*http.Response, error) {
	return func(from int64, n int) (*http.Response, error) {
		resp, err := ffmpegGet(ctx, client, u, from, n, "")
		if err == nil && resp.StatusCode == http.StatusUnauthorized && u.User != nil {
			resp.Body.Close()
			if authorization := answer(resp.Header.Values("WWW-Authenticate"), u.User, http.MethodGet, u.RequestURI()); authorization != "" {
				resp, err = ffmpegGet(ctx, client, u, from, n, authorization)
			}
		}
		return resp, unwrapURLError(err)
	}
}

// httpFinite reports whether the server at an http(s) URL states the length of what it answers
// with (Content-Length, or a Range's 206): a file, where FFmpeg states no frame count for it (a
// raw H.264 or MJPEG stream saved to a file, a JPEG at a URL without an image's extension: a
// camera's snapshot), which read as a live stream dropped frames and, at its end, was reopened and
// read again without end. Not a live stream's playlist or manifest (HLS's #EXTM3U, DASH's XML),
// which states its own length, not the stream's, nor a camera's MJPEG stream (multipart, by its
// Content-Type or its first bytes, "--" and a boundary), which some cameras send with a large
// made-up Content-Length: read as a file, it would wait for the detectors instead of dropping
// frames and end at its first loss, status 0, never reconnected. False where the request fails
// (within whyTimeout; only its first bytes are read).
func httpFinite(ctx context.Context, rawURL string) bool {
	get, done, err := ffmpegRequests(ctx, rawURL)
	if err != nil {
		return false
	}
	defer done()
	resp, err := get(0, 16)
	if err != nil {
		return false
	}
	defer resp.Body.Close() // (unread: the connection is closed, not drained)
	stated := resp.StatusCode == http.StatusPartialContent || resp.StatusCode == http.StatusOK && resp.ContentLength >= 0
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); strings.HasPrefix(mt, "multipart/") {
		return false
	}
	head := make([]byte, 16)
	n, _ := io.ReadFull(resp.Body, head)
	head = bytes.TrimLeft(head[:n], "\xef\xbb\xbf \t\r\n") // (a byte-order mark, blanks)
	return stated && !bytes.HasPrefix(head, []byte("#EXTM3U")) && !bytes.HasPrefix(head, []byte("<")) && !bytes.HasPrefix(head, []byte("--"))
}

// httpISOIndex reads an ISO base media file's top-level boxes from byte at on, as get (from, n)
// asks the server for them, to its index (moov), and returns what that lists (isoFrameCount);
// none where the server answers with other bytes than those asked for (not 206 Partial Content
// from at: a server that ignores Range sends the whole file, which is not read) or the index is
// not within maxISOIndex bytes of at.
func httpISOIndex(get func(from int64, n int) (*http.Response, error), at int64) isoCounts {
	resp, err := get(at, maxISOIndex)
	if err != nil {
		return isoCounts{}
	}
	defer resp.Body.Close() // (unread: the connection is closed, not drained)
	if resp.StatusCode != http.StatusPartialContent || !strings.HasPrefix(resp.Header.Get("Content-Range"), "bytes "+strconv.FormatInt(at, 10)+"-") {
		return isoCounts{}
	}
	counts, _, _ := isoFrameCount(&forwardReader{r: io.LimitReader(resp.Body, maxISOIndex), off: at}) // (past these bytes: not asked for)
	return counts
}

// readVideoHead is httpVideoHead on the file's bytes as r reads them from its start: a Matroska
// file (its EBML header's ID first) or an ISO base media file (a box FFmpeg's MP4 and MOV reader
// takes first) is read on; another is neither.
func readVideoHead(r io.Reader) videoHead {
	b := bufio.NewReader(r)
	first, _ := b.Peek(8)
	h := videoHead{err: errNotMatroska}
	switch {
	case len(first) >= 4 && binary.BigEndian.Uint32(first) == ebmlHeaderID:
		h.start, h.duration, h.err = readMatroskaTimes(&forwardReader{r: b})
	case len(first) == 8 && isoFirstBox(string(first[4:])):
		h.isoCounts, h.indexAt, h.indexLast = isoFrameCount(&forwardReader{r: b})
	}
	return h
}

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

// maxISOBoxes is how many boxes isoFrameCount reads past, at the top level or in the
// index, before it gives up (a file type, padding, the index; the index's header, a track or a
// few, user data: a handful in practice).
const maxISOBoxes = 64

// errNotISO is isoBox's failure: a box that runs past its parent or cannot be read.
var errNotISO = errors.New("not an ISO base media file it can read")

// isoFrameCount returns the count of frames of an ISO base media file (MP4, MOV, M4V, 3GP), as f
// reads it from its top-level box at f.off on, where its index (its moov box's sample tables)
// lists every frame of its one video track, so that a frame count FFmpeg states is the file's
// exact count where it is this one: a file that is not fragmented (its moov holds no mvex box)
// and whose edit lists play every frame (isoIndexCounts). A fragmented file's index lists
// none of its frames, or its first fragment's only: FFmpeg counts its frames from the fragments
// it has seen, or from its duration. Where f ends within media data (mdat) or a box after it (an
// index after the media, ffmpeg's default, past the head), next is where to read on: the end of
// the mdat or of a box f ends within, or the start of the index or of the box whose header f
// ends within; else 0. The counts are 0 where f ends before they tell (an index first over
// maxVideoHead: its tracks are skipped by reading them) or it is not such a file's. indexLast
// reports that media data came before the index, or before f's end where it holds none.
func isoFrameCount(f *forwardReader) (counts isoCounts, next int64, indexLast bool) {
	afterMediaData := false
	for range maxISOBoxes {
		start := f.off
		typ, size, err := isoBox(f, math.MaxInt64-f.off)
		switch {
		case afterMediaData && (err == io.EOF || err == io.ErrUnexpectedEOF): // (f ends in its header)
			return isoCounts{}, start, true
		case err != nil || typ == "moof": // (a fragment before any index: not a file it knows)
			return isoCounts{}, 0, afterMediaData
		case typ == "moov":
			end := f.off + size
			counts := isoIndexCounts(f, end)
			if f.off < end && afterMediaData {
				if _, err := f.Seek(end-f.off, io.SeekCurrent); err != nil { // (f ends within it)
					return isoCounts{}, start, true
				}
			}
			return counts, 0, afterMediaData
		}
		end := f.off + size
		if _, err := f.Seek(size, io.SeekCurrent); err != nil {
			if typ == "mdat" || afterMediaData {
				return isoCounts{}, end, true
			}
			return isoCounts{}, 0, afterMediaData
		}
		afterMediaData = afterMediaData || typ == "mdat"
	}
	return isoCounts{}, 0, afterMediaData
}

// isoCutBeforeIndex reports whether r, a file of size bytes read from its start, is an ISO base
// media file (MP4, MOV) that ends before a whole index (moov): its top-level boxes end, or run
// past its end, before one, as a file whose index follows its frames (ffmpeg's default, and
// many a camera's) is left by a recording that was never finished or a download
// cut short. FFmpeg reads no frame of such a file. A HEIF or AVIF picture (a top-level meta box,
// no index) is not one; an index that runs to the file's end (size 0: the last box) is whole.
func isoCutBeforeIndex(r io.ReadSeeker, size int64) bool {
	var first [8]byte
	if _, err := io.ReadFull(r, first[:]); err != nil || !isoFirstBox(string(first[4:])) {
		return false
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return false
	}
	f := &forwardReader{r: r}
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

// isoCounts is what an ISO base media file's index (moov) says of its video: frames, the count of
// frames of its one video track where FFmpeg plays every frame the index lists for it (else 0),
// and videoTracks, how many video tracks it lists.
type isoCounts struct{ frames, videoTracks int }

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
func isoIndexCounts(f *forwardReader, end int64) isoCounts {
	video, videos, movieScale, ok := readISOIndex(f, end)
	switch {
	case !ok:
		return isoCounts{}
	case videos != 1 || video.edited && !video.playsWhole(movieScale) || video.samples > math.MaxInt32:
		return isoCounts{videoTracks: videos} // (several video tracks: which one FFmpeg reads is its choice)
	}
	return isoCounts{frames: int(video.samples), videoTracks: 1}
}

// readISOIndex reads an index (moov) up to end: its time scale (mvhd), how many video tracks it
// lists and the last of them; false where it cannot be read or is fragmented (mvex).
func readISOIndex(f *forwardReader, end int64) (video isoTrack, videos int, movieScale uint64, ok bool) {
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

// fileVideoTracks returns how many video tracks the file at path lists where its container says
// (a Matroska file's track list, an ISO base media file's index), 0 where it does not or cannot
// be read: Video.VideoTracks. The file is opened once for both readers.
func fileVideoTracks(path string) int {
	file, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer file.Close()
	n, err := readMatroskaVideoTracks(file)
	if errors.Is(err, errNotMatroska) {
		if _, err := file.Seek(0, io.SeekStart); err != nil {
			return 0
		}
		return readISOVideoTracks(file)
	}
	if err != nil {
		return 0
	}
	return n
}

// readISOVideoTracks returns how many video tracks the index (moov) of the ISO base media file
// (MP4, MOV) that r reads from its start lists (isoFrameCount, its media data seeked past, not
// read); 0 where it is not such a file or its index cannot be read.
func readISOVideoTracks(r io.ReadSeeker) int {
	var first [8]byte
	if _, err := io.ReadFull(r, first[:]); err != nil || !isoFirstBox(string(first[4:])) {
		return 0
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return 0
	}
	counts, _, _ := isoFrameCount(&forwardReader{r: r})
	return counts.videoTracks
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
func (t *isoTrack) read(f *forwardReader, end int64, parent string) bool {
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
func (t *isoTrack) readEdits(f *forwardReader, size int64) bool {
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
func isoFields(f *forwardReader, size, n int64) ([]byte, error) {
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
func isoBox(f *forwardReader, room int64) (typ string, size int64, err error) {
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
