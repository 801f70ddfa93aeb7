package roihead

import (
	"testing"

	"github.com/shuffledet/shuffledet/boxes"
)

func TestToOriginal(t *testing.T) {
	bs := []boxes.Box{{X1: 0, Y1: 0, X2: 100, Y2: 50}, {X1: 10, Y1: 10, X2: 20, Y2: 20}}
	toOriginal(bs, 50, 100, 100, 400)
	if bs[0] != (boxes.Box{X1: 0, Y1: 0, X2: 400, Y2: 100}) || bs[1] != (boxes.Box{X1: 40, Y1: 20, X2: 80, Y2: 40}) {
		t.Errorf("toOriginal = %v", bs)
	}
	// torch's float32 ratio: 427/600 rounds first, then multiplies.
	b := []boxes.Box{{X1: 1, Y1: 3, X2: 599, Y2: 599}}
	toOriginal(b, 600, 600, 427, 640)
	ry, rx := float32(427)/float32(600), float32(640)/float32(600)
	if want := (boxes.Box{X1: 1 * rx, Y1: 3 * ry, X2: 599 * rx, Y2: 599 * ry}); b[0] != want {
		t.Errorf("toOriginal = %v, want %v", b[0], want)
	}
	toOriginal(nil, 1, 1, 2, 2)
}
