package roihead

import (
	"fmt"
	"math"

	"github.com/shuffledet/shuffledet/boxes"
	"github.com/shuffledet/shuffledet/internal/parallel"
)

// align is RoIAlign with average pooling with the semantics of torchvision 0.14's CPU kernel,
// applied to one image's feature map. The zero value is not useful; start from newAlign.
// An align keeps scratch buffers and is not safe for concurrent use; it splits its RoIs over
// pool (nil: one thread).
type align struct {
	// OutH and OutW are the pooled output size (14 x 14 for the C4 detector).
	OutH, OutW int
	// SpatialScale maps image coordinates to feature-map coordinates (1/16 on a stride-16 map).
	SpatialScale float32
	// SamplingRatio is the number of sampling points per bin along each axis; <= 0 selects
	// torchvision's adaptive ceil(roi_size / out_size).
	SamplingRatio int
	// Aligned shifts the box by -0.5 pixel (Detectron2's aligned RoIAlign). The detector uses
	// false: the legacy behaviour, where malformed RoIs are forced to at least 1x1.
	Aligned bool

	pool *parallel.Pool
	pre  [][]preCalc // each worker's sample taps
	task alignTask
}

// maxBinSamples is the largest sampling grid (SamplingRatio squared, or the adaptive grid of a
// RoI) forward accepts per output bin: 64 x 64. Larger grids would make one RoI's scratch
// enormous (or its size overflow); forward returns an error instead.
const maxBinSamples = 64 * 64

// newAlign returns the detector's RoIAlign: 14 x 14 output, spatial scale 1/16, sampling ratio
// 2, aligned=false.
func newAlign() *align {
	return &align{OutH: 14, OutW: 14, SpatialScale: 1.0 / 16, SamplingRatio: 2}
}

// preCalc holds the four taps of one bilinear sample: flat indices into a channel plane and
// their weights (torchvision's PreCalc).
type preCalc struct {
	pos    [4]int32
	weight [4]float32
}

// outputLen returns the number of values forward writes for n RoIs and c channels.
func (r *align) outputLen(n, c int) int { return n * c * r.OutH * r.OutW }

// forward pools every RoI (boxes in image coordinates) from feat, one image's feature map of
// c x h x w float32 values in CHW order, and returns the pooled features as
// [len(rois), c, OutH, OutW]. The result is written into dst when it has the capacity, else
// into a new slice. Sample points more than one pixel outside the map contribute zero; those
// within are clamped to the border, as torchvision does.
func (r *align) forward(dst, feat []float32, c, h, w int, rois []boxes.Box) ([]float32, error) {
	if c < 0 || h < 0 || w < 0 || r.OutH < 0 || r.OutW < 0 {
		return dst[:0], fmt.Errorf("roialign: negative dimensions (c=%d h=%d w=%d out=%dx%d)", c, h, w, r.OutH, r.OutW)
	}
	if sr := r.SamplingRatio; sr > 0 && (sr > maxBinSamples || sr*sr > maxBinSamples) {
		return dst[:0], fmt.Errorf("roialign: sampling ratio %d: a %dx%d grid per bin exceeds %d samples", sr, sr, sr, maxBinSamples)
	}
	// One RoI's scratch holds OutH*OutW*grid samples: keep that product from overflowing.
	if r.OutW > 0 && r.OutH > math.MaxInt/maxBinSamples/r.OutW {
		return dst[:0], fmt.Errorf("roialign: output size %dx%d too large", r.OutH, r.OutW)
	}
	if len(feat) != c*h*w {
		return dst[:0], fmt.Errorf("roialign: feature map has %d values, want %d*%d*%d = %d", len(feat), c, h, w, c*h*w)
	}
	n := r.outputLen(len(rois), c)
	if cap(dst) < n {
		dst = make([]float32, n)
	}
	dst = dst[:n]
	if n == 0 {
		return dst, nil
	}
	if h == 0 || w == 0 {
		clear(dst)
		return dst, nil
	}
	// Every RoI's sampling grid is checked first, so that the pooling itself cannot fail.
	for _, roi := range rois {
		if _, err := r.geometry(roi); err != nil {
			return dst[:0], err
		}
	}
	if k := r.pool.Threads(); len(r.pre) < k {
		r.pre = append(r.pre, make([][]preCalc, k-len(r.pre))...)
	}
	r.task = alignTask{r: r, dst: dst, feat: feat, c: c, h: h, w: w, rois: rois}
	r.pool.Run(len(rois), &r.task)
	r.task = alignTask{}
	return dst, nil
}

