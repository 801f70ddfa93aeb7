//go:build cgo && !noopencv

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	_ "github.com/shuffledet/shuffledet/internal/mallocarenas" // flat memory on long videos
	"github.com/shuffledet/shuffledet/internal/plural"
	"github.com/shuffledet/shuffledet/internal/progress"
	"github.com/shuffledet/shuffledet/internal/quote"
	"github.com/shuffledet/shuffledet/pipeline"
)

// withOpenCV says that this build reads video, cameras and streams, and runs -workers detectors.
const withOpenCV = true

// maxLiveFPS is the highest frame rate a camera's or live stream's annotated video is written at:
// above it, what OpenCV reports is a stream's clock (1000 for a millisecond one), not frames.
const maxLiveFPS = 240

// isClock reports whether a source's frame rate as OpenCV states it is a stream's clock read as
// its frame rate, not a rate it plays at: MaxVideoFPS or more, or above maxLiveFPS for a live
// source. Its annotated video is written at 25 frames/s.
func isClock(fps float64, live bool) bool {
	return live && fps > maxLiveFPS || fps >= pipeline.MaxVideoFPS
}

// checkStrideFPS refuses an input whose annotated video would run at a rate the encoder cannot
// take: the source's fps over -stride (the frames kept), too slow under a huge -stride.
func checkStrideFPS(in input, fps float64, live bool, stride int) error {
	if in.out == "" || isClock(fps, live) {
		return nil
	}
	if err := pipeline.CheckVideoFPS(fps / float64(stride)); err != nil {
		return fmt.Errorf("-stride %d: %s's annotated video would run at %w: a smaller -stride, or -no-video", stride, quote.Name(in.name()), err)
	}
	return nil
}

// withCgo checks -workers, the output video types and, for -show, the display.
func withCgo(c *cli.Context, ins []input) error {
	if w := c.Int("workers"); w > pipeline.MaxWorkers {
		return fmt.Errorf("-workers %d: at most %d (one per core is what pays)", w, pipeline.MaxWorkers)
	}
	for _, in := range ins {
		if in.out != "" && in.kind != imageInput {
			if _, err := pipeline.VideoCodec(in.out); err != nil {
				return err
			}
		}
	}
	if c.Bool("show") {
		if err := pipeline.CheckDisplay(); err != nil {
			return fmt.Errorf("-show: %w", err)
		}
	}
	return nil
}

// exactCount reports whether src is a file over the network whose index lists its exact frame
// count (pipeline.Live.ExactCount: an MP4 or MOV, by its head's bytes, not its URL, whose index
// lists as many frames as OpenCV states).
func exactCount(src pipeline.Source) bool {
	l, ok := src.(*pipeline.Live)
	return ok && l.ExactCount()
}

// needsRange reports whether src is a file over the network that FFmpeg reads only from a server
// that honours Range requests (pipeline.Live.NeedsRange: an MP4 or MOV whose index follows its
// frames, on a server that ignores Range).
func needsRange(src pipeline.Source) bool {
	l, ok := src.(*pipeline.Live)
	return ok && l.NeedsRange()
}

// endedAt says where a source of stated frames ended short, got of them decoded: after the last
// one decoded, numbered from 0 as in the JSON lines, or before the first where none was (it said
// "after frame -1").
func endedAt(got, stated int) string {
	if got == 0 {
		return fmt.Sprintf("before frame 0, the first of the %d", stated)
	}
	return fmt.Sprintf("after frame %d (numbered from 0) of the %d", got-1, stated)
}

// spanned is src's Spanned (a Video's, or a stream of stated length's), 0 for a source without
// one.
func spanned(src pipeline.Source) int {
	if s, ok := src.(interface{ Spanned() int }); ok {
		return s.Spanned()
	}
	return 0
}

// firstTrackOnly says that a file of n video tracks is read by its first only (why: the words
// that follow "the first") and how to copy another out.
func firstTrackOnly(n int, why string) string {
	return fmt.Sprintf("it holds %d video tracks, and OpenCV's FFmpeg reads only the first%s; to detect on another, copy it out: ffmpeg -i IN -map 0:v:1 -c copy OUT.mkv", n, why)
}

// videoTracks is a video file's VideoTracks, local or at an http(s) link; 0 for another source.
func videoTracks(src pipeline.Source) int {
	if v, ok := src.(interface{ VideoTracks() int }); ok {
		return v.VideoTracks()
	}
	return 0
}

