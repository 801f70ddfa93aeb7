//go:build cgo && !noopencv

package pipeline

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	neturl "net/url"
	"strings"
	"syscall"
	"time"
)

// whyTimeout bounds each of whyUnopened's checks.
const whyTimeout = 5 * time.Second

// whyUnopened says why a stream OpenCV's FFmpeg could not open is out of reach, where the
// server says so: OpenCV reports only that it failed, the same for a wrong address, a wrong
// password and a wrong path. An http(s) URL is asked for its first byte and an rtsp URL
// described (DESCRIBE, with the URL's user and password where it has them, as FFmpeg sends
// them), so that the answer's status (404 Not Found, 401 Unauthorized) is named; for the
// schemes FFmpeg reaches over TCP, a connection that cannot be made is named (connection
// refused, no such host, timed out). It returns "" when it finds nothing wrong (a server that
// answers, with a stream FFmpeg cannot decode) or cannot tell (udp, rtp: no answer to wait for).
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
	case "rtsp", "rtmp", "tcp", "srt", "rtsps", "rtmps":
		port := map[string]string{"rtsp": "554", "rtsps": "322", "rtmp": "1935", "rtmps": "443"}[scheme]
		addr := u.Host
		if u.Port() == "" && port != "" {
			addr = net.JoinHostPort(u.Hostname(), port)
		}
		if scheme == "srt" {
			return "" // over UDP
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
// be made, is the reason.
func whyHTTP(ctx context.Context, u *neturl.URL) string {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return ""
	}
	req.Header.Set("Range", "bytes=0-0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		var uerr *neturl.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return dialReason(err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 400 {
		reason := "the server answers " + resp.Status
		if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
			reason += " (a wrong or missing user and password?)"
		}
		return reason
	}
	return ""
}

// whyRTSP describes the stream on conn, an rtsp server's connection, and names an error status.
func whyRTSP(ctx context.Context, conn net.Conn, u *neturl.URL) string {
	if d, ok := ctx.Deadline(); ok {
		conn.SetDeadline(d)
	}
	req := "DESCRIBE " + u.String() + " RTSP/1.0\r\nCSeq: 1\r\nAccept: application/sdp\r\n"
	if u.User != nil {
		// FFmpeg answers a Digest challenge too; the first, Basic, answer is enough to tell a
		// server that refuses the user from one that refuses anyone: both say 401 here.
		req += "Authorization: Basic " + basicAuth(u.User) + "\r\n"
	}
	if _, err := conn.Write([]byte(req + "\r\n")); err != nil {
		return ""
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return ""
	}
	// RTSP/1.0 404 Not Found
	f := strings.SplitN(strings.TrimSpace(line), " ", 3)
	if len(f) < 2 || !strings.HasPrefix(f[0], "RTSP/") || len(f[1]) != 3 || f[1] < "400" {
		return ""
	}
	reason := "the server answers " + strings.Join(f[1:], " ")
	if f[1] == "401" || f[1] == "403" {
		reason += " (a wrong or missing user and password?)"
	}
	return reason
}

// basicAuth is HTTP Basic authentication's credentials for user.
func basicAuth(user *neturl.Userinfo) string {
	pass, _ := user.Password()
	return base64.StdEncoding.EncodeToString([]byte(user.Username() + ":" + pass))
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
