//go:build cgo && !noopencv

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"gocv.io/x/gocv"

	"github.com/shuffledet/shuffledet/internal/plural"
	"github.com/shuffledet/shuffledet/internal/torchref"
	"github.com/shuffledet/shuffledet/internal/videotest"
)

// frameLines parses JSON lines strictly and checks that every box lies inside its frame.
func frameLines(t *testing.T, data []byte) []line {
	t.Helper()
	var ls []line
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<22)
	for sc.Scan() {
		l := decodeLine(t, sc.Text())
		for _, d := range l.Detections {
			b := d.BBox
			if !(b[0] >= 0 && b[1] >= 0 && b[2] >= 0 && b[3] >= 0 && b[0]+b[2] <= float64(l.Width)+1e-3 && b[1]+b[3] <= float64(l.Height)+1e-3) {
				t.Fatalf("line %d: box %v outside the %dx%d frame", len(ls), b, l.Width, l.Height)
			}
		}
		ls = append(ls, l)
	}
	return ls
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// copyClip copies the bundled clip into dir, so that the default output lands there.
func copyClip(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "clip.mp4")
	if err := os.WriteFile(p, readFile(t, videotest.Clip(t)), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestVideoEveryFrame: a video file gives one JSON line per frame (frame number and time), an
// annotated NAME.detect.mp4 beside it with as many frames as the input that ffprobe decodes, and
// a summary.
func TestVideoEveryFrame(t *testing.T) {
	dir := t.TempDir()
	clip := copyClip(t, dir)
	jsonPath := filepath.Join(dir, "out.jsonl")
	_, stderr, err := run(t, "-model", videotest.Tiny(t), "-score", "0", "-json", jsonPath, clip)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	out := filepath.Join(dir, "clip.detect.mp4")
	if n := videotest.Frames(t, out); n != videotest.ClipFrames {
		t.Errorf("%s: %d frames, input %d", out, n, videotest.ClipFrames)
	}
	ls := frameLines(t, readFile(t, jsonPath))
	if len(ls) != videotest.ClipFrames {
		t.Fatalf("%d lines", len(ls))
	}
	for i, l := range ls {
		if l.Source != clip || *l.Frame != i || *l.TimeMS != float64(100*i) || l.Width != 768 || l.Height != 432 || len(l.Detections) == 0 {
			t.Fatalf("line %d: %s frame %d time %v %dx%d, %d detections", i, l.Source, *l.Frame, *l.TimeMS, l.Width, l.Height, len(l.Detections))
		}
	}
	for _, want := range []string{"summary: 40 frames", "dropped 0, corrupt 0", "wrote " + out + " (40 frames)", "detect", "p95"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}

// TestVideoStride runs the 0.5x model at 300 on every 3rd frame into an .mkv given with -out:
// 14 frames of the 40, each lasting 3 of the source's, so the video keeps the clip's 4 s rounded
// up to whole strides, 4.2 s (README's -stride).
func TestVideoStride(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "annotated.mkv")
	model := videotest.Model(t, "shufflenet-g3-0.5x-300", 0, 0, 0)
	stdout, stderr, err := run(t, "-model", model, "-score", "0.01", "-stride", "3", "-out", out, videotest.Clip(t))
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	b, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", out).Output()
	if err != nil {
		t.Fatal(err)
	}
	if n := videotest.Frames(t, out); n != 14 || strings.TrimSpace(string(b)) != "4.200000" {
		t.Errorf("%s: %d frames, %s s; want 14 frames, 4.2 s", out, n, b)
	}
	ls := frameLines(t, []byte(stdout))
	if len(ls) != 14 {
		t.Fatalf("%d lines, want 14", len(ls))
	}
	dets := 0
	for i, l := range ls {
		if *l.Frame != 3*i || *l.TimeMS != float64(300*i) {
			t.Errorf("line %d: frame %d at %v ms", i, *l.Frame, *l.TimeMS)
		}
		dets += len(l.Detections)
	}
	if dets == 0 {
		t.Error("no detections")
	}
}

// TestErrorsBeforeWork: each input, output or flag problem is reported, naming what is wrong,
// before any frame is processed: no output video, and the -json file as it was before the run.
func TestErrorsBeforeWork(t *testing.T) {
	dir := t.TempDir()
	clip := copyClip(t, dir)
	tiny := videotest.Tiny(t)
	file := filepath.Join(dir, "file.txt")
	os.WriteFile(file, []byte("x"), 0o644)
	empty := filepath.Join(dir, "empty")
	os.Mkdir(empty, 0o755)
	twin := copyClip(t, empty) // empty/clip.mp4: the same name as clip
	defer os.Remove(twin)
	sock := filepath.Join(dir, "sock.mp4") // a file that exists but cannot be opened
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	link := filepath.Join(dir, "link.mp4")
	if err := os.Symlink(clip, link); err != nil {
		t.Fatal(err)
	}
	dot := filepath.Join(dir, "dot.avi") // 1x1 frames: no video of them can be written
	if out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "color=c=gray:size=2x2:rate=5:duration=1", "-vf", "scale=1:1", "-c:v", "mjpeg", dot).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	fifo := filepath.Join(dir, "pipe.mp4") // opened to probe it, its writer would be gone for the run
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	thin := filepath.Join(dir, "thin.avi") // 8000x8: resized to 500 wide, 0 rows high
	if out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "color=c=gray:size=8000x8:rate=5", "-frames:v", "2", "-c:v", "mjpeg", thin).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"missing file", []string{clip, filepath.Join(dir, "missing.mp4")}, "missing.mp4: no such file or folder"},
		{"unknown scheme", []string{clip, "gopher://host/x"}, `unknown scheme "gopher"`},
		{"unsupported codec", []string{clip, videotest.UnknownCodecClip(t)}, "unknown-codec.avi: cannot open as a video"},
		{"not a video", []string{clip, file}, "file.txt: cannot open as a video"},
		{"frames the detector cannot take", []string{clip, thin}, "thin.avi: its frames: "},
		{"a socket for a video", []string{clip, sock}, "sock.mp4: not a regular file (a pipe, a device, a socket): a video is read twice"},
		{"a named pipe for a video", []string{clip, fifo}, "pipe.mp4: not a regular file"},
		{"unwritable output", []string{"-out", filepath.Join(file, "out.mp4"), clip}, "file.txt: not a directory"},
		{"output over input", []string{"-out", clip, clip}, "would overwrite the input"},
		{"output over input through a link", []string{"-out", link, clip}, "would overwrite the input"},
		{"output over the model", []string{"-out", tiny, clip}, "would overwrite the model"},
		{"unsupported output type", []string{"-out", filepath.Join(dir, "out.gif"), clip}, `unsupported video output type ".gif"`},
		{"two outputs in one", []string{"-out", dir + "/o/", clip, twin}, "would both be written to"},
		{"a video file for two inputs", []string{"-out", filepath.Join(dir, "x.mp4"), clip, twin}, "x.mp4 names a video file, but images, and several inputs, have their outputs written into a folder"},
		{"folder without images", []string{empty}, "folder holds no images"},
		{"bad camera", []string{"camera:x"}, "camera:N"},
		{"a file named like a camera", []string{"camera:1.mp4"}, "camera:1.mp4: a camera is camera:N with N a device number (0 for the first); a file of that name is ./camera:1.mp4"},
		{"missing device", []string{"/dev/video97"}, "/dev/video97: no such camera device"},
		{"device file that is not a camera", []string{"/dev/null"}, "/dev/null: cannot open (not a camera"},
		{"bad stride", []string{"-stride", "0", clip}, "-stride 0"},
		{"stride too slow to encode", []string{"-stride", "20000", clip}, "-stride 20000: " + clip + "'s annotated video would run at 0.0005 frames/s"},
		{"bad threads", []string{"-threads", "0", clip}, "-threads 0"},
		{"too many threads", []string{"-threads", "100000", clip}, "-threads 100000: at most 1024"},
		{"too many threads together", []string{"-workers", "32", "-threads", "1000", clip}, "-workers 32 x -threads 1000: 32000 threads, more than"},
		{"bad resolution", []string{"-res", "5000", clip}, "-res: resolution 5000 out of range (32 to 2458"},
		{"unreachable stream first", []string{"rtsp://127.0.0.1:1/x", clip}, "rtsp://127.0.0.1:1/x: cannot open the stream"},
		{"unreachable stream first, tried again", []string{"-reconnect", "600ms", "rtsp://127.0.0.1:1/x", clip}, "rtsp://127.0.0.1:1/x: not open within 600ms: cannot open the stream"},
		{"too many workers", []string{"-workers", "4611686018427387904", clip}, "-workers 4611686018427387904: at most 256"},
		{"score rounding to 1", []string{"-score", "0.99999999999", clip}, "-score 0.99999999999: must be at least 0 and below 1 as a float32"},
		{"negative score", []string{"-score", "-0.1", clip}, "-score -0.1: must be at least 0"},
		{"no display", []string{"-show", clip}, "-show: no display"},
		{"nms out of range", []string{"-nms", "2", clip}, "-nms 2: an IoU, 0 to 1"},
		{"video out without an extension", []string{"-out", filepath.Join(dir, "newdir"), clip}, "newdir: no extension to choose a video type by"},
		{"1x1 video out", []string{"-out", filepath.Join(dir, "dot-out.avi"), dot}, "dot.avi: its annotated video: a 1x1 frame is too small for a video (2x2 at least): -no-video"},
	}
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "")
	const before = "{\"an earlier run\": 1}\n"
	for _, c := range cases {
		jsonPath := filepath.Join(dir, "out.jsonl")
		os.WriteFile(jsonPath, []byte(before), 0o644)
		_, stderr, err := run(t, append([]string{"-model", tiny, "-json", jsonPath}, c.args...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
		if b, _ := os.ReadFile(jsonPath); string(b) != before || strings.Contains(stderr, "summary") {
			t.Errorf("%s: work was done: the JSON file holds %q, stderr %q", c.name, b, stderr)
		}
		if _, err := os.Stat(filepath.Join(dir, "clip.detect.mp4")); err == nil {
			t.Errorf("%s: an output video was written", c.name)
		}
	}
	// Folders the outputs would go into are made only when the work starts: a run that fails
	// before (a model that is not there, a video that cannot be read) leaves none behind.
	for _, args := range [][]string{
		{"-model", filepath.Join(dir, "nosuch.bin"), "-out", filepath.Join(dir, "new", "sub") + "/", "-json", filepath.Join(dir, "deep", "a", "b.jsonl"), clip},
		{"-model", tiny, "-out", filepath.Join(dir, "new", "sub") + "/", "-json", filepath.Join(dir, "deep", "a", "b.jsonl"), clip, file},
	} {
		if _, _, err := run(t, args...); err == nil {
			t.Errorf("%v: no error", args)
		}
		for _, d := range []string{"new", "deep"} {
			if _, err := os.Stat(filepath.Join(dir, d)); err == nil {
				t.Errorf("%v: a failed run made the folder %s", args, d)
			}
		}
	}
	out, _, err := run(t, "-model", tiny, "-no-video", "-json", filepath.Join(dir, "deep", "a", "b.jsonl"), clip)
	if b, _ := os.ReadFile(filepath.Join(dir, "deep", "a", "b.jsonl")); err != nil || len(frameLines(t, b)) != videotest.ClipFrames {
		t.Errorf("-json into new folders: %v, %d lines; stdout %q", err, len(frameLines(t, b)), out)
	}
	// A camera that is not there fails clearly (there is none on the test machines).
	if _, err := os.Stat("/dev/video9"); err != nil {
		if _, _, err := run(t, "-model", tiny, "camera:9"); err == nil || !strings.Contains(err.Error(), "camera:9: cannot open") {
			t.Errorf("camera:9: %v", err)
		}
	}
	// A camera given by its device file is named as given, once in each message (the retry line
	// said "/dev/video9: camera:9: cannot open" before cameras opened by path).
	_, stderr, err := run(t, "-model", tiny, "-reconnect", "300ms", "/dev/null")
	want := "/dev/null: cannot open (not a camera, or it is busy); trying again for up to 300ms\n"
	if err == nil || err.Error() != "/dev/null: not open within 300ms: cannot open (not a camera, or it is busy)" || stderr != want {
		t.Errorf("/dev/null as a camera: %v, stderr %q", err, stderr)
	}
}

// TestCorruptFramesSkipped: frames FFmpeg cannot decode are skipped and counted; the run
// succeeds, the JSON lines hold the other frames, and the annotated video keeps the source's
// timing, the frame before standing in for each skipped one (FollowTimes).
func TestCorruptFramesSkipped(t *testing.T) {
	path := videotest.CorruptClip(t, 10, 11, 25)
	out := filepath.Join(t.TempDir(), "out.avi")
	stdout, stderr, err := run(t, "-model", videotest.Tiny(t), "-out", out, path)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if n, lines := videotest.Frames(t, out), len(frameLines(t, []byte(stdout))); n != videotest.ClipFrames || lines != videotest.ClipFrames-3 {
		t.Errorf("%d frames in the video, %d lines, want %d and %d", n, lines, videotest.ClipFrames, videotest.ClipFrames-3)
	}
	if !strings.Contains(stderr, "corrupt 3") || !strings.Contains(stderr, "frames 10-11 could not be decoded, skipped") ||
		!strings.Contains(stderr, "frame 25 could not be decoded, skipped") {
		t.Errorf("stderr: %s", stderr)
	}
}

// TestDamagedEnd: a video cut short ends at its last whole frame, with a warning that names it by
// its number in the JSON lines (from 0).
func TestDamagedEnd(t *testing.T) {
	data, err := os.ReadFile(videotest.CorruptClip(t)) // Motion JPEG: a JPEG a frame
	if err != nil {
		t.Fatal(err)
	}
	var soi []int
	for i := 0; i+3 <= len(data); i++ {
		if data[i] == 0xff && data[i+1] == 0xd8 && data[i+2] == 0xff {
			soi = append(soi, i)
		}
	}
	cut := filepath.Join(t.TempDir(), "cut.avi")
	if err := os.WriteFile(cut, data[:soi[30]], 0o644); err != nil { // frames 0-29 whole
		t.Fatal(err)
	}
	stdout, stderr, err := run(t, "-model", videotest.Tiny(t), "-no-video", cut)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if n := len(frameLines(t, []byte(stdout))); n != 30 {
		t.Fatalf("%d frames, want 30\n%s", n, stderr)
	}
	if want := fmt.Sprintf("no frame decoded after frame 29 (numbered from 0) of the %d its container states", videotest.ClipFrames); !strings.Contains(stderr, want) {
		t.Errorf("stderr does not say %q: %s", want, stderr)
	}
}

// TestSkippedSlotsReadToTheEnd: an AVI whose index holds an empty entry (frame 5 dropped as it
// was written: 15 frames of 16 stated) is read to its end, and detect says its timestamps skip a
// frame, not that it was cut short ("no frame decoded after frame 14 of the 16"); the same file
// cut after its tenth frame still warns that it ended short.
func TestSkippedSlotsReadToTheEnd(t *testing.T) {
	dir := t.TempDir()
	gap := filepath.Join(dir, "gap.avi")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-i", videotest.Clip(t), "-frames:v", "15", "-vf", `select='not(eq(n\,5))'`,
		"-fps_mode", "passthrough", "-c:v", "mjpeg", "-an", gap).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	stdout, stderr, err := run(t, "-model", videotest.Tiny(t), "-no-video", gap)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if n := len(frameLines(t, []byte(stdout))); n != 15 {
		t.Fatalf("%d frames, want 15\n%s", n, stderr)
	}
	if want := "15 frames of the 16 its container states, read to its end: its timestamps skip 1 frame"; !strings.Contains(stderr, want) || strings.Contains(stderr, "warning") {
		t.Errorf("stderr does not say %q alone: %s", want, stderr)
	}
	data := readFile(t, gap) // Motion JPEG: a JPEG a frame
	var soi []int
	for i := 0; i+3 <= len(data); i++ {
		if data[i] == 0xff && data[i+1] == 0xd8 && data[i+2] == 0xff {
			soi = append(soi, i)
		}
	}
	cut := filepath.Join(dir, "cut.avi")
	if err := os.WriteFile(cut, data[:soi[10]], 0o644); err != nil { // frames 0-9 whole (slots 0-4, 6-10)
		t.Fatal(err)
	}
	_, stderr, err = run(t, "-model", videotest.Tiny(t), "-no-video", cut)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if want := "warning: no frame decoded after frame 9 (numbered from 0) of the 16"; !strings.Contains(stderr, want) {
		t.Errorf("stderr does not say %q: %s", want, stderr)
	}
}

