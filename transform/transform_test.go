package transform

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/disintegration/imaging"

	"github.com/shuffledet/shuffledet/parallel"
)

func mustNew(t testing.TB, minSize, maxSize int) *Preprocessor {
	t.Helper()
	p, err := New(DefaultConfig(minSize, maxSize))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// snapshot copies an Output (whose buffers the Preprocessor reuses).
func snapshot(o *Output) Output {
	c := *o
	c.Data = append([]float32(nil), o.Data...)
	return c
}

func sameOutput(t *testing.T, what string, got, want Output) {
	t.Helper()
	if got.Height != want.Height || got.Width != want.Width || got.ResizedHeight != want.ResizedHeight ||
		got.ResizedWidth != want.ResizedWidth || got.OrigHeight != want.OrigHeight || got.OrigWidth != want.OrigWidth {
		t.Fatalf("%s: sizes %+v, want %+v", what, sizesOf(got), sizesOf(want))
	}
	for i := range want.Data {
		if math.Float32bits(got.Data[i]) != math.Float32bits(want.Data[i]) {
			t.Fatalf("%s: element %d = %v, want %v (bit-exact)", what, i, got.Data[i], want.Data[i])
		}
	}
}

func sizesOf(o Output) [6]int {
	return [6]int{o.Height, o.Width, o.ResizedHeight, o.ResizedWidth, o.OrigHeight, o.OrigWidth}
}

// TestRawBuffersEqualImagePath checks that BGR and RGB buffers (with padded strides) give exactly
// the image.Image result for the same pixels, and that every image.Image fast path agrees with the
// NRGBA conversion imaging makes.
func TestRawBuffersEqualImagePath(t *testing.T) {
	paths := testImages(t)
	p := mustNew(t, 600, 1000)
	for _, path := range paths {
		name := filepath.Base(path)
		img, err := openImage(path)
		if err != nil {
			t.Fatal(err)
		}
		nrgba := imaging.Clone(img)
		ref, err := p.Image(nrgba)
		if err != nil {
			t.Fatal(err)
		}
		want := snapshot(ref)

		got, err := p.Image(img) // *image.YCbCr or *image.Gray fast path
		if err != nil {
			t.Fatal(err)
		}
		sameOutput(t, name+" "+typeName(img), snapshot(got), want)

		w, h := nrgba.Bounds().Dx(), nrgba.Bounds().Dy()
		stride := 3*w + 13
		bgr := make([]byte, (h-1)*stride+3*w)
		rgb := make([]byte, len(bgr))
		rgba := image.NewRGBA(image.Rect(0, 0, w, h))
		for y := range h {
			for x := range w {
				o := nrgba.PixOffset(x, y)
				r, g, b := nrgba.Pix[o], nrgba.Pix[o+1], nrgba.Pix[o+2]
				q := y*stride + 3*x
				bgr[q], bgr[q+1], bgr[q+2] = b, g, r
				rgb[q], rgb[q+1], rgb[q+2] = r, g, b
				rgba.SetRGBA(x, y, color.RGBA{r, g, b, 255})
			}
		}
		got, err = p.BGR(bgr, w, h, stride)
		if err != nil {
			t.Fatal(err)
		}
		sameOutput(t, name+" BGR", snapshot(got), want)
		got, err = p.RGB(rgb, w, h, stride)
		if err != nil {
			t.Fatal(err)
		}
		sameOutput(t, name+" RGB", snapshot(got), want)
		got, err = p.Image(rgba)
		if err != nil {
			t.Fatal(err)
		}
		sameOutput(t, name+" RGBA", snapshot(got), want)
		got, err = p.Image(genericImage{nrgba})
		if err != nil {
			t.Fatal(err)
		}
		sameOutput(t, name+" generic", snapshot(got), want)
	}
}

// genericImage hides the concrete type so the generic path runs.
type genericImage struct{ image.Image }

func typeName(img image.Image) string {
	switch img.(type) {
	case *image.YCbCr:
		return "YCbCr"
	case *image.Gray:
		return "Gray"
	case *image.NRGBA:
		return "NRGBA"
	}
	return "other"
}

// TestSubImage checks that images whose bounds do not start at the origin are read correctly.
func TestSubImage(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	full := image.NewNRGBA(image.Rect(-7, 3, 120, 95))
	for i := range full.Pix {
		full.Pix[i] = byte(rng.IntN(256))
	}
	r := image.Rect(10, 20, 97, 81)
	sub := full.SubImage(r).(*image.NRGBA)
	copyImg := image.NewNRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	ycc := image.NewYCbCr(r, image.YCbCrSubsampleRatio420)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			copyImg.Set(x-r.Min.X, y-r.Min.Y, full.At(x, y))
			ycc.Y[ycc.YOffset(x, y)] = byte(rng.IntN(256))
			ycc.Cb[ycc.COffset(x, y)] = byte(rng.IntN(256))
			ycc.Cr[ycc.COffset(x, y)] = byte(rng.IntN(256))
		}
	}
	p := mustNew(t, 300, 500)
	a, err := p.Image(sub)
	if err != nil {
		t.Fatal(err)
	}
	want := snapshot(a)
	b, err := p.Image(copyImg)
	if err != nil {
		t.Fatal(err)
	}
	sameOutput(t, "NRGBA sub-image", snapshot(b), want)

	c, err := p.Image(ycc)
	if err != nil {
		t.Fatal(err)
	}
	yccWant := snapshot(c)
	d, err := p.Image(imaging.Clone(ycc))
	if err != nil {
		t.Fatal(err)
	}
	sameOutput(t, "YCbCr 4:2:0 with offset bounds", snapshot(d), yccWant)
}

