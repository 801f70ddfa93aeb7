//go:build cgo && !noopencv

package detector

// parityJPEG is the JPEG that TestParityWithTorchvision adds at 300: train/reference.py decodes it
// with PIL and the Go side with cvimage.Open (OpenCV's libjpeg-turbo, the same library), so both
// start from the same pixels and every stage must agree as it does for PNGs. Only with cgo: Go's
// own JPEG decoder gives other pixels (see the README).
const parityJPEG = "testdata/images/000000010363.jpg"
