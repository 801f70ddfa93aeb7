package kernels

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// FuzzParseISA feeds SHUFFLEDET_ISA values to parseISA: unset or empty means no cap, exactly the
// four names are accepted (with their rank), and anything else is refused with the variable and
// the value quoted, and no cap.
func FuzzParseISA(f *testing.F) {
	for _, s := range []string{"", "generic", "avx2", "avx512", "neon", "AVX2", " avx2", "avx512f", "sse"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		r, err := parseISA(v)
		want, known := isaRank[v]
		switch {
		case v == "":
			if err != nil || r != math.MaxInt {
				t.Fatalf("parseISA(\"\") = %d, %v; want no cap", r, err)
			}
		case known:
			if err != nil || r != want {
				t.Fatalf("parseISA(%q) = %d, %v; want %d", v, r, err, want)
			}
		default:
			if err == nil || r != math.MaxInt || !strings.Contains(err.Error(), ISAEnv+"="+fmt.Sprintf("%q", v)) {
				t.Fatalf("parseISA(%q) = %d, %v; want a refusal naming %s and the value", v, r, err, ISAEnv)
			}
		}
	})
}
