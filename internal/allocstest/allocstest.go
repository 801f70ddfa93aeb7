// Package allocstest counts a test's allocations on the Go heap in steady state, leaving out, on
// more than one thread, the 112-byte records the Go runtime takes when a goroutine blocks (a
// pool's worker whose spin ran out, a pipeline's stage: docs/DESIGN.md, "Threads and memory"),
// which come more often on a loaded machine and are not the code's own.
package allocstest

import "runtime"

// Between returns the allocations counted between two reads of the memory statistics, with
// parking all but those of 112 bytes.
func Between(start, end *runtime.MemStats, parking bool) uint64 {
	n := end.Mallocs - start.Mallocs
	if parking {
		for i, c := range end.BySize {
			if c.Size == 112 {
				n -= c.Mallocs - start.BySize[i].Mallocs
			}
		}
	}
	return n
}

// Steady returns nil if f allocates nothing in steady state, else the allocations (Between) in
// each of three windows of runs calls of f, after one untimed call. A window that allocates is
// measured again, twice: another goroutine of the test process (the runtime's, testing's, a
// finalizer) may allocate during one, where an allocation of f's own repeats in each. Counting
// the window, not testing.AllocsPerRun's average, keeps a single allocation in many runs from
// rounding down to 0 a run.
func Steady(runs int, f func(), parking bool) []uint64 {
	f()
	var counts []uint64
	for range 3 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range runs {
			f()
		}
		runtime.ReadMemStats(&after)
		n := Between(&before, &after, parking)
		if n == 0 {
			return nil
		}
		counts = append(counts, n)
	}
	return counts
}
