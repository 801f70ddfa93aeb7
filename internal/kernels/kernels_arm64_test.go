//go:build !noasm

package kernels

import "testing"

// Every arm64 CPU has Advanced SIMD: the NEON Sgemm must be chosen (under qemu too), or the
// tests above would silently check the portable version only.
func TestNEONChosen(t *testing.T) {
	if got := names(sgemm); len(got) != 2 || got[1] != "neon" {
		t.Fatalf("Sgemm implementations %v, want [generic neon]", got)
	}
	if got := names(depthwise3x3); len(got) != 2 || got[1] != "neon" {
		t.Fatalf("Depthwise3x3 implementations %v, want [generic neon]", got)
	}
	if got := names(maxPool3x3s2); len(got) != 2 || got[1] != "neon" {
		t.Fatalf("MaxPool3x3s2 implementations %v, want [generic neon]", got)
	}
	if got := names(avgPool3x3s2); len(got) != 2 || got[1] != "neon" {
		t.Fatalf("AvgPool3x3s2 implementations %v, want [generic neon]", got)
	}
	if got := names(bilinearSum); len(got) != 2 || got[1] != "neon" {
		t.Fatalf("BilinearSum implementations %v, want [generic neon]", got)
	}
	if got := names(transpose); len(got) != 2 || got[1] != "neon" {
		t.Fatalf("Transpose implementations %v, want [generic neon]", got)
	}
	if got := names(blend); len(got) != 2 || got[1] != "neon" {
		t.Fatalf("Blend implementations %v, want [generic neon]", got)
	}
	if got := names(filterIoU); len(got) != 2 || got[1] != "neon" {
		t.Fatalf("FilterIoU implementations %v, want [generic neon]", got)
	}
	if got := names(im2col); len(got) != 2 || got[1] != "neon" {
		t.Fatalf("Im2col implementations %v, want [generic neon]", got)
	}
}
