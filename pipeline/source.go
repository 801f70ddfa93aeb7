//go:build cgo && !noopencv

package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"math"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"gocv.io/x/gocv"

	"github.com/shuffledet/shuffledet/cvimage"
	"github.com/shuffledet/shuffledet/internal/container"
	"github.com/shuffledet/shuffledet/internal/quote"
)

// Position says where a frame comes from.
type Position struct {
	Name       string  // the input it comes from (for a list of images: the image's file)
	Still      bool    // a still image: no frame number or time
	Index      int     // frame number in the source, from 0 (skipped frames keep their numbers)
	TimeMS     float64 // files: the frame's presentation time; live sources: ms since opened
	Corrupt    int     // frames that could not be decoded just before this one (skipped)
	Reconnects int     // times the source was reopened just before this frame
	// Scale is, for a still image too large to decode whole (cvimage.ReadFit: a 108 MP photo),
	// the file's pixels per pixel of the frame (2, 4 or 8; 0 for a frame at its own size), and
	// Full its size in the file: detections times Scale are in the file's pixels, as the JSON
	// lines give them.
	Scale int
	Full  image.Point
	// Warning is, for a still image decoded despite its decoder's warning (libjpeg's about a
	// damaged JPEG, which it decodes as far as its data goes: cvimage.WarnTo), that warning's
	// line, naming the image; the pipeline logs it and counts the image as damaged.
	Warning string
}

// Source is where frames come from. Read decodes the next frame into m, 8-bit BGR (into the Mat
// m holds; one that puts a new Mat in *m, as when the size changes, closes the old one first:
// the pipeline closes only the Mats it finds there) and says where it is. It returns io.EOF at the end, a *FrameError for an input
// that could not be decoded and was skipped (Read can be called again), and any other error when
// the source failed. Sources are used by one goroutine at a time.
type Source interface {
	Read(ctx context.Context, m *gocv.Mat) (Position, error)
	Close() error
}

// FrameError is a frame or image that could not be decoded; the pipeline counts and skips it.
// Err names the frame or image, as the errors of what decoded it do (cvimage's name the file,
// FetchImage's the URL: the callee names what it was given), so FrameError does not name it again.
type FrameError struct {
	Err error
}

// Error says that the frame was skipped, and why.
func (e *FrameError) Error() string { return fmt.Sprintf("skipped: %v", e.Err) }

// Unwrap is the decoding error.
func (e *FrameError) Unwrap() error { return e.Err }

// maxBadFrames is how many frames in a row a video file that states no frame count may fail to
// decode before the rest of it is taken as unreadable (the end of a file reads as failures too).
// One that states a count is read on to it (a damaged stretch of any length is skipped), or
// maxBadFramesStated failures in a row (a failed read at the end costs under a microsecond; a
// count may be overstated: an MKV's is its duration times the frame rate, audio included).
const (
	maxBadFrames       = 25
	maxBadFramesStated = 1 << 16
)

// VideoInfo describes a video file.
type VideoInfo struct {
	Width, Height int
	FPS           float64
	Frames        int // as the container states it (0 when unknown)
}

// Video is a video file read with OpenCV's FFmpeg backend, every frame in order.
type Video struct {
	name string
	cap  *gocv.VideoCapture
	info VideoInfo
	rotation
	frameNumbers
	extent
}

// rotation turns a video's frames upright, as players show them, where its stream is tagged
// with a rotation (a phone's portrait video). OpenCV 4.6's own rotation turns a ±90° one the
// wrong way (it applies the display matrix's counterclockwise angle clockwise:
// opencv/opencv#22088), so it is turned off and the frames are turned here.
type rotation struct {
	turn gocv.RotateFlag
	on   bool
	raw  gocv.Mat // the frame as decoded, when on
}

// CAP_PROP_ORIENTATION_META and CAP_PROP_ORIENTATION_AUTO, which gocv 0.31 does not name.
const (
	captureOrientationMeta gocv.VideoCaptureProperties = 48
	captureOrientationAuto gocv.VideoCaptureProperties = 49
)

// newRotation turns off c's own rotation and returns the one that shows its frames upright.
func newRotation(c *gocv.VideoCapture) rotation {
	c.Set(captureOrientationAuto, 0)
	switch int(c.Get(captureOrientationMeta)) { // counterclockwise degrees, 0-359
	case 90:
		return rotation{turn: gocv.Rotate90CounterClockwise, on: true, raw: gocv.NewMat()}
	case 180:
		return rotation{turn: gocv.Rotate180Clockwise, on: true, raw: gocv.NewMat()}
	case 270:
		return rotation{turn: gocv.Rotate90Clockwise, on: true, raw: gocv.NewMat()}
	}
	return rotation{}
}

// read reads c's next frame into m, upright; false when there is none.
func (r *rotation) read(c *gocv.VideoCapture, m *gocv.Mat) bool {
	if !r.on {
		return c.Read(m) && !m.Empty()
	}
	if !c.Read(&r.raw) || r.raw.Empty() {
		return false
	}
	gocv.Rotate(r.raw, m, r.turn)
	return !m.Empty()
}

// size returns the upright size of a w x h frame as decoded.
func (r *rotation) size(w, h int) (int, int) {
	if r.on && r.turn != gocv.Rotate180Clockwise {
		return h, w
	}
	return w, h
}

