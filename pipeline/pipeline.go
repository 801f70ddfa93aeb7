//go:build cgo && !noopencv

package pipeline

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"gocv.io/x/gocv"

	"github.com/shuffledet/shuffledet/cvdetect"
	"github.com/shuffledet/shuffledet/detector"
	"github.com/shuffledet/shuffledet/internal/cvtext"
	"github.com/shuffledet/shuffledet/internal/quote"
)

// Frame is a frame leaving the pipeline, as a Sink sees it.
type Frame struct {
	Position
	// Mat is the frame's BGR pixels, annotated when Options.Draw is set. It is the pipeline's,
	// from a pool that later frames reuse and that Run closes when it returns: valid until the
	// sink returns (Clone it to keep it; do not Close it).
	Mat        gocv.Mat
	Detections []detector.Detection // valid until the sink returns (copy them to keep them)
}

// Sink receives the frames leaving a pipeline, in order, one at a time, on the goroutine that
// called Run. A Sink returning ErrStop ends the run without an error after that frame (a window
// closed by its user); any other error ends it with that error.
type Sink interface {
	WriteFrame(f *Frame) error
}

// Progress follows a run: Update after each frame leaves, with the frames handled and the frames
// dropped so far, and Finish once at the end (cmd/detect shows it as a bar). The frames handled
// are those of the run's (every Stride-th, as the frame count over Stride counts them) written
// out or skipped, undecodable or failed, so that a run read to its end ends at its total.
type Progress interface {
	Update(done, dropped int)
	Finish(done, dropped int)
}

// MaxWorkers is the most detectors a run holds at once (Options.Workers): each has a frame's
// buffers of its own (tens of MB at 600), and one per core is what pays.
const MaxWorkers = 256

// ErrStop is returned by a Sink to end a run early without an error.
var ErrStop = errors.New("pipeline: stopped by a sink")

// Options configure Run.
type Options struct {
	// Workers is the number of detectors running at once: the detector passed to Run and
	// Workers-1 Clones of it (default 1; at most MaxWorkers).
	Workers int
	// Live selects newest-frame-wins: frames are read as fast as the source delivers them and
	// a frame still waiting for a detector when a newer one arrives is dropped (counted), so the
	// delay between a frame's capture and its result stays bounded. Otherwise every frame is
	// detected, in order, and the source waits for the detectors.
	Live bool
	// Stride detects every Stride-th frame of a source, by frame number (default 1): a live
	// source's are numbered as they arrive, so only every Stride-th is queued for a detector (a
	// camera's CPU cut by Stride), and drops are counted among those.
	Stride int
	// Draw draws the detections and the output frame rate on each frame before the sinks.
	Draw bool
	// Stats receives the counts and latencies (may be shared by several runs; nil: discarded).
	Stats *Stats
	// Progress, if not nil, is told the counts as frames leave and finished at the end.
	Progress Progress
	// Log receives a line for each skipped frame or image, for reconnections and for each damaged
	// image (Position.Warning: decoded despite its decoder's warning, which then goes here, not to
	// cvimage.Warnings) (nil: discarded).
	Log io.Writer
}

// frame is a Frame with the pipeline's bookkeeping; frames are pooled and reused.
type frame struct {
	Frame
	seq      int // position in the output order
	captured time.Time
	decode   time.Duration
	detect   time.Duration
	err      error
}

