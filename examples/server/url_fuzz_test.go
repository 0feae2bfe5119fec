package main

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// canonical writes j back as a URL in the plain form, or in the base64 form, with signature sig.
func canonical(j job, sig string, b64 bool) string {
	segs := []string{sig}
	if j.scale != 0 {
		segs = append(segs, "sr:"+strconv.Itoa(j.scale))
	}
	if j.quality != 0 {
		segs = append(segs, "q:"+strconv.Itoa(j.quality))
	}
	if j.strip {
		segs = append(segs, "sm:true")
	}
	if b64 {
		src := base64.RawURLEncoding.EncodeToString([]byte(j.source))
		if j.format != "" {
			src += "." + j.format.String()
		}
		return "/" + strings.Join(append(segs, src), "/")
	}
	src := strings.ReplaceAll(url.PathEscape(j.source), "@", "%40")
	if j.format != "" {
		src += "@" + j.format.String()
	}
	return "/" + strings.Join(append(segs, "plain", src), "/")
}

// FuzzParsePath: the request URL parser never panics; a refused URL is a 400 *httpError with a detail and a
// public message; an accepted URL's options are in range, it is rebuilt in both the plain and the base64
// form with the same meaning, a signature over its signed part verifies (and a wrong one does not), and its
// source, fetched from a local root, never yields a file outside that root (a symlink, "..", an absolute
// path, a percent-encoded escape). Seeded with the URLs of the server tests.
func FuzzParsePath(f *testing.F) {
	for _, s := range []string{
		"/insecure/sr:4/plain/local:///a/b.png", "/sr:4/plain/a.png@webp", "/plain/a.png",
		"/sig/super_resolution:4/q:80/f:jpg/sm:1/plain/http:%2F%2Fx.org%2Fa%20b.png",
		"/s/sr:4/plain/%2e%2e/x.png",
		"/s/sr:4/aHR0cDovL2V4YW1w/bGUuY29tL2ltYWdl/cy9jdXJpb3NpdHku/anBn.tif",
		"/s/sr:4", "/s/sr:x/plain/a.png", "/s/q:101/plain/a.png", "/s/rs:fill:10:10/plain/a.png",
		"/s/plain/a.png@gif", "/s/plain/", "/s/plain/%zz", "/s/!!!notbase64",
		"/oKfUtW34Dvo2BGQehJFR4Nr0_rIjOtdtzJ3QFsUcXH8/rs:fill:300:400:0/g:sm/aHR0cDovL2V4YW1w/bGUuY29tL2ltYWdl/cy9jdXJpb3NpdHku/anBn.png",
		"/insecure/sr:4/plain/in.png", "/insecure/plain/sub/x.png",
		"/insecure/sr:4/plain/../outside/secret.png", "/insecure/sr:4/plain/%2E%2E%2Foutside%2Fsecret.png",
		"/insecure/sr:4/plain/sub/..%2f..%2foutside%2fsecret.png", "/insecure/sr:4/plain/local:///../outside/secret.png",
		"/insecure/sr:4/plain/local:////etc/passwd", "/insecure/sr:4/plain//etc/passwd",
		"/insecure/sr:4/plain/evil.png", "/insecure/sr:4/plain/rel.png", "/insecure/sr:4/plain/evildir/secret.png",
		"/insecure/sr:4/plain/file:///etc/passwd", "/insecure/sr:4/plain/http://127.0.0.1:1/x.png",
		"/insecure/sr:4/" + base64.RawURLEncoding.EncodeToString([]byte("local:///../outside/secret.png")),
	} {
		f.Add(s)
	}
	// A source root with a file and a folder inside, and a secret next to it reachable only by escaping:
	// symlinks (absolute, relative, to a folder) and the path "../outside/secret.png".
	base := f.TempDir()
	root, outside := filepath.Join(base, "root"), filepath.Join(base, "outside")
	secret := "the secret outside the root"
	for _, err := range []error{
		os.MkdirAll(filepath.Join(root, "sub"), 0o755), os.MkdirAll(outside, 0o755),
		os.WriteFile(filepath.Join(root, "in.png"), []byte("inside"), 0o644),
		os.WriteFile(filepath.Join(root, "sub", "x.png"), []byte("inside sub"), 0o644),
		os.WriteFile(filepath.Join(outside, "secret.png"), []byte(secret), 0o644),
		os.Symlink(filepath.Join(outside, "secret.png"), filepath.Join(root, "evil.png")),
		os.Symlink("../outside/secret.png", filepath.Join(root, "rel.png")),
		os.Symlink(outside, filepath.Join(root, "evildir")),
	} {
		if err != nil {
			f.Fatal(err)
		}
	}
	src, err := newSources(SourceConfig{LocalRoot: root}, 1<<20)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { src.Close() })
	s, err := newSigner("736563726574", "68656C6C6F")
	if err != nil {
		f.Fatal(err)
	}

	f.Fuzz(func(t *testing.T, path string) {
		j, err := parsePath(path)
		if err != nil {
			var he *httpError
			if !errors.As(err, &he) || he.status != http.StatusBadRequest || he.msg == "" || he.public == "" {
				t.Fatalf("parsePath(%q) error %#v, want a 400 *httpError with a detail and a public message", path, err)
			}
			return
		}
		if j.source == "" || j.scale < 0 || j.quality < 0 || j.quality > 100 {
			t.Fatalf("parsePath(%q) accepted %+v", path, j)
		}
		switch j.format {
		case "", "png", "jpeg", "webp", "tiff":
		default:
			t.Fatalf("parsePath(%q) format %q", path, j.format)
		}
		for _, b64 := range []bool{false, true} {
			u := canonical(j, "sig", b64)
			k, err := parsePath(u)
			if err != nil {
				t.Fatalf("rebuilt URL %q of %q: %v", u, path, err)
			}
			if k.signature != "sig" || k.scale != j.scale || k.quality != j.quality || k.strip != j.strip ||
				k.format != j.format || k.source != j.source {
				t.Fatalf("rebuilt URL %q parses as %+v, the original %q as %+v", u, k, path, j)
			}
		}
		signed := j
		signed.signature = s.sign(j.signed)
		if err := s.check(signed); err != nil {
			t.Fatalf("its own signature does not verify: %v", err)
		}
		forged := j
		forged.signature = s.sign(j.signed + "x")
		if s.check(forged) == nil {
			t.Fatalf("a signature of another path verifies for %q", j.signed)
		}
		b, err := src.fetch(context.Background(), j.source)
		if err != nil {
			var he *httpError
			if !errors.As(err, &he) || he.status < 400 || he.status > 599 || he.msg == "" {
				t.Fatalf("fetch(%q) error %#v, want an *httpError with a 4xx/5xx status", j.source, err)
			}
			return
		}
		if string(b) == secret {
			t.Fatalf("source %q (URL %q) read the file outside the root", j.source, path)
		}
		if string(b) != "inside" && string(b) != "inside sub" {
			t.Fatalf("source %q served %q", j.source, b)
		}
	})
}
