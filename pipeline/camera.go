package pipeline

import "fmt"

// MaxCamera is the largest camera number OpenCamera takes: OpenCV reads a number of 100 or more
// as a capture backend (hundreds) and a device (the rest), so camera 200 would open device 0
// through Video4Linux, and a larger one wraps in C's int, while messages and JSON lines named the
// number given. A device numbered higher is opened by its device file (/dev/video100).
const MaxCamera = 99

// CheckCamera returns an error saying which numbers are taken when n is not a device number
// OpenCamera takes; the caller names the camera as it was given.
func CheckCamera(n int) error {
	if n < 0 || n > MaxCamera {
		return fmt.Errorf("a camera is camera:N with N from 0 (the first) to %d; open a device numbered higher by its device file (/dev/videoN)", MaxCamera)
	}
	return nil
}