// close frees the decoded frame's Mat.
func (r *rotation) close() {
	if r.on {
		r.raw.Close()
	}
}

// extent is whether Read has ended a source of stated length, for its Extent method.
type extent struct {
	ended atomic.Bool // Read has returned io.EOF: the last frame number is final
}

// of is Extent's answer for a source whose numbers f gave: the frames up to and including the
// last one decoded, and the count it states; before the end (or after a run that stopped early:
// a Read may even be in progress) nothing but that count.
func (e *extent) of(f *frameNumbers) (int, int, bool) {
	if !e.ended.Load() {
		return 0, f.stated, false
	}
	return f.last + 1, f.stated, true // written before ended was stored
}

// spanned is Spanned's answer for a source whose numbers f gave: the last frame's slot on the
// frame rate's grid, counted from the first frame's (f.origin), plus one; at least the frames up
// to the last one numbered.
func (e *extent) spanned(f *frameNumbers) int {
	if !e.ended.Load() {
		return 0
	}
	n := f.last + 1
	if n > 0 && gridFPS(f.fps) { // (origin set: numbered by time from the first frame)
		n = max(n, int(math.Round(f.lastMS*f.fps/1000))-f.origin+1)
	}
	return n
}

// OpenVideo opens a video file. Errors name the file and say what is wrong with it.
func OpenVideo(path string) (*Video, error) {
	// A regular file is opened here first so that a missing or unreadable one is reported as
	// such, not as a stream FFmpeg cannot decode; anything else (a named pipe) only by FFmpeg:
	// opened and closed here, a pipe's writer would be gone.
	st, err := os.Stat(path)
	if err != nil {
		return nil, quote.Err(err)
	}
	if st.Mode().IsRegular() {
		f, err := os.Open(path)
		if err != nil {
			return nil, quote.Err(err)
		}
		f.Close()
	}
	c, err := gocv.VideoCaptureFileWithAPI(ffmpegPath(path), gocv.VideoCaptureFFmpeg)
	if err != nil || !c.IsOpened() {
		c.Close()
		return nil, fmt.Errorf("%s: cannot open as a video: %s", quote.Name(path), whyNoVideo(path, st))
	}
	v := &Video{name: path, cap: c, rotation: newRotation(c), info: VideoInfo{
		FPS: c.Get(gocv.VideoCaptureFPS), Frames: max(0, int(c.Get(gocv.VideoCaptureFrameCount))),
	}}
	v.info.Width, v.info.Height = v.size(int(c.Get(gocv.VideoCaptureFrameWidth)), int(c.Get(gocv.VideoCaptureFrameHeight)))
	if st.Mode().IsRegular() { // (a pipe read here would lose what FFmpeg reads)
		v.info.Frames = framesAfterStart(func() (float64, float64, error) { return container.MatroskaTimes(path) }, v.info.FPS, v.info.Frames)
	}
	v.frameNumbers = newFrameNumbers(v.info.FPS, v.info.Frames)
	return v, nil
}

// whyNoVideo says why OpenCV's FFmpeg opened no video in the file at path (st: its os.Stat): an
// empty file, an MP4 or MOV cut short before its index (container.ISOCutBeforeIndex: a recording
// that was not finished, a download cut short, which FFmpeg reports as no stream), or what FFmpeg
// does not tell apart, not a video or a codec it lacks.
func whyNoVideo(path string, st os.FileInfo) string {
	if st.Mode().IsRegular() {
		if st.Size() == 0 {
			return "empty file"
		}
		if f, err := os.Open(path); err == nil {
			defer f.Close()
			if container.ISOCutBeforeIndex(f, st.Size()) {
				return "an MP4 or MOV cut short before its index (moov), which lists its frames and which ffmpeg writes after them: a recording that was not finished, or a download or copy cut short; no frame can be read without it"
			}
		}
	}
	return "no video stream that OpenCV's FFmpeg can decode (not a video, or an unsupported codec)"
}

// framesAfterStart returns the frame count of a video file, stated as frames by OpenCV, times
// its container.MatroskaTimes (read only where there is a count to correct): for a Matroska
// file (MKV, WebM), which states no count, OpenCV's is its duration times the frame rate, and the
// duration is counted from time 0, so one whose timestamps start later (cut from a longer
// recording with its times kept) is counted the frames it would have held before its start too,
// and read to its end seemed cut short; its count is then taken from its first cluster on. Other
// files' counts are kept, and so is a Matroska file's whose duration OpenCV did not count by.
func framesAfterStart(times func() (start, duration float64, err error), fps float64, frames int) int {
	if frames == 0 || !(fps > 0) {
		return frames
	}
	start, duration, err := times()
	if err != nil || !(start > 0 && start < duration) {
		return frames
	}
	// OpenCV's count: floor(duration x fps + 0.5), where FFmpeg read the same duration (to
	// within its microseconds' rounding).
	if !(math.Abs(duration*fps+0.5-float64(frames)) <= 1.5) {
		return frames
	}
	return int(math.Floor((duration-start)*fps + 0.5))
}

