package outpath

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/shuffledet/shuffledet/internal/interrupt"
	"github.com/shuffledet/shuffledet/internal/quote"
)

// WriteReplacing fills the file at path with what write writes, through a hidden file in its
// folder (Partial) renamed into place, so that a write that fails part way (a full disk, an
// error of write's) or a killed run leaves no truncated file and an earlier file of that name as
// it was; a second Ctrl-C removes the hidden file (interrupt.TempFile). A symbolic link at path
// is followed (FollowLinks: the file it names is replaced, the link kept), and what is not a
// regular file there (a pipe, a device) is written directly. A new file gets the mode touch
// gives (NewFileMode, 0666, less the umask), a replaced one keeps its own (its permission bits).
// Errors name path; an empty path is an error, before anything is written.
func WriteReplacing(path string, write func(io.Writer) error) error {
	if path == "" { // (its hidden file went to the current folder, and the rename's error named none)
		return errors.New("empty file name")
	}
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		// Written directly, by its own name: the kernel follows its links, /proc's too
		// (/dev/stdout -> /proc/self/fd/1 -> pipe:[N], which is no path FollowLinks can follow).
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
		if err != nil {
			return fmt.Errorf("%s: %w", quote.Name(path), WithoutPath(err))
		}
		err = write(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("%s: %w", quote.Name(path), quote.Err(err))
		}
		return nil
	}
	target := FollowLinks(path)
	st, err := os.Stat(target)
	if err != nil && !errors.Is(err, fs.ErrNotExist) { // (a loop of links: renaming onto it would replace a link)
		return fmt.Errorf("%s: %w", quote.Name(path), WithoutPath(err))
	}
	tmp := Partial(target)
	defer interrupt.TempFile(tmp)()
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, NewFileMode)
	if err != nil { // (its error names the hidden file, which the user never asked for)
		return fmt.Errorf("%s: cannot write in its folder %s: %w", quote.Name(path), quote.Name(filepath.Dir(target)), WithoutPath(err))
	}
	err = write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && st != nil { // (st: the file replaced, nil for a new one; OpenFile's mode passed through the umask)
		err = os.Chmod(tmp, st.Mode().Perm())
	}
	if err == nil {
		err = os.Rename(tmp, target)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("%s: %w", quote.Name(path), quote.Err(err))
	}
	return nil
}

// NewFileMode is the mode the output files of detect and cocoeval are created with, less the
// umask: touch's and the shell's (0666), as FFmpeg makes a video too. A file they replace keeps
// its own.
const NewFileMode os.FileMode = 0o666

// NewFolderMode is the mode the folders detect and cocoeval make for their outputs are made with,
// less the umask: mkdir's (0777).
const NewFolderMode os.FileMode = 0o777

// WithoutPath returns the cause of an error of package os that names a path (an *fs.PathError),
// for a message that names the file as the user gave it.
func WithoutPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// partialSeq numbers the hidden files of this process (Partial).
var partialSeq atomic.Int64

// Partial is the hidden file a writer of path writes before renaming it to path:
// .NAME.partial-PID-N.EXT in path's folder, unique in this process, its extension kept (OpenCV's
// video writer picks its container by it); NAME is cut to 200 bytes, so that the hidden name
// stays within the 255 bytes a file name may have.
func Partial(path string) string {
	ext := filepath.Ext(path)
	stem := strings.TrimSuffix(filepath.Base(path), ext)
	stem = stem[:min(len(stem), 200)]
	return filepath.Join(filepath.Dir(path), fmt.Sprintf(".%s.partial-%d-%d%s", stem, os.Getpid(), partialSeq.Add(1), ext))
}

// FollowLinks returns the path a chain of symbolic links at path ends in (path itself when it is
// not one), the last one's target whether or not it exists yet (filepath.EvalSymlinks fails on a
// link to a file not yet written); at most 40 links, as the kernel follows.
func FollowLinks(path string) string {
	for range 40 {
		target, err := os.Readlink(path)
		if err != nil {
			return path
		}
		if !filepath.IsAbs(target) {
			dir := filepath.Dir(path)
			if strings.Contains(target, "..") { // (.. from the folder the link is in, not the path's text)
				if real, err := filepath.EvalSymlinks(dir); err == nil {
					dir = real
				}
			}
			target = filepath.Join(dir, target)
		}
		path = target
	}
	return path
}
