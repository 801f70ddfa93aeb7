package transform

import (
	"bufio"
	"fmt"
	"image"
	"io"
	"os"

	"github.com/disintegration/imaging"
)

// Open decodes the image file at path (JPEG, PNG, GIF, TIFF or BMP), applying a JPEG's EXIF
// orientation (only a JPEG's: PIL's exif_transpose also reads PNG's eXIf chunk and TIFF's
// orientation tag, which Open leaves as stored). The dimensions in the header are checked against MaxSide and MaxPixels before the
// pixels are decoded, so a hostile header cannot make it allocate gigabytes. Errors name the file.
func Open(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("transform: open image: %w", err)
	}
	defer f.Close()
	cfg, format, err := image.DecodeConfig(bufio.NewReader(f))
	if err != nil {
		return nil, fmt.Errorf("transform: image %s: cannot decode header: %w", path, err)
	}
	if err := CheckSize(cfg.Width, cfg.Height); err != nil {
		return nil, fmt.Errorf("transform: image %s (%s): %w", path, format, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("transform: image %s: %w", path, err)
	}
	img, err := imaging.Decode(f, imaging.AutoOrientation(true))
	if err != nil {
		return nil, fmt.Errorf("transform: image %s (%s): cannot decode: %w", path, format, err)
	}
	// A TIFF with associated alpha decodes premultiplied (RGBA); PIL's convert("RGB") divides
	// the alpha out, while the RGBA fast path takes the colours as they are (opaque, as every
	// other decoder's RGBA is).
	switch rgba := img.(type) {
	case *image.RGBA:
		if !rgba.Opaque() {
			img = imaging.Clone(img) // non-premultiplied NRGBA
		}
	case *image.RGBA64:
		if !rgba.Opaque() {
			img = imaging.Clone(img)
		}
	}
	return img, nil
}
