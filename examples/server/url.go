package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/resshift/resshift/plugin"
	"github.com/resshift/resshift/vocab"
)

// httpError is an error with the HTTP status it is answered with. msg is
// the detail, for the log; public is what the client is told ("": the
// generic message of the status, see publicMessage). A public message never
// holds any part of the request.
type httpError struct {
	status     int
	msg        string
	public     string
	retryAfter int // seconds; 0 = the default of the status
}

func (e *httpError) Error() string { return e.msg }

func errorf(status int, format string, args ...any) *httpError {
	return &httpError{status: status, msg: fmt.Sprintf(format, args...)}
}

// refuse is errorf with a public message (which must not hold request input).
func refuse(status int, public, format string, args ...any) *httpError {
	return &httpError{status: status, msg: fmt.Sprintf(format, args...), public: public}
}

// job is a parsed request URL.
type job struct {
	signature string       // the signature segment, "" when left out
	signed    string       // the path the signature covers: "/" + everything after it
	scale     int          // sr:N; 0 = the model's scale
	format    vocab.Format // output format; vocab.FormatAuto = the source's
	quality   int
	strip     bool
	source    string // decoded source: local:///path, http(s)://..., or a bare path
}

// parsePath parses an imgproxy-style escaped path:
//
//	/<signature>/<option>/.../plain/<percent-encoded source>[@<format>]
//	/<signature>/<option>/.../<base64url source, may be split by "/">[.<format>]
//
// Options are name:value segments: sr (super_resolution) the scale, f
// (format, ext) the output format, q (quality), sm (strip_metadata). The
// signature segment may be left out (a path starting with an option or
// "plain"), which only unsigned servers accept.
func parsePath(escaped string) (job, error) {
	var j job
	segs := strings.Split(strings.TrimPrefix(escaped, "/"), "/")
	if len(segs) > 0 && segs[0] != "plain" && !strings.Contains(segs[0], ":") {
		j.signature, segs = segs[0], segs[1:]
	}
	j.signed = "/" + strings.Join(segs, "/")
	for i, seg := range segs {
		switch {
		case seg == "plain":
			return j, j.plainSource(strings.Join(segs[i+1:], "/"))
		case strings.Contains(seg, ":"):
			if err := j.option(seg); err != nil {
				return j, err
			}
		default:
			return j, j.base64Source(strings.Join(segs[i:], ""))
		}
	}
	const msg = "no source in the URL (want .../plain/<source> or .../<base64 source>)"
	return j, refuse(http.StatusBadRequest, msg, msg)
}

func (j *job) option(seg string) error {
	name, val, _ := strings.Cut(seg, ":")
	num := func() (int, error) {
		n, err := strconv.Atoi(val)
		if err != nil {
			return 0, refuse(http.StatusBadRequest, "option "+name+": not an integer", "option %s: %q is not an integer", name, val)
		}
		return n, nil
	}
	var err error
	switch name {
	case "sr", "super_resolution":
		if j.scale, err = num(); err == nil && j.scale < 1 {
			err = refuse(http.StatusBadRequest, "option "+name+": the scale must be >= 1", "option %s: scale must be >= 1, got %d", name, j.scale)
		}
	case "q", "quality":
		if j.quality, err = num(); err == nil && (j.quality < 0 || j.quality > 100) {
			err = refuse(http.StatusBadRequest, "option "+name+": quality must be in 0..100", "option %s: quality must be in 0..100, got %d", name, j.quality)
		}
	case "f", "format", "ext":
		err = j.setFormat(val)
	case "sm", "strip_metadata":
		if j.strip, err = strconv.ParseBool(val); err != nil {
			err = refuse(http.StatusBadRequest, "option "+name+": not a boolean", "option %s: %q is not a boolean", name, val)
		}
	default:
		err = refuse(http.StatusBadRequest, "unknown option (known: sr, f, q, sm)", "unknown option %q (known: sr, f, q, sm)", name)
	}
	return err
}

func (j *job) setFormat(f string) error {
	p, err := plugin.ParseOutputFormat(f)
	if err != nil || p == vocab.FormatAuto {
		return refuse(http.StatusBadRequest, "unknown output format (want png, jpeg, webp or tiff)", "output format %q: want png, jpeg, webp or tiff", f)
	}
	j.format = p
	return nil
}

func (j *job) plainSource(s string) error {
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		if err := j.setFormat(s[i+1:]); err != nil {
			return err
		}
		s = s[:i]
	}
	src, err := url.PathUnescape(s)
	if err != nil {
		return refuse(http.StatusBadRequest, "source: bad percent-encoding", "source: bad percent-encoding: %v", err)
	}
	if src == "" {
		return refuse(http.StatusBadRequest, "source: empty", "source: empty")
	}
	j.source = src
	return nil
}

func (j *job) base64Source(s string) error {
	if i := strings.LastIndexByte(s, '.'); i >= 0 {
		if err := j.setFormat(s[i+1:]); err != nil {
			return err
		}
		s = s[:i]
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil || len(b) == 0 {
		return refuse(http.StatusBadRequest, "source: not base64url", "source: not base64url: %q", s)
	}
	j.source = string(b)
	return nil
}

// signer checks imgproxy-style signatures: base64url(HMAC-SHA256(key, salt + path)).
type signer struct {
	key, salt []byte // nil: signatures are not checked
}

func newSigner(keyHex, saltHex string) (*signer, error) {
	key, err := hex.DecodeString(keyHex)
	if err != nil {
		return nil, fmt.Errorf("security.key: %w", err)
	}
	salt, err := hex.DecodeString(saltHex)
	if err != nil {
		return nil, fmt.Errorf("security.salt: %w", err)
	}
	if len(key) == 0 {
		return &signer{}, nil
	}
	return &signer{key: key, salt: salt}, nil
}

// sign returns the signature of path ("/" + what follows the signature segment).
func (s *signer) sign(path string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write(s.salt)
	m.Write([]byte(path))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// check verifies j's signature (403 on a missing or wrong one).
func (s *signer) check(j job) error {
	if s.key == nil {
		return nil
	}
	if j.signature == "" {
		const msg = "missing signature: this server only serves signed URLs"
		return refuse(http.StatusForbidden, msg, msg)
	}
	got, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(j.signature, "="))
	want, _ := base64.RawURLEncoding.DecodeString(s.sign(j.signed))
	if err != nil || !hmac.Equal(got, want) {
		return refuse(http.StatusForbidden, "invalid signature", "invalid signature")
	}
	return nil
}
