// Package pipeline runs a detector over video files, cameras, network streams and images as a
// pipeline rather than a loop: decoding, preprocessing + detection, and drawing + encoding are
// stages joined by small bounded queues, so decoding and encoding overlap detection, and frames
// leave in order.
//
//	Source (Video, Live, Reconnecting, Images) -> decode -> detect (Workers) -> draw -> Sinks
//	                                                        (VideoWriter, ImageWriter, JSONLines, Window)
//
// Files are read in full (every frame, or every Stride-th), the decoder waiting for the
// detectors. Live sources (cameras, streams) are read as fast as they deliver (every Stride-th
// frame, by arrival, queued for the detectors) and the newest frame wins: a frame still queued
// when a newer one arrives is dropped and counted, so the delay from capture to result stays
// under two detector latencies however slow the model is, as long as the outputs (drawing,
// encoding) keep up with the detectors (frames detected wait for them; only frames not yet
// detected are dropped). Frames that cannot be decoded are skipped and counted; a lost live
// source can be reopened with backoff (Reconnect). Stats gathers counts and per-stage latencies
// for the end-of-run summary.
//
// Everything that touches OpenCV needs cgo (gocv v0.31.0 on OpenCV 4.6). Built without cgo (or
// with -tags noopencv) the package holds only Stats, the JSON lines writer, RedactURL, the
// camera numbers' check (CheckCamera, MaxCamera) and the image fetch (IsHTTP, FetchImage,
// MaxImageBytes), which cmd/detect's build without OpenCV uses too.
package pipeline
