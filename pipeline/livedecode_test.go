//go:build cgo && !noopencv

package pipeline

import (
	"context"
	"errors"
	"io"
	"math/rand"
	"sync/atomic"
	"testing"
	"time"

	"gocv.io/x/gocv"
)

// playedCamera is a live source whose Read also plays, at random, a detector taking the queued
// frame and an output freeing the frames taken, and which ends after n reads with io.EOF, a
// failure, or a cancellation; a read in seven is a FrameError.
type playedCamera struct {
	r      *rand.Rand
	n, i   int
	q      *queue
	free   chan *frame
	taken  []*frame
	cancel context.CancelFunc // end with a cancellation
	end    error
}

func (c *playedCamera) Read(_ context.Context, _ *gocv.Mat) (Position, error) {
	switch c.r.Intn(4) {
	case 0:
		c.q.mu.Lock()
		queued := len(c.q.items)
		c.q.mu.Unlock()
		if queued > 0 {
			f, _ := c.q.get()
			c.taken = append(c.taken, f)
		}
	case 1:
		if len(c.taken) > 0 {
			c.q.recycle(c.taken[0], c.free)
			c.taken = c.taken[1:]
		}
	}
	if c.i >= c.n {
		if c.cancel != nil {
			c.cancel()
			return Position{}, context.Canceled
		}
		return Position{}, c.end
	}
	c.i++
	if c.r.Intn(7) == 0 {
		return Position{}, &FrameError{Err: errors.New("camera: corrupt")}
	}
	return Position{Name: "camera", Index: c.i}, nil
}

func (c *playedCamera) Close() error { return nil }

// TestLiveDecodeReturnsEveryFrame: a live decoder, its queue closed (or aborted) as Run does and
// what the detector and output hold given back, leaves every frame of Run's pool free exactly
// once, whatever it held (a frame read into, a spare, a frame held back for want of a free one)
// when its source ended, failed or was cancelled, with some frames away at the output from the
// start. Played on one goroutine (playedCamera), over 3000 random runs.
func TestLiveDecodeReturnsEveryFrame(t *testing.T) {
	for seed := int64(0); seed < 3000; seed++ {
		r := rand.New(rand.NewSource(seed))
		q := newQueue(true)
		pool := make([]*frame, poolSize(1+r.Intn(3), true))
		free := make(chan *frame, 2*len(pool)) // (room for a frame given back twice, to count it)
		for i := range pool {
			pool[i] = &frame{}
			free <- pool[i]
		}
		var away []*frame // at the output from the start, given back at the end
		for range r.Intn(len(pool) - 2) {
			away = append(away, <-free)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cam := &playedCamera{r: r, n: r.Intn(40), q: q, free: free, end: io.EOF}
		switch r.Intn(3) {
		case 0:
			cam.cancel = cancel
		case 1:
			cam.end = errors.New("broken")
		}
		var undecodable atomic.Int64
		decode(ctx, cam, q, free, 1+r.Intn(3), true, &Stats{}, &undecodable, io.Discard)
		if ctx.Err() != nil {
			q.abort(free)
		} else {
			q.close()
		}
		for f, ok := q.get(); ok; f, ok = q.get() {
			free <- f
		}
		for _, f := range append(cam.taken, away...) {
			free <- f
		}
		cancel()
		close(free)
		seen := map[*frame]int{}
		for f := range free {
			seen[f]++
		}
		for i, f := range pool {
			if seen[f] != 1 {
				t.Fatalf("seed %d: frame %d of %d given back %d times", seed, i, len(pool), seen[f])
			}
		}
	}
}

// stallingCamera is a live source that delivers a frame and then blocks in Read, a stream that
// stalls (OpenCV's FFmpeg waits up to 30 s for data), until resume is closed; then it ends.
type stallingCamera struct {
	reads           int
	stalled, resume chan struct{} // closed as the second Read blocks; closed to end it
}

func (c *stallingCamera) Read(context.Context, *gocv.Mat) (Position, error) {
	if c.reads++; c.reads == 1 {
		return Position{Name: "camera"}, nil
	}
	close(c.stalled)
	<-c.resume
	return Position{}, io.EOF
}

func (c *stallingCamera) Close() error { return nil }

// TestLiveHeldFrameReachesAnIdleDetector: a live decoder that holds its frame back, the output
// behind (no frame free), and then blocks in Read queues that frame as soon as the output frees
// one, while Read is still blocked: an idle detector does not wait for the stream (it waited
// for the next Read to return, up to FFmpeg's 30 s).
func TestLiveHeldFrameReachesAnIdleDetector(t *testing.T) {
	q := newQueue(true)
	pool := make([]*frame, poolSize(1, true))
	free := make(chan *frame, len(pool))
	for i := range pool {
		pool[i] = &frame{}
		free <- pool[i]
	}
	var away []*frame // at the output: all but the decoder's two
	for range len(pool) - 2 {
		away = append(away, <-free)
	}
	cam := &stallingCamera{stalled: make(chan struct{}), resume: make(chan struct{})}
	decoded := make(chan error, 1)
	go func() {
		var undecodable atomic.Int64
		decoded <- decode(context.Background(), cam, q, free, 1, true, &Stats{}, &undecodable, io.Discard)
	}()
	defer func() {
		close(cam.resume)
		if err := <-decoded; err != nil {
			t.Error(err)
		}
		q.close()
	}()
	select {
	case <-cam.stalled:
	case <-time.After(10 * time.Second):
		t.Fatal("the decoder did not read a second time")
	}
	q.mu.Lock()
	queued := len(q.items)
	q.mu.Unlock()
	if queued != 0 {
		t.Fatalf("%d frames queued with none free: want the frame held back", queued)
	}
	q.recycle(away[0], free) // the output frees a frame
	got := make(chan *frame, 1)
	go func() {
		if f, ok := q.get(); ok {
			got <- f
		}
	}()
	select {
	case f := <-got:
		if f.Index != 0 || f.Name != "camera" {
			t.Errorf("detector got frame %q %d, want camera 0", f.Name, f.Index)
		}
	case <-time.After(5 * time.Second):
		t.Error("the frame held back did not reach the detector while Read was blocked (5 s)")
	}
}
