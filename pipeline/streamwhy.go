//go:build cgo && !noopencv

package pipeline

import (
	"bufio"
	"context"
	"crypto/md5"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	neturl "net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"
)

// defaultPorts are the ports FFmpeg connects to for URLs that name none.
var defaultPorts = map[string]string{"rtsp": "554", "rtsps": "322", "rtmp": "1935", "rtmps": "443"}

// whyTimeout bounds each of whyUnopened's checks.
const whyTimeout = 5 * time.Second

// maxRTSPAnswers bounds the bytes whyRTSP reads from a server (two answers' status lines, headers
// and SDP bodies, a few KB each): a server that sends an endless line is not held in memory.
const maxRTSPAnswers = 1 << 20

// portPasswordHint is what a stream that does not open adds where RedactURL hides a password that
// the URL's parse (FFmpeg's too) reads as a port and a path, query or fragment (user:2024?x@host:
// FFmpeg asks host "user" for port 2024, and the message would say "no such host user" of a URL
// shown as user:xxxxx@host); "" for any other URL. (host:8080?mail=a@b reads the same way, hence
// the "if".)
func portPasswordHint(s string) string {
	u, err := neturl.Parse(s)
	if err != nil {
		return ""
	}
	if _, ok := u.User.Password(); ok {
		return ""
	}
	r, err := neturl.Parse(RedactURL(s))
	if err != nil {
		return ""
	}
	if _, ok := r.User.Password(); !ok {
		return ""
	}
	return fmt.Sprintf(" (%s:xxxxx is read as host %s and a port: if it is a user and password, write a '/', '?' or '#' in the password as %%2F, %%3F, %%23)",
		r.User.Username(), u.Hostname())
}

// whyUnopened says why a stream OpenCV's FFmpeg could not open is out of reach, where the
// server says so: OpenCV reports only that it failed, the same for a wrong address, a wrong
// password and a wrong path. An http(s) URL is asked for its first byte and an rtsp URL
// described (DESCRIBE), first without credentials, then, when the server asks for them, with
// the URL's user and password answering its challenge (Digest or Basic) as FFmpeg does, so that
// the answer's status (404 Not Found; a server that wants a user, or refuses the one given) is
// named; for the schemes FFmpeg reaches over TCP, a connection that cannot be made is named
// (connection refused, no such host, timed out). It returns "" when it finds nothing wrong (a
// server that takes the request, with a stream FFmpeg cannot decode) or cannot tell (udp, rtp,
// srt: no answer to wait for).
func whyUnopened(ctx context.Context, rawURL string) string {
	u, err := neturl.Parse(rawURL)
	if err != nil || u.Host == "" {
		return ""
	}
	ctx, cancel := context.WithTimeout(ctx, whyTimeout)
	defer cancel()
	switch scheme := strings.ToLower(u.Scheme); scheme {
	case "http", "https":
		return whyHTTP(ctx, u)
	case "rtsp", "rtsps", "rtmp", "rtmps", "tcp": // (srt, udp, rtp: over UDP, nothing answers)
		addr := u.Host
		if port := defaultPorts[scheme]; u.Port() == "" && port != "" {
			addr = net.JoinHostPort(u.Hostname(), port)
		}
		conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
		if err != nil {
			return dialReason(err)
		}
		defer conn.Close()
		if scheme == "rtsp" {
			return whyRTSP(ctx, conn, u)
		}
	}
	return ""
}

// whyHTTP asks an http(s) URL for its first byte: an error status, or a connection that cannot
// be made, is the reason. The URL's user and password are sent only when the server asks for
// them, as FFmpeg sends them; the server's certificate is not checked, as FFmpeg does not.
func whyHTTP(ctx context.Context, u *neturl.URL) string {
	client := ffmpegClient()
	defer client.CloseIdleConnections()
	var connected atomic.Bool // a server that takes the connection and never answers is named so
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) { connected.Store(true) }})
	get := func(authorization string) (*http.Response, error) {
		resp, err := ffmpegGet(ctx, client, u, 0, 1, authorization)
		if err == nil {
			resp.Body.Close()
		}
		return resp, err
	}
	resp, err := get("")
	if err != nil {
		err = unwrapURLError(err)
		if connected.Load() && isTimeout(err) {
			return silentServer
		}
		return dialReason(err)
	}
	if resp.StatusCode == http.StatusUnauthorized {
		return whyUnauthorized(u, resp.Header.Values("WWW-Authenticate"), printable(resp.Status), func(authorization string) (string, bool) {
			resp, err := get(authorization)
			if err != nil {
				return "", false
			}
			return printable(resp.Status), resp.StatusCode < 400
		}, http.MethodGet, u.RequestURI())
	}
	if resp.StatusCode >= 400 {
		return "the server answers " + printable(resp.Status)
	}
	return ""
}