// ProbeVideo opens a video file and decodes its first frame, so that a file that cannot be
// read is reported before any work starts. A file whose only picture is a still at a clock's
// rate (an audio file's cover art: FFmpeg's attached picture, which OpenCV reads as a video at
// 90000 frames/s, counting its length's worth of frames) is refused as no video.
func ProbeVideo(path string) (VideoInfo, error) {
	v, err := OpenVideo(path)
	if err != nil {
		return VideoInfo{}, err
	}
	defer v.Close()
	m := gocv.NewMat()
	defer m.Close()
	for bad := 0; !v.ends(bad); bad++ {
		if v.read(v.cap, &m) { // upright, as Read gives it
			v.info.Width, v.info.Height = m.Cols(), m.Rows()
			if v.info.FPS >= MaxVideoFPS && !decodesAgain(v.cap, &m) {
				return VideoInfo{}, noVideoButAStill(path, v.info.FPS)
			}
			return v.info, nil
		}
	}
	return VideoInfo{}, fmt.Errorf("%s: cannot decode any video frame (unsupported codec or corrupt file)", quote.Name(path))
}

// decodesAgain reports whether a frame decodes from c (into m) within maxBadFrames failed reads.
func decodesAgain(c *gocv.VideoCapture, m *gocv.Mat) bool {
	for range maxBadFrames {
		if c.Read(m) && !m.Empty() {
			return true
		}
	}
	return false
}

// noVideoButAStill is the error for a file (or link: name) whose only picture is a still that
// OpenCV reads as a video at fps, a clock's rate: an audio file's cover art.
func noVideoButAStill(name string, fps float64) error {
	return fmt.Errorf("%s: no video: its only picture is one still (an audio file's cover art?), which OpenCV reads as a video at %g frames/s, FFmpeg's clock; to detect on it, take it out: ffmpeg -i IN -an -frames:v 1 OUT.png", quote.Name(name), fps)
}

// onlyAStill reports whether c, a file at a clock's rate (MaxVideoFPS or more) just opened,
// holds one picture only: its first frame decodes and no other does (decodesAgain). It reads
// them: the caller opens the file again to read it.
func onlyAStill(c *gocv.VideoCapture) bool {
	m := gocv.NewMat()
	defer m.Close()
	return c.Read(&m) && !m.Empty() && !decodesAgain(c, &m)
}

// Info returns what the container says about the video.
func (v *Video) Info() VideoInfo { return v.info }

// Read implements Source. Frames are numbered by their timestamps while these keep to the file's
// frame rate and each gap follows failed reads, by count once they do not; a frame that fails to decode
// is skipped and reported in the next frame's Position.Corrupt, and one the decoder gives back
// from the damaged part, timed back right after the loss, is left out. A failed read at or past the
// frame count the container states, or where it states none 25 failures in a row, ends it
// (io.EOF); frames decoded past that count are read on. The failures that end a file are
// not counted as skipped frames: the stated count is only a hint (an MKV's is its duration times
// the frame rate, audio included), so whether the file stopped short is left to Extent.
func (v *Video) Read(_ context.Context, m *gocv.Mat) (Position, error) {
	bad := 0
	for {
		if v.read(v.cap, m) {
			t := v.cap.Get(gocv.VideoCapturePosMsec)
			if v.stale(t, bad) {
				continue
			}
			p := Position{Name: v.name}
			p.Index, p.TimeMS, p.Corrupt = v.frame(t, bad)
			return p, nil
		}
		bad++
		if v.ends(bad) {
			v.ended.Store(true)
			return Position{}, io.EOF
		}
	}
}

// Extent returns how far Read decoded the video (the frames up to its last good one) and how
// many frames its container states (0: none), and whether Read has ended it (io.EOF): a video
// that ended short of the stated count is a file cut short or damaged, or a container that
// overstates its length (detect warns either way). Before the end, or after a run that stopped
// early (a sink's ErrStop, an interruption: a Read may even be in progress), it reports
// ended false and nothing else; it may be called from any goroutine.
func (v *Video) Extent() (decoded, stated int, ended bool) {
	return v.extent.of(&v.frameNumbers)
}

// VideoTracks returns how many video tracks the file holds where its container says (a Matroska
// file's track list, an MP4's or MOV's index), 0 where it does not: OpenCV's FFmpeg reads the
// first only, and cannot be told to read another (OpenCV 4.6's refuses CAP_PROP_VIDEO_STREAM),
// so one that holds a still picture ahead of the video is read as that one frame.
func (v *Video) VideoTracks() int { return fileVideoTracks(v.name) }

// Spanned returns, once Read has ended the video (Extent's ended), how many frames its timeline
// spans up to and including the last frame decoded, by that frame's time at the frame rate: more
// than Extent's decoded where the timestamps skip a frame's slot with nothing lost (an AVI's
// empty index entry, a frame dropped as it was recorded), so one that reaches the stated count
// was read to its end. Before the end it returns 0.
func (v *Video) Spanned() int { return v.extent.spanned(&v.frameNumbers) }

// Close implements Source.
func (v *Video) Close() error {
	v.close()
	return v.cap.Close()
}

