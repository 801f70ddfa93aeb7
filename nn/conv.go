package nn

import (
	"fmt"

	"github.com/shuffledet/shuffledet/internal/kernels"
	"github.com/shuffledet/shuffledet/parallel"
)

// Conv is a 2-D convolution with groups, a bias (BatchNorm folded in) and an optional ReLU.
// Weight is [OutC][InC/Groups][K][K].
type Conv struct {
	InC, OutC, K, Stride, Pad, Groups int
	Act                               Activation
	Weight, Bias                      []float32
}

// Check reports whether the layer's fields are consistent.
func (l *Conv) Check() error {
	switch {
	case l.InC <= 0 || l.OutC <= 0 || l.K <= 0 || l.Stride <= 0 || l.Pad < 0 || l.Groups <= 0:
		return fmt.Errorf("conv: bad geometry in=%d out=%d k=%d stride=%d pad=%d groups=%d", l.InC, l.OutC, l.K, l.Stride, l.Pad, l.Groups)
	case l.InC%l.Groups != 0 || l.OutC%l.Groups != 0:
		return fmt.Errorf("conv: channels %d->%d not divisible by %d groups", l.InC, l.OutC, l.Groups)
	case len(l.Weight) != sizeOf(l.OutC, l.InC/l.Groups, l.K, l.K):
		return fmt.Errorf("conv: weight has %d values, want %d x %d x %d x %d", len(l.Weight), l.OutC, l.InC/l.Groups, l.K, l.K)
	case len(l.Bias) != l.OutC:
		return fmt.Errorf("conv: bias has %d values, want %d", len(l.Bias), l.OutC)
	}
	return nil
}

// OutSize returns the output height and width for an h x w input.
func (l *Conv) OutSize(h, w int) (int, int) {
	return ConvOut(h, l.K, l.Stride, l.Pad), ConvOut(w, l.K, l.Stride, l.Pad)
}

// columnStep is the step of a convolution's column blocks' edges: the AVX-512 tile's 48
// columns, a multiple of every other GEMM kernel's column step (NEON's 12, AVX2's 8), so that
// only a plane's last block ends in a partial tile.
const columnStep = 48

// convColumns is the widest column block a convolution's matrix product is split into over
// threads: five steps (kernels.SgemmEpilogue gives every element the same value whichever block
// it is computed in, so results do not depend on the blocks).
const convColumns = 5 * columnStep

// columnBlocks returns how many column blocks a plane of ohw output positions is split into on
// threads threads: as many as blocks of convColumns take, and, when that is more than one, a
// multiple of threads (if every block still gets a step), so that every thread gets the same
// number of columns within a step. (The RPN's 3x3 convolution at 1x, 600, has 1900 positions:
// eight blocks of 256 gave one thread 1024 columns and the other 876, even blocks give 960 / 940;
// what that did to its two-thread time is measured in docs/SPEED.md.)
func columnBlocks(ohw, threads int) int {
	steps := (ohw + columnStep - 1) / columnStep
	nb := (steps + convColumns/columnStep - 1) / (convColumns / columnStep)
	if nb > 1 && threads > 1 {
		if even := (nb + threads - 1) / threads * threads; even <= steps {
			nb = even // (else some blocks would have no columns)
		}
	}
	return nb
}

// columns returns the output positions [j0, j1) of column block b: the plane's steps spread
// evenly over the t.nb blocks.
func (t *convTask) columns(b int) (j0, j1 int) {
	steps := (t.ohw + columnStep - 1) / columnStep
	return b * steps / t.nb * columnStep, min((b+1)*steps/t.nb*columnStep, t.ohw)
}

