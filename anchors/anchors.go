// Package anchors generates the RPN anchor grid of torchvision's AnchorGenerator for one feature
// map: a set of zero-centred cell anchors (every aspect ratio times every size) shifted to every
// feature-map location.
package anchors

import (
	"math"

	"github.com/shuffledet/shuffledet/boxes"
)

// DefaultSizes are the anchor sizes (square-root areas, in input pixels) of the C4 detector.
var DefaultSizes = []float32{32, 64, 128, 256, 512}

// DefaultRatios are the anchor aspect ratios (height / width) of the C4 detector.
var DefaultRatios = []float32{0.5, 1, 2}

// Cell returns the zero-centred cell anchors exactly as AnchorGenerator.generate_anchors computes
// them in float32: h_ratio = sqrt(ratio), w_ratio = 1/h_ratio, w = w_ratio*size,
// h = h_ratio*size, anchor = round([-w, -h, w, h] / 2) with round half to even. The order is
// ratio-major: index r*len(sizes) + s. Empty sizes or ratios give no anchors.
func Cell(sizes, ratios []float32) []boxes.Box {
	out := make([]boxes.Box, 0, len(sizes)*len(ratios))
	for _, ar := range ratios {
		hr := float32(math.Sqrt(float64(ar)))
		wr := 1 / hr
		for _, s := range sizes {
			w := float32(wr * s)
			h := float32(hr * s)
			out = append(out, boxes.Box{
				X1: roundEven(-w / 2), Y1: roundEven(-h / 2),
				X2: roundEven(w / 2), Y2: roundEven(h / 2),
			})
		}
	}
	return out
}

func roundEven(v float32) float32 { return float32(math.RoundToEven(float64(v))) }

// Stride returns the anchor stride along one axis as torchvision's AnchorGenerator derives it:
// the (padded) image size divided by the feature size, in integer division. A non-positive
// feature size gives 0.
func Stride(imageSize, featureSize int) int {
	if featureSize <= 0 {
		return 0
	}
	return imageSize / featureSize
}

// Grid appends to dst the anchors of a featH x featW feature map with the given strides and
// returns the extended slice: for each location y-major then x, for each cell anchor in order,
// the cell anchor shifted by (x*strideX, y*strideY), as AnchorGenerator.grid_anchors. The anchor
// with flat index (y*featW + x)*len(cell) + a thus matches the RPN head output at channel a,
// row y, column x.
func Grid(dst []boxes.Box, cell []boxes.Box, featH, featW, strideY, strideX int) []boxes.Box {
	for y := 0; y < featH; y++ {
		sy := float32(int32(y * strideY))
		for x := 0; x < featW; x++ {
			sx := float32(int32(x * strideX))
			for _, c := range cell {
				dst = append(dst, boxes.Box{X1: sx + c.X1, Y1: sy + c.Y1, X2: sx + c.X2, Y2: sy + c.Y2})
			}
		}
	}
	return dst
}

// Generator produces the anchor grid for a feature map and caches it: asking again for the same
// feature size and strides returns the cached grid without allocating. It is not safe for
// concurrent use; the returned slice is owned by the Generator and valid until the next call with
// different dimensions.
type Generator struct {
	cell                 []boxes.Box
	grid                 []boxes.Box
	featH, featW, sy, sx int
	valid                bool
}

// NewGenerator returns a Generator for the given sizes and aspect ratios (height / width).
// nil sizes or ratios select DefaultSizes or DefaultRatios.
func NewGenerator(sizes, ratios []float32) *Generator {
	if sizes == nil {
		sizes = DefaultSizes
	}
	if ratios == nil {
		ratios = DefaultRatios
	}
	return &Generator{cell: Cell(sizes, ratios)}
}

// Grid returns the anchors of a featH x featW feature map with the given strides (see the
// package-level Grid for the order). Non-positive dimensions give an empty grid.
func (g *Generator) Grid(featH, featW, strideY, strideX int) []boxes.Box {
	if featH < 0 {
		featH = 0
	}
	if featW < 0 {
		featW = 0
	}
	if g.valid && featH == g.featH && featW == g.featW && strideY == g.sy && strideX == g.sx {
		return g.grid
	}
	g.grid = Grid(g.grid[:0], g.cell, featH, featW, strideY, strideX)
	g.featH, g.featW, g.sy, g.sx, g.valid = featH, featW, strideY, strideX, true
	return g.grid
}

// ForImage returns the anchors of a featH x featW feature map computed from an imageH x imageW
// (padded) input, with the strides derived as torchvision does (Stride per axis).
func (g *Generator) ForImage(imageH, imageW, featH, featW int) []boxes.Box {
	return g.Grid(featH, featW, Stride(imageH, featH), Stride(imageW, featW))
}
