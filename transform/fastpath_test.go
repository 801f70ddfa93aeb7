package transform

import (
	"errors"
	"image"
	"image/color"
	"math/rand/v2"
	"testing"
)

// straightColor returns the reference for c with alpha dropped: a straight color's own
// (color.NRGBA, NRGBA64 and NYCbCrA, made opaque), another's un-premultiplied; both by
// color.NRGBAModel.
func straightColor(c color.Color) color.NRGBA {
	switch n := c.(type) {
	case color.NRGBA:
		n.A = 0xff
		c = n
	case color.NRGBA64:
		n.A = 0xffff
		c = n
	case color.NYCbCrA:
		c = n.YCbCr
	}
	return color.NRGBAModel.Convert(c).(color.NRGBA)
}

// viaStraightColor converts img pixel by pixel with straightColor: the reference the fast paths
// and the generic path must reproduce.
func viaStraightColor(img image.Image) *image.NRGBA {
	b := img.Bounds()
	out := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			out.SetNRGBA(x-b.Min.X, y-b.Min.Y, straightColor(img.At(x, y)))
		}
	}
	return out
}

// randomColor returns a color of a random color.Color type, often translucent.
func randomColor(rng *rand.Rand) color.Color {
	u8 := func() uint8 { return uint8(rng.IntN(256)) }
	u16 := func() uint16 { return uint16(rng.IntN(1 << 16)) }
	a := u8()
	switch rng.IntN(12) {
	case 0:
		return color.NRGBA{u8(), u8(), u8(), a}
	case 1: // premultiplied: channels <= alpha
		return color.RGBA{uint8(rng.IntN(int(a) + 1)), uint8(rng.IntN(int(a) + 1)), uint8(rng.IntN(int(a) + 1)), a}
	case 2:
		a16 := u16()
		return color.RGBA64{uint16(rng.IntN(int(a16) + 1)), uint16(rng.IntN(int(a16) + 1)), uint16(rng.IntN(int(a16) + 1)), a16}
	case 3:
		return color.NRGBA64{u16(), u16(), u16(), u16()}
	case 4:
		return color.Gray{u8()}
	case 5:
		return color.Gray16{u16()}
	case 6:
		return color.CMYK{u8(), u8(), u8(), u8()}
	case 7:
		return color.YCbCr{u8(), u8(), u8()}
	case 8:
		return color.NYCbCrA{color.YCbCr{u8(), u8(), u8()}, a}
	case 9:
		return color.Alpha{a}
	case 10:
		return color.RGBA{u8(), u8(), u8(), 0xff}
	default:
		return color.Transparent
	}
}

// TestNRGBMatchesStraightColor: a color of every type, translucent ones too, reads as the
// reference's straight color.
func TestNRGBMatchesStraightColor(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for i := range 100_000 {
		c := randomColor(rng)
		want := straightColor(c)
		if r, g, b := nrgb(c); r != want.R || g != want.G || b != want.B {
			t.Fatalf("color %d %#v: nrgb (%d, %d, %d), want %v", i, c, r, g, b, want)
		}
	}
}

// randomPaletted returns a w x h paletted image over a random palette of n colors of mixed types
// (translucent ones included), with bounds starting at (dx, dy).
func randomPaletted(rng *rand.Rand, w, h, n, dx, dy int) *image.Paletted {
	pal := make(color.Palette, n)
	for i := range pal {
		pal[i] = randomColor(rng)
	}
	m := image.NewPaletted(image.Rect(dx, dy, dx+w, dy+h), pal)
	for i := range m.Pix {
		m.Pix[i] = uint8(rng.IntN(n))
	}
	return m
}

func randomNYCbCrA(rng *rand.Rand, r image.Rectangle, ratio image.YCbCrSubsampleRatio, opaque bool) *image.NYCbCrA {
	m := image.NewNYCbCrA(r, ratio)
	for _, pl := range [][]byte{m.Y, m.Cb, m.Cr, m.A} {
		for i := range pl {
			pl[i] = byte(rng.IntN(256))
		}
	}
	if opaque {
		for i := range m.A {
			m.A[i] = 0xff
		}
	}
	return m
}

// checkAgainstReference checks that img's fast path, the generic path and the NRGBA converted
// by straightColor give bit-identical outputs.
func checkAgainstReference(t *testing.T, p *Preprocessor, name string, img image.Image) {
	t.Helper()
	ref, err := p.Image(viaStraightColor(img))
	if err != nil {
		t.Fatal(err)
	}
	want := snapshot(ref)
	got, err := p.Image(img)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	sameOutput(t, name+" fast path", snapshot(got), want)
	got, err = p.Image(genericImage{img})
	if err != nil {
		t.Fatalf("%s generic: %v", name, err)
	}
	sameOutput(t, name+" generic path", snapshot(got), want)
}

