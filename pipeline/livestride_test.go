//go:build cgo && !noopencv

package pipeline

import (
	"context"
	"io"
	"sync/atomic"
	"testing"

	"gocv.io/x/gocv"
)

// slowCamera is a live source of n frames whose Read also plays, before each frame, a detector
// that takes detect reads to detect a frame (it takes the queued one when idle) and an output
// that writes a detected frame every write reads, and stall reads more after every stallEvery-th
// (it frees the frames written), so that a test of decode alone is deterministic. Frame i has
// i%256 in its first pixel's first channel.
type slowCamera struct {
	q             *queue
	free          chan *frame
	n, next       int
	detect, write int
	stall         int
	stallEvery    int
	current       *frame // being detected, until read busyUntil
	busyUntil     int
	backlog       []*frame // detected, waiting to be written
	nextWrite     int
	writes        int
	detected      []int // the frames the detector took, in order
	wrongPixels   []int // those whose pixels were not their frame's
}

func (c *slowCamera) Read(_ context.Context, m *gocv.Mat) (Position, error) {
	i := c.next
	if i >= c.n {
		return Position{}, io.EOF
	}
	if len(c.backlog) > 0 && i >= c.nextWrite {
		c.q.recycle(c.backlog[0], c.free)
		c.backlog = c.backlog[1:]
		c.nextWrite = i + c.write
		if c.writes++; c.writes%c.stallEvery == 0 {
			c.nextWrite += c.stall
		}
	}
	if c.current != nil && i >= c.busyUntil {
		c.backlog = append(c.backlog, c.current)
		c.current = nil
	}
	if c.current == nil {
		c.take(i)
	}
	if m.Empty() {
		*m = gocv.NewMatWithSize(2, 2, gocv.MatTypeCV8UC3)
	}
	m.SetTo(gocv.NewScalar(float64(i%256), 0, 0, 0))
	c.next++
	return Position{Name: "camera", Index: i}, nil
}

// take plays the detector taking the queued frame, if there is one, at read i.
func (c *slowCamera) take(i int) {
	c.q.mu.Lock()
	queued := len(c.q.items)
	c.q.mu.Unlock()
	if queued == 0 {
		return
	}
	f, _ := c.q.get()
	c.current, c.busyUntil = f, i+c.detect
	c.detected = append(c.detected, f.Index)
	if v := f.Mat.GetVecbAt(0, 0)[0]; int(v) != f.Index%256 {
		c.wrongPixels = append(c.wrongPixels, f.Index)
	}
}

func (c *slowCamera) Close() error { return nil }

// TestLiveStrideDropsOnlyForANewerFrame: a live source of 400 frames read with stride 4 by a
// decoder whose detector takes 3 reads a frame and whose output writes a frame a read but stops
// for 20 reads after every 5th (a slow disk): while the output is behind no frame is free, and a
// queued frame is dropped only once a newer frame of the run is ready to replace it. The decoder
// took the queued frame to read into when no frame was free, before reading the 3 frames between
// strides, and the detector, free again meanwhile, found none: 26 of the 100 frames dropped. A
// frame held back for want of a free one and queued only before the next Read, once the output
// had freed one, reached the detector a read late: 21. Queued as the output frees a frame
// (queue.recycle): 18 (decode is played on one goroutine with Run's frame pool for one worker: the
// counts are exact). Every frame detected is a 4th, in order, with its own pixels, and every 4th frame is
// detected or counted dropped.
func TestLiveStrideDropsOnlyForANewerFrame(t *testing.T) {
	const stride, n = 4, 400
	q := newQueue(true)
	pool := make([]*frame, poolSize(1, true))
	free := make(chan *frame, len(pool))
	for i := range pool {
		pool[i] = &frame{Frame: Frame{Mat: gocv.NewMat()}}
		free <- pool[i]
	}
	defer func() {
		for _, f := range pool {
			f.Mat.Close()
		}
	}()
	cam := &slowCamera{q: q, free: free, n: n, detect: 3, write: 1, stallEvery: 5, stall: 20}
	stats := &Stats{}
	var undecodable atomic.Int64
	if err := decode(context.Background(), cam, q, free, stride, true, stats, &undecodable, io.Discard); err != nil {
		t.Fatal(err)
	}
	q.close()
	for f, ok := q.get(); ok; f, ok = q.get() { // what is queued at the end is detected
		cam.detected = append(cam.detected, f.Index)
	}
	dropped := stats.Counts().Dropped
	for k, i := range cam.detected {
		if i%stride != 0 || k > 0 && i <= cam.detected[k-1] {
			t.Fatalf("frames %v detected: not every %dth in order", cam.detected, stride)
		}
	}
	if len(cam.wrongPixels) > 0 {
		t.Errorf("frames %v detected with another frame's pixels", cam.wrongPixels)
	}
	if got, want := len(cam.detected)+dropped, n/stride; got != want {
		t.Errorf("%d frames detected + %d dropped = %d, want every %dth frame of %d: %d", len(cam.detected), dropped, got, stride, n, want)
	}
	if dropped != 18 {
		t.Errorf("%d frames dropped, want 18 (26: queued frames dropped before a newer one was read; 21: a held frame queued only before the next Read)", dropped)
	}
}
