//go:build cgo && !noopencv

package pipeline

import (
	"errors"
	"fmt"
	"image"
	"io"
	"math"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"gocv.io/x/gocv"

	"github.com/shuffledet/shuffledet/internal/interrupt"
	"github.com/shuffledet/shuffledet/internal/outpath"
	"github.com/shuffledet/shuffledet/internal/plural"
	"github.com/shuffledet/shuffledet/internal/quote"
)

// VideoCodec returns the FourCC codes VideoWriter tries for an output file, by extension: H.264
// for .mp4, .m4v, .mov and .mkv (MPEG-4 part 2 as a fallback, but for .mkv), Motion JPEG for .avi.
// An MP4 or MOV at a named pipe or a device (through links too) is an error: its writer goes
// back to the file's start at its end, which a pipe cannot, and OpenCV's, failing, removed the
// pipe (or the link to it) and wrote a file of that name, which the pipe's reader never saw.
func VideoCodec(path string) ([]string, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".mp4", ".m4v", ".mov":
		if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() && !st.IsDir() { // (links followed)
			return nil, fmt.Errorf("%s: not a regular file (a pipe, a device), which an MP4 or MOV cannot be written into (its index is written last, at its start): give a pipe a name that ends in .mkv or .avi", quote.Name(path))
		}
		return []string{"avc1", "mp4v"}, nil
	case ".mkv":
		return []string{"avc1"}, nil
	case ".avi":
		return []string{"MJPG"}, nil
	}
	if filepath.Ext(path) == "" {
		return nil, fmt.Errorf("%s: no extension to choose a video type by (use .mp4, .m4v, .mov, .mkv or .avi; a folder that is not there yet ends in /: %s)", quote.Name(path), quote.Name(path+"/"))
	}
	return nil, fmt.Errorf("%s: unsupported video output type %q (use .mp4, .m4v, .mov, .mkv or .avi)", quote.Name(path), filepath.Ext(path))
}

// VideoWriter is a Sink that encodes each frame it is given once into a video file, opened at the
// first frame with that frame's size, made even (the encoders take even sizes only: a first
// frame of 853x480 opens a 852x480 video, and frames of its size are written without their last
// column); a later frame of another size is scaled to it. Close finishes the file; until then it
// is not playable, and it is written under a hidden name in the same folder
// (.NAME.partial-PID-N.EXT), renamed to its path by Close (a new video gets the mode
// outpath.WriteReplacing gives a new file, outpath.NewFileMode less the umask; one that replaces
// a video keeps that video's), so that a run killed part way (a second Ctrl-C) leaves an earlier video of that
// name as it was (the hidden file removed by internal/interrupt's second signal; kept by a
// SIGKILL). A symbolic link at path is followed, as outpath.WriteReplacing follows it (the file
// it names is replaced, the link kept); a named pipe or a device is written directly. Frames a
// live source dropped are not filled in (that would cost an encoding per dropped frame, in the
// path of every result): such a video plays faster than it happened, and the JSON lines'
// time_ms say when each frame was captured.
type VideoWriter struct {
	// FollowTimes keeps a file's timing in a video of variable frame rate (a phone's): a frame
	// whose presentation time (Position.TimeMS) comes more than half a frame after its place at
	// the writer's rate is preceded by copies of the one before, so that the video keeps the
	// source's length and each frame its time (within a frame, or later where frames come faster
	// than the rate: none is dropped); a gap of more than 10 s (a damaged file's jump) is not
	// filled. For a file's frames only: a live source's times are its frames' arrival.
	FollowTimes bool

	path   string
	temp   string // where the video is written until Close renames it to dest ("": path itself)
	dest   string // path, or the file a symbolic link at path names (outpath.FollowLinks)
	done   func() // releases temp from interrupt.TempFile (nil: no temp)
	codecs []string
	fps    float64
	w      *gocv.VideoWriter
	first  image.Point // the first frame's size
	size   image.Point // the video's: first, made even
	scaled gocv.Mat
	frames int
	t0     float64  // FollowTimes: the time of the video's start (frame 0's place)
	timed  bool     // FollowTimes: t0 is set
	last   gocv.Mat // FollowTimes: the last frame written, to repeat
	// unchecked: Close finished the video without reading it back
	unchecked bool
}

// maxFilledGap is the longest gap in a file's frame times that FollowTimes fills with copies.
const maxFilledGap = 10 * time.Second

// MinVideoFPS bounds a VideoWriter's rate from below: OpenCV's FFmpeg writer opens no video at
// 0.001 frames per second or less (measured with OpenCV 4.6: 0.00101 opens).
const MinVideoFPS = 0.001

