//go:build cgo && !noopencv

package pipeline

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"gocv.io/x/gocv"

	"github.com/shuffledet/shuffledet/cvdetect"
	"github.com/shuffledet/shuffledet/cvimage"
	"github.com/shuffledet/shuffledet/detector"
	"github.com/shuffledet/shuffledet/internal/allocstest"
	"github.com/shuffledet/shuffledet/internal/fifotest"
	"github.com/shuffledet/shuffledet/internal/outpath/modetest"
	"github.com/shuffledet/shuffledet/internal/videotest"
)

func tinyDetector(t testing.TB) *detector.Detector {
	t.Helper()
	det, err := detector.Load(videotest.Tiny(t), detector.WithScoreThreshold(0))
	if err != nil {
		t.Fatal(err)
	}
	return det
}

func openClip(t testing.TB) *Video {
	t.Helper()
	v, err := OpenVideo(videotest.Clip(t))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// readLines parses JSON lines and checks every box lies inside its frame.
func readLines(t *testing.T, data []byte) []Record {
	t.Helper()
	var recs []Record
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<22)
	for sc.Scan() {
		dec := json.NewDecoder(strings.NewReader(sc.Text()))
		dec.DisallowUnknownFields()
		var r Record
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("line %d: %v: %q", len(recs), err, sc.Text())
		}
		for _, d := range r.Detections {
			b := d.BBox
			if !(b[0] >= 0 && b[1] >= 0 && b[2] >= 0 && b[3] >= 0 && b[0]+b[2] <= float32(r.Width)+1e-3 && b[1]+b[3] <= float32(r.Height)+1e-3) {
				t.Fatalf("line %d: box %v outside the %dx%d frame", len(recs), b, r.Width, r.Height)
			}
		}
		recs = append(recs, r)
	}
	return recs
}

// runClip runs the clip through Run into a video file and JSON lines, returning both.
func runClip(t *testing.T, det *detector.Detector, opt Options, src Source) (video string, recs []Record, err error) {
	t.Helper()
	video = filepath.Join(t.TempDir(), "out.mp4")
	vw, verr := NewVideoWriter(video, videotest.ClipFPS/float64(max(1, opt.Stride)))
	if verr != nil {
		t.Fatal(verr)
	}
	var buf bytes.Buffer
	js := NewJSONLines(&buf)
	opt.Draw = true
	err = Run(context.Background(), src, det, []Sink{js, vw}, opt)
	if cerr := vw.Close(); cerr != nil {
		t.Fatal(cerr)
	}
	return video, readLines(t, buf.Bytes()), err
}

