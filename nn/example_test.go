package nn_test

import (
	"fmt"
	"log"

	"github.com/shuffledet/shuffledet/nn"
)

// A 3x3 convolution (padding 1) that sums each pixel's neighbourhood, then a ReLU, on one 4x4
// image; then the 3x3, stride-2 max pool that follows ShuffleNet's stem.
func ExampleConv_Forward() {
	x := nn.NewTensor(1, 1, 4, 4)
	for i := range x.Data {
		x.Data[i] = float32(i) - 5 // -5 .. 10, row by row
	}
	conv := &nn.Conv{InC: 1, OutC: 1, K: 3, Stride: 1, Pad: 1, Groups: 1, Act: nn.ReLU,
		Weight: []float32{1, 1, 1, 1, 1, 1, 1, 1, 1}, Bias: []float32{0}}
	if err := conv.Check(); err != nil {
		log.Fatal(err)
	}
	var s nn.Scratch // one per goroutine: buffers and the thread pool (none: this thread)
	h, w := conv.OutSize(x.H, x.W)
	y := nn.NewTensor(1, conv.OutC, h, w) // the caller sizes the output
	conv.Forward(y, 0, x, nil, &s)
	for r := range y.H {
		fmt.Println(y.Plane(0, 0)[r*y.W : (r+1)*y.W])
	}
	var p nn.Tensor // resized by the pool
	nn.MaxPool3x3s2(&p, y, &s)
	fmt.Println(p.Shape(), p.Data)
	// Output:
	// [0 0 0 0]
	// [0 0 9 9]
	// [21 36 45 33]
	// [22 36 42 30]
	// [1 1 2 2] [0 9 36 45]
}

// A fully connected layer from a PyTorch weight ([out][in]) on a batch of two vectors.
func ExampleLinear_Forward() {
	fc, err := nn.NewLinear(3, 2, []float32{1, 0, -1, 0.5, 0.5, 0.5}, []float32{0, 1})
	if err != nil {
		log.Fatal(err)
	}
	x := []float32{1, 2, 3, 4, 6, 8}
	y := make([]float32, 2*fc.Out)
	fc.Forward(y, x, 2, nil) // nil: on this thread
	fmt.Println(y)
	// Output:
	// [-2 4 -4 10]
}
