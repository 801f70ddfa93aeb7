package version

import (
	"runtime"
	"strings"
	"testing"

	"github.com/shuffledet/shuffledet/internal/kernels"
)

// TestLine: the line names the program, the Go toolchain, the target, the kernels chosen for
// this CPU and the extras, in that order.
func TestLine(t *testing.T) {
	got := Line("detect", "OpenCV 4.6.0")
	want := []string{"detect shuffledet", runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH, "kernels " + kernels.ISA(), ", OpenCV 4.6.0"}
	at := 0
	for _, w := range want {
		i := strings.Index(got[at:], w)
		if i < 0 {
			t.Fatalf("%q: no %q after byte %d", got, w, at)
		}
		at += i + len(w)
	}
	if at != len(got) {
		t.Errorf("%q: more after the extras", got)
	}
}
