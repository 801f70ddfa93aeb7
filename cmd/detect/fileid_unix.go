//go:build unix

package main

import (
	"fmt"
	"os"
	"syscall"
)

// fileID returns an existing file's device and inode as a key ("" and false if path does not
// exist), which every path to the file (links) shares.
func fileID(path string) (string, bool) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return "", false
	}
	return fmt.Sprintf("file:%d:%d", st.Dev, st.Ino), true
}