// TestStillTrackAheadOfTheVideo: an MKV or an MP4 whose first video track is a still picture and
// whose second is the video is read as that one frame (OpenCV's FFmpeg reads the first video
// track only and cannot be told another); detect's warning says so and how to copy the video out,
// not that the file was cut short (the MP4 states its first track's count, 1: it was silent),
// also at an http(s) link.
func TestStillTrackAheadOfTheVideo(t *testing.T) {
	dir := t.TempDir()
	pic := filepath.Join(dir, "cover.jpg")
	mkv, mp4 := filepath.Join(dir, "still first.mkv"), filepath.Join(dir, "still first.mp4")
	args := [][]string{{"-f", "lavfi", "-i", "testsrc=s=64x48", "-frames:v", "1", pic}}
	for _, path := range []string{mkv, mp4} {
		args = append(args, []string{"-i", pic, "-i", videotest.Clip(t), "-map", "0", "-map", "1:v", "-c:v:0", "mjpeg", "-c:v:1", "copy", path})
	}
	for _, args := range args {
		if out, err := exec.Command("ffmpeg", append([]string{"-v", "error"}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("ffmpeg: %v\n%s", err, out)
		}
	}
	for path, want := range map[string]string{
		mkv: ": warning: no frame decoded after frame 0 (numbered from 0) of the 100 its length states: it holds 2 video tracks, and OpenCV's FFmpeg reads only the first",
		// the still track's own count, 1, is what OpenCV states: nothing is missing by the count
		mp4: ": warning: one frame read: it holds 2 video tracks, and OpenCV's FFmpeg reads only the first, here a single picture (a still ahead of the video?); to detect on another, copy it out: ffmpeg -i IN -map 0:v:1 -c copy OUT.mkv\n",
	} {
		stdout, stderr, err := run(t, "-model", videotest.Tiny(t), "-no-video", path)
		if err != nil {
			t.Fatalf("%v\n%s", err, stderr)
		}
		if n := len(frameLines(t, []byte(stdout))); n != 1 {
			t.Fatalf("%s: %d frames, want 1\n%s", path, n, stderr)
		}
		if !strings.Contains(stderr, path+want) || strings.Contains(stderr, "cut short") {
			t.Errorf("stderr does not say %q: %s", path+want, stderr)
		}
	}
	// The MP4 at an http(s) link: its index, read with its head, counts the tracks.
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer srv.Close()
	url := srv.URL + "/still%20first.mp4"
	stdout, stderr, err := run(t, "-model", videotest.Tiny(t), "-no-video", url)
	if want := url + ": warning: one frame read: it holds 2 video tracks"; err != nil || len(frameLines(t, []byte(stdout))) != 1 || !strings.Contains(stderr, want) {
		t.Errorf("%v; stderr does not say %q: %s", err, want, stderr)
	}
	// The clip itself, one video track read whole, and one frame of it alone: no warning.
	one := filepath.Join(dir, "one frame.mp4")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-i", videotest.Clip(t), "-frames:v", "1", "-c", "copy", one).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	for _, path := range []string{videotest.Clip(t), one} {
		if _, stderr, err := run(t, "-model", videotest.Tiny(t), "-no-video", path); err != nil || strings.Contains(stderr, "warning") {
			t.Errorf("%s: %v\n%s", path, err, stderr)
		}
	}
}

