package cvimage_test

import (
	"fmt"
	"log"

	"github.com/shuffledet/shuffledet/cvimage"
)

// Decode a JPEG as PyTorch's PIL does (with cgo): the image a detector's Detect takes.
func ExampleOpen() {
	img, err := cvimage.Open("../testdata/images/000000001503.jpg")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(img.Bounds().Size())
	// Output: (320,240)
}
