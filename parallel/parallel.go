// Package parallel is the engine's thread pool: a fixed set of worker goroutines, started once,
// that split loops over [0, n) in contiguous chunks with the calling goroutine, each thread taking
// its own share of the chunks first (so that it meets, loop after loop, the data it wrote) and
// then what the others have left. The compute
// packages (nn, roihead, transform, the detector's runners) share one Pool per Detector, so a frame starts
// no goroutine and, in steady state, allocates nothing.
//
// A Pool runs one loop at a time: it belongs to one goroutine (a Detector's), as the runners
// that use it do. A nil Pool, or one of one thread, runs every loop inline on the caller.
//
// Results never depend on the thread count as long as a loop's body computes each output from
// its index alone (never from lo or hi): every caller in this module splits work by output
// channels, planes, column blocks, parts of a map's rows or RoIs, so that an output element is
// computed by the same code in the same order whichever thread runs it.
package parallel

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/cpu"
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
	spins     int             // how long an idle thread looks before it blocks (see idleSpins)
	start     []chan struct{} // one per worker 1..threads-1: wakes it when parked
	parked    []atomic.Bool   // one per worker 1..threads-1: it waits on its start channel
	closeOnce sync.Once

	// One loop: written by Run before it bumps the generation in loop, read by its helpers after
	// they see it.
	task    Task
	n       int
	chunks  int
	loop    atomic.Uint64 // generation<<16 | helpers: workers 1..helpers take part in it
	claims  []claim       // one per thread: the next chunk of its share
	pending atomic.Int32  // helpers not done yet
	waiting atomic.Uint64 // the generation of the loop whose Run waits on done; 0 when none
	done    chan struct{} // the last helper's wake-up for a waiting Run
	failed  atomic.Pointer[panicValue]
	running atomic.Bool // a Run is under way: another, from a task or a second goroutine, is refused

	// pauses, set by the tests before the first loop, stand for a thread losing its core at the
	// two places where that once broke the pool.
	pauses *pauses
}

// pauses are the tests' stand-ins for a descheduled thread.
type pauses struct {
	afterPublish    func() // in Run, between publishing a loop and waking its parked helpers
	afterLastHelper func() // in the last helper of a loop, between its count reaching zero and its wake-up of Run
}

// claim is a thread's counter over its share of a loop's chunks, padded to a cache line of this
// architecture so that one thread's claims do not slow the others'.
type claim struct {
	next atomic.Int64
	_    cpu.CacheLinePad
}

// panicValue carries a worker's panic to the caller.
type panicValue struct{ v any }

// errGoexit is what Run raises when a task ended its goroutine with runtime.Goexit (testing's
// FailNow on a worker): recover sees nil then.
var errGoexit = errors.New("parallel: a task called runtime.Goexit (t.FailNow or t.Fatal off the test's goroutine?)")

// ChunksPerThread is how many chunks each thread gets on average: more than one lets a thread
// that got a core to itself take over chunks from one that shares its core with another process.
const ChunksPerThread = 4

// MaxThreads is the most threads a Pool has (a loop's helpers are counted in 16 bits).
const MaxThreads = 1024

// Budget returns the most threads a program's detectors should hold together on this machine:
// four a core (runtime.NumCPU), at least 16. Each thread holds buffers of its own (megabytes: 32
// detectors of 1024 threads took 24 GB on a 2x2 video), and more than one a core only waits.
func Budget() int { return max(16, 4*runtime.NumCPU()) }

// CheckBudget returns an error, saying why, when threads is over Budget.
func CheckBudget(threads int) error {
	if threads <= Budget() {
		return nil
	}
	return fmt.Errorf("%d threads, more than %d (four for each of this machine's %d cores, at least 16): "+
		"each holds buffers of its own, megabytes, and more than one a core only waits", threads, Budget(), runtime.NumCPU())
}

// New returns a Pool of threads threads (the caller and threads-1 workers); threads < 1 means
// runtime.GOMAXPROCS(0), and more than MaxThreads means MaxThreads. The workers stop when the Pool
// becomes unreachable, or at Close.
func New(threads int) *Pool { return newPool(threads, idleSpins) }