// TestAnnotatedImageOnAFullDisk: an annotated image that does not fit (a file size limit stands
// for a full disk) ends the run with the write's error, which counts the images left without a result; the
// image's JSON line, written first, is counted in the summary with its detections, and no
// annotated image is said to be written.
func TestAnnotatedImageOnAFullDisk(t *testing.T) {
	root := torchref.RepoRoot(t)
	model, out := videotest.Tiny(t), filepath.Join(t.TempDir(), "annotated")
	var limit syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &limit); err != nil {
		t.Fatal(err)
	}
	small := limit
	small.Cur = 4 << 10 // an annotated 320x240 JPEG is larger
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &small); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Setrlimit(syscall.RLIMIT_FSIZE, &limit) }) // (also after a failure)
	stdout, stderr, err := run(t, "-model", model, "-score", "0", "-out", out, filepath.Join(root, "testdata/images/000000001503.jpg"), filepath.Join(root, "testdata/images/000000005503.jpg"))
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &limit); err != nil {
		t.Fatal(err)
	}
	if err == nil || !strings.Contains(err.Error(), "000000001503.detect.jpg") || !strings.Contains(err.Error(), "file too large") ||
		!strings.HasSuffix(err.Error(), " (the run stopped there: 1 of its 2 images left without a result)") {
		t.Errorf("run: %v, want the first annotated image's write error and the one image left without a result\n%s", err, stderr)
	}
	if lines := strings.Count(stdout, "\n"); lines != 1 || !strings.Contains(stderr, "summary: 1 image in ") || strings.Contains(stderr, "detections: none") || strings.Contains(stderr, "annotated image") {
		t.Errorf("%d JSON lines; want 1, a summary of 1 image with its detections, and no annotated image written:\n%s", lines, stderr)
	}
}

// TestOneImageOut: one image takes the singular: "1 annotated image" and a summary of "1 image";
// one image that cannot be read fails as "1 of 1 image failed".
func TestOneImageOut(t *testing.T) {
	root := torchref.RepoRoot(t)
	model, dir := videotest.Tiny(t), t.TempDir()
	out := filepath.Join(dir, "annotated")
	_, stderr, err := run(t, "-model", model, "-out", out, filepath.Join(root, "testdata/images/000000001503.jpg"))
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	for _, want := range []string{"detect: wrote 1 annotated image into " + out + "\n", "summary: 1 image in "} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not say %q: %s", want, stderr)
		}
	}
	bad := filepath.Join(dir, "bad.jpg")
	if err := os.WriteFile(bad, []byte("not a JPEG"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, err := run(t, "-model", model, bad); err == nil || err.Error() != "1 of 1 image failed" || !strings.Contains(stderr, "summary: 0 images in ") {
		t.Errorf("one unreadable image: %v, want \"1 of 1 image failed\"\n%s", err, stderr)
	}
}

// TestImagesOut: a folder of images with -out writes an annotated copy of each, the same size,
// and says where.
func TestImagesOut(t *testing.T) {
	root := torchref.RepoRoot(t)
	out := filepath.Join(t.TempDir(), "annotated")
	stdout, stderr, err := run(t, "-model", videotest.Tiny(t), "-score", "0", "-out", out, filepath.Join(root, "testdata/images"))
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	ls := parseLines(t, stdout)
	if len(ls) != 6 {
		t.Fatalf("%d lines, want 6 (the folder's images)", len(ls))
	}
	if want := "detect: wrote 6 annotated images into " + out + "\n"; !strings.Contains(stderr, want) {
		t.Errorf("stderr does not say %q: %s", want, stderr)
	}
	for _, l := range ls {
		name := strings.TrimSuffix(filepath.Base(l.Source), filepath.Ext(l.Source)) + ".detect" + filepath.Ext(l.Source)
		m := gocv.IMRead(filepath.Join(out, name), gocv.IMReadColor)
		if m.Cols() != l.Width || m.Rows() != l.Height {
			t.Errorf("%s: %dx%d, input %dx%d", name, m.Cols(), m.Rows(), l.Width, l.Height)
		}
		m.Close()
	}
}

// TestImageURL: an http(s) URL whose path ends in an image's extension is an image, fetched and
// decoded as the file is (not FFmpeg's one-frame video): the same detections as the local file,
// no frame or time_ms, no video, the annotated image named as the file's; its password hidden
// everywhere, and a fetch that fails naming the URL (password hidden) as an image that failed.
func TestImageURL(t *testing.T) {
	dir := filepath.Join(torchref.RepoRoot(t), "testdata/images")
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer srv.Close()
	url := strings.Replace(srv.URL, "http://", "http://user:hunter2@", 1) + "/000000001503.jpg"
	shown := strings.Replace(srv.URL, "http://", "http://user:xxxxx@", 1) + "/000000001503.jpg"
	model, out := videotest.Tiny(t), t.TempDir()
	stdout, stderr, err := run(t, "-model", model, "-score", "0", "-out", out, url)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	local, lstderr, err := run(t, "-model", model, "-score", "0", filepath.Join(dir, "000000001503.jpg"))
	if err != nil {
		t.Fatalf("%v\n%s", err, lstderr)
	}
	got, want := parseLines(t, stdout), parseLines(t, local) // (parseLines refuses frame and time_ms)
	if len(got) != 1 || got[0].Source != shown {
		t.Fatalf("lines %+v, want one of source %q", got, shown)
	}
	got[0].Source = want[0].Source
	if !reflect.DeepEqual(got, want) {
		t.Errorf("the URL's line differs from the local file's:\n%+v\n%+v", got[0], want[0])
	}
	if entries, _ := os.ReadDir(out); len(entries) != 1 || entries[0].Name() != "000000001503.detect.jpg" {
		t.Errorf("-out holds %v, want only 000000001503.detect.jpg", entries)
	}
	if strings.Contains(stdout+stderr, "hunter2") {
		t.Errorf("the password shows:\n%s\n%s", stdout, stderr)
	}

	missing := strings.Replace(url, "000000001503", "missing", 1)
	_, stderr, err = run(t, "-model", model, missing)
	if shownMissing := strings.Replace(shown, "000000001503", "missing", 1); err == nil || !strings.Contains(err.Error(), "1 of 1 image failed") || strings.Contains(stderr, "hunter2") ||
		!strings.Contains(stderr, "skipped: "+shownMissing+": cannot fetch the image: the server answered 404 Not Found") || strings.Count(stderr, shownMissing) != 1 {
		t.Errorf("a missing image: %v\n%s", err, stderr)
	}
}

// TestStrideOnImages: -stride with images says on stderr that it applies to videos and live
// sources only, and every image is detected all the same.
func TestStrideOnImages(t *testing.T) {
	stdout, stderr, err := run(t, "-model", videotest.Tiny(t), "-stride", "3", filepath.Join(torchref.RepoRoot(t), "testdata/images"))
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if ls := parseLines(t, stdout); len(ls) != 6 {
		t.Errorf("%d lines, want 6 (every image of the folder)", len(ls))
	}
	if want := "detect: warning: -stride 3 applies to videos, cameras and streams only: every image is detected\n"; !strings.Contains(stderr, want) {
		t.Errorf("stderr does not say %q:\n%s", want, stderr)
	}
}

// waitFor polls cond every 50 ms until it holds or the deadline passes.
func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(d); !cond(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for a process to write while a test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func lineCount(path string) int {
	b, _ := os.ReadFile(path)
	return bytes.Count(b, []byte("\n"))
}

// TestTerminateFinishesOutput: SIGTERM in the middle of a video ends the run with the output
// video finished (ffprobe decodes every written frame), one JSON line per written frame, and the
// summary.
func TestTerminateFinishesOutput(t *testing.T) {
	const loops = 10
	clip := videotest.LoopedClip(t, loops)
	// Under nohup SIGHUP is ignored here, and an ignored signal stays ignored across exec: handled
	// here while detect starts, it comes to detect at its default, as from a terminal (as
	// cmd/cocoeval's TestHangupInterrupts; TestHangupIgnoredUnderNohup tests nohup itself).
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGHUP} {
		dir := t.TempDir()
		out, jsonPath := filepath.Join(dir, "out.mp4"), filepath.Join(dir, "out.jsonl")
		cmd, stderr := startDetect(t, "-model", videotest.Model(t, "shufflenet-g3-0.5x-300", 0, 0, 0), "-json", jsonPath, "-out", out, clip)
		waitFor(t, "3 frames", 2*time.Minute, func() bool { return lineCount(jsonPath) >= 3 })
		cmd.Process.Signal(sig)
		err := cmd.Wait()
		if err == nil || !strings.Contains(stderr.String(), "interrupted after") || !strings.Contains(stderr.String(), "summary: ") {
			t.Fatalf("%v: exit %v; stderr %s", sig, err, stderr.String())
		}
		n := lineCount(jsonPath)
		if got := videotest.Frames(t, out); got != n || n >= loops*videotest.ClipFrames {
			t.Errorf("%v: %d frames in the video, %d JSON lines (of %d frames)", sig, got, n, loops*videotest.ClipFrames)
		}
		frameLines(t, readFile(t, jsonPath))
	}
}

// TestClosedPipeFinishesOutput: when the reader of the JSON lines goes away (detect ... | head),
// the run ends with an error saying so, and the output video is finished, not cut off by
// SIGPIPE.
func TestClosedPipeFinishesOutput(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out.mp4")
	cmd := exec.Command(detectBinary(t), "-model", videotest.Model(t, "shufflenet-g3-0.5x-300", 0, 0, 0), "-score", "0", "-out", out, videotest.Clip(t))
	r, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	first := make([]byte, 10)
	if _, err := io.ReadFull(r, first); err != nil {
		t.Fatal(err)
	}
	r.Close()
	err = cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(stderr.String(), "broken pipe") {
		t.Fatalf("exit %v (want status 1, not a signal); stderr %s", err, stderr.String())
	}
	if n := videotest.Frames(t, out); n < 1 {
		t.Errorf("%d frames in the video", n)
	}
}

// fionread returns the number of bytes waiting in a pipe.
func fionread(f *os.File) int {
	var n int32
	syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), syscall.TIOCINQ, uintptr(unsafe.Pointer(&n)))
	return int(n)
}

