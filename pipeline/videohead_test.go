//go:build cgo && !noopencv

package pipeline

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shuffledet/shuffledet/internal/container"
	"github.com/shuffledet/shuffledet/internal/videotest"
	"gocv.io/x/gocv"
)

// TestExactCountOverHTTP: a stream of stated length says its count is exact by what the file
// is, not by its URL: an MP4 served at a link without an extension (video?id=1) is one whose
// count is exact; a Matroska file served at a link ending in .mp4 is not, nor an MP4 cut where
// no key frame is (its edit list plays 26 of the 40 frames its index lists, all it holds), its
// index first, or last past the head (a second request, for the index after the media data); an
// MP4 whose index lies past the head is whole (exact) when the server sends the index, not
// exact when it ignores Range (a 200 and the whole file: the index not asked for, one request),
// nor when it honours the head's Range but not the index's (not read), exact again as the server
// asks for the URL's user and password on every request. An MP4 served at a link ending in .jpg
// (clip.mp4?x=1.jpg) is not exact either: FFmpeg reads it as one image, not as the index says.
func TestExactCountOverHTTP(t *testing.T) {
	mkv := videotest.OffsetMKV(t, 0)
	dir := t.TempDir()
	large := videotest.LargeClip(t)
	files := map[string]string{"1": videotest.Clip(t), "2": mkv, "3": filepath.Join(dir, "cut.mp4"), "4": large, "5": filepath.Join(dir, "large-cut.mp4")}
	videotest.ReadFile(t, videotest.CutClip(t, dir, "cut.mp4", videotest.Clip(t), "-movflags", "+faststart"))
	if data := videotest.ReadFile(t, videotest.CutClip(t, dir, "large-cut.mp4", large)); len(data) <= container.MaxHead {
		t.Fatalf("the large clip cut: %d bytes, within the head (%d)", len(data), container.MaxHead)
	}
	// ranges: "all" honoured, "none", or "head" only (from byte 0).
	var requests atomic.Int32
	serve := func(ranges, user, pass string) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			requests.Add(1)
			if u, p, ok := r.BasicAuth(); user != "" && (!ok || u != user || p != pass) {
				w.Header().Set("WWW-Authenticate", `Basic realm="cam"`)
				http.Error(w, "who", http.StatusUnauthorized)
				return
			}
			f, err := os.Open(files[r.URL.Query().Get("id")])
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			defer f.Close()
			if ranges == "none" || ranges == "head" && !strings.HasPrefix(r.Header.Get("Range"), "bytes=0-") {
				io.Copy(w, f)
				return
			}
			http.ServeContent(w, r, "", time.Time{}, f)
		}))
	}
	srv := serve("all", "", "")
	defer srv.Close()
	for _, c := range []struct {
		url          string
		exact        bool
		stated, read int
	}{
		{srv.URL + "/video?id=1", true, videotest.ClipFrames, videotest.ClipFrames},
		{srv.URL + "/clip.mp4?id=2", false, videotest.ClipFrames, videotest.ClipFrames},
		// whole, but FFmpeg returns fewer frames than its index lists (its edit list)
		{srv.URL + "/cut.mp4?id=3", false, videotest.ClipFrames, videotest.CutClipFrames},
		{srv.URL + "/large.mp4?id=4", true, videotest.ClipFrames, videotest.ClipFrames},
		{srv.URL + "/large-cut.mp4?id=5", false, videotest.ClipFrames, videotest.CutClipFrames},
		// an MP4 whose URL ends in .jpg: FFmpeg reads it as one JPEG (image2), 1 frame stated
		// where its index lists 40, and none decoded
		{srv.URL + "/clip.mp4?id=1&x=1.jpg", false, 1, 0},
	} {
		l, err := OpenStream(c.url)
		if err != nil {
			t.Fatal(err)
		}
		m := gocv.NewMat()
		read := 0
		for ; ; read++ {
			if _, err := l.Read(context.Background(), &m); err != nil {
				if !errors.Is(err, io.EOF) {
					t.Errorf("%s: %v", c.url, err)
				}
				break
			}
		}
		m.Close()
		if l.Frames() != c.stated || read != c.read || l.ExactCount() != c.exact {
			t.Errorf("%s: %d frames stated, %d read, exact %v; want %d, %d, %v", c.url, l.Frames(), read, l.ExactCount(), c.stated, c.read, c.exact)
		}
		l.Close()
	}

	ignoring := serve("none", "", "")
	defer ignoring.Close()
	headOnly := serve("head", "", "")
	defer headOnly.Close()
	guarded := serve("all", "ann", "secret")
	defer guarded.Close()
	for _, c := range []struct {
		url      string
		frames   int
		requests int32
	}{
		{ignoring.URL + "/large.mp4?id=4", 0, 1},                // (its index past the head, not asked for)
		{ignoring.URL + "/video?id=1", videotest.ClipFrames, 1}, // (the whole file within the head)
		{headOnly.URL + "/large.mp4?id=4", 0, 2},                // (the index's answer not from its offset: not read)
		{strings.Replace(guarded.URL, "://", "://ann:secret@", 1) + "/large.mp4?id=4", videotest.ClipFrames, 4},
	} {
		requests.Store(0)
		if h := httpVideoHead(context.Background(), c.url); h.Frames != c.frames || requests.Load() != c.requests {
			t.Errorf("%s: %d frames in %d requests, want %d in %d", c.url, h.Frames, requests.Load(), c.frames, c.requests)
		}
	}
}