func TestPalettedFastPath(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	p := mustNew(t, 300, 500)
	for _, c := range []struct{ w, h, n, dx, dy int }{
		{200, 150, 256, 0, 0}, {200, 150, 17, 0, 0}, {97, 61, 1, 0, 0}, {61, 97, 255, -5, 9}, {1, 40, 3, 2, 2},
	} {
		m := randomPaletted(rng, c.w, c.h, c.n, c.dx, c.dy)
		checkAgainstReference(t, p, "Paletted", m)
		// A sub-image: rows start mid-buffer and the stride exceeds the width.
		r := m.Rect.Inset(min(c.w, c.h) / 4)
		if !r.Empty() {
			checkAgainstReference(t, p, "Paletted sub-image", m.SubImage(r))
		}
	}
	// A palette of 300 entries: indices reach only the first 256.
	m := randomPaletted(rng, 50, 40, 256, 0, 0)
	for range 44 {
		m.Palette = append(m.Palette, color.White)
	}
	checkAgainstReference(t, p, "Paletted with 300 colors", m)
}

func TestNYCbCrAFastPath(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	p := mustNew(t, 300, 500)
	for _, ratio := range []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio422} {
		r := image.Rect(3, -4, 3+171, -4+113)
		opaque := randomNYCbCrA(rng, r, ratio, true)
		checkAgainstReference(t, p, "opaque NYCbCrA "+ratio.String(), opaque)
		checkAgainstReference(t, p, "opaque NYCbCrA sub-image "+ratio.String(), opaque.SubImage(r.Inset(9)))

		// Alpha is ignored: a translucent NYCbCrA gives what its YCbCr color planes give.
		m := randomNYCbCrA(rng, r, ratio, false)
		ref, err := p.Image(&m.YCbCr)
		if err != nil {
			t.Fatal(err)
		}
		want := snapshot(ref)
		got, err := p.Image(m)
		if err != nil {
			t.Fatal(err)
		}
		sameOutput(t, "translucent NYCbCrA "+ratio.String(), snapshot(got), want)
		if got, err = p.Image(genericImage{m}); err != nil { // the same through At
			t.Fatal(err)
		}
		sameOutput(t, "translucent NYCbCrA generic path "+ratio.String(), snapshot(got), want)
	}
}

func TestFastPathErrors(t *testing.T) {
	p := mustNew(t, 300, 500)
	rng := rand.New(rand.NewPCG(17, 18))
	outside := randomPaletted(rng, 20, 10, 5, 0, 0)
	outside.Pix[137] = 5
	short := randomPaletted(rng, 20, 10, 5, 0, 0)
	short.Pix = short.Pix[:199]
	empty := randomPaletted(rng, 20, 10, 5, 0, 0)
	empty.Palette = nil
	nilColor := randomPaletted(rng, 20, 10, 5, 0, 0)
	nilColor.Palette[2] = nil
	nycc := image.NewNYCbCrA(image.Rect(0, 0, 10, 10), image.YCbCrSubsampleRatio420)
	nycc.Cb = nycc.Cb[:3]
	for name, img := range map[string]image.Image{
		"palette index outside the palette": outside,
		"paletted Pix too short":            short,
		"empty palette":                     empty,
		"a nil palette color":               nilColor,
		"malformed NYCbCrA":                 nycc,
	} {
		if _, err := p.Image(img); !errors.Is(err, ErrBadBuffer) {
			t.Errorf("%s: err = %v, want %v", name, err, ErrBadBuffer)
		}
	}
}

// TestPalettedNoAllocation checks the case that motivated the fast path: a 200x150 paletted
// image (30,200 allocations per frame through the generic path) allocates nothing.
func TestPalettedNoAllocation(t *testing.T) {
	p := mustNew(t, 300, 500)
	rng := rand.New(rand.NewPCG(19, 20))
	m := randomPaletted(rng, 200, 150, 200, 0, 0)
	n := randomNYCbCrA(rng, image.Rect(0, 0, 200, 150), image.YCbCrSubsampleRatio420, false)
	for name, img := range map[string]image.Image{"Paletted": m, "NYCbCrA": n} {
		f := func() {
			if _, err := p.Image(img); err != nil {
				t.Fatal(err)
			}
		}
		f()
		if a := testing.AllocsPerRun(10, f); a != 0 {
			t.Errorf("%s: %v allocations per frame, want 0", name, a)
		}
	}
}