// TestSecondInterruptQuits: the first Ctrl-C starts a clean finish; when that cannot complete
// (here: the JSON lines go to a pipe nobody reads, so a write blocks), a second Ctrl-C ends the
// process at once, and removes the annotated video it was writing under its hidden name: the
// output folder is left empty.
func TestSecondInterruptQuits(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(detectBinary(t), "-model", videotest.Tiny(t), "-score", "0", "-out", filepath.Join(dir, "clip.mp4"), videotest.Clip(t))
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cmd.Stdout = w
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	// The pipe (64 KiB) has less than 4 KiB free and every line is longer (about 100
	// detections at -score 0, 10 KB): detect's next line cannot be written, now or after Ctrl-C.
	waitFor(t, "a full pipe", 2*time.Minute, func() bool { return fionread(r) > 65536-4096 })
	cmd.Process.Signal(syscall.SIGINT)
	waitFor(t, "the first interrupt's message", time.Minute, func() bool { return strings.Contains(stderr.String(), "press Ctrl-C again") })
	// The premise: the video is being written under its hidden name.
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || !strings.HasPrefix(entries[0].Name(), ".clip.partial-") {
		t.Fatalf("before the second Ctrl-C the folder holds %v, want the video's hidden file", entries)
	}
	cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
		if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGINT {
			t.Errorf("exit %v: want killed by the second SIGINT", err)
		}
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		t.Fatal("still running a minute after the second Ctrl-C")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("the second Ctrl-C left %v behind", entries)
	}
	// The premise: every line is longer than the space that was left.
	data, _ := io.ReadAll(r)
	for i, l := range bytes.Split(data, []byte("\n")) {
		if len(l) <= 4096 && i < bytes.Count(data, []byte("\n")) {
			t.Fatalf("line %d is only %d bytes", i, len(l))
		}
	}
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// serve starts ffmpeg serving the clip in a loop, in real time, as MPEG-TS over HTTP on url
// (one client, of 127.0.0.1), and returns once it listens or serves, as /proc/net/tcp shows (a
// connection to see whether it does would be its one client; a fixed 300 ms was too short for
// ffmpeg to start on a loaded machine, and a detect run with -reconnect 0 found nothing there).
func serve(t *testing.T, url string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("ffmpeg", "-v", "error", "-re", "-stream_loop", "-1", "-i", videotest.Clip(t), "-c", "copy", "-f", "mpegts", "-listen", "1", url)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	var port int
	if _, err := fmt.Sscanf(url, "http://127.0.0.1:%d/", &port); err != nil {
		t.Fatalf("serve %s: not an http://127.0.0.1:PORT/ URL", url)
	}
	waitFor(t, "ffmpeg to listen on "+url, time.Minute, func() bool { return bound(t, port) })
	return cmd
}

// bound reports whether 127.0.0.1:port has a TCP socket listening, or connected (ffmpeg -listen 1
// closes its listening socket once it accepts its client: a detect run reconnecting may be that
// client before a look sees it listen), by /proc/net/tcp: lines of "sl local_address rem_address
// st ...", an address as the hex of its 4 bytes read as a native integer, then the port; state
// 0A: LISTEN, 01: ESTABLISHED (a connection that a server killed before left is no longer that).
func bound(t *testing.T, port int) bool {
	t.Helper()
	b, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		t.Fatalf("no /proc/net/tcp to see a server listen: %v", err)
	}
	local := fmt.Sprintf("%08X:%04X", binary.NativeEndian.Uint32([]byte{127, 0, 0, 1}), port)
	for _, l := range strings.Split(string(b), "\n")[1:] {
		if f := strings.Fields(l); len(f) > 3 && f[1] == local && (f[3] == "0A" || f[3] == "01") {
			return true
		}
	}
	return false
}

// startDetect starts the detect binary with args, its stderr gathered, and kills it at the
// test's end if it is still running.
func startDetect(t *testing.T, args ...string) (*exec.Cmd, *syncBuffer) {
	t.Helper()
	cmd := exec.Command(detectBinary(t), args...)
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	return cmd, stderr
}

// TestLiveStreamReconnect reads a live MPEG-TS stream over HTTP served by ffmpeg -re with the
// 0.5x model (slower than the stream's 10 fps, so frames are dropped), kills the server
// mid-stream, starts another and checks that detect reconnects and numbers frames on; then kills
// that one for good and checks that detect gives up after -reconnect, with a clear message, a
// playable output video, complete JSON lines and the summary. -reconnect's time bounds the
// reopening whole, so it leaves the second server room to start and be probed on a loaded
// machine (3 s did not, on 2 cores running the whole suite).
func TestLiveStreamReconnect(t *testing.T) {
	dir := t.TempDir()
	url := fmt.Sprintf("http://127.0.0.1:%d/live.ts", freePort(t))
	out, jsonPath := filepath.Join(dir, "live.mp4"), filepath.Join(dir, "live.jsonl")
	server := serve(t, url)
	cmd, stderr := startDetect(t, "-model", videotest.Model(t, "shufflenet-g3-0.5x-300", 0, 0, 0), "-score", "0.01",
		"-reconnect", "15s", "-json", jsonPath, "-out", out, url)
	waitFor(t, "3 frames from the first server", 2*time.Minute, func() bool { return lineCount(jsonPath) >= 3 })
	server.Process.Kill()
	waitFor(t, "detect to notice the loss", time.Minute, func() bool { return strings.Contains(stderr.String(), "reconnecting") })
	before := lineCount(jsonPath)
	server = serve(t, url)
	waitFor(t, "the reconnection", time.Minute, func() bool { return strings.Contains(stderr.String(), "reconnected after") })
	waitFor(t, "3 frames from the second server", 2*time.Minute, func() bool { return lineCount(jsonPath) >= before+3 })
	server.Process.Kill()
	done := make(chan error)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(2 * time.Minute):
		t.Fatalf("detect did not give up; stderr:\n%s", stderr.String())
	}
	s := stderr.String()
	for _, want := range []string{"lost, and not back within 15s", "reconnects 1", "summary: ", "wrote " + out} {
		if !strings.Contains(s, want) {
			t.Errorf("stderr lacks %q:\n%s", want, s)
		}
	}
	if err == nil {
		t.Error("a lost stream should end with an error status")
	}
	ls := frameLines(t, readFile(t, jsonPath))
	for i := 1; i < len(ls); i++ {
		if *ls[i].Frame <= *ls[i-1].Frame || *ls[i].TimeMS <= *ls[i-1].TimeMS {
			t.Fatalf("line %d: frame %d at %v ms after frame %d at %v ms", i, *ls[i].Frame, *ls[i].TimeMS, *ls[i-1].Frame, *ls[i-1].TimeMS)
		}
	}
	// One video frame per JSON line.
	if n := videotest.Frames(t, out); n != len(ls) {
		t.Errorf("%d frames in the video, %d JSON lines", n, len(ls))
	}
	if !strings.Contains(s, "summary: "+plural.Count(len(ls), "frame", "frames")) || strings.Contains(s, "dropped 0,") {
		t.Errorf("summary should count %d frames and some dropped:\n%s", len(ls), s)
	}
}

