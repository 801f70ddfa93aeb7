//go:build cgo && !noopencv

package pipeline

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"gocv.io/x/gocv"

	"github.com/shuffledet/shuffledet/internal/videotest"
)

// TestMKVStartOffset: an MKV whose timestamps start at 5 s states the frames it holds, not its
// duration from 0 times its rate (90 for 40), so Extent does not see it as cut short; the same
// MKV from 0 keeps OpenCV's count.
func TestMKVStartOffset(t *testing.T) {
	for _, offset := range []float64{0, 5} {
		path := videotest.OffsetMKV(t, offset)
		v, err := OpenVideo(path)
		if err != nil {
			t.Fatal(err)
		}
		if v.Info().Frames != videotest.ClipFrames {
			t.Errorf("offset %g s: %d frames stated, want %d", offset, v.Info().Frames, videotest.ClipFrames)
		}
		m := gocv.NewMat()
		n := 0
		for _, err := v.Read(context.Background(), &m); err == nil; _, err = v.Read(context.Background(), &m) {
			n++
		}
		m.Close()
		if got, stated, ended := v.Extent(); n != videotest.ClipFrames || got != n || stated != n || !ended {
			t.Errorf("offset %g s: %d frames read, Extent %d of %d (ended %v)", offset, n, got, stated, ended)
		}
		v.Close()
	}
}

// TestMKVStartOffsetOverHTTP: the same MKVs read over http (a stream of stated length) state
// the frames they hold too, and so does one that a server serves only with a user and password
// given (Basic, asked for), so that one read whole is not taken as ended short.
func TestMKVStartOffsetOverHTTP(t *testing.T) {
	for _, offset := range []float64{0, 5} {
		path := videotest.OffsetMKV(t, offset)
		files := http.FileServer(http.Dir(filepath.Dir(path)))
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if user, pass, ok := r.BasicAuth(); !ok || user != "admin" || pass != "2024" {
				w.Header().Set("WWW-Authenticate", `Basic realm="cam"`)
				http.Error(w, "who?", http.StatusUnauthorized)
				return
			}
			files.ServeHTTP(w, r)
		}))
		url := strings.Replace(srv.URL, "http://", "http://admin:2024@", 1) + "/" + filepath.Base(path)
		l, err := OpenStream(url)
		if err != nil {
			srv.Close()
			t.Fatal(err)
		}
		if l.Frames() != videotest.ClipFrames {
			t.Errorf("offset %g s: %d frames stated, want %d", offset, l.Frames(), videotest.ClipFrames)
		}
		m := gocv.NewMat()
		n := 0
		for _, err := l.Read(context.Background(), &m); err == nil; _, err = l.Read(context.Background(), &m) {
			n++
		}
		m.Close()
		if got, stated, ended := l.Extent(); n != videotest.ClipFrames || got != n || stated != n || !ended {
			t.Errorf("offset %g s: %d frames read, Extent %d of %d (ended %v)", offset, n, got, stated, ended)
		}
		l.Close()
		srv.Close()
	}
}
