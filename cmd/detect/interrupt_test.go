package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shuffledet/shuffledet/internal/testmodel"
	"github.com/shuffledet/shuffledet/modelfile"
)

// TestInterruptKeepsWrittenResults runs the detect binary on many images, interrupts it once
// the output file has its first line, and requires every completed image's line on disk.
func TestInterruptKeepsWrittenResults(t *testing.T) {
	dir := t.TempDir()
	bin := detectBinary(t)
	cfg, ts, err := testmodel.Detector("shufflenet-g3-0.25x-300", 3)
	if err != nil {
		t.Fatal(err)
	}
	model := filepath.Join(dir, "tiny.bin")
	if err := modelfile.Write(model, *cfg, ts); err != nil {
		t.Fatal(err)
	}
	args := []string{"-model", model, "-json", filepath.Join(dir, "out.jsonl")}
	// Enough images (minutes of work) that the interrupt comes mid-run however long the test
	// waits for a core after the first line.
	for i := 0; i < 5000; i++ {
		args = append(args, "../../testdata/images/000000001503.jpg")
	}
	cmd := exec.Command(bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Interrupt once the first image's line is on disk.
	out := filepath.Join(dir, "out.jsonl")
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if b, _ := os.ReadFile(out); bytes.Count(b, []byte("\n")) > 0 {
			break
		}
	}
	cmd.Process.Signal(syscall.SIGINT)
	err = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 130 || !strings.Contains(stderr.String(), "interrupted after") {
		t.Fatalf("exit %v (code %d, want 130: an interruption, not a failure), stderr %q", err, code, stderr.String())
	}
	if withOpenCV && !strings.Contains(stderr.String(), "hold every finished image") { // (images, counted as the summary counts them)
		t.Errorf("the interruption's message should speak of images: %q", stderr.String())
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if !strings.HasPrefix(sc.Text(), `{"source":`) || !strings.HasSuffix(sc.Text(), "]}") {
			t.Fatalf("line %d is incomplete: %q", n, sc.Text())
		}
		n++
	}
	if n == 0 {
		t.Fatalf("%d lines written; stderr %q", n, stderr.String())
	}
}
