//go:build !noasm && (amd64 || arm64)

package kernels

import "testing"

// forEachSgemm runs f with the portable Sgemm and then with each assembly kernel this CPU has.
func forEachSgemm(t *testing.T, f func(t *testing.T)) {
	saved, savedStep := kernel, kernelColStep
	defer func() { kernel, kernelColStep = saved, savedStep }()
	kernel = nil
	t.Run("generic", f)
	if len(kernelChoices) == 0 {
		t.Log("no assembly kernel for this CPU")
	}
	for _, kc := range kernelChoices {
		kernel, kernelColStep = kc.fn, kc.colStep
		t.Run(kc.name, f)
	}
}
