package shufflenet

import (
	"slices"

	"github.com/shuffledet/shuffledet/internal/kernels"
	"github.com/shuffledet/shuffledet/nn"
)

// On two or more threads, a small map (a classifier's at 224: no unit in bands) runs in tiles:
// thread p keeps rows [p*H/P, (p+1)*H/P) of every map in buffers of its own, from the stem's
// output to the last stage whose maps still give every tile minTilePositions positions (at 224,
// stage 3; the stages after run layer by layer), and computes every layer on them; the threads exchange only the
// rows of context the depthwise convolutions and the stride-2 units' pools read across a tile's
// edge (one to three rows a unit). Split layer by layer instead, a thread reads, for much of
// every layer's input, what the other thread has just written (ShuffleNet's channel shuffle
// sends every group's output to every group), and on the 2-vCPU machines of this project a
// cache line passed between cores costs about as much as computing on it: BenchmarkSharing,
// and docs/DESIGN.md ("What two threads pay for sharing"). Each unit takes two loops over the
// tiles: the first 1x1 convolution on the tile's own rows; then, once every tile has its rows,
// the context rows copied from the neighbours, the depthwise convolution on the band, the second
// 1x1 convolution (and at stride 2 the average pool). The last tiled stage's tiles are gathered
// into one tensor. Every value is the one the layer-by-layer path computes, bit for bit
// (TestTilesMatchLayers): the band methods' rows are Forward's, as in the bands.

// tileSlack is how many spare rows a tile's planes have above and below its own rows: room for
// the context rows a stride-2 unit's pool reads from the neighbours (at most 2 above, 1 below),
// and for a band's first output row, computed only to be dropped.
const tileSlack = 2

// maxTiles bounds the tiles: more threads than this still make this many.
const maxTiles = 16

// tileSplit is where a map's rows are split between the tiles: tile p owns rows
// [split[p], split[p+1]). The stem's output is split evenly; a stride-2 unit's output row y
// goes to the tile that owns input row 2y, so that a tile's band reaches at most two rows above
// its own input rows and one below.
type tileSplit [maxTiles + 1]int

// half returns the split of a stride-2 unit's output.
func (s *tileSplit) half(n int) (h tileSplit) {
	for p := range n + 1 {
		h[p] = (s[p] + 1) / 2
	}
	return h
}

// owner returns the tile of n that owns row y.
func (s *tileSplit) owner(y, n int) int {
	for p := range n {
		if y < s[p+1] {
			return p
		}
	}
	return n - 1
}

// tileView is a map as a tile holds it: row y of channel c at Data[c*Stride+(y-First)*W:], for
// the rows it owns and its slack. The stem's output, one tensor every tile reads, is a view of
// all its rows.
type tileView struct {
	Data             []float32
	Stride, First, W int // channel stride, the row at Data[0], row width
}

// planes returns the view's planes from row y.
func (v tileView) planes(y int) nn.Planes { return nn.Planes{Data: v.from(0, y), Stride: v.Stride} }

// at returns row y of channel c, w values.
func (v tileView) at(c, y int) []float32 { return v.from(c, y)[:v.W] }

// from returns channel c's values from row y on (to the end of the view's data).
func (v tileView) from(c, y int) []float32 { return v.Data[c*v.Stride+(y-v.First)*v.W:] }

// tile is one thread's buffers: its rows of the units' maps (two, to swap at stride 2), the
// first convolution's output rows (its own and the band's context), the depthwise convolution's.
type tile struct {
	x      [2][]float32
	cur    int // which x holds the current map
	m1, m2 []float32
}

// tileTask is the tiles' share of one unit: the first 1x1 convolution on each tile's own rows
// (first), then the rest.
type tileTask struct {
	r        *Runner
	u        *unit
	parts    int
	in, out  [maxTiles]tileView // each tile's input map (the stem's output, for the first unit) and output map
	split    tileSplit          // the input map's rows
	outSplit tileSplit
	h, w     int  // the input map's size
	stem     bool // the input is the stem's output, whole: no context rows to copy
	first    bool
}

