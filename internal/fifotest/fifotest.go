//go:build unix

// Package fifotest gives tests a named pipe filled with given bytes, to check that a reader
// reads its input once from start to end (a pipe cannot seek back, and opening it again waits
// for a writer that never comes), and a bound on how long that may take.
package fifotest

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Pipe makes a named pipe called name in a temporary folder of t and starts a goroutine that
// writes content into it once a reader has opened it, then closes it. It returns the pipe's path.
func Pipe(t testing.TB, name string, content []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := unix.Mkfifo(path, 0o600); err != nil {
		t.Fatalf("named pipe %s: %v", path, err)
	}
	go func() {
		if f, err := os.OpenFile(path, os.O_WRONLY, 0); err == nil {
			f.Write(content)
			f.Close()
		}
	}()
	return path
}

// Within runs read on a goroutine of its own and returns what it returns, failing the test at
// once if that takes longer than d.
func Within[T any](t testing.TB, d time.Duration, read func() (T, error)) (T, error) {
	t.Helper()
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := read()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-time.After(d):
		t.Fatalf("no answer in %v (waiting for a pipe again?)", d)
		panic("unreachable")
	}
}
