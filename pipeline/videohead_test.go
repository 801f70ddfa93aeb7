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
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// cutClip writes the test clip cut at 1.35 s into dir, its packets copied and its index first
// (ffmpeg -ss with -c copy): it keeps the frames from the key frame before the cut, the clip's
// first, and an edit list that starts at the cut, so FFmpeg states 40 frames and returns 26.
func cutClip(t *testing.T, dir string) []byte {
	t.Helper()
	path := filepath.Join(dir, "cut.mp4")
	args := []string{"-v", "error", "-ss", "1.35", "-i", videotest.Clip(t), "-c", "copy", "-movflags", "+faststart", path}
	if out, err := exec.Command("ffmpeg", args...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %v: %v\n%s", args, err, out)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestVideoHead: the head of a file tells an MP4 or MOV whose index lists every frame (its index
// before or after its frames) from a fragmented MP4 (its index lists none, or its first
// fragment's) or one cut where no key frame is (its edit list drops its first frames), a Matroska file (its start read), MPEG-TS and AVI, by the bytes alone; an MP4
// cut anywhere before its index's end tells nothing (never a panic).
func TestVideoHead(t *testing.T) {
	dir := t.TempDir()
	clip, err := os.ReadFile(videotest.Clip(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name     string
		data     []byte
		exact    bool
		matroska bool
	}{
		{"the clip (index first)", clip, true, false},
		{"index last", remux(t, dir, "last.mp4"), true, false},
		{"MOV", remux(t, dir, "clip.mov"), true, false},
		{"cut where no key frame is, index first", cutClip(t, dir), false, false},
		{"fragmented", remux(t, dir, "frag.mp4", "-movflags", "frag_keyframe+empty_moov"), false, false},
		{"fragmented, first fragment in the index", remux(t, dir, "frag1.mp4", "-movflags", "frag_keyframe"), false, false},
		{"Matroska", remux(t, dir, "clip.mkv"), false, true},
		{"MPEG-TS", remux(t, dir, "clip.ts"), false, false},
		{"AVI", remux(t, dir, "clip.avi"), false, false},
	} {
		h := readVideoHead(bytes.NewReader(c.data))
		if h.exactCount != c.exact || (h.err == nil) != c.matroska {
			t.Errorf("%s: exact count %v, Matroska %v (%v); want %v, %v", c.name, h.exactCount, h.err == nil, h.err, c.exact, c.matroska)
		}
	}

	// The clip's index (moov) follows its file type box (ftyp): cut before its end, the head
	// says nothing; from there on, that the count is exact.
	indexEnd := 0
	for off := 0; off+8 <= len(clip) && indexEnd == 0; {
		size, typ := int(binary.BigEndian.Uint32(clip[off:])), string(clip[off+4:off+8])
		if typ == "moov" {
			indexEnd = off + size
		} else if size < 8 {
			t.Fatalf("the clip's box at %d: size %d", off, size)
		}
		off += size
	}
	if indexEnd == 0 {
		t.Fatal("the clip has no index (moov)")
	}
	for n := range min(len(clip), indexEnd+64) {
		if got := readVideoHead(bytes.NewReader(clip[:n])).exactCount; got != (n >= indexEnd) {
			t.Fatalf("cut at %d bytes (index ends at %d): exact count %v", n, indexEnd, got)
		}
	}
}

// FuzzVideoHead: any bytes give a head, never a panic or a hang; a Matroska start and duration
// that are numbers. Seeded with the heads of the clip and of a fragmented MP4.
func FuzzVideoHead(f *testing.F) {
	clip, err := os.ReadFile(videotest.Clip(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(clip[:min(len(clip), 2048)])
	f.Add([]byte("\x00\x00\x00\x08ftyp\x00\x00\x00\x10moov\x00\x00\x00\x08mvex"))
	f.Add([]byte("\x00\x00\x00\x01moov\xff\xff\xff\xff\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, b []byte) {
		h := readVideoHead(bytes.NewReader(b))
		if h.err == nil && (math.IsNaN(h.start) || !(h.duration >= 0)) {
			t.Errorf("start %v, duration %v", h.start, h.duration)
		}
	})
}

// TestExactCountOverHTTP: a stream of stated length says its count is exact by what the file
// is, not by its URL: an MP4 served at a link without an extension (video?id=1) is one whose
// count is exact; a Matroska file served at a link ending in .mp4 is not, nor an MP4 cut where
// no key frame is (its edit list plays 26 of the 40 frames its index lists, all it holds).
func TestExactCountOverHTTP(t *testing.T) {
	mkv := videotest.OffsetMKV(t, 0)
	cut := filepath.Join(t.TempDir(), "cut.mp4")
	if err := os.WriteFile(cut, cutClip(t, t.TempDir()), 0o666); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := videotest.Clip(t)
		switch r.URL.Query().Get("id") {
		case "2":
			path = mkv
		case "3":
			path = cut
		}
		f, err := os.Open(path)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer f.Close()
		http.ServeContent(w, r, "", time.Time{}, f)
	}))
	defer srv.Close()
	for _, c := range []struct {
		url          string
		exact        bool
		stated, read int
	}{
		{srv.URL + "/video?id=1", true, videotest.ClipFrames, videotest.ClipFrames},
		{srv.URL + "/clip.mp4?id=2", false, videotest.ClipFrames, videotest.ClipFrames},
		// whole, but FFmpeg returns fewer frames than its index lists (its edit list)
		{srv.URL + "/cut.mp4?id=3", false, videotest.ClipFrames, 26},
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
}
