package roihead

import (
	"fmt"
	"math"
	"slices"

	"github.com/shuffledet/shuffledet/boxes"
	"github.com/shuffledet/shuffledet/internal/kernels"
	"github.com/shuffledet/shuffledet/nn"
)

// align is RoIAlign with average pooling with the semantics of torchvision 0.14's CPU kernel,
// applied to one image's feature map. The zero value is not useful; start from newAlign.
// An align keeps scratch buffers: after prepare, workers may pool disjoint RoIs at once
// (poolRoIs), each with its own scratch; nothing else is safe for concurrent use.
//
// It pools from its own channels-last copy of the map (setFeatures), so that each sample point
// reads every channel from one contiguous run and one kernels.BilinearSum call does a whole bin;
// the RoIs of an image, pooled a chunk at a time, share one copy.
type align struct {
	// OutH and OutW are the pooled output size (14 x 14 for the C4 detector).
	OutH, OutW int
	// SpatialScale maps image coordinates to feature-map coordinates (1/16 on a stride-16 map).
	SpatialScale float32
	// SamplingRatio is the number of sampling points per bin along each axis; <= 0 selects
	// torchvision's adaptive ceil(roi_size / out_size).
	SamplingRatio int
	// Aligned shifts the box by -0.5 pixel (Detectron2's aligned RoIAlign). The detector uses
	// false, torchvision's Faster R-CNN: the legacy behaviour, where malformed RoIs are forced to
	// at least 1x1; true is there for the parity test's aligned=True configuration.
	Aligned bool

	hwc     []float32 // the feature map of the last setFeatures, [h*w][c]
	c, h, w int       // its dimensions
	ready   bool      // whether the last setFeatures succeeded

	geoms []roiGeometry   // the RoIs' geometries of the last prepare
	pre   [][]kernels.Tap // each worker's sample taps
	axes  [][]axisTap     // each worker's per-axis interpolations of one RoI
	bins  [][]float32     // each worker's pooled values of one RoI, [OutH*OutW][c]
}

// maxBinSamples is the largest sampling grid (SamplingRatio squared, or the adaptive grid of a
// RoI) prepare accepts per output bin: 64 x 64. Larger grids would make one RoI's scratch
// enormous (or its size overflow); prepare returns an error instead.
const maxBinSamples = 64 * 64

// newAlign returns the detector's RoIAlign: 14 x 14 output, spatial scale 1/16, sampling ratio
// 2, aligned=false.
func newAlign() *align {
	return &align{OutH: 14, OutW: 14, SpatialScale: 1.0 / 16, SamplingRatio: 2}
}

// setFeatures makes feat, one image's feature map of c x h x w float32 values in CHW order, the
// map that poolRoIs samples: it is copied, channels-last, into the align's buffer (feat may change
// afterwards). It fails on inconsistent sizes and on maps of 2^31 values or more (the kernel's
// offsets are int32).
func (r *align) setFeatures(feat []float32, c, h, w int) error {
	r.ready = false
	if c < 0 || h < 0 || w < 0 {
		return fmt.Errorf("roialign: negative dimensions (c=%d h=%d w=%d)", c, h, w)
	}
	if h > 0 && w > 0 && (c > math.MaxInt32/h/w) {
		return fmt.Errorf("roialign: feature map %dx%dx%d has more than 2^31-1 values", c, h, w)
	}
	if len(feat) != c*h*w {
		return fmt.Errorf("roialign: feature map has %d values, want %d*%d*%d = %d", len(feat), c, h, w, c*h*w)
	}
	r.hwc = slices.Grow(r.hwc[:0], len(feat))[:len(feat)]
	kernels.Transpose(r.hwc, c, feat, c, h*w)
	r.c, r.h, r.w, r.ready = c, h, w, true
	return nil
}

