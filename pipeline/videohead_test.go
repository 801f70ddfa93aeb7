//go:build cgo && !noopencv

package pipeline

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shuffledet/shuffledet/internal/videotest"
	"gocv.io/x/gocv"
)

// remux writes the test clip into dir as name with ffmpeg's extra arguments (the frames copied).
func remux(t *testing.T, dir, name string, args ...string) []byte {
	t.Helper()
	path := filepath.Join(dir, name)
	args = append(append([]string{"-v", "error", "-i", videotest.Clip(t), "-c", "copy"}, args...), path)
	if out, err := exec.Command("ffmpeg", args...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %v: %v\n%s", args, err, out)
	}
	return readFile(t, path)
}

// cutClip writes the video at src cut where no key frame is into dir as name
// (videotest.CutClip) and returns the file written.
func cutClip(t *testing.T, dir, name, src string, args ...string) []byte {
	t.Helper()
	return readFile(t, videotest.CutClip(t, dir, name, src, args...))
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestVideoHead: the head of a file gives the count of frames of an MP4 or MOV whose index lists
// every frame (its index before or after its frames; its sample sizes in an stsz box, or an stz2;
// 10 fps, or 29.97 fps, as OpenCV states it: 40 frames, 120), and none for a fragmented MP4 (its
// index lists none, or its first fragment's), one cut where no key frame is (its edit list drops
// its first frames) or one with two video tracks, a Matroska file (its start read), MPEG-TS and
// AVI, by the bytes alone; an MP4 cut anywhere before its index's end tells nothing (never a
// panic).
func TestVideoHead(t *testing.T) {
	dir := t.TempDir()
	clip, err := os.ReadFile(videotest.Clip(t))
	if err != nil {
		t.Fatal(err)
	}
	ntsc := filepath.Join(dir, "ntsc.mp4")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-i", videotest.Clip(t), "-r", "30000/1001", "-c:v", "libx264", "-preset", "ultrafast", ntsc).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	ntscData, err := os.ReadFile(ntsc)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name     string
		data     []byte
		frames   int
		matroska bool
	}{
		{"the clip (index first)", clip, videotest.ClipFrames, false},
		{"index last", remux(t, dir, "last.mp4"), videotest.ClipFrames, false},
		{"MOV", remux(t, dir, "clip.mov"), videotest.ClipFrames, false},
		{"stz2", stz2(t, clip), videotest.ClipFrames, false},
		{"29.97 fps", ntscData, 120, false},
		{"two video tracks", remux(t, dir, "two.mp4", "-map", "0:v", "-map", "0:v"), 0, false},
		{"cut where no key frame is, index first", cutClip(t, dir, "cut.mp4", videotest.Clip(t), "-movflags", "+faststart"), 0, false},
		{"cut where no key frame is, index last", cutClip(t, dir, "cut-last.mp4", videotest.Clip(t)), 0, false},
		{"fragmented", remux(t, dir, "frag.mp4", "-movflags", "frag_keyframe+empty_moov"), 0, false},
		{"fragmented, first fragment in the index", remux(t, dir, "frag1.mp4", "-movflags", "frag_keyframe"), 0, false},
		{"Matroska", remux(t, dir, "clip.mkv"), 0, true},
		{"MPEG-TS", remux(t, dir, "clip.ts"), 0, false},
		{"AVI", remux(t, dir, "clip.avi"), 0, false},
	} {
		h := readVideoHead(bytes.NewReader(c.data))
		if h.frames != c.frames || (h.err == nil) != c.matroska || h.indexAt != 0 {
			t.Errorf("%s: %d frames, Matroska %v (%v), index at %d; want %d, %v, 0", c.name, h.frames, h.err == nil, h.err, h.indexAt, c.frames, c.matroska)
		}
	}

	// The clip's index (moov) follows its file type box (ftyp): cut before its end, the head
	// says nothing; from there on, that the count is exact.
	_, indexEnd := topBox(t, clip, "moov")
	if indexEnd == 0 {
		t.Fatal("the clip has no index (moov)")
	}
	for n := range min(len(clip), indexEnd+64) {
		want := 0
		if n >= indexEnd {
			want = videotest.ClipFrames
		}
		if h := readVideoHead(bytes.NewReader(clip[:n])); h.frames != want || h.indexAt != 0 || h.indexLast {
			t.Fatalf("cut at %d bytes (index ends at %d): %d frames, index at %d, index last %v; want %d", n, indexEnd, h.frames, h.indexAt, h.indexLast, want)
		}
	}

	// Its index last, after its media data (mdat): a head that ends from the mdat's header on
	// (within its frames, or within the index) says where the index starts, to be asked for;
	// one that holds the whole file, that the count is exact.
	last := remux(t, dir, "last2.mp4")
	mediaStart, mediaEnd := topBox(t, last, "mdat")
	mediaStart += 8 // (its frames, after its header)
	if mediaEnd == 0 || mediaEnd >= len(last) {
		t.Fatalf("the remuxed clip's media data ends at %d of %d bytes", mediaEnd, len(last))
	}
	for n := 0; n <= len(last); n++ {
		if n > mediaStart+64 && n < mediaEnd-64 && n%97 != 0 { // (within its frames: every 97th)
			continue
		}
		want, wantFrames := int64(0), 0
		if n >= mediaStart && n < len(last) {
			want = int64(mediaEnd)
		}
		if n == len(last) {
			wantFrames = videotest.ClipFrames
		}
		if h := readVideoHead(bytes.NewReader(last[:n])); h.frames != wantFrames || h.indexAt != want || h.indexLast != (n >= mediaStart) {
			t.Fatalf("index last, cut at %d bytes (media data from %d to %d, of %d): %d frames, index at %d, index last %v; want %d, %d, %v",
				n, mediaStart, mediaEnd, len(last), h.frames, h.indexAt, h.indexLast, wantFrames, want, n >= mediaStart)
		}
	}
}