// Run moves the frames of src through three stages joined by small bounded queues: decoding
// (one goroutine), preprocessing and detection (Options.Workers goroutines, each with its own
// detector), and drawing and output to the sinks (the calling goroutine), so decoding and output
// overlap detection. Frames leave in order. Run returns at the end of src, when ctx is cancelled
// (frames already being detected are finished and written; queued ones are discarded; the
// result is ctx's error), when a sink fails or stops the run, when the source fails, or when the
// detector refuses a frame for a reason every frame shares (detector.ErrBusy: det is in use on
// another goroutine; detector.ErrClosed: det was closed; cvdetect.ErrMatType: src gives Mats
// that are not 8-bit BGR); a nil ctx, src, det or sink is an error before any work. It
// closes src and every Mat it made; sinks are the caller's to close. A sink's panic goes on to
// the caller once the other stages have stopped.
//
// A source can block in Read for as long as its backend allows (OpenCV's FFmpeg gives a stalled
// network stream 30 s): once the run is being cut short, Run waits for such a read at most
// half a second, then returns without it; the decoding goroutine closes src and the frames' Mats
// when that read returns, and counts and logs nothing more (src's Close error is then not seen).
func Run(ctx context.Context, src Source, det *detector.Detector, sinks []Sink, opt Options) (err error) {
	switch {
	case src == nil:
		return errors.New("pipeline: Run with a nil Source")
	case ctx == nil: // (context.WithCancel below panics on it, after the Mats are made)
		return errors.Join(errors.New("pipeline: Run with a nil Context"), src.Close())
	case det == nil:
		return errors.Join(errors.New("pipeline: Run with a nil Detector"), src.Close())
	}
	if i := slices.Index(sinks, nil); i >= 0 {
		return errors.Join(fmt.Errorf("pipeline: Run with a nil Sink (sinks[%d])", i), src.Close())
	}
	workers := max(1, opt.Workers)
	if workers > MaxWorkers {
		return errors.Join(fmt.Errorf("pipeline: %d workers: at most %d", workers, MaxWorkers), src.Close())
	}
	if det.Closed() { // before its clones, which would detect, start writing frames
		return errors.Join(fmt.Errorf("pipeline: %w", detector.ErrClosed), src.Close())
	}
	dets := []*detector.Detector{det}
	for len(dets) < workers {
		d, err := det.Clone()
		if err != nil {
			for _, c := range dets[1:] { // the clones made so far
				c.Close()
			}
			return errors.Join(err, src.Close()) // before the deferred release below exists
		}
		dets = append(dets, d)
	}
	stats := opt.Stats
	if stats == nil {
		stats = &Stats{}
	}
	dropped0 := stats.droppedCount() // before this run's decoder starts dropping
	logw := opt.Log
	if logw == nil {
		logw = io.Discard
	}
	stride := max(1, opt.Stride)
	start := time.Now()
	defer func() { stats.add(func(s *Stats) { s.elapsed += time.Since(start) }) }()

	pool := make([]*frame, poolSize(workers, opt.Live))
	free := make(chan *frame, len(pool))
	for i := range pool {
		pool[i] = &frame{Frame: Frame{Mat: gocv.NewMat()}}
		free <- pool[i]
	}
	// release frees what the run made and closes src, once the decoder has returned.
	release := func() error {
		for _, f := range pool {
			f.Mat.Close()
		}
		return src.Close()
	}
	decoded := make(chan struct{}) // closed when the decoder has returned
	abandoned := false
	defer func() {
		if abandoned {
			go func() { <-decoded; release() }()
			return
		}
		if cerr := release(); err == nil && cerr != nil {
			err = cerr
		}
	}()

	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	q := newQueue(opt.Live)
	results := make(chan *frame, len(pool))
	var srcErr error
	var undecodable atomic.Int64 // the run's frames (every stride-th) that could not be decoded

	// Stage 1: decode.
	go func() {
		defer close(decoded)
		srcErr = decode(ctx, src, q, free, stride, opt.Live, stats, &undecodable, logw)
		if ctx.Err() != nil {
			q.abort(free)
		} else {
			q.close()
		}
	}()
	// Stage 2: preprocess + detect.
	var dwg sync.WaitGroup
	for i, d := range dets {
		dwg.Add(1)
		go func() {
			defer dwg.Done()
			if i > 0 {
				defer d.Close() // this run's clone: its threads end with the worker (det is the caller's)
			}
			for {
				f, ok := q.get()
				if !ok {
					return
				}
				t0 := time.Now()
				ds, err := cvdetect.Detect(d, f.Mat)
				f.detect = time.Since(t0)
				f.err = err
				f.Detections = append(f.Detections[:0], ds...)
				results <- f
			}
		}()
	}
	go func() { dwg.Wait(); close(results) }()
	go func() { <-ctx.Done(); q.abort(free) }()

	// A sink that panics (or calls runtime.Goexit, as t.FailNow does): the decoder and the workers
	// are stopped and waited for before the panic goes on, so that the deferred Close above does
	// not free Mats they still use.
	outputDone := false
	defer func() {
		if outputDone {
			return
		}
		p := recover()
		cancel()
		for range results {
		}
		abandoned = !waitDecoder(ctx, decoded)
		if p != nil {
			panic(p)
		}
	}()

	// Stage 3: draw + output, in order.
	out := &output{sinks: sinks, draw: opt.Draw, stats: stats, progress: opt.Progress, log: logw, dropped0: dropped0, undecodable: &undecodable}
	var sinkErr error
	pending := map[int]*frame{}
	next := 0
	for f := range results {
		pending[f.seq] = f
		for g := pending[next]; g != nil; g = pending[next] {
			delete(pending, next)
			next++
			if sinkErr == nil { // after an interruption too: finished frames are written
				if err := out.write(g); err != nil {
					sinkErr = err
					cancel()
				}
			}
			q.recycle(g, free)
		}
	}
	outputDone = true
	abandoned = !waitDecoder(ctx, decoded)
	if opt.Progress != nil {
		opt.Progress.Finish(out.handled(), out.dropped())
	}
	switch {
	case errors.Is(sinkErr, ErrStop):
		return nil
	case sinkErr != nil:
		return sinkErr
	case parent.Err() != nil:
		return parent.Err() // interrupted (frames still queued were not detected)
	}
	// Neither a sink nor the caller cut the run short, so ctx was live when the output ended
	// and waitDecoder waited for the decoder without a limit.
	return srcErr // nil at the end of the source, else its failure
}

