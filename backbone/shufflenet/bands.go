package shufflenet

import (
	"slices"

	"github.com/shuffledet/shuffledet/nn"
)

// A unit on a large map runs a band of rows at a time: the first 1x1 convolution on the band's
// rows (and the rows of context the depthwise convolution's windows need), the depthwise
// convolution, then the second 1x1 convolution (at stride 1 with the residual, written over the
// unit's input; at stride 2 into the output's branch channels, beside the pooled input), so that
// the two bottleneck maps of a band stay in cache instead of going to memory and back (at
// 608x1024 the 1x trunk's first unit writes a 9.3 MB bottleneck map, stage 2's others 2.3 MB
// ones). Each thread takes a contiguous part of the rows (spatial: a thread reads what it wrote,
// except a row at each edge of its part) and walks it in bands; a band keeps the last rows of
// the first convolution's output that the next one needs, so within a part no row is computed
// twice (at each edge between parts two are: the context rows). Every value is the one the
// layer-by-layer path computes, bit for bit (TestBandsMatchLayers).

// bandBytes is the budget for a band's working set: its rows of the unit's input and output and
// of the two bottleneck maps. Chosen on the 1x trunk at 608x1024 with its stride-1 units in bands
// (one thread, five paired rounds, docs/SPEED.md): 2 MiB 19.97 ms, 4 MiB 20.06, 1 MiB 20.63,
// none 20.16; 256 KiB (bands of 2 rows, whose depthwise planes are half context) slower still.
// The gain it was kept for is on two threads and with the stride-2 units (docs/SPEED.md). A
// variable so that the tests can shrink it.
var bandBytes = 2 << 20

// minBandMap is the smallest map that runs in bands (values of one image: a stride-1 unit's
// input, a stride-2 unit's first bottleneck map): 512K values (2 MiB), every unit of stages 2
// and 3 of the trunks at 608x1024 (0.58-4.7M values), not the classifiers at 224 (at most 0.38M),
// which lost 2-20% with their stage 2 in bands. On the 1x trunk thresholds of 2M and 4M values
// were slower than 1M; 512K then gained 2-4% on the 0.5x trunk and detector at 600 over 1M and
// changed nothing on the 1x detector (docs/SPEED.md). A variable so that the tests can lower it.
var minBandMap = 512 << 10

// bandRows returns the band height (output rows) for a band whose working set takes perRow
// values a row: at least 2 (a band of one row would run the depthwise convolution on three rows
// for one).
func bandRows(perRow int) int {
	return max(2, bandBytes/(4*perRow))
}

// bandSized reports whether a unit of spec s on an h x w input has a map large enough for bands:
// at stride 1 its input, at stride 2 its first convolution's output at the input's size, of at
// least minBandMap values.
func bandSized(s UnitSpec, h, w int) bool {
	if s.Stride == 2 {
		return s.Mid*h*w >= minBandMap
	}
	return s.In*h*w >= minBandMap
}

// usesBands reports whether unit u runs in bands on x: when its map is bandSized, and at stride 1
// (written in place) when x is the Runner's own.
func (r *Runner) usesBands(u *unit, x *nn.Tensor) bool {
	s := u.spec
	if u.se != nil || x.Layout != nn.NCHW || x.H < 2 || !bandSized(s, x.H, x.W) {
		return false
	}
	return s.Stride == 2 || r.owns(x) && u.pw2.InPlace()
}

// bandTask is one unit over x in bands: parts contiguous parts of every image's output rows, one
// loop index each ((image, part)). At stride 1 the output is x itself; with halo set the task
// only computes, for each part, the first convolution's rows just above and below it (before any
// part overwrites them). At stride 2 the branch goes to y's channels from In on (the pooled
// input, channels [0, In), is AvgPool3x3s2's) and x is only read, so no rows need computing first.
type bandTask struct {
	u           *unit
	x, y        *nn.Tensor
	parts, rows int // row parts per image, band height (output rows)
	halo        bool
	s           *bandScratch
}