// newPool is New with idle threads that look spins times before they block (the tests' few make
// every loop a hand-off between a parking thread and a waking one).
func newPool(threads, spins int) *Pool {
	if threads < 1 {
		threads = runtime.GOMAXPROCS(0)
	}
	threads = min(threads, MaxThreads)
	s := &state{threads: threads, spins: spins}
	if threads > 1 {
		s.start = make([]chan struct{}, threads-1)
		s.parked = make([]atomic.Bool, threads-1)
		s.done = make(chan struct{}, 1)
		s.claims = make([]claim, threads)
		for w := range s.start {
			s.start[w] = make(chan struct{}, 1)
			go s.worker(w+1, s.start[w], 0)
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

// idleSpins is how many times an idle thread looks for the next loop (a worker) or for the helpers'
// end (Run) before it blocks: a few tens of microseconds, longer than the gap between two layers,
// so that a frame's loops start and end without a futex round trip (5-50 µs on a virtual machine)
// while the cores are free, and bounded when they are not (another process, or more threads than
// Ps). Every yieldEvery looks it lets the Go scheduler run another goroutine on its P.
const (
	idleSpins  = 1 << 15
	yieldEvery = 1 << 8
)

// worker runs the loops of Run as worker w: it waits for the next one by spinning on the loop
// generation, then parks on start until Run wakes it (or start is closed). A worker that is not
// among a loop's helpers only notes its generation: it reads nothing else of it, since the next
// loop may already be overwriting the fields. seen is the last loop it took part in or noted
// (loops are numbered from 1: the first may start before this goroutine does).
func (s *state) worker(w int, start chan struct{}, seen uint64) {
	parked := &s.parked[w-1]
	goexit := true // until the pool closes: only a task's runtime.Goexit ends this goroutine otherwise
	defer func() {
		if goexit { // its loop was counted done (help): a new goroutine carries on as worker w
			go s.worker(w, start, seen)
		}
	}()
	for {
		l := s.loop.Load()
		for i := 1; l>>16 == seen && i < s.spins; i++ {
			if i%yieldEvery == 0 {
				runtime.Gosched()
			}
			l = s.loop.Load()
		}
		if l>>16 == seen {
			// Run may have started a loop before it could see the flag: look once more. The
			// flag is set with a Swap (a read-modify-write), not a Store: a Store followed by
			// a Load of another variable may be reordered on emulators (qemu-user 7.2 runs an
			// arm64 STLR then LDAR on x86 without a fence between them, against Go's memory
			// model), and then neither side sees the other's mark and the worker sleeps through
			// the loop. A read-modify-write that stores is fenced there (qemu runs it as a
			// locked instruction); Run publishes its loop with a Swap for the same reason.
			parked.Swap(true)
			if l = s.loop.Load(); l>>16 == seen || !parked.CompareAndSwap(true, false) {
				// Parked, or Run took the flag and is sending: wait for its wake-up.
				if _, ok := <-start; !ok {
					goexit = false
					return
				}
				if l = s.loop.Load(); l>>16 == seen {
					// A late wake-up: Run found the flag only after this worker had taken
					// part in its loop and parked again (Run lost its core between publishing
					// the loop and waking the workers). Its loop needs nothing more.
					continue
				}
			}
		}
		seen = l >> 16
		if w <= int(l&0xffff) {
			s.help(w, int(l&0xffff)+1, seen)
		}
	}
}

// help runs worker w's part of loop gen, which has p threads, and counts it done: deferred, so
// that a task's runtime.Goexit does not leave Run waiting.
func (s *state) help(w, p int, gen uint64) {
	defer func() {
		if s.pending.Add(-1) == 0 {
			// Run may already be past this loop (it saw the count reach zero) and waiting on
			// a later one: only a Run waiting on this generation is woken.
			if s.pauses != nil {
				s.pauses.afterLastHelper()
			}
			if s.waiting.CompareAndSwap(gen, 0) {
				s.done <- struct{}{}
			}
		}
	}()
	s.work(w, p)
}

// wait returns when every helper of the current loop is done: it spins, then blocks on done,
// which the last helper signals only if it takes the waiting mark of its loop's generation (so
// exactly one signal is sent and received per blocking wait, and none by a helper of an earlier
// loop).
func (s *state) wait() {
	for i := 1; i < s.spins; i++ {
		if s.pending.Load() == 0 {
			return
		}
		if i%yieldEvery == 0 {
			runtime.Gosched() // a helper may need this thread's P (GOMAXPROCS below threads)
		}
	}
	gen := s.loop.Load() >> 16
	s.waiting.Swap(gen) // a Swap, so that the load of pending is not done before it (see worker)
	if s.pending.Load() == 0 && s.waiting.CompareAndSwap(gen, 0) {
		return // the last helper finished before it could see the flag
	}
	<-s.done
}

// work runs chunks until none is left: first its own share of the loop's chunks (thread w of p
// has chunks [w*chunks/p, (w+1)*chunks/p)), then what is left of the others' shares. Every loop
// splits alike, so a thread tends to get the same part of the data layer after layer (the part
// it wrote, still in its cache), while a thread that lost its core has its share taken over.
// A panic (or runtime.Goexit) is kept for the caller and ends this worker's share.
func (s *state) work(w, p int) {
	finished := false
	defer func() {
		if finished {
			return
		}
		v := recover()
		if v == nil { // no panic: a task called runtime.Goexit
			v = errGoexit
		}
		s.failed.CompareAndSwap(nil, &panicValue{v})
		for t := range p {
			s.claims[t].next.Store(int64(s.chunks)) // the others stop taking chunks
		}
	}()
	for k := range p {
		t := (w + k) % p
		end := (t + 1) * s.chunks / p
		for {
			c := int(s.claims[t].next.Add(1) - 1)
			if c >= end {
				break
			}
			s.task.Run(w, s.bound(c), s.bound(c+1))
		}
	}
	finished = true
}

// bound is where chunk c of the loop starts: floor(c*n/chunks), computed without forming c*n
// (which overflows int for n above MaxInt/chunks: 2^31/4096 on 32-bit targets).
func (s *state) bound(c int) int { return c*(s.n/s.chunks) + c*(s.n%s.chunks)/s.chunks }

// Run calls t.Run on contiguous chunks covering [0, n) (none when n <= 0) and returns when all
// are done. The chunks run on the caller and the workers; with one thread, t.Run(0, 0, n) runs
// on the caller. A panic in any chunk is raised again in the caller. Run does not allocate.
// One Run at a time: a Run on a pool already running a loop (from one of its tasks, or from
// another goroutine) panics, except where it would run inline (one thread, or n == 1).
func (p *Pool) Run(n int, t Task) {
	if n <= 0 {
		return
	}
	if p.Threads() == 1 || n == 1 {
		t.Run(0, 0, n)
		return
	}
	s := p.state
	if !s.running.CompareAndSwap(false, true) {
		panic("parallel: Run on a pool that is running a loop (from one of its tasks, or from another goroutine)")
	}
	s.task, s.n, s.chunks = t, n, min(n, ChunksPerThread*s.threads)
	helpers := min(s.threads, s.chunks) - 1
	for th := range helpers + 1 {
		s.claims[th].next.Store(int64(th * s.chunks / (helpers + 1)))
	}
	s.pending.Store(int32(helpers))
	// Publishes the loop to the workers; a Swap, not a Store, for the park flags read next (see
	// worker): a CAS that fails is only a load where the CPU lacks ARMv8.1's atomics.
	s.loop.Swap((s.loop.Load()>>16+1)<<16 | uint64(helpers))
	if s.pauses != nil {
		s.pauses.afterPublish()
	}
	for w := range helpers {
		if s.parked[w].CompareAndSwap(true, false) {
			s.start[w] <- struct{}{}
		}
	}
	s.runAndWait(helpers + 1)
	// p stays reachable until its helpers are done: its cleanup (a Pool dropped while its own
	// last Run goes on) must not close their channels under this loop.
	runtime.KeepAlive(p)
	f := s.failed.Swap(nil) // before another Run may start
	s.running.Store(false)
	if f != nil {
		panic(f.v)
	}
}

// runAndWait runs the caller's part of a loop of p threads and waits for its helpers, also when
// one of the caller's tasks ends its goroutine with runtime.Goexit: the pool is left idle then.
func (s *state) runAndWait(p int) {
	returned := false
	defer func() {
		s.wait()
		s.task = nil
		if !returned {
			s.failed.Store(nil)
			s.running.Store(false)
		}
	}()
	s.work(0, p)
	returned = true
}
