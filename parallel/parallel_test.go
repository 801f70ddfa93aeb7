package parallel

import (
	"cmp"
	"fmt"
	"math"
	"math/rand"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestRunCoversEachIndexOnce runs loops of many sizes on pools of many sizes and checks that the
// chunks are contiguous, inside [0, n), and cover every index exactly once.
func TestRunCoversEachIndexOnce(t *testing.T) {
	var nilPool *Pool
	pools := []*Pool{nilPool, New(1), New(2), New(3), New(8)}
	for _, p := range pools {
		for _, n := range []int{0, 1, 2, 3, 7, 31, 32, 33, 1000} {
			hits := make([]atomic.Int32, n)
			var calls atomic.Int32
			p.Run(n, funcTask(func(lo, hi int) {
				calls.Add(1)
				if lo < 0 || hi > n || lo >= hi {
					t.Errorf("%d threads, n=%d: chunk [%d, %d)", p.Threads(), n, lo, hi)
					return
				}
				for i := lo; i < hi; i++ {
					hits[i].Add(1)
				}
			}))
			for i := range hits {
				if h := hits[i].Load(); h != 1 {
					t.Errorf("%d threads, n=%d: index %d run %d times", p.Threads(), n, i, h)
				}
			}
			if p.Threads() == 1 && n > 0 && calls.Load() != 1 {
				t.Errorf("one thread, n=%d: %d calls, want one inline", n, calls.Load())
			}
		}
	}
}

// workerTask records which worker ran each index and checks that no worker runs two chunks at once.
type workerTask struct {
	busy   []atomic.Int32
	worker []int32
	bad    atomic.Bool
}

func (w *workerTask) Run(worker, lo, hi int) {
	if w.busy[worker].Add(1) != 1 {
		w.bad.Store(true)
	}
	for i := lo; i < hi; i++ {
		w.worker[i] = int32(worker)
	}
	w.busy[worker].Add(-1)
}

func TestRunWorkerIndexes(t *testing.T) {
	p := New(3)
	defer p.Close()
	task := &workerTask{busy: make([]atomic.Int32, 3), worker: make([]int32, 500)}
	for range 50 {
		p.Run(len(task.worker), task)
		for i, w := range task.worker {
			if w < 0 || w >= 3 {
				t.Fatalf("index %d ran on worker %d", i, w)
			}
		}
	}
	if task.bad.Load() {
		t.Fatal("one worker index ran two chunks at once")
	}
}

// TestRunTakesOverAStalledShare stalls a worker inside its first chunk until every other chunk
// has run: the caller must run the rest of that worker's share, or Run never returns.
func TestRunTakesOverAStalledShare(t *testing.T) {
	p := New(2)
	defer p.Close()
	const n = 64 // 8 chunks of 8: the caller's share is the first four, the worker's the rest
	for round := range 20 {
		var ran atomic.Int32
		var stalled atomic.Bool
		done := make(chan struct{})
		go func() {
			defer close(done)
			p.Run(n, &stallTask{ran: &ran, stalled: &stalled, n: n})
		}()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Fatalf("round %d: Run did not return while a worker stalled (%d of %d indices run)", round, ran.Load(), n)
		}
		if ran.Load() != n {
			t.Fatalf("round %d: %d of %d indices run", round, ran.Load(), n)
		}
	}
}

// stallTask stalls worker 1 in its first chunk until the others have run every other index (the
// chunks of a loop of n = 64 on 2 threads are 8 indices each).
type stallTask struct {
	ran     *atomic.Int32
	stalled *atomic.Bool
	n       int
}

func (s *stallTask) Run(worker, lo, hi int) {
	if worker == 1 && s.stalled.CompareAndSwap(false, true) {
		for deadline := time.Now().Add(20 * time.Second); int(s.ran.Load()) < s.n-8 && time.Now().Before(deadline); {
			time.Sleep(100 * time.Microsecond)
		}
		s.ran.Add(int32(hi - lo))
		return
	}
	s.ran.Add(int32(hi - lo))
}

