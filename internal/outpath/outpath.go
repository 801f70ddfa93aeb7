// Package outpath is where the commands' outputs go: CanMakeIn checks, before any work, that a
// command can make the folder an output goes into, and leaves nothing behind (the commands make
// their folders only when they start writing, so that a run that fails first leaves none);
// WriteReplacing writes a file whole or not at all (results, charts, annotated images).
package outpath

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/shuffledet/shuffledet/internal/quote"
)

// CanMakeIn reports whether dir is a folder, or can be made as one, that takes new files: the
// nearest entry at or above it that exists must be a folder in which a file can be created (one
// is, and removed again). An entry on the way that is not a folder is an error naming it, and so
// is a symbolic link on the way to a folder that is not there, on which os.MkdirAll would fail
// ("file exists").
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
				var pe *fs.PathError
				if errors.As(err, &pe) { // (its path is the probe's, a name the user never gave)
					err = pe.Err
				}
				return fmt.Errorf("cannot create files in %s: %w", quote.Name(above), err)
			}
			probe.Close()
			return os.Remove(probe.Name())
		case !errors.Is(err, os.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR) || above == filepath.Dir(above):
			return err
		}
		if lst, err := os.Lstat(above); err == nil && lst.Mode()&fs.ModeSymlink != 0 {
			return fmt.Errorf("%s is a symbolic link to %s, which is not there (make that folder, or give another)", quote.Name(above), quote.Name(FollowLinks(above)))
		}
		above = filepath.Dir(above)
	}
}
