//go:build unix

package main

import (
	"context"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shuffledet/shuffledet/internal/fifotest"
)

// TestInterruptWhileReading: a named pipe that no one writes, as -gt or -dt, blocks the read in
// the kernel; Ctrl-C (SIGTERM) still ends the command, saying what it was reading.
func TestInterruptWhileReading(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "pipe.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"-gt", fifo, "-dt", goldenDT}, {"-gt", goldenGT, "-dt", fifo},
		{"-model", "m.bin", "-gt", fifo, "-images", val128}} {
		// The interruption comes once the read of the pipe has begun: after the ground truth
		// before it is read (under the race detector on a loaded machine that took more than
		// the 300 ms given the other cases, and the test saw the ground truth's read interrupted).
		wait := 300 * time.Millisecond
		if args[1] != fifo {
			wait = 3 * time.Second
		}
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		e, _, stderr := testEnv(t, nil)
		code, err := fifotest.Within(t, 10*time.Second, func() (int, error) { return run(ctx, e, append([]string{"cocoeval"}, args...)), nil })
		cancel()
		if err != nil || code != 130 || !strings.Contains(stderr.String(), "interrupted while reading "+fifo) {
			t.Errorf("%v: exit %d: %s", args, code, stderr)
		}
	}
}