// poolSize is the number of frames a run of workers detectors holds: every frame in flight (the
// decoder's: one being decoded and, live, a second, the next to read into or the newest frame held
// back; the queue's, queueLimit; one per worker; those waiting in the reorder buffer, fewer than
// the workers; one being written) and one more.
func poolSize(workers int, live bool) int {
	decoder := 1
	if live {
		decoder = 2
	}
	return decoder + queueLimit(live) + 2*workers + 1
}

// queueLimit is the most frames the queue holds: 2 from a file, 1 (the newest) from a live
// source.
func queueLimit(live bool) int {
	if live {
		return 1
	}
	return 2
}

// abandonAfter is how long a run being cut short waits for a source blocked in Read.
const abandonAfter = 500 * time.Millisecond

// waitDecoder waits for the decoder to return and reports whether it did: without a limit while
// ctx is live (the output ended because the decoder reached the source's end and is returning),
// at most abandonAfter once the run is being cut short (a Read may be blocked; the decoder
// returns when it ends).
func waitDecoder(ctx context.Context, decoded <-chan struct{}) bool {
	if ctx.Err() == nil {
		<-decoded
		return true
	}
	t := time.NewTimer(abandonAfter)
	defer t.Stop()
	select {
	case <-decoded:
		return true
	case <-t.C:
		return false
	}
}