// TestUncheckedVideoSaysSo: a live stream whose server is replaced by one that takes the
// connection and sends nothing leaves the reconnection's open blocked (OpenCV's FFmpeg waits
// 30 s) when -reconnect's time runs out; the annotated video is then closed without being read
// back (that would wait for the open), and the line naming it says so (it said "wrote", as for
// a video read back).
func TestUncheckedVideoSaysSo(t *testing.T) {
	dir := t.TempDir()
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	url := "http://" + addr + "/live.ts"
	out, jsonPath := filepath.Join(dir, "live.mp4"), filepath.Join(dir, "live.jsonl")
	server := serve(t, url)
	cmd, stderr := startDetect(t, "-model", videotest.Tiny(t), "-reconnect", "3s", "-json", jsonPath, "-out", out, url)
	waitFor(t, "3 frames", 2*time.Minute, func() bool { return lineCount(jsonPath) >= 3 })
	server.Process.Kill()
	server.Wait()
	var silent net.Listener
	waitFor(t, "the port to be free", 10*time.Second, func() bool {
		var err error
		silent, err = net.Listen("tcp", addr)
		return err == nil
	})
	defer silent.Close()
	go func() {
		var held []net.Conn // open, unanswered, until the test closes the listener
		for {
			c, err := silent.Accept()
			if err != nil {
				for _, c := range held {
					c.Close()
				}
				return
			}
			held = append(held, c)
		}
	}()
	done := make(chan error)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(time.Minute):
		t.Fatalf("detect did not give up; stderr:\n%s", stderr.String())
	}
	s := stderr.String()
	if err == nil || !strings.Contains(s, "not back within 3s") || !strings.Contains(s, "wrote "+out+" (") || !strings.Contains(s, "), not read back: ") {
		t.Errorf("exit %v; want the give-up, and the video named as not read back:\n%s", err, s)
	}
}

// TestLiveStreamStride: -stride 4 on a live stream detects every 4th frame as it arrives (frame
// numbers 0, 4, 8, ...), not every frame.
func TestLiveStreamStride(t *testing.T) {
	url := fmt.Sprintf("http://127.0.0.1:%d/live.ts", freePort(t))
	jsonPath := filepath.Join(t.TempDir(), "live.jsonl")
	serve(t, url)
	cmd, stderr := startDetect(t, "-model", videotest.Tiny(t), "-stride", "4", "-no-video", "-reconnect", "0", "-json", jsonPath, url)
	waitFor(t, "3 frames", 2*time.Minute, func() bool { return lineCount(jsonPath) >= 3 })
	cmd.Process.Signal(syscall.SIGINT)
	cmd.Wait()
	ls := frameLines(t, readFile(t, jsonPath))
	for _, l := range ls {
		if *l.Frame%4 != 0 {
			t.Fatalf("frame %d detected: not every 4th (%d lines); stderr:\n%s", *l.Frame, len(ls), stderr.String())
		}
	}
}

// TestLiveStreamStrideTooSlowToEncode: a -stride under which a live stream's annotated video
// would run too slowly for the encoder (its 10 frames/s over 100000) is refused before any work,
// as a video file's is, naming the stream: neither the JSON lines nor the video is created (the
// JSON lines file was, then the video writer refused the rate).
//
// Given after an image, the stream is opened at its turn: refused then, a failure (status 1),
// with the image's line and annotated image written and no video.
func TestLiveStreamStrideTooSlowToEncode(t *testing.T) {
	dir := t.TempDir()
	url := fmt.Sprintf("http://127.0.0.1:%d/live.ts", freePort(t))
	serve(t, url)
	model := videotest.Tiny(t)
	refusal := "-stride 100000: " + url + "'s annotated video would run at 0.0001 frames/s: the video encoder takes more than 0.001: a smaller -stride, or -no-video"
	detect := func(args ...string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		args = append([]string{"-model", model, "-stride", "100000", "-reconnect", "0"}, args...)
		stderr, err := exec.CommandContext(ctx, detectBinary(t), args...).CombinedOutput()
		return string(stderr), err
	}
	files := func(dir string) []string {
		var names []string
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			names = append(names, e.Name())
		}
		return names
	}

	stderr, err := detect("-json", filepath.Join(dir, "live.jsonl"), "-out", filepath.Join(dir, "live.mp4"), url)
	if want := "detect: " + refusal + "\n"; err == nil || !strings.HasSuffix(stderr, want) {
		t.Errorf("%v, stderr:\n%s\nwant it to end with:\n%s", err, stderr, want)
	}
	if names := files(dir); len(names) > 0 {
		t.Errorf("%v created in the output folder, want nothing", names)
	}

	url2 := fmt.Sprintf("http://127.0.0.1:%d/live.ts", freePort(t)) // (a server has one client)
	serve(t, url2)
	refusal = strings.Replace(refusal, url, url2, 1)
	later := t.TempDir()
	image := filepath.Join(torchref.RepoRoot(t), "testdata/images/000000001503.jpg")
	jsonPath := filepath.Join(later, "out.jsonl")
	stderr, err = detect("-json", jsonPath, "-out", later+"/", image, url2)
	if err == nil || !strings.Contains(stderr, refusal) {
		t.Errorf("stream after an image: %v, stderr:\n%s\nwant the refusal:\n%s", err, stderr, refusal)
	}
	if n := lineCount(jsonPath); n != 1 {
		t.Errorf("stream after an image: %d JSON lines, want the image's", n)
	}
	if names := files(later); !slices.Equal(names, []string{"000000001503.detect.jpg", "out.jsonl"}) {
		t.Errorf("stream after an image: %v written, want the annotated image and the JSON lines", names)
	}
}

// startXvfb starts a virtual X display for the test and returns its name (":N").
func startXvfb(t *testing.T) string {
	t.Helper()
	for n := 90 + os.Getpid()%100; n < 300; n++ {
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n)); err == nil {
			continue // taken
		}
		x := exec.Command("Xvfb", fmt.Sprintf(":%d", n), "-screen", "0", "1024x768x24", "-nolisten", "tcp")
		if err := x.Start(); err != nil {
			t.Fatalf("Xvfb (scripts/setup installs it): %v", err)
		}
		t.Cleanup(func() { x.Process.Kill(); x.Wait() })
		waitFor(t, "Xvfb", 30*time.Second, func() bool {
			_, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n))
			return err == nil
		})
		return fmt.Sprintf(":%d", n)
	}
	t.Fatal("no free X display number")
	return ""
}

// TestShowWindow: -show opens a window on a (virtual) display; pressing q in it ends the run
// early, successfully, with the frames shown so far in the JSON lines and the summary.
func TestShowWindow(t *testing.T) {
	const loops = 10
	display := startXvfb(t)
	jsonPath := filepath.Join(t.TempDir(), "out.jsonl")
	cmd := exec.Command(detectBinary(t), "-model", videotest.Model(t, "shufflenet-g3-0.5x-300", 0, 0, 0), "-show", "-no-video", "-json", jsonPath, videotest.LoopedClip(t, loops))
	runtimeDir := t.TempDir()
	if err := os.Chmod(runtimeDir, 0o700); err != nil { // (Qt warns of any other mode)
		t.Fatal(err)
	}
	cmd.Env = append(os.Environ(), "DISPLAY="+display, "XDG_RUNTIME_DIR="+runtimeDir)
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	waitFor(t, "a frame shown", 2*time.Minute, func() bool { return lineCount(jsonPath) >= 1 })
	key := exec.Command("xdotool", "search", "--sync", "--name", "^detect$", "windowfocus", "--sync", "key", "q")
	key.Env = append(os.Environ(), "DISPLAY="+display)
	if out, err := key.CombinedOutput(); err != nil {
		t.Fatalf("xdotool (scripts/setup installs it): %v\n%s", err, out)
	}
	done := make(chan error)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		n := lineCount(jsonPath)
		if err != nil || n >= loops*videotest.ClipFrames || !strings.Contains(stderr.String(), "summary: "+plural.Count(n, "frame", "frames")) {
			t.Errorf("exit %v after %d of %d frames; stderr:\n%s", err, n, loops*videotest.ClipFrames, stderr.String())
		}
		// Stopped by the window, not cut short: no warning about the file's length.
		if strings.Contains(stderr.String(), "warning: no frame decoded") {
			t.Errorf("a run the window stopped warns of a file cut short:\n%s", stderr.String())
		}
	case <-time.After(2 * time.Minute):
		t.Fatalf("q did not close the window; stderr:\n%s", stderr.String())
	}
}

