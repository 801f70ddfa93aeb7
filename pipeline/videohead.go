//go:build cgo && !noopencv

package pipeline

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"mime"
	"net/http"
	neturl "net/url"
	"os"
	"strconv"
	"strings"

	"github.com/shuffledet/shuffledet/internal/container"
)

// videoHead is what the head of a video file read over http(s) says about the file
// (container.Head: as its bytes show it, not its URL), and ranged.
type videoHead struct {
	container.Head
	// ranged: the server answered the head's Range with 206 (httpVideoHead; a server that sends
	// 200 and the whole file ignores Range). FFmpeg reads the index of a file whose media data
	// comes before it (IndexLast) by reading past its frames, then goes back to them: a server that
	// ignores Range cannot take it back, and no frame is read (unless the whole file fits in
	// FFmpeg's buffer, a few KB; FFmpeg 5.1 on python3 -m http.server, measured: a 98 KB clip and
	// a 2.8 MB one, no frame; a 3 KB one, every frame).
	ranged bool
}

// httpVideoHead reads the head of the file at an http(s) URL (at most container.MaxHead bytes), and
// where that shows an ISO base media file's media data (mdat) running past it, the boxes after it,
// its index (moov: ffmpeg's default place for it, at the end), with a second Range request (at most
// container.MaxISOIndex bytes, asked only of a server that answered the head's Range with 206; its
// file's count is not exact where the server does not answer with those bytes). Both requests are
// made within whyTimeout, as FFmpeg makes them: the URL's user and password are sent only when the
// server asks for them (Digest or Basic), and the server's certificate is not checked.
func httpVideoHead(ctx context.Context, rawURL string) videoHead {
	get, done, err := ffmpegRequests(ctx, rawURL)
	if err != nil {
		return videoHead{Head: container.Head{Err: err}}
	}
	defer done()
	resp, err := get(0, container.MaxHead)
	if err != nil {
		return videoHead{Head: container.Head{Err: err}}
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusPartialContent {
		resp.Body.Close()
		return videoHead{Head: container.Head{Err: container.ErrNotMatroska}}
	}
	h := videoHead{Head: container.ReadHead(io.LimitReader(resp.Body, container.MaxHead))}
	// (its connection closed before the index is asked for, not held open beside that request)
	resp.Body.Close()
	// A server that answered the head with 200, not 206, ignores Range: asked again, it would send
	// the whole file again.
	h.ranged = resp.StatusCode == http.StatusPartialContent
	if h.ranged && h.IndexAt > 0 && h.IndexAt <= math.MaxInt64-container.MaxISOIndex { // (an mdat to the file's end: nothing after it)
		h.Counts = httpISOIndex(get, h.IndexAt)
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
// asks the server for them, to its index (moov), and returns what that lists
// (container.ISOFrameCount); none where the server answers with other bytes than those asked for
// (not 206 Partial Content from at: a server that ignores Range sends the whole file, which is not
// read) or the index is not within container.MaxISOIndex bytes of at.
func httpISOIndex(get func(from int64, n int) (*http.Response, error), at int64) container.Counts {
	resp, err := get(at, container.MaxISOIndex)
	if err != nil {
		return container.Counts{}
	}
	defer resp.Body.Close() // (unread: the connection is closed, not drained)
	if resp.StatusCode != http.StatusPartialContent || !strings.HasPrefix(resp.Header.Get("Content-Range"), "bytes "+strconv.FormatInt(at, 10)+"-") {
		return container.Counts{}
	}
	counts, _, _ := container.ISOFrameCount(container.NewForwardReader(io.LimitReader(resp.Body, container.MaxISOIndex), at)) // (past these bytes: not asked for)
	return counts
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
	n, err := container.MatroskaVideoTracks(file)
	if errors.Is(err, container.ErrNotMatroska) {
		if _, err := file.Seek(0, io.SeekStart); err != nil {
			return 0
		}
		return container.ISOVideoTracks(file)
	}
	if err != nil {
		return 0
	}
	return n
}
