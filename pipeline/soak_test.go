//go:build cgo && !noopencv && soak && matprofile

package pipeline

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"gocv.io/x/gocv"

	"github.com/shuffledet/shuffledet/detector"
	_ "github.com/shuffledet/shuffledet/internal/mallocarenas" // as cmd/detect runs
	"github.com/shuffledet/shuffledet/internal/videotest"
)

var (
	soakDuration = flag.Duration("soak.duration", 10*time.Minute, "how long TestSoak runs")
	soakEvery    = flag.Duration("soak.every", time.Minute, "how often TestSoak reports")
)

// memKB returns the process's resident memory in KiB: all of it (VmRSS) and its anonymous
// part (RssAnon: heaps, stacks, buffers), which is where a leak shows; the file-backed rest is
// shared-library code and data paged in as first used, and grows or shrinks with the page cache.
func memKB(t *testing.T) (rss, anon int) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	field := func(name string) int {
		for _, line := range bytes.Split(b, []byte("\n")) {
			if f := bytes.Fields(line); len(f) >= 2 && string(f[0]) == name {
				n, err := strconv.Atoi(string(f[1]))
				if err != nil {
					t.Fatal(err)
				}
				return n
			}
		}
		t.Fatalf("no %s in /proc/self/status", name)
		return 0
	}
	return field("VmRSS:"), field("RssAnon:")
}

// warmup is the number of frames after which memory should be flat: the H.264 encoder's
// lookahead (40 frames) is full and the detector has seen every frame size and proposal count.
const warmup = 100

// TestSoak loops the clip through the pipeline as detect runs it (0.5x model at 300, frames
// drawn, H.264 video, JSON lines) for -soak.duration, printing resident memory, open Mats, the
// live Go heap and what the Go runtime holds from the OS (the rest of the anonymous memory is
// OpenCV's and FFmpeg's) at the start, every -soak.every and at the end. It fails if Mats are
// left open; the RSS growth is reported against the first report after warmup frames (make soak).
func TestSoak(t *testing.T) {
	det, err := detector.Load(videotest.Model(t, "shufflenet-g3-0.5x-300", 0, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	clip := videotest.Clip(t)
	src := &loop{open: func() (Source, error) { return OpenVideo(clip) }}
	vw, err := NewVideoWriter(filepath.Join(t.TempDir(), "soak.mp4"), videotest.ClipFPS)
	if err != nil {
		t.Fatal(err)
	}
	stats := &Stats{}
	start := time.Now()
	var base, baseAnon, last, lastAnon int
	report := func(when string) {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		rss, anon := memKB(t)
		last, lastAnon = rss, anon
		growth := ""
		if base > 0 {
			growth = fmt.Sprintf("  (since warm-up: RSS %+.2f%%, anonymous %+.2f%%)", 100*float64(rss-base)/float64(base),
				100*float64(anon-baseAnon)/float64(baseAnon))
		}
		fmt.Printf("soak %-7s %6.1f min  %6d frames  RSS %7.1f MiB  anonymous %7.1f MiB  Mats %3d  Go heap %6.1f MiB  Go held %6.1f MiB%s\n", when,
			time.Since(start).Minutes(), stats.Counts().Frames, float64(rss)/1024, float64(anon)/1024, gocv.MatProfile.Count(),
			float64(ms.HeapAlloc)/(1<<20), float64(ms.Sys-ms.HeapReleased)/(1<<20), growth)
	}
	report("start")
	ctx, cancel := context.WithTimeout(context.Background(), *soakDuration)
	defer cancel()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(*soakEvery)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				report("running")
				if base == 0 && stats.Counts().Frames >= warmup {
					base, baseAnon = last, lastAnon
				}
			}
		}
	}()
	err = Run(ctx, src, det, []Sink{NewJSONLines(io.Discard), vw}, Options{Draw: true, Workers: 1, Stats: stats})
	close(done)
	wg.Wait()
	if err != context.DeadlineExceeded {
		t.Fatalf("Run: %v", err)
	}
	if err := vw.Close(); err != nil {
		t.Fatal(err)
	}
	report("end")
	stats.Summary(os.Stdout)
	if n := gocv.MatProfile.Count(); n != 0 {
		t.Fatalf("%d Mats left open", n)
	}
}
