//go:build !cgo || noopencv

package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/shuffledet/shuffledet/internal/torchref"
	"github.com/shuffledet/shuffledet/internal/videotest"
	"github.com/shuffledet/shuffledet/parallel"
)

// TestOneDetectorWithoutCgo: without cgo one detector runs, on every core by default, and
// -workers (a cgo build's detectors at once) is refused instead of ignored.
func TestOneDetectorWithoutCgo(t *testing.T) {
	set := flag.NewFlagSet("detect", flag.ContinueOnError)
	for _, f := range newApp().Flags {
		if err := f.Apply(set); err != nil {
			t.Fatal(err)
		}
	}
	if n := threads(cli.NewContext(newApp(), set, nil)); n != runtime.GOMAXPROCS(0) {
		t.Errorf("default threads %d, want every core (%d)", n, runtime.GOMAXPROCS(0))
	}
	img := filepath.Join(torchref.RepoRoot(t), "testdata/images/000000001503.jpg")
	if _, _, err := run(t, "-model", "m.bin", "-workers", "2", img); err == nil || !strings.Contains(err.Error(), "-workers needs detect built with cgo") {
		t.Errorf("-workers without cgo: %v", err)
	}
	// A stream refused is named without its password, as in every message.
	if _, _, err := run(t, "-model", "m.bin", "rtsp://admin:hunter2@10.0.0.5/live"); err == nil || !strings.Contains(err.Error(), "rtsp://admin:xxxxx@10.0.0.5/live: video files, cameras and streams need") {
		t.Errorf("a stream without cgo: %v", err)
	}
	// Too many threads: the message names -threads alone (it named "-workers 1", a flag this build refuses).
	many := fmt.Sprint(parallel.Budget() + 1)
	if _, _, err := run(t, "-model", "m.bin", "-threads", many, img); err == nil || !strings.HasPrefix(err.Error(), "-threads "+many+": ") {
		t.Errorf("-threads %s without cgo: %v", many, err)
	}
}

// TestOneImageFailedWithoutCgo: one image that cannot be read fails as "1 of 1 image failed",
// not "images".
func TestOneImageFailedWithoutCgo(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.jpg")
	if err := os.WriteFile(bad, []byte("not a JPEG"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, err := run(t, "-model", videotest.Tiny(t), bad); err == nil || err.Error() != "1 of 1 image failed" {
		t.Errorf("one unreadable image: %v, want \"1 of 1 image failed\"\n%s", err, stderr)
	}
}