// TestFileEveryFrame: every frame of the clip goes through, in order, with its number and time;
// the output video has as many frames as the input and ffprobe decodes it. With three workers
// the order still holds, and the clones Run made for the workers are closed when it returns
// (their threads end; the caller's Detector stays open).
func TestFileEveryFrame(t *testing.T) {
	det := tinyDetector(t)
	before := runtime.NumGoroutine()
	for _, workers := range []int{1, 3} {
		stats := &Stats{}
		video, recs, err := runClip(t, det, Options{Workers: workers, Stats: stats}, openClip(t))
		if err != nil {
			t.Fatal(err)
		}
		if n := videotest.Frames(t, video); n != videotest.ClipFrames {
			t.Errorf("workers %d: output video has %d frames, input %d", workers, n, videotest.ClipFrames)
		}
		if len(recs) != videotest.ClipFrames {
			t.Fatalf("workers %d: %d JSON lines, want %d", workers, len(recs), videotest.ClipFrames)
		}
		dets := 0
		for i, r := range recs {
			if r.Frame == nil || *r.Frame != i || r.TimeMS == nil || *r.TimeMS != float64(100*i) || r.Width != videotest.ClipWidth || r.Height != videotest.ClipHeight {
				t.Fatalf("workers %d: line %d: frame %v time %v size %dx%d", workers, i, deref(r.Frame), deref(r.TimeMS), r.Width, r.Height)
			}
			dets += len(r.Detections)
		}
		c := stats.Counts()
		if c.Frames != videotest.ClipFrames || c.Dropped != 0 || c.Corrupt != 0 || dets == 0 {
			t.Errorf("workers %d: counts %+v, %d detections", workers, c, dets)
		}
		total := 0
		for _, n := range c.Classes {
			total += n
		}
		if total != dets {
			t.Errorf("per-class counts add up to %d, JSON lines hold %d detections", total, dets)
		}
		for name, l := range stats.Latencies() {
			if l.Count() != int64(videotest.ClipFrames) {
				t.Errorf("%s: %d latencies recorded", name, l.Count())
			}
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after Run with 3 workers, %d before (the clones' threads left running?)", n, before)
	}
	if _, err := det.DetectRGB(make([]byte, 64*48*3), 64, 48, 64*3); err != nil {
		t.Errorf("the caller's Detector after Run: %v", err)
	}
}

// TestStride: -stride 3 detects frames 0, 3, ..., 39: 14 frames, all in the video.
func TestStride(t *testing.T) {
	video, recs, err := runClip(t, tinyDetector(t), Options{Stride: 3}, openClip(t))
	if err != nil {
		t.Fatal(err)
	}
	want := (videotest.ClipFrames + 2) / 3
	if len(recs) != want || videotest.Frames(t, video) != want {
		t.Fatalf("%d lines, %d video frames, want %d", len(recs), videotest.Frames(t, video), want)
	}
	for i, r := range recs {
		if *r.Frame != 3*i {
			t.Fatalf("line %d is frame %d", i, *r.Frame)
		}
	}
}

// TestNoTimestamps: a stream without timestamps (a JPEG under a name FFmpeg's image reader does
// not know, read through FFmpeg as a video is) gives its frame time 0, not FFmpeg's "no
// timestamp" value in milliseconds.
func TestNoTimestamps(t *testing.T) {
	jpeg, err := os.ReadFile(filepath.Join("..", "testdata", "images", "000000001503.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "photo.jfif")
	if err := os.WriteFile(path, jpeg, 0o644); err != nil {
		t.Fatal(err)
	}
	v, m := openVideo(t, path)
	p, err := v.Read(context.Background(), m)
	if err != nil || p.Index != 0 || p.TimeMS != 0 {
		t.Errorf("frame %d at %v ms (%v), want frame 0 at 0 ms", p.Index, p.TimeMS, err)
	}
}

// TestH264LossNumberedByTime: frames of a damaged H.264 file keep their numbers (the ones ffprobe
// decodes, by their timestamps), though the decoder reports the loss frames late; the frame after
// a gap says how many were skipped. Damaged in the middle; over 40 frames in a row (read on past
// them to the end; without B-frames the decoder also drops the frames up to the next key frame
// without a failed read each); at the start (the decoder drops those frames without a failed read each);
// cut in a packet near the end (the frames the decoder still holds come without timestamps
// after a failed read, and follow the last one).
func TestH264LossNumberedByTime(t *testing.T) {
	for _, c := range []struct {
		name   string
		path   string
		frames int
	}{
		{"middle", videotest.DamagedH264Clip(t), videotest.ClipFrames},
		{"stretch", videotest.DamagedLongClip(t, "stretch"), 3 * videotest.ClipFrames},
		{"stretch, no B-frames", videotest.DamagedLongClip(t, "stretch, no B-frames"), 3 * videotest.ClipFrames},
		{"start", videotest.DamagedLongClip(t, "start"), 3 * videotest.ClipFrames},
		{"end", videotest.DamagedLongClip(t, "end"), 3 * videotest.ClipFrames},
	} {
		t.Run(c.name, func(t *testing.T) { checkDamagedNumbers(t, c.path, c.frames) })
	}
}

// TestAVIWithBFramesIntact: an AVI's timestamps are in decode order, so with B-frames its first
// frame comes late (ffprobe times it so too): one frame for MPEG-4 with two B-frames, four (the
// most maxReorderDelay allows) for x264's three B-frames remuxed from MP4. An intact one is
// numbered from 0, none skipped, not taken as a damaged start.
func TestAVIWithBFramesIntact(t *testing.T) {
	dir := t.TempDir()
	mpeg4, mp4, x264 := filepath.Join(dir, "mpeg4.avi"), filepath.Join(dir, "x264.mp4"), filepath.Join(dir, "x264.avi")
	for _, args := range [][]string{
		{"-f", "lavfi", "-i", "testsrc2=size=64x48:rate=25", "-frames:v", "30", "-c:v", "mpeg4", "-bf", "2", "-g", "25", mpeg4},
		{"-f", "lavfi", "-i", "testsrc2=size=64x48:rate=25", "-frames:v", "30", "-c:v", "libx264", "-bf", "3", mp4},
		{"-i", mp4, "-c", "copy", x264},
	} {
		if out, err := exec.Command("ffmpeg", append([]string{"-v", "error"}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("ffmpeg: %v\n%s", err, out)
		}
	}
	for _, path := range []string{mpeg4, x264} {
		if n := framesInOrder(t, path); n != 30 {
			t.Errorf("%s: %d frames, want 30", filepath.Base(path), n)
		}
	}
}

// openVideo opens the video file at path, and a Mat to read it into, both closed when t ends.
func openVideo(t *testing.T, path string) (*Video, *gocv.Mat) {
	t.Helper()
	v, err := OpenVideo(path)
	if err != nil {
		t.Fatal(err)
	}
	m := gocv.NewMat()
	t.Cleanup(func() { m.Close(); v.Close() })
	return v, &m
}

// framesInOrder reads the video file at path and returns how many frames it gave, failing t
// where one is not numbered next, or says frames were skipped before it.
func framesInOrder(t *testing.T, path string) int {
	t.Helper()
	v, m := openVideo(t, path)
	for n := 0; ; n++ {
		p, err := v.Read(context.Background(), m)
		if err == io.EOF {
			return n
		} else if err != nil {
			t.Fatal(err)
		}
		if p.Index != n || p.Corrupt != 0 {
			t.Errorf("%s: frame %d (%v ms) numbered %d, %d skipped before it", filepath.Base(path), n, p.TimeMS, p.Index, p.Corrupt)
		}
	}
}

// checkDamagedNumbers checks that a damaged file of frames frames, read as a file and as a stream
// of stated length, gives the frames ffprobe decodes, numbered and timed as ffprobe does.
func checkDamagedNumbers(t *testing.T, path string, frames int) {
	want := videotest.DecodedFrames(t, path, videotest.ClipFPS)
	if len(want) < frames/2 || len(want) >= frames {
		t.Fatalf("ffprobe decodes %d of %d frames: the damage is not what the test needs", len(want), frames)
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(filepath.Dir(path))))
	defer srv.Close()
	for _, open := range []func() (Source, error){
		func() (Source, error) { return OpenVideo(path) },
		func() (Source, error) { return OpenStream(srv.URL + "/" + filepath.Base(path)) }, // a stream of stated length
	} {
		src, err := open()
		if err != nil {
			t.Fatal(err)
		}
		m := gocv.NewMat()
		var got []int
		last := -1
		for {
			p, err := src.Read(context.Background(), &m)
			if err == io.EOF {
				break
			} else if err != nil {
				t.Fatal(err)
			}
			got = append(got, p.Index)
			if p.Corrupt != p.Index-last-1 || !(math.Abs(p.TimeMS-float64(p.Index)*1000/videotest.ClipFPS) <= 1) {
				t.Errorf("%T: frame %d at %v ms: %d skipped before it, the last frame was %d", src, p.Index, p.TimeMS, p.Corrupt, last)
			}
			last = p.Index
		}
		m.Close()
		src.Close()
		if !slices.Equal(got, want) {
			t.Errorf("%T: frames %v,\nffprobe decodes %v", src, got, want)
		}
	}
}

// TestFrameNumbers: frameNumbers on timestamps as OpenCV gives them: Matroska's whole
// milliseconds at 30 frames/s stay numbered by time, a loss of two frames after two failed reads
// included; a jump in the timestamps (an hour) after one failed read is not taken as 89990 lost
// frames: from there frames are numbered by count; a first frame timed late, and frames flushed
// without timestamps at the end.
func TestFrameNumbers(t *testing.T) {
	f := newFrameNumbers(30, 0)
	for k := range 10 {
		if i, _, skipped := f.frame(math.Round(float64(k)*1000/30), 0); i != k || skipped != 0 {
			t.Fatalf("frame %d at %v ms: numbered %d, %d skipped", k, math.Round(float64(k)*1000/30), i, skipped)
		}
	}
	for _, c := range []struct{ k, bad, skipped int }{{12, 2, 2}, {13, 0, 0}} { // two failed reads, then frames 12 and 13
		if i, _, skipped := f.frame(math.Round(float64(c.k)*1000/30), c.bad); i != c.k || skipped != c.skipped {
			t.Fatalf("frame %d: numbered %d, %d skipped, want %d", c.k, i, skipped, c.skipped)
		}
	}
	if !f.byTime {
		t.Fatal("numbered by count after a loss on Matroska's millisecond grid")
	}
	f = newFrameNumbers(25, 0)
	for k := range 10 {
		f.frame(float64(k)*40, 0)
	}
	if i, _, skipped := f.frame(3600e3, 1); i != 11 || skipped != 1 || f.byTime {
		t.Errorf("an hour's jump after one failed read: numbered %d, %d skipped (by time: %v), want 11, 1, by count", i, skipped, f.byTime)
	}
	// A first frame at 1 s after one failed read: frames 0-9 lost where the container states 40
	// (the decoder waited for a key frame); by count where it states none, or fewer. At 0.4 s
	// (an AVI's decode-order time, B-frames held back): not a loss.
	for _, c := range []struct {
		ms            float64
		stated, index int
	}{{1000, 40, 10}, {1000, 0, 1}, {1000, 10, 1}, {400, 40, 0}} {
		f = newFrameNumbers(10, c.stated)
		bad := min(1, c.index)
		if i, _, skipped := f.frame(c.ms, bad); i != c.index || skipped != c.index || !f.byTime {
			t.Errorf("a first frame at %v ms, %d stated: numbered %d, %d skipped (by time: %v), want %d", c.ms, c.stated, i, skipped, f.byTime, c.index)
		}
	}
	// After 10 failed reads, a gap of 15 (the decoder dropped 5 more up to a key frame): a loss
	// where the container states that many frames; by count where it states none.
	for _, c := range []struct{ stated, index, skipped int }{{150, 55, 15}, {0, 50, 10}} {
		f = newFrameNumbers(30, c.stated)
		for k := range 40 {
			f.frame(float64(k)*100/3, 0)
		}
		if i, _, skipped := f.frame(55*100/3.0, 10); i != c.index || skipped != c.skipped {
			t.Errorf("a gap of 15 after 10 failed reads, %d stated: numbered %d, %d skipped, want %d, %d", c.stated, i, skipped, c.index, c.skipped)
		}
	}
	// A stream without timestamps (raw H.264): every frame at 0, failed reads leave their gap.
	f = newFrameNumbers(30, 0)
	for range 3 {
		f.frame(0, 0)
	}
	if i, _, skipped := f.frame(0, 10); i != 13 || skipped != 10 {
		t.Errorf("untimed, after 10 failed reads: numbered %d, %d skipped, want 13, 10", i, skipped)
	}
	// Frames flushed from the decoder without timestamps after the failed read of a packet cut
	// short: the next ones, none skipped, timed on from the last.
	f = newFrameNumbers(10, 40)
	for k := range 20 {
		f.frame(float64(k)*100, 0)
	}
	for k, bad := range []int{1, 0} {
		if i, ms, skipped := f.frame(0, bad); i != 20+k || skipped != 0 || ms != float64(20+k)*100 {
			t.Errorf("flushed frame %d: numbered %d at %v ms, %d skipped, want %d at %d ms, none", k, i, ms, skipped, 20+k, (20+k)*100)
		}
	}
}

// TestStaleFrameAfterALoss: after 31 failed reads (frames 4-34 of 40 lost), a damaged MP4's
// decoder gave back a frame timed at 0.4 s after frame 35: that frame is stale (left out), and
// frames 36-39 keep their numbers, by time (before, they were numbered by count from there,
// each one too high, the last past the 40 the file states). One stale frame a loss; none
// without a loss (a timestamp going back is a variable frame rate: numbered by count); none
// after the frames of a reordering delay; and a frame after a failed read of its own is numbered.
func TestStaleFrameAfterALoss(t *testing.T) {
	start := func() frameNumbers {
		f := newFrameNumbers(10, 40)
		for k := range 4 {
			f.frame(float64(k)*100, 0)
		}
		return f
	}
	f := start()
	if i, _, skipped := f.frame(3500, 31); i != 35 || skipped != 31 {
		t.Fatalf("frame 35 after 31 failed reads: numbered %d, %d skipped", i, skipped)
	}
	if !f.stale(400, 0) {
		t.Fatal("a frame timed 0.4 s right after the loss: not stale")
	}
	for k := 36; k < 40; k++ {
		if f.stale(float64(k)*100, 0) {
			t.Fatalf("frame %d: stale", k)
		}
		if i, _, skipped := f.frame(float64(k)*100, 0); i != k || skipped != 0 || !f.byTime {
			t.Fatalf("frame %d after the stale one: numbered %d, %d skipped (by time: %v)", k, i, skipped, f.byTime)
		}
	}
	f = start()
	f.frame(3500, 31)
	if !f.stale(400, 0) || f.stale(500, 0) {
		t.Error("not one stale frame a loss")
	}
	f = start()
	for k := 4; k < 20; k++ {
		f.frame(float64(k)*100, 0)
	}
	if f.stale(400, 0) {
		t.Error("a timestamp going back with no loss before it: stale")
	}
	f = start()
	f.frame(3500, 31)
	for k := 36; k < 36+maxReorderDelay+1; k++ {
		f.frame(float64(k)*100, 0)
	}
	if f.stale(400, 0) {
		t.Errorf("%d frames after the loss: stale", maxReorderDelay+1)
	}
	f = start()
	f.frame(3500, 31)
	if f.stale(400, 1) {
		t.Error("a frame after a failed read of its own: stale")
	}
}

// TestVariableFrameRateNumberedByCount: a file whose timestamps leave the frame rate's grid
// (jittered by 13 ms) or skip a slot with nothing lost (frames 5 and 6 dropped before encoding;
// Matroska, which states the frame rate, 10, where MP4's would be the average, 9.5, off the grid)
// has its frames numbered by count, none reported skipped.
func TestVariableFrameRateNumberedByCount(t *testing.T) {
	dir := t.TempDir()
	for name, args := range map[string][]string{
		"jitter.mkv": {"-vf", `setpts='N/(10*TB)+if(eq(mod(N\,3)\,1)\,0.013/TB\,0)'`, "-enc_time_base", "1/1000"},
		"gap.mkv":    {"-vf", `select='not(between(n\,5\,6))'`, "-enc_time_base", "1/1000"},
	} {
		path := filepath.Join(dir, name)
		cmd := append(append([]string{"-v", "error", "-i", videotest.Clip(t)}, args...), "-fps_mode", "passthrough", "-c:v", "libx264", "-preset", "ultrafast", path)
		if out, err := exec.Command("ffmpeg", cmd...).CombinedOutput(); err != nil {
			t.Fatalf("ffmpeg: %v\n%s", err, out)
		}
		n := framesInOrder(t, path)
		if want := len(videotest.DecodedFrames(t, path, videotest.ClipFPS)); n != want || n < videotest.ClipFrames-2 {
			t.Errorf("%s: %d frames, ffprobe decodes %d", name, n, want)
		}
	}
}

// TestCorruptFrames: frames that cannot be decoded are skipped and counted; the others keep their
// numbers.
func TestCorruptFrames(t *testing.T) {
	path := videotest.CorruptClip(t, 10, 11, 25)
	v, err := OpenVideo(path)
	if err != nil {
		t.Fatal(err)
	}
	stats := &Stats{}
	var log bytes.Buffer
	video, recs, err := runClip(t, tinyDetector(t), Options{Stats: stats, Log: &log}, v)
	if err != nil {
		t.Fatal(err)
	}
	if c := stats.Counts(); c.Corrupt != 3 || c.Frames != videotest.ClipFrames-3 {
		t.Errorf("counts %+v, want 3 corrupt and %d frames", c, videotest.ClipFrames-3)
	}
	if n := videotest.Frames(t, video); n != videotest.ClipFrames-3 || len(recs) != n {
		t.Errorf("%d video frames, %d lines, want %d", n, len(recs), videotest.ClipFrames-3)
	}
	var got []int
	for _, r := range recs {
		got = append(got, *r.Frame)
	}
	for i, want := 0, 0; i < len(got); i, want = i+1, want+1 {
		for want == 10 || want == 11 || want == 25 {
			want++
		}
		if got[i] != want {
			t.Fatalf("frame numbers %v", got)
		}
	}
	if !strings.Contains(log.String(), "frames 10-11 could not be decoded") || !strings.Contains(log.String(), "frame 25 could not be decoded") {
		t.Errorf("log: %q", log.String())
	}
}

// synthetic is a live source that makes a new frame every interval (n frames, then io.EOF),
// numbered and timed as a camera's, with the frame number written into its first pixel's
// channels so tests can tell frames apart.
type synthetic struct {
	n, next  int
	interval time.Duration
	w, h     int
	start    time.Time
	due      time.Time
}

func (s *synthetic) Read(_ context.Context, m *gocv.Mat) (Position, error) {
	if s.next >= s.n {
		return Position{}, io.EOF
	}
	if s.start.IsZero() {
		s.start = time.Now()
		s.due = s.start
	}
	time.Sleep(time.Until(s.due))
	s.due = s.due.Add(s.interval)
	if m.Empty() || m.Cols() != s.w || m.Rows() != s.h {
		m.Close()
		*m = gocv.NewMatWithSize(s.h, s.w, gocv.MatTypeCV8UC3)
	}
	m.SetTo(gocv.NewScalar(float64(s.next%256), float64(s.next/256%256), 128, 0))
	p := Position{Name: "synthetic", Index: s.next, TimeMS: float64(time.Since(s.start)) / float64(time.Millisecond)}
	s.next++
	return p, nil
}

func (s *synthetic) Close() error { return nil }

// TestLiveNewestWins: a source faster than the detector: stale frames are dropped and counted,
// the frames that go through stay in order, and every frame is either output or dropped (or was
// in flight at the end, at most one per worker plus the queue's).
func TestLiveNewestWins(t *testing.T) {
	det := tinyDetector(t)
	for _, workers := range []int{1, 2} {
		src := &synthetic{n: 300, interval: 200 * time.Microsecond, w: 160, h: 120}
		stats := &Stats{}
		var buf bytes.Buffer
		err := Run(context.Background(), src, det, []Sink{NewJSONLines(&buf)}, Options{Live: true, Workers: workers, Stats: stats})
		if err != nil {
			t.Fatal(err)
		}
		recs := readLines(t, buf.Bytes())
		c := stats.Counts()
		if c.Dropped == 0 || c.Frames != len(recs) || c.Frames+c.Dropped != src.n {
			t.Errorf("workers %d: %d frames out, %d dropped, %d made (all are output or dropped at the end of a source)", workers, c.Frames, c.Dropped, src.n)
		}
		for i := 1; i < len(recs); i++ {
			if *recs[i].Frame <= *recs[i-1].Frame {
				t.Fatalf("workers %d: frame %d after %d", workers, *recs[i].Frame, *recs[i-1].Frame)
			}
		}
	}
}

// TestInterrupt: cancelling the context mid-run ends it with the context's error; the frames
// finished before are all in the video and the JSON lines.
func TestInterrupt(t *testing.T) {
	det := tinyDetector(t)
	ctx, cancel := context.WithCancel(context.Background())
	video := filepath.Join(t.TempDir(), "out.mp4")
	vw, err := NewVideoWriter(video, videotest.ClipFPS)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	stop := sinkFunc(func(f *Frame) error {
		if f.Index == 12 {
			cancel()
		}
		return nil
	})
	stats := &Stats{}
	err = Run(ctx, openClip(t), det, []Sink{NewJSONLines(&buf), vw, stop}, Options{Draw: true, Stats: stats, Workers: 2})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run: %v", err)
	}
	if err := vw.Close(); err != nil {
		t.Fatal(err)
	}
	recs := readLines(t, buf.Bytes())
	n := videotest.Frames(t, video)
	if len(recs) < 13 || len(recs) >= videotest.ClipFrames || n != len(recs) || stats.Counts().Frames != n {
		t.Errorf("%d lines, %d video frames, %d counted", len(recs), n, stats.Counts().Frames)
	}
}

// TestInterruptAfterTheSourceEnded: cancelling after the source has ended (its last frames
// queued, as a short list of images leaves them at once) still ends the run with the context's
// error, not success: the queued frames were not detected.
func TestInterruptAfterTheSourceEnded(t *testing.T) {
	det := tinyDetector(t)
	ctx, cancel := context.WithCancel(context.Background())
	written := 0
	stop := sinkFunc(func(*Frame) error {
		written++
		cancel()
		return nil
	})
	err := Run(ctx, &synthetic{n: 3, w: 64, h: 48}, det, []Sink{stop}, Options{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Run: %v after %d of 3 frames written, want context.Canceled", err, written)
	}
}

// TestProgressCountsThisRun: a Stats shared by several runs (detect's inputs) counts them all,
// but each run's progress shows its own dropped frames.
func TestProgressCountsThisRun(t *testing.T) {
	det := tinyDetector(t)
	stats := &Stats{}
	src := &synthetic{n: 200, interval: 200 * time.Microsecond, w: 160, h: 120}
	if err := Run(context.Background(), src, det, nil, Options{Live: true, Stats: stats}); err != nil {
		t.Fatal(err)
	}
	if stats.Counts().Dropped == 0 {
		t.Fatal("the fast live source dropped nothing")
	}
	p := &progressLog{}
	if err := Run(context.Background(), &synthetic{n: 3, w: 64, h: 48}, det, nil, Options{Stats: stats, Progress: p}); err != nil {
		t.Fatal(err)
	}
	if p.done != 3 || p.dropped != 0 {
		t.Errorf("the second run's progress: %d done, %d dropped, want 3 and 0", p.done, p.dropped)
	}
}

// TestProgressCountsSkipped: the frames of the run (every Stride-th) that could not be decoded or
// detected are handled too, so a run read to its end ends its progress at its total; undecodable
// frames between the stride's are not counted.
func TestProgressCountsSkipped(t *testing.T) {
	det := tinyDetector(t)
	// Frames 0-11 in 3 strides of 4 (0, 4, 8): 3 and 4 undecodable, 8 too thin to detect.
	src := &numbered{frames: []int{0, 1, 2, 5, 6, 7, 8, 9, 10, 11}, thin: 8}
	p := &progressLog{}
	stats := &Stats{}
	if err := Run(context.Background(), src, det, nil, Options{Stride: 4, Stats: stats, Progress: p}); err != nil {
		t.Fatal(err)
	}
	if c := stats.Counts(); p.done != 3 || c.Frames != 1 || c.Corrupt != 2 || c.Failed != 1 {
		t.Errorf("progress %d, counts %+v: want 3 handled, 1 frame, 2 corrupt, 1 failed", p.done, c)
	}
	// The images a source cannot read (FrameError) are handled too.
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.jpg")
	if err := os.WriteFile(bad, []byte("not a JPEG"), 0o644); err != nil {
		t.Fatal(err)
	}
	p = &progressLog{}
	if err := Run(context.Background(), NewImages([]string{bad, bad}), det, nil, Options{Progress: p}); err != nil {
		t.Fatal(err)
	}
	if p.done != 2 {
		t.Errorf("progress %d over 2 unreadable images, want 2", p.done)
	}
}

// numbered gives the frames numbered frames (ascending), the gaps between them reported as
// undecodable frames, frame thin 2x8000 pixels (too thin to detect), the others 64x48.
type numbered struct {
	frames []int
	thin   int
	next   int
}

func (s *numbered) Read(_ context.Context, m *gocv.Mat) (Position, error) {
	if s.next >= len(s.frames) {
		return Position{}, io.EOF
	}
	i := s.frames[s.next]
	last := -1
	if s.next > 0 {
		last = s.frames[s.next-1]
	}
	s.next++
	h, w := 48, 64
	if i == s.thin {
		h, w = 2, 8000
	}
	m.Close()
	*m = gocv.NewMatWithSize(h, w, gocv.MatTypeCV8UC3)
	return Position{Name: "numbered", Index: i, Corrupt: i - last - 1}, nil
}

func (s *numbered) Close() error { return nil }

// progressLog keeps the last counts a Progress was given.
type progressLog struct{ done, dropped int }

func (p *progressLog) Update(done, dropped int) { p.done, p.dropped = done, dropped }
func (p *progressLog) Finish(done, dropped int) { p.done, p.dropped = done, dropped }

type sinkFunc func(*Frame) error

func (f sinkFunc) WriteFrame(fr *Frame) error { return f(fr) }

// TestSinkStopAndFailure: a sink returning ErrStop ends the run without error; another error
// ends it with that error.
func TestSinkStopAndFailure(t *testing.T) {
	det := tinyDetector(t)
	for _, stopErr := range []error{ErrStop, errors.New("disk full")} {
		n := 0
		sink := sinkFunc(func(*Frame) error {
			n++
			if n == 5 {
				return stopErr
			}
			return nil
		})
		err := Run(context.Background(), openClip(t), det, []Sink{sink}, Options{})
		if stopErr == ErrStop && err != nil || stopErr != ErrStop && err != stopErr || n != 5 {
			t.Errorf("sink error %v: Run %v after %d frames", stopErr, err, n)
		}
	}

	// A frame the first sink took (its JSON line) and the second could not (its image: a full
	// disk) is counted, with its detections; one no sink took is not.
	for _, first := range []bool{true, false} {
		n := 0
		taken := sinkFunc(func(*Frame) error { return nil })
		fails := sinkFunc(func(*Frame) error {
			if n++; n == 3 {
				return errors.New("no space left on device")
			}
			return nil
		})
		sinks, want := []Sink{taken, fails}, 3
		if !first {
			sinks, want = []Sink{fails, taken}, 2
		}
		var st Stats
		err := Run(context.Background(), openClip(t), det, sinks, Options{Stats: &st})
		if c := st.Counts(); err == nil || c.Frames != want {
			t.Errorf("the failing sink second %v: Run %v, %d frames counted, want the error and %d", first, err, c.Frames, want)
		}
	}
}

// watched is a source whose Reads are counted, and whose Reads still under way are.
type watched struct {
	synthetic
	reads, reading atomic.Int32
}

func (w *watched) Read(ctx context.Context, m *gocv.Mat) (Position, error) {
	w.reading.Add(1)
	defer w.reading.Add(-1)
	w.reads.Add(1)
	return w.synthetic.Read(ctx, m)
}

// TestSinkPanic: a sink's panic reaches Run's caller only after the decoder and the workers have
// stopped (Run closes the frames' Mats on its way out: a decoder still reading into one would
// write freed memory), and no Read starts after it.
func TestSinkPanic(t *testing.T) {
	det := tinyDetector(t)
	src := &watched{synthetic: synthetic{n: 1000, interval: 20 * time.Millisecond, w: 64, h: 48}}
	sink := sinkFunc(func(f *Frame) error {
		if f.Index == 3 {
			panic("sink broke")
		}
		return nil
	})
	func() {
		defer func() {
			if p := recover(); p != "sink broke" {
				t.Fatalf("recovered %v, want the sink's panic", p)
			}
			if n := src.reading.Load(); n != 0 {
				t.Errorf("%d Reads under way when the panic reached the caller", n)
			}
		}()
		_ = Run(context.Background(), src, det, []Sink{sink}, Options{Workers: 2})
		t.Fatal("Run returned")
	}()
	n := src.reads.Load()
	time.Sleep(100 * time.Millisecond)
	if m := src.reads.Load(); m != n {
		t.Errorf("%d Reads after the panic reached the caller", m-n)
	}
}

// TestRunNilArguments: a nil source, detector or sink is an error from Run (the source closed),
// not a panic on one of its goroutines, which no caller could recover (a nil sink's was the first
// frame's, on the caller's, after the source and the detectors had started). A nil context is
// one too, as detector.DetectContext's is (it panicked in context.WithCancel).
func TestRunNilArguments(t *testing.T) {
	nilCtx := &closeSignal{Source: &synthetic{n: 3, w: 64, h: 48}, closed: make(chan struct{})}
	func() {
		defer func() {
			if p := recover(); p != nil {
				t.Errorf("nil context: panic %v", p)
			}
		}()
		if err := Run(nil, nilCtx, tinyDetector(t), nil, Options{}); err == nil || !strings.Contains(err.Error(), "nil Context") {
			t.Errorf("nil context: %v", err)
		}
	}()
	select {
	case <-nilCtx.closed:
	default:
		t.Error("nil context: the source was not closed")
	}
	if err := Run(context.Background(), nil, tinyDetector(t), nil, Options{}); err == nil || !strings.Contains(err.Error(), "nil Source") {
		t.Errorf("nil source: %v", err)
	}
	src := &closeSignal{Source: &synthetic{n: 3, w: 64, h: 48}, closed: make(chan struct{})}
	if err := Run(context.Background(), src, nil, nil, Options{}); err == nil || !strings.Contains(err.Error(), "nil Detector") {
		t.Errorf("nil detector: %v", err)
	}
	select {
	case <-src.closed:
	default:
		t.Error("the source was not closed")
	}
	src = &closeSignal{Source: &synthetic{n: 3, w: 64, h: 48}, closed: make(chan struct{})}
	if err := Run(context.Background(), src, tinyDetector(t), []Sink{NewJSONLines(io.Discard), nil}, Options{}); err == nil || !strings.Contains(err.Error(), "nil Sink (sinks[1])") {
		t.Errorf("nil sink: %v", err)
	}
	select {
	case <-src.closed:
	default:
		t.Error("nil sink: the source was not closed")
	}
}

// TestRunClosedDetector: a closed Detector ends the run with detector.ErrClosed before any frame
// reaches a sink (it returned nil, every frame dropped with a line in a log nobody reads; then,
// with 2+ workers, the clones Run made detected some frames first), and the source is closed.
func TestRunClosedDetector(t *testing.T) {
	for _, workers := range []int{1, 2, 4} {
		det := tinyDetector(t)
		det.Close()
		src := &closeSignal{Source: &synthetic{n: 8, w: 64, h: 48}, closed: make(chan struct{})}
		var sunk int
		sink := sinkFunc(func(*Frame) error { sunk++; return nil })
		err := Run(context.Background(), src, det, []Sink{sink}, Options{Workers: workers})
		if !errors.Is(err, detector.ErrClosed) || sunk != 0 {
			t.Errorf("%d workers: %v, %d frames to the sink, want ErrClosed and none", workers, err, sunk)
		}
		select {
		case <-src.closed:
		default:
			t.Errorf("%d workers: the source was not closed", workers)
		}
	}
}

// TestImageWriterSaysWhyAWriteFailed: an annotated image that cannot be written says why (a full
// device here, through a link named .jpg), not only that OpenCV could not write it; a write cut
// short leaves nothing behind.
func TestImageWriterSaysWhyAWriteFailed(t *testing.T) {
	full := filepath.Join(t.TempDir(), "full.jpg")
	if err := os.Symlink("/dev/full", full); err != nil {
		t.Fatal(err)
	}
	m := gocv.NewMatWithSize(8, 8, gocv.MatTypeCV8UC3)
	defer m.Close()
	err := ImageWriter{Paths: map[string]string{"in.jpg": full}}.WriteFrame(&Frame{Position: Position{Name: "in.jpg"}, Mat: m})
	if err == nil || !strings.Contains(err.Error(), full) || !strings.Contains(err.Error(), "no space left on device") {
		t.Errorf("%v", err)
	}

	// A write cut short (a file size limit standing for a full disk) leaves neither a truncated
	// image nor its hidden file, and an earlier image of the name as it was (it left 8 KB of a
	// JPEG in its place).
	dir := t.TempDir()
	path := filepath.Join(dir, "out.png")
	if err := os.WriteFile(path, []byte("an earlier run's image"), 0o600); err != nil {
		t.Fatal(err)
	}
	noise := gocv.NewMatWithSize(256, 256, gocv.MatTypeCV8UC3)
	defer noise.Close()
	gocv.RandU(&noise, gocv.NewScalar(0, 0, 0, 0), gocv.NewScalar(255, 255, 255, 0)) // PNG of about 200 KB
	var limit syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &limit); err != nil {
		t.Fatal(err)
	}
	small := limit
	small.Cur = 8 << 10
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &small); err != nil {
		t.Fatal(err)
	}
	err = ImageWriter{Paths: map[string]string{"in.jpg": path}}.WriteFrame(&Frame{Position: Position{Name: "in.jpg"}, Mat: noise})
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &limit); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if b, _ := os.ReadFile(path); err == nil || !strings.Contains(err.Error(), path) || string(b) != "an earlier run's image" || len(entries) != 1 {
		t.Errorf("a write cut short: %v; %d files in the folder, the earlier image %d bytes", err, len(entries), len(b))
	}
	// And a write that succeeds replaces it.
	if err := (ImageWriter{Paths: map[string]string{"in.jpg": path}}).WriteFrame(&Frame{Position: Position{Name: "in.jpg"}, Mat: noise}); err != nil {
		t.Fatal(err)
	}
	back := gocv.IMRead(path, gocv.IMReadColor)
	defer back.Close()
	if back.Cols() != 256 {
		t.Errorf("the written image is %dx%d", back.Cols(), back.Rows())
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("the replaced image's mode: %v %v, want the earlier file's 0600", st.Mode(), err)
	}
	// Into a folder that does not exist: the error names the file, not its hidden one.
	missing := filepath.Join(dir, "missing", "x.png")
	err = ImageWriter{Paths: map[string]string{"in.jpg": missing}}.WriteFrame(&Frame{Position: Position{Name: "in.jpg"}, Mat: noise})
	if want := missing + ": cannot write in its folder " + filepath.Dir(missing) + ": no such file or directory"; err == nil || err.Error() != want {
		t.Errorf("%v, want %s", err, want)
	}
}

// TestImageWriterRefusesWhatOpenCVCannotEncode: an image no encoder takes (a WebP wider than
// 16383 pixels, a type no encoder writes) is an error naming the file, not OpenCV's exception
// ending the process (gocv's IMEncode lets it through).
func TestImageWriterRefusesWhatOpenCVCannotEncode(t *testing.T) {
	dir := t.TempDir()
	wide := gocv.NewMatWithSize(10, 20000, gocv.MatTypeCV8UC3)
	defer wide.Close()
	small := gocv.NewMatWithSize(8, 8, gocv.MatTypeCV8UC3)
	defer small.Close()
	for _, c := range []struct {
		name string
		m    gocv.Mat
	}{{"wide.webp", wide}, {"small.xyz", small}} {
		path := filepath.Join(dir, c.name)
		err := ImageWriter{Paths: map[string]string{"in": path}}.WriteFrame(&Frame{Position: Position{Name: "in"}, Mat: c.m})
		if err == nil || !strings.Contains(err.Error(), path+": OpenCV cannot encode this image") {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

// TestSinkGoexit: a sink that ends its goroutine with runtime.Goexit (t.FailNow in a test's
// sink) also stops the other stages before Run's Mats are closed.
func TestSinkGoexit(t *testing.T) {
	det := tinyDetector(t)
	src := &watched{synthetic: synthetic{n: 1000, interval: 20 * time.Millisecond, w: 64, h: 48}}
	sink := sinkFunc(func(f *Frame) error {
		if f.Index == 3 {
			runtime.Goexit()
		}
		return nil
	})
	done := make(chan int32)
	go func() {
		defer func() { done <- src.reading.Load() }()
		_ = Run(context.Background(), src, det, []Sink{sink}, Options{Workers: 2})
		t.Error("Run returned on a goroutine that called runtime.Goexit")
	}()
	if n := <-done; n != 0 {
		t.Errorf("%d Reads under way when the goroutine ended", n)
	}
	n := src.reads.Load()
	time.Sleep(100 * time.Millisecond)
	if m := src.reads.Load(); m != n {
		t.Errorf("%d Reads after the goroutine ended", m-n)
	}
}

// ending is a source of frames frames, then io.EOF.
type ending struct{ frames, read int }

func (e *ending) Read(_ context.Context, m *gocv.Mat) (Position, error) {
	if e.read == e.frames {
		return Position{}, io.EOF
	}
	if m.Empty() {
		*m = gocv.NewMatWithSize(48, 64, gocv.MatTypeCV8UC3)
	}
	e.read++
	return Position{Name: "ending", Index: e.read - 1}, nil
}

func (e *ending) Close() error { return nil }

// flaky is a live source that fails after every `every` frames; reopening it works after
// `refusals` failed attempts.
type flaky struct {
	frames, every int
}

func (f *flaky) Read(_ context.Context, m *gocv.Mat) (Position, error) {
	if f.frames == f.every {
		return Position{}, ErrLost
	}
	if m.Empty() {
		*m = gocv.NewMatWithSize(48, 64, gocv.MatTypeCV8UC3)
	}
	f.frames++
	return Position{Name: "flaky", Index: f.frames - 1}, nil
}

func (f *flaky) Close() error { return nil }

// TestReconnect: a lost source is reopened with backoff, its frames numbered on from where they
// stopped; when it does not come back in time, Read fails naming it.
func TestReconnect(t *testing.T) {
	attempts := 0
	open := func() (Source, error) {
		attempts++
		if attempts%2 == 1 {
			return nil, errors.New("connection refused")
		}
		return &flaky{every: 5}, nil
	}
	var log bytes.Buffer
	r := Reconnect("cam", &flaky{every: 5}, open, 2*time.Second, &log)
	m := gocv.NewMat()
	defer m.Close()
	reconnects := 0
	for i := range 12 {
		p, err := r.Read(context.Background(), &m)
		if err != nil {
			t.Fatal(err)
		}
		reconnects += p.Reconnects
		if p.Index != i {
			t.Fatalf("frame %d numbered %d", i, p.Index)
		}
	}
	if reconnects != 2 || attempts != 4 || strings.Count(log.String(), "reconnected after") != 2 {
		t.Errorf("%d reconnects in %d attempts; log %q", reconnects, attempts, log.String())
	}
	if strings.Contains(log.String(), "cam: cam:") || !strings.Contains(log.String(), "cam: "+ErrLost.Error()+"; reconnecting") {
		t.Errorf("the log names the source once a line: %q", log.String())
	}

	// The end of a source (io.EOF: a file, a stream of stated length) ends it, never reopened;
	// within 0 reconnects nothing.
	opens := 0
	ended := Reconnect("clip", &ending{frames: 2}, func() (Source, error) { opens++; return &ending{frames: 2}, nil }, time.Hour, io.Discard)
	for i := range 3 {
		if _, err := ended.Read(context.Background(), &m); (i < 2) != (err == nil) || i == 2 && err != io.EOF {
			t.Fatalf("read %d of a 2-frame source: %v", i, err)
		}
	}
	noRetry := Reconnect("cam", &flaky{every: 1}, func() (Source, error) { opens++; return &flaky{every: 5}, nil }, 0, io.Discard)
	noRetry.Read(context.Background(), &m)
	if _, err := noRetry.Read(context.Background(), &m); !errors.Is(err, ErrLost) || opens != 0 {
		t.Errorf("within 0: %v after %d reopenings, want ErrLost and none", err, opens)
	}

	never := Reconnect("cam", &flaky{every: 1}, func() (Source, error) { return nil, errors.New("connection refused") }, 600*time.Millisecond, io.Discard)
	if _, err := never.Read(context.Background(), &m); err != nil {
		t.Fatal(err)
	}
	_, err := never.Read(context.Background(), &m)
	if err == nil || !strings.Contains(err.Error(), "cam: lost, and not back within 600ms: connection refused") {
		t.Errorf("lost for good: %v", err)
	}
	// A source that reopens but delivers nothing (a server that accepts and sends no frame) does
	// not restart the time allowed at each reopening: Read gives up after it.
	silent := Reconnect("cam", &flaky{every: 0}, func() (Source, error) { return &flaky{every: 0}, nil }, 500*time.Millisecond, io.Discard)
	ctx10, stop := context.WithTimeout(context.Background(), 10*time.Second)
	defer stop()
	if _, err := silent.Read(ctx10, &m); err == nil || !strings.Contains(err.Error(), "not back within 500ms") {
		t.Errorf("reopened but silent: %v (want a give-up well before the test's 10 s deadline)", err)
	}
	// Cancelling stops the attempts at once.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	again := Reconnect("cam", &flaky{every: 0}, func() (Source, error) { return nil, errors.New("refused") }, time.Hour, io.Discard)
	if _, err := again.Read(ctx, &m); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	// Cancelled while a reopening blocks (a stalled connect): the source it then returns is
	// closed, not read (its read could block again): when the open returns, which may be after
	// Read has (the open here cancels, then returns: Read may see the cancellation first).
	ctx, cancel = context.WithCancel(context.Background())
	opened := &closeSignal{Source: &flaky{every: 5}, closed: make(chan struct{})}
	blocking := Reconnect("cam", &flaky{every: 0}, func() (Source, error) { cancel(); return opened, nil }, time.Hour, io.Discard)
	if _, err := blocking.Read(ctx, &m); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled while reopening: %v", err)
	}
	select {
	case <-opened.closed:
	case <-time.After(10 * time.Second):
		t.Error("the source opened after the cancellation was not closed")
	}
}

// TestDamagedImage: a JPEG with damaged data is decoded as far as it goes and detected; the
// decoder's warning is logged naming it (not written to cvimage.Warnings, standard error) and the
// image counted as damaged in the summary, not as corrupt; an intact one warns of nothing.
func TestDamagedImage(t *testing.T) {
	root := filepath.Dir(filepath.Dir(videotest.Clip(t)))
	photo := filepath.Join(root, "images/000000001503.jpg")
	data, err := os.ReadFile(photo)
	if err != nil {
		t.Fatal(err)
	}
	mid := bytes.Index(data, []byte{0xff, 0xda}) + 2000
	damaged := filepath.Join(t.TempDir(), "damaged.jpg")
	if err := os.WriteFile(damaged, append(append(append([]byte{}, data[:mid]...), 0xff, 0xd0), data[mid:]...), 0o644); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	defer func(w io.Writer) { cvimage.Warnings = w }(cvimage.Warnings)
	cvimage.Warnings = &stderr
	var buf, log, summary bytes.Buffer
	stats := &Stats{}
	err = Run(context.Background(), NewImages([]string{photo, damaged}), tinyDetector(t), []Sink{NewJSONLines(&buf)}, Options{Stats: stats, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	stats.Summary(&summary)
	lines := strings.Split(strings.TrimSuffix(log.String(), "\n"), "\n")
	if c := stats.Counts(); c.Frames != 2 || c.Damaged != 1 || c.Corrupt != 0 {
		t.Errorf("counts %+v", c)
	}
	if len(lines) != 1 || !strings.Contains(lines[0], damaged) || !strings.Contains(lines[0], "premature end of data segment") {
		t.Errorf("log %q: want one line naming %s and the damage", log.String(), damaged)
	}
	if stderr.Len() != 0 {
		t.Errorf("cvimage.Warnings got %q: the pipeline's log should", stderr.String())
	}
	if !strings.Contains(summary.String(), ", damaged 1\n") {
		t.Errorf("summary %q", summary.String())
	}
}

// TestImages: images go through with their own sizes; one that cannot be decoded is skipped,
// counted and named; the annotated images are written.
func TestImages(t *testing.T) {
	root := filepath.Dir(filepath.Dir(videotest.Clip(t)))
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken.jpg")
	os.WriteFile(broken, []byte("not a jpeg"), 0o644)
	inputs := []string{filepath.Join(root, "images/000000001503.jpg"), broken, filepath.Join(root, "images/000000005503.png")}
	paths := map[string]string{inputs[0]: filepath.Join(dir, "a.jpg"), inputs[2]: filepath.Join(dir, "b.png")}
	var buf, log bytes.Buffer
	stats := &Stats{}
	err := Run(context.Background(), NewImages(inputs), tinyDetector(t), []Sink{NewJSONLines(&buf), ImageWriter{Paths: paths}}, Options{Draw: true, Stats: stats, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	recs := readLines(t, buf.Bytes())
	if len(recs) != 2 || recs[0].Source != inputs[0] || recs[0].Width != 320 || recs[1].Width != 333 || recs[0].Frame != nil || recs[0].TimeMS != nil {
		t.Fatalf("records %+v", recs)
	}
	if c := stats.Counts(); c.Frames != 2 || c.Corrupt != 1 || !strings.Contains(log.String(), "broken.jpg") {
		t.Errorf("counts %+v, log %q", c, log.String())
	}
	for _, p := range paths {
		m := gocv.IMRead(p, gocv.IMReadColor)
		if m.Empty() {
			t.Errorf("%s not written", p)
		}
		m.Close()
	}
}

func TestVideoErrors(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.mp4")
	os.WriteFile(text, []byte("not a video"), 0o644)
	for _, p := range []string{filepath.Join(dir, "missing.mp4"), text} {
		if _, err := ProbeVideo(p); err == nil || !strings.Contains(err.Error(), filepath.Base(p)) {
			t.Errorf("%s: %v", p, err)
		}
	}
	if _, err := NewVideoWriter(filepath.Join(dir, "out.gif"), 10); err == nil || !strings.Contains(err.Error(), ".gif") {
		t.Errorf("gif output: %v", err)
	}
	info, err := ProbeVideo(videotest.Clip(t))
	if err != nil || info != (VideoInfo{Width: 768, Height: 432, FPS: 10, Frames: 40}) {
		t.Errorf("clip: %+v %v", info, err)
	}
}

// TestVideoCutBeforeItsIndex: an MP4 whose index (moov) follows its frames, ffmpeg's default
// and a phone's, cut short anywhere before that index's end (an unfinished recording, a download
// cut short) is refused saying so, and an empty file as empty, where both were "not a video, or
// an unsupported codec"; a file that is not a video still is that.
func TestVideoCutBeforeItsIndex(t *testing.T) {
	dir := t.TempDir()
	last := filepath.Join(dir, "last.mp4")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-i", videotest.Clip(t), "-c", "copy", last).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	whole, err := os.ReadFile(last)
	if err != nil {
		t.Fatal(err)
	}
	moov := bytes.LastIndex(whole, []byte("moov")) - 4
	if moov < len(whole)/2 {
		t.Fatalf("the index of %s is at byte %d of %d, not after the frames", last, moov, len(whole))
	}
	for name, n := range map[string]int{
		"half.mp4": len(whole) / 2, "no-index.mp4": moov, "in-its-header.mp4": moov + 5, "in-the-index.mp4": moov + 100,
	} {
		path := filepath.Join(dir, name)
		os.WriteFile(path, whole[:n], 0o644)
		if _, err := ProbeVideo(path); err == nil || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), "cut short before its index (moov)") {
			t.Errorf("%s (%d of %d bytes): %v", name, n, len(whole), err)
		}
	}
	empty, text := filepath.Join(dir, "empty.mp4"), filepath.Join(dir, "notes.mp4")
	os.WriteFile(empty, nil, 0o644)
	os.WriteFile(text, []byte("not a video"), 0o644)
	if _, err := ProbeVideo(empty); err == nil || err.Error() != empty+": cannot open as a video: empty file" {
		t.Errorf("an empty file: %v", err)
	}
	if _, err := ProbeVideo(text); err == nil || !strings.Contains(err.Error(), "not a video, or an unsupported codec") {
		t.Errorf("a text file: %v", err)
	}
	if _, err := ProbeVideo(last); err != nil {
		t.Errorf("the whole file: %v", err)
	}
}

// TestCoverArtIsNoVideo: an audio file whose only picture is its cover art (FFmpeg's attached
// picture, which OpenCV reads as a video at 90000 frames/s stating 450,000 frames for 5 s of
// M4A, 453,747 of MP3) is refused as no video, naming the file, where it was read as one frame
// and warned short of the count; a one-frame video, and a video with cover art beside it, are
// videos.
func TestCoverArtIsNoVideo(t *testing.T) {
	dir := t.TempDir()
	ffmpeg := func(name string, args ...string) string {
		path := filepath.Join(dir, name)
		if out, err := exec.Command("ffmpeg", append(append([]string{"-v", "error"}, args...), path)...).CombinedOutput(); err != nil {
			t.Fatalf("ffmpeg: %v\n%s", err, out)
		}
		return path
	}
	pic := ffmpeg("cover.jpg", "-f", "lavfi", "-i", "testsrc=s=64x48", "-frames:v", "1")
	for _, name := range []string{"song.mp3", "song.m4a"} {
		path := ffmpeg(name, "-f", "lavfi", "-i", "sine=d=5", "-i", pic, "-map", "0", "-map", "1", "-c:v", "mjpeg", "-disposition:v", "attached_pic")
		if _, err := ProbeVideo(path); err == nil || !strings.Contains(err.Error(), path+": no video: its only picture is one still (an audio file's cover art?)") {
			t.Errorf("%s: %v", name, err)
		}
	}
	still := ffmpeg("still.mkv", "-i", pic, "-c:v", "mjpeg")
	if info, err := ProbeVideo(still); err != nil || info.Frames != 1 {
		t.Errorf("one-frame video: %+v %v", info, err)
	}
	covered := ffmpeg("covered.mp4", "-i", videotest.Clip(t), "-i", pic, "-map", "0:v", "-map", "1", "-c:v:0", "copy", "-c:v:1", "mjpeg", "-disposition:v:1", "attached_pic")
	if info, err := ProbeVideo(covered); err != nil || info.Frames != videotest.ClipFrames {
		t.Errorf("video with cover art: %+v %v", info, err)
	}
}

// TestCoverArtOverHTTPIsNoVideo: an audio file with cover art at an http(s) link is refused at
// open as OpenVideo's ProbeVideo refuses it (it was read as one frame of ~450,000 stated, then
// warned of as a file cut short), an M4A whose index follows its audio (ffmpeg's default) on a
// server that ignores Range too (python3 -m http.server: FFmpeg reads its cover from the index,
// and it was read as one frame, then 65,536 failed reads, a minute and more); a real video at a
// clock's rate there is opened again after the check and read whole.
func TestCoverArtOverHTTPIsNoVideo(t *testing.T) {
	dir := t.TempDir()
	ffmpeg := func(name string, args ...string) {
		if out, err := exec.Command("ffmpeg", append(append([]string{"-v", "error"}, args...), filepath.Join(dir, name))...).CombinedOutput(); err != nil {
			t.Fatalf("ffmpeg: %v\n%s", err, out)
		}
	}
	ffmpeg("cover.jpg", "-f", "lavfi", "-i", "testsrc=s=64x48", "-frames:v", "1")
	ffmpeg("song.mp3", "-f", "lavfi", "-i", "sine=d=5", "-i", filepath.Join(dir, "cover.jpg"), "-map", "0", "-map", "1", "-c:v", "mjpeg", "-disposition:v", "attached_pic")
	ffmpeg("fast.mkv", "-f", "lavfi", "-i", "testsrc=s=64x48:r=1000", "-frames:v", "10", "-c:v", "mjpeg")
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer srv.Close()
	if l, err := OpenStream(srv.URL + "/song.mp3"); err == nil || !strings.Contains(err.Error(), srv.URL+"/song.mp3: no video: its only picture is one still (an audio file's cover art?)") {
		if l != nil {
			l.Close()
		}
		t.Errorf("an MP3 with cover art: %v", err)
	}
	ffmpeg("song.m4a", "-f", "lavfi", "-i", "sine=d=5", "-i", filepath.Join(dir, "cover.jpg"), "-map", "0", "-map", "1", "-c:v", "mjpeg", "-disposition:v", "attached_pic")
	noRange := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, err := os.Open(filepath.Join(dir, filepath.Base(r.URL.Path)))
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		defer f.Close()
		io.Copy(w, f) // 200 and the whole file, whatever Range asks
	}))
	defer noRange.Close()
	if h := httpVideoHead(context.Background(), noRange.URL+"/song.m4a"); !h.IndexLast || h.ranged {
		t.Fatalf("test setup: index last %v, ranged %v; want an index after the audio, on a server that ignores Range", h.IndexLast, h.ranged)
	}
	if l, err := OpenStream(noRange.URL + "/song.m4a"); err == nil || !strings.Contains(err.Error(), noRange.URL+"/song.m4a: no video: its only picture is one still (an audio file's cover art?)") {
		if l != nil {
			l.Close()
		}
		t.Errorf("an M4A with cover art, its index last, from a server that ignores Range: %v", err)
	}
	l, err := OpenStream(srv.URL + "/fast.mkv")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if fps := l.FPS(); fps < MaxVideoFPS {
		t.Fatalf("test setup: %g frames/s, want a clock's rate", fps)
	}
	m := gocv.NewMat()
	defer m.Close()
	n := 0
	for ; ; n++ {
		if _, err := l.Read(context.Background(), &m); err != nil {
			break
		}
	}
	if n != 10 {
		t.Errorf("a 1000 frames/s video over http: %d frames read, want 10 (from its first, opened again)", n)
	}
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestVideoWriterChecksWhatItWrote: every output type reads back with the frames written (also
// under a name FFmpeg would take for a URL: a colon before any slash), and a video that could not
// be written in full (a file size limit, RLIMIT_FSIZE, stands for a full disk: writes past it
// fail with EFBIG, and Go ignores SIGXFSZ) is an error at Close naming it, not a video reported
// written: OpenCV's writer itself reports no write errors.
func TestVideoWriterChecksWhatItWrote(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	frame := &Frame{Mat: gocv.NewMatWithSize(240, 320, gocv.MatTypeCV8UC3)}
	defer frame.Mat.Close()
	gocv.RandU(&frame.Mat, gocv.NewScalar(0, 0, 0, 0), gocv.NewScalar(255, 255, 255, 0)) // noise: no small encoding
	write := func(path string, n int) error {
		vw, err := NewVideoWriter(path, 10)
		if err != nil {
			return err
		}
		for range n {
			if err := vw.WriteFrame(frame); err != nil {
				vw.Close()
				return err
			}
		}
		return vw.Close()
	}
	for _, name := range []string{"a.mp4", "a.m4v", "a.mov", "a.mkv", "a.avi", "rec-12:30.mp4"} {
		if err := write(name, 7); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if n := videotest.Frames(t, filepath.Join(dir, name)); n != 7 {
			t.Errorf("%s: %d frames, want 7", name, n)
		}
	}
	var limit syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &limit); err != nil {
		t.Fatal(err)
	}
	small := limit
	small.Cur = 64 << 10
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &small); err != nil {
		t.Fatal(err)
	}
	full := filepath.Join(dir, "full.mp4")
	err := write(full, 20)
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &limit); err != nil {
		t.Fatal(err)
	}
	if err == nil || !strings.Contains(err.Error(), full) {
		t.Errorf("a video cut short at 64 KB: %v", err)
	}
}

// TestVideoWriterReplacesOnlyWhenDone: until Close the video is written under a hidden name,
// so a run killed part way (a second Ctrl-C) leaves an earlier video of the same name as it was
// (it used to leave a 48-byte file without an index in its place); Close renames it over the
// earlier one, which a failed video leaves as it was, naming where its frames are. A named pipe
// is written directly.
func TestVideoWriterReplacesOnlyWhenDone(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.mp4")
	if err := os.WriteFile(path, []byte("an earlier run's video"), 0o644); err != nil {
		t.Fatal(err)
	}
	frame := &Frame{Mat: gocv.NewMatWithSize(240, 320, gocv.MatTypeCV8UC3)}
	defer frame.Mat.Close()
	gocv.RandU(&frame.Mat, gocv.NewScalar(0, 0, 0, 0), gocv.NewScalar(255, 255, 255, 0))
	vw, err := NewVideoWriter(path, 10)
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if err := vw.WriteFrame(frame); err != nil {
			t.Fatal(err)
		}
	}
	if b, _ := os.ReadFile(path); string(b) != "an earlier run's video" {
		t.Errorf("the earlier video changed before Close: %d bytes", len(b))
	}
	partial := vw.file()
	if _, err := os.Stat(partial); err != nil || filepath.Dir(partial) != dir || !strings.HasPrefix(filepath.Base(partial), ".out.partial-") || filepath.Ext(partial) != ".mp4" {
		t.Errorf("no hidden file %s being written: %v", partial, err)
	}
	// Another writer of the same output writes a file of its own.
	if other, err := NewVideoWriter(path, 10); err != nil || other.file() == partial {
		t.Errorf("a second writer of %s: %v, writing to %s too", path, err, partial)
	}
	if err := vw.Close(); err != nil {
		t.Fatal(err)
	}
	if n := videotest.Frames(t, path); n != 5 {
		t.Errorf("%d frames at the path after Close, want 5", n)
	}
	if _, err := os.Stat(partial); !os.IsNotExist(err) {
		t.Errorf("the hidden file is still there: %v", err)
	}

	// A video that does not read back (cut at 64 KB) leaves the earlier one and names its frames' file.
	var limit syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &limit); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	small := limit
	small.Cur = 64 << 10
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &small); err != nil {
		t.Fatal(err)
	}
	vw, err = NewVideoWriter(path, 10)
	if err == nil {
		partial = vw.file()
		for range 20 {
			vw.WriteFrame(frame)
		}
		err = vw.Close()
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &limit); err != nil {
		t.Fatal(err)
	}
	if err == nil || !strings.Contains(err.Error(), "what was written is in "+partial) {
		t.Errorf("a video cut short: %v", err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(after, before) {
		t.Error("a failed video replaced the earlier one")
	}

	// A named pipe: written directly (a reader takes the stream as it comes).
	fifo := filepath.Join(dir, "pipe.avi")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	if vw, err := NewVideoWriter(fifo, 10); err != nil || vw.file() != fifo {
		t.Errorf("a named pipe: %v, writing to %q", err, vw.file())
	}
}

// TestVideoWriterToAPipe: a video written into a named pipe (-out pipe.mkv, a player or another
// program reading it) is what its reader took, and Close returns once it is finished: it used to
// read the video back through the pipe, whose writer was gone, and wait there for ever (and
// detect with it, a Ctrl-C included).
func TestVideoWriterToAPipe(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "pipe.mkv")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	read := make(chan []byte, 1)
	go func() {
		b, _ := os.ReadFile(fifo) // (opened when the writer opens it; read to the writer's close)
		read <- b
	}()
	frame := &Frame{Mat: gocv.NewMatWithSize(240, 320, gocv.MatTypeCV8UC3)}
	defer frame.Mat.Close()
	gocv.RandU(&frame.Mat, gocv.NewScalar(0, 0, 0, 0), gocv.NewScalar(255, 255, 255, 0))
	vw, err := NewVideoWriter(fifo, 10)
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if err := vw.WriteFrame(frame); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := fifotest.Within(t, 20*time.Second, func() (struct{}, error) { return struct{}{}, vw.Close() }); err != nil {
		t.Fatal(err)
	}
	got := filepath.Join(t.TempDir(), "got.mkv")
	if err := os.WriteFile(got, <-read, 0o644); err != nil {
		t.Fatal(err)
	}
	if n := videotest.Frames(t, got); n != 5 {
		t.Errorf("the pipe's reader got %d frames, want 5", n)
	}
}

