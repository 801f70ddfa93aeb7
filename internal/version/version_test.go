package version

import (
	"os"
	"os/exec"
	"path/filepath"
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

// TestStampFromMake: in a linked worktree, where go build stamps no commit, the commit make
// passes is the one shown, without "(devel)" before it; a commit Go stamped wins over make's.
func TestStampFromMake(t *testing.T) {
	const rev = "977c6b81b6ff0123456789abcdef0123456789ab"
	defer func(r, tm, m string) { revision, revisionTime, modified = r, tm, m }(revision, revisionTime, modified)
	revision, revisionTime, modified = rev, "2026-12-06T03:22:05Z", "true"
	info := &debug.BuildInfo{Main: debug.Module{Path: "github.com/shuffledet/shuffledet", Version: "(devel)"}}
	if got, want := strings.Join(stamp(info), " "), "977c6b81b6ff 2026-12-06T03:22:05Z modified"; got != want {
		t.Errorf("make's commit: %q, want %q", got, want)
	}
	info.Settings = []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789ab" + rev[12:]},
		{Key: "vcs.time", Value: "2026-12-07T00:00:00Z"}, {Key: "vcs.modified", Value: "false"}}
	if got, want := strings.Join(stamp(info), " "), "0123456789ab 2026-12-07T00:00:00Z"; got != want {
		t.Errorf("Go's commit and make's: %q, want %q", got, want)
	}
}

// TestMakeStampsLinkedWorktrees: make build in a linked worktree (here one inside its own
// checkout, where Go would stamp the checkout's commit) builds with -buildvcs=false and passes
// the worktree's commit, its time in UTC and whether it has changes; in the checkout itself it
// leaves the stamp to Go.
func TestMakeStampsLinkedWorktrees(t *testing.T) {
	makefile, err := filepath.Abs("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	git := func(args ...string) string {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t",
			"GIT_COMMITTER_EMAIL=t@example.com", "GIT_COMMITTER_DATE=2026-12-06T04:22:05+01:00", "GIT_CONFIG_GLOBAL=/dev/null")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	git("init", "-q")
	if err := os.WriteFile(filepath.Join(dir, "a"), []byte("a"), 0o644); err != nil {
		t.Fatal(err)
	}
	git("add", "a")
	git("commit", "-q", "-m", "first")
	first := git("rev-parse", "HEAD")
	git("commit", "-q", "--allow-empty", "-m", "second")
	git("worktree", "add", "-q", "--detach", "wt", first)
	build := func(in string) string {
		cmd := exec.Command("make", "-n", "-s", "-f", makefile, "build")
		cmd.Dir = filepath.Join(dir, in)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("make -n build in %s: %v\n%s", in, err, out)
		}
		return string(out)
	}
	got := build("wt")
	for _, want := range []string{"-buildvcs=false", "version.revision=" + first + " ", "version.revisionTime=2026-12-06T03:22:05Z ", "version.modified=false'"} {
		if !strings.Contains(got, want) {
			t.Errorf("in the worktree: no %q in %s", want, got)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "wt", "b"), []byte("b"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := build("wt"); !strings.Contains(got, "version.modified=true'") {
		t.Errorf("in the worktree with a new file: %s", got)
	}
	if got := build("."); !strings.Contains(got, "-buildvcs=true") || strings.Contains(got, "ldflags") {
		t.Errorf("in the checkout: %s", got)
	}
}