// TestStreamOfKnownLengthReadOnce: an http:// link to a video file is read once, every frame
// (no frames dropped as for a live source), and the run ends at its last frame instead of
// reconnecting to play it again. Its password is never shown or written (it was, in every JSON
// line's source).
func TestStreamOfKnownLengthReadOnce(t *testing.T) {
	dir := t.TempDir()
	clip := copyClip(t, dir)
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer srv.Close()
	out := filepath.Join(dir, "out.mp4")
	done := make(chan struct{})
	var stdout, stderr string
	var err error
	go func() {
		defer close(done)
		// (with a user and password, which the server ignores and nothing may show)
		stdout, stderr, err = run(t, "-model", videotest.Tiny(t), "-out", out, strings.Replace(srv.URL, "://", "://viewer:secret@", 1)+"/"+filepath.Base(clip))
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("detect did not end at the stream's last frame")
	}
	if err != nil || strings.Contains(stderr, "reconnecting") {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if n := len(frameLines(t, []byte(stdout))); n != videotest.ClipFrames || videotest.Frames(t, out) != n {
		t.Errorf("%d JSON lines, %d frames in the video, want %d", n, videotest.Frames(t, out), videotest.ClipFrames)
	}
	if strings.Contains(stdout+stderr, "secret") || !strings.Contains(stdout, `"source":"http://viewer:xxxxx@127.0.0.1`) {
		t.Errorf("the stream's password shown, or its name without the user:\n%.300s\n%s", stdout, stderr)
	}
}

// TestUndetectableStreamFails: a stream (not probed before the work) whose every frame the
// detector cannot take fails the run, naming it, as an undetectable image does.
func TestUndetectableStreamFails(t *testing.T) {
	dir := t.TempDir()
	thin := filepath.Join(dir, "thin.avi") // 8000x8: resized to 500 wide, 0 rows high
	if out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "color=c=gray:size=8000x8:rate=5", "-frames:v", "3", "-c:v", "mjpeg", thin).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer srv.Close()
	url := srv.URL + "/thin.avi"
	_, stderr, err := run(t, "-model", videotest.Tiny(t), "-no-video", url)
	if err == nil || !strings.Contains(err.Error(), url+": none of its frames could be detected (3 failed, above)") {
		t.Errorf("error %v; stderr %s", err, stderr)
	}
}

// TestHangupIgnoredUnderNohup: a run started with SIGHUP ignored (nohup, or a shell's trap "")
// keeps it ignored: the terminal closing does not stop it.
func TestHangupIgnoredUnderNohup(t *testing.T) {
	jsonPath := filepath.Join(t.TempDir(), "out.jsonl")
	cmd := exec.Command("sh", "-c", `trap "" HUP; exec "$0" "$@"`, detectBinary(t), "-model", videotest.Tiny(t), "-no-video", "-json", jsonPath, videotest.Clip(t))
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "3 frames", 2*time.Minute, func() bool { return lineCount(jsonPath) >= 3 })
	cmd.Process.Signal(syscall.SIGHUP)
	if err := cmd.Wait(); err != nil || strings.Contains(stderr.String(), "interrupted") {
		t.Fatalf("exit %v; stderr %s", err, stderr.String())
	}
	if n := lineCount(jsonPath); n != videotest.ClipFrames {
		t.Errorf("%d JSON lines, want %d", n, videotest.ClipFrames)
	}
}

// TestInterruptReportsUnfinishedVideo: when the output video cannot be finished after Ctrl-C
// (here: its file was removed during the run), the error says so instead of calling the outputs
// complete. (The 0.5x model, as TestTerminateFinishesOutput's: the tiny one runs the 400 frames
// in a second, a delay of the test after the third frame short of that from a run that ended.)
func TestInterruptReportsUnfinishedVideo(t *testing.T) {
	dir := t.TempDir()
	out, jsonPath := filepath.Join(dir, "out.mp4"), filepath.Join(dir, "out.jsonl")
	cmd, stderr := startDetect(t, "-model", videotest.Model(t, "shufflenet-g3-0.5x-300", 0, 0, 0), "-json", jsonPath, "-out", out, videotest.LoopedClip(t, 10))
	waitFor(t, "3 frames", 2*time.Minute, func() bool { return lineCount(jsonPath) >= 3 })
	partial, _ := filepath.Glob(filepath.Join(dir, ".out.partial-*.mp4")) // the video being written
	if len(partial) != 1 {
		t.Fatalf("hidden files %v", partial)
	}
	if err := os.Remove(partial[0]); err != nil {
		t.Fatal(err)
	}
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	msg := stderr.String()
	if err == nil || !strings.Contains(msg, "interrupted after") || !strings.Contains(msg, "out.mp4: the video written") || strings.Contains(msg, "output files hold every finished frame") {
		t.Fatalf("exit %v; stderr %s", err, msg)
	}
}

// TestUndetectableImageFails: an image that decodes but cannot be detected (too thin to resize
// to the model's size) counts as a failed image: reported by its name alone and in the exit
// status, beside a good image too.
func TestUndetectableImageFails(t *testing.T) {
	dir := t.TempDir()
	thin := filepath.Join(dir, "thin.png")
	img := gocv.NewMatWithSize(2, 8000, gocv.MatTypeCV8UC3)
	defer img.Close()
	if !gocv.IMWrite(thin, img) {
		t.Fatal("cannot write", thin)
	}
	good := filepath.Join(torchref.RepoRoot(t), "testdata", "images", "000000001503.jpg")
	stdout, stderr, err := run(t, "-model", videotest.Tiny(t), thin, good)
	if err == nil || !strings.Contains(err.Error(), "1 of 2 images failed") {
		t.Fatalf("error %v; stderr %s", err, stderr)
	}
	if !strings.Contains(stderr, "thin.png: ") || strings.Contains(stderr, "frame 0") {
		t.Errorf("stderr %s", stderr)
	}
	if n := len(frameLines(t, []byte(stdout))); n != 1 {
		t.Errorf("%d JSON lines, want the good image's", n)
	}
}

// TestInterruptWaitingForJSONReader: -json to a named pipe that no one reads waits for a reader
// in the pipe's open; Ctrl-C then ends the run before any work (status 130), where it said
// "finishing the frames in progress" and went on waiting, until a second Ctrl-C killed it.
func TestInterruptWaitingForJSONReader(t *testing.T) {
	if _, err := os.Stat("/proc/self/task"); err != nil {
		t.Skip("no /proc to see detect wait in the pipe's open")
	}
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(torchref.RepoRoot(t), "testdata", "images", "000000001503.jpg")
	cmd, stderr := startDetect(t, "-model", videotest.Tiny(t), "-json", fifo, good)
	waitFor(t, "detect waiting in the pipe's open", time.Minute, func() bool {
		tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/wchan", cmd.Process.Pid))
		for _, task := range tasks {
			if b, _ := os.ReadFile(task); string(b) == "wait_for_partner" {
				return true
			}
		}
		return false
	})
	cmd.Process.Signal(syscall.SIGINT)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		t.Fatalf("still running 10 s after Ctrl-C; stderr %s", stderr.String())
	}
	if code := cmd.ProcessState.ExitCode(); code != 130 || !strings.Contains(stderr.String(), "interrupted before any work") {
		t.Errorf("exit %d, want 130; stderr %s", code, stderr.String())
	}
}

// TestJSONToNamedPipe: -json to a named pipe delivers every line to the pipe's reader.
func TestJSONToNamedPipe(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	got := make(chan []byte, 1)
	go func() {
		f, err := os.Open(fifo) // blocks until detect opens the pipe for writing
		if err != nil {
			got <- nil
			return
		}
		defer f.Close()
		b, _ := io.ReadAll(f)
		got <- b
	}()
	good := filepath.Join(torchref.RepoRoot(t), "testdata", "images", "000000001503.jpg")
	if _, stderr, err := run(t, "-model", videotest.Tiny(t), "-json", fifo, good, good); err != nil {
		t.Fatalf("%v; stderr %s", err, stderr)
	}
	select {
	case b := <-got:
		if n := len(frameLines(t, b)); n != 2 {
			t.Errorf("the reader got %d lines, want 2: %q", n, b)
		}
	case <-time.After(time.Minute):
		t.Fatal("the pipe's reader got no end of file")
	}
}

// TestStreamAfterAVideo: a stream given after a video is opened when its turn comes, once: its
// server here takes one client (an open before the work, closed and opened again, would find
// it gone), and its first frame's time_ms counts from that opening, not from the start of the
// run (the 0.5x model takes seconds over the clip, given twice, before it).
func TestStreamAfterAVideo(t *testing.T) {
	dir := t.TempDir()
	url := fmt.Sprintf("http://127.0.0.1:%d/live.ts", freePort(t))
	jsonPath := filepath.Join(dir, "out.jsonl")
	server := serve(t, url)
	cmd, stderr := startDetect(t, "-model", videotest.Model(t, "shufflenet-g3-0.5x-300", 0, 0, 0), "-no-video",
		"-reconnect", "0", "-json", jsonPath, videotest.Clip(t), videotest.Clip(t), url)
	waitFor(t, "3 frames of the stream", 3*time.Minute, func() bool { return lineCount(jsonPath) >= 2*videotest.ClipFrames+3 })
	server.Process.Kill()
	cmd.Wait()
	data, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	lines := frameLines(t, data)
	first := lines[2*videotest.ClipFrames]
	// (A live source's newest frame wins: on a loaded machine the first frames read may be
	// dropped while the detector is busy, so the first line may be frame 1 or 2.)
	if first.Source != url || first.Frame == nil || *first.Frame >= 10 || first.TimeMS == nil {
		frame := -1
		if first.Frame != nil {
			frame = *first.Frame
		}
		t.Fatalf("line %d: %s frame %d, want one of the stream's first frames", 2*videotest.ClipFrames, first.Source, frame)
	}
	if !(*first.TimeMS < 1500) {
		t.Errorf("the stream's first frame at time_ms %.0f: counted from before its turn\n%s", *first.TimeMS, stderr.String())
	}
}

