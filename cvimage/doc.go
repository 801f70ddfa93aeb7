// Package cvimage reads image files the way the PyTorch reference sees them.
//
// PIL, which the reference uses, decodes JPEGs with libjpeg-turbo. Built with cgo, Open and Read
// decode JPEGs with the same libjpeg-turbo, called as OpenCV's imdecode calls it (its pixels, bit
// for bit; a damaged JPEG is decoded as far as its data goes, as PIL decodes it, with libjpeg's
// warning written to Warnings naming the file), with the same settings as PIL, so the
// pixels of YCbCr and gray JPEGs (every photo of COCO's) equal PIL's and detections on them
// match the reference exactly; a CMYK JPEG's differ by one level in most values (OpenCV's and
// PIL's CMYK to RGB conversions round differently). Built without cgo
// (CGO_ENABLED=0), or with the noopencv build tag (a program that needs cgo for something else
// and does not link OpenCV: go build -tags noopencv), Open falls back to Go's image/jpeg, which differs from libjpeg-turbo on about a
// fifth of the channel values, mostly by one level and at most by 4 (see the README). WebP is
// decoded by OpenCV's libwebp (PIL's decoder, its pixels equal), in cgo builds only: the pixels
// of golang.org/x/image/webp, whose YCbCr planes Go converts to RGB as a JPEG's, were 6.5 levels
// from PIL's on average on a lossy test photo, so Open refuses WebP without cgo, saying so. Other formats (PNG, GIF, TIFF, BMP)
// are decoded by Go in both builds; their decoding is exact either way. A GIF is read as its first
// frame; GIFFrames counts its frames without decoding them (an animated GIF is a video).
//
// Both builds apply a JPEG's EXIF orientation (as PIL's ImageOps.exif_transpose does) and check the
// dimensions in the header against transform.MaxSide and transform.MaxPixels before decoding,
// read before the rest of the file (a header of more than 64 MiB is refused, the rest of it unread;
// a JPEG's metadata that no decoder reads, APP segments and comments, and the chunks of a PNG's
// that Go's decoder passes over, text, iCCP and every other but IHDR, PLTE and tRNS, are passed
// over, not held; a PNG's header is every chunk before its image data, whatever its kind),
// and both refuse a JPEG cut short (libjpeg-turbo would only warn and fill the missing rows with
// grey; PIL and Go's decoder refuse it).
// Read, which returns a gocv.Mat for OpenCV pipelines, exists only in cgo builds, as does
// ReadFit, which reads a JPEG over those limits (a 108 MP phone photo) at 1/2, 1/4 or 1/8 of its
// size with libjpeg-turbo's scaled decoding instead of refusing it (a progressive or multi-scan
// one only where libjpeg's buffer of all its coefficients, held at full size, fits in 800 MB).
package cvimage
