//go:build unix

package main

import (
	"bytes"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestHangupInterrupts runs the cocoeval binary and hangs up on it (the terminal closed, an ssh
// session dropped, an hour into minival): it is an interruption, as Ctrl-C and SIGTERM are (the
// results of the images done written, status 130), not the end of the process with nothing
// written; it says so at once. The hang-up comes while -gt, a named pipe, is being read: once
// cocoeval has it open, its signals have long been set up.
func TestHangupInterrupts(t *testing.T) {
	// Under nohup (a CI runner may start make so) SIGHUP is ignored here, and an ignored signal
	// stays ignored across exec: handled here while the binary starts, it comes to the binary at
	// its default, as from a terminal, so the test runs wherever the suite runs.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	dir := t.TempDir()
	bin := filepath.Join(dir, "cocoeval")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	fifo := filepath.Join(dir, "gt.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-gt", fifo, "-dt", goldenDT)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// A writer's open that does not wait succeeds once the pipe has its reader.
	var w *os.File
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		var err error
		if w, err = os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("cocoeval did not open %s in a minute: %v; stderr %s", fifo, err, stderr.String())
		}
	}
	defer w.Close()
	cmd.Process.Signal(syscall.SIGHUP)
	err := cmd.Wait()
	// Said at once (a run over minival has images in flight for seconds), then what was cut short.
	if code := cmd.ProcessState.ExitCode(); code != 130 || !strings.HasPrefix(stderr.String(), "cocoeval: interrupted: finishing what is in progress (press Ctrl-C again to quit at once, writing nothing)\n") ||
		!strings.Contains(stderr.String(), "interrupted while reading "+fifo) {
		t.Fatalf("exit %v (code %d, want 130: an interruption); stderr %q", err, code, stderr.String())
	}
}
