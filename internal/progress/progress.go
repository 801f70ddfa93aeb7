// Package progress shows how far a long run over images has got: on a terminal as a bar redrawn
// in place (github.com/schollz/progressbar/v3), elsewhere (a log file, a pipe, CI) as a plain
// line every 10 seconds and one at the end, so logs stay readable.
package progress

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// Bar reports progress through total items. Its methods are safe for concurrent use; a nil *Bar
// reports nothing.
type Bar struct {
	unit  string
	total int
	start time.Time

	bar *progressbar.ProgressBar // terminal mode

	mu       sync.Mutex // log mode
	w        io.Writer
	done     int
	lastLine time.Time
	finished bool
}

// logEvery is how often log mode writes a line.
var logEvery = 10 * time.Second

// IsTerminal reports whether w is a terminal, where a redrawn bar belongs.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// New returns a Bar over total items called unit (e.g. "images") that writes to w: a bar when w
// is a terminal, plain lines otherwise. A nil w, or nothing to do (total < 1), gives a nil Bar,
// which reports nothing.
func New(w io.Writer, total int, unit string) *Bar {
	if w == nil || total < 1 {
		return nil
	}
	return newBar(w, total, unit, IsTerminal(w))
}

// newBar returns a Bar that draws a bar (terminal) or writes lines.
func newBar(w io.Writer, total int, unit string, terminal bool) *Bar {
	b := &Bar{unit: unit, total: total, start: time.Now(), w: w, lastLine: time.Now()}
	if terminal {
		b.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription(unit),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString(unit),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
		)
	}
	return b
}

// Add records n more items done.
func (b *Bar) Add(n int) {
	if b == nil {
		return
	}
	if b.bar != nil {
		b.bar.Add(n)
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done += n
	if now := time.Now(); now.Sub(b.lastLine) >= logEvery {
		b.lastLine = now
		b.line(now)
	}
}

// Finish ends the report: the bar is completed, or the final line written. Items not done (an
// interrupted run) stay counted as not done. Calls after the first do nothing.
func (b *Bar) Finish() {
	if b == nil {
		return
	}
	if b.bar != nil {
		if b.bar.IsFinished() {
			return
		}
		if b.bar.State().CurrentNum < int64(b.total) {
			b.bar.Exit() // interrupted: leave the bar where it stopped and end its line
			return
		}
		b.bar.Finish()
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.finished {
		return
	}
	b.finished = true
	b.line(time.Now())
}

// line writes "1234/5000 images (24.7%), 24.7 images/s, 52s elapsed, ETA 2m31s" (log mode;
// b.mu held).
func (b *Bar) line(now time.Time) {
	elapsed := now.Sub(b.start)
	rate := 0.0
	if s := elapsed.Seconds(); s > 0 {
		rate = float64(b.done) / s
	}
	pct := 100.0
	if b.total > 0 {
		pct = 100 * float64(b.done) / float64(b.total)
	}
	eta := "?"
	switch {
	case b.done >= b.total:
		eta = "0s"
	case rate > 0:
		eta = time.Duration(float64(b.total-b.done) / rate * float64(time.Second)).Round(time.Second).String()
	}
	fmt.Fprintf(b.w, "%d/%d %s (%.1f%%), %.1f %s/s, %s elapsed, ETA %s\n",
		b.done, b.total, b.unit, pct, rate, b.unit, elapsed.Round(time.Second), eta)
}