// TestRunGivesEachThreadItsShare checks that a thread starts on its own share of a loop's chunks
// (thread w of p has [w*chunks/p, (w+1)*chunks/p)), so that loops of one shape give each thread
// the same indices: the worker's first chunk, whenever it runs one, is in its own half. (It
// could start in the caller's half only if the caller had already taken all of the worker's,
// and then nothing is left for it.)
func TestRunGivesEachThreadItsShare(t *testing.T) {
	p := New(2)
	defer p.Close()
	const n = 8 // 8 chunks of one index
	var joined int
	for range 200 {
		task := &firstChunkTask{}
		task.first[0].Store(-1)
		task.first[1].Store(-1)
		p.Run(n, task)
		if f := task.first[1].Load(); f >= 0 {
			joined++
			if f < n/2 {
				t.Fatalf("the worker started on index %d, in the caller's share [0, %d)", f, n/2)
			}
		}
	}
	if joined == 0 {
		t.Fatal("the worker ran no chunk in 200 loops of 8 chunks of 0.2 ms")
	}
}

// firstChunkTask records the first index each of two threads runs; a chunk takes 0.2 ms, long
// enough for a parked worker to wake and take part.
type firstChunkTask struct{ first [2]atomic.Int64 }

func (f *firstChunkTask) Run(worker, lo, hi int) {
	f.first[worker].CompareAndSwap(-1, int64(lo))
	time.Sleep(200 * time.Microsecond)
}

// TestRunAllocatesNothing checks the steady state: a Task kept by the caller costs no allocation.
func TestRunAllocatesNothing(t *testing.T) {
	p := New(3)
	defer p.Close()
	task := &workerTask{busy: make([]atomic.Int32, 3), worker: make([]int32, 64)}
	if a := testing.AllocsPerRun(100, func() { p.Run(64, task) }); a != 0 {
		t.Fatalf("Run allocates %v times per call", a)
	}
}

func TestPanicReachesCaller(t *testing.T) {
	p := New(2)
	defer p.Close()
	for _, at := range []int{0, 99} { // the caller's first chunk, a worker's last one
		func() {
			defer func() {
				if v := recover(); v == nil || !strings.Contains(v.(string), "boom") {
					t.Errorf("panic at %d: recovered %v", at, v)
				}
			}()
			p.Run(100, funcTask(func(lo, hi int) {
				if lo <= at && at < hi {
					panic("boom")
				}
			}))
		}()
	}
	// The pool still works afterwards.
	var sum atomic.Int64
	p.Run(10, funcTask(func(lo, hi int) {
		for i := lo; i < hi; i++ {
			sum.Add(int64(i))
		}
	}))
	if sum.Load() != 45 {
		t.Fatalf("after a panic: sum %d, want 45", sum.Load())
	}
}

// workerFunc is a Task that sees its worker index.
type workerFunc func(worker, lo, hi int)

func (f workerFunc) Run(worker, lo, hi int) { f(worker, lo, hi) }

// sumAfter checks that p still runs a loop of n over all its threads, each index once.
func sumAfter(t *testing.T, p *Pool, what string) {
	t.Helper()
	for range 20 {
		var sum atomic.Int64
		p.Run(100, funcTask(func(lo, hi int) {
			for i := lo; i < hi; i++ {
				sum.Add(int64(i))
			}
		}))
		if sum.Load() != 4950 {
			t.Fatalf("after %s: sum %d, want 4950", what, sum.Load())
		}
	}
}

// TestNestedRunRefused: a task that calls Run on its own pool gets a panic (which reaches the
// outer caller) instead of overwriting the loop under way (60 of 64 outer indices were dropped).
func TestNestedRunRefused(t *testing.T) {
	p := New(4)
	defer p.Close()
	func() {
		defer func() {
			if v, _ := recover().(string); !strings.Contains(v, "running a loop") {
				t.Errorf("nested Run: recovered %q", v)
			}
		}()
		p.Run(64, funcTask(func(lo, hi int) {
			if lo == 0 {
				p.Run(64, funcTask(func(int, int) {}))
			}
		}))
	}()
	sumAfter(t, p, "a nested Run")
	// Where Run runs inline (n == 1), nesting is harmless and allowed.
	var inner atomic.Int32
	p.Run(8, funcTask(func(lo, hi int) { p.Run(1, funcTask(func(int, int) { inner.Add(1) })) }))
	if inner.Load() == 0 {
		t.Error("inline nested Run did not run")
	}
}

