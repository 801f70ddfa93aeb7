//go:build cgo && !noopencv

package pipeline

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"net/http"
	neturl "net/url"
)

// videoHead is what the head of a video file read over http(s) says about the file, as its
// bytes show it (not its URL: a link may name an MP4 without its extension, or by a query).
type videoHead struct {
	// start and duration are a Matroska file's (matroskaTimes); err is errNotMatroska for
	// another file, or a Matroska file whose start it cannot read, or the request's failure.
	start, duration float64
	err             error
	// exactCount: an ISO base media file (MP4, MOV) whose index lists every frame
	// (isoIndexesEveryFrame), so that the count FFmpeg states is exact, not an estimate.
	exactCount bool
}

// maxVideoHead bounds the bytes httpVideoHead reads (a Matroska file's head up to its first
// cluster's time, or an MP4's boxes up to its index's own: a few KB, more where a Matroska file
// starts with attachments or cues, or an MP4's index lists an hour of frames or more).
const maxVideoHead = 1 << 20

// httpVideoHead reads the head of the file at an http(s) URL (at most maxVideoHead bytes, within
// whyTimeout), as FFmpeg reads it: the URL's user and password are sent only when the server
// asks for them (Digest or Basic), and the server's certificate is not checked.
func httpVideoHead(ctx context.Context, rawURL string) videoHead {
	u, err := neturl.Parse(rawURL)
	if err != nil {
		return videoHead{err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, whyTimeout)
	defer cancel()
	client := ffmpegClient() // (a Range request is not sent compressed: Go asks for gzip only without one)
	defer client.CloseIdleConnections()
	resp, err := ffmpegGet(ctx, client, u, maxVideoHead, "")
	if err == nil && resp.StatusCode == http.StatusUnauthorized && u.User != nil {
		resp.Body.Close()
		if authorization := answer(resp.Header.Values("WWW-Authenticate"), u.User, http.MethodGet, u.RequestURI()); authorization != "" {
			resp, err = ffmpegGet(ctx, client, u, maxVideoHead, authorization)
		}
	}
	if err != nil {
		return videoHead{err: unwrapURLError(err)}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusPartialContent {
		return videoHead{err: errNotMatroska}
	}
	return readVideoHead(io.LimitReader(resp.Body, maxVideoHead))
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
		h.exactCount = isoIndexesEveryFrame(&forwardReader{r: b})
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

// maxISOBoxes is how many boxes isoIndexesEveryFrame reads past, at the top level or in the
// index, before it gives up (a file type, padding, the index; the index's header, a track or a
// few, user data: a handful in practice).
const maxISOBoxes = 64

// errNotISO is isoBox's failure: a box that runs past its parent or cannot be read.
var errNotISO = errors.New("not an ISO base media file it can read")

// isoIndexesEveryFrame reports whether an ISO base media file (MP4, MOV, M4V, 3GP), as f reads
// it from its start, is one whose index (its moov box's sample tables) lists every frame, so
// that the frame count FFmpeg states is the file's exact count: one that is not fragmented (its
// moov holds no mvex box). A fragmented file's index lists none of its frames, or its first
// fragment's only: FFmpeg counts its frames from the fragments it has seen, or from its duration.
// A fragmented file's moov comes before its fragments (ISO/IEC 14496-12, 8.8: it is written so
// that it can be read while it is written), so one whose media data (mdat) comes first is not
// one; its index is at its end, past the head. False where the head ends before it tells (an
// index over maxVideoHead: its tracks are skipped by reading them) or is not such a file's.
func isoIndexesEveryFrame(f *forwardReader) bool {
	for range maxISOBoxes {
		typ, size, err := isoBox(f, math.MaxInt64-f.off)
		switch {
		case err != nil || typ == "moof": // (a fragment before any index: not a file it knows)
			return false
		case typ == "mdat":
			return true
		case typ == "moov":
			for end := f.off + size; f.off < end; {
				typ, size, err := isoBox(f, end-f.off)
				if err != nil {
					return false
				}
				if typ == "mvex" {
					return false
				}
				if _, err := f.Seek(size, io.SeekCurrent); err != nil {
					return false
				}
			}
			return true
		}
		if _, err := f.Seek(size, io.SeekCurrent); err != nil {
			return false
		}
	}
	return false
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
