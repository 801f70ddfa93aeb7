//go:build !cgo || noopencv

package detector

// parityJPEG is empty where cvimage decodes JPEGs with Go's own decoder, whose pixels are not
// PIL's: TestParityWithTorchvision then compares PNGs alone.
const parityJPEG = ""
