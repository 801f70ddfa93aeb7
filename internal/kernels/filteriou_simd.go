//go:build !noasm && amd64

package kernels

// filterIoUKernel is FilterIoU on the fields' first elements: n >= 1 boxes, b the box and its
// area, the number of survivors returned.
type filterIoUKernel func(x1, y1, x2, y2, area *float32, index *int32, n int, b *[5]float32, thresh float32) int

// filterIoUSIMD returns a FilterIoU that hands the whole set to k, which handles its own ragged
// last step with masked loads and stores.
func filterIoUSIMD(k filterIoUKernel) func(s BoxSet, n int, b [5]float32, thresh float32) int {
	return func(s BoxSet, n int, b [5]float32, thresh float32) int {
		return k(&s.X1[0], &s.Y1[0], &s.X2[0], &s.Y2[0], &s.Area[0], &s.Index[0], n, &b, thresh)
	}
}