// CheckVideoFPS reports a frame rate the video encoder cannot take: above 0 and at most
// MinVideoFPS (one not above 0 is unknown: NewVideoWriter makes it 25).
func CheckVideoFPS(fps float64) error {
	if fps > 0 && fps <= MinVideoFPS {
		return fmt.Errorf("%g frames/s: the video encoder takes more than %g", fps, MinVideoFPS)
	}
	return nil
}

// MaxVideoFPS bounds the frame rates NewVideoWriter writes a video at (a phone's slow-motion clip
// is recorded at up to 960); a rate of MaxVideoFPS or more is a stream's clock (1000 for a
// millisecond one, 90000) read as a frame rate.
const MaxVideoFPS = 1000

// NewVideoWriter returns a VideoWriter for path at fps frames per second: a rate CheckVideoFPS
// refuses is an error; one not above 0 (unknown), or of MaxVideoFPS or more, becomes 25. path's folder must
// exist. A run with Options.Stride n keeps every nth frame: give it the source's rate over n, so
// that the video plays at the speed it was recorded (detect does).
func NewVideoWriter(path string, fps float64) (*VideoWriter, error) {
	codecs, err := VideoCodec(path)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(path)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("%s: no folder %s to write the video in", quote.Name(path), quote.Name(dir))
	}
	if err := CheckVideoFPS(fps); err != nil {
		return nil, fmt.Errorf("%s: %w", quote.Name(path), err)
	}
	if !(fps > 0 && fps < MaxVideoFPS) {
		fps = 25
	}
	v := &VideoWriter{path: path, codecs: codecs, fps: fps}
	v.dest = outpath.FollowLinks(path)
	st, err := os.Stat(v.dest)
	if err != nil && !errors.Is(err, os.ErrNotExist) { // (a loop of links: renaming onto it would replace a link)
		return nil, fmt.Errorf("%s: %w", quote.Name(path), errors.Unwrap(err)) // (os.Stat's *PathError names the link's end)
	}
	if err != nil || st.Mode().IsRegular() {
		v.temp = outpath.Partial(v.dest) // (made by open, with outpath.NewFileMode, before OpenCV writes it)
		v.done = interrupt.TempFile(v.temp)
	}
	return v, nil
}

// file returns where the video is being written.
func (v *VideoWriter) file() string {
	if v.temp != "" {
		return v.temp
	}
	return v.path
}

// WriteFrame implements Sink.
func (v *VideoWriter) WriteFrame(f *Frame) error {
	if v.w == nil {
		if err := v.open(f.Mat.Cols(), f.Mat.Rows()); err != nil {
			return err
		}
	}
	if v.FollowTimes && !f.Still {
		if err := v.fill(f.TimeMS); err != nil {
			return err
		}
	}
	m, in := f.Mat, image.Pt(f.Mat.Cols(), f.Mat.Rows())
	switch {
	case in == v.size:
	case in == v.first: // odd: the last column or row left out
		m = f.Mat.Region(image.Rectangle{Max: v.size})
		defer m.Close()
	default:
		if v.scaled.Ptr() == nil {
			v.scaled = gocv.NewMat()
		}
		gocv.Resize(f.Mat, &v.scaled, v.size, 0, 0, gocv.InterpolationArea)
		m = v.scaled
	}
	if err := v.w.Write(m); err != nil {
		return fmt.Errorf("%s: %w", quote.Name(v.path), err)
	}
	if v.FollowTimes {
		if v.last.Ptr() == nil {
			v.last = gocv.NewMat()
		}
		m.CopyTo(&v.last)
	}
	v.frames++
	return nil
}

// fill writes copies of the last frame until the next one, at time ms, is within half a frame
// of its place.
func (v *VideoWriter) fill(ms float64) error {
	place := int(math.Round((ms - v.t0) * v.fps / 1000))
	if !v.timed || float64(place-v.frames)/v.fps > maxFilledGap.Seconds() {
		// The first timed frame, or one after a jump not filled: its place is the next one, and
		// the frames after it are timed from it.
		v.timed, v.t0 = true, ms-float64(v.frames)*1000/v.fps
		return nil
	}
	for ; v.frames < place; v.frames++ {
		if err := v.w.Write(v.last); err != nil {
			return fmt.Errorf("%s: %w", quote.Name(v.path), err)
		}
	}
	return nil
}

// CheckVideoSize returns an error for frames of w x h pixels, which a VideoWriter cannot write:
// the encoders take 2x2 at least.
func CheckVideoSize(w, h int) error {
	if w < 2 || h < 2 {
		return fmt.Errorf("a %dx%d frame is too small for a video (2x2 at least)", w, h)
	}
	return nil
}

