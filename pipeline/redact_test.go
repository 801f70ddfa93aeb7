package pipeline

import "testing"

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
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}
