// Package progress shows how far a long run has got, over images or video frames: on a terminal
// as a bar redrawn in place (github.com/schollz/progressbar/v3; a spinner when the total is
// unknown, as for a camera), elsewhere (a log file, a pipe, CI) as a plain line every 10 seconds
// and one at the end, so logs stay readable. Other output to the bar's terminal (JSON lines on
// standard output, a message on standard error) goes through Above, so that it does not run on
// from the bar's text.
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

// Unknown is the total of a run whose length is not known in advance (a live source).
const Unknown = -1

// Bar reports progress through total items. Its methods are safe for concurrent use; a nil *Bar
// reports nothing.
type Bar struct {
	unit  string
	total int // Unknown or > 0
	start time.Time

	bar   *progressbar.ProgressBar // terminal mode (its fields under termMu)
	drawn time.Time                // when bar was last drawn for a new count

	mu       sync.Mutex // log mode
	w        io.Writer
	label    string
	done     int // (under termMu in terminal mode)
	lastLine time.Time
	// the label and count of the last line written: Finish does not repeat a line that said them
	lineLabel string
	lineDone  int
	finished  bool // (under termMu in terminal mode)
}

// termMu serializes the drawing of a terminal bar and the writes Above it; active is the terminal
// bar being drawn (made and not finished), whose line Above erases.
var (
	termMu sync.Mutex
	active *Bar
)

// drawEvery is how often at most a terminal bar is drawn again for a new count (its total is
// drawn at once). The bar's own throttle is not used: it would also hold back the drawing Above
// asks for, after a line written above the bar.
const drawEvery = 100 * time.Millisecond

// logEvery is how often log mode writes a line.
var logEvery = 10 * time.Second

// isTerminal reports whether w is a terminal, where a redrawn bar belongs.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// New returns a Bar over total items called unit (e.g. "images") that writes to w: a bar when w
// is a terminal (also one Above wraps), plain lines otherwise. total may be Unknown. A nil w, or nothing to do
// (total 0), gives a nil Bar, which reports nothing.
func New(w io.Writer, total int, unit string) *Bar {
	if a, ok := w.(above); ok {
		w = a.w // (its writes would wait for themselves)
	}
	if w == nil || (total < 1 && total != Unknown) {
		return nil
	}
	return newBar(w, total, unit, isTerminal(w))
}

// newBar returns a Bar that draws a bar (terminal) or writes lines.
func newBar(w io.Writer, total int, unit string, terminal bool) *Bar {
	b := &Bar{unit: unit, total: total, start: time.Now(), w: w, lastLine: time.Now(), lineDone: -1}
	if terminal {
		b.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription(unit),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString(unit),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetWidth(30),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
		)
		termMu.Lock()
		active = b
		termMu.Unlock()
	}
	return b
}

// Above returns w, where it is a terminal, made to share it with a bar: each write first erases
// the line of the terminal bar being drawn, if any, and the bar is drawn again at its next Add or
// Set, so that what is written (whole lines: a JSON line, a message) does not run on from the
// bar's text and the bar stays below it. Give it standard output and standard error; a w that is not a terminal
// is returned as it is. A Bar made on its result draws on w itself.
func Above(w io.Writer) io.Writer {
	if !isTerminal(w) {
		return w
	}
	return above{w}
}

type above struct{ w io.Writer }

func (a above) Write(p []byte) (int, error) {
	termMu.Lock()
	defer termMu.Unlock()
	if active == nil {
		return a.w.Write(p)
	}
	active.bar.Clear()
	active.drawn = time.Time{} // (drawn again at its next count, not drawEvery later)
	return a.w.Write(p)
}

// Add records n more items done.
func (b *Bar) Add(n int) {
	if b == nil {
		return
	}
	if b.bar != nil {
		termMu.Lock()
		b.draw(b.done + n)
		termMu.Unlock()
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.advance(b.done + n)
}

// Set records that done items are done in all (for callers that keep their own count).
func (b *Bar) Set(done int) {
	if b == nil {
		return
	}
	if b.bar != nil {
		termMu.Lock()
		b.draw(done)
		termMu.Unlock()
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.advance(done)
}

// draw sets a terminal bar's count, drawing it where drawEvery has passed since it was last drawn
// or the count is its total; termMu is held.
func (b *Bar) draw(done int) {
	b.done = done
	if now := time.Now(); now.Sub(b.drawn) >= drawEvery || b.total != Unknown && done >= b.total {
		b.drawn = now
		b.bar.Set(done)
	}
}

// advance sets the log mode's count and writes a line if it is time to; b.mu is held.
func (b *Bar) advance(done int) {
	b.done = done
	if now := time.Now(); now.Sub(b.lastLine) >= logEvery {
		b.lastLine = now
		b.line(now)
	}
}

// Label sets what the bar is about, shown before the counts: a file name, or "cam (3 dropped)".
func (b *Bar) Label(s string) {
	if b == nil {
		return
	}
	if b.bar != nil {
		termMu.Lock()
		b.bar.Describe(s)
		termMu.Unlock()
		return
	}
	b.mu.Lock()
	b.label = s
	b.mu.Unlock()
}

// Finish ends the report: the bar's line is ended (left where it stopped if the run was
// interrupted), or a final line is written. Later calls do nothing.
func (b *Bar) Finish() {
	if b == nil {
		return
	}
	if b.bar != nil {
		termMu.Lock()
		defer termMu.Unlock()
		if active == b {
			active = nil // (its line is ended: a write after it starts a line of its own)
		}
		if b.finished || b.bar.IsFinished() {
			return
		}
		b.finished = true
		if b.bar.State().CurrentNum != int64(b.done) {
			b.bar.Set(b.done) // (a count drawEvery held back: drawn, the total one finishing the bar)
			if b.bar.IsFinished() {
				return
			}
		}
		if b.total != Unknown && b.done < b.total {
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
	if b.lineDone != b.done || b.lineLabel != b.label { // (a line at the last item said it already)
		b.line(time.Now())
	}
}

// line writes the log mode's report; b.mu is held.
func (b *Bar) line(now time.Time) {
	b.lineLabel, b.lineDone = b.label, b.done
	elapsed := now.Sub(b.start)
	rate := 0.0
	if s := elapsed.Seconds(); s > 0 {
		rate = float64(b.done) / s
	}
	if b.label != "" {
		fmt.Fprintf(b.w, "%s: ", b.label)
	}
	if b.total == Unknown {
		fmt.Fprintf(b.w, "%d %s, %.1f %s/s, %s elapsed\n", b.done, b.unit, rate, b.unit, elapsed.Round(time.Second))
		return
	}
	pct := 100 * float64(b.done) / float64(b.total)
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
