//go:build cgo && !noopencv

package pipeline

import (
	"bufio"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	neturl "net/url"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
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
	refusedHost := closed.Addr().String()
	refused := "rtsp://" + refusedHost + "/live"
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
		// A numeric password with an unencoded '?' is read as a port (FFmpeg asks 127.0.0.1 at
		// the closed port, not the server after the '@'): the message says so, without it.
		{"http://" + refusedHost + "?x@" + webHost + "/private.ts", "http://127.0.0.1:xxxxx@" + webHost + "/private.ts: cannot open the stream: connection refused (no server at that address and port) (127.0.0.1:xxxxx is read as host 127.0.0.1 and a port: "},
	} {
		l, err := OpenStream(c.url)
		if err == nil {
			l.Close()
		}
		if err == nil || !strings.HasPrefix(err.Error(), c.want) || strings.Contains(err.Error(), "wrong@") || strings.Contains(err.Error(), "right@") ||
			strings.Contains(err.Error(), refusedHost) && !strings.HasPrefix(c.url, refused) {
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

// TestStreamWhyBoundsTheAnswer: an RTSP server that answers DESCRIBE with an endless line is read
// up to maxRTSPAnswers, not for whyTimeout into memory (before, gigabytes in 5 seconds), and a
// status with a terminal's escape sequences is shown without them.
func TestStreamWhyBoundsTheAnswer(t *testing.T) {
	serve := func(answer func(c net.Conn) int64) (addr string, written chan int64) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		written = make(chan int64, 1)
		go func() {
			c, err := ln.Accept()
			if err != nil {
				written <- -1
				return
			}
			defer c.Close()
			bufio.NewReader(c).ReadString('\n') // the request line
			written <- answer(c)
		}()
		return ln.Addr().String(), written
	}
	endless, written := serve(func(c net.Conn) int64 {
		n, _ := c.Write([]byte("RTSP/1.0 404 "))
		chunk := []byte(strings.Repeat("x", 1<<16))
		total := int64(n)
		for total < 1<<32 {
			n, err := c.Write(chunk)
			total += int64(n)
			if err != nil {
				break
			}
		}
		return total
	})
	if why := whyUnopened(context.Background(), "rtsp://"+endless+"/cam"); why != "" {
		t.Errorf("an endless status line: %q, want no reason", why)
	}
	if n := <-written; !(n < 64<<20) {
		t.Errorf("the server wrote %d bytes before whyUnopened let go, want under 64 MiB", n)
	}
	escapes, _ := serve(func(c net.Conn) int64 {
		n, _ := c.Write([]byte("RTSP/1.0 404 \x1b[2J\x1b]0;owned\x07Not Found\r\nCSeq: 1\r\n\r\n"))
		return int64(n)
	})
	want := "the server answers 404 \ufffd[2J\ufffd]0;owned\ufffdNot Found"
	if why := whyUnopened(context.Background(), "rtsp://"+escapes+"/cam"); why != want {
		t.Errorf("a status with escape sequences: %q, want %q", why, want)
	}
}

// FuzzRTSPAnswer: whatever an RTSP server answers to DESCRIBE (and to the second DESCRIBE that
// answers its challenge), whyRTSP returns with a printable reason, shows no password and never
// writes it as text in a request (Digest sends a hash of it; Basic, where a server asks for it,
// its base64, as FFmpeg does). The stand-in server sends both answers at once, then ends its side.
func FuzzRTSPAnswer(f *testing.F) {
	f.Add([]byte("RTSP/1.0 404 Not Found\r\nCSeq: 1\r\n\r\n"), []byte(""))
	f.Add([]byte("RTSP/1.0 401 Unauthorized\r\nCSeq: 1\r\nWWW-Authenticate: Digest realm=\"cam\", nonce=\"5f3c\", qop=\"auth\", opaque=\"o\"\r\n\r\n"),
		[]byte("RTSP/1.0 403 Forbidden\r\nCSeq: 2\r\nContent-Length: 3\r\n\r\nabc"))
	f.Add([]byte("RTSP/1.0 401 x\r\nWWW-Authenticate: Basic realm=\"cam\"\r\nContent-Length: 99999999999\r\n\r\n"), []byte("RTSP/1.0 200 OK\r\n\r\n"))
	u, err := neturl.Parse("rtsp://admin:S3cr3T@10.0.0.5/cam")
	if err != nil {
		f.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	defer ln.Close()
	f.Fuzz(func(t *testing.T, first, second []byte) {
		requests := make(chan []byte, 1)
		go func() {
			c, err := ln.Accept()
			if err != nil {
				requests <- nil
				return
			}
			defer c.Close()
			go func() {
				c.Write(append(append([]byte(nil), first...), second...))
				c.(*net.TCPConn).CloseWrite()
			}()
			b, _ := io.ReadAll(c)
			requests <- b
		}()
		client, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		why := whyRTSP(ctx, client, u)
		client.Close()
		if strings.ContainsFunc(why, func(r rune) bool { return !unicode.IsPrint(r) }) || !utf8.ValidString(why) {
			t.Fatalf("whyRTSP = %q: not printable", why)
		}
		if strings.Contains(why, "S3cr3T") || strings.Contains(string(<-requests), "S3cr3T") {
			t.Fatalf("whyRTSP = %q: the password shown, or written as text in a request", why)
		}
	})
}

// TestSilentServerSaysSo: a server that takes the connection and never answers (a hung camera, a
// stalled proxy) is named as such, not as "no answer (a wrong address, or a firewall)", which
// sends the user to check an address that connects, nor with the generic message (RTSP).
func TestSilentServerSaysSo(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var mu sync.Mutex
	var conns []net.Conn
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	}()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c) // held open, never answered
			mu.Unlock()
		}
	}()
	for _, scheme := range []string{"http", "rtsp"} {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second) // (whyUnopened's own is 5 s)
		why := whyUnopened(ctx, scheme+"://"+ln.Addr().String()+"/live")
		cancel()
		if !strings.Contains(why, "takes the connection but sends no answer") {
			t.Errorf("%s: %q", scheme, why)
		}
	}
}