// open opens in, a camera or stream input (a nil Source, not a nil *Live, on failure).
func (in input) open() (pipeline.Source, error) { return in.openStream(pipeline.OpenStream) }

// reopen is open for a camera or live stream that open opened (Reconnect's): a stream by
// pipeline.ReopenStream, its server not asked again whether it serves a file.
func (in input) reopen() (pipeline.Source, error) { return in.openStream(pipeline.ReopenStream) }

// openStream is open, opening a stream input with openStream.
func (in input) openStream(openStream func(string) (*pipeline.Live, error)) (pipeline.Source, error) {
	var l *pipeline.Live
	var err error
	switch {
	case in.kind == cameraInput && strings.HasPrefix(in.spec, "camera:"):
		l, err = pipeline.OpenCamera(in.camera)
	case in.kind == cameraInput:
		l, err = pipeline.OpenCameraDevice(in.spec) // named as the user gave it
	default:
		l, err = openStream(in.spec)
	}
	if err != nil {
		return nil, err
	}
	return l, nil
}

// detect runs every input through the pipeline, one input (or run of images) after another.
func detect(c *cli.Context) error {
	if c.Bool("show") {
		runtime.LockOSThread() // OpenCV's window belongs to the thread that made it
		defer runtime.UnlockOSThread()
	}
	j, err := prepare(c, withCgo)
	if err != nil {
		return err
	}
	stderr := c.App.ErrWriter
	// Video files are probed (opened, first frame decoded) before any work, and so is a camera or
	// stream given first, opened and kept, so that an input that cannot be read fails the run
	// before the JSON lines file is created (an earlier one left as it was). A camera or stream
	// given later is opened when its turn comes: held open meanwhile, it would fill its buffer
	// with frames stale when read, and opened twice, a server of one client would refuse the
	// second; by then the inputs before it have written their lines.
	var openWithin time.Duration // a source that is not there at the start: tried again only when asked
	if c.IsSet("reconnect") {
		openWithin = c.Duration("reconnect")
	}
	// Interruptible from here: waiting for a source given first (-reconnect) can take a while,
	// and a signal then ends the run as an interruption (status 130), before any work.
	ctx, stop := interruptible(c.Context, stderr)
	defer stop()
	beforeWork := func() error {
		return fmt.Errorf("%w before any work: nothing written", errInterrupted)
	}
	infos := map[string]pipeline.VideoInfo{}
	lives := map[int]*pipeline.Live{}
	defer func() {
		for _, l := range lives { // those a failure or an interruption left unread
			l.Close()
		}
	}()
	for k, in := range j.inputs {
		if ctx.Err() != nil && c.Context.Err() == nil { // (a signal while probing: not the rest)
			return beforeWork()
		}
		switch in.kind {
		case videoInput:
			info, err := pipeline.ProbeVideo(in.spec)
			if err != nil {
				return err
			}
			// Frames the detector cannot take (too large, or too thin to resize) would each fail.
			if _, _, err := j.det.Config().Config.NetworkInput(info.Height, info.Width); err != nil {
				return fmt.Errorf("%s: its frames: %w", quote.Name(in.name()), err)
			}
			if err := pipeline.CheckVideoSize(info.Width, info.Height); in.out != "" && err != nil {
				return fmt.Errorf("%s: its annotated video: %w: -no-video", quote.Name(in.name()), err)
			}
			if err := checkStrideFPS(in, info.FPS, false, c.Int("stride")); err != nil {
				return err
			}
			infos[in.spec] = info
		case cameraInput, streamInput:
			if k > 0 {
				continue
			}
			l, err := pipeline.OpenWithin(ctx, in.name(), in.open, openWithin, stderr)
			if err != nil {
				if ctx.Err() != nil && c.Context.Err() == nil {
					return beforeWork()
				}
				return err
			}
			lives[k] = l.(*pipeline.Live)
			if err := checkStrideFPS(in, lives[k].FPS(), !lives[k].Finite(), c.Int("stride")); err != nil {
				return err // (the deferred Close closes it)
			}
		}
	}
	if ctx.Err() != nil && c.Context.Err() == nil { // (before the JSON lines file is made)
		return beforeWork()
	}
	var win *pipeline.Window
	if c.Bool("show") {
		if win, err = pipeline.NewWindow("detect"); err != nil {
			return err
		}
		defer win.Close()
	}
	if err := j.openJSON(ctx, c.App.Writer); err != nil {
		if ctx.Err() != nil && c.Context.Err() == nil { // (a named pipe without a reader)
			return beforeWork()
		}
		return err
	}

	stats := &pipeline.Stats{}
	allImages := stills(j.inputs) // the summary and the messages count images, not frames
	if allImages {
		stats.CountImages()
	}
	opt := pipeline.Options{Workers: c.Int("workers"), Stats: stats, Log: stderr, Draw: c.Bool("show")}
	var failures []error
	imagesFailed, images := 0, 0
	for i := 0; i < len(j.inputs) && ctx.Err() == nil && !(win != nil && win.Closed()); {
		var src pipeline.Source
		sinks := []pipeline.Sink{j.json}
		o := opt
		var vw *pipeline.VideoWriter
		imagesDir := ""            // where this run's annotated images go ("": none)
		var annotated *countedSink // this run's annotated images, as written
		k, in := i, j.inputs[i]
		before := stats.Counts()
		runImages := 0 // the images of this run (a run of image inputs is one source)
		if in.kind == imageInput {
			// A run of images is one source.
			var paths []string
			outs := map[string]string{}
			for ; i < len(j.inputs) && j.inputs[i].kind == imageInput; i++ {
				paths = append(paths, j.inputs[i].spec)
				if j.inputs[i].out != "" {
					outs[j.inputs[i].name()] = j.inputs[i].out // (as NewImages names it: a URL's secrets hidden)
				}
			}
			src = pipeline.NewImages(paths)
			if len(outs) > 0 {
				annotated = &countedSink{Sink: pipeline.ImageWriter{Paths: outs}}
				sinks = append(sinks, annotated)
				o.Draw = true
				imagesDir = filepath.Dir(outs[in.name()])
			}
			if len(paths) > 1 {
				o.Progress = newFrameBar(stderr, "images", len(paths), "images")
			}
			images += len(paths)
			runImages = len(paths)
		} else {
			i++
			fps, frames := 0.0, 0 // frames: as the source states it, 0 for a live source (or a file that states none)
			switch in.kind {
			case videoInput:
				v, err := pipeline.OpenVideo(in.spec)
				if err != nil {
					failures = append(failures, err)
					continue
				}
				src, fps, frames = v, infos[in.spec].FPS, infos[in.spec].Frames
			default:
				l, opened := lives[k]
				delete(lives, k) // Run closes it
				if !opened {
					s, err := pipeline.OpenWithin(ctx, in.name(), in.open, openWithin, stderr)
					if err != nil {
						if !errors.Is(err, context.Canceled) { // (an interruption says so itself)
							failures = append(failures, err)
						}
						continue
					}
					l = s.(*pipeline.Live)
				}
				src, fps, frames = l, l.FPS(), l.Frames()
				if err := checkStrideFPS(in, fps, !l.Finite(), c.Int("stride")); err != nil {
					src.Close() // (one given first was checked before any work)
					failures = append(failures, err)
					continue
				}
				if l.Finite() {
					break // a file over the network (its length is stated): read like a file
				}
				o.Live = true
				if d := c.Duration("reconnect"); d > 0 {
					src = pipeline.Reconnect(in.name(), l, in.reopen, d, stderr)
				}
			}
			if in.out != "" && isClock(fps, o.Live) {
				fmt.Fprintf(stderr, "detect: %s: %g frames/s is not a rate it plays at (a stream's clock read as its frame rate?): %s is written at 25\n", quote.Name(in.name()), fps, quote.Name(in.out))
				fps = 0 // (NewVideoWriter's unknown rate)
			}
			// Every -stride-th frame (a live source's by arrival), the output at that rate.
			o.Stride = c.Int("stride")
			fps /= float64(o.Stride)
			total := (frames + o.Stride - 1) / o.Stride // (0 for a live source)
			o.Progress = newFrameBar(stderr, in.name(), total, "frames")
			if in.out != "" {
				if vw, err = pipeline.NewVideoWriter(in.out, fps); err != nil {
					src.Close()
					return errors.Join(err, j.closeJSON())
				}
				vw.FollowTimes = !o.Live // a file's timing, kept where its frame rate varies
				sinks = append(sinks, vw)
				o.Draw = true
			}
		}
		if win != nil {
			sinks = append(sinks, win)
		}
		err := pipeline.Run(ctx, src, j.det, sinks, o)
		if now := stats.Counts(); err != nil && !errors.Is(err, context.Canceled) && runImages > 0 {
			// A sink's failure (a full disk, a closed pipe) ends the run of images where it is.
			// Counted: the images neither written out nor reported as failed (some of them may
			// have been decoded, even detected, ahead of the output).
			if done := now.Frames - before.Frames + now.Corrupt - before.Corrupt + now.Failed - before.Failed; done < runImages {
				err = fmt.Errorf("%w (the run stopped there: %d of its %d images left without a result)", err, runImages-done, runImages)
			}
		}
		if s, ok := src.(interface{ Extent() (int, int, bool) }); ok && err == nil {
			// Only a source read to its end (not one a closed window stopped, whose Read may
			// even still run): Extent says which.
			if got, stated, ended := s.Extent(); ended && got == 0 && stated > 0 && needsRange(src) {
				failures = append(failures, fmt.Errorf("%s: no frame read of the %d it states: its index (moov) follows its frames, which FFmpeg must go back to, and the server ignores Range requests (it answers 200, not 206); serve it from one that honours Range, or move the index first: ffmpeg -i IN -c copy -movflags +faststart OUT", quote.Name(in.name()), stated))
			} else if ended && got < stated && exactCount(src) {
				// An MP4 or MOV over the network, whose index holds its frames' exact count (as
				// the file's head shows it, not its URL): OpenCV cannot tell a lost connection
				// from a short file, and the connection is what a stream loses (a dead source:
				// status 1). Other containers' counts are estimates (duration x rate: an MKV's
				// includes its audio), hence the warning.
				failures = append(failures, fmt.Errorf("%s: the stream ended %s its index states (the connection lost, or a file cut short: the frames read are kept)", quote.Name(in.name()), endedAt(got, stated)))
			} else if ended && got < stated && spanned(src) >= stated {
				// Its last frame is timed at the end the container states: what is missing
				// is slots its timestamps skip (an AVI's empty index entries), not its end.
				fmt.Fprintf(stderr, "detect: %s: %s of the %d its container states, read to its end: its timestamps skip %s (dropped as it was recorded, not lost here)\n", quote.Name(in.name()), plural.Count(got, "frame", "frames"), stated, plural.Count(stated-got, "frame", "frames"))
			} else if ended && got < stated {
				if n := videoTracks(src); n > 1 { // (its count: the file's length at the first track's rate)
					fmt.Fprintf(stderr, "detect: %s: warning: no frame decoded %s its length states: %s\n", quote.Name(in.name()), endedAt(got, stated), firstTrackOnly(n, " (a still picture ahead of the video?)"))
				} else {
					fmt.Fprintf(stderr, "detect: %s: warning: no frame decoded %s its container states (a file cut short or damaged, or a container that overstates its length)\n", quote.Name(in.name()), endedAt(got, stated))
				}
			} else if ended && got == 1 {
				// An MP4's still track ahead of the video states its own count, 1: nothing is
				// missing by the count, and the video was never read.
				if n := videoTracks(src); n > 1 {
					fmt.Fprintf(stderr, "detect: %s: warning: one frame read: %s\n", quote.Name(in.name()), firstTrackOnly(n, ", here a single picture (a still ahead of the video?)"))
				}
			}
		}
		if vw != nil {
			// Its own failure, apart from err: an interrupted run (err Canceled) whose video
			// could not be finished must still say so.
			if cerr := vw.Close(); cerr != nil {
				failures = append(failures, cerr)
			} else if vw.Frames() == 0 {
				fmt.Fprintf(stderr, "detect: no frames: %s not written\n", quote.Name(in.out))
			} else if vw.Unchecked() {
				fmt.Fprintf(stderr, "detect: wrote %s (%s), not read back: a stream's open this run stopped waiting for still runs, and would hold the read-back up to 30 s (a full disk would go unnoticed)\n", quote.Name(in.out), plural.Count(vw.Frames(), "frame", "frames"))
			} else {
				fmt.Fprintf(stderr, "detect: wrote %s (%s)\n", quote.Name(in.out), plural.Count(vw.Frames(), "frame", "frames"))
			}
		}
		after := stats.Counts()
		if annotated != nil && annotated.taken > 0 {
			fmt.Fprintf(stderr, "detect: wrote %s into %s\n", plural.Count(annotated.taken, "annotated image", "annotated images"), quote.Name(imagesDir))
		}
		if in.kind == imageInput { // unreadable, or read but not detected (an image too thin to resize)
			imagesFailed += after.Corrupt - before.Corrupt + after.Failed - before.Failed
		} else if after.Frames == before.Frames && after.Failed > before.Failed {
			// (a video's frames are its probed size, checked above; a stream's may not be)
			failures = append(failures, fmt.Errorf("%s: none of its frames could be detected (%d failed, above)", quote.Name(in.name()), after.Failed-before.Failed))
		}
		if err != nil && !errors.Is(err, context.Canceled) {
			failures = append(failures, err) // reported at the end, after the summary
		}
		if errors.Is(err, syscall.EPIPE) {
			break // nobody reads the JSON lines any more: the other inputs would fail alike
		}
	}
	stats.Summary(stderr)
	if err := j.closeJSON(); err != nil {
		failures = append(failures, err)
	}
	if imagesFailed > 0 {
		failures = append(failures, fmt.Errorf("%d of %s failed", imagesFailed, plural.Count(images, "image", "images")))
	}
	if ctx.Err() != nil && c.Context.Err() == nil {
		one, many := "frame", "frames" // (as the summary counts them)
		if allImages {
			one, many = "image", "images"
		}
		done := plural.Count(stats.Counts().Frames, one, many)
		interrupted := fmt.Errorf("%w after %s; the JSON lines and output files hold every finished %s", errInterrupted, done, one)
		if len(failures) > 0 {
			interrupted = fmt.Errorf("%w after %s; the JSON lines and the output files not named below hold every finished %s", errInterrupted, done, one)
		}
		return errors.Join(append([]error{interrupted}, failures...)...)
	}
	return errors.Join(failures...)
}

