package shufflenet

import (
	"slices"

	"github.com/shuffledet/shuffledet/nn"
)

// A stride-1 unit on a large map runs a band of rows at a time: the first 1x1 convolution on the
// band's rows (and one row of context above and below), the depthwise convolution, then the second
// 1x1 convolution with the residual, written over the unit's input, so that the two bottleneck
// maps of a band stay in cache instead of going to memory and back (at 608x1024, stage 2 of the
// 1x trunk has 2.3 MB bottleneck maps and a 9.3 MB input). Each thread takes a contiguous part of the rows (spatial, so a
// thread reads what it wrote, except one row at each edge) and walks it in bands; a band keeps
// its last two rows of the first convolution's output for the next one, so no row is computed
// twice. Every value is the one the layer-by-layer path computes, bit for bit
// (TestBandsMatchLayers).

// bandBytes is the budget for a band's working set: its rows of the unit's input and output
// (one map, written in place) and its rows of the two bottleneck maps. Measured on the 1x trunk
// at 608x1024 (paired detect bench runs, docs/SPEED.md): 1 and 4 MiB within 1-3% of 2 MiB; 256
// KiB (bands of 2 rows, whose depthwise planes are half context) was slower than no bands. A
// variable so that the tests can shrink it.
var bandBytes = 2 << 20

// minBandMap is the smallest map (values of one image's unit input) that runs in bands: 1M values
// (4 MiB), stage 2 of the trunk at 608x1024 (2.3M values at 1x) but not its stage 3 (1.2M), which
// gained nothing, nor the classifiers at 224 (at most 0.4M), which lost 2-20%. A variable so that
// the tests can lower it.
var minBandMap = 1 << 20

// bandRows returns the band height for a unit of out channels (its input and output) and mid
// bottleneck channels on w-wide rows: at least 2, so that a band's two carried rows fit.
func bandRows(out, mid, w int) int {
	perRow := (out + 2*mid) * w * 4
	return max(2, bandBytes/perRow)
}

// usesBands reports whether unit u runs in bands on x.
func (r *Runner) usesBands(u *unit, x *nn.Tensor) bool {
	s := u.spec
	return !r.noBands && s.Stride == 1 && u.se == nil && x.Layout == nn.NCHW && x.C*x.H*x.W >= minBandMap &&
		(x == &r.out[0] || x == &r.out[1]) && u.pw2.InPlace() && x.H >= 2
}

// bandTask is one unit over x in bands: parts contiguous parts of every image's rows, one loop
// index each ((image, part)). With halo set it only computes, for each part, the first
// convolution's rows just above and below it (before any part overwrites them).
type bandTask struct {
	u           *unit
	x           *nn.Tensor
	parts, rows int // row parts per image, band height
	halo        bool
	s           *bandScratch
}

// bandScratch is a Runner's buffers for bands: a ring of the first convolution's output and a
// band of the depthwise convolution's, per worker, and each part's two context rows.
type bandScratch struct {
	ring, dw [][]float32 // per worker: mid x (rows+2) x w values each
	above    [][]float32 // per part (image, part): the first convolution's row above the part
	below    [][]float32 // and below it
}

// grow makes room for threads workers and tasks parts of mid channels, rows-high bands, w wide.
func (s *bandScratch) grow(threads, tasks, mid, rows, w int) {
	grow := func(bufs [][]float32, k, n int) [][]float32 {
		for len(bufs) < k {
			bufs = append(bufs, nil)
		}
		for i := range bufs[:k] {
			bufs[i] = slices.Grow(bufs[i][:0], n)[:n]
		}
		return bufs
	}
	s.ring = grow(s.ring, threads, mid*(rows+2)*w)
	s.dw = grow(s.dw, threads, mid*(rows+2)*w)
	s.above = grow(s.above, tasks, mid*w)
	s.below = grow(s.below, tasks, mid*w)
}

