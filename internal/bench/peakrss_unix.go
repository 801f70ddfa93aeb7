//go:build unix

package bench

import (
	"bytes"
	"os"
	"runtime"
	"strconv"
	"syscall"
)

// PeakRSS returns the process's peak resident memory in bytes: VmHWM from /proc/self/status
// where there is one (Linux), else getrusage's ru_maxrss.
func PeakRSS() (int64, error) {
	if v, ok := procStatus("VmHWM:"); ok {
		return v, nil
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, ErrNoRSS
	}
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		return int64(ru.Maxrss), nil // bytes there
	}
	return int64(ru.Maxrss) << 10, nil // kilobytes on Linux and the BSDs
}

// FileRSS returns the process's resident file-backed memory in bytes (RssFile in
// /proc/self/status: the executable's and the shared libraries' pages), or ErrNoRSS where
// the system does not report it (only Linux does).
func FileRSS() (int64, error) {
	if v, ok := procStatus("RssFile:"); ok {
		return v, nil
	}
	return 0, ErrNoRSS
}

// procStatus returns the value in bytes of a "Name:   123 kB" line of /proc/self/status.
func procStatus(name string) (int64, bool) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		if v, ok := bytes.CutPrefix(line, []byte(name)); ok {
			kb, err := strconv.ParseInt(string(bytes.TrimSpace(bytes.TrimSuffix(bytes.TrimSpace(v), []byte("kB")))), 10, 64)
			return kb << 10, err == nil
		}
	}
	return 0, false
}