// TestPaddingIsZeroAfterReuse checks that a smaller image after a larger one leaves no stale
// values in the padding.
func TestPaddingIsZeroAfterReuse(t *testing.T) {
	p := mustNew(t, 600, 1000)
	big := make([]byte, 3*640*480)
	for i := range big {
		big[i] = 255
	}
	if _, err := p.RGB(big, 640, 480, 3*640); err != nil {
		t.Fatal(err)
	}
	small := make([]byte, 3*333*500)
	out, err := p.RGB(small, 333, 500, 3*333)
	if err != nil {
		t.Fatal(err)
	}
	if out.ResizedWidth != 599 || out.ResizedHeight != 900 || out.Width != 608 || out.Height != 928 {
		t.Fatalf("sizes %v", sizesOf(*out))
	}
	if len(out.Data) != 3*out.Height*out.Width {
		t.Fatalf("len(Data) = %d, want %d", len(out.Data), 3*out.Height*out.Width)
	}
	for c := range 3 {
		black := p.lut[c][0]
		for y := range out.Height {
			for x := range out.Width {
				v := out.Data[(c*out.Height+y)*out.Width+x]
				inside := y < out.ResizedHeight && x < out.ResizedWidth
				if (inside && !(math.Abs(float64(v-black)) <= 1e-6)) || (!inside && v != 0) {
					t.Fatalf("c=%d y=%d x=%d: %v (inside=%v)", c, y, x, v, inside)
				}
			}
		}
	}
}

// TestNormalizationTable checks the lookup table against the formula and ImageNet constants.
func TestNormalizationTable(t *testing.T) {
	p := mustNew(t, 600, 1000)
	for c := range 3 {
		for _, v := range []int{0, 1, 128, 255} {
			want := (float64(v)/255 - ImageNetMean[c]) / ImageNetStd[c]
			if d := math.Abs(float64(p.lut[c][v]) - want); !(d <= 1e-6) {
				t.Errorf("lut[%d][%d] = %v, want %v", c, v, p.lut[c][v], want)
			}
		}
	}
}

// nilColors is a broken image type whose At returns nil.
type nilColors struct{ image.Rectangle }

func (m nilColors) ColorModel() color.Model { return color.RGBAModel }
func (m nilColors) Bounds() image.Rectangle { return m.Rectangle }
func (m nilColors) At(x, y int) color.Color { return nil }

