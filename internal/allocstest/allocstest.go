// Package allocstest counts a test's allocations on the Go heap in steady state, leaving out the
// records the Go runtime takes of goroutines that block (a sudog of 112 bytes, which
// runtime.acquireSudog allocates when its caches are empty: a pool's worker whose spin ran out,
// a pipeline's stage, docs/DESIGN.md, "Threads and memory"), which come more often on a loaded
// machine and are not the code's own. A Meter tells them by their stacks in the heap profile,
// which records every allocation while it runs: any other allocation counts, of whatever size.
// Between, for a window that the Meter's collections would disturb, tells them by their size.
package allocstest

import "runtime"

// A Meter counts the allocations from Start to Stop. One runs at a time: it holds
// runtime.MemProfileRate at 1. Start and Stop each collect the garbage, which publishes the heap
// profile; a sync.Pool drops its cache at a collection, and allocates at its next Get.
type Meter struct {
	rate       int                        // runtime.MemProfileRate before Start
	mallocs    uint64                     // the count of allocations at Start
	own        uint64                     // allocations of the Meter's own since then (a larger profile's room)
	start, end []runtime.MemProfileRecord // the heap profile at Start, and room for it at Stop
}

// Start reads the count of allocations, then the heap profile as of a collection after it; Stop
// reads the profile, then the count. The profile's window lies within the count's, so that every
// record left out was counted (one taken during Start's or Stop's collection is counted, and
// Steady measures that window again).
func Start() *Meter {
	m := &Meter{rate: runtime.MemProfileRate}
	runtime.MemProfileRate = 1
	n, _ := runtime.MemProfile(nil, true)
	m.start = make([]runtime.MemProfileRecord, n+1024) // (room for the stacks that are new by Stop)
	m.end = make([]runtime.MemProfileRecord, n+1024)
	var s runtime.MemStats
	runtime.ReadMemStats(&s)
	m.mallocs = s.Mallocs
	m.start = m.profile(m.start)
	return m
}

// Stop returns the allocations since Start, but the records of blocked goroutines and the
// Meter's own, and sets runtime.MemProfileRate back.
func (m *Meter) Stop() uint64 {
	end := m.profile(m.end)
	var s runtime.MemStats
	runtime.ReadMemStats(&s)
	runtime.MemProfileRate = m.rate
	return s.Mallocs - m.mallocs - m.own - uint64(blocked(end)-blocked(m.start))
}

// profile collects the garbage, which publishes the heap profile as of the collection, and
// returns the profile, read into p or, where p has too little room, into a larger slice (an
// allocation of the Meter's own).
func (m *Meter) profile(p []runtime.MemProfileRecord) []runtime.MemProfileRecord {
	for {
		runtime.GC()
		n, ok := runtime.MemProfile(p, true)
		if ok {
			return p[:n]
		}
		p = make([]runtime.MemProfileRecord, 2*n)
		m.own++
	}
}

// blocked returns the allocations in the profile of records of blocked goroutines: those whose
// stack holds runtime.acquireSudog.
func blocked(profile []runtime.MemProfileRecord) (n int64) {
	for i := range profile {
		frames := runtime.CallersFrames(profile[i].Stack())
		for more := true; more; {
			var f runtime.Frame
			f, more = frames.Next()
			if f.Function == "runtime.acquireSudog" {
				n += profile[i].AllocObjects
				break
			}
		}
	}
	return n
}

// Between returns the allocations counted between two reads of the memory statistics, but those
// of 112 bytes, a blocked goroutine's record's size class: for a window that a Meter's
// collections would disturb (encoding/json's pool of encoders in a pipeline's run), at the cost of
// leaving out the code's own allocations of 97-112 bytes too.
func Between(start, end *runtime.MemStats) uint64 {
	n := end.Mallocs - start.Mallocs
	for i, c := range end.BySize {
		if c.Size == 112 {
			n -= c.Mallocs - start.BySize[i].Mallocs
		}
	}
	return n
}

// Steady returns nil if f allocates nothing in steady state, else the allocations (Meter) in each
// of three windows of runs calls of f, after one uncounted call. A window that allocates is
// measured again, twice: another goroutine of the test process (the runtime's, testing's, a
// finalizer) may allocate during one, where an allocation of f's own repeats in each. Counting
// the window, not testing.AllocsPerRun's average, keeps a single allocation in many runs from
// rounding down to 0 a run.
func Steady(runs int, f func()) []uint64 {
	f()
	// Stop sets the rate back, but a t.Fatal in f ends the goroutine before it: the tests after
	// would run with every allocation profiled.
	defer func(rate int) { runtime.MemProfileRate = rate }(runtime.MemProfileRate)
	var counts []uint64
	for range 3 {
		m := Start()
		for range runs {
			f()
		}
		n := m.Stop()
		if n == 0 {
			return nil
		}
		counts = append(counts, n)
	}
	return counts
}
