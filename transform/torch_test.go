package transform

import (
	"fmt"
	"image"
	_ "image/jpeg" // openImage
	_ "image/png"
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

// TestResizeMatchesTorchvision runs the Preprocessor (its resize passes, the ones detect runs)
// and torchvision's GeneralizedRCNNTransform, whose resize is F.interpolate(scale_factor=s,
// mode="bilinear", recompute_scale_factor=True, align_corners=False), on random 8-bit RGB images
// of odd sizes: scaled up (up to 4x) and down (to under a third), by the shorter side's target or capped
// by the longer side's, one-pixel rows and columns, a scale of exactly 1. Sizes must be equal and
// values within 1e-6 (normalized values of magnitude up to about 2.6; measured 4.8e-7).
func TestResizeMatchesTorchvision(t *testing.T) {
	type tc struct{ h, w, minSize, maxSize int }
	cases := []tc{
		{37, 53, 100, 1000}, {53, 37, 22, 1000}, {101, 77, 103, 1000}, {240, 320, 450, 1000},
		{333, 500, 200, 1000}, {361, 640, 300, 1000}, {17, 29, 6, 1000}, {5, 3, 12, 1000},
		{64, 64, 64, 1000}, {99, 101, 98, 1000}, {1, 7, 3, 1000}, {7, 1, 2, 1000},
		{432, 768, 300, 500}, {480, 640, 600, 1000}, {1080, 1920, 600, 1000}, {2, 2, 9, 9},
		{720, 1280, 200, 1000}, // (more than 2x smaller: the horizontal pass's lookups without LerpRow)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var tensors []*safetensors.Tensor
	pix := make([][]byte, len(cases))
	var sizes []string
	for i, c := range cases {
		pix[i] = make([]byte, 3*c.h*c.w)
		data := make([]float32, len(pix[i]))
		for j := range pix[i] {
			pix[i][j] = byte(rng.IntN(256))
			data[j] = float32(pix[i][j])
		}
		tensors = append(tensors, &safetensors.Tensor{Name: fmt.Sprintf("img%02d", i), Shape: []int{c.h, c.w, 3}, Data: data})
		sizes = append(sizes, fmt.Sprintf("(%d, %d)", c.minSize, c.maxSize))
	}
	ref := torchref.Tensors(t, `
from torchvision.models.detection.transform import GeneralizedRCNNTransform
for i, (mn, mx) in enumerate([`+strings.Join(sizes, ", ")+`]):
    k = '%02d' % i
    tr = GeneralizedRCNNTransform(mn, mx, [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]).eval()
    img = T['img' + k].to(torch.uint8).permute(2, 0, 1).float() / 255
    with torch.no_grad():
        il, _ = tr([img])
    OUT['t' + k] = il.tensors[0].contiguous()
    OUT['s' + k] = torch.tensor(il.image_sizes[0], dtype=torch.float32)
`, tensors...)
	var worst float64
	for i, c := range cases {
		key := fmt.Sprintf("%02d", i)
		want, size := torchref.Get(t, ref, "t"+key), torchref.Get(t, ref, "s"+key).Data
		p, err := New(DefaultConfig(c.minSize, c.maxSize))
		if err != nil {
			t.Fatal(err)
		}
		got, err := p.RGB(pix[i], c.w, c.h, 3*c.w)
		if err != nil {
			t.Fatal(err)
		}
		if got.ResizedHeight != int(size[0]) || got.ResizedWidth != int(size[1]) || want.Shape[1] != got.Height || want.Shape[2] != got.Width {
			t.Fatalf("case %d %dx%d at %d/%d: resized %dx%d padded %dx%d; torchvision %vx%v padded %v",
				i, c.h, c.w, c.minSize, c.maxSize, got.ResizedHeight, got.ResizedWidth, got.Height, got.Width, size[0], size[1], want.Shape)
		}
		d := torchref.MaxAbs(got.Data, want.Data)
		worst = max(worst, d)
		if !(d <= 1e-6) {
			t.Errorf("case %d %dx%d -> %dx%d: max abs diff %g > 1e-6", i, c.h, c.w, got.ResizedHeight, got.ResizedWidth, d)
		}
	}
	t.Logf("Preprocessor vs GeneralizedRCNNTransform: max abs diff %g over %d sizes", worst, len(cases))
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
