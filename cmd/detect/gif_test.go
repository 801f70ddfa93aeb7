package main

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"os"
	"path/filepath"
	"testing"
)

// gifOf encodes a GIF of frames 8x8 frames.
func gifOf(t testing.TB, frames int) []byte {
	t.Helper()
	g := &gif.GIF{}
	for range frames {
		g.Image, g.Delay = append(g.Image, image.NewPaletted(image.Rect(0, 0, 8, 8), []color.Color{color.Black, color.White})), append(g.Delay, 10)
	}
	var b bytes.Buffer
	if err := gif.EncodeAll(&b, g); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestAnimatedGIFInputs: an animated GIF given on its own is a video (every frame detected, as
// FFmpeg reads it) where detect has OpenCV, and an image whose frames main warns of without it;
// in a folder it is an image whose frames main warns of; a still GIF is an image.
func TestAnimatedGIFInputs(t *testing.T) {
	dir := t.TempDir()
	anim, still := filepath.Join(dir, "anim.gif"), filepath.Join(dir, "still.gif")
	os.WriteFile(anim, gifOf(t, 4), 0o644)
	os.WriteFile(still, gifOf(t, 1), 0o644)
	ins, err := parseInputs([]string{anim, still, dir})
	if err != nil {
		t.Fatal(err)
	}
	alone := input{spec: anim, kind: videoInput}
	if !withOpenCV {
		alone = input{spec: anim, kind: imageInput, frames: 4}
	}
	want := []input{alone, {spec: still, kind: imageInput}, {spec: anim, kind: imageInput, frames: 4}, {spec: still, kind: imageInput}}
	if len(ins) != len(want) {
		t.Fatalf("%+v, want %+v", ins, want)
	}
	for i := range want {
		if ins[i] != want[i] {
			t.Errorf("input %d: %+v, want %+v", i, ins[i], want[i])
		}
	}
}
