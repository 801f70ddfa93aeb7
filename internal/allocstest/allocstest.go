// Package allocstest counts a test's allocations on the Go heap in steady state, every one of
// them: Quiet first stops the garbage collector and stocks the Go runtime's cache of the 112-byte
// records a goroutine takes when it blocks (a pool's worker whose spin ran out, a pipeline's
// stage: docs/DESIGN.md, "Threads and memory"), so that a blocking goroutine allocates none in a
// counted window and an allocation of the code's own of any size is counted.
package allocstest

import (
	"runtime"
	"runtime/debug"
	"sync"
	"time"
)

// perPCache is the number of blocked goroutines' records (the runtime's sudog) each P keeps for
// itself (Go 1.26: runtime.p.sudogbuf); the rest wait in a central cache that every garbage
// collection empties.
const perPCache = 128

// Quiet stops the garbage collector until restore is called and fills the runtime's caches of
// the records blocked goroutines take: more of them than all the Ps' own caches hold, so a P
// whose own cache runs empty always finds some in the central one and no goroutine that blocks
// allocates one. (Without a collection the records are never freed; with one, the central cache
// is dropped, and the next goroutines to block allocate new ones: about once a frame on a loaded
// machine.)
func Quiet() (restore func()) {
	percent := debug.SetGCPercent(-1) // (returns once a collection under way has finished)
	n := perPCache*runtime.GOMAXPROCS(0) + 2*perPCache
	var started, done sync.WaitGroup
	started.Add(n)
	done.Add(n)
	release := make(chan struct{})
	for range n {
		go func() {
			started.Done()
			<-release
			done.Done()
		}()
	}
	started.Wait()
	// Every goroutine has run up to its receive: let the last of them block in it (those
	// that have not are covered by the 2*perPCache to spare).
	time.Sleep(10 * time.Millisecond)
	close(release)
	done.Wait()
	return func() { debug.SetGCPercent(percent) }
}

// Between returns the allocations counted between two reads of the memory statistics.
func Between(start, end *runtime.MemStats) uint64 {
	return end.Mallocs - start.Mallocs
}

// Steady returns nil if f allocates nothing in steady state, else the allocations in each of
// three windows of runs calls of f, after one uncounted call, with the process made Quiet. A
// window that allocates is measured again, twice: another goroutine of the test process (the
// runtime's, testing's, a finalizer) may allocate during one, where an allocation of f's own
// repeats in each. Counting the window, not testing.AllocsPerRun's average, keeps a single
// allocation in many runs from rounding down to 0 a run.
func Steady(runs int, f func()) []uint64 {
	f()
	defer Quiet()()
	var counts []uint64
	for range 3 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range runs {
			f()
		}
		runtime.ReadMemStats(&after)
		n := Between(&before, &after)
		if n == 0 {
			return nil
		}
		counts = append(counts, n)
	}
	return counts
}
