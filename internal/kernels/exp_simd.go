//go:build !noasm && (amd64 || arm64)

package kernels

// expVec returns an Exp that runs the whole vectors of x through kernel (n a positive multiple
// of width <= 16), and the rest as one more vector through a buffer on the stack.
func expVec(kernel func(dst, x *float32, n int, c *[14]uint32), width int) func(dst, x []float32) {
	return func(dst, x []float32) {
		dst = dst[:len(x)]
		n := len(x) &^ (width - 1)
		if n > 0 {
			kernel(&dst[0], &x[0], n, &expConstants)
		}
		if n < len(x) {
			var buf [16]float32
			copy(buf[:], x[n:])
			kernel(&buf[0], &buf[0], width, &expConstants)
			copy(dst[n:], buf[:])
		}
	}
}