// decode is stage 1: it reads frames from src into free frames and queues them until the end of
// src (nil), cancellation (ctx's error) or a source failure (its error). It adds the frames that
// could not be decoded to stats, and those of them that are every stride-th to undecodable.
//
// A live source's decoder holds two frames and never waits for one: it reads into one while the
// other, kept with the queue (its spare), is the next to read into, and hands the queue each
// frame of the run (every stride-th) in exchange for the spare (queue.offer), which is then the
// queued frame the new one replaces (stale, counted dropped), else a free one. With neither (the
// queue empty, no frame free: the output behind), the new frame is held back as the spare until
// the output frees a frame, which takes its place while the held frame is queued at once, even
// while the decoder is blocked in a Read (queue.recycle), or until a newer one replaces it
// (dropped). A queued frame is thus dropped only once a newer frame of the run is ready, never
// while the frames between strides are read, and a detector that frees up meanwhile still gets it.
func decode(ctx context.Context, src Source, q *queue, free chan *frame, stride int, live bool, stats *Stats, undecodable *atomic.Int64, log io.Writer) (err error) {
	var f *frame // the frame read into
	defer func() {
		if f != nil {
			free <- f
		}
		if live { // at the source's end or failure, the frame held back is detected
			q.endLive(ctx.Err() == nil, free)
		}
	}()
	take := func() *frame {
		select {
		case g := <-free:
			return g
		case <-ctx.Done():
			return nil
		}
	}
	if live {
		g := take()
		if g == nil {
			return ctx.Err()
		}
		q.startLive(g)
	}
	for {
		if f == nil {
			if f = take(); f == nil {
				return ctx.Err()
			}
		}
		for {
			if err := ctx.Err(); err != nil {
				return err
			}
			t0 := time.Now()
			p, err := src.Read(ctx, &f.Mat)
			d := time.Since(t0)
			if cerr := ctx.Err(); cerr != nil {
				// Cut short while reading: Run may have returned without this read (a
				// stalled stream), so nothing more is counted or logged.
				return cerr
			}
			switch {
			case err != nil && errors.As(err, new(*FrameError)): // (a frame read well allocates nothing)
				stats.add(func(s *Stats) { s.corrupt++ })
				undecodable.Add(1) // (a frame without a number, an image: one of the run's)
				fmt.Fprintln(log, err)
				continue
			case err != nil:
				if errors.Is(err, io.EOF) {
					return nil
				}
				return err
			}
			if p.Corrupt > 0 {
				stats.add(func(s *Stats) { s.corrupt += p.Corrupt })
				undecodable.Add(int64(multiples(p.Index-p.Corrupt, p.Index, stride)))
				if p.Corrupt == 1 {
					fmt.Fprintf(log, "%s: frame %d could not be decoded, skipped\n", quote.Name(p.Name), p.Index-1)
				} else {
					fmt.Fprintf(log, "%s: frames %d-%d could not be decoded, skipped\n", quote.Name(p.Name), p.Index-p.Corrupt, p.Index-1)
				}
			}
			if p.Reconnects > 0 {
				stats.add(func(s *Stats) { s.reconnects += p.Reconnects })
			}
			if p.Warning != "" {
				stats.add(func(s *Stats) { s.damaged++ })
				fmt.Fprintln(log, p.Warning)
			}
			if p.Index%stride != 0 {
				continue
			}
			f.Position, f.captured, f.decode = p, time.Now(), d
			break
		}
		stats.add(func(s *Stats) { s.decode.Add(f.decode) })
		if !live {
			if !q.put(f) {
				return ctx.Err()
			}
			f = nil
			continue
		}
		next, dropped, ok := q.offer(f, free)
		if dropped > 0 {
			stats.add(func(s *Stats) { s.dropped += dropped })
		}
		if !ok {
			return ctx.Err()
		}
		f = next
	}
}

// multiples returns how many of the numbers from a up to b (not included; a >= 0) are multiples
// of stride.
func multiples(a, b, stride int) int {
	return (b+stride-1)/stride - (a+stride-1)/stride
}

// output is stage 3's state.
type output struct {
	sinks       []Sink
	draw        bool
	stats       *Stats
	progress    Progress
	log         io.Writer
	done        int           // frames written out
	failed      int           // frames whose detection failed (skipped)
	undecodable *atomic.Int64 // the decoder's count of the run's frames it could not decode
	dropped0    int           // the Stats' dropped frames before this run (the progress shows this run's)
	times       [16]time.Time // when the last frames left, for the frame rate overlay
	rateFont    rateFont      // the overlay's font size whose texts' sizes are measured
}

// rateFont is the frame rate overlay's scale and thickness.
type rateFont struct {
	scale float64
	thick int
}

// maxRateDigits is the most digits before the point of a frame rate whose text size drawRate
// measures ahead.
const maxRateDigits = 6

// handled returns the run's frames handled so far for the progress: written out or skipped.
func (o *output) handled() int { return o.done + o.failed + int(o.undecodable.Load()) }

// add runs f on s holding its lock: how the run's goroutines count into it.
func (s *Stats) add(f func(*Stats)) {
	s.mu.Lock()
	f(s)
	s.mu.Unlock()
}

// droppedCount returns the frames dropped so far.
func (s *Stats) droppedCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dropped
}

// dropped returns the frames this run has dropped (the Stats may count earlier runs too).
func (o *output) dropped() int { return o.stats.droppedCount() - o.dropped0 }

