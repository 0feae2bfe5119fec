package main

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestParsePath(t *testing.T) {
	cases := []struct {
		path   string
		want   job
		status int // 0 = no error
	}{
		{"/insecure/sr:4/plain/local:///a/b.png", job{signature: "insecure", signed: "/sr:4/plain/local:///a/b.png", scale: 4, source: "local:///a/b.png"}, 0},
		{"/sr:4/plain/a.png@webp", job{signed: "/sr:4/plain/a.png@webp", scale: 4, format: "webp", source: "a.png"}, 0},
		{"/plain/a.png", job{signed: "/plain/a.png", source: "a.png"}, 0},
		{"/sig/super_resolution:4/q:80/f:jpg/sm:1/plain/http:%2F%2Fx.org%2Fa%20b.png",
			job{signature: "sig", signed: "/super_resolution:4/q:80/f:jpg/sm:1/plain/http:%2F%2Fx.org%2Fa%20b.png",
				scale: 4, quality: 80, format: "jpeg", strip: true, source: "http://x.org/a b.png"}, 0},
		{"/s/sr:4/plain/%2e%2e/x.png", job{signature: "s", signed: "/sr:4/plain/%2e%2e/x.png", scale: 4, source: "../x.png"}, 0},
		// imgproxy's base64 form, split by "/", with an extension.
		{"/s/sr:4/aHR0cDovL2V4YW1w/bGUuY29tL2ltYWdl/cy9jdXJpb3NpdHku/anBn.tif",
			job{signature: "s", signed: "/sr:4/aHR0cDovL2V4YW1w/bGUuY29tL2ltYWdl/cy9jdXJpb3NpdHku/anBn.tif",
				scale: 4, format: "tiff", source: "http://example.com/images/curiosity.jpg"}, 0},
		{"/s/sr:4", job{}, http.StatusBadRequest},
		{"/s/sr:x/plain/a.png", job{}, http.StatusBadRequest},
		{"/s/sr:0/plain/a.png", job{}, http.StatusBadRequest},
		{"/s/q:101/plain/a.png", job{}, http.StatusBadRequest},
		{"/s/rs:fill:10:10/plain/a.png", job{}, http.StatusBadRequest},
		{"/s/plain/a.png@gif", job{}, http.StatusBadRequest},
		{"/s/plain/", job{}, http.StatusBadRequest},
		{"/s/plain/%zz", job{}, http.StatusBadRequest},
		{"/s/!!!notbase64", job{}, http.StatusBadRequest},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			got, err := parsePath(tc.path)
			if tc.status != 0 {
				var he *httpError
				if !errors.As(err, &he) || he.status != tc.status {
					t.Fatalf("error %v, want status %d", err, tc.status)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// imgproxy's documented example: key "secret", salt "hello".
func TestSignatureMatchesImgproxy(t *testing.T) {
	s, err := newSigner("736563726574", "68656C6C6F")
	if err != nil {
		t.Fatal(err)
	}
	const path = "/rs:fill:300:400:0/g:sm/aHR0cDovL2V4YW1w/bGUuY29tL2ltYWdl/cy9jdXJpb3NpdHku/anBn.png"
	const sig = "oKfUtW34Dvo2BGQehJFR4Nr0_rIjOtdtzJ3QFsUcXH8"
	if got := s.sign(path); got != sig {
		t.Fatalf("signature %s, want %s", got, sig)
	}
	cases := []struct {
		url    string
		status int
	}{
		{"/" + sig + path, 0},
		{"/" + sig + "=" + path, 0}, // padded base64 is the same signature
		{"/insecure" + path, http.StatusForbidden},
		{"/" + sig + strings.Replace(path, "300", "301", 1), http.StatusForbidden},
		{path, http.StatusForbidden}, // no signature segment
	}
	for _, tc := range cases {
		j, _ := parsePath(tc.url) // the options are imgproxy's, unknown here: only the signature matters
		err := s.check(j)
		var he *httpError
		if (tc.status == 0) != (err == nil) || (err != nil && (!errors.As(err, &he) || he.status != tc.status)) {
			t.Errorf("%s: %v, want status %d", tc.url, err, tc.status)
		}
	}
	unsigned, _ := newSigner("", "")
	if j, _ := parsePath("/anything" + path); unsigned.check(j) != nil {
		t.Error("an unsigned server checked a signature")
	}
}

func TestConfigValidate(t *testing.T) {
	ok := DefaultConfig()
	ok.Source.LocalRoot = "/srv"
	cases := []struct {
		name string
		mod  func(*Config)
		keys []string
	}{
		{"defaults with a root", func(*Config) {}, nil},
		{"no source", func(c *Config) { c.Source.LocalRoot = "" }, []string{"source"}},
		{"limits", func(c *Config) {
			c.Limits.Workers, c.Limits.Queue, c.Limits.RequestTimeout, c.Limits.MaxSrcFileSize = 0, -1, 0, -5
		}, []string{"limits.workers", "limits.queue", "limits.request_timeout", "limits.max_src_file_size"}},
		{"security", func(c *Config) { c.Security.Key = "zz" }, []string{"security:", "security.key"}},
		{"download timeout", func(c *Config) { c.Source.DownloadTimeout = -time.Second }, []string{"source.download_timeout"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.mod(&c)
			err := c.Validate()
			if (err == nil) != (tc.keys == nil) {
				t.Fatalf("error %v", err)
			}
			for _, k := range tc.keys {
				if !strings.Contains(err.Error(), k) {
					t.Errorf("error %q does not name %s", err, k)
				}
			}
		})
	}
}