// frameNumbers numbers the frames of a file (a Video, or a stream of stated length) as they are
// decoded: by their timestamps while these fall on the frame rate's grid (a constant frame rate),
// by count otherwise. A frame lost to a failed decode leaves a gap in the numbers, since an H.264
// decoder reports a lost frame a few frames before or after it (its delay), where counting
// failed reads would number the frames in between one off. A gap with no failed read before it,
// or one past the frames the container states, is not a loss (a variable frame rate, a jump in
// the timestamps): from there frames are numbered by count. A gap wider than the failed reads
// before it, within the stated frames, is a loss the decoder widened (it drops the frames up to
// the next key frame without a failed read each).
type frameNumbers struct {
	fps    float64
	stated int     // the frame count the container states (0: none)
	last   int     // the last decoded frame's number (-1 before the first)
	lastMS float64 // and its time
	timed  bool    // the last frame had a timestamp of its own past the start (not one filled in at the frame rate)
	// byTime: every timestamp so far has fallen on the grid, so frames are numbered by their time
	// (origin: the first frame's grid index minus its number); failed: failed reads not yet
	// accounted for by a gap in the numbers.
	byTime         bool
	origin, failed int
	// afterLoss: the frames after a loss (failed reads, or a gap in the numbers) within which a
	// frame timed back in the part lost is stale (see there); 0 when none is.
	afterLoss int
}

func newFrameNumbers(fps float64, stated int) frameNumbers {
	return frameNumbers{fps: fps, stated: stated, last: -1, byTime: gridFPS(fps)}
}

// gridFPS reports whether frames at fps are numbered by their time on its grid from the first
// frame on (frameNumbers' byTime at the start, which sets origin): a rate above 0 and not above 1e6.
func gridFPS(fps float64) bool { return fps > 0 && fps <= 1e6 }

// maxReorderDelay is the most frames a decoder holds back to put B-frames in order, as the
// tests see it (TestAVIWithBFramesIntact: x264's three B-frames, remuxed from MP4 into AVI, 4).
const maxReorderDelay = 4

// ends reports whether bad failed reads in a row after the last frame decoded end the file: at
// the frame count the container states, else after maxBadFrames (see there).
func (f *frameNumbers) ends(bad int) bool {
	if f.stated > 0 {
		return f.last+1+bad >= f.stated || bad >= maxBadFramesStated
	}
	return bad >= maxBadFrames
}

// frame returns the number, time and skipped frames before it (the gap since the last one) of a
// frame decoded at t ms (OpenCV's position) after bad failed reads in a row.
func (f *frameNumbers) frame(t float64, bad int) (index int, timeMS float64, skipped int) {
	f.failed += bad
	// A stream without timestamps (a still image read as a video) gives FFmpeg's "no timestamp",
	// about -3.7e20 ms: none, as 0 is.
	if !(t >= 0 && t <= math.MaxInt64) {
		t = 0
	}
	index = f.last + 1 + bad // by count: past the failed reads
	timed := f.timed
	f.timed = t > 0
	switch {
	case t == 0 && timed:
		// No timestamp after frames with one: flushed from the decoder at the end of the input,
		// next after the last frame; the reads that failed before it were the input's end (a
		// packet cut short), not frames before it.
		index = f.last + 1
	case f.byTime:
		index = f.timeIndex(t, index)
	}
	// Frames without a timestamp (OpenCV's 0 for frames flushed from the decoder at the end) go
	// on from the last one at the frame rate.
	if index > 0 && !(t > f.lastMS) && f.fps > 0 {
		t = f.lastMS + float64(index-max(f.last, 0))*1000/f.fps
	}
	skipped = index - f.last - 1
	f.last, f.lastMS = index, t
	if bad > 0 || skipped > 0 {
		f.afterLoss = maxReorderDelay + 1
	} else if f.afterLoss > 0 {
		f.afterLoss--
	}
	return index, t, skipped
}

// stale reports whether a frame decoded at t ms after bad failed reads is one the decoder gave
// back from the damaged part of a file rather than the next of its frames: while frames are
// numbered by time, timed at or before the last one numbered, within a reordering delay after a
// loss and with no failed read of its own before it. Read leaves it out (one a loss: afterLoss
// ends), which frame would have taken as a variable frame rate, numbering every frame after it
// by count, each one too high (a damaged MP4's decoder gave frame 4's time after frame 35, and
// the file's last frame, 39, was numbered 40).
func (f *frameNumbers) stale(t float64, bad int) bool {
	if !f.byTime || f.last < 0 || f.afterLoss == 0 || bad > 0 || !(t > 0 && t <= math.MaxInt64) {
		return false
	}
	if int(math.Round(t*f.fps/1000))-f.origin > f.last {
		return false
	}
	f.afterLoss = 0
	return true
}

// timeIndex returns the number of a frame decoded at t ms, byCount its number by count: by its
// time on the grid, or byCount where t says nothing (no timestamp) or shows a variable frame
// rate (off the grid, not after the last frame, or a gap wider than the failed reads), which also
// ends numbering by time.
func (f *frameNumbers) timeIndex(t float64, byCount int) int {
	grid := t * f.fps / 1000
	k := int(math.Round(grid))
	switch {
	case f.last < 0:
		// The first frame sets the origin. OpenCV times frames from the stream's start, so one
		// timed later than its count by more than a decoder's reordering delay (an AVI's
		// timestamps are in decode order: with B-frames its first frame comes a few frames
		// late) was preceded by frames lost without a failed read each (a decoder waits for a
		// key frame silently: a damaged start, a recording cut mid-GOP): numbered by its time
		// where the container states that many frames.
		index := byCount
		if k > byCount+maxReorderDelay && k < f.stated {
			index = k
		}
		f.origin, f.failed = k-index, 0
		return index
	case t == 0:
		return byCount
	case math.Abs(grid-float64(k)) > max(0.01, 0.0005*f.fps) || k-f.origin <= f.last:
		// (off the grid by more than a hundredth of a frame, or than half a millisecond, the
		// rounding of Matroska's millisecond timestamps: 0.015 frames at 30 frames/s)
		f.byTime = false
		return byCount
	}
	index := k - f.origin
	if gap := index - f.last - 1; gap > 0 {
		if gap > f.failed && (f.failed == 0 || index >= f.stated) {
			// More frames missing than reads failed, none failed, or past the frames the
			// container states: not a loss (a variable frame rate, a jump in the timestamps). After
			// failed reads within them, a loss the decoder widened: it drops the frames up to the
			// next key frame without a failed read each.
			f.byTime = false
			return byCount
		}
		f.failed = max(0, f.failed-gap)
	}
	return index
}

