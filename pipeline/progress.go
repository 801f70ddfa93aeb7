package pipeline

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Progress reports how far a run is: on a terminal a bar redrawn in place at most four times a
// second, elsewhere (logs, CI) a line every ten seconds. With a known total it shows
// "[=====>    ] 23/40 frames  3.9 fps  ETA 4s"; without one (live sources) frames, rate and
// drops.
type Progress struct {
	w        io.Writer
	terminal bool
	name     string
	total    int
	start    time.Time
	last     time.Time
}

// NewProgress returns a Progress for source name writing to w; total is the expected number of
// frames (0 when unknown). terminal selects the redrawn bar.
func NewProgress(w io.Writer, terminal bool, name string, total int) *Progress {
	now := time.Now()
	return &Progress{w: w, terminal: terminal, name: name, total: total, start: now, last: now}
}

// Update reports done frames out and dropped frames so far, if it is time to.
func (p *Progress) Update(done, dropped int) {
	now := time.Now()
	every := 10 * time.Second
	if p.terminal {
		every = 250 * time.Millisecond
	}
	if now.Sub(p.last) < every {
		return
	}
	p.last = now
	p.write(done, dropped, false)
}

// Finish writes the final report.
func (p *Progress) Finish(done, dropped int) {
	p.write(done, dropped, true)
}

func (p *Progress) write(done, dropped int, final bool) {
	el := time.Since(p.start)
	rate := 0.0
	if el > 0 {
		rate = float64(done) / el.Seconds()
	}
	var b strings.Builder
	b.WriteString(p.name)
	if p.total > 0 {
		const width = 24
		n := min(width, done*width/p.total)
		b.WriteString(" [" + strings.Repeat("=", n))
		if n < width {
			b.WriteString(">" + strings.Repeat(" ", width-n-1))
		}
		fmt.Fprintf(&b, "] %d/%d frames  %.1f fps", done, p.total, rate)
		if !final && rate > 0 {
			fmt.Fprintf(&b, "  ETA %s", time.Duration(float64(max(0, p.total-done))/rate*float64(time.Second)).Round(time.Second))
		}
	} else {
		fmt.Fprintf(&b, "  %d frames  %.1f fps  %d dropped", done, rate, dropped)
	}
	switch {
	case p.terminal && final:
		fmt.Fprintf(p.w, "\r%s\033[K\n", b.String())
	case p.terminal:
		fmt.Fprintf(p.w, "\r%s\033[K", b.String())
	default:
		fmt.Fprintln(p.w, b.String())
	}
}
