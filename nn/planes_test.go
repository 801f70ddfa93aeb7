package nn

import (
	"math"
	"math/rand"
	"testing"
)

// TestBandsGiveForwardValues: PointwiseBand over a band of a map's rows (with the residual added
// in place, and without) and ForwardBand over a band with a row of context above and below give
// the rows Forward computes for the whole map, bit for bit; PointwiseBand refuses a 3x3
// convolution. (ForwardBand at stride 2: TestBandsMatchLayers in backbone/shufflenet.)
func TestBandsGiveForwardValues(t *testing.T) {
	rng := rand.New(rand.NewSource(12))
	const c, h, w = 12, 11, 37
	x := randTensor(rng, 1, c, h, w)
	pw := &Conv{InC: c, OutC: 9, K: 1, Stride: 1, Groups: 3, Act: ReLU, Weight: randVec(rng, 9*c/3), Bias: randVec(rng, 9)}
	res := randTensor(rng, 1, 9, h, w)
	dw := &DepthwiseConv{C: c, Stride: 1, Weight: randVec(rng, c*9), Bias: randVec(rng, c), OutMap: ShuffleMap(c, 3, false)}
	same := func(what string, got, want []float32) {
		t.Helper()
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%s: value %d is %g, Forward %g", what, i, got[i], want[i])
			}
		}
	}
	var s Scratch
	for _, band := range [][2]int{{0, 3}, {3, 8}, {8, 11}, {0, 11}, {5, 6}} {
		y0, y1 := band[0], band[1]
		hw := h * w
		// The 1x1 convolution, plain and over a residual.
		want := NewTensor(1, 9, h, w)
		pw.Forward(want, 0, x, nil, &s)
		got := make([]float32, 9*(y1-y0)*w)
		pw.PointwiseBand(Planes{got, (y1 - y0) * w}, Planes{x.Data[y0*w:], hw}, (y1-y0)*w, false)
		for o := range 9 {
			same("PointwiseBand", got[o*(y1-y0)*w:(o+1)*(y1-y0)*w], want.Data[o*hw+y0*w:o*hw+y1*w])
		}
		pw.Forward(want, 0, x, res, &s)
		inPlace := append([]float32(nil), res.Data...)
		pw.PointwiseBand(Planes{inPlace[y0*w:], hw}, Planes{x.Data[y0*w:], hw}, (y1-y0)*w, true)
		for o := range 9 {
			same("PointwiseBand over the residual", inPlace[o*hw+y0*w:o*hw+y1*w], want.Data[o*hw+y0*w:o*hw+y1*w])
		}
		// The depthwise convolution: the band and a row of context each side where the map has one.
		dwWant := NewTensor(1, c, h, w)
		dw.Forward(dwWant, 0, x, &s)
		start, end := max(y0-1, 0), min(y1+1, h)
		dwGot := make([]float32, c*(end-start)*w)
		dw.ForwardBand(Planes{dwGot, (end - start) * w}, Planes{x.Data[start*w:], hw}, end-start, w)
		for o := range c {
			same("ForwardBand", dwGot[o*(end-start)*w+(y0-start)*w:][:(y1-y0)*w], dwWant.Data[o*hw+y0*w:o*hw+y1*w])
		}
	}
	conv3 := &Conv{InC: c, OutC: 3, K: 3, Stride: 1, Pad: 1, Groups: 1, Weight: randVec(rng, 3*c*9), Bias: randVec(rng, 3)}
	mustPanic(t, "PointwiseBand of a 3x3 convolution", func() { conv3.PointwiseBand(Planes{make([]float32, 3*w), w}, Planes{x.Data, h * w}, w, false) })
}
