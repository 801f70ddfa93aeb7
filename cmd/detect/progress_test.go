//go:build cgo && !noopencv

package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestFrameBar: a live source's report carries the drops in its label and ends with one line.
func TestFrameBar(t *testing.T) {
	var out bytes.Buffer
	b := newFrameBar(&out, "camera:0", 0)
	b.Update(3, 1)
	b.Finish(5, 2)
	got := out.String()
	if !strings.HasPrefix(got, "camera:0 (2 dropped): 5 frames, ") || strings.Count(got, "\n") != 1 {
		t.Errorf("progress %q", got)
	}
}
