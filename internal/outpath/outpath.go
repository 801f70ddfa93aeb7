// Package outpath is where the commands' outputs go: CanMakeIn checks, before any work, that a
// command can make the folder an output goes into, and leaves nothing behind (the commands make
// their folders only when they start writing, so that a run that fails first leaves none);
// WriteReplacing writes a file whole or not at all (results, charts, annotated images).
package outpath

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/shuffledet/shuffledet/internal/quote"
)

// CanMakeIn reports whether dir is a folder, or can be made as one, that takes new files: the
// nearest entry at or above it that exists must be a folder in which a file can be created (one
// is, and removed again). An entry on the way that is not a folder is an error naming it.
func CanMakeIn(dir string) error {
	above := dir
	for {
		st, err := os.Stat(above)
		switch {
		case err == nil && !st.IsDir():
			return fmt.Errorf("%s: not a directory", quote.Name(above))
		case err == nil:
			probe, err := os.CreateTemp(above, ".outpath-check-*")
			if err != nil {
				return fmt.Errorf("cannot create files in %s: %w", quote.Name(above), quote.Err(err))
			}
			probe.Close()
			return os.Remove(probe.Name())
		case !errors.Is(err, os.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR) || above == filepath.Dir(above):
			return err
		}
		above = filepath.Dir(above)
	}
}
