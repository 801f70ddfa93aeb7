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
		"http://[::1]:8080/a@b":              "http://[::1]:8080/a@b",
		"http://host/a?mail=a@b":             "http://host/a?mail=a@b",
		"http://host:8080/a?mail=a@b":        "http://host:8080/a?mail=a@b",
		"http://host:8080/a#a@b":             "http://host:8080/a#a@b",
		// A numeric password with a '/' reads as a port and a path: an '@' in the path ends a
		// password, so a path with an '@' after a port is hidden as one too (the safe side).
		"rtsp://admin:2024/abc@10.0.0.5/live": "rtsp://admin:xxxxx@10.0.0.5/live",
		"rtsp://admin:/abc@10.0.0.5/live":     "rtsp://admin:xxxxx@10.0.0.5/live",
		"http://host:8080/a@b":                "http://host:xxxxx@b",
		// A numeric password with a '?' or '#' at once after the number reads as a port and a
		// query or fragment: the last '@' ends it, so a query with one after a port is hidden too.
		"rtsp://admin:2024?x@host/live":  "rtsp://admin:xxxxx@host/live",
		"rtsp://admin:12#3@cam/s":        "rtsp://admin:xxxxx@cam/s",
		"rtsp://admin:99?a#b@host":       "rtsp://admin:xxxxx@host",
		"rtsp://admin:?x@host/live?a=1":  "rtsp://admin:xxxxx@host/live?a=1",
		"rtsp://admin:7#x@host/live#t=5": "rtsp://admin:xxxxx@host/live#t=5",
		"http://host:8080?mail=a@b":      "http://host:xxxxx@b",
		"http://host:8080#a@b":           "http://host:xxxxx@b",
		"http://host:8080?token=abc&x=1": "http://host:8080?token=xxxxx&x=1",
		// Not a port, so a password however far the '@' is (cam, abc/live?x=a, host b): the
		// path and query are hidden with it, nothing shown but the user and the last host.
		"rtsp://cam:abc/live?x=a@b": "rtsp://cam:xxxxx@b",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzRedactURL: whatever the rest of a URL holds, a password in its user part (without the
// characters that end that part; after a number, with a '/' then none of '?' and '#', or with
// '?' or '#' at once and anything after) and a secret parameter's value in its path or query are
// never shown, and redacting twice changes nothing more.
func FuzzRedactURL(f *testing.F) {
	f.Add("10.0.0.5:554", "live", "secret", "channel=1")
	f.Add("host", "user=admin&password=", "p%ss", "")
	f.Add("[::1]", "", "a@b", "x;y")
	f.Add("10.0.0.5", "live", "2024/abc", "")
	f.Add("host", "live", "2024?x#y/z@w", "a=1")
	f.Fuzz(func(t *testing.T, host, path, pass, query string) {
		const marker = "S3cr3T"
		for _, s := range []*string{&host, &path, &query} {
			*s = strings.ReplaceAll(*s, marker, "")
		}
		rawPass := pass // (with its '/', '?' and '#')
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
		digits := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, pass)
		for _, url := range []string{
			"rtsp://admin:" + pass + marker + "@" + host + "/" + path + "/password=" + valueOnly(pass) + marker +
				"?" + query + "&token=" + marker + valueOnly(pass),
			// A numeric password with a '/' (read as a port and a path), the rest of it anything
			// but the query's or fragment's start.
			"rtsp://admin:" + digits + "/" + pass + marker + "@" + host + "/" + path,
			// One with a '?' or '#' at once after the number (read as a port and a query or
			// fragment), the rest of it anything.
			"rtsp://admin:" + digits + "?" + rawPass + marker + "@" + host + "/" + path,
			"rtsp://admin:" + digits + "#" + rawPass + marker + "@" + host + "/" + path + "?" + query,
		} {
			got := RedactURL(url)
			if strings.Contains(got, marker) {
				t.Fatalf("RedactURL(%q) = %q: shows a secret", url, got)
			}
			if again := RedactURL(got); again != got {
				t.Fatalf("RedactURL(%q) = %q, then %q", url, got, again)
			}
		}
	})
}
