package pipeline

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// TestFetchImage: the body of a 200; a 404, a body declared over MaxImageBytes, or one that
// declares no length and runs past the limit (2 MiB here, to keep the test small), is an error
// naming the URL with its password hidden.
func TestFetchImage(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/a.jpg":
			w.Write([]byte("jpeg"))
		case "/endless.jpg": // (written in pieces: sent chunked, with no Content-Length)
			for range 3 {
				w.Write(make([]byte, 1<<20))
				w.(http.Flusher).Flush()
			}
		case "/huge.jpg":
			w.Header().Set("Content-Length", strconv.Itoa(MaxImageBytes+1))
			w.WriteHeader(http.StatusOK)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	base := strings.Replace(srv.URL, "http://", "http://u:hunter2@", 1)
	shown := strings.Replace(srv.URL, "http://", "http://u:xxxxx@", 1)
	if data, err := FetchImage(context.Background(), base+"/a.jpg"); err != nil || string(data) != "jpeg" {
		t.Errorf("FetchImage: %q, %v", data, err)
	}
	for path, want := range map[string]string{
		"/b.jpg":    shown + "/b.jpg: cannot fetch the image: the server answered 404 Not Found",
		"/huge.jpg": shown + "/huge.jpg: the image is 268435457 bytes, over the 256 MiB an image may have",
	} {
		if _, err := FetchImage(context.Background(), base+path); err == nil || err.Error() != want {
			t.Errorf("FetchImage(%s): %v, want %q", path, err, want)
		}
	}
	want := shown + "/endless.jpg: the image is over the 2 MiB an image may have"
	if _, err := fetchImage(context.Background(), base+"/endless.jpg", 2<<20); err == nil || err.Error() != want {
		t.Errorf("fetchImage(/endless.jpg, 2 MiB): %v, want %q", err, want)
	}
}

// TestImageClientDropsIdleConnections: FetchImage's client does not keep an idle connection to
// every host it has fetched from for ever (it had no idle timeout nor cap: a long-running program
// fetching from many hosts kept a descriptor and two goroutines for each): as
// http.DefaultTransport does.
func TestImageClientDropsIdleConnections(t *testing.T) {
	tr := imageClient.Transport.(*http.Transport)
	def := http.DefaultTransport.(*http.Transport)
	if tr.IdleConnTimeout != def.IdleConnTimeout || tr.MaxIdleConns != def.MaxIdleConns {
		t.Errorf("idle connections kept %v, at most %d; http.DefaultTransport: %v, %d", tr.IdleConnTimeout, tr.MaxIdleConns, def.IdleConnTimeout, def.MaxIdleConns)
	}
}
