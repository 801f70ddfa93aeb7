//go:build cgo && !noopencv

package pipeline

import (
	"bytes"
	"context"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gocv.io/x/gocv"

	"github.com/shuffledet/shuffledet/internal/videotest"
)

// TestMKVStartOffset: an MKV whose timestamps start at 5 s states the frames it holds, not its
// duration from 0 times its rate (90 for 40), so Extent does not see it as cut short; the same
// MKV from 0 keeps OpenCV's count.
func TestMKVStartOffset(t *testing.T) {
	for _, offset := range []float64{0, 5} {
		path := videotest.OffsetMKV(t, offset)
		v, err := OpenVideo(path)
		if err != nil {
			t.Fatal(err)
		}
		if v.Info().Frames != videotest.ClipFrames {
			t.Errorf("offset %g s: %d frames stated, want %d", offset, v.Info().Frames, videotest.ClipFrames)
		}
		m := gocv.NewMat()
		n := 0
		for _, err := v.Read(context.Background(), &m); err == nil; _, err = v.Read(context.Background(), &m) {
			n++
		}
		m.Close()
		if got, stated, ended := v.Extent(); n != videotest.ClipFrames || got != n || stated != n || !ended {
			t.Errorf("offset %g s: %d frames read, Extent %d of %d (ended %v)", offset, n, got, stated, ended)
		}
		v.Close()
	}
}

// TestMKVStartOffsetOverHTTP: the same MKVs read over http (a stream of stated length) state
// the frames they hold too, and so does one that a server serves only with a user and password
// given (Basic, asked for), so that one read whole is not taken as ended short.
func TestMKVStartOffsetOverHTTP(t *testing.T) {
	for _, offset := range []float64{0, 5} {
		path := videotest.OffsetMKV(t, offset)
		files := http.FileServer(http.Dir(filepath.Dir(path)))
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if user, pass, ok := r.BasicAuth(); !ok || user != "admin" || pass != "2024" {
				w.Header().Set("WWW-Authenticate", `Basic realm="cam"`)
				http.Error(w, "who?", http.StatusUnauthorized)
				return
			}
			files.ServeHTTP(w, r)
		}))
		url := strings.Replace(srv.URL, "http://", "http://admin:2024@", 1) + "/" + filepath.Base(path)
		l, err := OpenStream(url)
		if err != nil {
			srv.Close()
			t.Fatal(err)
		}
		if l.Frames() != videotest.ClipFrames {
			t.Errorf("offset %g s: %d frames stated, want %d", offset, l.Frames(), videotest.ClipFrames)
		}
		m := gocv.NewMat()
		n := 0
		for _, err := l.Read(context.Background(), &m); err == nil; _, err = l.Read(context.Background(), &m) {
			n++
		}
		m.Close()
		if got, stated, ended := l.Extent(); n != videotest.ClipFrames || got != n || stated != n || !ended {
			t.Errorf("offset %g s: %d frames read, Extent %d of %d (ended %v)", offset, n, got, stated, ended)
		}
		l.Close()
		srv.Close()
	}
}

