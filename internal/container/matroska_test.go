package container

import (
	"bytes"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/shuffledet/shuffledet/internal/videotest"
)

// TestMatroskaTimes: an MKV's start and duration are read; a file that is not one, or one cut
// anywhere in its first KB (its header and its first cluster's time), gives an error, never a panic or a wrong start.
func TestMatroskaTimes(t *testing.T) {
	path := videotest.OffsetMKV(t, 5)
	if start, duration, err := MatroskaTimes(path); err != nil || start != 5 || !(duration > 8.9 && duration < 9.1) {
		t.Errorf("MatroskaTimes: %v s from %v s, %v; want 5 and 9", start, duration, err)
	}
	if _, _, err := MatroskaTimes(videotest.Clip(t)); err == nil {
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
		if start, _, err := MatroskaTimes(cut); err == nil && start != 5 {
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
		if got, err := MatroskaVideoTracks(bytes.NewReader(data[:n])); err == nil && got > 2 {
			t.Fatalf("cut at %d bytes: %d video tracks", n, got)
		}
	}
}

// FuzzMatroskaTimes: any bytes give a start and a duration that are numbers, the duration not
// below zero, or an error; never a panic or a hang; and read as over the network (ForwardReader,
// seeking forward only) the same start and duration, or an error where one is. Its video tracks
// (MatroskaVideoTracks) are a count the bytes can hold, or an error. Seeded with the
// head of an MKV starting at 5 s.
func FuzzMatroskaTimes(f *testing.F) {
	data, err := os.ReadFile(videotest.OffsetMKV(f, 5))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data[:min(len(data), 1024)])
	f.Add([]byte{0x1A, 0x45, 0xDF, 0xA3, 0x80, 0x18, 0x53, 0x80, 0x67, 0xFF})
	f.Fuzz(func(t *testing.T, b []byte) {
		start, duration, err := ReadMatroskaTimes(bytes.NewReader(b))
		if err == nil && (math.IsNaN(start) || !(duration >= 0)) {
			t.Errorf("start %v, duration %v", start, duration)
		}
		s, d, ferr := ReadMatroskaTimes(&ForwardReader{r: bytes.NewReader(b)})
		if (ferr == nil) != (err == nil) || err == nil && (s != start || d != duration) {
			t.Errorf("over the network: %v s from %v s (%v); from a file: %v s from %v s (%v)", s, d, ferr, start, duration, err)
		}
		if n, err := MatroskaVideoTracks(bytes.NewReader(b)); err == nil && (n < 0 || n > len(b)) {
			t.Errorf("%d video tracks in %d bytes", n, len(b))
		}
	})
}

// matroskaTracksAt is MatroskaVideoTracks on the file at path.
func matroskaTracksAt(t *testing.T, path string) (int, error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return MatroskaVideoTracks(f)
}