// frameBar shows a pipeline's progress with the bar cocoeval uses too (internal/progress): frames
// handled out of the total (or a spinner for live sources), and the frames dropped so far; the
// frames or images skipped (undecodable, or failed) are handled too, so the bar ends at its total.
type frameBar struct {
	bar       *progress.Bar
	name      string
	dropped   int       // the drops the label shows
	relabeled time.Time // when the label last changed
}

// relabelEvery is how often at most the drops in a bar's label change: each label is a new string,
// and a live source that drops frames would otherwise make one a frame.
const relabelEvery = 250 * time.Millisecond

// newFrameBar returns the progress of source name with total items called unit ("frames" of a
// video; "images" of the images given, each a frame of the pipeline) (0: unknown, a live source).
func newFrameBar(w io.Writer, name string, total int, unit string) *frameBar {
	if total < 1 {
		total = progress.Unknown
	}
	b := &frameBar{bar: progress.New(w, total, unit), name: quote.Name(name)}
	b.bar.Label(b.name)
	return b
}

// Update shows done frames handled and the drops, relabelling the bar when the drops change (at
// most every relabelEvery).
func (b *frameBar) Update(done, dropped int) {
	if now := time.Now(); dropped != b.dropped && now.Sub(b.relabeled) >= relabelEvery {
		b.relabel(dropped, now)
	}
	b.bar.Set(done)
}

// Finish shows the final counts and ends the bar.
func (b *frameBar) Finish(done, dropped int) {
	if dropped != b.dropped {
		b.relabel(dropped, time.Now())
	}
	b.bar.Set(done)
	b.bar.Finish()
}

// relabel shows dropped in the bar's label.
func (b *frameBar) relabel(dropped int, now time.Time) {
	b.dropped, b.relabeled = dropped, now
	b.bar.Label(fmt.Sprintf("%s (%d dropped)", b.name, dropped))
}

// countedSink counts the frames its Sink took: the summary counts a frame the JSON lines took
// though its annotated image then failed (a full disk), and the annotated images written are
// told apart.
type countedSink struct {
	pipeline.Sink
	taken int
}

// WriteFrame implements pipeline.Sink.
func (s *countedSink) WriteFrame(f *pipeline.Frame) error {
	err := s.Sink.WriteFrame(f)
	if err == nil {
		s.taken++
	}
	return err
}
