package allocstest

import (
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
)

var (
	sink    []byte
	sink112 *[112]byte
)

// TestSteady: a function that allocates on every call is counted in all three windows, one that
// allocates 112 bytes (a blocked goroutine's record's size) too; one that allocates nothing, in
// none.
func TestSteady(t *testing.T) {
	if counts := Steady(2, func() { sink = make([]byte, 4096) }); len(counts) != 3 || counts[0] < 2 {
		t.Errorf("2 allocations a window: %v, want three windows of at least 2", counts)
	}
	if counts := Steady(2, func() { sink112 = new([112]byte) }); len(counts) != 3 || counts[0] < 2 {
		t.Errorf("2 allocations of 112 bytes a window: %v, want three windows of at least 2", counts)
	}
	if counts := Steady(2, func() { sink = sink[:0] }); counts != nil {
		t.Errorf("no allocation: %v, want nil", counts)
	}
}

// TestBlockedGoroutines: goroutines that block on channels on every call, for which the runtime
// takes new records (one for each channel a goroutine waits on: a collection drops the free ones
// but those each processor keeps), allocate nothing of the code's own; two 112-byte allocations beside them, the
// records' size, are counted, and nothing else.
func TestBlockedGoroutines(t *testing.T) {
	const workers = 100
	start, release, never := make(chan struct{}), make(chan struct{}), make(chan struct{})
	defer close(start)
	var waiting atomic.Int32 // workers past start and not yet past release
	for range workers {
		go func() {
			for range start { // (waiting here, each holds one record between calls)
				waiting.Add(1)
				select { // and here eight
				case <-release:
				case <-never:
				case <-never:
				case <-never:
				case <-never:
				case <-never:
				case <-never:
				case <-never:
				}
				waiting.Add(-1)
			}
		}()
	}
	call := func() {
		runtime.GC()
		for range workers {
			start <- struct{}{}
		}
		for waiting.Load() < workers {
			runtime.Gosched()
		}
		for range workers {
			release <- struct{}{}
		}
		for waiting.Load() > 0 { // (every record freed before the next collection)
			runtime.Gosched()
		}
	}
	call()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	call()
	runtime.ReadMemStats(&after)
	if n := after.Mallocs - before.Mallocs; n < workers {
		t.Fatalf("a call allocates %d times, want at least %d records of blocked goroutines", n, workers)
	}
	if counts := Steady(2, call); counts != nil {
		t.Errorf("blocked goroutines: %v, want nil", counts)
	}
	if counts := Steady(1, func() { call(); sink112 = new([112]byte); sink112 = new([112]byte) }); len(counts) != 3 || slices.Min(counts) != 2 {
		t.Errorf("blocked goroutines and 2 allocations of 112 bytes a call: %v, want three windows of 2 (more where another goroutine allocated)", counts)
	}
}

// TestSteadySetsTheRateBack: a function that ends its goroutine inside a window (a t.Fatal)
// leaves runtime.MemProfileRate as it was, not at 1, which would profile every allocation of the
// tests after it.
func TestSteadySetsTheRateBack(t *testing.T) {
	rate := runtime.MemProfileRate
	done := make(chan struct{})
	go func() {
		defer close(done)
		calls := 0
		Steady(1, func() {
			if calls++; calls > 1 { // (the first call is outside the windows)
				runtime.Goexit()
			}
		})
	}()
	<-done
	if got := runtime.MemProfileRate; got != rate {
		runtime.MemProfileRate = rate
		t.Errorf("runtime.MemProfileRate %d after a window that did not end, want %d", got, rate)
	}
}
