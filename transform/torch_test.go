package transform

import (
	"fmt"
	"image"
	_ "image/jpeg" // openImage
	_ "image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/disintegration/imaging"
	"github.com/shuffledet/shuffledet/internal/torchref"
	"github.com/shuffledet/shuffledet/safetensors"
)

// TestResizeMatchesTorchInterpolate compares Resize with F.interpolate(scale_factor=s,
// mode="bilinear", recompute_scale_factor=True, align_corners=False) on random images.
func TestResizeMatchesTorchInterpolate(t *testing.T) {
	type tc struct {
		h, w int
		sf   float64
	}
	cases := []tc{
		{37, 53, 2.7}, {53, 37, 0.61}, {101, 77, 1.3333333}, {240, 320, 1.875}, {333, 500, 0.6},
		{361, 640, 1.5625}, {17, 29, 0.33}, {5, 3, 4.1}, {64, 64, 1.0}, {99, 101, 0.99}, {1, 7, 3.5},
		{7, 1, 2.25}, {432, 768, 1.3020833730697632},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var tensors []*safetensors.Tensor
	var scales []string
	for i, c := range cases {
		x := make([]float32, 3*c.h*c.w)
		for j := range x {
			x[j] = float32(rng.NormFloat64() * 2)
		}
		tensors = append(tensors, &safetensors.Tensor{Name: fmt.Sprintf("x%02d", i), Shape: []int{1, 3, c.h, c.w}, Data: x})
		scales = append(scales, strconv.FormatFloat(c.sf, 'g', -1, 64)) // round-trips as a Python float
	}
	ref := torchref.Tensors(t, `
import torch.nn.functional as F
for i, s in enumerate([`+strings.Join(scales, ", ")+`]):
    k = '%02d' % i
    OUT['y' + k] = F.interpolate(T['x' + k], scale_factor=s, mode='bilinear',
                                 recompute_scale_factor=True, align_corners=False)
`, tensors...)
	var worst float64
	for i, c := range cases {
		want := torchref.Get(t, ref, fmt.Sprintf("y%02d", i))
		oh, ow := int(math.Floor(float64(c.h)*c.sf)), int(math.Floor(float64(c.w)*c.sf))
		if want.Shape[2] != oh || want.Shape[3] != ow {
			t.Fatalf("case %d %dx%d*%v: torch size %v, ours %dx%d", i, c.h, c.w, c.sf, want.Shape, oh, ow)
		}
		got := make([]float32, 3*oh*ow)
		if err := resize(got, tensors[i].Data, 3, c.h, c.w, oh, ow); err != nil {
			t.Fatal(err)
		}
		d := torchref.MaxAbs(got, want.Data)
		worst = max(worst, d)
		if !(d <= 2e-6) { // measured 9.5e-7
			t.Errorf("case %d %dx%d -> %dx%d: max abs diff %g > 2e-6", i, c.h, c.w, oh, ow, d)
		}
	}
	t.Logf("resize vs torch interpolate: max abs diff %g over %d cases", worst, len(cases))
}

// TestResizedSizeMatchesTorchvision checks the output size rule against torchvision's
// _resize_image_and_masks on many image sizes.
func TestResizedSizeMatchesTorchvision(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	sizes := [][2]int{{480, 640}, {427, 640}, {640, 427}, {432, 768}, {1080, 1920}, {1, 1}, {1, 1000}, {3, 2000}, {600, 600}, {999, 1001}}
	for range 200 {
		sizes = append(sizes, [2]int{1 + rng.IntN(1200), 1 + rng.IntN(1200)})
	}
	var b strings.Builder
	for _, s := range sizes {
		fmt.Fprintf(&b, "%d %d\n", s[0], s[1])
	}
	for _, res := range [][2]int{{300, 500}, {600, 1000}, {800, 1333}} {
		outText := torchref.Script(t, `
import sys, torch
from torchvision.models.detection.transform import _resize_image_and_masks
mn, mx = float(sys.argv[1]), float(sys.argv[2])
for line in sys.argv[3].split('\n'):
    if not line: continue
    h, w = map(int, line.split())
    try:
        img, _ = _resize_image_and_masks(torch.zeros(1, h, w), mn, mx)
        print(img.shape[-2], img.shape[-1])
    except RuntimeError:  # torch refuses an output size of 0
        print(0, 0)
`, strconv.Itoa(res[0]), strconv.Itoa(res[1]), b.String())
		lines := strings.Fields(string(outText))
		if len(lines) != 2*len(sizes) {
			t.Fatalf("reference printed %d numbers, want %d", len(lines), 2*len(sizes))
		}
		for i, s := range sizes {
			wh, _ := strconv.Atoi(lines[2*i])
			ww, _ := strconv.Atoi(lines[2*i+1])
			rh, rw, err := ResizedSize(s[0], s[1], res[0], res[1])
			if wh == 0 || ww == 0 {
				if err == nil {
					t.Errorf("%dx%d at %v: torch gives %dx%d, we give %dx%d and no error", s[0], s[1], res, wh, ww, rh, rw)
				}
				continue
			}
			if err != nil || rh != wh || rw != ww {
				t.Errorf("%dx%d at %v: torchvision %dx%d, ours %dx%d (%v)", s[0], s[1], res, wh, ww, rh, rw, err)
			}
		}
	}
}

// rgbBytes returns the 8-bit RGB pixels of img as imaging converts them (via *image.NRGBA).
func rgbBytes(img image.Image) (pix []byte, w, h int) {
	n := imaging.Clone(img)
	w, h = n.Bounds().Dx(), n.Bounds().Dy()
	pix = make([]byte, 3*w*h)
	for y := range h {
		for x := range w {
			o := n.PixOffset(x, y)
			copy(pix[3*(y*w+x):], n.Pix[o:o+3])
		}
	}
	return pix, w, h
}

// openImage decodes a test image with Go's decoders (the tests here take whatever pixels it
// gives: reading image files is cvimage's job).
func openImage(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	return img, err
}

// testImages lists the real photos in testdata/images.
func testImages(t *testing.T) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(torchref.RepoRoot(t), "testdata", "images", "*.jpg"))
	if err != nil || len(paths) < 3 {
		t.Fatalf("testdata/images: want at least 3 JPEGs, found %d (%v)", len(paths), err)
	}
	return paths
}

