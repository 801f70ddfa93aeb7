//go:build noasm || !(amd64 || arm64)

package kernels

import "testing"

func forEachSgemm(t *testing.T, f func(t *testing.T)) { t.Run("generic", f) }
