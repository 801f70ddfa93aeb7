//go:build cgo && !noopencv

package pipeline

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
)

// TestCheckDisplay: -show's check before any work tries the display's socket, so that a stale
// DISPLAY (OpenCV's Qt backend aborts the process on one) is an error naming it; an X server on
// TCP (a free display number's port here) passes while it listens.
func TestCheckDisplay(t *testing.T) {
	var l net.Listener
	var display string
	for n := 100; n < 1000 && l == nil; n++ {
		if ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", 6000+n)); err == nil {
			l, display = ln, fmt.Sprintf("127.0.0.1:%d.0", n)
		}
	}
	if l == nil {
		t.Fatal("no free X display port")
	}
	t.Setenv("WAYLAND_DISPLAY", "")
	t.Setenv("DISPLAY", display)
	if err := CheckDisplay(); err != nil {
		t.Errorf("DISPLAY %s, listening: %v", display, err)
	}
	l.Close()
	for _, c := range []struct{ display, wayland, want string }{
		{display, "", "DISPLAY " + display + " cannot be reached"},
		{":59000", "", "DISPLAY :59000 cannot be reached"}, // (no X server's socket at /tmp/.X11-unix/X59000)
		{"screen", "", `DISPLAY screen is not an X display`},
		{"", "", "neither DISPLAY nor WAYLAND_DISPLAY is set"},
		{"", "/nonexistent/wayland-0", "WAYLAND_DISPLAY /nonexistent/wayland-0 cannot be reached"},
	} {
		t.Setenv("DISPLAY", c.display)
		t.Setenv("WAYLAND_DISPLAY", c.wayland)
		if err := CheckDisplay(); !errors.Is(err, ErrNoDisplay) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("DISPLAY %q, WAYLAND_DISPLAY %q: %v, want ErrNoDisplay saying %q", c.display, c.wayland, err, c.want)
		}
	}
}
