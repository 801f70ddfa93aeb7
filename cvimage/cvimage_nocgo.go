//go:build !cgo || noopencv

package cvimage

import (
	"image"
	"io"
)

// Decoders names what reads images in this build: Go's own decoders, no OpenCV (for -version).
func Decoders() string { return "no OpenCV (Go's image decoders; images only)" }

// Open decodes the image file at path, applying a JPEG's EXIF orientation. Without cgo every
// format is decoded by Go (decode.go): JPEGs by image/jpeg, and WebP is refused.
func Open(path string) (image.Image, error) { return openGo(path) }

// Decode is Open for an image read from r once, start to end (an upload's body, a []byte through
// bytes.NewReader); name names it in errors. The same formats, EXIF orientation and limits.
func Decode(r io.Reader, name string) (image.Image, error) { return decodeGo(r, name) }