// prepare computes and checks the geometry (and sampling grid) of every RoI (boxes in image
// coordinates) on the map of the last setFeatures, so that pooling them (poolRoIs) cannot fail,
// and sizes the scratch of workers workers for these RoIs and for any within the map, on the
// caller: a worker that pools no RoI of the first frames must not allocate in a later one, nor
// any worker for a frame with larger RoIs than before.
func (r *align) prepare(rois []boxes.Box, workers int) error {
	if !r.ready {
		return fmt.Errorf("roialign: no feature map")
	}
	if r.OutH < 0 || r.OutW < 0 {
		return fmt.Errorf("roialign: negative output size %dx%d", r.OutH, r.OutW)
	}
	if sr := r.SamplingRatio; sr > 0 && (sr > maxBinSamples || sr*sr > maxBinSamples) {
		return fmt.Errorf("roialign: sampling ratio %d: a %dx%d grid per bin exceeds %d samples", sr, sr, sr, maxBinSamples)
	}
	// One RoI's scratch holds OutH*OutW*grid samples: keep that product from overflowing.
	if r.OutW > 0 && r.OutH > math.MaxInt/maxBinSamples/r.OutW {
		return fmt.Errorf("roialign: output size %dx%d too large", r.OutH, r.OutW)
	}
	oh, ow := r.OutH, r.OutW
	// A RoI within the map (a proposal, clipped to the image) samples at most ceil(h/OutH) x
	// ceil(w/OutW) points per bin with the adaptive grid.
	grid := roiGeometry{gridH: r.SamplingRatio, gridW: r.SamplingRatio}
	if r.SamplingRatio <= 0 {
		grid.gridH, grid.gridW = ceilDiv(max(r.h, 1), max(oh, 1)), ceilDiv(max(r.w, 1), max(ow, 1))
	}
	taps, lines := grid.taps(oh, ow), grid.lines(oh, ow)
	r.geoms = slices.Grow(r.geoms[:0], len(rois))[:len(rois)]
	for i, roi := range rois {
		g, err := r.geometry(roi)
		if err != nil {
			return err
		}
		r.geoms[i] = g
		taps, lines = max(taps, g.taps(oh, ow)), max(lines, g.lines(oh, ow))
	}
	if len(r.pre) < workers {
		r.pre = append(r.pre, make([][]kernels.Tap, workers-len(r.pre))...)
		r.bins = append(r.bins, make([][]float32, workers-len(r.bins))...)
		r.axes = append(r.axes, make([][]axisTap, workers-len(r.axes))...)
	}
	for w := range workers {
		r.pre[w] = slices.Grow(r.pre[w][:0], taps)
		r.axes[w] = slices.Grow(r.axes[w][:0], lines)
		r.bins[w] = slices.Grow(r.bins[w][:0], oh*ow*r.c)
	}
	return nil
}

// taps is how many sample points a RoI of this geometry takes (OutH x OutW bins).
func (g roiGeometry) taps(oh, ow int) int { return oh * ow * g.gridH * g.gridW }

