// Package videotest holds helpers for the video and OpenCV tests: random detector models (down to
// ones small enough to run a thousand frames in seconds), the bundled clip, and frame counts read
// back with ffprobe.
package videotest

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/shuffledet/shuffledet/internal/testmodel"
	"github.com/shuffledet/shuffledet/internal/torchref"
	"github.com/shuffledet/shuffledet/modelfile"
)

// Clip facts: testdata/video/person.mp4 (see testdata/video/README.md).
const (
	ClipFrames = 40
	ClipWidth  = 768
	ClipHeight = 432
	ClipFPS    = 10
)

// Clip returns the absolute path of the bundled clip.
func Clip(t testing.TB) string {
	return filepath.Join(torchref.RepoRoot(t), "testdata/video/person.mp4")
}

// ReadFile returns the file at path's bytes, failing t where it cannot be read.
func ReadFile(t testing.TB, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// FFmpeg runs ffmpeg with args, the last its output file, and returns that file.
func FFmpeg(t testing.TB, args ...string) string {
	t.Helper()
	if out, err := exec.Command("ffmpeg", append([]string{"-v", "error"}, args...)...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	return args[len(args)-1]
}

// StillAhead writes a picture into dir and returns it with ffmpeg's input arguments for a file of
// two video tracks, that picture as a one-frame MJPEG track ahead of the clip's video.
func StillAhead(t testing.TB, dir string) (pic string, args []string) {
	t.Helper()
	pic = FFmpeg(t, "-f", "lavfi", "-i", "testsrc=s=64x48", "-frames:v", "1", filepath.Join(dir, "cover.jpg"))
	return pic, []string{"-i", pic, "-i", Clip(t), "-map", "0", "-map", "1:v", "-c:v:0", "mjpeg", "-c:v:1", "copy"}
}

// LoopedClip writes the clip n times over, its packets copied (n*ClipFrames frames), into a
// temporary directory and returns its path: a video long enough that a test signalling detect
// after its first frames does so mid-run on a loaded machine (the clip alone can be finished
// while the test waits for a core).
func LoopedClip(t testing.TB, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "looped.mp4")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-stream_loop", strconv.Itoa(n-1), "-i", Clip(t), "-c", "copy", path).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	return path
}

// LargeClip writes the clip re-encoded at a high rate (40 frames in about 1.8 MB, over the 1 MiB
// of a file's head that detect reads over http(s); one key frame, the first) into a temporary
// directory, its index (moov) after its frames (ffmpeg's default), and returns its path.
func LargeClip(t testing.TB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "large.mp4")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-i", Clip(t), "-c:v", "libx264", "-preset", "ultrafast", "-crf", "4",
		"-g", "1000", path).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	return path
}

// CutClipFrames is how many frames FFmpeg returns of a clip cut by CutClip, of the ClipFrames
// it states.
const CutClipFrames = 26

// CutClip writes the video at src (Clip, or LargeClip) cut at 1.35 s into dir as name, its
// packets copied (ffmpeg -ss with -c copy) with ffmpeg's extra output arguments, and returns its
// path: it keeps the frames from the key frame before the cut, the clip's first, and an edit list
// that starts at the cut, so FFmpeg states ClipFrames frames and returns CutClipFrames.
func CutClip(t testing.TB, dir, name, src string, args ...string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	args = append(append([]string{"-v", "error", "-ss", "1.35", "-i", src, "-c", "copy"}, args...), path)
	if out, err := exec.Command("ffmpeg", args...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %v: %v\n%s", args, err, out)
	}
	return path
}

// Model writes a random-weight detector of a g3 preset (e.g. "shufflenet-g3-0.5x-300") into a
// temporary directory and returns its path. minSize and maxSize, when nonzero, replace the
// preset's resolution and postNMS its number of proposals: what the video tests need is frames
// moving through a real detector, and a 32-pixel input with 20 proposals runs in milliseconds.
func Model(t testing.TB, preset string, minSize, maxSize, postNMS int) string {
	t.Helper()
	cfg, ts, err := testmodel.Detector(preset, 7)
	if err != nil {
		t.Fatal(err)
	}
	if minSize != 0 {
		cfg.Detector.ShorterSide, cfg.Detector.MaxLongerSide = minSize, maxSize
	}
	if postNMS != 0 {
		cfg.Detector.RPN.PostNMSTopN = postNMS
	}
	path := filepath.Join(t.TempDir(), preset+".bin")
	if err := modelfile.Write(path, *cfg, ts); err != nil {
		t.Fatal(err)
	}
	return path
}

// Tiny returns a model that detects in a few milliseconds (0.25x, 32-64 pixel input, 20
// proposals), for tests that run many frames.
func Tiny(t testing.TB) string { return Model(t, "shufflenet-g3-0.25x-300", 32, 64, 20) }

// Frames returns the number of video frames ffprobe decodes from path, failing the test when
// ffprobe cannot read it or reports any error while decoding every frame.
func Frames(t testing.TB, path string) int {
	t.Helper()
	cmd := exec.Command("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
		"-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", path)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		t.Fatalf("ffprobe %s: %v\n%s", path, err, stderr.String())
	}
	n, err := strconv.Atoi(strings.Trim(strings.TrimSpace(string(out)), ","))
	if err != nil {
		t.Fatalf("ffprobe %s: %q: %v", path, out, err)
	}
	return n
}