// TestNoMP4IntoAPipe: an MP4 or MOV cannot be written into a named pipe (its writer goes back to
// the file's start at its end): such a path is refused, naming it, where OpenCV's writer, failing,
// removed the pipe (or the link to it), wrote an ordinary file in its place and the run said it
// wrote the video, the pipe's reader given nothing.
func TestNoMP4IntoAPipe(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"pipe.mp4", "pipe.MOV", "pipe.m4v"} {
		fifo := filepath.Join(dir, name)
		if err := syscall.Mkfifo(fifo, 0o644); err != nil {
			t.Fatal(err)
		}
		link := filepath.Join(dir, "link-"+name)
		if err := os.Symlink(name, link); err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{fifo, link} {
			if _, err := NewVideoWriter(path, 10); err == nil || !strings.Contains(err.Error(), path+": not a regular file") {
				t.Errorf("%s: %v", path, err)
			}
		}
		if st, err := os.Lstat(fifo); err != nil || st.Mode().Type() != os.ModeNamedPipe {
			t.Errorf("%s is no longer a named pipe: %v", fifo, err)
		}
	}
	for _, name := range []string{"new.mp4", "pipe.mkv", "pipe.avi"} { // (a new file; what a pipe takes)
		path := filepath.Join(dir, name)
		if name != "new.mp4" {
			if err := syscall.Mkfifo(path, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if vw, err := NewVideoWriter(path, 10); err != nil {
			t.Errorf("%s: %v", name, err)
		} else {
			vw.Close()
		}
	}
}

// TestVideoWriterFollowsLink: a symbolic link at the path is followed, as outpath.WriteReplacing
// follows it: the file it names is left as it was until Close replaces it (it was written
// through the link from the first frame, so a killed run left it truncated), the link kept, and
// the replaced video keeps its mode, as WriteReplacing's files do (it became 0644).
func TestVideoWriterFollowsLink(t *testing.T) {
	dir := t.TempDir()
	real, link := filepath.Join(dir, "real.mp4"), filepath.Join(dir, "link.mp4")
	if err := os.WriteFile(real, []byte("an earlier run's video"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real.mp4", link); err != nil {
		t.Fatal(err)
	}
	frame := &Frame{Mat: gocv.NewMatWithSize(240, 320, gocv.MatTypeCV8UC3)}
	defer frame.Mat.Close()
	vw, err := NewVideoWriter(link, 10)
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if err := vw.WriteFrame(frame); err != nil {
			t.Fatal(err)
		}
	}
	if b, _ := os.ReadFile(real); string(b) != "an earlier run's video" {
		t.Errorf("the linked video changed before Close: %d bytes", len(b))
	}
	if err := vw.Close(); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link is not kept: %v, %v", st, err)
	}
	if n := videotest.Frames(t, real); n != 5 {
		t.Errorf("%d frames in the linked file after Close, want 5", n)
	}
	if st, err := os.Stat(real); err != nil {
		t.Error(err)
	} else if m := st.Mode().Perm(); m != 0o600 {
		t.Errorf("the replaced video's mode %#o, want its earlier 0600", m)
	}
	if ls, _ := os.ReadDir(dir); len(ls) != 2 {
		t.Errorf("the folder holds %v, want the file and the link", ls)
	}

	// A loop of links is refused, naming the path (it was replaced by a video at Close).
	a, b := filepath.Join(dir, "a.mp4"), filepath.Join(dir, "b.mp4")
	if err := os.Symlink("b.mp4", a); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("a.mp4", b); err != nil {
		t.Fatal(err)
	}
	if vw, err := NewVideoWriter(a, 10); err == nil || !strings.HasPrefix(err.Error(), a+": ") || !errors.Is(err, syscall.ELOOP) {
		if err == nil {
			vw.Close()
		}
		t.Errorf("NewVideoWriter onto a loop of links: %v; want an error naming %s, too many levels of links", err, a)
	}
}

