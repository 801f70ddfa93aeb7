package anchors_test

import (
	"fmt"

	"github.com/shuffledet/shuffledet/anchors"
)

// The anchors of a 2x3 feature map computed from a 32x48 input (stride 16): two sizes times
// three aspect ratios at each location, location-major.
func ExampleGenerator_ForImage() {
	g := anchors.NewGenerator([]float32{16, 32}, []float32{0.5, 1, 2})
	grid := g.ForImage(32, 48, 2, 3)
	fmt.Println(len(grid), "anchors; stride", anchors.Stride(32, 2))
	for _, a := range grid[:6] { // location (0, 0)
		fmt.Println(a)
	}
	fmt.Println(grid[6*4+1]) // location (y=1, x=1), the second cell anchor: shifted by (16, 16)
	// Output:
	// 36 anchors; stride 16
	// {-11 -6 11 6}
	// {-23 -11 23 11}
	// {-8 -8 8 8}
	// {-16 -16 16 16}
	// {-6 -11 6 11}
	// {-11 -23 11 23}
	// {-7 5 39 27}
}

// Cell anchors are rounded half to even, as torch.round does: a 45-pixel square spans 44 pixels.
func ExampleCell() {
	fmt.Println(anchors.Cell([]float32{45}, []float32{1}))
	// Output: [{-22 -22 22 22}]
}
