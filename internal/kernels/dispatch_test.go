package kernels

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// FuzzParseISA feeds SHUFFLEDET_ISA values to parseISA: unset or empty means no cap, exactly the
// four names are accepted (the list is written here, not read from isaRank), and anything else is
// refused with the variable and the value quoted, and no cap. TestISARanks checks the ranks.
func FuzzParseISA(f *testing.F) {
	names := map[string]bool{"generic": true, "avx2": true, "avx512": true, "neon": true}
	for _, s := range []string{"", "generic", "avx2", "avx512", "neon", "AVX2", " avx2", "avx512f", "sse"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		r, err := parseISA(v)
		switch {
		case v == "":
			if err != nil || r != math.MaxInt {
				t.Fatalf("parseISA(\"\") = %d, %v; want no cap", r, err)
			}
		case names[v]:
			if err != nil || r == math.MaxInt {
				t.Fatalf("parseISA(%q) = %d, %v; want a cap", v, r, err)
			}
		default:
			if err == nil || r != math.MaxInt || !strings.Contains(err.Error(), ISAEnv+"="+fmt.Sprintf("%q", v)) {
				t.Fatalf("parseISA(%q) = %d, %v; want a refusal naming %s and the value", v, r, err, ISAEnv)
			}
		}
	})
}

// TestISARanks: a cap at generic admits only portable code, avx2 and neon (each machine's
// middle step) admit less than avx512, which admits everything below it.
func TestISARanks(t *testing.T) {
	rank := func(v string) int {
		r, err := parseISA(v)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if !(rank("generic") < rank("avx2") && rank("avx2") == rank("neon") && rank("avx2") < rank("avx512")) {
		t.Errorf("ranks generic %d, avx2 %d, neon %d, avx512 %d", rank("generic"), rank("avx2"), rank("neon"), rank("avx512"))
	}
}