// TestVideoWriterModes: under each umask, a new video gets the mode outpath.WriteReplacing's new
// files get (touch's: 0666 less the umask; it was whatever OpenCV's writer gave its hidden file)
// and a replaced one keeps its own, as WriteReplacing's do.
func TestVideoWriterModes(t *testing.T) {
	frame := &Frame{Mat: gocv.NewMatWithSize(48, 64, gocv.MatTypeCV8UC3)}
	defer frame.Mat.Close()
	modetest.Check(t, ".mp4", func(path string) error {
		vw, err := NewVideoWriter(path, 10)
		if err != nil {
			return err
		}
		err = vw.WriteFrame(frame)
		if cerr := vw.Close(); err == nil {
			err = cerr
		}
		return err
	})
}

// TestVideoWriterFollowsTimes: frames of a variable frame rate (times 0-400 ms at 100 ms, then
// 1500, 1800) written at 4 frames/s keep their times: the one at 1500 ms, place 6, comes after
// a copy of the one before (the five first, faster than the rate, are all written, one after
// another); without FollowTimes the seven frames play at 0-1.5 s. A jump past maxFilledGap is
// not filled, and the frames after it are timed from it (a gap after it filled again). A still
// first frame, or FollowTimes set after the first frame, takes the next timed frame as the start
// (it used to crash on a Mat never made).
func TestVideoWriterFollowsTimes(t *testing.T) {
	dir := t.TempDir()
	frame := &Frame{Mat: gocv.NewMatWithSize(64, 64, gocv.MatTypeCV8UC3)}
	defer frame.Mat.Close()
	for _, c := range []struct {
		follow bool
		times  []float64
		want   int
	}{
		{true, []float64{0, 100, 200, 300, 400, 1500, 1800}, 8},
		{false, []float64{0, 100, 200, 300, 400, 1500, 1800}, 7},
		{true, []float64{0, 250, 500, 750}, 4},               // a constant rate: no copies
		{true, []float64{0, 250, 60_000, 60_250, 61_250}, 8}, // a jump of a minute not filled, a second after it filled
		{true, []float64{1000, 1250, 2000, 2250}, 6},         // times from the first frame's
	} {
		path := filepath.Join(dir, fmt.Sprintf("%v-%v.mp4", c.follow, c.times))
		vw, err := NewVideoWriter(path, 4)
		if err != nil {
			t.Fatal(err)
		}
		vw.FollowTimes = c.follow
		for k, ms := range c.times {
			frame.Mat.SetTo(gocv.NewScalar(float64(40*k), 0, 0, 0))
			frame.TimeMS = ms
			if err := vw.WriteFrame(frame); err != nil {
				t.Fatal(err)
			}
		}
		if err := vw.Close(); err != nil {
			t.Fatal(err)
		}
		if got, n := vw.Frames(), videotest.Frames(t, path); got != c.want || n != c.want {
			t.Errorf("FollowTimes %v, times %v: %d frames written, %d in the file, want %d", c.follow, c.times, got, n, c.want)
		}
	}
	for _, late := range []bool{false, true} {
		vw, err := NewVideoWriter(filepath.Join(dir, fmt.Sprintf("still-%v.mp4", late)), 4)
		if err != nil {
			t.Fatal(err)
		}
		vw.FollowTimes = !late
		frame.Still = true
		if err := vw.WriteFrame(frame); err != nil {
			t.Fatal(err)
		}
		vw.FollowTimes, frame.Still = true, false
		for _, ms := range []float64{1000, 1250, 2000} { // places 1, 2 and 5
			frame.TimeMS = ms
			if err := vw.WriteFrame(frame); err != nil {
				t.Fatal(err)
			}
		}
		if err := vw.Close(); err != nil || vw.Frames() != 6 {
			t.Errorf("a still first frame (FollowTimes set late: %v): %v, %d frames, want 6", late, err, vw.Frames())
		}
	}
}