// maxTileWork bounds the networks that run in tiles, by stage 2's width squared over the groups
// (the multiply-adds of its 1x1 convolutions per position and channel pair): the wider a
// network, the more its layers compute per value the threads pass between them, and the less
// the tiles save. At 224 on 2 threads (this project's 2-vCPU machine, alternating runs of
// `detect bench`) the 1x g3 classifier (240^2/3 = 19200) took 0.97-1.44 ms in tiles against
// 1.67-1.84 layer by layer, the 0.5x (4800) 0.34-0.36 ms either way, the 1.5x (43200) 2.72-2.89
// against 2.66-2.72 and the 2x (76800) 3.55-3.69 against 3.38-3.53. A variable so that the
// tests can raise it.
var maxTileWork = 1 << 15

// minTilePositions is the fewest positions a tile may own of a unit's output map: a stage whose
// map would give a tile fewer runs layer by layer after the tiles (the last stages of a small
// map), its products splitting their output channels instead. Below about one column step of
// the products (48, nn's AVX-512 tile width) a tile's products run at a fraction of their speed:
// the 1x g3 classifier at 224 on 2 threads (this project's 2-vCPU machine, paired runs in one
// process) took stage 4 (7x7: 28 and 21 positions a tile) 1.26-1.34x faster than one thread in
// tiles, 1.78x layer by layer, the whole network 2-14% less time so in paired rounds
// (docs/DESIGN.md). A variable so that the tests can lower it.
var minTilePositions = 48

// tileParts returns how many tiles the Runner splits the stem's output x over, and the last
// stage (at most last) that runs in them: its threads, but no more than leave every tile at
// least two rows of every map of stage 2 and minTilePositions of every unit's output there;
// the stages after the last that fits run layer by layer. 0 (no tiles) on one thread, for a
// batch of images, with SE units, for a network wider than maxTileWork, where a unit would run
// in bands, or where not even stage 2 fits two tiles.
func (r *Runner) tileParts(x *nn.Tensor, last int) (parts, tiledLast int) {
	cfg := r.net.Config
	if w := cfg.StageWidths()[0]; w*w/cfg.Groups > maxTileWork {
		return 0, 0
	}
	if r.pool.Threads() < 2 || x.N != 1 || x.Layout != nn.NCHW || cfg.SE {
		return 0, 0
	}
	h, w := x.H, x.W
	for _, u := range r.net.units {
		s := u.spec
		if s.Stage > last {
			break
		}
		if bandSized(s, h, w) {
			return 0, 0
		}
		if s.Stride == 1 && !u.pw2.InPlace() { // (its sum replaces the tile's input; maxTileWork keeps it so)
			return 0, 0
		}
		h, w = u.dw.OutSize(h, w)
	}
	for n := min(r.pool.Threads(), maxTiles); n >= 2; n-- {
		if tl := r.tiledStages(evenSplit(n, x.H), n, x.W, last); tl >= Stage2 {
			return n, tl
		}
	}
	return 0, 0
}

// evenSplit returns h rows split evenly over n tiles.
func evenSplit(n, h int) (s tileSplit) {
	for p := range n + 1 {
		s[p] = p * h / n
	}
	return s
}

// tiledStages returns the last stage (up to last) whose units, and every unit before, leave
// each of n tiles split as split (the stem's output, w columns) at least two rows and
// minTilePositions positions of their output; Stage2-1 when stage 2 does not.
func (r *Runner) tiledStages(split tileSplit, n, w, last int) int {
	for _, u := range r.net.units {
		s := u.spec
		if s.Stage > last {
			break
		}
		if s.Stride == 2 {
			split = split.half(n)
		}
		_, w = u.dw.OutSize(split[n], w)
		for p := range n {
			if rows := split[p+1] - split[p]; rows < 2 || rows*w < minTilePositions {
				return s.Stage - 1
			}
		}
	}
	return last
}