func (v *VideoWriter) open(w, h int) error {
	if err := CheckVideoSize(w, h); err != nil {
		return fmt.Errorf("%s: %w", quote.Name(v.path), err)
	}
	if v.temp != "" { // made here, so that a new video's mode is WriteReplacing's, not the backend's choice
		f, err := os.OpenFile(v.temp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, outpath.NewFileMode)
		if err != nil {
			return fmt.Errorf("%s: cannot write in its folder %s: %w", quote.Name(v.path), quote.Name(filepath.Dir(v.dest)), errors.Unwrap(err))
		}
		f.Close()
	}
	for _, c := range v.codecs {
		vw, err := gocv.VideoWriterFile(ffmpegPath(v.file()), c, v.fps, w&^1, h&^1, true)
		if err == nil && vw.IsOpened() {
			v.w, v.first, v.size = vw, image.Pt(w, h), image.Pt(w&^1, h&^1)
			return nil
		}
		if vw != nil {
			vw.Close()
		}
	}
	if v.temp != "" {
		os.Remove(v.temp)
	}
	return fmt.Errorf("%s: OpenCV cannot write this video (codecs %s)", quote.Name(v.path), strings.Join(v.codecs, ", "))
}

// Unchecked reports whether Close finished the video without reading it back (a stream's open
// under way: see Close), so that a full disk would have gone unnoticed; not for a video written
// into a named pipe or a device, which Close never reads back.
func (v *VideoWriter) Unchecked() bool { return v.unchecked }

// Frames returns the number of frames written so far, copies written by FollowTimes included.
func (v *VideoWriter) Frames() int { return v.frames }

// Close finishes the video file, reads it back and renames it to its path: OpenCV's writer
// reports no errors (a full disk, or a path that does not keep what is written, goes unnoticed),
// so a file that does not open as a video, or states fewer frames than were written, is an error
// naming it (and the hidden file kept, an earlier video at its path left as it was). The file is
// not read back while a stream's open that this package gave up waiting for is still under way
// (a reconnection to a silent source, interrupted or out of -reconnect's time, anywhere in the
// process): OpenCV's FFmpeg backend would make the read-back wait for that open,
// up to 30 s, where an interrupted run must end at once; a full disk then goes unnoticed, and
// Unchecked says so. A video written into a named pipe or a device (no temp) is not read back
// either: it is what the pipe's reader took, and opening the pipe again would wait for ever for
// a writer.
func (v *VideoWriter) Close() error {
	var err error
	if v.w != nil {
		err = v.w.Close()
		v.w = nil
		switch {
		case err != nil || v.temp == "":
		case abandonedOpens.Load() == 0:
			err = v.check()
		default:
			v.unchecked = true
		}
		if err == nil && v.temp != "" {
			var rerr error
			if st, serr := os.Stat(v.dest); serr == nil { // (a replaced video keeps its mode, as WriteReplacing's files)
				rerr = os.Chmod(v.temp, st.Mode().Perm())
			}
			if rerr == nil {
				rerr = os.Rename(v.temp, v.dest)
			}
			if rerr != nil {
				err = fmt.Errorf("%s: %w", quote.Name(v.path), quote.Err(rerr))
			}
		}
	}
	if v.scaled.Ptr() != nil {
		v.scaled.Close()
	}
	if v.last.Ptr() != nil {
		v.last.Close()
	}
	if v.done != nil { // renamed, or kept and named in err
		v.done()
		v.done = nil
	}
	return err
}

// check probes the finished file (ProbeVideo: it opens and its first frame decodes) and compares
// the frame size, and the frame count its container states, with what was written.
func (v *VideoWriter) check() error {
	kept := ""
	if v.temp != "" {
		kept = " (what was written is in " + quote.Name(v.temp) + ")"
	}
	info, err := ProbeVideo(v.file())
	if err != nil || info.Width != v.size.X || info.Height != v.size.Y {
		return fmt.Errorf("%s: the video written (%s) does not read back: the disk may be full, or the path does not keep what is written%s", quote.Name(v.path), plural.Count(v.frames, "frame", "frames"), kept)
	}
	if info.Frames > 0 && info.Frames < v.frames {
		return fmt.Errorf("%s: the video holds %d of the %d frames written: the disk may be full%s", quote.Name(v.path), info.Frames, v.frames, kept)
	}
	return nil
}

// ffmpegPath returns path as FFmpeg must be given a file name: absolute, so that a name with a
// colon before its first slash (rec-12:30.mp4) is not taken for a URL of protocol "rec-12".
func ffmpegPath(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return path
}

// ImageWriter is a Sink that writes each still image to the path Paths holds for its source
// file, in the format the path's extension names: whole or not at all (outpath.WriteReplacing).
type ImageWriter struct {
	Paths map[string]string
}