// TestSixteenBitFastPaths: *image.RGBA64, *image.NRGBA64 and *image.Gray16 give exactly what
// their 8-bit forms holding each channel's high byte give (translucent pixels too: the stored
// channels, as for *image.NRGBA, where the per-pixel path had un-premultiplied the 16-bit color
// and lost up to 19 levels against PIL), and allocate nothing.
func TestSixteenBitFastPaths(t *testing.T) {
	p := mustNew(t, 300, 500)
	rng := rand.New(rand.NewPCG(23, 24))
	r := image.Rect(3, 5, 3+97, 5+61) // odd sizes, bounds not at the origin
	rgba64, rgba := image.NewRGBA64(r), image.NewRGBA(r)
	nrgba64, nrgba := image.NewNRGBA64(r), image.NewNRGBA(r)
	gray16, gray := image.NewGray16(r), image.NewGray(r)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			u16 := func() uint16 { return uint16(rng.IntN(1 << 16)) }
			c := color.RGBA64{u16(), u16(), u16(), 0xffff} // opaque: premultiplied as stored
			rgba64.SetRGBA64(x, y, c)
			rgba.SetRGBA(x, y, color.RGBA{uint8(c.R >> 8), uint8(c.G >> 8), uint8(c.B >> 8), 0xff})
			n := color.NRGBA64{u16(), u16(), u16(), u16()}
			nrgba64.SetNRGBA64(x, y, n)
			nrgba.SetNRGBA(x, y, color.NRGBA{uint8(n.R >> 8), uint8(n.G >> 8), uint8(n.B >> 8), uint8(n.A >> 8)})
			g := u16()
			gray16.SetGray16(x, y, color.Gray16{g})
			gray.SetGray(x, y, color.Gray{uint8(g >> 8)})
		}
	}
	for _, c := range []struct {
		name        string
		wide, eight image.Image
	}{{"RGBA64", rgba64, rgba}, {"NRGBA64", nrgba64, nrgba}, {"Gray16", gray16, gray}} {
		ref, err := p.Image(c.eight)
		if err != nil {
			t.Fatal(err)
		}
		want := snapshot(ref)
		got, err := p.Image(c.wide)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		sameOutput(t, c.name, snapshot(got), want)
		if got, err = p.Image(genericImage{c.wide}); err != nil { // the same through At
			t.Fatal(err)
		}
		sameOutput(t, c.name+" generic path", snapshot(got), want)
		f := func() {
			if _, err := p.Image(c.wide); err != nil {
				t.Fatal(err)
			}
		}
		if a := testing.AllocsPerRun(5, f); a != 0 {
			t.Errorf("%s: %v allocations per frame, want 0", c.name, a)
		}
	}
}

// TestTranslucentRGBAFastPath: a translucent *image.RGBA or *image.RGBA64 is read with its colors
// un-premultiplied, as the reference (color.NRGBAModel) and the generic path read it, without
// allocating; the fast path used to read the premultiplied, darkened channels (a picture with
// random alpha gave no detections on it and 6 through At).
func TestTranslucentRGBAFastPath(t *testing.T) {
	p := mustNew(t, 300, 500)
	rng := rand.New(rand.NewPCG(31, 32))
	r := image.Rect(2, 3, 2+83, 3+67)
	rgba, rgba64 := image.NewRGBA(r), image.NewRGBA64(r)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			a := uint8(rng.IntN(256)) // 0 and 255 among them
			ch := func() uint8 { return uint8(rng.IntN(int(a) + 1)) }
			rgba.SetRGBA(x, y, color.RGBA{ch(), ch(), ch(), a})
			a16 := uint16(rng.IntN(1 << 16))
			ch16 := func() uint16 { return uint16(rng.IntN(int(a16) + 1)) }
			rgba64.SetRGBA64(x, y, color.RGBA64{ch16(), ch16(), ch16(), a16})
		}
	}
	for name, m := range map[string]image.Image{"RGBA": rgba, "RGBA64": rgba64} {
		checkAgainstReference(t, p, "translucent "+name, m)
		checkAgainstReference(t, p, "translucent "+name+" sub-image", m.(interface {
			SubImage(image.Rectangle) image.Image
		}).SubImage(r.Inset(9)))
		if a := testing.AllocsPerRun(5, func() { p.Image(m) }); a != 0 {
			t.Errorf("translucent %s: %v allocations per frame, want 0", name, a)
		}
	}
}