// TestGoexitInTask: a task that ends its goroutine with runtime.Goexit (t.FailNow off the test's
// goroutine) on a worker makes Run panic with errGoexit instead of waiting forever for that
// worker, and the pool keeps all its threads; on the caller, the caller's goroutine ends and the
// pool is left idle and usable.
func TestGoexitInTask(t *testing.T) {
	p := New(3)
	defer p.Close()
	for range 3 {
		done := make(chan any)
		go func() {
			defer func() { done <- recover() }()
			p.Run(300, workerFunc(func(worker, lo, hi int) {
				if worker != 0 {
					runtime.Goexit()
				}
				time.Sleep(time.Millisecond) // leave chunks for the workers
			}))
		}()
		select {
		case v := <-done:
			if v != errGoexit {
				t.Fatalf("Goexit on a worker: Run raised %v", v)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("Goexit on a worker: Run did not return")
		}
		sumAfter(t, p, "Goexit on a worker")
	}
	var workers [3]atomic.Int32
	for range 50 { // every worker still takes part in loops
		p.Run(300, workerFunc(func(worker, lo, hi int) {
			workers[worker].Add(1)
			time.Sleep(10 * time.Microsecond)
		}))
	}
	for w := range workers {
		if workers[w].Load() == 0 {
			t.Errorf("worker %d ran no chunk after the Goexits", w)
		}
	}

	// The caller may find its whole share taken over by the workers (descheduled on a busy
	// machine) and so never call Goexit: such a loop is run again.
	for tries := 0; ; tries++ {
		exited := make(chan struct{})
		var calledGoexit, returned atomic.Bool
		go func() {
			defer close(exited)
			p.Run(300, workerFunc(func(worker, lo, hi int) {
				if worker == 0 {
					calledGoexit.Store(true)
					runtime.Goexit()
				}
				time.Sleep(100 * time.Microsecond) // leave chunks for the caller
			}))
			returned.Store(true)
		}()
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			t.Fatal("Goexit on the caller: its goroutine did not end")
		}
		if returned.Load() && calledGoexit.Load() {
			t.Fatal("Run returned on a goroutine that called runtime.Goexit")
		}
		if calledGoexit.Load() {
			break
		}
		if tries == 20 {
			t.Fatal("in 20 loops the caller never ran a chunk")
		}
	}
	sumAfter(t, p, "Goexit on the caller")
}

// TestChunkBoundsDoNotOverflow: chunk edges computed as c*n/chunks overflowed int for n above
// MaxInt/chunks (2^31/4096 on 32-bit targets: a 1024-thread pool from n = 524,289), giving
// negative or reversed chunks; the chunks of a loop of MaxInt indices tile it.
func TestChunkBoundsDoNotOverflow(t *testing.T) {
	p := New(MaxThreads)
	defer p.Close()
	for _, n := range []int{math.MaxInt, math.MaxInt32, 1<<21 + 3} {
		var mu sync.Mutex
		var chunks [][2]int
		p.Run(n, funcTask(func(lo, hi int) {
			mu.Lock()
			chunks = append(chunks, [2]int{lo, hi})
			mu.Unlock()
		}))
		slices.SortFunc(chunks, func(a, b [2]int) int { return cmp.Compare(a[0], b[0]) })
		next := 0
		for _, c := range chunks {
			if c[0] != next || c[1] <= c[0] {
				t.Fatalf("n=%d: chunk [%d, %d) after %d", n, c[0], c[1], next)
			}
			next = c[1]
		}
		if next != n {
			t.Fatalf("n=%d: chunks end at %d", n, next)
		}
	}
}

