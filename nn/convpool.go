package nn

import (
	"github.com/shuffledet/shuffledet/internal/kernels"
	"github.com/shuffledet/shuffledet/parallel"
)

// ForwardMaxPool writes MaxPool3x3s2(conv(src)) into dst (resized to it; src's layout): a
// stride-2 stem and the max pool after it, as ShuffleNet and ResNet start. Where the layer is a
// stem kernels.Stem3x3s2 computes (Forward's stem), the convolution's output is never held
// whole: each block of pooled output rows computes the band of convolution rows it reads, every
// channel, into its thread's scratch and pools it from there while it is in cache, instead of
// writing the convolution's output (2.4 MB for the 2x classifier at 224, 15-30 MB for the
// detector's trunk at 600) to memory and reading it back. The band's first row is computed by
// the block above too: one row in 2n+1 for bands of n pooled rows (4-12% at 224, 25% for the 1x
// trunk at 608x1024, 50% for the 2x, whose band of one pooled row already exceeds the budget). Otherwise Forward writes
// the whole output into mid (resized) and MaxPool3x3s2 pools it. Both give the same values bit
// for bit: the stem kernel's are Forward's, and a max is exact.
func (l *Conv) ForwardMaxPool(dst, mid, src *Tensor, s *Scratch) {
	oh, ow := l.OutSize(src.H, src.W)
	if !l.isStem(nil, src.Layout) {
		mid.Resize(src.N, l.OutC, oh, ow)
		mid.Layout = src.Layout
		l.Forward(mid, 0, src, nil, s)
		MaxPool3x3s2(dst, mid, s)
		return
	}
	dst.Resize(src.N, l.OutC, ConvOut(oh, 3, 2, 1), ConvOut(ow, 3, 2, 1))
	dst.Layout = src.Layout
	rows := stemBandRows(l.OutC, ow, src.N*dst.H, s.pool.Threads())
	t := &s.convPool
	*t = convPoolTask{l: l, dst: dst, src: src, oh: oh, ow: ow, rows: rows, bands: (dst.H + rows - 1) / rows}
	t.band = s.panels(l.OutC * (2*rows + 1) * ow)
	s.pool.Run(src.N*t.bands, t)
	*t = convPoolTask{}
}

// stemBandBytes is the most a band of stem convolution rows (every channel) may take: it stays
// in L2 between the convolution writing it and the pool reading it.
const stemBandBytes = 256 << 10

// stemBandRows returns how many pooled output rows a block of ForwardMaxPool computes for m
// channels of ow columns, of rows pooled rows in all (every image's), on threads threads: as many
// as keep its band of 2*rows+1 convolution rows within stemBandBytes, at least one, and, on more
// than one thread, few enough that the pool's chunks have a block each (parallel.ChunksPerThread
// a thread), so that no thread waits long on another's last band.
func stemBandRows(m, ow, rows, threads int) int {
	n := max((stemBandBytes/(4*m*ow)-1)/2, 1)
	if threads > 1 {
		n = min(n, max(rows/(parallel.ChunksPerThread*threads), 1))
	}
	return n
}

// convPoolTask is one ForwardMaxPool call on the stem kernel as a loop over blocks of (image,
// rows pooled output rows).
type convPoolTask struct {
	l           *Conv
	dst, src    *Tensor
	band        [][]float32 // one per worker, for a block's convolution rows
	oh, ow      int         // the convolution's output size
	rows, bands int         // pooled rows per block, blocks per image
}

// Run computes blocks [lo, hi).
func (t *convPoolTask) Run(worker, lo, hi int) {
	l, band := t.l, t.band[worker]
	pw := t.dst.W
	for u := lo; u < hi; u++ {
		n, p0 := u/t.bands, u%t.bands*t.rows
		p1 := min(p0+t.rows, t.dst.H)
		// Pooled rows [p0, p1) read convolution rows 2*p0-1 through 2*p1-1, inside the map.
		y0, y1 := max(2*p0-1, 0), min(2*p1, t.oh)
		ldo := (y1 - y0) * t.ow
		kernels.Stem3x3s2(band, ldo, t.src.Image(n), t.src.H, t.src.W, l.OutC, l.Weight, l.Bias, l.Act == ReLU, y0, y1)
		for c := 0; c < l.OutC; c++ {
			kernels.MaxPool3x3s2Rows(t.dst.Plane(n, c)[p0*pw:], band[c*ldo:(c+1)*ldo], t.oh, t.ow, pw, p0, p1)
		}
	}
}
