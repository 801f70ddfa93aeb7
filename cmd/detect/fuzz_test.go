package main

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/shuffledet/shuffledet/internal/quote"
	"github.com/shuffledet/shuffledet/pipeline"
)

// FuzzParseInputs feeds command-line inputs to parseInputs: it never panics, every error names
// the input it refuses (quoted where it holds a control character) on one line, and every input it accepts is classified consistently with its spelling
// (camera:N and /dev/videoN are cameras with that number, other character devices under /dev
// cameras without one, URLs with a stream scheme are streams,
// everything else is a file found on disk).
func FuzzParseInputs(f *testing.F) {
	for _, s := range []string{"camera:0", "camera:-1", "camera:", "camera:99999999999999999999", "/dev/video0",
		"/dev/video", "/dev/null", "/dev/video01", "rtsp://10.0.0.2:554/live", "HTTP://host/a.ts", "ftp://host/x", "://", "%zz://x",
		"http://[::1", "rtsp://u:p%ss@h/x", "rtsp://h/x?user=a&password=s", "A://", ".", "testdata", "no-such-file.mp4", "", "camera:0x1", "a\x00b", "a\nb.jpg", "rtsp://h/a\nb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		ins, err := parseInputs([]string{arg})
		if err != nil {
			// (a URL's secrets hidden; a name with a control character quoted, the message
			// one line)
			if !strings.Contains(err.Error(), quote.Name(pipeline.RedactURL(arg))) || strings.ContainsFunc(err.Error(), unicode.IsControl) {
				t.Fatalf("parseInputs(%q): error %q does not name the input as messages show it", arg, err)
			}
			return
		}
		if len(ins) == 0 {
			t.Fatalf("parseInputs(%q): no error and no input", arg)
		}
		for _, in := range ins {
			switch in.kind {
			case cameraInput:
				number, ok := strings.CutPrefix(arg, "camera:")
				if !ok {
					number, ok = strings.CutPrefix(arg, "/dev/video")
				}
				n, err := strconv.Atoi(number)
				if !ok || err != nil {
					n = -1 // a device file named otherwise
				}
				if in.spec != arg || n != in.camera || !strings.HasPrefix(arg, "/dev/") && in.camera < 0 {
					t.Fatalf("parseInputs(%q): camera %+v", arg, in)
				}
			case streamInput:
				if in.spec != arg || !strings.Contains(arg, "://") {
					t.Fatalf("parseInputs(%q): stream %+v", arg, in)
				}
			case imageInput:
				if !isImage(in.imageFile()) {
					t.Fatalf("parseInputs(%q): image %+v without an image extension", arg, in)
				}
			case videoInput:
				if in.spec != arg {
					t.Fatalf("parseInputs(%q): video %+v", arg, in)
				}
			default:
				t.Fatalf("parseInputs(%q): kind %d", arg, in.kind)
			}
		}
	})
}

// FuzzParseSize feeds -size values to parseSize: it never panics, an accepted size has both
// sides in [32, 8192] and spells back (as HxW) to the same size, and a refusal quotes the value.
func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"224x224", "640X480", "31x32", "8192x8192", "8193x32", "x", "", "1x2x3",
		"-224x224", "+224x+224", "0224x224", "99999999999999999999x1", " 224x224"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, w, err := parseSize(s)
		if err != nil {
			if !strings.Contains(err.Error(), fmt.Sprintf("%q", s)) {
				t.Fatalf("parseSize(%q): error %q does not quote the value", s, err)
			}
			return
		}
		if h < 32 || w < 32 || h > 8192 || w > 8192 {
			t.Fatalf("parseSize(%q) = %d, %d: outside [32, 8192]", s, h, w)
		}
		h2, w2, err := parseSize(fmt.Sprintf("%dx%d", h, w))
		if err != nil || h2 != h || w2 != w {
			t.Fatalf("parseSize(%q) = %d, %d, which spells back to %d, %d, %v", s, h, w, h2, w2, err)
		}
	})
}
