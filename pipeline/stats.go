package pipeline

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/shuffledet/shuffledet/internal/plural"
)

// Latency summarizes durations in constant memory: an exact count, sum and maximum, and a
// histogram with buckets 1% wide (from 1 µs to about 52 minutes; a quantile beyond that is the
// maximum) for the quantiles, so a pipeline that runs for days keeps a fixed footprint.
// Quantiles are accurate to 1%.
type Latency struct {
	n        int64
	sum, max time.Duration
	buckets  []int64
}

const (
	latencyMin   = float64(time.Microsecond)
	latencyRatio = 1.01
	latencyBins  = 2200 // the last one is the overflow: latencyMin * 1.01^2198 is about 52 minutes
)

// Add records one duration.
func (l *Latency) Add(d time.Duration) {
	if l.buckets == nil {
		l.buckets = make([]int64, latencyBins)
	}
	l.n++
	l.sum += d
	l.max = max(l.max, d)
	l.buckets[latencyBucket(d)]++
}

func latencyBucket(d time.Duration) int {
	if float64(d) <= latencyMin {
		return 0
	}
	return min(latencyBins-1, 1+int(math.Log(float64(d)/latencyMin)/math.Log(latencyRatio)))
}

// Count returns the number of durations recorded.
func (l *Latency) Count() int64 { return l.n }

// Mean returns the mean duration (0 when empty).
func (l *Latency) Mean() time.Duration {
	if l.n == 0 {
		return 0
	}
	return l.sum / time.Duration(l.n)
}

// Quantile returns the q-quantile (0 < q <= 1): the upper edge of the histogram bucket holding
// the ceil(q*n)-th smallest duration, capped at the largest duration seen (which it is for
// durations beyond the last bucket); 0 when empty.
func (l *Latency) Quantile(q float64) time.Duration {
	if l.n == 0 {
		return 0
	}
	rank := int64(math.Ceil(q * float64(l.n)))
	var seen int64
	for i, c := range l.buckets {
		seen += c
		if seen >= rank && i < latencyBins-1 { // the last bucket has no upper edge
			return min(l.max, time.Duration(latencyMin*math.Pow(latencyRatio, float64(i))))
		}
	}
	return l.max
}

// Merge adds o's durations to l.
func (l *Latency) Merge(o *Latency) {
	if o.n == 0 {
		return
	}
	if l.buckets == nil {
		l.buckets = make([]int64, latencyBins)
	}
	l.n += o.n
	l.sum += o.sum
	l.max = max(l.max, o.max)
	for i, c := range o.buckets {
		l.buckets[i] += c
	}
}

// Stats counts what went through one or more pipeline runs. It is safe for concurrent use; a
// command running several sources one after another passes the same Stats to each Run.
type Stats struct {
	mu         sync.Mutex
	frames     int // frames detected and written out
	dropped    int // live sources: stale frames replaced by newer ones before detection
	corrupt    int // frames or images that could not be decoded, skipped
	failed     int // frames the detector rejected (e.g. too large), skipped
	reconnects int
	damaged    int // still images decoded despite their decoder's warning, detected
	classes    map[string]int
	decode     Latency // Source.Read: decoding (and, for live sources, waiting for the frame)
	detect     Latency // preprocessing and detection
	output     Latency // drawing, encoding and the other sinks
	age        Latency // from the end of decoding to the end of output
	elapsed    time.Duration
	images     bool // Summary counts images (CountImages)
}

// CountImages makes Summary count images rather than frames: for a run whose every input is a
// still image.
func (s *Stats) CountImages() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.images = true
}

// Counts is a snapshot of a Stats' counters.
type Counts struct {
	Frames     int            // frames detected and taken by the sinks (by the first ones, where a later one failed)
	Dropped    int            // frames of a live source skipped because detection fell behind
	Corrupt    int            // frames the source could not decode (skipped before detection)
	Failed     int            // frames decoded whose detection or output failed (logged, skipped)
	Reconnects int            // times a live source was reopened after a loss
	Damaged    int            // still images decoded despite their decoder's warning (Position.Warning), detected
	Classes    map[string]int // detections per class label
}

// Counts returns the counters so far.
func (s *Stats) Counts() Counts {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := Counts{Frames: s.frames, Dropped: s.dropped, Corrupt: s.corrupt, Failed: s.failed, Reconnects: s.reconnects, Damaged: s.damaged, Classes: map[string]int{}}
	for k, v := range s.classes {
		c.Classes[k] = v
	}
	return c
}

// Stage names for Latencies.
const (
	StageDecode = "decode"
	StageDetect = "detect"
	StageOutput = "draw+encode"
	StageAge    = "frame age"
)

// Latencies returns copies of the latency summaries by stage name (StageDecode, StageDetect,
// StageOutput, StageAge).
func (s *Stats) Latencies() map[string]*Latency {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]*Latency{}
	for name, l := range map[string]*Latency{StageDecode: &s.decode, StageDetect: &s.detect, StageOutput: &s.output, StageAge: &s.age} {
		c := &Latency{}
		c.Merge(l)
		out[name] = c
	}
	return out
}

// Elapsed returns the wall time spent in Run.
func (s *Stats) Elapsed() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.elapsed
}

// Summary writes the end-of-run report: frames (images, after CountImages), dropped and corrupt
// frames (and failed, reconnected and damaged ones where there were any), detections per class,
// mean / p50 / p95 latency per stage and throughput.
func (s *Stats) Summary(w io.Writer) {
	c := s.Counts()
	lat := s.Latencies()
	el := s.Elapsed()
	rate := 0.0
	if el > 0 {
		rate = float64(c.Frames) / el.Seconds()
	}
	one, many := "frame", "frames"
	s.mu.Lock()
	if s.images {
		one, many = "image", "images"
	}
	s.mu.Unlock()
	fmt.Fprintf(w, "summary: %s in %.1f s (%.2f %s/s); dropped %d, corrupt %d", plural.Count(c.Frames, one, many), el.Seconds(), rate, many, c.Dropped, c.Corrupt)
	if c.Failed > 0 {
		fmt.Fprintf(w, ", failed %d", c.Failed)
	}
	if c.Reconnects > 0 {
		fmt.Fprintf(w, ", reconnects %d", c.Reconnects)
	}
	if c.Damaged > 0 {
		fmt.Fprintf(w, ", damaged %d", c.Damaged)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "detections: %s\n", classList(c.Classes))
	if lat[StageDetect].Count() == 0 {
		return
	}
	fmt.Fprintf(w, "latency (ms)  %9s %9s %9s\n", "mean", "p50", "p95")
	for _, name := range []string{StageDecode, StageDetect, StageOutput, StageAge} {
		l := lat[name]
		if l.Count() == 0 {
			continue
		}
		fmt.Fprintf(w, "  %-11s %9.1f %9.1f %9.1f\n", name, ms(l.Mean()), ms(l.Quantile(0.5)), ms(l.Quantile(0.95)))
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// classList formats per-class counts as "person 37, chair 2", most frequent first.
func classList(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool {
		if m[names[i]] != m[names[j]] {
			return m[names[i]] > m[names[j]]
		}
		return names[i] < names[j]
	})
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s %d", n, m[n])
	}
	return strings.Join(parts, ", ")
}