// alignTask is one forward call as a loop over RoIs.
type alignTask struct {
	r         *align
	dst, feat []float32
	c, h, w   int
	rois      []boxes.Box
}

// Run pools RoIs [lo, hi) with worker's scratch.
func (t *alignTask) Run(worker, lo, hi int) {
	r := t.r
	per := r.OutH * r.OutW * t.c
	for i := lo; i < hi; i++ {
		g, _ := r.geometry(t.rois[i]) // checked by forward
		r.pre[worker] = r.one(t.dst[i*per:(i+1)*per], t.feat, t.c, t.h, t.w, g, r.pre[worker])
	}
}

// roiGeometry is where one RoI's bins and sample points lie on the feature map.
type roiGeometry struct {
	startH, startW, binH, binW float32
	gridH, gridW               int
}

// geometry computes a RoI's bins and sampling grid as torchvision's kernel does. It fails when
// the RoI's adaptive sampling grid exceeds maxBinSamples.
func (r *align) geometry(roi boxes.Box) (roiGeometry, error) {
	var offset float32
	if r.Aligned {
		offset = 0.5
	}
	scale := r.SpatialScale
	startW := float32(roi.X1*scale) - offset
	startH := float32(roi.Y1*scale) - offset
	endW := float32(roi.X2*scale) - offset
	endH := float32(roi.Y2*scale) - offset
	roiW := endW - startW
	roiH := endH - startH
	if !r.Aligned {
		roiW = boxes.StdMax(roiW, 1)
		roiH = boxes.StdMax(roiH, 1)
	}
	oh, ow := r.OutH, r.OutW
	gridH, gridW := r.SamplingRatio, r.SamplingRatio
	if r.SamplingRatio <= 0 {
		gh := math.Ceil(float64(roiH / float32(oh)))
		gw := math.Ceil(float64(roiW / float32(ow)))
		// Checked as floats, before the conversion: a huge RoI must not wrap around. (NaN
		// passes and converts as before: the kernel samples nothing.)
		if gh > maxBinSamples || gw > maxBinSamples || gh*gw > maxBinSamples {
			return roiGeometry{}, fmt.Errorf("roialign: RoI %v: adaptive sampling grid %gx%g per bin exceeds %d samples", roi, gh, gw, maxBinSamples)
		}
		gridH, gridW = int(gh), int(gw)
	}
	return roiGeometry{startH: startH, startW: startW, binH: roiH / float32(oh), binW: roiW / float32(ow),
		gridH: max(gridH, 0), gridW: max(gridW, 0)}, nil
}

