//go:build cgo && !noopencv

package pipeline

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestStreamNotOpenedSaysWhy: a stream that does not open says why where the server says so; it
// used to be "cannot open the stream (unreachable, or no video OpenCV's FFmpeg can decode)" for
// a wrong path, a wrong password and a server that is not there alike.
func TestStreamNotOpenedSaysWhy(t *testing.T) {
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/private.ts" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		http.NotFound(w, r)
	}))
	defer web.Close()
	// An RTSP server that refuses every request as unauthorized, echoing its CSeq.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				cseq := "1"
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if v, ok := strings.CutPrefix(line, "CSeq: "); ok {
						cseq = strings.TrimSpace(v)
					}
					if line == "\r\n" {
						fmt.Fprintf(c, "RTSP/1.0 401 Unauthorized\r\nCSeq: %s\r\nWWW-Authenticate: Basic realm=\"cam\"\r\n\r\n", cseq)
					}
				}
			}()
		}
	}()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "rtsp://" + closed.Addr().String() + "/live"
	closed.Close()
	for _, c := range []struct{ url, want string }{
		{web.URL + "/missing.ts", ": cannot open the stream: the server answers 404 Not Found"},
		{strings.Replace(web.URL, "://", "://viewer:wrong@", 1) + "/private.ts", "http://viewer:xxxxx@127.0.0.1:" + strings.Split(web.URL, ":")[2] +
			"/private.ts: cannot open the stream: the server answers 401 Unauthorized (a wrong or missing user and password?)"},
		{"rtsp://admin:wrong@" + ln.Addr().String() + "/cam", "rtsp://admin:xxxxx@" + ln.Addr().String() +
			"/cam: cannot open the stream: the server answers 401 Unauthorized (a wrong or missing user and password?)"},
		{refused, refused + ": cannot open the stream: connection refused (no server at that address and port)"},
	} {
		l, err := OpenStream(c.url)
		if err == nil {
			l.Close()
		}
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "wrong@") {
			t.Errorf("%s: %v\nwant %s", c.url, err, c.want)
		}
	}
}