// TestMatroskaTimes: an MKV's start and duration are read; a file that is not one, or one cut
// anywhere in its first KB (its header and its first cluster's time), gives an error, never a panic or a wrong start.
func TestMatroskaTimes(t *testing.T) {
	path := videotest.OffsetMKV(t, 5)
	if start, duration, err := matroskaTimes(path); err != nil || start != 5 || !(duration > 8.9 && duration < 9.1) {
		t.Errorf("matroskaTimes: %v s from %v s, %v; want 5 and 9", start, duration, err)
	}
	if _, _, err := matroskaTimes(videotest.Clip(t)); err == nil {
		t.Error("an MP4 read as Matroska")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut.mkv")
	for n := range min(len(data), 1024) {
		if err := os.WriteFile(cut, data[:n], 0o644); err != nil {
			t.Fatal(err)
		}
		if start, _, err := matroskaTimes(cut); err == nil && start != 5 {
			t.Fatalf("cut at %d bytes: start %v", n, start)
		}
	}
}

// TestMatroskaVideoTracks: an MKV's video tracks are counted (a one-frame still track ahead of
// the video too, an attached cover, which FFmpeg shows as a picture after the tracks, not); a
// file that is not one, or one cut anywhere in its first KB, gives an error or its count, never
// a panic or a count it does not hold.
func TestMatroskaVideoTracks(t *testing.T) {
	dir := t.TempDir()
	pic := filepath.Join(dir, "cover.jpg")
	ffmpeg := func(args ...string) {
		if out, err := exec.Command("ffmpeg", append([]string{"-v", "error"}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("ffmpeg: %v\n%s", err, out)
		}
	}
	ffmpeg("-f", "lavfi", "-i", "testsrc=s=64x48", "-frames:v", "1", pic)
	still, attached := filepath.Join(dir, "still.mkv"), filepath.Join(dir, "attached.mkv")
	ffmpeg("-i", pic, "-i", videotest.Clip(t), "-map", "0", "-map", "1:v", "-c:v:0", "mjpeg", "-c:v:1", "copy", still)
	ffmpeg("-i", videotest.Clip(t), "-attach", pic, "-metadata:s:t", "mimetype=image/jpeg", "-c", "copy", attached)
	for path, want := range map[string]int{still: 2, attached: 1, videotest.OffsetMKV(t, 5): 1} {
		if n, err := matroskaTracksAt(t, path); err != nil || n != want {
			t.Errorf("%s: %d video tracks, %v; want %d", filepath.Base(path), n, err, want)
		}
	}
	if _, err := matroskaTracksAt(t, videotest.Clip(t)); err == nil {
		t.Error("an MP4 read as Matroska")
	}
	data, err := os.ReadFile(still)
	if err != nil {
		t.Fatal(err)
	}
	for n := range min(len(data), 1024) {
		if got, err := readMatroskaVideoTracks(bytes.NewReader(data[:n])); err == nil && got > 2 {
			t.Fatalf("cut at %d bytes: %d video tracks", n, got)
		}
	}
}

// FuzzMatroskaTimes: any bytes give a start and a duration that are numbers, the duration not
// below zero, or an error; never a panic or a hang; and read as over the network (forwardReader,
// seeking forward only) the same start and duration, or an error where one is. Its video tracks
// (readMatroskaVideoTracks) are a count the bytes can hold, or an error. Seeded with the
// head of an MKV starting at 5 s.
func FuzzMatroskaTimes(f *testing.F) {
	data, err := os.ReadFile(videotest.OffsetMKV(f, 5))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data[:min(len(data), 1024)])
	f.Add([]byte{0x1A, 0x45, 0xDF, 0xA3, 0x80, 0x18, 0x53, 0x80, 0x67, 0xFF})
	f.Fuzz(func(t *testing.T, b []byte) {
		start, duration, err := readMatroskaTimes(bytes.NewReader(b))
		if err == nil && (math.IsNaN(start) || !(duration >= 0)) {
			t.Errorf("start %v, duration %v", start, duration)
		}
		s, d, ferr := readMatroskaTimes(&forwardReader{r: bytes.NewReader(b)})
		if (ferr == nil) != (err == nil) || err == nil && (s != start || d != duration) {
			t.Errorf("over the network: %v s from %v s (%v); from a file: %v s from %v s (%v)", s, d, ferr, start, duration, err)
		}
		if n, err := readMatroskaVideoTracks(bytes.NewReader(b)); err == nil && (n < 0 || n > len(b)) {
			t.Errorf("%d video tracks in %d bytes", n, len(b))
		}
	})
}

// matroskaTracksAt is readMatroskaVideoTracks on the file at path.
func matroskaTracksAt(t *testing.T, path string) (int, error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return readMatroskaVideoTracks(f)
}
