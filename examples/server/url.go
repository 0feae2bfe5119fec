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
)

// httpError is an error with the HTTP status it is answered with.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func errorf(status int, format string, args ...any) *httpError {
	return &httpError{status: status, msg: fmt.Sprintf(format, args...)}
}

// job is a parsed request URL.
type job struct {
	signature string // the signature segment, "" when left out
	signed    string // the path the signature covers: "/" + everything after it
	scale     int    // sr:N; 0 = the model's scale
	format    string // output format; "" = the source's
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
	return j, errorf(http.StatusBadRequest, "no source in the URL (want .../plain/<source> or .../<base64 source>)")
}

func (j *job) option(seg string) error {
	name, val, _ := strings.Cut(seg, ":")
	num := func() (int, error) {
		n, err := strconv.Atoi(val)
		if err != nil {
			return 0, errorf(http.StatusBadRequest, "option %s: %q is not an integer", name, val)
		}
		return n, nil
	}
	var err error
	switch name {
	case "sr", "super_resolution":
		if j.scale, err = num(); err == nil && j.scale < 1 {
			err = errorf(http.StatusBadRequest, "option %s: scale must be >= 1, got %d", name, j.scale)
		}
	case "q", "quality":
		if j.quality, err = num(); err == nil && (j.quality < 0 || j.quality > 100) {
			err = errorf(http.StatusBadRequest, "option %s: quality must be in 0..100, got %d", name, j.quality)
		}
	case "f", "format", "ext":
		err = j.setFormat(val)
	case "sm", "strip_metadata":
		if j.strip, err = strconv.ParseBool(val); err != nil {
			err = errorf(http.StatusBadRequest, "option %s: %q is not a boolean", name, val)
		}
	default:
		err = errorf(http.StatusBadRequest, "unknown option %q (known: sr, f, q, sm)", name)
	}
	return err
}

func (j *job) setFormat(f string) error {
	switch strings.ToLower(f) {
	case "png", "webp", "tiff":
		j.format = strings.ToLower(f)
	case "jpg", "jpeg":
		j.format = "jpeg"
	case "tif":
		j.format = "tiff"
	default:
		return errorf(http.StatusBadRequest, "output format %q: want png, jpeg, webp or tiff", f)
	}
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
		return errorf(http.StatusBadRequest, "source: bad percent-encoding: %v", err)
	}
	if src == "" {
		return errorf(http.StatusBadRequest, "source: empty")
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
		return errorf(http.StatusBadRequest, "source: not base64url: %q", s)
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
		return errorf(http.StatusForbidden, "missing signature: this server only serves signed URLs")
	}
	got, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(j.signature, "="))
	want, _ := base64.RawURLEncoding.DecodeString(s.sign(j.signed))
	if err != nil || !hmac.Equal(got, want) {
		return errorf(http.StatusForbidden, "invalid signature")
	}
	return nil
}
