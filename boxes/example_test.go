package boxes_test

import (
	"fmt"
	"math"

	"github.com/shuffledet/shuffledet/boxes"
)

// Decode a box predictor's regression deltas against a proposal. The package decodes only
// (training, in PyTorch, encodes); the deltas here are torchvision's encode_single of the target
// box, worked out by hand: centre offsets in proposal widths and heights and log size ratios,
// each times the coder's weight.
func ExampleCoder_Decode() {
	proposal := boxes.Box{X1: 0, Y1: 0, X2: 32, Y2: 32}
	target := boxes.Box{X1: 8, Y1: 4, X2: 72, Y2: 36} // centre (40, 20), 64 x 32
	c := boxes.NewCoder(10, 10, 5, 5)                 // the box head's weights
	dx := 10 * (40 - 16) / float32(32)
	dy := 10 * (20 - 16) / float32(32)
	dw := 5 * float32(math.Log(float64(target.Width()/proposal.Width())))
	dh := 5 * float32(math.Log(float64(target.Height()/proposal.Height())))
	fmt.Printf("deltas %.3f %.3f %.3f %.3f\n", dx, dy, dw, dh)
	got := c.Decode(proposal, dx, dy, dw, dh)
	fmt.Printf("decoded %.1f, IoU with the target %.3f\n", got, boxes.IoU(got, target))

	// A size change beyond DefaultXformClip (62.5 times) is capped; clipping keeps the box
	// within a 640 x 480 image.
	huge := c.Decode(proposal, 0, 0, 100, 0)
	fmt.Printf("capped %.1f, clipped %.1f\n", huge, huge.Clip(640, 480))
	// Output:
	// deltas 7.500 1.250 3.466 0.000
	// decoded {8.0 4.0 72.0 36.0}, IoU with the target 1.000
	// capped {-984.0 0.0 1016.0 32.0}, clipped {0.0 0.0 640.0 32.0}
}
