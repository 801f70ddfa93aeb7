// Package version describes a build of the commands, for their -version flag: the module's
// version, the commit it was built from, the Go toolchain, the target, the kernels this CPU runs,
// and what the command appends (its image decoders: OpenCV's and gocv's versions, or none). What
// a bug report needs in one line.
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/shuffledet/shuffledet/internal/kernels"
)

// UseInCLI makes urfave/cli's version flag the commands': -version alone (not -v), printing an
// App's Version, Line's line, as it is.
func UseInCLI() {
	cli.VersionFlag = &cli.BoolFlag{Name: "version", Usage: "print the build: version, commit, Go, target, kernels, image decoders (libjpeg-turbo and OpenCV, or Go's)"}
	cli.VersionPrinter = func(c *cli.Context) { fmt.Fprintln(c.App.Writer, c.App.Version) }
}

// Line describes the build of program: "detect shuffledet 977c6b81b6ff 2026-12-06T03:22:05Z
// go1.26.8 linux/amd64, kernels avx512", with the module's version where it is a tag's (or
// "(devel)" where no commit is stamped: go build -buildvcs=false, or no git), "modified" after
// the commit when the work tree had changes, and extra (as "OpenCV 4.6.0") appended.
func Line(program string, extra ...string) string {
	info, _ := debug.ReadBuildInfo()
	line := strings.Join(append([]string{program, "shuffledet"}, stamp(info)...), " ")
	line += fmt.Sprintf(" %s %s/%s, kernels %s", runtime.Version(), runtime.GOOS, runtime.GOARCH, kernels.ISA())
	for _, e := range extra {
		line += ", " + e
	}
	return line
}

// The commit, its time and "true" where the work tree had changes, set by make build (-ldflags
// -X) in a linked git worktree, where go build stamps no commit: Go takes only a .git folder for
// a repository, and a linked worktree's .git is a file (golang/go#58218), so it stamps nothing
// there, or the commit of a checkout the worktree sits inside; make builds it with
// -buildvcs=false and these instead.
var revision, revisionTime, modified string

// stamp returns what info (nil when the binary has none) says of the source: the module's
// version unless it is a pseudo-version of the commit or "(devel)" beside one, the commit, its
// time, "modified".
func stamp(info *debug.BuildInfo) []string {
	if info == nil {
		return nil
	}
	settings := map[string]string{}
	if revision != "" {
		settings = map[string]string{"vcs.revision": revision, "vcs.time": revisionTime, "vcs.modified": modified}
	}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	var parts []string
	rev := settings["vcs.revision"]
	// The module's version: a tag's, or "(devel)"; a pseudo-version only repeats the commit.
	if v := info.Main.Version; v != "" && (rev == "" || v != "(devel)" && !strings.Contains(v, rev[:min(len(rev), 12)])) {
		parts = append(parts, v)
	}
	if rev != "" {
		parts = append(parts, rev[:min(len(rev), 12)])
		if t := settings["vcs.time"]; t != "" {
			parts = append(parts, t)
		}
		if settings["vcs.modified"] == "true" {
			parts = append(parts, "modified")
		}
	}
	return parts
}