// forwardTiles runs stages 2..last on the stem's output x in parts tiles and returns the last
// stage's map, gathered into one of the Runner's buffers.
func (r *Runner) forwardTiles(x *nn.Tensor, last, parts int) *nn.Tensor {
	r.tiles = slices.Grow(r.tiles[:0], parts)[:parts]
	t := &r.tileTask
	*t = tileTask{r: r, parts: parts, split: evenSplit(parts, x.H), h: x.H, w: x.W, stem: true}
	for p := range parts {
		t.in[p] = tileView{Data: x.Data, Stride: x.H * x.W, W: x.W}
	}
	c := x.C
	for _, u := range r.net.units {
		if u.spec.Stage > last {
			break
		}
		t.u = u
		t.outSplit = t.split
		if u.spec.Stride == 2 {
			t.outSplit = t.split.half(parts)
		}
		r.growTiles()
		t.first = true
		r.pool.Run(parts, t)
		t.first = false
		r.pool.Run(parts, t)
		t.in, t.split, t.stem = t.out, t.outSplit, false
		t.h, t.w = u.dw.OutSize(t.h, t.w)
		c = u.spec.Out
	}
	y := &r.out[0]
	y.Resize(1, c, t.h, t.w)
	y.Layout = nn.NCHW
	r.gather = gatherTask{y: y, t: t}
	r.pool.Run(c, &r.gather)
	r.gather = gatherTask{}
	*t = tileTask{}
	return y
}

// growTiles makes room in every tile for the task's unit and sets each tile's output view: over
// its input at stride 1, in its other buffer at stride 2.
func (r *Runner) growTiles() {
	t := &r.tileTask
	s := t.u.spec
	_, ow := t.u.dw.OutSize(t.h, t.w)
	grow := func(b []float32, n int) []float32 { return slices.Grow(b[:0], n)[:n] }
	for p := range t.parts {
		tl := &r.tiles[p]
		mlo, mhi := t.m1Rows(p)
		blo, bhi := t.bandRows(p)
		tl.m1 = grow(tl.m1, s.Mid*(mhi-mlo)*t.w)
		tl.m2 = grow(tl.m2, s.Mid*((bhi-blo-1)/s.Stride+1)*ow)
		if s.Stride == 1 {
			t.out[p] = t.in[p] // the units before made it this tile's own
			continue
		}
		a, b := t.outSplit[p], t.outSplit[p+1]
		if t.stem {
			tl.cur = 0 // the stem's output is no tile's; every forward uses the buffers in one order
		} else {
			tl.cur = 1 - tl.cur // the input is this tile's current buffer
		}
		stride := (b - a + 2*tileSlack) * ow
		tl.x[tl.cur] = grow(tl.x[tl.cur], s.Out*stride)
		t.out[p] = tileView{Data: tl.x[tl.cur], Stride: stride, First: a - tileSlack, W: ow}
	}
}

// bandRows returns the input rows [lo, hi) that tile p reads for its output rows: at stride 1
// a row of context above and below, at stride 2 from the even row 2a-2 (the band's first
// output row is then one to drop) to 2b.
func (t *tileTask) bandRows(p int) (lo, hi int) {
	a, b := t.outSplit[p], t.outSplit[p+1]
	if t.u.spec.Stride == 1 {
		return max(a-1, 0), min(b+1, t.h)
	}
	return max(2*a-2, 0), min(2*b, t.h)
}

// m1Rows returns the rows [lo, hi) of tile p's first-convolution buffer: its own input rows and
// its band.
func (t *tileTask) m1Rows(p int) (lo, hi int) {
	blo, bhi := t.bandRows(p)
	return min(blo, t.split[p]), max(bhi, t.split[p+1])
}

// Run handles tiles [lo, hi).
func (t *tileTask) Run(_, lo, hi int) {
	for p := lo; p < hi; p++ {
		if t.first {
			t.pointwise1(p)
		} else {
			t.rest(p)
		}
	}
}

