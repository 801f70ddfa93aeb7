//go:build !cgo

package cvimage

import (
	"image"

	"github.com/shuffledet/shuffledet/transform"
)

// Open decodes the image file at path, applying its EXIF orientation. Without cgo this is
// transform.Open: JPEGs are decoded by Go's image/jpeg.
func Open(path string) (image.Image, error) { return transform.Open(path) }