// TestVideoCutShort: a video file cut short (an interrupted copy) is read up to where it stops
// decoding and ends quietly (its container's frame count is only a hint: an MKV's counts the
// audio's length too), and Extent then says how far it got against the count it states, which
// detect turns into a warning. Two cuts: one whose failures run to the stated count, one where
// the decoder gives up (maxBadFrames failures in a row) well before it.
func TestVideoCutShort(t *testing.T) {
	dir := t.TempDir()
	clip, err := os.ReadFile(videotest.Clip(t))
	if err != nil {
		t.Fatal(err)
	}
	readAll := func(path string) (frames, decoded, stated int, err error) {
		v, err := OpenVideo(path)
		if err != nil {
			return 0, 0, 0, err
		}
		defer v.Close()
		m := gocv.NewMat()
		defer m.Close()
		for {
			if _, err := v.Read(context.Background(), &m); err != nil {
				if errors.Is(err, io.EOF) {
					err = nil
				}
				var ended bool
				if decoded, stated, ended = v.Extent(); !ended {
					t.Errorf("%s: Read ended with io.EOF, Extent says not ended", path)
				}
				return frames, decoded, stated, err
			}
			frames++
		}
	}
	frames, decoded, stated, err := readAll(videotest.Clip(t))
	if err != nil || frames != videotest.ClipFrames || decoded != stated || stated != videotest.ClipFrames {
		t.Errorf("the whole clip: %d frames, decoded to %d of %d stated, %v", frames, decoded, stated, err)
	}
	cut := filepath.Join(dir, "cut.mp4")
	os.WriteFile(cut, clip[:len(clip)*47/100], 0o644)
	frames, decoded, stated, err = readAll(cut)
	if err != nil || frames == 0 || frames > decoded || !(decoded < stated) || stated != videotest.ClipFrames {
		t.Errorf("the clip cut at 47%%: %d frames, decoded to %d of %d stated, %v; want a quiet end short of %d", frames, decoded, stated, err, videotest.ClipFrames)
	}
	// Three clips in one (120 frames), cut at a third: more than maxBadFrames frames are lost.
	long := filepath.Join(dir, "long.mp4")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-stream_loop", "2", "-i", videotest.Clip(t), "-c:v", "libx264",
		"-g", "10", "-movflags", "+faststart", long).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	data, err := os.ReadFile(long)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(cut, data[:len(data)/3], 0o644)
	frames, decoded, stated, err = readAll(cut)
	if err != nil || frames == 0 || !(decoded < stated-maxBadFrames) || stated != 3*videotest.ClipFrames {
		t.Errorf("120 frames cut at a third: %d frames, decoded to %d of %d stated, %v; want a quiet end well short", frames, decoded, stated, err)
	}
}

