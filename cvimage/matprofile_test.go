//go:build cgo && !noopencv && matprofile

package cvimage

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"gocv.io/x/gocv"
)

// TestMatProfileDecoding reads every JPEG variant (intact, progressive, grey, CMYK, damaged, and
// one cut short without an end marker, which libjpeg refuses after decodeJPEG has made its Mat)
// through decodeJPEG at every scale and through Read and Open turned by EXIF orientations 1, 3,
// 6 and 8, and requires every Mat to be closed afterwards (gocv.MatProfile counts the open ones when built with -tags matprofile;
// make matprofile runs it).
func TestMatProfileDecoding(t *testing.T) {
	defer func(w io.Writer) { Warnings = w }(Warnings)
	Warnings = io.Discard
	variants, _ := jpegVariants(t)
	photo := variants["000000010363.jpg"]
	variants["cut"] = bytes.Clone(photo[:len(photo)*3/4]) // no end marker: libjpeg runs out of data after the Mat is made
	base := gocv.MatProfile.Count()
	dir := t.TempDir()
	opened := false
	for name, data := range variants {
		for _, scale := range []int{1, 2, 4, 8} {
			if m, _, err := decodeJPEG(data, scale); err == nil {
				if !opened && gocv.MatProfile.Count() == base {
					t.Fatal("MatProfile does not count open Mats: build with -tags matprofile")
				}
				opened = true
				m.Close()
			}
		}
		for _, o := range []int{1, 3, 6, 8} {
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, withOrientation(t, data, o), 0o644); err != nil {
				t.Fatal(err)
			}
			if m, err := Read(path); err == nil {
				m.Close()
			}
			Open(path)
		}
	}
	if n := gocv.MatProfile.Count(); n != base {
		t.Fatalf("%d Mats left open", n-base)
	}
}

// withOrientation returns data (a JPEG) with an Exif segment giving EXIF orientation o first.
func withOrientation(t *testing.T, data []byte, o int) []byte {
	t.Helper()
	if len(data) < 2 {
		t.Fatal("not a JPEG")
	}
	tiff := []byte{'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, byte(o), 0, 0, 0, 0, 0, 0}
	body := append([]byte("Exif\x00\x00"), tiff...)
	n := len(body) + 2
	seg := append([]byte{0xff, 0xe1, byte(n >> 8), byte(n)}, body...)
	return append(append(append([]byte{}, data[:2]...), seg...), data[2:]...)
}