func (o *output) write(f *frame) error {
	if errors.Is(f.err, detector.ErrBusy) || errors.Is(f.err, detector.ErrClosed) || errors.Is(f.err, cvdetect.ErrMatType) {
		// Not the frame's fault: every frame would fail the same way.
		return fmt.Errorf("pipeline: %s: %w", quote.Name(f.Name), f.err)
	}
	if f.err != nil {
		o.stats.add(func(s *Stats) { s.failed++ })
		if f.Still {
			fmt.Fprintf(o.log, "%s: %v\n", quote.Name(f.Name), f.err)
		} else {
			fmt.Fprintf(o.log, "%s: frame %d: %v\n", quote.Name(f.Name), f.Index, f.err)
		}
		o.failed++
		if o.progress != nil {
			o.progress.Update(o.handled(), o.dropped())
		}
		return nil
	}
	t0 := time.Now()
	if o.draw {
		cvdetect.Draw(&f.Mat, f.Detections)
		if !f.Still {
			o.drawRate(&f.Mat)
		}
	}
	var stop, failed error
	taken := 0 // sinks that took the frame
	for _, s := range o.sinks {
		if err := s.WriteFrame(&f.Frame); errors.Is(err, ErrStop) {
			stop = err // the frame is out (shown); the run ends after it
		} else if err != nil {
			failed = err
			break
		}
		taken++
	}
	if failed != nil && taken == 0 {
		return failed
	}
	// A frame an earlier sink took is counted though a later one failed (its JSON line is out
	// when its annotated image does not fit on the disk).
	now := time.Now()
	o.times[o.done%len(o.times)] = now
	o.done++
	o.stats.add(func(s *Stats) {
		s.frames++
		s.detect.Add(f.detect)
		s.output.Add(now.Sub(t0))
		s.age.Add(now.Sub(f.captured))
		if s.classes == nil {
			s.classes = map[string]int{}
		}
		for _, d := range f.Detections {
			s.classes[d.Label]++
		}
	})
	if o.progress != nil {
		o.progress.Update(o.handled(), o.dropped())
	}
	if failed != nil {
		return failed
	}
	return stop
}

// drawRate writes the rate at which frames have been leaving (over the last 16) in the top left
// corner.
func (o *output) drawRate(m *gocv.Mat) {
	n := min(o.done, len(o.times))
	if n < 2 {
		return
	}
	newest := o.times[(o.done-1)%len(o.times)]
	oldest := o.times[(o.done-n)%len(o.times)]
	el := newest.Sub(oldest).Seconds()
	if el <= 0 {
		return
	}
	var buf [32]byte
	b := append(strconv.AppendFloat(buf[:0], float64(n-1)/el, 'f', 1, 64), " fps"...)
	text := unsafe.String(&b[0], len(b)) // (gocv copies it; buf is not written while it is in use)
	scale := max(0.5, float64(min(m.Cols(), m.Rows()))/720)
	thick := max(1, int(scale*2))
	if f := (rateFont{scale, thick}); f != o.rateFont {
		// Measure every rate's shape now ("0.0 fps" to "000000.0 fps"), not when the rate first
		// crosses 10 or 100 frames/s: that measure allocates, and would in the steady state.
		o.rateFont = f
		for d := 1; d <= maxRateDigits; d++ {
			cvtext.Size(strings.Repeat("0", d)+".0 fps", scale, thick)
		}
	}
	size, base := cvtext.Size(text, scale, thick)
	gocv.RectangleWithParams(m, image.Rect(0, 0, size.X+8, size.Y+base+8), color.RGBA{A: 255}, -1, gocv.Line8, 0)
	gocv.PutTextWithParams(m, text, image.Pt(4, size.Y+4), gocv.FontHersheySimplex, scale, color.RGBA{R: 255, G: 255, B: 255, A: 255}, thick, gocv.LineAA, false)
}

// queue hands decoded frames to the detectors: a FIFO of at most limit frames. When full, put
// waits (files); a live source's decoder hands it frames with offer, which queues one only into
// an empty queue or in place of the waiting one. get numbers frames in the order it hands them
// out, which is the output order.
type queue struct {
	mu      sync.Mutex
	cond    sync.Cond
	items   []*frame
	limit   int
	closed  bool
	nextSeq int
	// spare is a live decoder's second frame, the next it reads into (free, or stale from the
	// queue), or, held, the newest frame of the run held back for want of a frame to take its
	// place (then the queue is empty): recycle queues it as soon as the output frees one.
	spare *frame
	held  bool
}