// TestCloseAndDefaults: New(0) has GOMAXPROCS threads (as documented: not NumCPU, which a
// GOMAXPROCS setting or a container's CPU limit makes differ), New(MaxInt) MaxThreads; a closed
// pool runs loops inline.
func TestCloseAndDefaults(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1)) // (one, where NumCPU is more: they differ)
	for _, procs := range []int{1, 3} {
		runtime.GOMAXPROCS(procs)
		p := New(0)
		if n := p.Threads(); n != procs {
			t.Errorf("New(0) at GOMAXPROCS %d has %d threads", procs, n)
		}
		p.Close()
	}
	big := New(math.MaxInt) // clamped, not a makeslice panic or a 16-bit helper count overflowed
	if big.Threads() != MaxThreads {
		t.Errorf("New(MaxInt) has %d threads, want MaxThreads %d", big.Threads(), MaxThreads)
	}
	var ranBig atomic.Int64
	big.Run(3*MaxThreads, funcTask(func(lo, hi int) { ranBig.Add(int64(hi - lo)) }))
	big.Close()
	if ranBig.Load() != 3*MaxThreads {
		t.Errorf("a MaxThreads pool ran %d of %d indices", ranBig.Load(), 3*MaxThreads)
	}
	p := New(4)
	p.Close()
	p.Close()
	ran := 0
	p.Run(5, funcTask(func(lo, hi int) { ran += hi - lo }))
	if ran != 5 || p.Threads() != 1 {
		t.Errorf("closed pool: ran %d, %d threads", ran, p.Threads())
	}
}

// TestUnreachablePoolStopsItsWorkers checks that dropping a Pool without Close ends its goroutines.
func TestUnreachablePoolStopsItsWorkers(t *testing.T) {
	for range 10 {
		New(4).Run(8, funcTask(func(lo, hi int) {}))
	}
	// Every pool of this package's tests is closed or unreachable by now: all their workers stop.
	// (Counted by their stacks, not runtime.NumGoroutine against a count taken before: the
	// workers of an earlier test's 1024-thread pool may still be winding down then.)
	deadline := time.Now().Add(60 * time.Second)
	for workerGoroutines() > 0 && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if n := workerGoroutines(); n > 0 {
		t.Fatalf("%d workers still running", n)
	}
}

// TestPoolUnreachableDuringItsRun: a Pool whose last use is a Run (New(k).Run(n, t)) is not
// stopped by its cleanup under that Run, even when a collection comes between publishing the loop
// and waking the parked workers (it closed the channel the Run then sent on).
func TestPoolUnreachableDuringItsRun(t *testing.T) {
	p := New(3)
	for start := time.Now(); parkedWorkers(p) < 2 && time.Since(start) < 10*time.Second; {
		time.Sleep(time.Millisecond)
	}
	p.pauses = &pauses{afterPublish: func() {
		for range 3 {
			runtime.GC()
			time.Sleep(10 * time.Millisecond)
		}
	}, afterLastHelper: func() {}}
	var done atomic.Int64
	p.Run(12, funcTask(func(lo, hi int) { done.Add(int64(hi - lo)) })) // p's last use
	if done.Load() != 12 {
		t.Fatalf("%d of 12 done", done.Load())
	}
}

// parkedWorkers counts p's workers blocked waiting for a loop.
func parkedWorkers(p *Pool) int {
	n := 0
	for i := range p.state.parked {
		if p.state.parked[i].Load() {
			n++
		}
	}
	return n
}

// workerGoroutines counts the goroutines running a pool's worker.
func workerGoroutines() int {
	buf := make([]byte, 1<<22)
	n := runtime.Stack(buf, true)
	return strings.Count(string(buf[:n]), "parallel.(*state).worker(")
}

// funcTask is a func(lo, hi int) as a Task, for the tests.
type funcTask func(lo, hi int)

// Run calls f(lo, hi).
func (f funcTask) Run(_, lo, hi int) { f(lo, hi) }

// TestRunStress starts loops on fresh pools at once (the first loop may begin before a worker's
// goroutine has started) with sizes that need every worker, some or none (a worker left out of a
// loop must not take part in the next one's count), also with fewer Ps than threads, where the
// spinning threads must leave the others room to run.
func TestRunStress(t *testing.T) {
	stress(t, 1, 100, 20, 40, nil, false)
}

// TestRunStressBlocking is TestRunStress with chunks that sleep, so that Run's wait and the idle
// workers outlast their spins and block, and with pauses where a thread that loses its core
// once broke the pool:
//   - Run paused between publishing a loop and waking the parked workers: a worker that took part
//     in the loop meanwhile and parked again gets a late wake-up, which must not make it count
//     itself twice (the loop's count would go negative and Run hang);
//   - the last helper paused between its count reaching zero and its wake-up of Run: Run has
//     moved on to the next loop by then, and must not take that stale wake-up (it would return
//     before its chunks are done).
func TestRunStressBlocking(t *testing.T) {
	var calls atomic.Int64
	pause := func() {
		if calls.Add(1)%3 == 0 {
			time.Sleep(2 * time.Millisecond)
		}
	}
	stress(t, 2, 8, 40, 12, &pauses{afterPublish: pause, afterLastHelper: pause}, true)
}

