//go:build cgo && !noopencv

package detector

import (
	"path/filepath"
	"testing"

	"github.com/shuffledet/shuffledet/internal/torchref"
)

// TestParityJPEG is the parity test on a JPEG input: train/reference.py decodes it with PIL and
// the Go side with cvimage.Open (OpenCV's libjpeg-turbo, the same library), so both start from
// the same pixels and every stage must agree as it does for PNGs. Needs cgo (with Go's own JPEG
// decoder the pixels differ; see the README).
func TestParityJPEG(t *testing.T) {
	root := torchref.RepoRoot(t)
	dir := t.TempDir()
	model := filepath.Join(dir, "det.bin")
	torchref.Run(t, "train/export.py", "--out", model, "--random", "--seed", "100", "--groups", "3", "--width", "0.5", "--detector", "--res", "300")
	det, err := Load(model, WithScoreThreshold(0))
	if err != nil {
		t.Fatal(err)
	}
	img := filepath.Join(root, "testdata/images/000000010363.jpg")
	dump := filepath.Join(dir, "ref.safetensors")
	torchref.Run(t, "train/reference.py", "--model", model, "--res", "300", "--score-thresh", "0", "--dump", dump, img)
	compareWithReference(t, "0.5x@300/"+filepath.Base(img), det, img, torchref.Load(t, dump))
}