// newQueue returns a queue of queueLimit(live) frames.
func newQueue(live bool) *queue {
	q := &queue{limit: queueLimit(live)}
	q.cond.L = &q.mu
	return q
}

// put adds f (a file's frame), waiting while the queue is full, and reports false, f not added,
// when the queue was closed.
func (q *queue) put(f *frame) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.items) >= q.limit && !q.closed {
		q.cond.Wait()
	}
	if q.closed {
		return false
	}
	q.items = append(q.items, f)
	q.cond.Broadcast()
	return true
}

// get removes the oldest frame and gives it the next output number; ok is false once the queue
// is closed and empty.
func (q *queue) get() (f *frame, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.items) == 0 && !q.closed {
		q.cond.Wait()
	}
	if len(q.items) == 0 {
		return nil, false
	}
	f = q.pop()
	f.seq = q.nextSeq
	q.nextSeq++
	q.cond.Broadcast()
	return f, true
}

// offer takes f, a live decoder's newest frame of the run, and returns the frame to read into
// next and the frames dropped; ok false (f still the decoder's, nothing changed) once the queue is
// closed. The spare is the frame returned; f replaces the frame waiting in the queue (dropped: it
// is the spare now), else is queued in exchange for a free frame (the spare), else is held back
// as the spare. A frame held back before is dropped: f, newer, replaces it.
func (q *queue) offer(f *frame, free chan *frame) (next *frame, dropped int, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return nil, 0, false
	}
	next = q.spare
	if q.held {
		dropped++
	}
	if len(q.items) > 0 {
		q.spare, q.held = q.pop(), false
		dropped++
	} else {
		select {
		case g := <-free:
			q.spare, q.held = g, false
		default: // none free (the output behind): held back
			q.spare, q.held = f, true
			return next, dropped, true
		}
	}
	q.items = append(q.items, f)
	q.cond.Broadcast()
	return next, dropped, true
}

// recycle gives back g, a frame the output is done with: where a live decoder holds a frame
// back, g takes its place as the spare and the held frame is queued at once, for a detector that
// may be idle while the decoder is blocked in a Read (a stalled stream: seconds); else g is free.
func (q *queue) recycle(g *frame, free chan *frame) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.held && !q.closed {
		q.items = append(q.items, q.spare)
		q.spare, q.held = g, false
		q.cond.Broadcast()
		return
	}
	free <- g
}

// startLive gives the queue a live decoder's second frame, its first spare (endLive takes the
// spare back).
func (q *queue) startLive(spare *frame) {
	q.mu.Lock()
	q.spare = spare
	q.mu.Unlock()
}

// endLive takes back a live decoder's spare as it returns: a frame held back is queued where
// detect is set (the source's end or failure, not a cancellation) and the queue is open; else the
// spare is free.
func (q *queue) endLive(detect bool, free chan *frame) {
	q.mu.Lock()
	defer q.mu.Unlock()
	switch {
	case q.spare == nil:
	case q.held && detect && !q.closed:
		q.items = append(q.items, q.spare)
		q.cond.Broadcast()
	default:
		free <- q.spare
	}
	q.spare, q.held = nil, false
}

// close lets the detectors take what is queued, then tells them there is no more.
func (q *queue) close() {
	q.mu.Lock()
	q.closed = true
	q.cond.Broadcast()
	q.mu.Unlock()
}

// abort closes the queue and returns the frames still in it to free, undetected.
func (q *queue) abort(free chan *frame) {
	q.mu.Lock()
	q.closed = true
	for _, f := range q.items {
		free <- f
	}
	q.items = nil
	q.cond.Broadcast()
	q.mu.Unlock()
}

// pop removes and returns the oldest frame (there is one), moving the others down, so that the
// items keep their backing array (at most limit frames: a put after a pop never reallocates).
func (q *queue) pop() *frame {
	f := q.items[0]
	n := copy(q.items, q.items[1:])
	q.items[n] = nil
	q.items = q.items[:n]
	return f
}