// whyRTSP describes the stream on conn, an rtsp server's connection, and names an error status.
func whyRTSP(ctx context.Context, conn net.Conn, u *neturl.URL) string {
	if d, ok := ctx.Deadline(); ok {
		conn.SetDeadline(d)
	}
	plain := *u
	plain.User = nil // (the request line names the stream, not who asks)
	r := textproto.NewReader(bufio.NewReader(io.LimitReader(conn, maxRTSPAnswers)))
	cseq := 0
	silent := false // no answer before the deadline
	describe := func(authorization string) (status string, code int, header textproto.MIMEHeader) {
		cseq++
		req := fmt.Sprintf("DESCRIBE %s RTSP/1.0\r\nCSeq: %d\r\nAccept: application/sdp\r\n", plain.String(), cseq)
		if authorization != "" {
			req += "Authorization: " + authorization + "\r\n"
		}
		if _, err := conn.Write([]byte(req + "\r\n")); err != nil {
			return "", 0, nil
		}
		line, err := r.ReadLine() // RTSP/1.0 404 Not Found
		if err != nil {
			silent = line == "" && isTimeout(err)
			return "", 0, nil
		}
		f := strings.SplitN(strings.TrimSpace(line), " ", 3)
		if len(f) < 2 || !strings.HasPrefix(f[0], "RTSP/") {
			return "", 0, nil
		}
		code, _ = strconv.Atoi(f[1])
		header, _ = r.ReadMIMEHeader()
		if n, _ := strconv.Atoi(header.Get("Content-Length")); n > 0 { // (an answer's body: the SDP)
			io.CopyN(io.Discard, r.R, int64(n))
		}
		return printable(strings.Join(f[1:], " ")), code, header
	}
	status, code, header := describe("")
	switch {
	case silent:
		return silentServer
	case code == 401:
		return whyUnauthorized(u, header.Values("WWW-Authenticate"), status, func(authorization string) (string, bool) {
			status, code, _ := describe(authorization)
			return status, code > 0 && code < 400
		}, "DESCRIBE", plain.String())
	case code >= 400:
		return "the server answers " + status
	}
	return ""
}

// ffmpegClient returns an HTTP client that, as FFmpeg, does not check the server's certificate.
func ffmpegClient() *http.Client {
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
}

// ffmpegGet asks client for n bytes of u from byte from on (a Range request) as FFmpeg asks:
// without u's user and password (Go's client would send them as Basic before being asked), which
// go only in authorization, an answer to the server's challenge (answer), when not "".
func ffmpegGet(ctx context.Context, client *http.Client, u *neturl.URL, from int64, n int, authorization string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.URL.User = nil
	req.Header.Set("Range", "bytes="+strconv.FormatInt(from, 10)+"-"+strconv.FormatInt(from+int64(n)-1, 10))
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	return client.Do(req)
}

// whyUnauthorized is the reason for a server's 401 (status, with its challenges) to a request
// without credentials: that it wants a user and password, when u has none; that it refuses u's,
// when a second request with them (retry, answering the challenge as FFmpeg does: Digest or
// Basic) gets 401 or 403 again; "" when it takes them (the failure lies elsewhere) or the challenge
// is of a kind FFmpeg does not answer.
func whyUnauthorized(u *neturl.URL, challenges []string, status string, retry func(authorization string) (string, bool), method, uri string) string {
	if u.User == nil {
		return "the server wants a user and password (" + status + "): give them in the URL, as scheme://user:password@host/..."
	}
	authorization := answer(challenges, u.User, method, uri)
	if authorization == "" {
		return ""
	}
	status, ok := retry(authorization)
	switch {
	case ok:
		return ""
	case strings.HasPrefix(status, "401") || strings.HasPrefix(status, "403"):
		return "the server refuses the URL's user and password (" + status + ")"
	case status != "":
		return "the server answers " + status
	}
	return ""
}

