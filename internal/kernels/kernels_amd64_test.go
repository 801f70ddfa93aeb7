//go:build !noasm

package kernels

import (
	"testing"

	"golang.org/x/sys/cpu"
)

// TestX86Chosen checks that each routine's best version is the widest this CPU's features allow,
// so that a wrong feature condition or order in init cannot leave the tests above checking a
// lesser version only.
func TestX86Chosen(t *testing.T) {
	x := cpu.X86
	pick := func(avx512, avx2 bool) string {
		switch {
		case avx512:
			return "avx512"
		case avx2:
			return "avx2"
		}
		return "generic"
	}
	fma := x.HasAVX2 && x.HasFMA
	want := map[string]string{
		"Sgemm":        pick(fma && x.HasAVX512F, fma),
		"Depthwise3x3": pick(fma && x.HasAVX512F, fma),
		"AvgPool3x3s2": pick(x.HasAVX2 && x.HasAVX512F, x.HasAVX2),
		"BilinearSum":  pick(x.HasAVX2 && x.HasAVX512F, x.HasAVX2),
		"MaxPool3x3s2": pick(x.HasAVX2 && x.HasAVX512F, x.HasAVX2),
		"Transpose":    pick(false, x.HasAVX2),
		"Blend":        pick(false, x.HasAVX2),
		"FilterIoU":    pick(x.HasAVX512F && x.HasPOPCNT, x.HasAVX2 && x.HasPOPCNT),
		"Sum":          pick(x.HasAVX512F, x.HasAVX2),
		"Im2col":       pick(x.HasAVX512F, x.HasAVX2),
	}
	got := map[string][]string{"Sgemm": names(sgemm), "Depthwise3x3": names(depthwise3x3), "AvgPool3x3s2": names(avgPool3x3s2),
		"MaxPool3x3s2": names(maxPool3x3s2), "BilinearSum": names(bilinearSum), "Transpose": names(transpose),
		"Blend": names(blend), "FilterIoU": names(filterIoU), "Sum": names(sum), "Im2col": names(im2col)}
	for name, w := range want {
		if impls := got[name]; impls[len(impls)-1] != w {
			t.Errorf("%s implementations %v, want %s last", name, impls, w)
		}
	}
}
