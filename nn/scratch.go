package nn

// Scratch is a grow-only float32 buffer for a layer's temporary data (im2col columns, pooled
// vectors). One Scratch per goroutine; after the first frame of a given size it never allocates.
type Scratch struct{ buf []float32 }

// Get returns a slice of n values, reusing the buffer when it is large enough.
func (s *Scratch) Get(n int) []float32 {
	if cap(s.buf) < n {
		s.buf = make([]float32, n)
	}
	return s.buf[:n]
}
