//go:build !cgo

package cvimage

import "image"

// Open decodes the image file at path, applying a JPEG's EXIF orientation. Without cgo every
// format is decoded by Go (decode.go): JPEGs by image/jpeg, and WebP is refused.
func Open(path string) (image.Image, error) { return openGo(path) }