// bandScratch is a Runner's buffers for bands: a ring of the first convolution's output and a
// band of the depthwise convolution's, per worker, and each part's two context rows (stride 1).
type bandScratch struct {
	ring, dw [][]float32 // per worker
	above    [][]float32 // per part (image, part): the first convolution's row above the part
	below    [][]float32 // and below it
}

// grow makes room for threads workers' ring and dw buffers of ring and dw values, and tasks parts'
// context rows of halo values each.
func (s *bandScratch) grow(threads, tasks, ring, dw, halo int) {
	grow := func(bufs [][]float32, k, n int) [][]float32 {
		for len(bufs) < k {
			bufs = append(bufs, nil)
		}
		for i := range bufs[:k] {
			bufs[i] = slices.Grow(bufs[i][:0], n)[:n]
		}
		return bufs
	}
	s.ring = grow(s.ring, threads, ring)
	s.dw = grow(s.dw, threads, dw)
	s.above = grow(s.above, tasks, halo)
	s.below = grow(s.below, tasks, halo)
}

// unitBands runs unit u on x in bands over the Runner's pool and returns its output: x itself at
// stride 1, y (the Runner's buffer that does not hold x's data, as unit picks it) at stride 2.
func (r *Runner) unitBands(u *unit, x, y *nn.Tensor) *nn.Tensor {
	threads, s := r.pool.Threads(), u.spec
	t := &r.bandTask
	r.bandUnits[s.Stride-1]++
	if s.Stride == 2 {
		oh, ow := u.dw.OutSize(x.H, x.W)
		y.Resize(x.N, s.Out, oh, ow)
		y.Layout = x.Layout
		nn.AvgPool3x3s2(y, 0, x, &r.scratch)
		parts := min(threads, oh)
		rows := bandRows(2*x.C*x.W + 2*s.Mid*x.W + s.Mid*ow + s.Out*ow)
		r.bands.grow(threads, 0, s.Mid*(2*rows+2)*x.W, s.Mid*(rows+1)*ow, 0)
		*t = bandTask{u: u, x: x, y: y, parts: parts, rows: rows, s: &r.bands}
		r.pool.Run(x.N*parts, t)
		*t = bandTask{}
		return y
	}
	parts := min(threads, x.H/2) // parts of at least 2 rows (one row would cost two context rows)
	rows := bandRows((x.C + 2*s.Mid) * x.W)
	r.bands.grow(threads, x.N*parts, s.Mid*(rows+2)*x.W, s.Mid*(rows+2)*x.W, s.Mid*x.W)
	*t = bandTask{u: u, x: x, y: x, parts: parts, rows: rows, s: &r.bands}
	if parts > 1 {
		t.halo = true
		r.pool.Run(x.N*parts, t)
		t.halo = false
	}
	r.pool.Run(x.N*parts, t)
	*t = bandTask{}
	return x
}

// Run handles parts [lo, hi).
func (t *bandTask) Run(worker, lo, hi int) {
	for i := lo; i < hi; i++ {
		n, p := i/t.parts, i%t.parts
		a, b := p*t.y.H/t.parts, (p+1)*t.y.H/t.parts
		switch {
		case t.halo:
			t.context(n, i, a, b)
		case t.u.spec.Stride == 2:
			t.part2(worker, n, a, b)
		default:
			t.part(worker, n, i, a, b)
		}
	}
}

// image returns image n's planes of x from channel c, row y.
func image(x *nn.Tensor, n, c, y int) nn.Planes {
	hw := x.H * x.W
	return nn.Planes{Data: x.Data[(n*x.C+c)*hw+y*x.W:], Stride: hw}
}

// copyRows copies rows [srcRow, srcRow+rows) of src's first channels planes (w-wide rows) to rows
// from dstRow of dst's (the rows may overlap: the ring's carried rows).
func copyRows(dst nn.Planes, dstRow int, src nn.Planes, srcRow, rows, channels, w int) {
	for c := range channels {
		copy(dst.Data[c*dst.Stride+dstRow*w:][:rows*w], src.Data[c*src.Stride+srcRow*w:][:rows*w])
	}
}

