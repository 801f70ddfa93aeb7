// Package version describes a build of the commands, for their -version flag: the module's
// version, the commit it was built from, the Go toolchain, the target, and the kernels this CPU
// runs. What a bug report needs in one line.
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/shuffledet/shuffledet/internal/kernels"
)

// Line describes the build of program: "detect shuffledet 977c6b81b6ff 2026-12-06T03:22:05Z
// go1.26.8 linux/amd64, kernels avx512", with the module's version where it is a tag's (or
// "(devel)" where no commit is stamped: go build -buildvcs=false, or no git), "modified" after
// the commit when the work tree had changes, and extra (as "OpenCV 4.6.0") appended.
func Line(program string, extra ...string) string {
	parts := []string{program, "shuffledet"}
	if info, ok := debug.ReadBuildInfo(); ok {
		settings := map[string]string{}
		for _, s := range info.Settings {
			settings[s.Key] = s.Value
		}
		rev := settings["vcs.revision"]
		// The module's version: a tag's, or "(devel)"; a pseudo-version only repeats the commit.
		if v := info.Main.Version; v != "" && (rev == "" || !strings.Contains(v, rev[:min(len(rev), 12)])) {
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
	}
	line := fmt.Sprintf("%s %s %s/%s, kernels %s", strings.Join(parts, " "), runtime.Version(), runtime.GOOS, runtime.GOARCH, kernels.ISA())
	for _, e := range extra {
		line += ", " + e
	}
	return line
}