// TestParkingHandOff runs loops on pools whose idle threads block at once, so that every loop is
// a hand-off between a worker going to sleep and Run waking it, and every wait one between Run
// going to sleep and the last helper waking it: each side publishes a mark and then reads the
// other's, which must not be reordered (under qemu-user on x86, an arm64 atomic store followed by
// a load was, and the pool hung with its workers asleep and Run waiting).
func TestParkingHandOff(t *testing.T) {
	loops := 20000 // (make arm64 runs -short: the hang needs the full count under qemu)
	var sink int
	rng := rand.New(rand.NewSource(3))
	for _, threads := range []int{2, 3} {
		for _, spins := range []int{1, 64, 512, 1024, 4096} {
			p := newPool(threads, spins)
			finished := make(chan string, 1)
			go func() {
				for i := range loops {
					for k := range rng.Intn(2 * spins) { // the next loop, at any point of the workers' parking
						sink += k
					}
					n := 1 + i%(2*threads)
					var covered atomic.Int64
					p.Run(n, funcTask(func(lo, hi int) { covered.Add(int64(hi - lo)) }))
					if covered.Load() != int64(n) {
						finished <- fmt.Sprintf("loop %d: Run returned with %d of %d done", i, covered.Load(), n)
						return
					}
				}
				finished <- ""
			}()
			select {
			case msg := <-finished:
				if msg != "" {
					t.Fatalf("%d threads, %d spins: %s", threads, spins, msg)
				}
			case <-time.After(time.Minute):
				t.Fatalf("%d threads, %d spins: %d loops did not finish in a minute (a lost wake-up)", threads, spins, loops)
			}
			p.Close()
		}
	}
	runtime.KeepAlive(sink)
}

// stress runs loops of 1 to maxN chunks on pools of 2 to 5 threads (loops per pool, pools pools),
// at GOMAXPROCS as it is and at 1, with the pauses ps (nil: none) and, if sleep, chunks that sleep
// up to 200 µs. Every Run must return within 10 s with all its chunks done.
func stress(t *testing.T, seed int64, pools, loops, maxN int, ps *pauses, sleep bool) {
	t.Helper()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	rng := rand.New(rand.NewSource(seed))
	for _, procs := range []int{runtime.GOMAXPROCS(0), 1} {
		runtime.GOMAXPROCS(procs)
		for range pools {
			p := New(2 + rng.Intn(4))
			p.pauses = ps
			for range loops {
				n := 1 + rng.Intn(maxN)
				var d time.Duration
				if sleep {
					d = time.Duration(rng.Intn(3)) * 100 * time.Microsecond
				}
				var covered atomic.Int64
				returned := make(chan struct{})
				go func() {
					p.Run(n, funcTask(func(lo, hi int) {
						time.Sleep(d)
						covered.Add(int64(hi - lo))
					}))
					close(returned)
				}()
				select {
				case <-returned:
				case <-time.After(10 * time.Second):
					t.Fatalf("GOMAXPROCS %d: Run of %d did not return", procs, n)
				}
				if covered.Load() != int64(n) {
					t.Fatalf("GOMAXPROCS %d: Run returned with %d of %d done", procs, covered.Load(), n)
				}
			}
			p.Close()
		}
	}
}

// BenchmarkRun times Run on loops of 8 chunks whose bodies do next to nothing, and of 8 chunks
// of about 5 µs each (spread over the threads), per thread count: the cost of handing a loop to
// the workers and waiting for them, which a frame pays a few hundred times.
func BenchmarkRun(b *testing.B) {
	var sink atomic.Int64
	for _, work := range []int{0, 5000} {
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("work=%dns/threads=%d", work, threads), func(b *testing.B) {
				p := New(threads)
				defer p.Close()
				task := funcTask(func(lo, hi int) {
					for i := lo; i < hi; i++ {
						s := int64(0)
						for j := 0; j < work; j++ { // about 1 ns an iteration
							s += int64(j) ^ s>>1
						}
						sink.Add(s)
					}
				})
				for b.Loop() {
					p.Run(8, task)
				}
			})
		}
	}
}
