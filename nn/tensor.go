// Package nn is shuffledet's inference engine: float32 tensors (NCHW, or CNHW for batches whose
// 1x1 convolutions should run as one matrix product) and the layers a ShuffleNet/Faster R-CNN
// needs (convolutions with folded BatchNorm, pooling, linear, squeeze-and-excitation). Layers hold
// read-only weights and may be shared between goroutines; every Forward writes into a destination
// tensor that the caller owns, so steady-state inference allocates nothing.
//
// Layers write their output channels at an offset into the destination, which is how a ShuffleNet
// unit's channel concatenation happens in place. The hot loops are internal/kernels' routines.
//
// Errors: building a layer (Check, NewLinear, FoldBatchNorm, LoadConv, LoadLinear) returns an
// error for weights that do not fit. Forward trusts its caller with consistent shapes, as the
// kernels do: inputs that do not match the layer are a programmer error and panic.
package nn

import (
	"fmt"
	"math"
)

// Tensor is a dense float32 array of N images with C channels of H x W pixels, row-major, in
// NCHW order unless its Layout says CNHW.
type Tensor struct {
	N, C, H, W int
	Data       []float32
	Layout     Layout
}

// Layout is the order of a tensor's H x W planes.
type Layout uint8

// Layouts.
const (
	// NCHW puts each image's channels together: plane (n, c) is the (n*C + c)-th.
	NCHW Layout = iota
	// CNHW puts each channel's images together: plane (n, c) is the (c*N + n)-th. A 1x1
	// convolution over a CNHW batch is one matrix product over all its images (the box head runs
	// its RoIs this way); layers that need an image's own channels (windows wider than 1x1) take
	// NCHW only.
	CNHW
)

// NewTensor allocates a zeroed tensor.
func NewTensor(n, c, h, w int) *Tensor {
	return &Tensor{N: n, C: c, H: h, W: w, Data: make([]float32, n*c*h*w)}
}

// Resize sets the shape, reusing the existing storage when it is large enough; the layout stays.
// Contents are unspecified afterwards.
func (t *Tensor) Resize(n, c, h, w int) {
	size := n * c * h * w
	if cap(t.Data) < size {
		t.Data = make([]float32, size)
	}
	t.N, t.C, t.H, t.W = n, c, h, w
	t.Data = t.Data[:size]
}

// Plane returns channel c of image n as a slice of H*W values.
func (t *Tensor) Plane(n, c int) []float32 {
	hw := t.H * t.W
	off := (n*t.C + c) * hw
	if t.Layout == CNHW {
		off = (c*t.N + n) * hw
	}
	return t.Data[off : off+hw : off+hw]
}

// Image returns the C*H*W values of image n of an NCHW tensor.
func (t *Tensor) Image(n int) []float32 {
	if t.Layout != NCHW {
		panic("nn: Image of a CNHW tensor")
	}
	chw := t.C * t.H * t.W
	return t.Data[n*chw : (n+1)*chw : (n+1)*chw]
}

// sameLayout panics unless every tensor (nil ones skipped) has the first one's layout: a layer
// that read one layout and wrote another would place every plane wrongly.
func sameLayout(layer string, ts ...*Tensor) {
	for _, t := range ts[1:] {
		if t != nil && t.Layout != ts[0].Layout {
			panic("nn: " + layer + " on tensors of different layouts")
		}
	}
}

// planeIndex returns the (image, channel) of the u-th plane in memory order.
func (t *Tensor) planeIndex(u int) (n, c int) {
	if t.Layout == CNHW {
		return u % t.N, u / t.N
	}
	return u / t.C, u % t.C
}

// Shape returns the shape as [N, C, H, W].
func (t *Tensor) Shape() [4]int { return [4]int{t.N, t.C, t.H, t.W} }

// Consistent reports whether t's dimensions are non-negative and its data holds exactly
// N*C*H*W values (a tensor from outside the package may say otherwise).
func (t *Tensor) Consistent() bool {
	return sizeOf(t.N, t.C, t.H, t.W) == len(t.Data)
}

// sizeOf returns the product of dims, or -1 when one is negative or the product overflows int
// (2^60 rows of 16 channels made 0: a tensor of that shape "held" no values).
func sizeOf(dims ...int) int {
	n := 1
	for _, d := range dims {
		if d < 0 || d > 0 && n > math.MaxInt/d {
			return -1
		}
		n *= d
	}
	return n
}

// String describes the tensor by its shape.
func (t *Tensor) String() string { return fmt.Sprintf("Tensor%v", t.Shape()) }

// Activation is applied to a layer's output.
type Activation int

// Activations.
const (
	Identity Activation = iota
	ReLU
)

// ConvOut returns the output length of a convolution or pooling window of size k over in values.
func ConvOut(in, k, stride, pad int) int { return (in+2*pad-k)/stride + 1 }