// TestAtImagesWellFormed: the images read through At whose buffers Image checks first (CMYK,
// Alpha, Alpha16) are read when whole, sub-images at an offset too, as their At reads them.
func TestAtImagesWellFormed(t *testing.T) {
	p := mustNew(t, 64, 64)
	r := image.Rect(3, 5, 40, 30)
	for _, img := range []interface {
		image.Image
		SubImage(image.Rectangle) image.Image
	}{image.NewCMYK(r), image.NewAlpha(r), image.NewAlpha16(r)} {
		pix := reflect.ValueOf(img).Elem().FieldByName("Pix").Bytes()
		for i := range pix {
			pix[i] = byte(i * 37 % 251)
		}
		for _, m := range []image.Image{img, img.SubImage(image.Rect(10, 12, 40, 30))} {
			w, err := p.Image(viaAt{m})
			if err != nil {
				t.Fatal(err)
			}
			want := slices.Clone(w.Data) // (the Output's buffer is the next call's)
			got, err := p.Image(m)
			if err != nil || !slices.Equal(got.Data, want) {
				t.Errorf("%T %v: %v, or values other than At's", m, m.Bounds(), err)
			}
		}
	}
}

// viaAt hides an image's type, so that Image reads it through At alone.
type viaAt struct{ image.Image }

// TestBufferErrorText: a buffer too short says how many bytes the frame needs; a stride so large
// that the frame's extent overflows an int says so ("needs more bytes than any buffer holds";
// it said "needs more than any buffer holds bytes").
func TestBufferErrorText(t *testing.T) {
	p := mustNew(t, 600, 1000)
	pix := make([]byte, 3*10*10)
	for _, c := range []struct {
		stride int
		want   string
	}{
		{31, "bad pixel buffer: BGR 10x10 stride 31 needs 309 bytes, have 300"},
		{math.MaxInt / 4, fmt.Sprintf("bad pixel buffer: BGR 10x10 stride %d needs more bytes than any buffer holds, have 300", math.MaxInt/4)},
	} {
		if _, err := p.BGR(pix, 10, 10, c.stride); err == nil || err.Error() != c.want {
			t.Errorf("stride %d: %v; want %s", c.stride, err, c.want)
		}
	}
}

