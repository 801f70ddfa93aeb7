package pipeline

import (
	"bytes"
	"math/rand"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestLatencyQuantiles compares the histogram's mean and quantiles with exact ones on skewed
// random durations: mean exact, quantiles within the 1% bucket width.
func TestLatencyQuantiles(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	var l Latency
	var all []time.Duration
	var sum time.Duration
	for range 100000 {
		d := time.Duration(rng.ExpFloat64() * float64(30*time.Millisecond))
		l.Add(d)
		all = append(all, d)
		sum += d
	}
	slices.Sort(all)
	if l.Count() != int64(len(all)) || l.Mean() != sum/time.Duration(len(all)) {
		t.Fatalf("count %d mean %v, want %d %v", l.Count(), l.Mean(), len(all), sum/time.Duration(len(all)))
	}
	for _, q := range []float64{0.01, 0.5, 0.95, 0.99, 1} {
		exact := all[int(q*float64(len(all)))-1]
		got := l.Quantile(q)
		if rel := float64(got-exact) / float64(exact); !(rel >= -1e-9 && rel <= 0.0101) {
			t.Errorf("q%.2f: %v, exact %v (%.3g%%)", q, got, exact, 100*rel)
		}
	}
	var m Latency
	m.Merge(&l)
	m.Merge(&Latency{})
	if m.Count() != l.Count() || m.Quantile(0.5) != l.Quantile(0.5) || m.Mean() != l.Mean() {
		t.Error("Merge lost durations")
	}
	var empty Latency
	if empty.Mean() != 0 || empty.Quantile(0.5) != 0 {
		t.Error("empty Latency")
	}
	// Tiny and huge durations land in the end buckets without panicking.
	l.Add(0)
	l.Add(-time.Second)
	l.Add(100 * time.Hour)
	if l.Quantile(1) != 100*time.Hour {
		t.Errorf("max: %v", l.Quantile(1))
	}
}

func TestSummary(t *testing.T) {
	s := &Stats{frames: 10, dropped: 3, corrupt: 1, reconnects: 2, elapsed: 2 * time.Second, classes: map[string]int{"person": 2, "car": 1}}
	for i := range 10 {
		s.detect.Add(time.Duration(100+i) * time.Millisecond)
	}
	var b bytes.Buffer
	s.Summary(&b)
	for _, want := range []string{"10 frames in 2.0 s (5.00 frames/s); dropped 3, corrupt 1, reconnects 2", "detections: person 2, car 1", "detect", "104.5"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, b.String())
		}
	}

	// One frame: "1 frame", not "1 frames".
	s = &Stats{frames: 1, elapsed: time.Second}
	b.Reset()
	s.Summary(&b)
	if want := "summary: 1 frame in 1.0 s (1.00 frames/s); dropped 0, corrupt 0\n"; !strings.HasPrefix(b.String(), want) {
		t.Errorf("one frame: summary %q, want it to begin %q", b.String(), want)
	}

	// A run of still images counts images.
	s = &Stats{frames: 2, corrupt: 1, elapsed: time.Second}
	s.CountImages()
	b.Reset()
	s.Summary(&b)
	if want := "summary: 2 images in 1.0 s (2.00 images/s); dropped 0, corrupt 1\n"; !strings.HasPrefix(b.String(), want) {
		t.Errorf("images: summary %q, want it to begin %q", b.String(), want)
	}
}