// Forward writes act(conv(src) + bias [+ res]) into channels [c0, c0+OutC) of dst, which must
// already have src's batch size, layout and the output's spatial size. res, when not nil, has the
// output's shape and layout (OutC channels) and is added before the activation; it may be dst
// itself (c0 0, OutC channels) when InPlace says so, and the result then replaces it. A CNHW src
// takes a 1x1 convolution only, as one matrix product per group over every image's positions.
//
// The work is split over s's pool in blocks of up to convColumns output positions (columnBlocks): for a 1x1
// convolution, blocks of (image, group, output channels, positions), each one matrix product
// reading src in place (a group's channels are split only when there are too few blocks for the
// threads: blockRows); otherwise blocks of (image, positions), each laying out its panel of
// windows (im2col) in its thread's scratch and then running one product per group, so the
// windows of a whole image (41 MB for the RPN's 3x3 conv at 1x, 600) are never held at once; an
// ungrouped convolution lays out panelChannels input channels' windows at a time, one k block of
// the product each, added to C (slicedProduct), so the panel stays in L2;
// ShuffleNet's stem, where kernels.StemAccelerated, in blocks of (image, output rows) through
// kernels.Stem3x3s2 instead, with no panel (the same values).
// Each product starts from the bias and adds the residual and activation as it stores its
// outputs (kernels.SgemmEpilogue).
func (l *Conv) Forward(dst *Tensor, c0 int, src, res *Tensor, s *Scratch) {
	oh, ow := l.OutSize(src.H, src.W)
	pointwise := l.K == 1 && l.Stride == 1 && l.Pad == 0
	images, ohw, ihw := src.N, oh*ow, src.H*src.W
	sameLayout("Conv.Forward", src, dst, res)
	if src.Layout == CNHW {
		if !pointwise {
			panic(fmt.Sprintf("nn: %dx%d stride %d convolution of a CNHW tensor", l.K, l.K, l.Stride))
		}
		images, ohw, ihw = 1, src.N*ohw, src.N*ihw // one image whose planes hold every image's
	}
	if res == dst && (c0 != 0 || dst.C != l.OutC || !l.InPlace()) {
		panic(fmt.Sprintf("nn: %dx%d convolution %d->%d/%d in place over its residual", l.K, l.K, l.InC, l.OutC, l.Groups))
	}
	t := &s.conv
	ocg := l.OutC / l.Groups
	*t = convTask{l: l, dst: dst, src: src, res: res, c0: c0, ow: ow, ohw: ohw, ihw: ihw, nb: columnBlocks(ohw, s.pool.Threads()), rows: ocg, rb: 1}
	switch {
	case l.isStem(res, src.Layout):
		t.stem = true
		s.pool.Run(images*((oh+stemBlockRows-1)/stemBlockRows), t)
	case pointwise:
		t.rows = blockRows(ocg, images*l.Groups*t.nb, s.pool.Threads())
		t.rb = (ocg + t.rows - 1) / t.rows
		s.pool.Run(images*l.Groups*t.rb*t.nb, t)
	default:
		t.panels = s.panels(l.panelChannels() * l.K * l.K * convColumns)
		s.pool.Run(images*t.nb, t)
	}
	*t = convTask{}
}

// InPlace reports whether Forward may write its output over its residual (res the same tensor as
// dst): the result then goes to memory the product has just read, not to lines it must first
// fetch (paired runs: 2-2.5% off the 1x and 2x classifiers at 224 and the 1x detector at 600).
// It holds for products up to kernels.InPlaceResidual's depth, every ShuffleNet g3 1x1
// convolution among them.
func (l *Conv) InPlace() bool {
	return kernels.InPlaceResidual(l.InC / l.Groups * l.K * l.K)
}

// blockRows returns how many of a group's ocg output channels one block of a 1x1 convolution
// computes, when the loop has blocks blocks of (image, group, columns) on threads threads: all of
// them on one thread or when the loop already fills the pool's chunks (parallel.ChunksPerThread a
// thread, so that no thread waits long on another's last block); otherwise
// fewer, a multiple of 8 (the AVX-512 tile's rows), so that the small maps of stages 3 and 4 (one
// column block per group at 224) still give every thread several blocks. A block's values do not
// depend on its rows (kernels.SgemmEpilogue computes each element alone), so neither do results.
func blockRows(ocg, blocks, threads int) int {
	split := (parallel.ChunksPerThread*threads + blocks - 1) / blocks
	if threads <= 1 || split <= 1 {
		return ocg
	}
	const unit = 8
	rows := ((ocg+split-1)/split + unit - 1) / unit * unit
	return min(rows, ocg)
}

// channels returns image n's channels, planes of hw values each, of a tensor whose images are
// hw-value planes (a CNHW tensor is one image whose planes are N times as long).
func channels(t *Tensor, n, hw int) []float32 {
	chw := t.C * hw
	return t.Data[n*chw : (n+1)*chw : (n+1)*chw]
}

// convTask is one Conv.Forward call as a loop over blocks: (image, group, column block) reading
// src in place for a 1x1 convolution (panels nil), (image, column block) through a panel of
// windows per thread otherwise.
type convTask struct {
	l             *Conv
	dst, src, res *Tensor
	panels        [][]float32 // one per worker, for the windows of a column block
	c0, ow        int
	ohw, ihw, nb  int  // output and input positions per plane; column blocks per plane
	rows, rb      int  // output channels per row block of a group, and row blocks per group
	stem          bool // blocks of (image, stemBlockRows output rows) through kernels.Stem3x3s2
}

// stemBlockRows is how many output rows a block of a stem convolution computes.
const stemBlockRows = 8

// isStem reports whether kernels.Stem3x3s2 computes the layer: ShuffleNet's stem (3 -> 12, 24
// or 48 channels, 3x3, stride 2, padding 1, no residual) on a CPU with its assembly version,
// which gives the values of the layer's matrix product bit for bit.
func (l *Conv) isStem(res *Tensor, layout Layout) bool {
	return l.InC == kernels.StemIn && l.OutC%kernels.StemBlock == 0 && l.K == 3 && l.Stride == 2 && l.Pad == 1 &&
		l.Groups == 1 && res == nil && layout == NCHW && kernels.StemAccelerated()
}

