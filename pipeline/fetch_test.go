package pipeline

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// TestFetchImage: the body of a 200; a 404, or a body declared over MaxImageBytes, is an error
// naming the URL with its password hidden.
func TestFetchImage(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/a.jpg":
			w.Write([]byte("jpeg"))
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
}