// TestStreamOfKnownLength: an http:// link to a video file opens as a stream that states its
// length, its frames timed by their position in it, and Read ends it with io.EOF after its last
// frame (detect then reads it like a file, never reconnecting to play it again).
func TestStreamOfKnownLength(t *testing.T) {
	srv := httptest.NewServer(http.FileServer(http.Dir(filepath.Dir(videotest.Clip(t)))))
	defer srv.Close()
	l, err := OpenStream(srv.URL + "/" + filepath.Base(videotest.Clip(t)))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if l.Frames() != videotest.ClipFrames {
		t.Fatalf("the stream states %d frames, want %d", l.Frames(), videotest.ClipFrames)
	}
	m := gocv.NewMat()
	defer m.Close()
	frames := 0
	for ; ; frames++ {
		p, err := l.Read(context.Background(), &m)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatalf("after %d frames: %v, want io.EOF", frames, err)
			}
			break
		}
		// Timed by its position in the file (frame 10 of a 10 fps clip: 1 s), not the clock.
		if want := float64(frames) * 1000 / videotest.ClipFPS; frames == 10 && !(math.Abs(p.TimeMS-want) <= 1) {
			t.Errorf("frame 10 at %v ms, want %v", p.TimeMS, want)
		}
	}
	if got, stated, ended := l.Extent(); frames != videotest.ClipFrames || got != frames || stated != frames || !ended {
		t.Errorf("%d frames (Extent %d of %d, ended %v), want %d", frames, got, stated, ended, videotest.ClipFrames)
	}
}

// TestStreamOfKnownLengthCorrupt: a damaged file read over HTTP numbers its frames as the same
// file read locally does (a frame that fails to decode takes its number), and its Extent, once
// read to the end, reaches the stated count (no false "cut short" warning). Before the end
// Extent says it has not ended.
func TestStreamOfKnownLengthCorrupt(t *testing.T) {
	path := videotest.CorruptClip(t, 10, 11, 25)
	srv := httptest.NewServer(http.FileServer(http.Dir(filepath.Dir(path))))
	defer srv.Close()
	l, err := OpenStream(srv.URL + "/" + filepath.Base(path))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	m := gocv.NewMat()
	defer m.Close()
	var idx []int
	for {
		p, err := l.Read(context.Background(), &m)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatal(err)
			}
			break
		}
		if len(idx) == 0 {
			if _, _, ended := l.Extent(); ended {
				t.Error("Extent says ended after the first frame")
			}
		}
		if (p.Index == 12 && p.Corrupt != 2) || (p.Index == 26 && p.Corrupt != 1) {
			t.Errorf("frame %d: %d skipped before it", p.Index, p.Corrupt)
		}
		idx = append(idx, p.Index)
	}
	var want []int
	for i := range videotest.ClipFrames {
		if i != 10 && i != 11 && i != 25 {
			want = append(want, i)
		}
	}
	if !slices.Equal(idx, want) {
		t.Errorf("frames %v, want %v", idx, want)
	}
	if got, stated, ended := l.Extent(); got != videotest.ClipFrames || stated != videotest.ClipFrames || !ended {
		t.Errorf("Extent %d of %d (ended %v), want %d of %d", got, stated, ended, videotest.ClipFrames, videotest.ClipFrames)
	}
}

// closeSignal is a Source that closes closed when it is closed.
type closeSignal struct {
	Source
	closed chan struct{}
}

func (c *closeSignal) Close() error {
	defer close(c.closed)
	return c.Source.Close()
}