// TestOpenCVQuiet: OpenCV's warnings (a capture backend tried on the way to a camera that is not
// there) are kept off the console unless the user asks for them with OPENCV_LOG_LEVEL.
func TestOpenCVQuiet(t *testing.T) {
	if _, err := os.Stat("/dev/video9"); err == nil {
		t.Fatal("/dev/video9 exists: this test needs a camera number that is not there")
	}
	bin, tiny := detectBinary(t), videotest.Tiny(t)
	for _, level := range []string{"", "INFO"} {
		cmd := exec.Command(bin, "-model", tiny, "camera:9")
		cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "OPENCV_LOG_LEVEL=") })
		if level != "" {
			cmd.Env = append(cmd.Env, "OPENCV_LOG_LEVEL="+level)
		}
		out, err := cmd.CombinedOutput()
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if err == nil || !strings.Contains(lines[len(lines)-1], "camera:9: cannot open") {
			t.Fatalf("OPENCV_LOG_LEVEL %q: %v\n%s", level, err, out)
		}
		if opencv := strings.Contains(string(out), "[ "); opencv != (level != "") {
			t.Errorf("OPENCV_LOG_LEVEL %q: OpenCV's messages shown %v:\n%s", level, opencv, out)
		}
	}
}

// TestVariableFrameRateKeepsTime: a video of variable frame rate (frames 100 ms apart, then 300:
// a phone's in low light) gives an annotated video whose frames keep their times: its length is
// the source's, its frame at 1.5 s at 1.5 s (it was written at 4 frames/s one after another, 3 s
// long, the frame of 1.5 s at 1.25 s), and every source frame is in the JSON lines.
func TestVariableFrameRateKeepsTime(t *testing.T) {
	dir := t.TempDir()
	vfr, out := filepath.Join(dir, "vfr.mp4"), filepath.Join(dir, "out.mp4")
	if b, err := exec.Command("ffmpeg", "-v", "error", "-i", videotest.Clip(t), "-frames:v", "12",
		"-vf", "setpts='if(lt(N,5),N*0.1,N*0.3)/TB'", "-fps_mode", "vfr", "-c:v", "libx264", vfr).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, b)
	}
	stdout, stderr, err := run(t, "-model", videotest.Tiny(t), "-out", out, vfr)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if n := len(frameLines(t, []byte(stdout))); n != 12 {
		t.Errorf("%d JSON lines, want 12", n)
	}
	// The source's frames at 0-0.4 s and 1.5-3.3 s, written at its average rate, 4 frames/s: the
	// first five one after another (0-1 s), then copies of the frame before wherever the next one
	// is more than half a frame late (at 1.25 s and 2.25 s), each frame within a frame of its
	// time: 14 frames, 3.5 s.
	b, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", out).Output()
	if err != nil {
		t.Fatal(err)
	}
	if n := videotest.Frames(t, out); n != 14 || strings.TrimSpace(string(b)) != "3.500000" {
		t.Errorf("the annotated video: %d frames, %s s; want 14 frames, 3.5 s", n, b)
	}
}

// TestHugePhoto: a photo over 100 megapixels (a 108 MP phone photo's kind) is detected from a
// half-size decode, its JSON line giving the file's size (it was refused and counted as corrupt;
// the boxes' scale: pipeline's TestJSONLinesOfReducedImage).
func TestHugePhoto(t *testing.T) {
	huge := videotest.HugeJPEG(t, t.TempDir())
	stdout, stderr, err := run(t, "-model", videotest.Tiny(t), huge)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if !strings.Contains(stdout, `"width":10240,"height":9800`) {
		t.Errorf("%.300s", stdout)
	}
}

// TestTerminateWhileWaitingForTheFirstSource: SIGTERM (or Ctrl-C) while detect waits for a
// camera or stream given first (-reconnect given: tried again before any work) ends the run as
// an interruption, status 130 with a message, as the README says of SIGTERM, not by the signal's
// default action (no message, status 143), and leaves an existing -json file as it was.
func TestTerminateWhileWaitingForTheFirstSource(t *testing.T) {
	dir := t.TempDir()
	jsonPath := filepath.Join(dir, "old.jsonl")
	if err := os.WriteFile(jsonPath, []byte("earlier\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	url := fmt.Sprintf("tcp://127.0.0.1:%d", freePort(t)) // (nothing listens: refused, tried again)
	cmd, stderr := startDetect(t, "-model", videotest.Model(t, "shufflenet-g3-0.5x-300", 0, 0, 0), "-reconnect", "1m", "-json", jsonPath, "-no-video", url)
	waitFor(t, "the first retry", time.Minute, func() bool { return strings.Contains(stderr.String(), "trying again") })
	cmd.Process.Signal(syscall.SIGTERM)
	err := cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 130 || !strings.Contains(stderr.String(), "interrupted") {
		t.Errorf("exit %v; stderr %s", err, stderr.String())
	}
	if got := string(readFile(t, jsonPath)); got != "earlier\n" {
		t.Errorf("-json file changed: %q", got)
	}
}

// TestStreamOfKnownLengthCutFails: an http:// link to an MP4 whose server drops the connection
// two thirds of the way through ends the run with status 1, naming the stream and the last
// frame, the frames before kept (it was a warning and status 0, as for a short local file,
// although a source that dies fails the run), also where its index (moov) comes after its
// frames, past the head of the file that detect reads (a second request asks for it); a
// container whose count is an estimate keeps the warning, as does a whole MP4 cut where no key
// frame is, its index last (its edit list plays 26 of the 40 frames its index lists: it failed
// as cut short).
func TestStreamOfKnownLengthCutFails(t *testing.T) {
	dir := t.TempDir()
	clip := copyClip(t, dir)
	data, err := os.ReadFile(clip)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Every response as the file's, its body cut at two thirds of the file: the server
		// states the whole length, then closes the connection.
		http.ServeContent(&cutWriter{w, 2 * len(data) / 3}, r, "clip.mp4", time.Time{}, bytes.NewReader(data))
	}))
	defer srv.Close()
	stdout, stderr, err := run(t, "-model", videotest.Tiny(t), "-no-video", srv.URL+"/clip.mp4")
	n := len(frameLines(t, []byte(stdout)))
	if err == nil || !strings.Contains(err.Error(), "/clip.mp4: the stream ended after frame ") || !(n > 0 && n < videotest.ClipFrames) {
		t.Fatalf("%v, %d frames\n%s", err, n, stderr)
	}
	if !strings.Contains(err.Error(), fmt.Sprintf("after frame %d (numbered from 0) of the %d", n-1, videotest.ClipFrames)) {
		t.Errorf("%v: want the last frame written, %d", err, n-1)
	}
	// The same at a link without an extension: an MP4 by its bytes, not its URL (it was a
	// warning: an extension of .mp4, .m4v or .mov decided).
	_, stderr, err = run(t, "-model", videotest.Tiny(t), "-no-video", srv.URL+"/video?id=1")
	if err == nil || !strings.Contains(err.Error(), "/video?id=1: the stream ended after frame ") {
		t.Errorf("an MP4 cut short at a link without an extension: %v\n%s", err, stderr)
	}
	// Its index whole and none of its frames: "before frame 0" (it said "after frame -1").
	blank := bytes.Clone(data)
	clear(blank[bytes.Index(blank, []byte("mdat"))+4:])
	none := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "clip.mp4", time.Time{}, bytes.NewReader(blank))
	}))
	defer none.Close()
	stdout, stderr, err = run(t, "-model", videotest.Tiny(t), "-no-video", none.URL+"/video")
	want := fmt.Sprintf("/video: the stream ended before frame 0, the first of the %d its index states", videotest.ClipFrames)
	if n := len(frameLines(t, []byte(stdout))); err == nil || !strings.Contains(err.Error(), want) || n != 0 {
		t.Errorf("an MP4 of no decodable frame: %v, %d frames, want %q\n%s", err, n, want, stderr)
	}

	// The same for an MP4 whose index follows its frames, past the head (1 MiB).
	large, err := os.ReadFile(videotest.LargeClip(t))
	if err != nil {
		t.Fatal(err)
	}
	largeSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(&cutWriter{w, 2 * len(large) / 3}, r, "large.mp4", time.Time{}, bytes.NewReader(large))
	}))
	defer largeSrv.Close()
	stdout, stderr, err = run(t, "-model", videotest.Tiny(t), "-no-video", largeSrv.URL+"/large.mp4")
	if n := len(frameLines(t, []byte(stdout))); err == nil || !strings.Contains(err.Error(), "/large.mp4: the stream ended after frame ") || !(n > 0 && n < videotest.ClipFrames) {
		t.Errorf("an MP4 cut short, its index last: %v, %d frames\n%s", err, n, stderr)
	}

	// A whole MP4 cut where no key frame is, its index last, past the head: read to its end,
	// status 0.
	videotest.CutClip(t, dir, "large-cut.mp4", videotest.LargeClip(t))
	files := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer files.Close()
	stdout, stderr, err = run(t, "-model", videotest.Tiny(t), "-no-video", files.URL+"/large-cut.mp4")
	if n := len(frameLines(t, []byte(stdout))); err != nil || n != videotest.CutClipFrames {
		t.Errorf("a whole MP4 cut where no key frame is, its index last: %v, %d frames, want %d\n%s", err, n, videotest.CutClipFrames, stderr)
	}

	// A whole MKV whose audio outlasts its video states more frames than it holds (its count is
	// its duration times its rate): read over http, a warning, as read from a file, not a
	// failure.
	mkv := filepath.Join(dir, "long-audio.mkv")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-i", clip, "-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono", "-t", "30",
		"-map", "0:v", "-map", "1:a", "-c:v", "copy", "-c:a", "pcm_s16le", mkv).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	stdout, stderr, err = run(t, "-model", videotest.Tiny(t), "-no-video", files.URL+"/long-audio.mkv")
	if n := len(frameLines(t, []byte(stdout))); err != nil || n != videotest.ClipFrames || !strings.Contains(stderr, "warning: no frame decoded after frame") {
		t.Errorf("a whole MKV with longer audio over http: %v, %d frames\n%s", err, n, stderr)
	}
}

