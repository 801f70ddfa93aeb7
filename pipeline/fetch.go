package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/shuffledet/shuffledet/internal/quote"
)

// MaxImageBytes bounds the size of an image FetchImage fetches (256 MiB: a 200 megapixel phone
// photo is a tenth of it).
const MaxImageBytes = 256 << 20

// Timeouts of FetchImage: to connect (and the TLS handshake), from the request sent to the
// response's header, and for the whole fetch, the body read included.
const (
	fetchConnectTimeout = 30 * time.Second
	fetchHeaderTimeout  = 30 * time.Second
	fetchTimeout        = 5 * time.Minute
)

// imageClient is FetchImage's HTTP client, with its timeouts.
var imageClient = &http.Client{
	Timeout: fetchTimeout,
	Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: fetchConnectTimeout}).DialContext,
		TLSHandshakeTimeout:   fetchConnectTimeout,
		ResponseHeaderTimeout: fetchHeaderTimeout,
		// As http.DefaultTransport: a program fetching from many hosts keeps an idle connection
		// (a descriptor and two goroutines) to each for at most this long, and at most 100 in all.
		IdleConnTimeout: 90 * time.Second,
		MaxIdleConns:    100,
	},
}

// IsHTTP reports whether spec is an http:// or https:// URL, which Images fetches (FetchImage).
func IsHTTP(spec string) bool {
	s := strings.ToLower(spec)
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

// FetchImage returns the body of an image at an http:// or https:// URL, read whole: a status
// other than 200, a body over MaxImageBytes, or a fetch past its timeouts (or ctx's end) is an
// error, which names the URL with its secrets hidden (RedactURL).
func FetchImage(ctx context.Context, rawURL string) ([]byte, error) {
	return fetchImage(ctx, rawURL, MaxImageBytes)
}

// fetchImage is FetchImage with a body of at most limit bytes, a whole number of MiB.
func fetchImage(ctx context.Context, rawURL string, limit int) ([]byte, error) {
	name := quote.Name(RedactURL(rawURL))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: cannot fetch the image: %w", name, unwrapURLError(err))
	}
	resp, err := imageClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s: cannot fetch the image: %w", name, unwrapURLError(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: cannot fetch the image: the server answered %s", name, resp.Status)
	}
	if resp.ContentLength > int64(limit) {
		return nil, fmt.Errorf("%s: the image is %d bytes, over the %d MiB an image may have", name, resp.ContentLength, limit>>20)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, int64(limit)+1))
	if err != nil {
		return nil, fmt.Errorf("%s: cannot fetch the image: %w", name, unwrapURLError(err))
	}
	if len(data) > limit {
		return nil, fmt.Errorf("%s: the image is over the %d MiB an image may have", name, limit>>20)
	}
	return data, nil
}

// unwrapURLError returns the cause of a *url.Error, whose message repeats the URL with its
// secrets (a redirect's too).
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