// Live is a camera or a network stream: frames arrive at their own pace and are numbered in
// arrival order, timed from when the source was opened.
type Live struct {
	name     string
	cap      *gocv.VideoCapture
	start    time.Time
	next     int
	rotation // a stream's tag (an http:// link to a phone's video); none for a camera
	// a stream of stated length's, numbered as a file's (its stated count: 0 for a live source)
	frameNumbers
	extent
	exactCount  bool // ExactCount's answer
	needsRange  bool // NeedsRange's answer
	finite      bool // Finite's answer
	videoTracks int  // VideoTracks' answer
}

// liveRetries is how many failed reads in a row a live source may have (a damaged packet) before
// it is taken as lost.
const liveRetries = 3

// OpenCamera opens camera device n (/dev/videoN on Linux).
func OpenCamera(n int) (*Live, error) {
	if err := CheckCamera(n); err != nil {
		return nil, fmt.Errorf("camera:%d: %w", n, err)
	}
	c, err := gocv.VideoCaptureDevice(n)
	if err != nil || !c.IsOpened() {
		c.Close()
		return nil, fmt.Errorf("camera:%d: cannot open (no such device, or it is busy)", n) // (named as detect takes it, and as its Live source)
	}
	return &Live{name: fmt.Sprintf("camera:%d", n), cap: c, start: time.Now()}, nil
}

// OpenCameraDevice opens the camera whose device file is path (Video4Linux: /dev/video0, or a
// link that names one camera whatever order the cameras were plugged in, such as
// /dev/v4l/by-id/usb-...-video-index0); its frames and errors are named by path.
func OpenCameraDevice(path string) (*Live, error) {
	c, err := gocv.VideoCaptureFileWithAPI(path, gocv.VideoCaptureV4L2)
	if err != nil || !c.IsOpened() {
		c.Close()
		return nil, fmt.Errorf("%s: cannot open (not a camera, or it is busy)", quote.Name(path))
	}
	return &Live{name: path, cap: c, start: time.Now()}, nil
}

// OpenStream opens a network stream (rtsp://, http(s)://, udp://, ...) with OpenCV's FFmpeg
// backend. Its errors and Positions name it by its URL without the password; one that does not
// open says why where the server says so (404 Not Found, 401 Unauthorized, connection refused,
// ...). For an http(s) link to a file of stated length, the file's head is asked for again: a
// Matroska file, whose count OpenCV states from time 0, states its frames from its first one, as
// OpenVideo's do, and an MP4 or MOV whose
// index lists every frame, as many as OpenCV states, is told apart from a file whose count is an
// estimate (ExactCount; an index after the frames, past the head, is asked for with a second
// request). An http(s) URL of no stated count whose server states its length (a raw
// H.264 or MJPEG file, a JPEG at a URL without an image's extension) is a file too (Finite). A
// file of stated length at a clock's rate (MaxVideoFPS or more) whose only picture is one still,
// an audio file's cover art, is refused as ProbeVideo refuses it (its first frames read, it is
// opened again).
func OpenStream(url string) (*Live, error) { return openStream(url, true) }

// ReopenStream is OpenStream for a URL that OpenStream opened as a live stream (not Finite):
// Reconnect's open. Its server is not asked again whether it serves a file: not a request more,
// of up to 5 s, on every reconnection, nor a lost stream that a different
// answer then would read as a file and end at its first loss, never reconnected again.
func ReopenStream(url string) (*Live, error) { return openStream(url, false) }

