package nn

import "github.com/shuffledet/shuffledet/internal/kernels"

// MaxPool3x3s2 writes the 3x3, stride 2, padding 1 max pool of src into dst (resized to fit),
// split over s's pool by plane. Padding never wins, as in PyTorch.
func MaxPool3x3s2(dst, src *Tensor, s *Scratch) {
	oh, ow := ConvOut(src.H, 3, 2, 1), ConvOut(src.W, 3, 2, 1)
	dst.Resize(src.N, src.C, oh, ow)
	dst.Layout = src.Layout
	s.pool3 = poolTask{max: true, dst: dst, src: src}
	s.pool.Run(src.N*src.C, &s.pool3)
	s.pool3 = poolTask{}
}

// AvgPool3x3s2 writes the 3x3, stride 2, padding 1 average pool of src into channels
// [c0, c0+src.C) of dst (src's layout), split over s's pool by plane. Padding counts as zeros
// (PyTorch's count_include_pad), so every window divides by 9.
func AvgPool3x3s2(dst *Tensor, c0 int, src *Tensor, s *Scratch) {
	sameLayout("AvgPool3x3s2", src, dst)
	s.pool3 = poolTask{dst: dst, src: src, c0: c0}
	s.pool.Run(src.N*src.C, &s.pool3)
	s.pool3 = poolTask{}
}

// poolTask is one MaxPool3x3s2 (max) or AvgPool3x3s2 call as a loop over (image, channel) planes.
type poolTask struct {
	max      bool
	dst, src *Tensor
	c0       int
}

// Run pools planes [lo, hi).
func (t *poolTask) Run(_, lo, hi int) {
	src := t.src
	oh, ow := ConvOut(src.H, 3, 2, 1), ConvOut(src.W, 3, 2, 1)
	for u := lo; u < hi; u++ {
		n, c := src.planeIndex(u)
		if t.max {
			kernels.MaxPool3x3s2(t.dst.Plane(n, t.c0+c), src.Plane(n, c), src.H, src.W, oh, ow)
		} else {
			kernels.AvgPool3x3s2(t.dst.Plane(n, t.c0+c), src.Plane(n, c), src.H, src.W, oh, ow)
		}
	}
}

// GlobalAvgPool writes the mean of each channel of src (either layout) into dst, an N x C
// row-major slice, split over s's pool by plane (s may be nil: one thread).
func GlobalAvgPool(dst []float32, src *Tensor, s *Scratch) {
	t := meanTask{dst: dst, src: src}
	if s == nil {
		t.Run(0, 0, src.N*src.C)
		return
	}
	s.mean = t
	s.pool.Run(src.N*src.C, &s.mean)
	s.mean = meanTask{}
}

// meanTask is GlobalAvgPool as a loop over (image, channel) planes.
type meanTask struct {
	dst []float32
	src *Tensor
}

// Run averages planes [lo, hi).
func (t *meanTask) Run(_, lo, hi int) {
	for u := lo; u < hi; u++ {
		t.dst[u] = planeMean(t.src, u/t.src.C, u%t.src.C)
	}
}

// planeMean is the mean of plane (n, c) of t: its sum times 1/(H*W).
func planeMean(t *Tensor, n, c int) float32 {
	return kernels.Sum(t.Plane(n, c)) * (1 / float32(t.H*t.W))
}
