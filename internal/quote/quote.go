// Package quote shows file names and URLs in messages: as they are, unless they hold a control
// character (a newline would split a message in two, and a reader or a log parser would read
// half of it), then quoted as Go quotes a string ("a\nb.jpg").
package quote

import (
	"io/fs"
	"os"
	"strconv"
	"strings"
	"unicode"
)

// Name returns name as a message shows it: as it is, or quoted (strconv.Quote) where it holds a
// control character.
func Name(name string) string {
	if strings.IndexFunc(name, unicode.IsControl) < 0 {
		return name
	}
	return strconv.Quote(name)
}

// Err returns err with the paths an error of package os names (an *fs.PathError, an
// *os.LinkError) shown as Name shows them, for a message that wraps it; other errors, and
// errors whose paths need no quotes, as they are. What it returns unwraps as err does.
func Err(err error) error {
	switch e := err.(type) {
	case *fs.PathError:
		if q := Name(e.Path); q != e.Path {
			return &fs.PathError{Op: e.Op, Path: q, Err: e.Err}
		}
	case *os.LinkError:
		if o, n := Name(e.Old), Name(e.New); o != e.Old || n != e.New {
			return &os.LinkError{Op: e.Op, Old: o, New: n, Err: e.Err}
		}
	}
	return err
}