func TestErrors(t *testing.T) {
	p := mustNew(t, 600, 1000)
	pix := make([]byte, 3*10*10)
	cases := []struct {
		name string
		run  func() error
		want error
	}{
		{"zero width", func() error { _, err := p.BGR(pix, 0, 10, 30); return err }, ErrEmptyImage},
		{"zero height", func() error { _, err := p.RGB(pix, 10, 0, 30); return err }, ErrEmptyImage},
		{"negative", func() error { _, err := p.BGR(pix, -3, 10, 30); return err }, ErrEmptyImage},
		{"empty image.Image", func() error { _, err := p.Image(image.NewNRGBA(image.Rect(0, 0, 0, 5))); return err }, ErrEmptyImage},
		{"nil image", func() error { _, err := p.Image(nil); return err }, ErrEmptyImage},
		{"nil *image.RGBA", func() error { var m *image.RGBA; _, err := p.Image(m); return err }, ErrEmptyImage},
		{"huge 20000x20000", func() error { _, err := p.BGR(nil, 20000, 20000, 60000); return err }, ErrImageTooLarge},
		{"over MaxSide", func() error { _, err := p.BGR(nil, MaxSide+1, 1, 3*(MaxSide+1)); return err }, ErrImageTooLarge},
		{"huge image.Image header", func() error {
			_, err := p.Image(&image.NRGBA{Rect: image.Rect(0, 0, 30000, 30000)})
			return err
		}, ErrImageTooLarge},
		{"malformed NRGBA", func() error {
			_, err := p.Image(&image.NRGBA{Rect: image.Rect(0, 0, 100, 100), Stride: 400})
			return err
		}, ErrBadBuffer},
		{"malformed RGBA", func() error { // Opaque, for premultiplied alpha, would index Pix
			_, err := p.Image(&image.RGBA{Rect: image.Rect(0, 0, 100, 100), Stride: 400})
			return err
		}, ErrBadBuffer},
		// read through At, which panicked on these (slice bounds out of range, index out of range)
		{"malformed CMYK", func() error {
			_, err := p.Image(&image.CMYK{Pix: make([]byte, 4), Rect: image.Rect(0, 0, 10, 10), Stride: 40})
			return err
		}, ErrBadBuffer},
		{"malformed Alpha", func() error {
			_, err := p.Image(&image.Alpha{Pix: make([]byte, 99), Rect: image.Rect(0, 0, 10, 10), Stride: 10})
			return err
		}, ErrBadBuffer},
		{"malformed Alpha16", func() error {
			_, err := p.Image(&image.Alpha16{Pix: make([]byte, 2), Rect: image.Rect(0, 0, 10, 10), Stride: 20})
			return err
		}, ErrBadBuffer},
		{"Alpha16 of a negative stride", func() error {
			_, err := p.Image(&image.Alpha16{Pix: make([]byte, 200), Rect: image.Rect(0, 0, 10, 10), Stride: -20})
			return err
		}, ErrBadBuffer},
		{"malformed RGBA64", func() error {
			pix := bytes.Repeat([]byte{0xff}, 8*99) // opaque, one pixel short: Opaque reads to the end
			_, err := p.Image(&image.RGBA64{Pix: pix, Rect: image.Rect(0, 0, 10, 10), Stride: 80})
			return err
		}, ErrBadBuffer},
		{"At returns nil", func() error { _, err := p.Image(nilColors{image.Rect(0, 0, 10, 10)}); return err }, ErrBadBuffer},
		{"malformed Gray stride", func() error {
			_, err := p.Image(&image.Gray{Pix: make([]byte, 100), Rect: image.Rect(0, 0, 10, 10), Stride: 5})
			return err
		}, ErrBadBuffer},
		{"malformed YCbCr", func() error {
			m := image.NewYCbCr(image.Rect(0, 0, 10, 10), image.YCbCrSubsampleRatio420)
			m.Cr = m.Cr[:3]
			_, err := p.Image(m)
			return err
		}, ErrBadBuffer},
		{"stride too small", func() error { _, err := p.BGR(pix, 10, 10, 29); return err }, ErrBadBuffer},
		{"buffer too short", func() error { _, err := p.BGR(pix[:299], 10, 10, 30); return err }, ErrBadBuffer},
		{"stride too large for buffer", func() error { _, err := p.BGR(pix, 10, 10, 31); return err }, ErrBadBuffer},
		{"overflowing stride", func() error { _, err := p.BGR(pix, 10, 10, math.MaxInt/4); return err }, ErrBadBuffer},
		{"nil buffer", func() error { _, err := p.RGB(nil, 10, 10, 30); return err }, ErrBadBuffer},
		{"resizes to nothing", func() error { b := make([]byte, 3*30000); _, err := p.RGB(b, 30000, 1, 90000); return err }, ErrEmptyImage},
		{"bad config", func() error {
			_, err := New(Config{ShorterSide: 600, MaxLongerSide: 1000, SizeDivisible: 32})
			return err
		}, ErrBadConfig},
		{"bad config size", func() error { _, err := New(DefaultConfig(0, 1000)); return err }, ErrBadConfig},
		{"one mean", func() error {
			c := DefaultConfig(600, 1000)
			c.ImageMean = c.ImageMean[:1]
			_, err := New(c)
			return err
		}, ErrBadConfig},
		{"four stds", func() error {
			c := DefaultConfig(600, 1000)
			c.ImageStd = append(c.ImageStd, 1)
			_, err := New(c)
			return err
		}, ErrBadConfig},
		{"mean infinite in float32", func() error {
			c := DefaultConfig(600, 1000)
			c.ImageMean = []float64{1e39, 0.5, 0.5}
			_, err := New(c)
			return err
		}, ErrBadConfig},
		{"NaN mean, zero std, infinite std", func() error {
			for _, ms := range [][2]float64{{math.NaN(), 0.2}, {0.5, 0}, {0.5, math.Inf(1)}} {
				c := DefaultConfig(600, 1000)
				c.ImageMean[1], c.ImageStd[1] = ms[0], ms[1]
				if _, err := New(c); !errors.Is(err, ErrBadConfig) {
					return fmt.Errorf("mean %v std %v: %v", ms[0], ms[1], err)
				}
			}
			return ErrBadConfig
		}, ErrBadConfig},
		{"std subnormal in float32", func() error {
			c := DefaultConfig(600, 1000)
			c.ImageStd = []float64{1e-45, 0.2, 0.2}
			_, err := New(c)
			return err
		}, ErrBadConfig},
		{"finite but overflowing: mean 1e30, std 1e-30; the bounds taken", func() error {
			for _, ms := range [][2]float64{{1e30, 0.2}, {0.5, 1e-30}, {-MaxNormalized*0.2 - 1, 0.2}} {
				c := DefaultConfig(600, 1000)
				c.ImageMean[2], c.ImageStd[2] = ms[0], ms[1]
				if _, err := New(c); !errors.Is(err, ErrBadConfig) {
					return fmt.Errorf("mean %v std %v: %v", ms[0], ms[1], err)
				}
			}
			for _, ms := range [][2]float64{{0, 1.0 / 255}, {0.5, 1e-4}, {1 - MaxNormalized*0.2, 0.2}} { // 0 to 255, ±5000, 9995 to the bound
				c := DefaultConfig(600, 1000)
				c.ImageMean[2], c.ImageStd[2] = ms[0], ms[1]
				if _, err := New(c); err != nil {
					return fmt.Errorf("mean %v std %v: %v", ms[0], ms[1], err)
				}
			}
			return ErrBadConfig
		}, ErrBadConfig},
	}
	for _, c := range cases {
		err := c.run()
		if !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}
	// Exactly filling the buffer (no trailing stride padding on the last row) is fine.
	big := make([]byte, 9*31+30)
	if _, err := p.BGR(big, 10, 10, 31); err != nil {
		t.Errorf("minimal buffer: %v", err)
	}
}

