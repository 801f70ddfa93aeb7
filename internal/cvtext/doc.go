// Package cvtext measures text as OpenCV draws it in the Hershey simplex font, remembering each
// measurement, so that labelling a frame allocates nothing once its texts have been seen
// (gocv.GetTextSizeWithBaseline allocates on every call). It is what cvdetect.Draw's labels and
// the video pipeline's frame-rate overlay use. Built without cgo it is empty.
package cvtext
