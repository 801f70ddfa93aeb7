//go:build unix

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shuffledet/shuffledet/internal/fifotest"
)

// TestInterruptWhileReading: a named pipe that no one writes, as -gt or -dt, blocks the read in
// the kernel; Ctrl-C (SIGTERM) still ends the command, saying what it was reading. The
// interruption comes once the command has the pipe open for reading (a writer's open that does
// not wait then succeeds; that writer writes nothing): after whatever it reads before, however
// long that takes (a fixed 300 ms, then 3 s, was too short under the race detector or qemu on a
// loaded machine: the test saw the ground truth before the pipe interrupted).
func TestInterruptWhileReading(t *testing.T) {
	for i, args := range [][]string{{"-gt", "", "-dt", goldenDT}, {"-gt", goldenGT, "-dt", ""},
		{"-model", "m.bin", "-gt", "", "-images", val128}} {
		// A pipe of its own for each case: a reader left blocked by the case before would let
		// the writer's open succeed before this case reads.
		fifo := filepath.Join(t.TempDir(), fmt.Sprintf("pipe%d.json", i))
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Fatal(err)
		}
		args[slices.Index(args, "")] = fifo
		e, _, stderr := testEnv(t, nil)
		ctx, cancel := context.WithCancel(context.Background())
		ran := make(chan struct{})
		writer := make(chan *os.File, 1)
		go func() { // Ctrl-C once the pipe has its reader
			for {
				if w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
					writer <- w
					cancel()
					return
				}
				select {
				case <-ran:
					writer <- nil
					return
				case <-time.After(5 * time.Millisecond):
				}
			}
		}()
		code, err := fifotest.Within(t, time.Minute, func() (int, error) { return run(ctx, e, append([]string{"cocoeval"}, args...)), nil })
		close(ran)
		if w := <-writer; w != nil {
			w.Close() // (the read left behind ends)
		}
		cancel()
		if err != nil || code != 130 || !strings.Contains(stderr.String(), "interrupted while reading "+fifo) {
			t.Errorf("%v: exit %d: %s", args, code, stderr)
		}
	}
}