// TestIndexLastNeedsRange: an MP4 whose index (moov) follows its frames (ffmpeg's default),
// served by a server that ignores Range (200 and the whole file to every request, as python3 -m
// http.server), is one FFmpeg cannot go back to the frames of: no frame is read, and detect says
// why, a failure (status 1), within the head (a failure that blamed a lost connection) or past it
// (a warning of a file cut short, status 0). The same files from a server that honours Range,
// and the clip (its index first) from one that ignores it, are read whole.
func TestIndexLastNeedsRange(t *testing.T) {
	dir := t.TempDir()
	last := filepath.Join(dir, "last.mp4") // (about 85 KB: within the head, over FFmpeg's buffer)
	if out, err := exec.Command("ffmpeg", "-v", "error", "-i", videotest.Clip(t), "-c", "copy", last).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	files := map[string]string{"/last.mp4": last, "/large.mp4": videotest.LargeClip(t), "/clip.mp4": videotest.Clip(t)}
	serve := func(ranges bool) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			f, err := os.Open(files[r.URL.Path])
			if err != nil {
				http.Error(w, err.Error(), http.StatusNotFound)
				return
			}
			defer f.Close()
			if !ranges {
				io.Copy(w, f)
				return
			}
			http.ServeContent(w, r, "", time.Time{}, f)
		}))
	}
	ignoring, honouring := serve(false), serve(true)
	defer ignoring.Close()
	defer honouring.Close()
	for _, name := range []string{"/last.mp4", "/large.mp4"} {
		stdout, stderr, err := run(t, "-model", videotest.Tiny(t), "-no-video", ignoring.URL+name)
		want := fmt.Sprintf("%s: no frame read of the %d it states: its index (moov) follows its frames", name, videotest.ClipFrames)
		if n := len(frameLines(t, []byte(stdout))); err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "-movflags +faststart") || n != 0 {
			t.Errorf("%s from a server that ignores Range: %v, %d frames, want %q\n%s", name, err, n, want, stderr)
		}
		stdout, stderr, err = run(t, "-model", videotest.Tiny(t), "-no-video", honouring.URL+name)
		if n := len(frameLines(t, []byte(stdout))); err != nil || n != videotest.ClipFrames {
			t.Errorf("%s from a server that honours Range: %v, %d frames, want %d\n%s", name, err, n, videotest.ClipFrames, stderr)
		}
	}
	stdout, stderr, err := run(t, "-model", videotest.Tiny(t), "-no-video", ignoring.URL+"/clip.mp4")
	if n := len(frameLines(t, []byte(stdout))); err != nil || n != videotest.ClipFrames {
		t.Errorf("the clip, its index first, from a server that ignores Range: %v, %d frames, want %d\n%s", err, n, videotest.ClipFrames, stderr)
	}
}

// TestFiniteStreamReadOnce: an http(s) link to a file FFmpeg states no frame count for, whose
// server states its length (a raw H.264 stream saved to a file; a JPEG at a URL without an
// image's extension, a camera's snapshot), is read as a file: every frame, numbered and timed as
// a file's, none dropped, and the run ends at its end, status 0. Read as a live stream, frames
// were dropped and its end was a lost stream: reopened without end, or with -reconnect 0 a
// failure.
func TestFiniteStreamReadOnce(t *testing.T) {
	dir := t.TempDir()
	raw := filepath.Join(dir, "clip.h264")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-i", videotest.Clip(t), "-c:v", "copy", "-bsf:v", "h264_mp4toannexb", "-an", raw).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	jpeg := readFile(t, filepath.Join(torchref.RepoRoot(t), "testdata/images/000000005503.jpg"))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/snapshot.cgi" {
			w.Header().Set("Content-Type", "image/jpeg")
			w.Header().Set("Content-Length", strconv.Itoa(len(jpeg)))
			w.Write(jpeg)
			return
		}
		http.ServeFile(w, r, raw)
	}))
	defer srv.Close()
	for _, c := range []struct {
		path   string
		frames int
	}{{"/clip.h264", videotest.ClipFrames}, {"/snapshot.cgi", 1}} {
		stdout, stderr, err := run(t, "-model", videotest.Tiny(t), "-no-video", "-reconnect", "0", srv.URL+c.path)
		lines := frameLines(t, []byte(stdout))
		if err != nil || len(lines) != c.frames || !strings.Contains(stderr, "dropped 0,") || strings.Contains(stderr, "stream lost") {
			t.Errorf("%s: %v, %d frames, want %d, none dropped\n%s", c.path, err, len(lines), c.frames, stderr)
			continue
		}
		for i, l := range lines {
			if l.Frame == nil || *l.Frame != i || l.TimeMS == nil || !(math.Abs(*l.TimeMS-float64(i)*1000/videotest.ClipFPS) <= 1) {
				t.Errorf("%s: line %d: %s, want frame %d at %d ms (within 1 ms)", c.path, i, stdout[:min(len(stdout), 200)], i, i*1000/videotest.ClipFPS)
				break
			}
		}
	}
}

// cutWriter writes the first left bytes of a response body, then nothing more.
type cutWriter struct {
	http.ResponseWriter
	left int
}

func (w *cutWriter) Write(b []byte) (int, error) {
	if len(b) > w.left {
		w.ResponseWriter.Write(b[:w.left])
		w.left = 0
		return 0, io.ErrUnexpectedEOF
	}
	w.left -= len(b)
	return w.ResponseWriter.Write(b)
}

// TestMKVStartOffset: an MKV whose timestamps start past 0 (cut from a longer recording) is read
// whole without a warning, and its bar ends at its total, from a file and over http: its
// container's count, its duration times its rate, counted the seconds before the first frame
// (90 of 40 frames for 5 s).
func TestMKVStartOffset(t *testing.T) {
	path := videotest.OffsetMKV(t, 5)
	files := httptest.NewServer(http.FileServer(http.Dir(filepath.Dir(path))))
	defer files.Close()
	for _, in := range []string{path, files.URL + "/" + filepath.Base(path)} {
		stdout, stderr, err := run(t, "-model", videotest.Tiny(t), "-no-video", in)
		if err != nil {
			t.Fatalf("%s: %v\n%s", in, err, stderr)
		}
		if n := len(frameLines(t, []byte(stdout))); n != videotest.ClipFrames || strings.Contains(stderr, "warning") {
			t.Errorf("%s: %d frames, want %d, and no warning:\n%s", in, n, videotest.ClipFrames, stderr)
		}
		if want := fmt.Sprintf("%s: %d/%d frames", in, videotest.ClipFrames, videotest.ClipFrames); !strings.Contains(stderr, want) {
			t.Errorf("the bar does not end at its total (%s):\n%s", want, stderr)
		}
	}
}

// TestControlCharactersQuoted: a file name with a newline ("a\nb.jpg") is quoted in every message
// that names it, so that no message is split in two; a name without one is shown as it is.
func TestControlCharactersQuoted(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "a\nb.jpg") // not a JPEG: a message names it
	if err := os.WriteFile(bad, []byte("not a JPEG"), 0o644); err != nil {
		t.Fatal(err)
	}
	video := filepath.Join(dir, "c\nd.mp4") // its progress and its annotated video's line name it
	if err := os.WriteFile(video, readFile(t, videotest.Clip(t)), 0o644); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(torchref.RepoRoot(t), "testdata", "images", "000000001503.jpg")
	_, stderr, err := run(t, "-model", videotest.Tiny(t), "-json", os.DevNull, bad, good, video)
	all := stderr
	if err != nil {
		all += err.Error()
	}
	if err == nil || strings.Contains(all, "\nb.jpg") || strings.Contains(all, "\nd.") ||
		!strings.Contains(err.Error(), "1 of 2 images failed") || !strings.Contains(all, strconv.Quote(bad)+": ") ||
		!strings.Contains(all, strconv.Quote(video)+": 40/40 frames") ||
		!strings.Contains(all, "wrote "+strconv.Quote(filepath.Join(dir, "c\nd.detect.mp4"))) {
		t.Errorf("%v\n%s", err, stderr)
	}
	if !strings.Contains(all, "images: 2/2 images") || strings.Contains(all, `"`+good) {
		t.Errorf("an ordinary name quoted, or the images' label:\n%s", stderr)
	}
	if _, _, err := run(t, "-model", videotest.Tiny(t), filepath.Join(dir, "x\ny.jpg")); err == nil || err.Error() != strconv.Quote(filepath.Join(dir, "x\ny.jpg"))+": no such file or folder" {
		t.Errorf("a missing file: %v", err)
	}
}