// WriteFrame implements Sink.
func (w ImageWriter) WriteFrame(f *Frame) error {
	path, ok := w.Paths[f.Name]
	if !ok {
		return fmt.Errorf("pipeline: no output path for %s", quote.Name(f.Name))
	}
	// Encoded by OpenCV, written by Go, so that a write's failure (a full disk) says what it is.
	ext := strings.ToLower(filepath.Ext(path))
	data, err := encode(ext, f.Mat)
	if err != nil {
		return fmt.Errorf("%s: OpenCV cannot encode this image as %s: %v", quote.Name(path), ext, err)
	}
	return outpath.WriteReplacing(path, func(w io.Writer) error { _, err := w.Write(data); return err })
}

// WriteFrame implements Sink: one JSON line per frame, a reduced still image's (Position.Scale)
// in its file's pixels.
func (j *JSONLines) WriteFrame(f *Frame) error {
	frame := f.Index
	if f.Still {
		frame = -1
	}
	if f.Scale > 1 { // a still image decoded reduced: in the file's pixels
		return j.detections(f.Name, frame, f.TimeMS, f.Full.X, f.Full.Y, f.Detections, float32(f.Scale))
	}
	return j.Detections(f.Name, frame, f.TimeMS, f.Mat.Cols(), f.Mat.Rows(), f.Detections)
}

// Window is a Sink that shows frames in a window; the user closes it with q or Esc (or the
// window's close button), which stops the run (ErrStop). OpenCV's windows belong to one thread:
// create the Window and call Run from a goroutine locked to its thread (runtime.LockOSThread).
type Window struct {
	w      *gocv.Window
	closed bool
}

// ErrNoDisplay is returned by NewWindow when there is no display to open a window on.
var ErrNoDisplay = errors.New("no display")

// CheckDisplay returns an error wrapping ErrNoDisplay when there is no display a Window could
// open on: OpenCV's window backend (Qt in Debian's build) aborts the process when it cannot reach
// one. An X display's server (DISPLAY: ":N" or "host:N", Qt's choice where it is set) must accept
// a connection on its socket (a stale DISPLAY, an old ssh -X session's, does not); without one, a
// Wayland display's (WAYLAND_DISPLAY) must.
func CheckDisplay() error {
	var name, network, addr string
	xSocket := false // an X server's unix socket, which also listens as an abstract one
	if x := os.Getenv("DISPLAY"); x != "" {
		name = "DISPLAY " + x
		host, rest, ok := strings.Cut(x, ":")
		n, _, _ := strings.Cut(rest, ".") // the screen after the dot
		num, err := strconv.Atoi(n)
		switch {
		case !ok || err != nil || num < 0 || num > 59535:
			return fmt.Errorf("%w: %s is not an X display (:N or host:N)", ErrNoDisplay, name)
		case host == "" || host == "unix":
			network, addr, xSocket = "unix", fmt.Sprintf("/tmp/.X11-unix/X%d", num), true
		default:
			network, addr = "tcp", net.JoinHostPort(host, strconv.Itoa(6000+num))
		}
	} else if w := os.Getenv("WAYLAND_DISPLAY"); w != "" {
		name, network, addr = "WAYLAND_DISPLAY "+w, "unix", w
		if !filepath.IsAbs(addr) {
			addr = filepath.Join(os.Getenv("XDG_RUNTIME_DIR"), w)
		}
	} else {
		return fmt.Errorf("%w: neither DISPLAY nor WAYLAND_DISPLAY is set", ErrNoDisplay)
	}
	c, err := net.DialTimeout(network, addr, 3*time.Second)
	if err != nil && xSocket && runtime.GOOS == "linux" {
		if c2, err2 := net.DialTimeout(network, "@"+addr, 3*time.Second); err2 == nil {
			c, err = c2, nil
		}
	}
	if err != nil {
		return fmt.Errorf("%w: %s cannot be reached (%v): a session that has ended (an old ssh -X one)?", ErrNoDisplay, name, err)
	}
	return c.Close()
}

// NewWindow opens a window titled title, after CheckDisplay.
func NewWindow(title string) (*Window, error) {
	if err := CheckDisplay(); err != nil {
		return nil, err
	}
	return &Window{w: gocv.NewWindow(title)}, nil
}

// WriteFrame implements Sink.
func (w *Window) WriteFrame(f *Frame) error {
	w.w.IMShow(f.Mat)
	k := w.w.WaitKey(1)
	if k == 'q' || k == 'Q' || k == 27 || w.w.GetWindowProperty(gocv.WindowPropertyVisible) < 1 {
		w.closed = true
		return ErrStop
	}
	return nil
}

// Closed reports whether the user has closed the window.
func (w *Window) Closed() bool { return w.closed }

// Close closes the window.
func (w *Window) Close() error { return w.w.Close() }
