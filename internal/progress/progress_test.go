package progress

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestLogMode(t *testing.T) {
	defer func(d time.Duration) { logEvery = d }(logEvery)
	logEvery = 0 // a line per Add
	var out bytes.Buffer
	b := New(&out, 4, "images")
	if b.bar != nil {
		t.Fatal("a bytes.Buffer is not a terminal")
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() { defer wg.Done(); b.Add(1) }()
	}
	wg.Wait()
	b.Finish()
	b.Finish()
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 4 { // the line at the fourth is the last: Finish does not repeat it
		t.Fatalf("%d lines, want 4:\n%s", len(lines), out.String())
	}
	for i, l := range lines {
		n := i + 1
		if !strings.HasPrefix(l, fmt.Sprintf("%d/4 images (", n)) || !strings.Contains(l, "images/s") {
			t.Errorf("line %d: %q", i, l)
		}
	}
	if !strings.HasSuffix(lines[3], "ETA 0s") {
		t.Errorf("final line %q", lines[3])
	}
}

func TestLogModeIsQuietBetweenLines(t *testing.T) {
	var out bytes.Buffer
	b := New(&out, 1000, "images")
	for range 999 {
		b.Add(1)
	}
	if out.Len() != 0 {
		t.Errorf("wrote %q before 10 s had passed", out.String())
	}
	b.Finish() // interrupted at 999
	if got := out.String(); !strings.HasPrefix(got, "999/1000 images (99.9%)") || strings.Count(got, "\n") != 1 {
		t.Errorf("final line %q", got)
	}
}

func TestNilBar(t *testing.T) {
	for _, b := range []*Bar{New(nil, 10, "images"), New(&bytes.Buffer{}, 0, "images")} {
		if b != nil {
			t.Fatal("want a nil Bar")
		}
		b.Add(1) // no panic
		b.Finish()
	}
}

// TestBarMode drives the terminal bar into a buffer: it ends at 5/5 on its own line.
func TestBarMode(t *testing.T) {
	var out bytes.Buffer
	b := newBar(&out, 5, "images", true)
	for range 5 {
		b.Add(1)
	}
	b.Finish()
	b.Finish()
	if got := out.String(); !strings.Contains(got, "5/5") || !strings.HasSuffix(got, "\n") {
		t.Errorf("bar output %q", got)
	}
	out.Reset()
	b = newBar(&out, 5, "images", true)
	b.Add(2)
	b.Finish() // interrupted
	if got := out.String(); strings.Contains(got, "5/5") || !strings.HasSuffix(got, "\n") {
		t.Errorf("interrupted bar output %q", got)
	}
}

// TestUnknownTotal is a live source: counts set from outside, a label with the drops, no ETA.
func TestUnknownTotal(t *testing.T) {
	defer func(d time.Duration) { logEvery = d }(logEvery)
	logEvery = 0
	var out bytes.Buffer
	b := New(&out, Unknown, "frames")
	b.Label("camera:0 (2 dropped)")
	b.Set(7)
	b.Finish()
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 1 { // Set's line said the final count: Finish does not repeat it
		t.Fatalf("%d lines, want 1:\n%s", len(lines), out.String())
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "camera:0 (2 dropped): 7 frames, ") || strings.Contains(l, "ETA") {
			t.Errorf("line %q", l)
		}
	}

	out.Reset()
	b = newBar(&out, Unknown, "frames", true)
	b.Label("cam")
	b.Set(3)
	b.Finish()
	if got := out.String(); !strings.Contains(got, "cam") || !strings.Contains(got, "3") || !strings.HasSuffix(got, "\n") {
		t.Errorf("spinner output %q", got)
	}
}

// TestSetIsAbsolute: Set replaces the count, as a caller with its own counter expects.
func TestSetIsAbsolute(t *testing.T) {
	var out bytes.Buffer
	b := New(&out, 40, "frames")
	b.Label("clip.mp4")
	b.Set(5)
	b.Set(40)
	b.Finish()
	if got := out.String(); !strings.HasPrefix(got, "clip.mp4: 40/40 frames (100.0%)") || strings.Count(got, "\n") != 1 {
		t.Errorf("final line %q", got)
	}
}

// TestAbove: a line written Above a terminal bar starts where the bar's line started, the bar's
// text erased, not after it (a JSON line on the terminal ran on from the bar); the bar is drawn
// again below it at its next count, and once it is finished a write erases nothing. A Bar made
// on Above's writer draws on the writer itself.
func TestAbove(t *testing.T) {
	var out bytes.Buffer
	b := newBar(&out, 5, "images", true)
	w := above{&out} // (Above(&out) is &out: not a terminal)
	b.Add(1)
	fmt.Fprintln(w, `{"source":"a.jpg"}`)
	before, _, ok := strings.Cut(out.String(), `{"source"`)
	if !ok || !strings.HasSuffix(before, "\r") || !strings.Contains(before, "1/5") {
		t.Fatalf("the line does not start a line of its own after the bar (1/5): %q", out.String())
	}
	if last := before[strings.LastIndex(before[:len(before)-1], "\r")+1 : len(before)-1]; strings.TrimSpace(last) != "" {
		t.Errorf("the bar's line is not erased before the line: %q", before)
	}
	b.Add(1) // (at once: not drawEvery after the last drawing)
	if _, after, _ := strings.Cut(out.String(), "}\n"); !strings.Contains(after, "2/5") {
		t.Errorf("the bar is not drawn again below the line: %q", after)
	}
	b.Add(3)
	b.Finish()
	out.Reset()
	fmt.Fprintln(w, "done")
	if out.String() != "done\n" {
		t.Errorf("a write after the bar's end wrote %q", out.String())
	}
	if b := New(w, 5, "images"); b.w != &out {
		t.Errorf("a Bar made on Above's writer writes to %T", b.w)
	}
	if w := Above(&out); w != &out {
		t.Errorf("Above of a writer that is not a terminal is %T", w)
	}
}