// lines is how many sample lines of either axis a RoI of this geometry takes.
func (g roiGeometry) lines(oh, ow int) int { return oh*g.gridH + ow*g.gridW }

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// poolRoIs pools RoIs [lo, hi) of the last prepare with worker's scratch into dst, which holds
// exactly their (hi-lo)*c*OutH*OutW values, as [hi-lo, c, OutH, OutW] in the given layout
// (nn.CNHW: each channel's RoIs together). Sample points more than one pixel outside the map
// contribute zero; those within are clamped to the border, as torchvision does.
func (r *align) poolRoIs(worker int, dst []float32, lo, hi int, layout nn.Layout) {
	if r.h == 0 || r.w == 0 {
		clear(dst)
		return
	}
	nb := r.OutH * r.OutW
	per := nb * r.c
	r.bins[worker] = r.bins[worker][:per]
	for i := lo; i < hi; i++ {
		out, ld := dst[(i-lo)*per:(i-lo+1)*per], nb // RoI i's channels, one after the other
		if layout == nn.CNHW {
			out, ld = dst[(i-lo)*nb:], (hi-lo)*nb // channel c of RoI i is plane c*(hi-lo) + i-lo
		}
		r.one(out, ld, r.geoms[i], r.pre[worker], r.axes[worker], r.bins[worker])
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

// one pools a single RoI of geometry g into out (c planes of OutH x OutW, each ld values after
// the previous one) through the scratch bins ([OutH*OutW][c]), pre and axes, which prepare sized.
func (r *align) one(out []float32, ld int, g roiGeometry, pre []kernels.Tap, axes []axisTap, bins []float32) {
	c, h, w := r.c, r.h, r.w
	oh, ow := r.OutH, r.OutW
	gridH, gridW := g.gridH, g.gridW
	count := float32(max(gridH*gridW, 1))

	pre = pre[:g.taps(oh, ow)]
	fillPreCalc(pre, axes[:g.lines(oh, ow)], h, w, c, oh, ow, g.startH, g.startW, g.binH, g.binW, gridH, gridW)

	// Each bin, all channels at once, in torchvision's order (kernels.BilinearSum), into
	// [bins][c]; then out, [c][bins], is its transpose.
	nb := oh * ow
	samples := gridH * gridW
	for b := range nb {
		kernels.BilinearSum(bins[b*c:(b+1)*c], r.hwc, pre[b*samples:(b+1)*samples], count)
	}
	kernels.Transpose(out, ld, bins, nb, c)
}

// fillPreCalc computes the bilinear taps of every sample point of one RoI in the order
// (ph, pw, iy, ix), exactly as torchvision's pre_calc_for_bilinear_interpolate in float32, with
// the offsets into a channels-last map of c channels (c*h*w fits an int32: setFeatures). A
// sample's y depends only on (ph, iy) and its x only on (pw, ix), so each axis is interpolated
// once per grid line into axes (oh*gridH + ow*gridW of them) and the taps combine them: the same
// offsets and the same float32 weight products as interpolating every point.
func fillPreCalc(pre []kernels.Tap, axes []axisTap, h, w, c, oh, ow int, startH, startW, binH, binW float32, gridH, gridW int) {
	ny := oh * gridH
	ys, xs := axes[:ny], axes[ny:]
	for ph := 0; ph < oh; ph++ {
		for iy := 0; iy < gridH; iy++ {
			yy := startH + float32(float32(ph)*binH) + float32(float32(iy)+0.5)*binH/float32(gridH)
			ys[ph*gridH+iy] = interpolateAxis(yy, h, w*c)
		}
	}
	for pw := 0; pw < ow; pw++ {
		for ix := 0; ix < gridW; ix++ {
			xx := startW + float32(float32(pw)*binW) + float32(float32(ix)+0.5)*binW/float32(gridW)
			xs[pw*gridW+ix] = interpolateAxis(xx, w, c)
		}
	}
	k := 0
	for ph := 0; ph < oh; ph++ {
		for pw := 0; pw < ow; pw++ {
			for _, y := range ys[ph*gridH : (ph+1)*gridH] {
				for _, x := range xs[pw*gridW : (pw+1)*gridW] {
					t := &pre[k] // fields set in place: a composite literal is built aside and copied
					if !(y.inside && x.inside) {
						*t = kernels.Tap{} // zero outside [-1, h] x [-1, w], as torchvision
					} else {
						t.Off[0], t.Off[1], t.Off[2], t.Off[3] = int32(y.lo+x.lo), int32(y.lo+x.hi), int32(y.hi+x.lo), int32(y.hi+x.hi)
						t.W[0], t.W[1], t.W[2], t.W[3] = y.wLo*x.wLo, y.wLo*x.wHi, y.wHi*x.wLo, y.wHi*x.wHi
					}
					k++
				}
			}
		}
	}
}

// axisTap is the bilinear interpolation of one sample coordinate along one axis: the element
// offsets of its two neighbouring lines and their weights.
type axisTap struct {
	lo, hi   int
	wLo, wHi float32
	inside   bool
}

// interpolateAxis interpolates coordinate v on an axis of n lines stride elements apart, as
// torchvision's bilinear_interpolate does each axis: outside [-1, n] (NaN too) it is not inside;
// inside, it is clamped to the border.
func interpolateAxis(v float32, n, stride int) axisTap {
	if !(v >= -1 && v <= float32(n)) {
		return axisTap{}
	}
	if v <= 0 {
		v = 0
	}
	lo := int(v)
	var hi int
	if lo >= n-1 {
		lo, hi = n-1, n-1
		v = float32(lo)
	} else {
		hi = lo + 1
	}
	l := v - float32(lo)
	return axisTap{lo: lo * stride, hi: hi * stride, wLo: 1 - l, wHi: l, inside: true}
}