// context computes the first convolution's rows a-1 and b (those that exist) for part i, rows
// [a, b) of image n.
func (t *bandTask) context(n, i, a, b int) {
	w := t.x.W
	if a > 0 {
		t.u.pw1.PointwiseBand(nn.Planes{Data: t.s.above[i], Stride: w}, image(t.x, n, 0, a-1), w, false)
	}
	if b < t.x.H {
		t.u.pw1.PointwiseBand(nn.Planes{Data: t.s.below[i], Stride: w}, image(t.x, n, 0, b), w, false)
	}
}

// part runs the unit over rows [a, b) of image n, part i, on worker's buffers.
func (t *bandTask) part(worker, n, i, a, b int) {
	x, u, mid := t.x, t.u, t.u.spec.Mid
	h, w := x.H, x.W
	stride := (t.rows + 2) * w
	ring := nn.Planes{Data: t.s.ring[worker], Stride: stride}
	dw := nn.Planes{Data: t.s.dw[worker], Stride: stride}
	// The ring holds the first convolution's rows [start, start+filled).
	start, filled := a, 0
	if a > 0 {
		start, filled = a-1, 1
		copyRows(ring, 0, nn.Planes{Data: t.s.above[i], Stride: w}, 0, 1, mid, w)
	}
	for y0 := a; y0 < b; {
		y1 := min(y0+t.rows, b)
		end := min(y1+1, h) // the rows the depthwise convolution of [y0, y1) reads end here
		if r0, r1 := start+filled, min(end, b); r1 > r0 {
			u.pw1.PointwiseBand(nn.Planes{Data: ring.Data[(r0-start)*w:], Stride: stride}, image(x, n, 0, r0), (r1-r0)*w, false)
		}
		if end > b {
			copyRows(ring, b-start, nn.Planes{Data: t.s.below[i], Stride: w}, 0, 1, mid, w)
		}
		u.dw.ForwardBand(dw, ring, end-start, w)
		u.pw2.PointwiseBand(image(x, n, 0, y0), nn.Planes{Data: dw.Data[(y0-start)*w:], Stride: stride}, (y1-y0)*w, true)
		if y1 < b { // carry rows y1-1 and y1
			copyRows(ring, 0, ring, y1-1-start, 2, mid, w)
			start, filled = y1-1, 2
		}
		y0 = y1
	}
}

// part2 runs stride-2 unit u's branch over output rows [a, b) of image n on worker's buffers: the
// first convolution's rows from 2a-2 (the depthwise convolution's band must start on an even
// row), the depthwise convolution at stride 2, the second convolution into y.
func (t *bandTask) part2(worker, n, a, b int) {
	x, y, u, mid := t.x, t.y, t.u, t.u.spec.Mid
	h, w, ow := x.H, x.W, y.W
	ring := nn.Planes{Data: t.s.ring[worker], Stride: (2*t.rows + 2) * w}
	dw := nn.Planes{Data: t.s.dw[worker], Stride: (t.rows + 1) * ow}
	// The ring holds the first convolution's rows [start, start+filled).
	start, filled := max(2*a-2, 0), 0
	for y0 := a; y0 < b; {
		y1 := min(y0+t.rows, b)
		first, end := max(2*y0-2, 0), min(2*y1, h) // the depthwise band's input rows
		if r0 := start + filled; end > r0 {
			u.pw1.PointwiseBand(nn.Planes{Data: ring.Data[(r0-start)*w:], Stride: ring.Stride}, image(x, n, 0, r0), (end-r0)*w, false)
		}
		u.dw.ForwardBand(dw, ring, end-first, w)
		u.pw2.PointwiseBand(image(y, n, u.spec.In, y0), nn.Planes{Data: dw.Data[(y0-first/2)*ow:], Stride: dw.Stride}, (y1-y0)*ow, false)
		if y1 < b { // carry rows 2*y1-2 and 2*y1-1, the next band's first two
			copyRows(ring, 0, ring, 2*y1-2-start, 2, mid, w)
			start, filled = 2*y1-2, 2
		}
		y0 = y1
	}
}