// answer returns the Authorization that answers the first challenge it can (Digest with MD5,
// then Basic) for user's request of method on uri; "" for none.
func answer(challenges []string, user *neturl.Userinfo, method, uri string) string {
	pass, _ := user.Password()
	for _, scheme := range []string{"Digest", "Basic"} {
		for _, c := range challenges {
			kind, params, _ := strings.Cut(strings.TrimSpace(c), " ")
			if !strings.EqualFold(kind, scheme) {
				continue
			}
			if scheme == "Basic" {
				return "Basic " + base64.StdEncoding.EncodeToString([]byte(user.Username()+":"+pass))
			}
			p := authParams(params)
			if alg := p["algorithm"]; alg != "" && !strings.EqualFold(alg, "MD5") {
				continue
			}
			md5hex := func(s string) string { h := md5.Sum([]byte(s)); return hex.EncodeToString(h[:]) }
			ha1 := md5hex(user.Username() + ":" + p["realm"] + ":" + pass)
			ha2 := md5hex(method + ":" + uri)
			a := fmt.Sprintf(`Digest username="%s", realm="%s", nonce="%s", uri="%s"`, user.Username(), p["realm"], p["nonce"], uri)
			if qop := p["qop"]; slices.Contains(strings.Split(strings.ReplaceAll(qop, " ", ""), ","), "auth") {
				const nc, cnonce = "00000001", "0a4f113b"
				a += fmt.Sprintf(`, qop=auth, nc=%s, cnonce="%s", response="%s"`, nc, cnonce, md5hex(ha1+":"+p["nonce"]+":"+nc+":"+cnonce+":auth:"+ha2))
			} else {
				a += fmt.Sprintf(`, response="%s"`, md5hex(ha1+":"+p["nonce"]+":"+ha2))
			}
			if o, ok := p["opaque"]; ok {
				a += fmt.Sprintf(`, opaque="%s"`, o)
			}
			return a
		}
	}
	return ""
}

// authParams parses a challenge's key="value" list (realm="cam", nonce="...", qop="auth").
func authParams(s string) map[string]string {
	p := map[string]string{}
	for s = strings.TrimSpace(s); s != ""; {
		key, rest, ok := strings.Cut(s, "=")
		if !ok {
			break
		}
		key = strings.ToLower(strings.TrimSpace(key))
		var value string
		if strings.HasPrefix(rest, `"`) {
			end := strings.Index(rest[1:], `"`)
			if end < 0 {
				break
			}
			value, rest = rest[1:1+end], rest[2+end:]
		} else {
			value, rest, _ = strings.Cut(rest, ",")
			value = strings.TrimSpace(value)
			rest = "," + rest
		}
		p[key] = value
		_, s, _ = strings.Cut(rest, ",")
		s = strings.TrimSpace(s)
	}
	return p
}

// printable returns a server's status text as a message may show it: characters that are not
// printable (a terminal's escape sequences) replaced by U+FFFD, at most 200 bytes.
func printable(s string) string {
	if len(s) > 200 {
		s = s[:200]
	}
	return strings.Map(func(r rune) rune {
		if !unicode.IsPrint(r) {
			return utf8.RuneError
		}
		return r
	}, strings.ToValidUTF8(s, string(utf8.RuneError)))
}

// silentServer is the reason for a server that takes the connection and sends no answer (a hung
// camera, a stalled proxy): not "no answer (a wrong address, or a firewall)", the address being
// right.
var silentServer = fmt.Sprintf("the server takes the connection but sends no answer in %s", whyTimeout)

// isTimeout reports whether err is a deadline passing.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// dialReason names why a connection could not be made.
func dialReason(err error) string {
	var dns *net.DNSError
	switch {
	case errors.As(err, &dns) && dns.IsNotFound:
		return "no such host " + dns.Name
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused (no server at that address and port)"
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, syscall.ETIMEDOUT):
		return fmt.Sprintf("no answer in %s (a wrong address, or a firewall)", whyTimeout)
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "no route to the host"
	}
	return err.Error()
}
