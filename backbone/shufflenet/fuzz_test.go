package shufflenet

import (
	"strings"
	"testing"
)

// FuzzParseName feeds ParseName (what `detect bench -arch` and `detect info` parse) arbitrary
// names: it must not panic, and a name it accepts must be a valid config that Name spells back
// into the same config, without spaces or other text Name never writes.
func FuzzParseName(f *testing.F) {
	for _, s := range []string{"shufflenet-g3-1.0x", "shufflenet-g8-0.25x-shallow-se-noshuffle",
		"shufflenet-g3-1x", "shufflenet-g3-1.0x -se", "shufflenet-g3-1.0x-se trailing",
		"shufflenet-g3-1e0x", "shufflenet-g3-NaNx", "shufflenet-g+3-1.0x", "shufflenet-g3-0x1p-1x",
		"shufflenet-g3-", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		c, err := ParseName(name)
		if err != nil {
			return
		}
		if verr := c.Validate(); verr != nil {
			t.Fatalf("ParseName(%q) accepted an invalid config: %v", name, verr)
		}
		if strings.ContainsFunc(name, func(r rune) bool { return !strings.ContainsRune("shufflenet-g0123456789.xalowsepnr", r) }) {
			t.Fatalf("ParseName(%q) accepted characters Name never writes", name)
		}
		back, err := ParseName(c.Name())
		if err != nil || back != c {
			t.Fatalf("ParseName(%q) = %+v, but its Name %q parses to %+v, %v", name, c, c.Name(), back, err)
		}
	})
}
