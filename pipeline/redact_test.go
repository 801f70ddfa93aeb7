package pipeline

import (
	"strings"
	"testing"
)

// TestRedactURL: a stream URL's password and its query's secrets are hidden, the rest kept as
// given, for URLs that do not parse too.
func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"rtsp://admin:secret@10.0.0.5:554/live":                    "rtsp://admin:xxxxx@10.0.0.5:554/live",
		"rtsp://admin:p%ss@10.0.0.5/live":                          "rtsp://admin:xxxxx@10.0.0.5/live", // not a valid URL
		"rtsp://admin:a@b@10.0.0.5/x":                              "rtsp://admin:xxxxx@10.0.0.5/x",    // the last @ ends the user
		"rtsp://admin@10.0.0.5/x":                                  "rtsp://admin@10.0.0.5/x",
		"RTSP://10.0.0.5/cam?user=admin&password=secret&channel=1": "RTSP://10.0.0.5/cam?user=admin&password=xxxxx&channel=1",
		"https://host/live.m3u8?access_token=abc&Sig=1#t=5":        "https://host/live.m3u8?access_token=xxxxx&Sig=xxxxx#t=5",
		"http://host/a.ts?pwd":                                     "http://host/a.ts?pwd",
		"http://host/a.ts":                                         "http://host/a.ts",
		"photo.jpg":                                                "photo.jpg",
		"udp://@:1234":                                             "udp://@:1234",
		"rtsp://10.0.0.5:554/user=admin&password=secret&channel=1&stream=0.sdp?real_stream": "rtsp://10.0.0.5:554/user=admin&password=xxxxx&channel=1&stream=0.sdp?real_stream",
		"rtsp://10.0.0.5/live;auth=secret/ch1":                                              "rtsp://10.0.0.5/live;auth=xxxxx/ch1",
		"http://host/a.ts?x=1;token=secret":                                                 "http://host/a.ts?x=1;token=xxxxx",
		"http://host/password/a.ts":                                                         "http://host/password/a.ts",
		// A password with an unencoded '/', '?' or '#' (not a valid URL: the message refusing it
		// names it) is hidden too, but a port, an IPv6 address or an '@' after the host is not one.
		"rtsp://admin:pa/ss@10.0.0.5/live":   "rtsp://admin:xxxxx@10.0.0.5/live",
		"rtsp://admin:pa?ss@10.0.0.5/live":   "rtsp://admin:xxxxx@10.0.0.5/live",
		"rtsp://admin:pa#ss@10.0.0.5/live":   "rtsp://admin:xxxxx@10.0.0.5/live",
		"rtsp://admin:p/a@s/s@10.0.0.5/live": "rtsp://admin:xxxxx@10.0.0.5/live",
		"http://host:8080/a@b":               "http://host:8080/a@b",
		"http://[::1]:8080/a@b":              "http://[::1]:8080/a@b",
		"http://host/a?mail=a@b":             "http://host/a?mail=a@b",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzRedactURL: whatever the rest of a URL holds, a password in its user part (without the
// characters that end that part) and a secret parameter's value in its path or query are never
// shown, and redacting twice changes nothing more.
func FuzzRedactURL(f *testing.F) {
	f.Add("10.0.0.5:554", "live", "secret", "channel=1")
	f.Add("host", "user=admin&password=", "p%ss", "")
	f.Add("[::1]", "", "a@b", "x;y")
	f.Fuzz(func(t *testing.T, host, path, pass, query string) {
		const marker = "S3cr3T"
		for _, s := range []*string{&host, &path, &query} {
			*s = strings.ReplaceAll(*s, marker, "")
		}
		host = strings.Map(func(r rune) rune {
			if strings.ContainsRune("/?#@", r) {
				return -1
			}
			return r
		}, host)
		pass = strings.Map(func(r rune) rune {
			if strings.ContainsRune("/?#", r) {
				return -1
			}
			return r
		}, pass)
		valueOnly := func(s string) string { // (a value ends at a separator)
			return strings.Map(func(r rune) rune {
				if strings.ContainsRune("/?#&;", r) {
					return -1
				}
				return r
			}, s)
		}
		path = strings.ReplaceAll(path, "#", "")
		path = strings.ReplaceAll(path, "?", "")
		query = strings.ReplaceAll(query, "#", "")
		url := "rtsp://admin:" + pass + marker + "@" + host + "/" + path + "/password=" + valueOnly(pass) + marker +
			"?" + query + "&token=" + marker + valueOnly(pass)
		got := RedactURL(url)
		if strings.Contains(got, marker) {
			t.Fatalf("RedactURL(%q) = %q: shows a secret", url, got)
		}
		if again := RedactURL(got); again != got {
			t.Fatalf("RedactURL(%q) = %q, then %q", url, got, again)
		}
	})
}
