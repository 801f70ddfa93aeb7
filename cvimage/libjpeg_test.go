//go:build cgo && !noopencv

package cvimage

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gocv.io/x/gocv"
)

// jpegVariants returns JPEGs that take each of libjpeg's paths: the test photos (YCbCr 4:2:0 and
// grey), the photo re-encoded progressive and grey-progressive by OpenCV, a CMYK JPEG written by
// PIL (cvimage/testdata/cmyk.jpg, 97x71: ragged against every block and scale), and damaged
// copies of a photo: a restart marker inserted in its scan ("premature end of data segment"),
// two of its scan's bytes overwritten, its scan cut short before the end marker ("extraneous
// bytes"). damaged names the ones libjpeg warns about.
func jpegVariants(t *testing.T) (variants map[string][]byte, damaged map[string]bool) {
	t.Helper()
	variants, damaged = map[string][]byte{}, map[string]bool{}
	for _, path := range testJPEGs(t) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		variants[filepath.Base(path)] = data
	}
	cmyk, err := os.ReadFile(filepath.Join("testdata", "cmyk.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	variants["cmyk.jpg"] = cmyk
	photo := variants["000000010363.jpg"]
	m, err := gocv.IMDecode(photo, gocv.IMReadColor)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	progressive := func(img gocv.Mat) []byte {
		buf, err := gocv.IMEncodeWithParams(gocv.JPEGFileExt, img, []int{gocv.IMWriteJpegProgressive, 1})
		if err != nil {
			t.Fatal(err)
		}
		defer buf.Close()
		return bytes.Clone(buf.GetBytes())
	}
	gray := gocv.NewMat()
	defer gray.Close()
	gocv.CvtColor(m, &gray, gocv.ColorBGRToGray)
	variants["progressive.jpg"], variants["gray-progressive.jpg"] = progressive(m), progressive(gray)

	scan := bytes.Index(photo, []byte{0xff, 0xda})
	mid := scan + (len(photo)-scan)/2
	variants["restart.jpg"] = append(append(append([]byte{}, photo[:mid]...), 0xff, 0xd0), photo[mid:]...)
	overwritten := bytes.Clone(photo)
	overwritten[mid], overwritten[mid+1] = 0x12, 0x34
	variants["overwritten.jpg"] = overwritten
	variants["cut.jpg"] = append(append([]byte{}, photo[:mid]...), 0xff, 0xd9)
	for _, name := range []string{"restart.jpg", "overwritten.jpg", "cut.jpg"} {
		damaged[name] = true
	}
	return variants, damaged
}

// TestDecodeJPEGIsOpenCVs: decodeJPEG gives the pixels OpenCV's imdecode gives (IMREAD_COLOR and
// IMREAD_REDUCED_COLOR_2/4/8, orientation ignored), bit for bit, for every variant at every
// scale, and a warning exactly for the damaged ones (where libjpeg-turbo, through OpenCV, would
// have printed it to standard error).
func TestDecodeJPEGIsOpenCVs(t *testing.T) {
	variants, damaged := jpegVariants(t)
	flags := map[int]gocv.IMReadFlag{1: gocv.IMReadColor, 2: gocv.IMReadReducedColor2, 4: gocv.IMReadReducedColor4, 8: gocv.IMReadReducedColor8}
	for name, data := range variants {
		for _, scale := range []int{1, 2, 4, 8} {
			got, warning, err := decodeJPEG(data, scale)
			if err != nil {
				t.Fatalf("%s at 1/%d: %v", name, scale, err)
			}
			want, err := gocv.IMDecode(data, flags[scale]|gocv.IMReadIgnoreOrientation)
			if err != nil || want.Empty() {
				t.Fatalf("%s at 1/%d: OpenCV: %v", name, scale, err)
			}
			g, _ := got.DataPtrUint8()
			w, _ := want.DataPtrUint8()
			if got.Cols() != want.Cols() || got.Rows() != want.Rows() || got.Type() != want.Type() || !bytes.Equal(g, w) {
				t.Errorf("%s at 1/%d: %dx%d %v, OpenCV %dx%d %v: pixels differ", name, scale, got.Cols(), got.Rows(), got.Type(), want.Cols(), want.Rows(), want.Type())
			}
			if (warning != "") != damaged[name] || damaged[name] && !strings.Contains(warning, "Corrupt JPEG data") {
				t.Errorf("%s at 1/%d: warning %q", name, scale, warning)
			}
			got.Close()
			want.Close()
		}
	}
}

// TestDamagedJPEGWarnsNamingIt: Read and Open decode a damaged JPEG as far as its data goes and
// write one line to Warnings naming the file and what libjpeg found; an intact one writes none.
func TestDamagedJPEGWarnsNamingIt(t *testing.T) {
	variants, _ := jpegVariants(t)
	dir := t.TempDir()
	var log bytes.Buffer
	defer func(w io.Writer) { Warnings = w }(Warnings)
	Warnings = &log
	for _, name := range []string{"restart.jpg", "000000010363.jpg"} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, variants[name], 0o644); err != nil {
			t.Fatal(err)
		}
		log.Reset()
		m, err := Read(path)
		if err != nil {
			t.Fatalf("Read %s: %v", name, err)
		}
		m.Close()
		if _, err := Open(path); err != nil {
			t.Fatalf("Open %s: %v", name, err)
		}
		lines := strings.Split(strings.TrimSuffix(log.String(), "\n"), "\n")
		switch {
		case name == "restart.jpg" && (len(lines) != 2 || !strings.Contains(lines[0], path) || !strings.Contains(lines[0], "premature end of data segment") || lines[1] != lines[0]):
			t.Errorf("%s: warnings %q; want one a decoding, naming the file and the damage", name, log.String())
		case name != "restart.jpg" && log.Len() != 0:
			t.Errorf("%s: warnings %q; want none", name, log.String())
		}
	}
}

