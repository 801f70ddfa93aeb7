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

// BenchmarkSgemmKernels times each assembly kernel this CPU has on the three benchmark shapes.
func BenchmarkSgemmKernels(b *testing.B) {
	saved, savedStep := kernel, kernelColStep
	defer func() { kernel, kernelColStep = saved, savedStep }()
	for _, kc := range kernelChoices {
		kernel, kernelColStep = kc.fn, kc.colStep
		b.Run(kc.name+"/1x1conv", func(b *testing.B) { benchSgemm(b, 40, 38*63, 40) })
		b.Run(kc.name+"/linear", func(b *testing.B) { benchSgemm(b, 300, 324, 480) })
		b.Run(kc.name+"/im2col3x3", func(b *testing.B) { benchSgemm(b, 256, 38*63, 4320) })
		b.Run(kc.name+"/roihead7x7", func(b *testing.B) { benchSgemm(b, 80, 49, 240) })
	}
}
