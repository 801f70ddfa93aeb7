//go:build unix

package outpath_test

import (
	"io"
	"testing"

	"github.com/shuffledet/shuffledet/internal/outpath"
	"github.com/shuffledet/shuffledet/internal/outpath/modetest"
)

// TestWriteReplacingModes: under each umask, a new file gets touch's mode (0666 less the umask;
// it was 0644 less it), and a replaced one keeps its own whatever the umask (a 0644 file replaced
// under umask 077 became 0600: its mode was taken for a new file's and not set again).
func TestWriteReplacingModes(t *testing.T) {
	modetest.Check(t, ".json", func(path string) error {
		return outpath.WriteReplacing(path, func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err })
	})
}
