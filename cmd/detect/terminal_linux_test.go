//go:build linux && cgo && !noopencv

package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/shuffledet/shuffledet/internal/videotest"
)

// openPTY opens a pseudo-terminal: what is written to tty is read from pt, as a terminal shows it.
func openPTY(t *testing.T) (pt, tty *os.File) {
	t.Helper()
	pt, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { pt.Close() })
	if err := unix.IoctlSetPointerInt(int(pt.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(pt.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	return pt, tty
}

// TestJSONLinesAboveTheBar: detect on a terminal, its JSON lines on it too (-json -, the
// default): each line starts a line of its own, the bar's text erased first, with the bar drawn
// below it (each line ran on from the bar's text: "... (3/40, 25 frames/s) [0s:1s]{"source":...").
func TestJSONLinesAboveTheBar(t *testing.T) {
	pt, tty := openPTY(t)
	var screen bytes.Buffer
	read := make(chan struct{})
	go func() { io.Copy(&screen, pt); close(read) }() // (until tty is closed: EIO)
	code := runMain([]string{"detect", "-model", videotest.Tiny(t), "-no-video", videotest.Clip(t)}, tty, tty)
	tty.Close()
	<-read
	got := screen.String()
	if code != 0 || !strings.Contains(got, "40/40") || !strings.Contains(got, "%") {
		t.Fatalf("exit %d; want a bar that ends at 40/40:\n%q", code, got)
	}
	lines := strings.Split(got, `{"source"`)
	if len(lines) != 41 {
		t.Fatalf("%d JSON lines, want 40:\n%q", len(lines)-1, got)
	}
	for i, before := range lines[:len(lines)-1] {
		if before != "" && !strings.HasSuffix(before, "\r") && !strings.HasSuffix(before, "\n") {
			t.Fatalf("JSON line %d runs on from %q", i, before[strings.LastIndexAny(before, "\r\n")+1:])
		}
		if k := strings.LastIndex(before, "\r\n"); i > 0 && !strings.Contains(before[k+1:], "frames") {
			t.Errorf("no bar drawn between JSON lines %d and %d: %q", i-1, i, before)
		}
	}
}
