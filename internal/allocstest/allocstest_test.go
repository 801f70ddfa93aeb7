package allocstest

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var sink []byte

// TestSteady: a function that allocates on every call is counted in all three windows, a
// 112-byte allocation (the size of a blocked goroutine's record) too; one that allocates
// nothing, in none.
func TestSteady(t *testing.T) {
	if counts := Steady(2, func() { sink = make([]byte, 4096) }); len(counts) != 3 || counts[0] < 2 {
		t.Errorf("2 allocations a window: %v, want three windows of at least 2", counts)
	}
	if counts := Steady(2, func() { sink = make([]byte, 112) }); len(counts) != 3 || counts[0] < 2 {
		t.Errorf("2 allocations of 112 bytes a window: %v, want three windows of at least 2", counts)
	}
	if counts := Steady(2, func() { sink = sink[:0] }); counts != nil {
		t.Errorf("no allocation: %v, want nil", counts)
	}
}

// TestQuietStocksBlockedRecords: after a collection has emptied the runtime's central cache, a
// burst of goroutines blocking at once, more than one P's own cache of records holds, takes its
// records from Quiet's stock and allocates nothing.
func TestQuietStocksBlockedRecords(t *testing.T) {
	const burst = 2 * perPCache
	runtime.GC()
	defer Quiet()()
	var ready, done sync.WaitGroup
	var block atomic.Bool
	release := make(chan struct{})
	ready.Add(burst)
	done.Add(burst)
	for range burst {
		go func() {
			ready.Done()
			for !block.Load() {
				runtime.Gosched()
			}
			<-release
			done.Done()
		}()
	}
	ready.Wait()
	time.Sleep(time.Millisecond) // (this goroutine's first sleep allocates its timer)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	block.Store(true)
	time.Sleep(10 * time.Millisecond)
	close(release)
	done.Wait()
	runtime.ReadMemStats(&after)
	if n := Between(&before, &after); n != 0 {
		t.Errorf("%d goroutines blocking at once: %d allocations, want none", burst, n)
	}
}
