//go:build cgo && !noopencv

package cvimage_test

import (
	"bytes"
	"fmt"
	"log"
	"os"

	"github.com/shuffledet/shuffledet/cvimage"
)

// A damaged JPEG (here: a restart marker that does not belong, in the middle of its image data)
// is decoded as far as its data goes, as PIL decodes it, and libjpeg's warning goes to
// cvimage.Warnings, naming the image; here standard output, where an application might pass its
// own log.
func ExampleWarnings() {
	data, err := os.ReadFile("../testdata/images/000000001503.jpg")
	if err != nil {
		log.Fatal(err)
	}
	mid := bytes.Index(data, []byte{0xff, 0xda}) + 2000
	damaged := append(append(append([]byte{}, data[:mid]...), 0xff, 0xd0), data[mid:]...)

	cvimage.Warnings = os.Stdout
	defer func() { cvimage.Warnings = os.Stderr }()
	img, err := cvimage.Decode(bytes.NewReader(damaged), "damaged.jpg")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(img.Bounds().Size())
	// Output:
	// cvimage: image damaged.jpg (jpeg): decoded despite libjpeg's warning (damaged data decodes as far as it goes): Corrupt JPEG data: premature end of data segment (and 1 more warning)
	// (320,240)
}