// TestDecodeJPEGErrors: data libjpeg refuses gives an error (libjpeg's message), never a crash.
func TestDecodeJPEGErrors(t *testing.T) {
	variants, _ := jpegVariants(t)
	photo := variants["000000001503.jpg"]
	sof := bytes.Index(photo, []byte{0xff, 0xc0})
	badSOF := bytes.Clone(photo)
	badSOF[sof+9] = 2 // two components: a colour space libjpeg cannot convert to BGR
	for name, data := range map[string][]byte{
		"empty":      nil,
		"not a jpeg": []byte("GIF89a"),
		"no frame":   photo[:sof],
		"bad frame":  badSOF,
	} {
		m, _, err := decodeJPEG(data, 1)
		if err == nil {
			m.Close()
			t.Errorf("%s: no error", name)
		}
	}
}

// BenchmarkDecodeJPEG times decodeJPEG (its header read twice: for the Mat's size, then to
// decode) beside OpenCV's imdecode, which it replaced, on the 640x361 test photo.
func BenchmarkDecodeJPEG(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(filepath.Dir(testJPEGs(b)[0]), "000000010363.jpg"))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("decodeJPEG", func(b *testing.B) {
		for b.Loop() {
			m, _, err := decodeJPEG(data, 1)
			if err != nil {
				b.Fatal(err)
			}
			m.Close()
		}
	})
	b.Run("OpenCV", func(b *testing.B) {
		for b.Loop() {
			m, err := gocv.IMDecode(data, gocv.IMReadColor|gocv.IMReadIgnoreOrientation)
			if err != nil {
				b.Fatal(err)
			}
			m.Close()
		}
	})
}

// TestJPEGCutShortAfterAnEndMarkerIsRefused: a progressive JPEG cut short in its second scan,
// with an FF D9 before it (in a COM segment between the scans, where readFrom's check for an end
// marker finds it), is refused, as OpenCV's imdecode and PIL refuse it, not decoded with the rest
// grey ("Premature end of JPEG file", jpeg_mem_src's warning) at any scale.
func TestJPEGCutShortAfterAnEndMarkerIsRefused(t *testing.T) {
	variants, _ := jpegVariants(t)
	prog := variants["progressive.jpg"]
	first := bytes.Index(prog, []byte{0xff, 0xda})
	second := first + 2 + bytes.Index(prog[first+2:], []byte{0xff, 0xda})
	third := second + 2 + bytes.Index(prog[second+2:], []byte{0xff, 0xda})
	if first < 0 || second <= first+2 || third <= second+2 {
		t.Fatalf("progressive.jpg: scans at %d, %d, %d", first, second, third)
	}
	cut := append(append(append([]byte{}, prog[:second]...), 0xff, 0xfe, 0, 4, 0xff, 0xd9), prog[second:(second+third)/2]...)
	if want, err := gocv.IMDecode(cut, gocv.IMReadColor|gocv.IMReadIgnoreOrientation); err == nil && !want.Empty() {
		want.Close()
		t.Fatal("OpenCV decodes the cut file: the test no longer cuts it where libjpeg runs out of data")
	}
	for _, scale := range []int{1, 2, 4, 8} {
		if m, warning, err := decodeJPEG(cut, scale); err == nil {
			m.Close()
			t.Errorf("1/%d: decoded (warning %q), not refused", scale, warning)
		}
	}
	path := filepath.Join(t.TempDir(), "cut.jpg")
	if err := os.WriteFile(path, cut, 0o644); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	defer func(w io.Writer) { Warnings = w }(Warnings)
	Warnings = &log
	if m, err := Read(path); err == nil {
		m.Close()
		t.Errorf("Read decoded it (warnings %q)", log.String())
	} else if !strings.Contains(err.Error(), path) {
		t.Errorf("error does not name the file: %v", err)
	} else {
		t.Log(err)
	}
}