// topBox returns where the first top-level box of type typ in an MP4's bytes starts and ends
// (its 32-bit size: a box before it of any other size fails the test); 0, 0 where there is none.
func topBox(t *testing.T, mp4 []byte, typ string) (start, end int) {
	t.Helper()
	for off := 0; off+8 <= len(mp4); {
		size := int(binary.BigEndian.Uint32(mp4[off:]))
		if string(mp4[off+4:off+8]) == typ {
			return off, off + size
		}
		if size < 8 {
			t.Fatalf("the MP4's box at %d: size %d", off, size)
		}
		off += size
	}
	return 0, 0
}

// stz2 returns an MP4's bytes with its one sample size table (stsz) written as a compact one
// (stz2) with 32-bit fields, the same bytes but for its type and its field size.
func stz2(t *testing.T, mp4 []byte) []byte {
	t.Helper()
	if bytes.Count(mp4, []byte("stsz")) != 1 {
		t.Fatal("not one stsz box in the MP4")
	}
	b := bytes.Clone(mp4)
	at := bytes.Index(b, []byte("stsz"))
	if binary.BigEndian.Uint32(b[at+8:]) != 0 {
		t.Fatal("the stsz box gives one size for every sample")
	}
	copy(b[at:], "stz2")
	binary.BigEndian.PutUint32(b[at+8:], 32) // (reserved, and the field size: 32 bits)
	return b
}

