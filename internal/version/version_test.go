package version

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/shuffledet/shuffledet/internal/kernels"
)

// TestLine: the line names the program, the Go toolchain, the target, the kernels chosen for
// this CPU and the extras, in that order.
func TestLine(t *testing.T) {
	got := Line("detect", "OpenCV 4.6.0")
	want := []string{"detect shuffledet", runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH, "kernels " + kernels.ISA(), ", OpenCV 4.6.0"}
	at := 0
	for _, w := range want {
		i := strings.Index(got[at:], w)
		if i < 0 {
			t.Fatalf("%q: no %q after byte %d", got, w, at)
		}
		at += i + len(w)
	}
	if at != len(got) {
		t.Errorf("%q: more after the extras", got)
	}
}

// TestStamp: what a binary's build information says of its source, as go build and go install
// stamp it: a tag's version, a pseudo-version left out for the commit it repeats, a work tree
// with changes, no commit (-buildvcs=false: "(devel)"), no information at all.
func TestStamp(t *testing.T) {
	vcs := func(rev, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev},
			{Key: "vcs.time", Value: "2026-12-06T03:22:05Z"}, {Key: "vcs.modified", Value: modified}}
	}
	const rev = "977c6b81b6ff0123456789abcdef0123456789ab"
	for _, c := range []struct {
		version  string
		settings []debug.BuildSetting
		want     string
	}{
		{"v1.2.0", vcs(rev, "false"), "v1.2.0 977c6b81b6ff 2026-12-06T03:22:05Z"},
		{"v0.0.0-20261206032205-977c6b81b6ff+dirty", vcs(rev, "true"), "977c6b81b6ff 2026-12-06T03:22:05Z modified"},
		{"(devel)", nil, "(devel)"},
		{"v1.2.0", nil, "v1.2.0"}, // go install ...@v1.2.0: the module's version, no commit
	} {
		info := &debug.BuildInfo{Main: debug.Module{Path: "github.com/shuffledet/shuffledet", Version: c.version}, Settings: c.settings}
		if got := strings.Join(stamp(info), " "); got != c.want {
			t.Errorf("%s %v: %q, want %q", c.version, c.settings, got, c.want)
		}
	}
	if got := stamp(nil); got != nil {
		t.Errorf("no build information: %q", got)
	}
}