// TestPipelineMatchesGeneralizedRCNNTransform runs torchvision's GeneralizedRCNNTransform on the
// same decoded pixels and compares sizes and values at 300/500 and 600/1000.
func TestPipelineMatchesGeneralizedRCNNTransform(t *testing.T) {
	paths := testImages(t)
	var tensors []*safetensors.Tensor
	imgs := make([]image.Image, len(paths))
	for i, path := range paths {
		img, err := openImage(path)
		if err != nil {
			t.Fatal(err)
		}
		imgs[i] = img
		pix, w, h := rgbBytes(img)
		data := make([]float32, len(pix))
		for j, v := range pix {
			data[j] = float32(v)
		}
		tensors = append(tensors, &safetensors.Tensor{Name: fmt.Sprintf("img%02d", i), Shape: []int{h, w, 3}, Data: data})
	}
	ref := torchref.Tensors(t, `
from torchvision.models.detection.transform import GeneralizedRCNNTransform
for mn, mx in ((300, 500), (600, 1000)):
    tr = GeneralizedRCNNTransform(mn, mx, [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]).eval()
    for i in range(`+strconv.Itoa(len(paths))+`):
        k = '%02d' % i
        img = T['img' + k].to(torch.uint8).permute(2, 0, 1).float() / 255
        with torch.no_grad():
            il, _ = tr([img])
        key = '%d_%s' % (mn, k)
        OUT['t' + key] = il.tensors[0].contiguous()
        OUT['s' + key] = torch.tensor(il.image_sizes[0], dtype=torch.float32)
`, tensors...)
	for _, res := range [][2]int{{300, 500}, {600, 1000}} {
		p, err := New(DefaultConfig(res[0], res[1]))
		if err != nil {
			t.Fatal(err)
		}
		for i, img := range imgs {
			key := fmt.Sprintf("%d_%02d", res[0], i)
			want := torchref.Get(t, ref, "t"+key)
			size := torchref.Get(t, ref, "s"+key).Data
			got, err := p.Image(img)
			if err != nil {
				t.Fatal(err)
			}
			name := filepath.Base(paths[i])
			if got.ResizedHeight != int(size[0]) || got.ResizedWidth != int(size[1]) {
				t.Fatalf("%s at %v: resized %dx%d, torchvision %vx%v", name, res, got.ResizedHeight, got.ResizedWidth, size[0], size[1])
			}
			if want.Shape[0] != 3 || got.Height != want.Shape[1] || got.Width != want.Shape[2] {
				t.Fatalf("%s at %v: padded %dx%d, torchvision %v", name, res, got.Height, got.Width, want.Shape)
			}
			d := torchref.MaxAbs(got.Data, want.Data)
			t.Logf("%s (%dx%d, %T) at %d/%d: resized %dx%d, padded %dx%d, max abs diff %g",
				name, got.OrigWidth, got.OrigHeight, img, res[0], res[1], got.ResizedWidth, got.ResizedHeight, got.Width, got.Height, d)
			if !(d <= 1e-6) { // measured 4.8e-7
				t.Errorf("%s at %v: max abs diff %g > 1e-6", name, res, d)
			}
		}
	}
}
