// Package parallel is the engine's thread pool: a fixed set of worker goroutines, started once,
// that split loops over [0, n) in contiguous chunks with the calling goroutine. The compute
// packages (nn, roihead, the detector's runners) share one Pool per Detector, so a frame starts
// no goroutine and, in steady state, allocates nothing.
//
// A Pool runs one loop at a time: it belongs to one goroutine (a Detector's), as the runners
// that use it do. A nil Pool, or one of one thread, runs every loop inline on the caller.
//
// Results never depend on the thread count as long as a loop's body computes each output from
// its index alone (never from lo or hi): every caller in this module splits work by output
// channels, planes, column blocks or RoIs, so that an output element is computed by the same
// code in the same order whichever thread runs it.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Task is a loop body for Pool.Run: Run(worker, lo, hi) handles indices [lo, hi). worker, in
// [0, Threads()), names the goroutine that runs the chunk (0 is the caller); no two chunks with
// the same worker run at once, so a Task may keep per-worker scratch indexed by it.
type Task interface {
	Run(worker, lo, hi int)
}

// Pool is a fixed set of Threads()-1 worker goroutines plus the caller. Make one with New.
type Pool struct {
	*state
}

// state is what the workers hold; the Pool handle around it may become unreachable, which stops
// them (New registers a cleanup).
type state struct {
	threads   int
	start     []chan struct{} // one per worker 1..threads-1
	wg        sync.WaitGroup
	closeOnce sync.Once

	task   Task
	n      int
	chunks int
	next   atomic.Int64
	failed atomic.Pointer[panicValue]
}

// panicValue carries a worker's panic to the caller.
type panicValue struct{ v any }

// chunksPerThread is how many chunks each thread gets on average: more than one lets a thread
// that got a core to itself take over chunks from one that shares its core with another process.
const chunksPerThread = 4

// New returns a Pool of threads threads (the caller and threads-1 workers); threads < 1 means
// runtime.NumCPU(). The workers stop when the Pool becomes unreachable, or at Close.
func New(threads int) *Pool {
	if threads < 1 {
		threads = runtime.NumCPU()
	}
	s := &state{threads: threads}
	if threads > 1 {
		s.start = make([]chan struct{}, threads-1)
		for w := range s.start {
			s.start[w] = make(chan struct{}, 1)
			go s.worker(w+1, s.start[w])
		}
	}
	p := &Pool{s}
	runtime.AddCleanup(p, func(s *state) { s.close() }, s)
	return p
}

// Threads returns the number of threads a loop runs on (1 for a nil Pool).
func (p *Pool) Threads() int {
	if p == nil || p.state == nil {
		return 1
	}
	return p.threads
}

// Close stops the workers; the Pool then runs every loop inline. Calling it is optional (the
// workers also stop once the Pool is unreachable) and it must not run during a loop.
func (p *Pool) Close() {
	if p != nil && p.state != nil {
		p.close()
		p.state = nil
	}
}

func (s *state) close() {
	s.closeOnce.Do(func() {
		for _, c := range s.start {
			close(c)
		}
	})
}

func (s *state) worker(w int, start chan struct{}) {
	for range start {
		s.work(w)
		s.wg.Done()
	}
}

// work runs chunks until none is left; a panic is kept for the caller and ends this worker's share.
func (s *state) work(w int) {
	defer func() {
		if v := recover(); v != nil {
			s.failed.CompareAndSwap(nil, &panicValue{v})
			s.next.Store(int64(s.chunks)) // the others stop taking chunks
		}
	}()
	for {
		c := int(s.next.Add(1) - 1)
		if c >= s.chunks {
			return
		}
		s.task.Run(w, c*s.n/s.chunks, (c+1)*s.n/s.chunks)
	}
}

// Run calls t.Run on contiguous chunks covering [0, n) (none when n <= 0) and returns when all
// are done. The chunks run on the caller and the workers; with one thread, t.Run(0, 0, n) runs
// on the caller. A panic in any chunk is raised again in the caller. Run does not allocate.
func (p *Pool) Run(n int, t Task) {
	if n <= 0 {
		return
	}
	if p.Threads() == 1 || n == 1 {
		t.Run(0, 0, n)
		return
	}
	s := p.state
	s.task, s.n, s.chunks = t, n, min(n, chunksPerThread*s.threads)
	s.next.Store(0)
	helpers := min(s.threads, s.chunks) - 1
	s.wg.Add(helpers)
	for _, c := range s.start[:helpers] {
		c <- struct{}{}
	}
	s.work(0)
	s.wg.Wait()
	s.task = nil
	if f := s.failed.Swap(nil); f != nil {
		panic(f.v)
	}
}
