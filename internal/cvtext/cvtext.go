//go:build cgo && !noopencv

package cvtext

import (
	"image"
	"math"
	"strconv"
	"sync"

	"gocv.io/x/gocv"
)

// maxKeyText is the longest text whose size is looked up without allocating its key.
const maxKeyText = 128

// sizes keeps each measured text's size by its shape (shape) and the scale and thickness: the
// Hershey font's digits are all one width, so a number's digits do not change it. Emptied when
// it reaches maxSizes entries, so that callers' texts cannot grow it without bound.
var sizes struct {
	sync.Mutex
	m map[string]extent
}

// maxSizes bounds sizes: a model's labels and the frame-rate overlay at a few image sizes fit
// many times over.
const maxSizes = 4096

type extent struct {
	size image.Point
	base int
}

// shape appends to dst the key a text's size is kept under: the text with every digit written
// as 0 ("person 0.47" and "person 1.00" are one shape; "person -0.50" and "person +Inf", whose
// sign and letters are of other widths, others), then the scale's bits and the thickness.
func shape(dst []byte, text string, scale float64, thick int) []byte {
	for i := range len(text) {
		c := text[i]
		if '0' <= c && c <= '9' {
			c = '0'
		}
		dst = append(dst, c)
	}
	dst = strconv.AppendUint(append(dst, 0), math.Float64bits(scale), 16)
	return strconv.AppendInt(append(dst, 0), int64(thick), 10)
}

// Size returns the size and baseline of text in gocv.FontHersheySimplex at scale and thick, as
// gocv.GetTextSizeWithBaseline gives them, from what it has measured before when it can. It may
// be called from several goroutines.
func Size(text string, scale float64, thick int) (image.Point, int) {
	var buf [maxKeyText + 48]byte
	key := shape(buf[:0], text, scale, thick)
	sizes.Lock()
	defer sizes.Unlock()
	if e, ok := sizes.m[string(key)]; ok {
		return e.size, e.base
	}
	size, base := gocv.GetTextSizeWithBaseline(text, gocv.FontHersheySimplex, scale, thick)
	if sizes.m == nil || len(sizes.m) >= maxSizes {
		sizes.m = make(map[string]extent)
	}
	sizes.m[string(key)] = extent{size, base}
	return size, base
}