// openStream is OpenStream, asking an http(s) URL of no stated count whether it is a file
// (httpFinite) where askFinite.
func openStream(url string, askFinite bool) (*Live, error) {
	name := RedactURL(url)
	c, err := gocv.VideoCaptureFileWithAPI(url, gocv.VideoCaptureFFmpeg)
	if err != nil || !c.IsOpened() {
		c.Close()
		if why := whyUnopened(context.Background(), url); why != "" {
			return nil, fmt.Errorf("%s: cannot open the stream: %s%s", quote.Name(name), why, portPasswordHint(url))
		}
		return nil, fmt.Errorf("%s: cannot open the stream (unreachable, or no video OpenCV's FFmpeg can decode)%s", quote.Name(name), portPasswordHint(url))
	}
	fps, frames := c.Get(gocv.VideoCaptureFPS), max(0, int(c.Get(gocv.VideoCaptureFrameCount)))
	exact, needsRange, videoTracks := false, false, 0
	if IsHTTP(url) && frames > 0 { // a file over the network: what its head says of its count
		h := httpVideoHead(context.Background(), url)
		// (an MKV's count from its first frame, as a file's)
		frames = framesAfterStart(func() (float64, float64, error) { return h.Start, h.Duration, h.Err }, fps, frames)
		exact = h.Frames == frames // (not where FFmpeg read the file otherwise: as one image, by its URL)
		needsRange = h.IndexLast && !h.ranged
		videoTracks = h.VideoTracks
	}
	if IsHTTP(url) && frames > 0 && fps >= MaxVideoFPS {
		// An audio file's cover art, as OpenVideo's ProbeVideo refuses it: read to its second
		// frame here, so the file is opened again (a file of stated length: one more request).
		// Also where NeedsRange, though FFmpeg reads no frame of such a file: an M4A's cover
		// comes with its index, and was read as one frame, then 65,536 failed reads.
		still := onlyAStill(c)
		c.Close()
		if still {
			return nil, noVideoButAStill(name, fps)
		}
		if c, err = gocv.VideoCaptureFileWithAPI(url, gocv.VideoCaptureFFmpeg); err != nil || !c.IsOpened() {
			c.Close()
			return nil, fmt.Errorf("%s: cannot open the stream again after reading its first frames (unreachable now?)", quote.Name(name))
		}
	}
	finite := frames > 0 || askFinite && IsHTTP(url) && httpFinite(context.Background(), url)
	return &Live{name: name, cap: c, start: time.Now(), rotation: newRotation(c), frameNumbers: newFrameNumbers(fps, frames), exactCount: exact, needsRange: needsRange, finite: finite, videoTracks: videoTracks}, nil
}

// FPS returns the frame rate the source states (0 or nonsense when it does not know).
func (l *Live) FPS() float64 { return l.cap.Get(gocv.VideoCaptureFPS) }

// Frames returns the number of frames the source states, 0 when it does not know (a camera, a
// live stream): a stream with a stated length, such as an http:// link to a video file, is a
// file read over the network: Read times its frames by their position in it and ends it with
// io.EOF when no more frames come (Extent then says whether that was before the stated count).
func (l *Live) Frames() int { return l.stated }

// ExactCount reports whether Frames is the exact count of the frames in the file, as its index
// lists them: an http(s) link to an MP4 or MOV (an ISO base media file, as the head of the file
// shows it, whatever its URL) that is not fragmented, whose video track's edit list plays every
// frame, and whose index lists as many frames as Frames states (FFmpeg reads such a file by
// another demuxer where its URL ends in .jpg: one image). Then a Read that ends short of that count
// (io.EOF, Extent) lost the connection or read a file cut short; other counts are estimates
// (duration x rate: an MKV's includes its audio, MPEG-TS, a fragmented MP4), and a stream other
// than http(s) is not asked (false).
func (l *Live) ExactCount() bool { return l.exactCount }

// Finite reports whether the source is a file read over the network, not a live stream: one of
// stated length (Frames), or an http(s) link whose server states the file's length where FFmpeg
// states no frame count (a raw H.264 or MJPEG file, a JPEG at a URL without an image's extension,
// read as its one frame). Read numbers its frames as a file's and ends it with io.EOF; it is
// never reopened.
func (l *Live) Finite() bool { return l.finite }

// NeedsRange reports whether the file at this http(s) link is an MP4 or MOV whose index (moov)
// follows its frames (ffmpeg's default, without -movflags +faststart) on a server that ignores
// Range requests (it answered the head's with 200, not 206, as python3 -m http.server does):
// FFmpeg reads past the frames to the index, then cannot go back to them, and a Read that ends
// before the first frame ended for that, not for a lost connection (a file within FFmpeg's
// buffer, a few KB, is read whole).
func (l *Live) NeedsRange() bool { return l.needsRange }

// VideoTracks is Video's VideoTracks for an MP4 or MOV at an http(s) link, as its index (read
// with its head) lists them; 0 for another source.
func (l *Live) VideoTracks() int { return l.videoTracks }

// ErrLost is returned by a live source that stopped delivering frames.
var ErrLost = errors.New("stream lost: no more frames")

// Read implements Source. A stream of stated length, a file read over the network, numbers its
// frames and ends as a Video does: a frame that fails to decode takes its number too.
func (l *Live) Read(_ context.Context, m *gocv.Mat) (Position, error) {
	for bad := 0; ; {
		if l.read(l.cap, m) {
			p := Position{Name: l.name, Index: l.next, TimeMS: float64(time.Since(l.start)) / float64(time.Millisecond), Corrupt: bad}
			if l.finite { // a file's numbers, and its position in it
				t := l.cap.Get(gocv.VideoCapturePosMsec)
				if l.stale(t, bad) {
					continue
				}
				p.Index, p.TimeMS, p.Corrupt = l.frame(t, bad)
			}
			l.next = p.Index + 1
			return p, nil
		}
		bad++
		if l.finite && l.ends(bad) {
			l.ended.Store(true)
			return Position{}, io.EOF // a file's end
		}
		if !l.finite && bad >= liveRetries {
			return Position{}, fmt.Errorf("%s: %w", quote.Name(l.name), ErrLost)
		}
	}
}

// Extent is Video's Extent for a stream of stated length (a live one states 0 frames).
func (l *Live) Extent() (decoded, stated int, ended bool) {
	return l.extent.of(&l.frameNumbers)
}