// Run computes blocks [lo, hi).
func (t *convTask) Run(worker, lo, hi int) {
	l := t.l
	if t.stem {
		oh := t.ohw / t.ow
		blocks := (oh + stemBlockRows - 1) / stemBlockRows
		for u := lo; u < hi; u++ {
			n, y0 := u/blocks, u%blocks*stemBlockRows
			kernels.Stem3x3s2(channels(t.dst, n, t.ohw)[t.c0*t.ohw+y0*t.ow:], t.ohw, t.src.Image(n), t.src.H, t.src.W, l.OutC, l.Weight, l.Bias, l.Act == ReLU, y0, min(y0+stemBlockRows, oh))
		}
		return
	}
	icg, kk := l.InC/l.Groups, l.K*l.K
	for u := lo; u < hi; u++ {
		j0, j1 := t.columns(u % t.nb)
		if t.panels == nil {
			r0 := u / t.nb % t.rb * t.rows
			g, n := u/t.nb/t.rb%l.Groups, u/t.nb/t.rb/l.Groups
			t.product(n, g, r0, min(r0+t.rows, l.OutC/l.Groups), j0, j1, channels(t.src, n, t.ihw)[g*icg*t.ihw+j0:], t.ihw, 0, icg)
			continue
		}
		n, ld := u/t.nb, j1-j0
		panel := t.panels[worker]
		if cs := l.panelChannels(); cs < l.InC {
			t.slicedProduct(n, j0, j1, panel, cs)
			continue
		}
		kernels.Im2col(panel, ld, t.src.Image(n), l.InC, t.src.H, t.src.W, l.K, l.Stride, l.Pad, t.ow, j0, j1)
		for g := 0; g < l.Groups; g++ {
			t.product(n, g, 0, l.OutC/l.Groups, j0, j1, panel[g*icg*kk*ld:], ld, 0, icg)
		}
	}
}

// product computes output channels [r0, r1) of group g (counted within the group), positions
// [j0, j1), of image n from b, the rows of the right-hand side for the group's input channels
// [i0, i1) (row stride ldb), in one kernels.SgemmEpilogue: from the bias when i0 is the group's
// first channel (else added to C), with the residual and the activation when i1 is its last.
func (t *convTask) product(n, g, r0, r1, j0, j1 int, b []float32, ldb, i0, i1 int) {
	l := t.l
	icg, ocg := l.InC/l.Groups, l.OutC/l.Groups
	kk := l.K * l.K
	oc0, oc1 := g*ocg+r0, g*ocg+r1 // the block's output channels within the layer
	out := channels(t.dst, n, t.ohw)[(t.c0+oc0)*t.ohw : (t.c0+oc1)*t.ohw]
	var ep kernels.Epilogue
	if i0 == 0 {
		ep.Bias = l.Bias[oc0:oc1]
	}
	if i1 == icg {
		ep.ReLU = l.Act == ReLU
		if t.res != nil {
			ep.Res = channels(t.res, n, t.ohw)[oc0*t.ohw+j0:]
		}
	}
	kernels.SgemmEpilogue(r1-r0, j1-j0, (i1-i0)*kk, l.Weight[oc0*icg*kk+i0*kk:], icg*kk, b, ldb, out[j0:], t.ohw, ep)
}

// panelChannels is how many input channels' windows a convolution with windows lays out at a
// time: an ungrouped one as many as make one k block of the matrix product (kc rows), so that the
// panel of windows stays in L2 while the product reads it (the RPN's 3x3 convolution at 1x: 28
// channels, 252 rows, 242 KB a panel of 240 positions, instead of all 480 channels' 4.1 MB); a
// grouped one all of them (its groups' products read the one panel).
func (l *Conv) panelChannels() int {
	if l.Groups > 1 {
		return l.InC
	}
	return min(l.InC, max(1, kernels.KBlockRows/(l.K*l.K)))
}

// slicedProduct computes positions [j0, j1) of image n of an ungrouped convolution cs input
// channels at a time: each slice's windows into panel, then its product (product's k range).
func (t *convTask) slicedProduct(n, j0, j1 int, panel []float32, cs int) {
	l := t.l
	ld, ihw := j1-j0, t.src.H*t.src.W
	img := t.src.Image(n)
	for c0 := 0; c0 < l.InC; c0 += cs {
		c1 := min(c0+cs, l.InC)
		kernels.Im2col(panel, ld, img[c0*ihw:], c1-c0, t.src.H, t.src.W, l.K, l.Stride, l.Pad, t.ow, j0, j1)
		t.product(n, 0, 0, l.OutC, j0, j1, panel, ld, c0, c1)
	}
}