// TestFFmpegGetSendsCredentialsOnlyWhenAsked: a URL's user and password are not sent with the
// first request (Go's client sends them as Basic unasked; FFmpeg does not), only in the
// Authorization given, and the Range asked for is the first n bytes.
func TestFFmpegGetSendsCredentialsOnlyWhenAsked(t *testing.T) {
	var mu sync.Mutex
	var auths, ranges []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		auths, ranges = append(auths, r.Header.Get("Authorization")), append(ranges, r.Header.Get("Range"))
		mu.Unlock()
	}))
	defer srv.Close()
	u, err := neturl.Parse(strings.Replace(srv.URL, "http://", "http://admin:2024@", 1) + "/cam.mkv")
	if err != nil {
		t.Fatal(err)
	}
	client := ffmpegClient()
	defer client.CloseIdleConnections()
	for _, authorization := range []string{"", "Basic YWRtaW46MjAyNA=="} {
		resp, err := ffmpegGet(context.Background(), client, u, 0, 1024, authorization)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"", "Basic YWRtaW46MjAyNA=="}; fmt.Sprint(auths) != fmt.Sprint(want) {
		t.Errorf("Authorization sent %q, want %q", auths, want)
	}
	if want := []string{"bytes=0-1023", "bytes=0-1023"}; fmt.Sprint(ranges) != fmt.Sprint(want) {
		t.Errorf("Range sent %q, want %q", ranges, want)
	}
}

// TestPortPasswordHint: a numeric password with an unencoded '/', '?' or '#', which the URL's
// parse (and FFmpeg's) reads as a port, gets a hint naming the host it is read as, without the
// password; a URL whose password parses as one, or that has none, gets none.
func TestPortPasswordHint(t *testing.T) {
	for in, want := range map[string]string{
		"http://admin:2024?x@127.0.0.1:8000/x.mkv": " (admin:xxxxx is read as host admin and a port: if it is a user and password, write a '/', '?' or '#' in the password as %2F, %3F, %23)",
		"rtsp://admin:2024#x@10.0.0.5/live":        " (admin:xxxxx is read as host admin and a port: ",
		"rtsp://admin:2024/abc@10.0.0.5/live":      " (admin:xxxxx is read as host admin and a port: ",
		"http://admin:2024%3Fx@127.0.0.1/x.mkv":    "",
		"rtsp://admin:2024@10.0.0.5/live":          "",
		"rtsp://admin:secret@10.0.0.5/live":        "",
		"rtsp://10.0.0.5:554/live":                 "",
		"http://host:8080/a?mail=a@b":              "",
		"rtsp://admin:pa%ss@10.0.0.5/live":         "", // (refused before: not a valid URL)
	} {
		got := portPasswordHint(in)
		if !strings.HasPrefix(got, want) || (want == "") != (got == "") || strings.Contains(got, "2024") {
			t.Errorf("portPasswordHint(%q) = %q, want %q", in, got, want)
		}
	}
}