// TestNoSteadyStateAllocation checks that repeated frames allocate nothing.
func TestNoSteadyStateAllocation(t *testing.T) {
	p := mustNew(t, 600, 1000)
	w, h := 768, 432
	bgr := make([]byte, 3*w*h)
	nrgba := image.NewNRGBA(image.Rect(0, 0, w, h))
	ycc := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	for name, f := range map[string]func(){
		"BGR":   func() { _, _ = p.BGR(bgr, w, h, 3*w) },
		"NRGBA": func() { _, _ = p.Image(nrgba) },
		"YCbCr": func() { _, _ = p.Image(ycc) },
	} {
		f()
		if n := testing.AllocsPerRun(5, f); n != 0 {
			t.Errorf("%s: %v allocations per frame, want 0", name, n)
		}
	}
}

// BenchmarkBGR768x432At600 preprocesses a 768x432 BGR video frame at 600/1000 (-> 1000x562,
// padded 1024x576) on 1 and 2 threads.
func BenchmarkBGR768x432At600(b *testing.B) { benchmarkBGR(b, 768, 432, 600, 1000) }

// BenchmarkBGR3840x2160At300 preprocesses a 4K frame at 300/500 (-> 500x281, padded 512x288):
// a resize 7.7x smaller, whose rows read under a third of their input values.
func BenchmarkBGR3840x2160At300(b *testing.B) { benchmarkBGR(b, 3840, 2160, 300, 500) }

// benchmarkBGR preprocesses a random w x h BGR frame at shorter / longer on 1 and 2 threads.
func benchmarkBGR(b *testing.B, w, h, shorter, longer int) {
	rng := rand.New(rand.NewPCG(7, 8))
	bgr := make([]byte, 3*w*h)
	for i := range bgr {
		bgr[i] = byte(rng.IntN(256))
	}
	for _, threads := range []int{1, 2} {
		b.Run(fmt.Sprintf("threads=%d", threads), func(b *testing.B) {
			pool := parallel.New(threads)
			defer pool.Close()
			p := mustNew(b, shorter, longer)
			p.SetPool(pool)
			b.SetBytes(int64(len(bgr)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.BGR(bgr, w, h, 3*w); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestConfigListLengths: image_mean and image_std hold 3 numbers; another length is an error
// that names the list (encoding/json used to fill a short one with zeros and cut a long one).
func TestConfigListLengths(t *testing.T) {
	for _, c := range []struct {
		edit func(c *Config)
		want string
	}{
		{func(c *Config) { c.ImageMean = []float64{0.485} }, "image_mean: want 3 numbers, got 1"},
		{func(c *Config) { c.ImageMean = nil }, "image_mean: want 3 numbers, got 0"},
		{func(c *Config) { c.ImageStd = []float64{0.2, 0.2, 0.2, 0.2} }, "image_std: want 3 numbers, got 4"},
	} {
		cfg := DefaultConfig(600, 1000)
		c.edit(&cfg)
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want %q", err, c.want)
		}
	}
	// DefaultConfig's lists are its own.
	c := DefaultConfig(600, 1000)
	c.ImageMean[0] = 7
	if ImageNetMean[0] != 0.485 || DefaultConfig(600, 1000).ImageMean[0] != 0.485 {
		t.Error("DefaultConfig shares its mean")
	}
}