// one pools a single RoI of geometry g into out ([c, OutH, OutW]) and returns the (possibly
// grown) scratch.
func (r *align) one(out, feat []float32, c, h, w int, g roiGeometry, pre []preCalc) []preCalc {
	oh, ow := r.OutH, r.OutW
	gridH, gridW := g.gridH, g.gridW
	count := float32(max(gridH*gridW, 1))

	np := oh * ow * gridH * gridW
	if cap(pre) < np {
		pre = make([]preCalc, np)
	}
	pre = pre[:np]
	fillPreCalc(pre, h, w, oh, ow, g.startH, g.startW, g.binH, g.binW, gridH, gridW)

	hw := h * w
	bins := oh * ow
	samples := gridH * gridW
	ch := 0
	// Four channels per pass share each tap's indices and weights; every value is still
	// accumulated in torch's order, so the result is unchanged.
	for ; ch+4 <= c; ch += 4 {
		p0 := feat[ch*hw : (ch+1)*hw]
		p1 := feat[(ch+1)*hw : (ch+2)*hw]
		p2 := feat[(ch+2)*hw : (ch+3)*hw]
		p3 := feat[(ch+3)*hw : (ch+4)*hw]
		o0 := out[ch*bins : (ch+1)*bins]
		o1 := out[(ch+1)*bins : (ch+2)*bins]
		o2 := out[(ch+2)*bins : (ch+3)*bins]
		o3 := out[(ch+3)*bins : (ch+4)*bins]
		k := 0
		for b := range o0 {
			var a0, a1, a2, a3 float32
			for _, p := range pre[k : k+samples] {
				i0, i1, i2, i3 := p.pos[0], p.pos[1], p.pos[2], p.pos[3]
				w0, w1, w2, w3 := p.weight[0], p.weight[1], p.weight[2], p.weight[3]
				a0 += tap(p0, i0, i1, i2, i3, w0, w1, w2, w3)
				a1 += tap(p1, i0, i1, i2, i3, w0, w1, w2, w3)
				a2 += tap(p2, i0, i1, i2, i3, w0, w1, w2, w3)
				a3 += tap(p3, i0, i1, i2, i3, w0, w1, w2, w3)
			}
			k += samples
			o0[b], o1[b], o2[b], o3[b] = a0/count, a1/count, a2/count, a3/count
		}
	}
	for ; ch < c; ch++ {
		plane := feat[ch*hw : (ch+1)*hw]
		o := out[ch*bins : (ch+1)*bins]
		k := 0
		for b := range o {
			var acc float32
			for _, p := range pre[k : k+samples] {
				acc += tap(plane, p.pos[0], p.pos[1], p.pos[2], p.pos[3], p.weight[0], p.weight[1], p.weight[2], p.weight[3])
			}
			k += samples
			o[b] = acc / count
		}
	}
	return pre
}

// tap is one bilinear sample, summed in the kernel's order: ((w0*v0 + w1*v1) + w2*v2) + w3*v3.
func tap(plane []float32, i0, i1, i2, i3 int32, w0, w1, w2, w3 float32) float32 {
	v := float32(w0*plane[i0]) + float32(w1*plane[i1])
	v += float32(w2 * plane[i2])
	return v + float32(w3*plane[i3])
}

// fillPreCalc computes the bilinear taps of every sample point of one RoI in the order
// (ph, pw, iy, ix), exactly as torchvision's pre_calc_for_bilinear_interpolate in float32.
func fillPreCalc(pre []preCalc, h, w, oh, ow int, startH, startW, binH, binW float32, gridH, gridW int) {
	fh, fw := float32(h), float32(w)
	k := 0
	for ph := 0; ph < oh; ph++ {
		for pw := 0; pw < ow; pw++ {
			for iy := 0; iy < gridH; iy++ {
				yy := startH + float32(float32(ph)*binH) + float32(float32(iy)+0.5)*binH/float32(gridH)
				for ix := 0; ix < gridW; ix++ {
					xx := startW + float32(float32(pw)*binW) + float32(float32(ix)+0.5)*binW/float32(gridW)
					pre[k] = taps(yy, xx, h, w, fh, fw)
					k++
				}
			}
		}
	}
}

// taps is the bilinear interpolation of one sample point: zero outside [-1, h] x [-1, w],
// clamped to the border inside it. NaN coordinates count as outside.
func taps(y, x float32, h, w int, fh, fw float32) preCalc {
	if !(y >= -1 && y <= fh && x >= -1 && x <= fw) {
		return preCalc{}
	}
	if y <= 0 {
		y = 0
	}
	if x <= 0 {
		x = 0
	}
	yl, xl := int(y), int(x)
	var yh, xh int
	if yl >= h-1 {
		yl, yh = h-1, h-1
		y = float32(yl)
	} else {
		yh = yl + 1
	}
	if xl >= w-1 {
		xl, xh = w-1, w-1
		x = float32(xl)
	} else {
		xh = xl + 1
	}
	ly := y - float32(yl)
	lx := x - float32(xl)
	hy := 1 - ly
	hx := 1 - lx
	return preCalc{
		pos:    [4]int32{int32(yl*w + xl), int32(yl*w + xh), int32(yh*w + xl), int32(yh*w + xh)},
		weight: [4]float32{hy * hx, hy * lx, ly * hx, ly * lx},
	}
}