// pointwise1 computes the first 1x1 convolution on tile p's own input rows into its buffer.
func (t *tileTask) pointwise1(p int) {
	a, b := t.split[p], t.split[p+1]
	lo, hi := t.m1Rows(p)
	dst := nn.Planes{Data: t.r.tiles[p].m1[(a-lo)*t.w:], Stride: (hi - lo) * t.w}
	t.u.pw1.PointwiseBand(dst, t.in[p].planes(a), (b-a)*t.w, false)
}

// rest completes the unit on tile p: its band's context rows of the first convolution's output
// from the tiles that own them, the depthwise convolution, the second 1x1 convolution (over the
// input with the residual at stride 1; at stride 2 beside the pooled input, whose context rows
// it copies into its input's slack first).
func (t *tileTask) rest(p int) {
	u, s, w := t.u, t.u.spec, t.w
	_, ow := u.dw.OutSize(t.h, w)
	a, b := t.outSplit[p], t.outSplit[p+1]
	own0, own1 := t.split[p], t.split[p+1]
	blo, bhi := t.bandRows(p)
	mlo, mhi := t.m1Rows(p)
	m1 := tileView{Data: t.r.tiles[p].m1, Stride: (mhi - mlo) * w, First: mlo, W: w}
	for y := blo; y < bhi; y++ {
		if y < own0 || y >= own1 {
			q := t.split.owner(y, t.parts)
			qlo, qhi := t.m1Rows(q)
			src := tileView{Data: t.r.tiles[q].m1, Stride: (qhi - qlo) * w, First: qlo, W: w}
			for c := range s.Mid {
				copy(m1.at(c, y), src.at(c, y))
			}
		}
	}
	dwRows := (bhi-blo-1)/s.Stride + 1
	m2 := nn.Planes{Data: t.r.tiles[p].m2, Stride: dwRows * ow}
	u.dw.ForwardBand(m2, m1.planes(blo), bhi-blo, w)
	skip := 0 // the band's first output row is the one above the tile's
	if blo > 0 && (s.Stride == 1 || a > 0) {
		skip = 1
	}
	branch := nn.Planes{Data: m2.Data[skip*ow:], Stride: m2.Stride}
	out := t.out[p]
	if s.Stride == 1 {
		u.pw2.PointwiseBand(out.planes(a), branch, (b-a)*ow, true)
		return
	}
	in := t.in[p]
	if !t.stem { // a tile's own rows, not the stem's whole map: the context rows
		for y := blo; y < bhi; y++ {
			if y < own0 || y >= own1 {
				src := t.in[t.split.owner(y, t.parts)]
				for c := range s.In {
					copy(in.at(c, y), src.at(c, y))
				}
			}
		}
	}
	for c := range s.In {
		// From the band's first row; its first output row, when it is one to drop, lands in
		// the slack above the tile's rows.
		kernels.AvgPool3x3s2(out.from(c, a-skip), in.from(c, blo), bhi-blo, w, dwRows, ow)
	}
	u.pw2.PointwiseBand(nn.Planes{Data: out.Data[s.In*out.Stride+(a-out.First)*ow:], Stride: out.Stride}, branch, (b-a)*ow, false)
}

// gatherTask copies the tiles' rows of channels [lo, hi) into one tensor.
type gatherTask struct {
	y *nn.Tensor
	t *tileTask
}

// Run copies channels [lo, hi).
func (g *gatherTask) Run(_, lo, hi int) {
	y, t := g.y, g.t
	for c := lo; c < hi; c++ {
		plane := y.Plane(0, c)
		for p := range t.parts {
			a, b := t.split[p], t.split[p+1]
			copy(plane[a*y.W:b*y.W], t.in[p].Data[c*t.in[p].Stride+(a-t.in[p].First)*y.W:][:(b-a)*y.W])
		}
	}
}