// TestHTTPFinite: a server that states the length of what it answers with (Content-Length, or a
// Range's 206) serves a file; one that sends a stream of no length (chunked), a camera's MJPEG
// stream of a made-up length (multipart, by its type or its bytes), or a live stream's playlist
// (HLS, of its own length), does not; nor does an error status (404).
func TestHTTPFinite(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/file":
			http.ServeContent(w, r, "", time.Time{}, strings.NewReader(strings.Repeat("x", 5000)))
		case "/whole": // (Range ignored: 200 and the whole body)
			w.Header().Set("Content-Length", "5000")
			w.Write([]byte(strings.Repeat("x", 5000)))
		case "/live":
			w.Write([]byte(strings.Repeat("x", 5000))) // (over the buffer: chunked, no length)
			w.(http.Flusher).Flush()
		case "/camera.mjpg", "/camera.cgi": // (a camera's MJPEG stream, a made-up length)
			if r.URL.Path == "/camera.mjpg" {
				w.Header().Set("Content-Type", "multipart/x-mixed-replace; boundary=frame")
			} else {
				w.Header().Set("Content-Type", "image/jpeg") // (a wrong type: its bytes tell)
			}
			w.Header().Set("Content-Length", "999999999")
			w.Write([]byte("--frame\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8"))
		case "/live.m3u8":
			w.Header().Set("Content-Length", "40")
			w.Write([]byte("#EXTM3U\n#EXT-X-TARGETDURATION:2\n        "))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	for path, want := range map[string]bool{"/file": true, "/whole": true, "/live": false, "/camera.mjpg": false, "/camera.cgi": false, "/live.m3u8": false, "/missing": false} {
		if got := httpFinite(context.Background(), srv.URL+path); got != want {
			t.Errorf("%s: finite %v, want %v", path, got, want)
		}
	}
}

// TestReopenStreamAsksNoMore: OpenStream asks the server of an http(s) link FFmpeg counts no
// frames of whether it serves a file (httpFinite's request: its first 16 bytes), and a raw H.264
// file is one (Finite); ReopenStream, Reconnect's open of a stream found live, sends no such
// request and reads it as live.
func TestReopenStreamAsksNoMore(t *testing.T) {
	raw := filepath.Join(t.TempDir(), "clip.h264")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-i", videotest.Clip(t), "-c:v", "copy", "-bsf:v", "h264_mp4toannexb", "-an", raw).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	var asked atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Range") == "bytes=0-15" {
			asked.Add(1)
		}
		http.ServeFile(w, r, raw)
	}))
	defer srv.Close()
	for _, c := range []struct {
		name   string
		open   func(string) (*Live, error)
		finite bool
		asked  int32
	}{{"OpenStream", OpenStream, true, 1}, {"ReopenStream", ReopenStream, false, 0}} {
		asked.Store(0)
		l, err := c.open(srv.URL + "/clip.h264")
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if l.Finite() != c.finite || asked.Load() != c.asked {
			t.Errorf("%s: finite %v after %d requests for its first 16 bytes; want %v after %d", c.name, l.Finite(), asked.Load(), c.finite, c.asked)
		}
		l.Close()
	}
}

// TestFileVideoTracks: Video.VideoTracks' reader takes a Matroska file's track list and an MP4's
// index from the one open file (the ISO reader after the Matroska one has read some of it), and
// gives 0 for a file that is neither, an empty one or none.
func TestFileVideoTracks(t *testing.T) {
	dir := t.TempDir()
	pic, stillAhead := videotest.StillAhead(t, dir)
	ffmpeg := func(args ...string) string { return videotest.FFmpeg(t, args...) }
	empty := filepath.Join(dir, "empty.mp4")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]int{
		ffmpeg(append(stillAhead, filepath.Join(dir, "still.mkv"))...): 2,
		ffmpeg(append(stillAhead, filepath.Join(dir, "still.mp4"))...): 2,
		videotest.OffsetMKV(t, 5):                                      1,
		videotest.Clip(t):                                              1,
		pic:                                                            0,
		empty:                                                          0,
		filepath.Join(dir, "absent.mp4"):                               0,
	} {
		if got := fileVideoTracks(path); got != want {
			t.Errorf("%s: %d video tracks; want %d", filepath.Base(path), got, want)
		}
	}
}
