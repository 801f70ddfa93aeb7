//go:build !noasm && (amd64 || arm64)

package kernels

// filterIoUKernel is FilterIoU on the fields' first elements: n >= 1 boxes (a multiple of the
// kernel's step where the kernel needs one), b the box and its area, the number of survivors
// returned.
type filterIoUKernel func(x1, y1, x2, y2, area *float32, index *int32, n int, b *[5]float32, thresh float32) int

// filterIoUSIMD returns a FilterIoU that hands the first n - n%step boxes to k and carries on
// the pass over the rest in Go (step 1: k takes the whole set, masking its own last step).
func filterIoUSIMD(k filterIoUKernel, step int) func(s BoxSet, n int, b [5]float32, thresh float32) int {
	mustBePowerOfTwo(step)
	return func(s BoxSet, n int, b [5]float32, thresh float32) int {
		m := n &^ (step - 1)
		w := 0
		if m > 0 {
			w = k(&s.X1[0], &s.Y1[0], &s.X2[0], &s.Y2[0], &s.Area[0], &s.Index[0], m, &b, thresh)
		}
		return filterIoUFrom(s, m, w, n, b, thresh)
	}
}
