//go:build !unix

package bench

// PeakRSS returns ErrNoRSS: this system reports no peak resident memory that bench reads.
func PeakRSS() (int64, error) { return 0, ErrNoRSS }

// FileRSS returns ErrNoRSS: this system reports no resident file-backed memory that bench
// reads.
func FileRSS() (int64, error) { return 0, ErrNoRSS }
