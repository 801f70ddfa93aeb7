package transform_test

import (
	"fmt"

	"github.com/shuffledet/shuffledet/transform"
)

// A video frame from OpenCV (interleaved BGR) preprocessed at the 600/1000 resolution.
func ExamplePreprocessor_BGR() {
	p, err := transform.New(transform.DefaultConfig(600, 1000))
	if err != nil {
		panic(err)
	}
	w, h := 768, 432
	frame := make([]byte, 3*w*h) // e.g. gocv Mat.ToBytes()
	out, err := p.BGR(frame, w, h, 3*w)
	if err != nil {
		panic(err)
	}
	fmt.Printf("original %dx%d, resized %dx%d, padded %dx%d, %d floats\n",
		out.OrigWidth, out.OrigHeight, out.ResizedWidth, out.ResizedHeight, out.Width, out.Height, len(out.Data))
	// Output: original 768x432, resized 1000x562, padded 1024x576, 1769472 floats
}
