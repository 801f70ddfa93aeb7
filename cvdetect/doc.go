// Package cvdetect connects a shuffledet detector to OpenCV pipelines written with gocv: Detect
// takes a gocv.Mat (8-bit BGR, any size, continuous or a region of a larger Mat) and returns its
// detections, reading the pixels in place; Draw draws detections on a Mat.
//
// The package needs cgo and OpenCV (gocv v0.31.0 on OpenCV 4.6). Built without cgo, or with -tags noopencv, it is empty:
// use detector.Detector.DetectBGR on your own buffers instead.
package cvdetect