// Spanned is Video's Spanned for a stream of stated length.
func (l *Live) Spanned() int { return l.extent.spanned(&l.frameNumbers) }

// Close implements Source.
func (l *Live) Close() error {
	l.close()
	return l.cap.Close()
}

// Reconnecting is a live source that is reopened, with exponential backoff, when it fails: the
// frame numbers and times carry on across reconnections.
type Reconnecting struct {
	name   string
	open   func() (Source, error)
	within time.Duration
	log    io.Writer
	src    Source
	start  time.Time
	offset int // added to the current connection's frame numbers
	next   int // number of the next frame
}

// Backoff between attempts to reopen a lost source: first wait, doubling up to the cap.
const (
	backoffFirst = 250 * time.Millisecond
	backoffMax   = 4 * time.Second
)

// Reconnect returns src as a Source that, when src fails, calls open until it succeeds or within
// has passed since the failure (then Read returns the failure; within <= 0: at once, no
// reconnection). The end of the source (io.EOF: a file, a stream of stated length) ends it: only
// a failure is reconnected. Messages about the loss and the reconnection go to log (nil:
// dropped). The first source must already be open.
func Reconnect(name string, src Source, open func() (Source, error), within time.Duration, log io.Writer) *Reconnecting {
	if log == nil {
		log = io.Discard
	}
	return &Reconnecting{name: name, open: open, within: within, log: log, src: src, start: time.Now()}
}

// Read implements Source.
func (r *Reconnecting) Read(ctx context.Context, m *gocv.Mat) (Position, error) {
	reconnects := 0
	var lost time.Time // the first failure since the last frame: a reopened source that
	// delivers nothing does not start the time allowed again
	for {
		p, err := r.src.Read(ctx, m)
		// (new only on an error: a *FrameError variable declared here would be moved to the
		// heap, an allocation every frame)
		if err == nil || errors.As(err, new(*FrameError)) {
			p.Index += r.offset
			p.TimeMS = float64(time.Since(r.start)) / float64(time.Millisecond)
			p.Reconnects = reconnects
			r.next = p.Index + 1
			return p, err
		}
		if cerr := ctx.Err(); cerr != nil {
			return Position{}, cerr // cut short, not lost: no reconnection, nothing logged
		}
		if errors.Is(err, io.EOF) || r.within <= 0 {
			return Position{}, err // ended, not lost; or no reconnection asked for
		}
		r.src.Close()
		r.src = closedSource{err}
		if lost.IsZero() {
			lost = time.Now()
		} else if gerr := r.gaveUp(lost, err); gerr != nil {
			return Position{}, gerr
		}
		fmt.Fprintf(r.log, "%s: %s; reconnecting (for up to %s)\n", quote.Name(r.name), withoutName(r.name, err), r.within)
		src, rerr := r.reopen(ctx, lost, err)
		if rerr != nil {
			return Position{}, rerr
		}
		fmt.Fprintf(r.log, "%s: reconnected after %.1f s\n", quote.Name(r.name), time.Since(lost).Seconds())
		r.src, r.offset = src, r.next
		reconnects++
	}
}

// reopen calls open, with backoff, until it succeeds or the time allowed since lost has passed
// (the error then wraps the last failure: err, the loss, until an attempt fails). An attempt
// still blocked then (OpenCV's FFmpeg waits 30 s for a stream that sends nothing) is not waited
// for: it finishes on its own, and the source it opens is closed (openContext).
func (r *Reconnecting) reopen(ctx context.Context, lost time.Time, err error) (Source, error) {
	window, cancel := context.WithDeadline(ctx, lost.Add(r.within))
	defer cancel()
	wait := min(backoffFirst, r.within/2) // (one attempt at least, within a short time allowed)
	for {
		t := time.NewTimer(wait)
		select {
		case <-window.Done():
			t.Stop()
			if cerr := ctx.Err(); cerr != nil {
				return nil, cerr
			}
			return nil, r.giveUp(err)
		case <-t.C:
		}
		src, oerr := openContext(window, r.open)
		if oerr == nil {
			return src, nil
		}
		if cerr := ctx.Err(); cerr != nil {
			return nil, cerr
		}
		if window.Err() != nil { // the time allowed passed during this attempt
			return nil, r.giveUp(err)
		}
		err = oerr
		if gerr := r.gaveUp(lost, err); gerr != nil {
			return nil, gerr
		}
		wait = min(2*wait, backoffMax, max(backoffFirst, r.within-time.Since(lost)))
	}
}

// gaveUp returns, once the time allowed since lost has passed, the error that ends the source,
// wrapping err, the last failure; nil before that.
func (r *Reconnecting) gaveUp(lost time.Time, err error) error {
	if time.Since(lost) < r.within {
		return nil
	}
	return r.giveUp(err)
}

// giveUp returns the error that ends the source, wrapping err, the last failure.
func (r *Reconnecting) giveUp(err error) error {
	err = nameless{withoutName(r.name, err), err} // the name once, in the error wrapping it
	if r.src == nil {                             // OpenWithin's: never open
		return fmt.Errorf("%s: not open within %s: %w", quote.Name(r.name), r.within, err)
	}
	return fmt.Errorf("%s: lost, and not back within %s: %w", quote.Name(r.name), r.within, err)
}

