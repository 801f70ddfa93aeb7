// Package cliout is the commands' standard output under urfave/cli, whose help and -version
// printers drop a write's error: a Writer keeps the first, so that `detect -version > /dev/full`
// ends with status 1, as every other write that fails does.
package cliout

import (
	"io"
	"sync"
)

// Writer writes to W and keeps the first error a write returned.
type Writer struct {
	W   io.Writer
	mu  sync.Mutex
	err error
}

// Write writes p to W, keeping the error, if any, when it is the first.
func (w *Writer) Write(p []byte) (int, error) {
	n, err := w.W.Write(p)
	if err != nil {
		w.mu.Lock()
		if w.err == nil {
			w.err = err
		}
		w.mu.Unlock()
	}
	return n, err
}

// Err returns the first error a write returned, nil where none failed.
func (w *Writer) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}