// unitBands runs stride-1 unit u on x in place, in bands, over pool.
func (r *Runner) unitBands(u *unit, x *nn.Tensor) {
	threads := r.pool.Threads()
	parts := min(threads, x.H/2) // every part at least 2 rows
	rows := bandRows(x.C, u.spec.Mid, x.W)
	r.bands.grow(threads, x.N*parts, u.spec.Mid, rows, x.W)
	t := &r.bandTask
	*t = bandTask{u: u, x: x, parts: parts, rows: rows, s: &r.bands}
	if parts > 1 {
		t.halo = true
		r.pool.Run(x.N*parts, t)
		t.halo = false
	}
	r.pool.Run(x.N*parts, t)
	*t = bandTask{}
}

// Run handles parts [lo, hi).
func (t *bandTask) Run(worker, lo, hi int) {
	for i := lo; i < hi; i++ {
		n, p := i/t.parts, i%t.parts
		a, b := p*t.x.H/t.parts, (p+1)*t.x.H/t.parts
		if t.halo {
			t.context(n, i, a, b)
			continue
		}
		t.part(worker, n, i, a, b)
	}
}

// image returns image n's planes of x from row y.
func (t *bandTask) image(n, y int) nn.Planes {
	x := t.x
	hw := x.H * x.W
	return nn.Planes{Data: x.Data[n*x.C*hw+y*x.W:], Stride: hw}
}

// context computes the first convolution's rows a-1 and b (those that exist) for part i, rows
// [a, b) of image n.
func (t *bandTask) context(n, i, a, b int) {
	w := t.x.W
	if a > 0 {
		t.u.pw1.PointwiseBand(nn.Planes{Data: t.s.above[i], Stride: w}, t.image(n, a-1), w, false)
	}
	if b < t.x.H {
		t.u.pw1.PointwiseBand(nn.Planes{Data: t.s.below[i], Stride: w}, t.image(n, b), w, false)
	}
}

// part runs the unit over rows [a, b) of image n, part i, on worker's buffers.
func (t *bandTask) part(worker, n, i, a, b int) {
	x, u, mid := t.x, t.u, t.u.spec.Mid
	h, w := x.H, x.W
	stride := (t.rows + 2) * w
	ring := nn.Planes{Data: t.s.ring[worker], Stride: stride}
	dw := nn.Planes{Data: t.s.dw[worker], Stride: stride}
	copyRows := func(dstRow int, src nn.Planes, srcRow, rows int) { // into the ring
		for c := range mid {
			copy(ring.Data[c*stride+dstRow*w:][:rows*w], src.Data[c*src.Stride+srcRow*w:][:rows*w])
		}
	}
	// The ring holds the first convolution's rows [start, start+filled).
	start, filled := a, 0
	if a > 0 {
		start, filled = a-1, 1
		copyRows(0, nn.Planes{Data: t.s.above[i], Stride: w}, 0, 1)
	}
	for y0 := a; y0 < b; {
		y1 := min(y0+t.rows, b)
		end := min(y1+1, h) // the rows the depthwise convolution of [y0, y1) reads end here
		if r0, r1 := start+filled, min(end, b); r1 > r0 {
			u.pw1.PointwiseBand(nn.Planes{Data: ring.Data[(r0-start)*w:], Stride: stride}, t.image(n, r0), (r1-r0)*w, false)
		}
		if end > b {
			copyRows(b-start, nn.Planes{Data: t.s.below[i], Stride: w}, 0, 1)
		}
		u.dw.ForwardBand(dw, ring, end-start, w)
		u.pw2.PointwiseBand(t.image(n, y0), nn.Planes{Data: dw.Data[(y0-start)*w:], Stride: stride}, (y1-y0)*w, true)
		if y1 < b { // carry rows y1-1 and y1
			copyRows(0, ring, y1-1-start, 2)
			start, filled = y1-1, 2
		}
		y0 = y1
	}
}