// withoutName returns err's message without the source's name it may begin with (as messages
// show it, quote.Name), for a line that names the source itself.
func withoutName(name string, err error) string {
	return strings.TrimPrefix(err.Error(), quote.Name(name)+": ")
}

// nameless is an error whose message leaves out the source's name, which the error wrapping it
// gives; it unwraps to the error it shortens.
type nameless struct {
	msg string
	err error
}

func (e nameless) Error() string { return e.msg }
func (e nameless) Unwrap() error { return e.err }

// OpenWithin opens a source with open and, when that fails and within > 0, tries again with
// Reconnect's backoff until within has passed (a camera still starting, a server restarting);
// messages go to log (nil: dropped). It returns ctx's error as soon as ctx is done, even while
// open blocks (a stream's open can take OpenCV's FFmpeg 30 s): such an open's source is closed
// when it returns. A nil ctx or open is an error.
func OpenWithin(ctx context.Context, name string, open func() (Source, error), within time.Duration, log io.Writer) (Source, error) {
	switch {
	case ctx == nil: // (ctx.Done below would panic)
		return nil, fmt.Errorf("%s: pipeline: OpenWithin with a nil Context", quote.Name(name))
	case open == nil: // (called on a goroutine of its own: its panic would end the program)
		return nil, fmt.Errorf("%s: pipeline: OpenWithin with a nil open function", quote.Name(name))
	case log == nil:
		log = io.Discard
	}
	src, err := openContext(ctx, open)
	if err == nil || within <= 0 || ctx.Err() != nil {
		return src, err // (nil when err is not)
	}
	fmt.Fprintf(log, "%s: %s; trying again for up to %s\n", quote.Name(name), withoutName(name, err), within)
	r := &Reconnecting{name: name, open: open, within: within}
	return r.reopen(ctx, time.Now(), err)
}

// openContext calls open, returning early with ctx's error once ctx is done; an open still
// under way then closes what it opens, when it returns. A source it returns (err nil) is the
// caller's to close, whatever ctx has become since.
func openContext(ctx context.Context, open func() (Source, error)) (Source, error) {
	type opened struct {
		src Source
		err error
	}
	done := make(chan opened, 1)
	go func() {
		src, err := open()
		done <- opened{src, err}
	}()
	select {
	case o := <-done:
		if o.err == nil && ctx.Err() != nil { // cut short while opening: not read
			o.src.Close()
			return nil, ctx.Err()
		}
		return o.src, o.err
	case <-ctx.Done():
		closeOpened := func(o opened) {
			if o.err == nil {
				o.src.Close()
			}
		}
		select {
		case o := <-done: // it has returned too: closed before OpenWithin returns
			closeOpened(o)
		default:
			abandonedOpens.Add(1)
			go func() {
				closeOpened(<-done)
				abandonedOpens.Add(-1)
			}()
		}
		return nil, ctx.Err()
	}
}

// abandonedOpens counts the opens openContext stopped waiting for that are still under way.
// OpenCV's FFmpeg backend opens one file or stream at a time (a lock held through the open), so
// until they return (up to 30 s for a stream that sends nothing), any other open waits for them:
// VideoWriter.Close's read-back is left out meanwhile.
var abandonedOpens atomic.Int32

// Close implements Source.
func (r *Reconnecting) Close() error { return r.src.Close() }

// closedSource stands in for a connection that was lost and not yet replaced.
type closedSource struct{ err error }

func (c closedSource) Read(context.Context, *gocv.Mat) (Position, error) { return Position{}, c.err }
func (c closedSource) Close() error                                      { return nil }

// Images reads image files in order, decoded as cvimage.ReadFit does (JPEGs by libjpeg-turbo, as PIL
// does; one too large to decode whole at 1/2, 1/4 or 1/8 of its size: Position.Scale). A path
// that is an http:// or https:// URL (IsHTTP) is fetched (FetchImage) and decoded the same way,
// named with its secrets hidden (RedactURL) in its Position and errors.
type Images struct {
	paths []string
	next  int
}

// NewImages returns a Source over image files (paths, or http:// and https:// URLs).
func NewImages(paths []string) *Images { return &Images{paths: paths} }

// Read implements Source: an image that cannot be decoded gives a *FrameError naming it.
func (s *Images) Read(ctx context.Context, m *gocv.Mat) (Position, error) {
	if s.next >= len(s.paths) {
		return Position{}, io.EOF
	}
	path := s.paths[s.next]
	p := Position{Name: path, Still: true, Index: s.next}
	s.next++
	var img gocv.Mat
	var scale int
	var full image.Point
	var err error
	if IsHTTP(path) {
		p.Name = RedactURL(path)
		var data []byte
		if data, err = FetchImage(ctx, path); err == nil {
			img, scale, full, err = cvimage.DecodeFit(bytes.NewReader(data), p.Name, cvimage.WarnTo(func(l string) { p.Warning = l }))
		}
	} else {
		img, scale, full, err = cvimage.ReadFit(path, cvimage.WarnTo(func(l string) { p.Warning = l }))
	}
	if err != nil {
		return p, &FrameError{Err: err}
	}
	defer img.Close()
	img.CopyTo(m)
	if scale > 1 {
		p.Scale, p.Full = scale, full
	}
	return p, nil
}

// Close implements Source.
func (s *Images) Close() error { return nil }