// FuzzVideoHead: any bytes give a head, never a panic or a hang; a Matroska start and duration
// that are numbers; a count of frames not below 0; an index to be asked for past the head at an
// offset, the count not yet known; video tracks not below 0, one where frames are counted; and
// the same read as a local file (seeked past its boxes); and a file called cut short before its
// index (isoCutBeforeIndex) only where it begins with an ISO box.
// Seeded with the heads of the clip and of a fragmented MP4, media data before an index, and a
// HEIF picture's boxes.
func FuzzVideoHead(f *testing.F) {
	clip, err := os.ReadFile(videotest.Clip(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(clip[:min(len(clip), 2048)])
	f.Add([]byte("\x00\x00\x00\x08ftyp\x00\x00\x00\x10moov\x00\x00\x00\x08mvex"))
	f.Add([]byte("\x00\x00\x00\x01moov\xff\xff\xff\xff\xff\xff\xff\xff"))
	f.Add([]byte("\x00\x00\x00\x10mdat\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x10moov\x00\x00\x00\x08mvhd"))
	f.Add([]byte("\x00\x00\x00\x10ftypheic\x00\x00\x00\x00\x00\x00\x00\x0cmeta\x00\x00\x00\x00\x00\x00\x00\x00mdat"))
	f.Fuzz(func(t *testing.T, b []byte) {
		h := readVideoHead(bytes.NewReader(b))
		if h.err == nil && (math.IsNaN(h.start) || !(h.duration >= 0)) {
			t.Errorf("start %v, duration %v", h.start, h.duration)
		}
		if h.indexAt < 0 || h.frames < 0 || h.indexAt > 0 && h.frames != 0 {
			t.Errorf("index at %d, %d frames", h.indexAt, h.frames)
		}
		if h.videoTracks < 0 || h.frames > 0 && h.videoTracks != 1 {
			t.Errorf("%d frames of %d video tracks", h.frames, h.videoTracks)
		}
		// a local file's counts, on the same bytes (seeked, not read, past its boxes)
		if c, _, _ := isoFrameCount(&forwardReader{r: bytes.NewReader(b)}); c.videoTracks < 0 || c.frames < 0 || c.frames > 0 && c.videoTracks != 1 {
			t.Errorf("a local file: %d frames of %d video tracks", c.frames, c.videoTracks)
		}
		// why a file opened no video: cut short before its index only where it begins as one
		if isoCutBeforeIndex(bytes.NewReader(b), int64(len(b))) && (len(b) < 8 || !isoFirstBox(string(b[4:8]))) {
			t.Errorf("cut short before its index, but no ISO box first: % x", b[:min(len(b), 8)])
		}
	})
}

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
	cutClip(t, dir, "cut.mp4", videotest.Clip(t), "-movflags", "+faststart")
	if data := cutClip(t, dir, "large-cut.mp4", large); len(data) <= maxVideoHead {
		t.Fatalf("the large clip cut: %d bytes, within the head (%d)", len(data), maxVideoHead)
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
		if h := httpVideoHead(context.Background(), c.url); h.frames != c.frames || requests.Load() != c.requests {
			t.Errorf("%s: %d frames in %d requests, want %d in %d", c.url, h.frames, requests.Load(), c.frames, c.requests)
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

// ffmpegWrites runs ffmpeg with args, the last its output file, and returns that file.
func ffmpegWrites(t *testing.T, args ...string) string {
	t.Helper()
	if out, err := exec.Command("ffmpeg", append([]string{"-v", "error"}, args...)...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	return args[len(args)-1]
}

// stillAheadArgs writes a picture into dir and returns it with ffmpeg's input arguments for a
// file of two video tracks, that picture as a one-frame MJPEG track ahead of the clip's video.
func stillAheadArgs(t *testing.T, dir string) (pic string, args []string) {
	t.Helper()
	pic = ffmpegWrites(t, "-f", "lavfi", "-i", "testsrc=s=64x48", "-frames:v", "1", filepath.Join(dir, "cover.jpg"))
	return pic, []string{"-i", pic, "-i", videotest.Clip(t), "-map", "0", "-map", "1:v", "-c:v:0", "mjpeg", "-c:v:1", "copy"}
}

// TestISOVideoTracks: an MP4's or MOV's video tracks are counted from its index, before or after
// its frames (a one-frame still track ahead of the video: 2; an audio track beside one video: 1);
// a Matroska file, a fragmented MP4 (its index lists no frames), a JPEG or no file gives 0, and
// a file cut anywhere in its first 2 KB at most the tracks it holds, never a panic.
func TestISOVideoTracks(t *testing.T) {
	dir := t.TempDir()
	pic, stillAhead := stillAheadArgs(t, dir)
	ffmpeg := func(args ...string) string { return ffmpegWrites(t, args...) }
	want := map[string]int{
		ffmpeg(append(stillAhead, filepath.Join(dir, "still.mp4"))...):                                  2,
		ffmpeg(append(stillAhead, "-movflags", "+faststart", filepath.Join(dir, "still first.mp4"))...): 2,
		ffmpeg(append(stillAhead, filepath.Join(dir, "still.mov"))...):                                  2,
		ffmpeg("-i", videotest.Clip(t), "-f", "lavfi", "-i", "sine=d=4", "-c:v", "copy", "-c:a", "aac", "-shortest",
			filepath.Join(dir, "with audio.mp4")): 1,
		videotest.Clip(t): 1,
	}
	for path, n := range want {
		if got := isoTracksAt(t, path); got != n {
			t.Errorf("%s: %d video tracks; want %d", filepath.Base(path), got, n)
		}
	}
	remux(t, dir, "fragmented.mp4", "-movflags", "+frag_keyframe+empty_moov")
	for _, path := range []string{videotest.OffsetMKV(t, 5), filepath.Join(dir, "fragmented.mp4"), pic, filepath.Join(dir, "absent.mp4")} {
		if got := isoTracksAt(t, path); got != 0 {
			t.Errorf("%s: %d video tracks; want 0 (not told)", filepath.Base(path), got)
		}
	}
	data := readFile(t, filepath.Join(dir, "still first.mp4"))
	for n := range min(len(data), 2048) {
		if c, _, _ := isoFrameCount(&forwardReader{r: bytes.NewReader(data[:n])}); c.videoTracks > 2 || c.frames != 0 {
			t.Fatalf("cut at %d bytes: %+v", n, c)
		}
	}
}

// isoTracksAt is readISOVideoTracks on the file at path (0 where it cannot be opened).
func isoTracksAt(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	return readISOVideoTracks(f)
}

// TestFileVideoTracks: Video.VideoTracks' reader takes a Matroska file's track list and an MP4's
// index from the one open file (the ISO reader after the Matroska one has read some of it), and
// gives 0 for a file that is neither, an empty one or none.
func TestFileVideoTracks(t *testing.T) {
	dir := t.TempDir()
	pic, stillAhead := stillAheadArgs(t, dir)
	ffmpeg := func(args ...string) string { return ffmpegWrites(t, args...) }
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

// TestISOCutBeforeIndex: which ISO base media files isoCutBeforeIndex calls cut short before
// their index, on made-up top-level boxes: not a HEIF or AVIF picture (a meta box, no index, as
// ftyp + meta + mdat; a review found a .heic called a recording cut short), nor an index whose
// size is 0 (the last box, running to the file's end).
func TestISOCutBeforeIndex(t *testing.T) {
	box := func(typ string, contents, size int) []byte { // size: the box's stated size
		b := binary.BigEndian.AppendUint32(nil, uint32(size))
		return append(append(b, typ...), make([]byte, contents)...)
	}
	whole := func(typ string, contents int) []byte { return box(typ, contents, 8+contents) }
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	for _, c := range []struct {
		name string
		file []byte
		want bool
	}{
		{"index last, cut in the frames", cat(whole("ftyp", 16), box("mdat", 100, 8+5000)), true},
		{"index last, cut in it", cat(whole("ftyp", 16), whole("mdat", 100), box("moov", 10, 8+400)), true},
		{"index last, its header cut", cat(whole("ftyp", 16), whole("mdat", 100), []byte("\x00\x00")), true},
		{"whole", cat(whole("ftyp", 16), whole("mdat", 100), whole("moov", 40)), false},
		{"index of size 0, last", cat(whole("ftyp", 16), whole("mdat", 100), box("moov", 40, 0)), false},
		{"HEIF picture", cat(whole("ftyp", 16), whole("meta", 60), whole("mdat", 100)), false},
		{"HEIF picture cut short", cat(whole("ftyp", 16), whole("meta", 60), box("mdat", 100, 8+5000)), false},
		{"not ISO", []byte("RIFF\x00\x00\x00\x00AVI LIST"), false},
	} {
		if got := isoCutBeforeIndex(bytes.NewReader(c.file), int64(len(c.file))); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
