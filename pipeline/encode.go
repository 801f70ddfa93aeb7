//go:build cgo && !noopencv

package pipeline

// #cgo pkg-config: opencv4
// #cgo CXXFLAGS: -std=c++11
// #include <stdlib.h>
// int encodeImage(void *mat, const char *ext, unsigned char **data, size_t *len, char *msg, size_t msgLen);
import "C"

import (
	"errors"
	"unsafe"

	"gocv.io/x/gocv"
)

// encode encodes m as an image file of type ext (".jpg", ".png", ...). It is gocv.IMEncode with
// OpenCV's exceptions caught: gocv v0.31's IMEncode lets one through (a 20000-pixel-wide WebP,
// a type no encoder writes), which ends the process, where gocv.IMWrite catches it but then says
// nothing of why a write failed.
func encode(ext string, m gocv.Mat) ([]byte, error) {
	cext := C.CString(ext)
	defer C.free(unsafe.Pointer(cext))
	var data *C.uchar
	var n C.size_t
	var msg [256]C.char
	if C.encodeImage(unsafe.Pointer(m.Ptr()), cext, &data, &n, &msg[0], C.size_t(len(msg))) == 0 {
		return nil, errors.New(C.GoString(&msg[0]))
	}
	defer C.free(unsafe.Pointer(data))
	return C.GoBytes(unsafe.Pointer(data), C.int(n)), nil
}
