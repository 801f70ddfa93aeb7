//go:build cgo && !noopencv

package cvimage

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gocv.io/x/gocv"

	"github.com/shuffledet/shuffledet/transform"
)

// TestJPEGHeaderCheckedBeforeBody: a progressive JPEG whose header claims 60000x60000 (libjpeg's
// coefficients at full size, 21 GB, even read at 1/8), followed by a 400 MiB body (within what
// a file of that size may have), is refused by DecodeFit and ReadFit from its header, of which
// at most 64 KiB are read; the whole file was read into memory first, before. A header with no
// scan is refused once maxHeaderBytes of it are read, not read on to the whole file's bound.
func TestJPEGHeaderCheckedBeforeBody(t *testing.T) {
	path := sparseFile(t, "bomb.jpg", withSize(t, progressive8x8, 60000, 60000), 400<<20)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := &headReader{r: f, limit: 64 << 10}
	_, _, _, err = DecodeFit(r, path)
	if !errors.Is(err, transform.ErrImageTooLarge) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "progressive or multi-scan") {
		t.Fatalf("DecodeFit: %v (%d bytes read); want the coefficients refused from the header, naming the file", err, r.n)
	}
	if _, _, _, err := ReadFit(path); !errors.Is(err, transform.ErrImageTooLarge) || !strings.Contains(err.Error(), path) {
		t.Errorf("ReadFit: %v; want the coefficients refused, naming the file", err)
	}

	// The frame header (after JFIF's APP0, where image.DecodeConfig stops), then 80 MiB of stray
	// zeros: the header, its dimensions 8x8, is read up to maxHeaderBytes for its first scan.
	sof := bytes.Index(progressive8x8, []byte{0xff, 0xc2})
	head := progressive8x8[:sof+2+int(progressive8x8[sof+2])<<8+int(progressive8x8[sof+3])]
	path = sparseFile(t, "noscan.jpg", head, 80<<20)
	if _, err := Open(path); err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "a header (the bytes before its image data) of more than 64 MiB") {
		t.Errorf("Open of a frame header and 80 MiB of zeros: %v; want the header refused, naming the file", err)
	}
}

// TestMetadataDroppedOpenCV: Read, which hands OpenCV a JPEG's header without the metadata
// libjpeg passes over (readJPEGHead), decodes each test JPEG (three with an ICC profile, APP2),
// and each of withMetadata's variants of them, to the pixels OpenCV decodes from all of the
// file's bytes, which are those of the JPEG without them.
func TestMetadataDroppedOpenCV(t *testing.T) {
	dir := t.TempDir()
	for _, path := range testJPEGs(t) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		variants := withMetadata(t, data)
		variants["plain.jpg"] = data
		for name, v := range variants {
			file := filepath.Join(dir, name)
			if err := os.WriteFile(file, v, 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := Read(file)
			if err != nil {
				t.Fatal(err)
			}
			want, err := gocv.IMDecode(v, gocv.IMReadColor|gocv.IMReadIgnoreOrientation)
			if err != nil || want.Empty() {
				t.Fatalf("%s, %s: OpenCV: %v", filepath.Base(path), name, err)
			}
			g, _ := got.DataPtrUint8()
			w, _ := want.DataPtrUint8()
			if got.Cols() != want.Cols() || got.Rows() != want.Rows() || !bytes.Equal(g, w) {
				t.Errorf("%s, %s: Read's pixels differ from OpenCV's of the whole file", filepath.Base(path), name)
			}
			if name != "plain.jpg" {
				plain, err := gocv.IMDecode(data, gocv.IMReadColor|gocv.IMReadIgnoreOrientation)
				if err != nil {
					t.Fatal(err)
				}
				if p, _ := plain.DataPtrUint8(); !bytes.Equal(g, p) {
					t.Errorf("%s, %s: Read's pixels differ from OpenCV's of the file without the metadata", filepath.Base(path), name)
				}
				plain.Close()
			}
			got.Close()
			want.Close()
		}
	}
}
