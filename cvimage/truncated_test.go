package cvimage

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shuffledet/shuffledet/internal/torchref"
)

// TestTruncatedJPEGRefused: in either build (OpenCV's libjpeg-turbo with cgo, Go's decoder
// without) a JPEG cut short is an error naming the file, not an image with grey rows.
func TestTruncatedJPEGRefused(t *testing.T) {
	whole := firstTestJPEG(t)
	for _, cut := range []int{len(whole) * 3 / 5, len(whole) - 2} {
		path := filepath.Join(t.TempDir(), "cut.jpg")
		if err := os.WriteFile(path, whole[:cut], 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Open(path); err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("Open of %d of %d bytes: %v", cut, len(whole), err)
		}
	}
}

// firstTestJPEG returns the bytes of the first of testJPEGs.
func firstTestJPEG(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(testJPEGs(t)[0])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// testJPEGs returns the repository's test JPEGs (testdata/images), failing the test when there
// are none.
func testJPEGs(t testing.TB) []string {
	t.Helper()
	jpegs, err := filepath.Glob(filepath.Join(torchref.RepoRoot(t), "testdata/images/*.jpg"))
	if err != nil || len(jpegs) == 0 {
		t.Fatalf("no test JPEGs: %v", err)
	}
	return jpegs
}
