//go:build cgo && !noopencv

package pipeline

import (
	"context"
	"errors"
	"io"
	"math/rand"
	"sync/atomic"
	"testing"

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
			c.free <- c.taken[0]
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
		return Position{}, &FrameError{Name: "camera", Err: errors.New("corrupt")}
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
