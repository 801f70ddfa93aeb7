//go:build cgo && !noopencv

package main

// #cgo pkg-config: opencv4
// #cgo CXXFLAGS: -std=c++11
// void quietOpenCV(void);
import "C"

import "os"

// OpenCV's own messages (a capture backend that is not there, tried on the way to the one that
// is) and FFmpeg's (one a damaged packet: "partial file", "Invalid NAL unit size") say again,
// many times over, what detect says once in its own words: OpenCV's are kept from its ERROR
// level up, FFmpeg's are not shown. OpenCV reads OPENCV_LOG_LEVEL as it loads, before any Go
// code runs, so its level is set through its API; OpenCV's FFmpeg backend reads
// OPENCV_FFMPEG_LOGLEVEL when it opens a file (set at all, to any value, it keeps FFmpeg from
// printing: 28 lines for a clip cut short before). A user's own OPENCV_LOG_LEVEL (e.g. INFO) or
// OPENCV_FFMPEG_LOGLEVEL is left as it is.
func init() {
	if _, set := os.LookupEnv("OPENCV_LOG_LEVEL"); !set {
		C.quietOpenCV()
	}
	if _, set := os.LookupEnv("OPENCV_FFMPEG_LOGLEVEL"); !set {
		os.Setenv("OPENCV_FFMPEG_LOGLEVEL", "8")
	}
}
