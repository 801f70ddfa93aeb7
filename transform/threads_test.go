package transform

import (
	"image"
	"math/rand/v2"
	"testing"

	"github.com/shuffledet/shuffledet/parallel"
)

// TestThreadsGiveIdenticalOutput checks that a Preprocessor on 2 or 3 threads writes exactly what
// one thread does, for every kind of source (packed, YCbCr, paletted, the generic path), sizes that
// leave padding rows and columns, up- and downscaling, and a Preprocessor reused across sizes.
func TestThreadsGiveIdenticalOutput(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	bgr := func(w, h int) []byte {
		pix := make([]byte, 3*w*h)
		for i := range pix {
			pix[i] = byte(rng.IntN(256))
		}
		return pix
	}
	cmyk := image.NewCMYK(image.Rect(0, 0, 97, 61))
	for i := range cmyk.Pix {
		cmyk.Pix[i] = byte(rng.IntN(256))
	}
	images := []image.Image{
		randomNYCbCrA(rng, image.Rect(3, 5, 203, 130), image.YCbCrSubsampleRatio420, true).YCbCr.SubImage(image.Rect(3, 5, 203, 130)),
		randomPaletted(rng, 150, 77, 200, 2, 1),
		cmyk,
	}
	sizes := [][2]int{{640, 480}, {1001, 37}, {31, 700}, {640, 480}}
	one := mustNew(t, 300, 500)
	for _, threads := range []int{2, 3} {
		pool := parallel.New(threads)
		p := mustNew(t, 300, 500)
		p.SetPool(pool)
		for _, wh := range sizes {
			pix := bgr(wh[0], wh[1])
			want, err := one.BGR(pix, wh[0], wh[1], 3*wh[0])
			if err != nil {
				t.Fatal(err)
			}
			w := snapshot(want)
			got, err := p.BGR(pix, wh[0], wh[1], 3*wh[0])
			if err != nil {
				t.Fatal(err)
			}
			if got.Height == got.ResizedHeight && got.Width == got.ResizedWidth {
				t.Fatalf("BGR %dx%d: no padding to check", wh[0], wh[1])
			}
			sameOutput(t, "BGR", snapshot(got), w)
		}
		for _, img := range images {
			want, err := one.Image(img)
			if err != nil {
				t.Fatal(err)
			}
			w := snapshot(want)
			got, err := p.Image(img)
			if err != nil {
				t.Fatal(err)
			}
			sameOutput(t, typeName(img), snapshot(got), w)
		}
		pool.Close()
	}
}