// TestInterruptStalledStream: a live stream that stalls (its server keeps the connection open
// and sends nothing more) blocks OpenCV's read until its FFmpeg backend gives up, 30 s later; an
// interruption ends the run at once anyway, with the frames already read finished. The source
// is closed only when the blocked read returns (here: when the server lets go).
func TestInterruptStalledStream(t *testing.T) {
	ts, err := exec.Command("ffmpeg", "-v", "error", "-i", videotest.Clip(t), "-c", "copy", "-f", "mpegts", "-").Output()
	if err != nil {
		t.Fatalf("ffmpeg: %v", err)
	}
	release, sent := make(chan struct{}), make(chan struct{}, 8)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "video/mp2t")
		w.Write(ts)
		w.(http.Flusher).Flush()
		sent <- struct{}{}
		select { // stalled: no more data, no disconnect
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release) // before srv.Close, which waits for the handler
	l, err := OpenStream(srv.URL + "/live.ts")
	if err != nil {
		t.Fatal(err)
	}
	src := &closeSignal{Source: l, closed: make(chan struct{})}
	var frames atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, src, tinyDetector(t), []Sink{sinkFunc(func(*Frame) error { frames.Add(1); return nil })}, Options{Live: true})
	}()
	<-sent
	for frames.Load() == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // the decoder has read what was sent and waits for more
	n := frames.Load()
	cancel()
	t1 := time.Now()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run: %v, want context.Canceled", err)
		}
		t.Logf("Run returned %v after the interruption, %d frames (%d before it)", time.Since(t1), frames.Load(), n)
	case <-time.After(5 * time.Second): // it waits abandonAfter (0.5 s); FFmpeg's timeout is 30 s
		t.Fatal("Run still waits for the stalled read 5 s after the interruption")
	}
	select {
	case <-src.closed:
		t.Fatal("the source was closed while its read was blocked in it")
	default:
	}
	release <- struct{}{} // the server ends the response: the read returns
	select {
	case <-src.closed:
	case <-time.After(30 * time.Second):
		t.Fatal("the source was not closed after its read returned")
	}
}

// TestTooManyWorkers: more than MaxWorkers detectors is an error before any is cloned, and the
// source is closed (Run's promise).
func TestTooManyWorkers(t *testing.T) {
	src := &closeSignal{Source: &flaky{every: 5}, closed: make(chan struct{})}
	err := Run(context.Background(), src, tinyDetector(t), nil, Options{Workers: MaxWorkers + 1})
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%d workers: at most %d", MaxWorkers+1, MaxWorkers)) {
		t.Errorf("Run with %d workers: %v", MaxWorkers+1, err)
	}
	select {
	case <-src.closed:
	default:
		t.Error("the source was not closed")
	}
}

// mallocWindows counts the Go heap's allocations in windows of size frames, the first from the
// first-th frame written, and stops the run (ErrStop) at the first window without any, or after
// max windows.
type mallocWindows struct {
	first, size, max int
	n                int                 // frames written
	stats            [2]runtime.MemStats // the last two reads, at window edges
	counts           []uint64            // each window's allocations (capacity max: appending allocates nothing)
}

func newMallocWindows(first, size, max int) *mallocWindows {
	return &mallocWindows{first: first, size: size, max: max, counts: make([]uint64, 0, max)}
}

func (c *mallocWindows) WriteFrame(*Frame) error {
	c.n++
	if c.n < c.first || (c.n-c.first)%c.size != 0 {
		return nil
	}
	edge := (c.n - c.first) / c.size
	runtime.ReadMemStats(&c.stats[edge%2])
	if edge == 0 {
		return nil
	}
	n := allocstest.Between(&c.stats[(edge-1)%2], &c.stats[edge%2])
	c.counts = append(c.counts, n)
	if n == 0 || len(c.counts) == c.max {
		return ErrStop
	}
	return nil
}

// TestRunSteadyStateAllocations: a file run as detect runs it (frames drawn, 100 detections each
// with the score threshold at 0, H.264 video and JSON lines) allocates nothing on the Go heap
// from its 10th frame on: the detector, the labels, the frame-rate overlay, the queue and the
// JSON lines allocate nothing (a blocked stage's record, the runtime's, comes from the stock
// allocstest.Quiet lays in). Labels
// formatted with fmt and measured by gocv took 4 allocations a detection, the rest 4-5 a frame.
// It passes when one of the first four windows of 25 frames allocates nothing: what a frame
// costs is paid in every window, while the Go runtime's own one-time costs, which a loaded
// machine can bring into any window, are not (an OS thread for when a call into OpenCV outlasts
// the scheduler's patience, a processor's timer heap growing; seen with the heap profile). The
// garbage collector is off for the run (Quiet): a collection empties encoding/json's pool of
// encoders, which then takes a new one (a cost of the collection, not of a frame).
func TestRunSteadyStateAllocations(t *testing.T) {
	defer allocstest.Quiet()()
	det, err := detector.Load(videotest.Model(t, "shufflenet-g3-0.5x-300", 0, 0, 0), detector.WithScoreThreshold(0))
	if err != nil {
		t.Fatal(err)
	}
	v, err := OpenVideo(videotest.LoopedClip(t, 3))
	if err != nil {
		t.Fatal(err)
	}
	vw, err := NewVideoWriter(filepath.Join(t.TempDir(), "out.mp4"), videotest.ClipFPS)
	if err != nil {
		t.Fatal(err)
	}
	c := newMallocWindows(10, 25, 4)
	var lines bytes.Buffer
	lines.Grow(1 << 22) // the lines' room (110 frames of 100 detections: 1.4 MB), so that it does not grow in the count
	err = Run(context.Background(), v, det, []Sink{NewJSONLines(&lines), vw, c}, Options{Workers: 1, Draw: true})
	if cerr := vw.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	if recs := readLines(t, lines.Bytes()); len(recs) != c.n || len(recs[c.first].Detections) != 100 {
		t.Fatalf("%d lines for %d frames; frame %d: %d detections, want 100 (the test measures drawing them)", len(recs), c.n, c.first, len(recs[c.first].Detections))
	}
	if len(c.counts) == 0 || c.counts[len(c.counts)-1] != 0 {
		t.Errorf("allocations in each window of %d frames in steady state: %v, want a window of none", c.size, c.counts)
	}
}

// TestRateOverlayAllocatesNothingAsTheRateGrows: the frame rate overlay's text takes a digit
// more as the rate passes 10 and 100 frames/s; drawing it then allocates nothing (its size was
// measured, and kept, when the rate first needed the new digit: an allocation in the steady
// state, seen in TestRunSteadyStateAllocations on a loaded machine, whose runs hover near 10).
func TestRateOverlayAllocatesNothingAsTheRateGrows(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	m := gocv.NewMatWithSize(611, 611, gocv.MatTypeCV8UC3) // a scale no other test draws at
	defer m.Close()
	o := &output{}
	leave := func(fps float64) {
		step := time.Duration(float64(time.Second) / fps)
		for i := range o.times {
			o.times[i] = time.Unix(0, 0).Add(time.Duration(i) * step)
		}
		o.done = len(o.times)
	}
	leave(9.5)
	o.drawRate(&m)
	for _, fps := range []float64{10.5, 150.5, 1500.5, 9.5} {
		leave(fps)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		o.drawRate(&m)
		runtime.ReadMemStats(&after)
		if n := after.Mallocs - before.Mallocs; n != 0 {
			t.Errorf("the overlay at %.1f frames/s (first drawn at 9.5): %d allocations", fps, n)
		}
	}
}

// TestVideoWriterOddSizes: the encoders take even sizes, so a 333x201 frame is written without
// its last column and row (332x200), in every container; the file reads back and Close reports
// no error (it reported the file as not kept: the size read back was not the frame's). A frame under 2x2 and a
// folder that does not exist are refused, naming the file.
func TestVideoWriterOddSizes(t *testing.T) {
	dir := t.TempDir()
	frame := &Frame{Mat: gocv.NewMatWithSize(201, 333, gocv.MatTypeCV8UC3)}
	defer frame.Mat.Close()
	gocv.RandU(&frame.Mat, gocv.NewScalar(0, 0, 0, 0), gocv.NewScalar(255, 255, 255, 0))
	for _, name := range []string{"a.mp4", "a.mkv", "a.avi"} {
		path := filepath.Join(dir, name)
		vw, err := NewVideoWriter(path, 10)
		if err != nil {
			t.Fatal(err)
		}
		for range 5 {
			if err := vw.WriteFrame(frame); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		if err := vw.Close(); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		info, err := ProbeVideo(path)
		if err != nil || info.Width != 332 || info.Height != 200 {
			t.Errorf("%s: %+v, %v; want 332x200", name, info, err)
		}
		if n := videotest.Frames(t, path); n != 5 {
			t.Errorf("%s: %d frames, want 5", name, n)
		}
	}
	tiny := &Frame{Mat: gocv.NewMatWithSize(5, 1, gocv.MatTypeCV8UC3)}
	defer tiny.Mat.Close()
	vw, err := NewVideoWriter(filepath.Join(dir, "tiny.mp4"), 10)
	if err != nil {
		t.Fatal(err)
	}
	if err := vw.WriteFrame(tiny); err == nil || !strings.Contains(err.Error(), "tiny.mp4: a 1x5 frame is too small") {
		t.Errorf("a 1x5 frame: %v", err)
	}
	vw.Close()
	if _, err := NewVideoWriter(filepath.Join(dir, "no", "x.mp4"), 10); err == nil || !strings.Contains(err.Error(), "no folder") {
		t.Errorf("a missing folder: %v", err)
	}
}

// graySource gives n one-channel frames, which the detector refuses (cvdetect.ErrMatType).
type graySource struct{ n int }

func (s *graySource) Read(_ context.Context, m *gocv.Mat) (Position, error) {
	if s.n == 0 {
		return Position{}, io.EOF
	}
	s.n--
	if m.Empty() || m.Type() != gocv.MatTypeCV8UC1 {
		m.Close()
		*m = gocv.NewMatWithSize(48, 64, gocv.MatTypeCV8UC1)
	}
	return Position{Name: "gray"}, nil
}

func (s *graySource) Close() error { return nil }

// TestRunEndsOnProgrammingErrors: frames the detector refuses for a reason every frame shares (a
// source of gray Mats here; a detector in use on another goroutine takes the same path) end the
// run with that error, naming the source, instead of being counted as failed frames one by one
// while Run returned nil.
func TestRunEndsOnProgrammingErrors(t *testing.T) {
	det, err := detector.Load(videotest.Model(t, "shufflenet-g3-0.25x-300", 96, 160, 50))
	if err != nil {
		t.Fatal(err)
	}
	stats := &Stats{}
	err = Run(context.Background(), &graySource{n: 5}, det, nil, Options{Stats: stats})
	if !errors.Is(err, cvdetect.ErrMatType) || !strings.Contains(err.Error(), "gray") {
		t.Errorf("gray frames: %v, want cvdetect.ErrMatType naming the source", err)
	}
	if c := stats.Counts(); c.Frames != 0 || c.Failed != 0 {
		t.Errorf("gray frames: counted %+v", c)
	}
}

// closedOnce is a source that only says, on closed, that it was closed.
type closedOnce struct{ closed chan<- struct{} }

func (c closedOnce) Read(context.Context, *gocv.Mat) (Position, error) { return Position{}, io.EOF }
func (c closedOnce) Close() error                                      { c.closed <- struct{}{}; return nil }

// TestOpenWithinHonoursContext: OpenWithin returns ctx's error once ctx is done, even while the
// open blocks (a stream's open can take 30 s), on the first try and on a retry; the source such
// an open gives when it returns is closed. (The open blocks until OpenWithin has returned, and
// ctx is cancelled once the open has begun: a 1 s sleep against a deadline, and a bound on the
// time taken 50 ms short of the open's end, failed on a loaded machine.)
func TestOpenWithinHonoursContext(t *testing.T) {
	for _, retry := range []bool{false, true} {
		closed := make(chan struct{}, 1)
		opening, release := make(chan struct{}, 1), make(chan struct{})
		var calls atomic.Int32
		open := func() (Source, error) {
			if retry && calls.Add(1) == 1 {
				return nil, errors.New("no server")
			}
			opening <- struct{}{}
			<-release
			return closedOnce{closed}, nil
		}
		ctx, cancel := context.WithCancel(context.Background())
		go func() { <-opening; cancel() }()
		type result struct {
			src Source
			err error
		}
		returned := make(chan result, 1)
		go func() {
			src, err := OpenWithin(ctx, "slow", open, time.Minute, io.Discard)
			returned <- result{src, err}
		}()
		select {
		case r := <-returned:
			if !errors.Is(r.err, context.Canceled) || r.src != nil {
				t.Errorf("retry %v: %v, %v; want the cancellation's error", retry, r.src, r.err)
			}
		case <-time.After(time.Minute):
			t.Fatalf("retry %v: OpenWithin still waits for the blocked open a minute after the cancellation", retry)
		}
		close(release)
		select {
		case <-closed:
		case <-time.After(time.Minute):
			t.Errorf("retry %v: the source opened after the cancellation was not closed", retry)
		}
		cancel()
	}
}

// TestOpenWithinNilArguments: a nil ctx or open is an error naming the source, not a panic (a
// nil open would panic on OpenWithin's own goroutine, ending the program); a nil log drops the
// messages, in OpenWithin's retries and in Reconnect's.
func TestOpenWithinNilArguments(t *testing.T) {
	open := func() (Source, error) { return nil, errors.New("no camera") }
	for _, tc := range []struct {
		name string
		call func() (Source, error)
		want string
	}{
		{"nil ctx", func() (Source, error) { return OpenWithin(nil, "cam", open, 0, io.Discard) }, `cam: pipeline: OpenWithin with a nil Context`},
		{"nil open", func() (Source, error) { return OpenWithin(context.Background(), "cam", nil, 0, io.Discard) }, `cam: pipeline: OpenWithin with a nil open function`},
		{"nil log", func() (Source, error) { return OpenWithin(context.Background(), "cam", open, time.Millisecond, nil) }, "no camera"},
	} {
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Errorf("%s: panic %v", tc.name, p)
				}
			}()
			if src, err := tc.call(); src != nil || err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: %v, %v; want an error saying %s", tc.name, src, err, tc.want)
			}
		}()
	}
	r := Reconnect("cam", &flaky{}, open, time.Millisecond, nil) // (lost at its first read)
	var m gocv.Mat                                               // (never written)
	func() {
		defer func() {
			if p := recover(); p != nil {
				t.Errorf("Reconnect with a nil log: panic %v", p)
			}
		}()
		if _, err := r.Read(context.Background(), &m); err == nil { // (the loss's or the reopen's, by how the 1 ms falls)
			t.Error("Reconnect with a nil log: a frame, from a source that is lost and does not come back")
		}
	}()
}

