package nms_test

import (
	"fmt"

	"github.com/shuffledet/shuffledet/boxes"
	"github.com/shuffledet/shuffledet/nms"
)

// Greedy NMS: the second box overlaps the first (IoU 81/119 = 0.68 > 0.5) and is suppressed.
func ExampleSuppressor_NMS() {
	bs := []boxes.Box{{X1: 0, Y1: 0, X2: 10, Y2: 10}, {X1: 1, Y1: 1, X2: 11, Y2: 11}, {X1: 20, Y1: 20, X2: 30, Y2: 30}}
	scores := []float32{0.8, 0.9, 0.7}
	var s nms.Suppressor // reuse it: after the first call it does not allocate
	keep := s.NMS(nil, bs, scores, 0.5, 0)
	fmt.Println("kept, best first:", keep)
	// Output: kept, best first: [1 2]
}

// Per-class NMS: boxes of different classes never suppress each other.
func ExampleSuppressor_Batched() {
	bs := []boxes.Box{{X1: 0, Y1: 0, X2: 10, Y2: 10}, {X1: 1, Y1: 1, X2: 11, Y2: 11}, {X1: 1, Y1: 1, X2: 11, Y2: 11}}
	scores := []float32{0.9, 0.8, 0.7}
	classes := []int{1, 2, 1} // box 1 is another class than box 0; box 2 the same
	var s nms.Suppressor
	fmt.Println(s.Batched(nil, bs, scores, classes, 0.5, 0))
	// At most one box:
	fmt.Println(s.Batched(nil, bs, scores, classes, 0.5, 1))
	// Output:
	// [0 1]
	// [0]
}
