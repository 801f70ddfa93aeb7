package nn

import "github.com/shuffledet/shuffledet/parallel"

// Scratch is what one goroutine's layers share between calls: grow-only float32 buffers for
// temporary data (pooled vectors; a panel of im2col windows per thread), the thread pool the
// layers split their work over (SetPool; none: one thread), and the loop bodies handed to it,
// kept here so that a call allocates nothing. One Scratch per goroutine; after the first frame
// of a given size it never allocates. Every layer's Forward takes one and needs it (a zero
// Scratch runs on the calling goroutine alone) but Linear.Forward and GlobalAvgPool, which also
// take nil.
type Scratch struct {
	buf   []float32
	panel [][]float32 // per worker
	pool  *parallel.Pool

	conv     convTask
	convPool convPoolTask
	dw       depthwiseTask
	pool3    poolTask
	mean     meanTask
	linear   linearTask
}

// Get returns a slice of n values, reusing the buffer when it is large enough.
func (s *Scratch) Get(n int) []float32 {
	if cap(s.buf) < n {
		s.buf = make([]float32, n)
	}
	return s.buf[:n]
}

// panels returns one slice of n values per thread of the pool, reusing the buffers when they
// are large enough.
func (s *Scratch) panels(n int) [][]float32 {
	for len(s.panel) < s.pool.Threads() {
		s.panel = append(s.panel, nil)
	}
	for w, p := range s.panel {
		if cap(p) < n {
			s.panel[w] = make([]float32, n)
		}
		s.panel[w] = s.panel[w][:n]
	}
	return s.panel
}

// SetPool makes the layers that use s split their work over p (nil: run on the caller alone).
// Results do not depend on p's thread count: each output value is computed by the same code in
// the same order whichever thread runs it.
func (s *Scratch) SetPool(p *parallel.Pool) { s.pool = p }