// cancelledAfter is a context that reports itself cancelled from its nth call of Err on (a
// cancellation landing between two looks at the context), without ever closing Done.
type cancelledAfter struct {
	context.Context
	n, calls int
}

func (c *cancelledAfter) Err() error {
	if c.calls++; c.calls >= c.n {
		return context.Canceled
	}
	return nil
}

// TestOpenWithinNeverDropsASource: whenever the context is cancelled around an open that
// succeeds, OpenWithin either returns the source (the caller's to close) or closes it itself.
func TestOpenWithinNeverDropsASource(t *testing.T) {
	for n := 1; n <= 4; n++ {
		closed := make(chan struct{}, 1)
		ctx := &cancelledAfter{Context: context.Background(), n: n}
		src, err := OpenWithin(ctx, "cam", func() (Source, error) { return closedOnce{closed}, nil }, time.Minute, io.Discard)
		select {
		case <-closed:
			if src != nil || err == nil {
				t.Errorf("cancelled at look %d: closed the source and returned it (%v, %v)", n, src, err)
			}
		case <-time.After(300 * time.Millisecond): // (a close comes before OpenWithin returns, or from its goroutine at once)
			if src == nil {
				t.Errorf("cancelled at look %d: the source was neither returned nor closed (%v)", n, err)
			}
		}
	}
}

// TestJSONLinesOfReducedImage: a still image decoded at 1/Scale of its size gives its JSON line
// in the file's pixels: its size, and each box times Scale, within it (a 10239-pixel width
// decodes to 5120 at half size: a box to that edge, times 2, would pass it by one).
func TestJSONLinesOfReducedImage(t *testing.T) {
	var b bytes.Buffer
	j := NewJSONLines(&b)
	m := gocv.NewMatWithSize(4900, 5120, gocv.MatTypeCV8UC3)
	defer m.Close()
	f := &Frame{Position: Position{Name: "huge.jpg", Still: true, Scale: 2, Full: image.Pt(10239, 9799)}, Mat: m,
		Detections: []detector.Detection{{Box: [4]float32{100, 50.5, 20, 10}, Score: 0.5, CategoryID: 1, Label: "person"},
			{Box: [4]float32{5000, 4800, 120, 100}, Score: 0.25, CategoryID: 1, Label: "person"}}} // to the frame's edge
	if err := j.WriteFrame(f); err != nil {
		t.Fatal(err)
	}
	want := `{"source":"huge.jpg","width":10239,"height":9799,"detections":[{"bbox":[200,101,40,20],"score":0.5,"category_id":1,"label":"person"},` +
		`{"bbox":[10000,9600,239,199],"score":0.25,"category_id":1,"label":"person"}]}`
	if got := strings.TrimSpace(b.String()); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if f.Detections[0].Box[0] != 100 {
		t.Error("the frame's detections were changed")
	}
}

// TestVideoWriterHighFrameRates: a slow-motion rate (960 frames/s) is written as it is (a
// 960-frame/s clip came out at 25, almost forty times its length); a stream's clock read as a
// frame rate (1000, 90000) becomes 25.
func TestVideoWriterHighFrameRates(t *testing.T) {
	frame := &Frame{Mat: gocv.NewMatWithSize(64, 64, gocv.MatTypeCV8UC3)}
	defer frame.Mat.Close()
	for _, c := range []struct{ fps, want float64 }{{960, 960}, {MaxVideoFPS - 1, MaxVideoFPS - 1}, {MaxVideoFPS, 25}, {90000, 25}} {
		path := filepath.Join(t.TempDir(), "fast.mp4")
		vw, err := NewVideoWriter(path, c.fps)
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if err := vw.WriteFrame(frame); err != nil {
				t.Fatal(err)
			}
		}
		if err := vw.Close(); err != nil {
			t.Fatal(err)
		}
		if info, err := ProbeVideo(path); err != nil || !(math.Abs(info.FPS-c.want) <= 0.01*c.want) { // (a NaN rate fails)
			t.Errorf("written at %g frames/s: read back %+v, %v; want %g", c.fps, info, err, c.want)
		}
	}
}

// stillSource is a Source that gives the same frame for ever, allocating nothing.
type stillSource struct{ n int }

func (s *stillSource) Read(_ context.Context, m *gocv.Mat) (Position, error) {
	s.n++
	return Position{Name: "still", Index: s.n}, nil
}

func (s *stillSource) Close() error { return nil }

// TestReconnectingReadAllocatesNothing: a live source wrapped by Reconnect (detect wraps every
// camera and live stream so, -reconnect being 30 s by default) reads a frame without allocating:
// the *FrameError that errors.As fills in was declared outside the error branch and moved to the
// heap, one allocation a frame in the steady state.
func TestReconnectingReadAllocatesNothing(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	m := gocv.NewMat()
	defer m.Close()
	r := Reconnect("still", &stillSource{}, func() (Source, error) { return &stillSource{}, nil }, time.Minute, io.Discard)
	ctx := context.Background()
	if n := testing.AllocsPerRun(100, func() { r.Read(ctx, &m) }); n != 0 {
		t.Errorf("Reconnecting.Read allocates %v times a frame", n)
	}
}

// TestReconnectWindowBoundsABlockingOpen: -reconnect's time is the most a lost source (or one not
// there at the start) is waited for, even while an attempt to open it blocks (OpenCV's FFmpeg
// waits 30 s for a stream that sends nothing: with -reconnect 2s, a silent udp:// source was
// given up after a minute). The attempt is left to finish on its own, its source closed, and the
// error says why the last attempt that ended failed. (The blocked attempt returns only once the
// test lets it, after the give-up; the window leaves the second attempt, due at 250 ms, or 750
// ms after a loss, more than a second to start on a loaded machine.)
func TestReconnectWindowBoundsABlockingOpen(t *testing.T) {
	const within = 2 * time.Second
	for _, lostMidway := range []bool{false, true} {
		closed := make(chan struct{}, 1)
		release := make(chan struct{})
		var calls atomic.Int32
		open := func() (Source, error) {
			if calls.Add(1) == 1 {
				return nil, errors.New("no server")
			}
			<-release // a stalled open
			return closedOnce{closed}, nil
		}
		returned := make(chan error, 1)
		t0 := time.Now()
		go func() {
			if lostMidway {
				m := gocv.NewMat()
				defer m.Close()
				r := Reconnect("cam", &flaky{every: 0}, open, within, io.Discard)
				_, err := r.Read(context.Background(), &m)
				returned <- err
				return
			}
			src, err := OpenWithin(context.Background(), "cam", open, within, io.Discard)
			if src != nil {
				src.Close()
			}
			returned <- err
		}()
		var err error
		select {
		case err = <-returned:
		case <-time.After(time.Minute):
			t.Fatalf("lost midway %v: still waiting for the blocked open a minute on", lostMidway)
		}
		took := time.Since(t0)
		if err == nil || !strings.Contains(err.Error(), "within 2s: no server") || calls.Load() != 2 || took < within || took > within+5*time.Second {
			t.Errorf("lost midway %v: %v after %v and %d attempts; want the give-up, naming the last failure, after about %v, the second attempt blocked",
				lostMidway, err, took, calls.Load(), within)
		}
		close(release)
		select {
		case <-closed:
		case <-time.After(time.Minute):
			t.Errorf("lost midway %v: the source the abandoned attempt opened was not closed", lostMidway)
		}
	}
}

// TestVideoWriterCloseNotHeldByAbandonedOpen: an interrupted reconnection leaves a stream's open
// blocked (a server that accepts and sends nothing: OpenCV's FFmpeg waits 30 s), and OpenCV's
// FFmpeg backend opens one capture at a time, so the read-back of the annotated video that
// Close does waited for that open: Ctrl-C took up to 30 s to end such a run, where the README
// promises half a second. Close must not wait for it, and Unchecked says it did not read the
// video back (a video closed with no open under way is read back: Unchecked false).
func TestVideoWriterCloseNotHeldByAbandonedOpen(t *testing.T) {
	dir := t.TempDir()
	f := &Frame{Mat: gocv.NewMatWithSize(64, 64, gocv.MatTypeCV8UC3)}
	defer f.Mat.Close()
	write := func(name string) *VideoWriter {
		vw, err := NewVideoWriter(filepath.Join(dir, name), 10)
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if err := vw.WriteFrame(f); err != nil {
				t.Fatal(err)
			}
		}
		return vw
	}
	if before := write("before.mp4"); before.Close() != nil || before.Unchecked() {
		t.Fatal("a video closed with no open under way: not read back, or not finished")
	}
	path := filepath.Join(dir, "out.mp4")
	vw := write("out.mp4")
	// (written before the open below: opening a writer waits for an open under way, as a read does)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	const hold = 8 * time.Second // how long the server keeps the open waiting, then closes
	accepted := make(chan struct{}, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		accepted <- struct{}{}
		time.Sleep(hold)
		c.Close()
	}()
	url := "tcp://" + ln.Addr().String()
	openReturned := make(chan struct{})
	open := func() (Source, error) {
		defer close(openReturned)
		return OpenStream(url)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-accepted; time.Sleep(300 * time.Millisecond); cancel() }() // (Ctrl-C while the open blocks)
	if src, err := OpenWithin(ctx, url, open, time.Minute, io.Discard); !errors.Is(err, context.Canceled) {
		if src != nil {
			src.Close()
		}
		t.Fatalf("OpenWithin: %v, want the cancellation", err)
	}
	defer func() { <-openReturned }() // (the open holds OpenCV's lock until then: later tests would wait)

	t0 := time.Now()
	if err := vw.Close(); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(t0); took > 3*time.Second {
		t.Errorf("Close took %v: it waited for the abandoned open", took)
	}
	if !vw.Unchecked() {
		t.Error("the video was not read back, and Unchecked does not say so")
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the video was not renamed to its path: %v", err)
	}
}

// TestOpenCameraNumbers: OpenCamera refuses a number OpenCV would read as a backend and a device
// (200: Video4Linux's device 0), naming it, before opening anything.
func TestOpenCameraNumbers(t *testing.T) {
	for _, n := range []int{-1, 100, 200, math.MaxInt} { // (not 1 << 32: no int on 32 bits)
		if _, err := OpenCamera(n); err == nil || !strings.HasPrefix(err.Error(), fmt.Sprintf("camera:%d: a camera is camera:N with N from 0 (the first) to 99", n)) {
			t.Errorf("OpenCamera(%d): %v", n, err)
		}
	}
}

// TestLiveStride: a live source with Stride 4 has only its every 4th frame detected (of frames 0,
// 4, ..., 36, those not dropped), not every frame.
func TestLiveStride(t *testing.T) {
	var got []int
	rec := sinkFunc(func(f *Frame) error { got = append(got, f.Index); return nil })
	src := &synthetic{n: 40, interval: 2 * time.Millisecond, w: 64, h: 48}
	if err := Run(context.Background(), src, tinyDetector(t), []Sink{rec}, Options{Live: true, Stride: 4}); err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 {
		t.Fatal("no frames detected")
	}
	for _, i := range got {
		if i%4 != 0 {
			t.Fatalf("frames %v detected: frame %d is not every 4th", got, i)
		}
	}
}
