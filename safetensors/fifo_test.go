//go:build unix

package safetensors

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shuffledet/shuffledet/internal/fifotest"
)

// TestNamedPipeRefused: a named pipe is refused at once as not a regular file (opening it
// would wait for a writer, and Ctrl-C could not end that wait).
func TestNamedPipeRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "model.bin")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := fifotest.Within(t, 10*time.Second, func() (*File, error) { return ReadFile(path) })
	if err == nil || !strings.Contains(err.Error(), path+": not a regular file") {
		t.Errorf("ReadFile of a named pipe: %v", err)
	}
}
