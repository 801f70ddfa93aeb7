//go:build cgo && !noopencv

package pipeline

import (
	"bufio"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strings"
	"sync"
	"testing"
)

// TestStreamNotOpenedSaysWhy: a stream that does not open says why where the server says so; it
// used to be "cannot open the stream (unreachable, or no video OpenCV's FFmpeg can decode)" for
// a wrong path, a wrong password and a server that is not there alike. Credentials are sent
// only to answer a challenge (Digest for the RTSP stand-in, as most cameras ask; Basic for the
// HTTP one), never in a request line, and right ones are not blamed for a failure elsewhere.
func TestStreamNotOpenedSaysWhy(t *testing.T) {
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/private.ts" {
			if u, p, ok := r.BasicAuth(); !ok || u != "viewer" || p != "right" {
				w.Header().Set("WWW-Authenticate", `Basic realm="cam"`)
				http.Error(w, "no", http.StatusUnauthorized)
				return
			}
			w.Write([]byte("not a video")) // (FFmpeg cannot open it: the failure is elsewhere)
			return
		}
		http.NotFound(w, r)
	}))
	defer web.Close()
	rtsp, requests := digestRTSPServer(t, "admin", "right")
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "rtsp://" + closed.Addr().String() + "/live"
	closed.Close()
	webHost := strings.TrimPrefix(web.URL, "http://")
	generic := ": cannot open the stream (unreachable, or no video OpenCV's FFmpeg can decode)"
	for _, c := range []struct{ url, want string }{
		{web.URL + "/missing.ts", web.URL + "/missing.ts: cannot open the stream: the server answers 404 Not Found"},
		{"http://" + webHost + "/private.ts", "http://" + webHost + "/private.ts: cannot open the stream: the server wants a user and password (401 Unauthorized)"},
		{"http://viewer:wrong@" + webHost + "/private.ts", "http://viewer:xxxxx@" + webHost + "/private.ts: cannot open the stream: the server refuses the URL's user and password (401 Unauthorized)"},
		{"http://viewer:right@" + webHost + "/private.ts", "http://viewer:xxxxx@" + webHost + "/private.ts" + generic},
		{"rtsp://" + rtsp + "/cam", "rtsp://" + rtsp + "/cam: cannot open the stream: the server wants a user and password (401 Unauthorized)"},
		{"rtsp://admin:wrong@" + rtsp + "/cam", "rtsp://admin:xxxxx@" + rtsp + "/cam: cannot open the stream: the server refuses the URL's user and password (401 Unauthorized)"},
		{"rtsp://admin:right@" + rtsp + "/cam", "rtsp://admin:xxxxx@" + rtsp + "/cam" + generic},
		{refused, refused + ": cannot open the stream: connection refused (no server at that address and port)"},
	} {
		l, err := OpenStream(c.url)
		if err == nil {
			l.Close()
		}
		if err == nil || !strings.HasPrefix(err.Error(), c.want) || strings.Contains(err.Error(), "wrong@") || strings.Contains(err.Error(), "right@") {
			t.Errorf("%s: %v\nwant %s", c.url, err, c.want)
		}
	}
	for _, r := range requests() {
		if strings.Contains(r, "admin:") || strings.Contains(r, "wrong") || strings.Contains(r, "right") {
			t.Errorf("a request line with credentials: %q", r)
		}
	}
}

// digestRTSPServer serves RTSP that takes only user and pass, by Digest authentication (as most
// IP cameras do), answering an authorized DESCRIBE with 200 and no stream; it returns its address
// and the request lines it got.
func digestRTSPServer(t *testing.T, user, pass string) (addr string, requests func() []string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var mu sync.Mutex
	var lines []string
	const realm, nonce = "cam", "5f3c"
	md5hex := func(s string) string { h := md5.Sum([]byte(s)); return hex.EncodeToString(h[:]) }
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := textproto.NewReader(bufio.NewReader(c))
				for {
					line, err := r.ReadLine()
					if err != nil {
						return
					}
					h, err := r.ReadMIMEHeader()
					if err != nil {
						return
					}
					mu.Lock()
					lines = append(lines, line)
					mu.Unlock()
					method, uri, _ := strings.Cut(line, " ")
					uri, _, _ = strings.Cut(uri, " ")
					p := authParams(strings.TrimPrefix(h.Get("Authorization"), "Digest "))
					ha1, ha2 := md5hex(user+":"+realm+":"+pass), md5hex(method+":"+uri)
					want := md5hex(ha1 + ":" + nonce + ":" + ha2)
					if p["qop"] == "auth" {
						want = md5hex(ha1 + ":" + nonce + ":" + p["nc"] + ":" + p["cnonce"] + ":auth:" + ha2)
					}
					if method == "OPTIONS" || p["username"] == user && p["response"] == want {
						fmt.Fprintf(c, "RTSP/1.0 200 OK\r\nCSeq: %s\r\nPublic: OPTIONS, DESCRIBE\r\n\r\n", h.Get("CSeq"))
						continue
					}
					fmt.Fprintf(c, "RTSP/1.0 401 Unauthorized\r\nCSeq: %s\r\nWWW-Authenticate: Digest realm=\"%s\", nonce=\"%s\"\r\n\r\n", h.Get("CSeq"), realm, nonce)
				}
			}()
		}
	}()
	return ln.Addr().String(), func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), lines...)
	}
}
