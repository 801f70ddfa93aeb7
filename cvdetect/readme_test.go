//go:build cgo && !noopencv

package cvdetect

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/shuffledet/shuffledet/internal/torchref"
)

// TestREADMELibrarySnippet: the README's library snippet ("As a library") compiles as one block,
// its free names (img, ctx, mat, ...) given as a function's parameters: a renamed function or a
// variable declared twice fails here, not in a user's editor. It is built by the go command as a
// package that exists only in an overlay.
func TestREADMELibrarySnippet(t *testing.T) {
	root := torchref.RepoRoot(t)
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "As a library:\n\n```go\n")
	snippet, _, closed := strings.Cut(rest, "```\n")
	if !ok || !closed {
		t.Fatal("README.md: no ```go block after \"As a library:\"")
	}
	// Each name the snippet declares is used once more, as a user's code would.
	var uses []string
	for _, m := range regexp.MustCompile(`(?m)^([\w, ]+) :=`).FindAllStringSubmatch(snippet, -1) {
		for _, name := range strings.Split(m[1], ",") {
			uses = append(uses, "_ = "+strings.TrimSpace(name))
		}
	}
	src := `package readmesnippet

import (
	"context"
	"image"
	"io"
	"net/http"

	"gocv.io/x/gocv"

	"github.com/shuffledet/shuffledet/cvdetect"
	"github.com/shuffledet/shuffledet/cvimage"
	"github.com/shuffledet/shuffledet/detector"
	"github.com/shuffledet/shuffledet/pipeline"
)

func snippet(ctx context.Context, img image.Image, pix []byte, w, h, stride int, mat gocv.Mat,
	src pipeline.Source, out io.Writer, videoWriter *pipeline.VideoWriter, req *http.Request) {
` + snippet + strings.Join(uses, "\n") + "\n}\n"
	dir := t.TempDir()
	file := filepath.Join(dir, "snippet.go")
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	overlay, err := json.Marshal(map[string]map[string]string{"Replace": {filepath.Join(root, "internal/readmesnippet/snippet.go"): file}})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "overlay.json"), overlay, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "build", "-overlay", filepath.Join(dir, "overlay.json"), "./internal/readmesnippet")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("the README's library snippet does not compile: %v\n%s\nas wrapped:\n%s", err, out, src)
	}
}