// CorruptClip writes the clip as Motion JPEG (an AVI) into a temporary directory with the given
// frames' JPEG data zeroed, which FFmpeg refuses to decode, and returns its path.
func CorruptClip(t testing.TB, bad ...int) string {
	t.Helper()
	dir := t.TempDir()
	good := filepath.Join(dir, "mjpeg.avi")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-i", Clip(t), "-c:v", "mjpeg", "-q:v", "5", good).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	var soi []int // where each frame's JPEG starts
	for i := 0; i+3 <= len(data); i++ {
		if data[i] == 0xff && data[i+1] == 0xd8 && data[i+2] == 0xff {
			soi = append(soi, i)
		}
	}
	if len(soi) != ClipFrames {
		t.Fatalf("found %d JPEG frames in the AVI, want %d", len(soi), ClipFrames)
	}
	for _, k := range bad {
		clear(data[soi[k] : soi[k+1]-16]) // up to the next frame's chunk header
	}
	path := filepath.Join(dir, "corrupt.avi")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// OffsetMKV remuxes the clip into an MKV (Matroska states no frame count, only a duration, from
// time 0) whose timestamps start at offset seconds, into a temporary directory, and returns its
// path.
func OffsetMKV(t testing.TB, offset float64) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "offset.mkv")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-i", Clip(t), "-c", "copy",
		"-output_ts_offset", strconv.FormatFloat(offset, 'f', -1, 64), path).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	return path
}

// DamagedH264Clip writes the clip (H.264 in MP4) with a tenth of its bytes zeroed from its
// middle into a temporary directory and returns its path: FFmpeg then cannot decode frames 16
// and 17, and its H.264 decoder reports the loss only after frames 14 and 15 (its delay).
func DamagedH264Clip(t testing.TB) string {
	t.Helper()
	data, err := os.ReadFile(Clip(t))
	if err != nil {
		t.Fatal(err)
	}
	n := len(data)
	clear(data[n/2 : n/2+n/10])
	path := filepath.Join(t.TempDir(), "damaged.mp4")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// DamagedLongClip writes the clip three times over (120 frames at 10 frames/s, a key frame every
// 10) as H.264 in MP4 into a temporary directory, damaged as how says, and returns its path:
// "stretch" zeroes packets 40-79 (more frames in a row than a file of unstated length may fail;
// "stretch, no B-frames" packets 40-74 of a clip without them, whose decoder then drops frames
// up to the next key frame, 80, without a failed read each), "start" packets 0-9 (the decoder drops their frames without a failed read each), "end" cuts
// the file in the middle of packet 100 (the decoder's delayed frames come without timestamps).
func DamagedLongClip(t testing.TB, how string) string {
	t.Helper()
	dir := t.TempDir()
	long := filepath.Join(dir, "long.mp4")
	bframes, stretch := "3", 80
	if how == "stretch, no B-frames" {
		bframes, how, stretch = "0", "stretch", 75
	}
	if out, err := exec.Command("ffmpeg", "-v", "error", "-stream_loop", "2", "-i", Clip(t), "-c:v", "libx264", "-preset", "ultrafast",
		"-bf", bframes, "-g", "10", "-movflags", "+faststart", long).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pos,size", "-of", "csv=p=0", long).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", long, err)
	}
	var pos, size []int
	for _, line := range strings.Fields(string(out)) {
		var p, n int
		if _, err := fmt.Sscanf(line, "%d,%d", &n, &p); err != nil {
			t.Fatalf("ffprobe %s: %q: %v", long, line, err)
		}
		pos, size = append(pos, p), append(size, n)
	}
	if len(pos) != 3*ClipFrames {
		t.Fatalf("%s: %d packets, want %d", long, len(pos), 3*ClipFrames)
	}
	data, err := os.ReadFile(long)
	if err != nil {
		t.Fatal(err)
	}
	zero := func(from, to int) {
		for k := from; k < to; k++ {
			clear(data[pos[k] : pos[k]+size[k]])
		}
	}
	switch how {
	case "stretch":
		zero(40, stretch)
	case "start":
		zero(0, 10)
	case "end":
		data = data[:pos[100]+size[100]/2]
	default:
		t.Fatalf("DamagedLongClip: no damage %q", how)
	}
	path := filepath.Join(dir, how+".mp4")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// DecodedFrames returns the numbers of the frames ffprobe decodes from path (their timestamps
// times fps, rounded).
func DecodedFrames(t testing.TB, path string, fps float64) []int {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "quiet", "-select_streams", "v:0", "-show_entries",
		"frame=best_effort_timestamp_time", "-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var frames []int
	for _, line := range strings.Fields(string(out)) {
		s, err := strconv.ParseFloat(strings.Trim(line, ","), 64)
		if err != nil {
			t.Fatalf("ffprobe %s: %q: %v", path, line, err)
		}
		frames = append(frames, int(math.Round(s*fps)))
	}
	return frames
}

// UnknownCodecClip writes the clip as an AVI whose codec tag no decoder knows, and returns its
// path.
func UnknownCodecClip(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	good := filepath.Join(dir, "mjpeg.avi")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-i", Clip(t), "-frames:v", "3", "-c:v", "mjpeg", good).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	data = bytes.ReplaceAll(data, []byte("MJPG"), []byte("QQQQ")) // stream header and bitmap info
	path := filepath.Join(dir, "unknown-codec.avi")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// HugeJPEG writes into dir a 10240x9800 grey JPEG (100.4 megapixels, over transform.MaxPixels:
// a 108 MP phone photo's kind; a gradient stepping every 64 columns, grey x/64) and returns its
// path.
func HugeJPEG(t testing.TB, dir string) string {
	t.Helper()
	const w, h = 10240, 9800
	img := image.NewGray(image.Rect(0, 0, w, h))
	for x := range w {
		img.Pix[x] = uint8(x / 64)
	}
	for y := 1; y < h; y++ {
		copy(img.Pix[y*w:(y+1)*w], img.Pix[:w])
	}
	path := filepath.Join(dir, "huge.jpg")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := jpeg.Encode(f, img, &jpeg.Options{Quality: 50}); err != nil {
		t.Fatal(err)
	}
	return path
}
