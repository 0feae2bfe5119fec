package queue

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/nats-io/nats.go/jetstream"
)

// MaxInputBytes bounds what a worker reads for one input (an object, a file or a URL).
const MaxInputBytes = 256 << 20

// A location is where a job's input or output is: an object name in the
// bucket (the default), or a file:// URL, or (input only) an http(s):// URL.
func isFileURL(s string) bool { return strings.HasPrefix(s, "file://") }
func isHTTPURL(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

func filePath(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || u.Path == "" || (u.Host != "" && u.Host != "localhost") {
		return "", fmt.Errorf("%w: %q is not a file:///absolute/path URL", ErrBadInput, s)
	}
	return filepath.FromSlash(u.Path), nil
}

// FileURL returns the file:// URL of an absolute path.
func FileURL(path string) string {
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(path)}).String()
}

// errNotFound: the location holds nothing (yet).
var errNotFound = errors.New("not found")

// read returns the bytes at loc. A missing input or one too large is ErrBadInput.
func (q *Queue) read(ctx context.Context, loc string) ([]byte, error) {
	switch {
	case isFileURL(loc):
		p, err := filePath(loc)
		if err != nil {
			return nil, err
		}
		f, err := os.Open(p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: input %s: %w", ErrBadInput, loc, errNotFound)
		}
		if err != nil {
			return nil, fmt.Errorf("input %s: %w", loc, err)
		}
		defer f.Close()
		return readLimited(f, loc)
	case isHTTPURL(loc):
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, loc, nil)
		if err != nil {
			return nil, fmt.Errorf("%w: input %s: %v", ErrBadInput, loc, err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, fmt.Errorf("input %s: %w", loc, err) // network: transient
		}
		defer resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusOK:
		case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
			return nil, fmt.Errorf("input %s: HTTP %s", loc, resp.Status)
		default:
			return nil, fmt.Errorf("%w: input %s: HTTP %s", ErrBadInput, loc, resp.Status)
		}
		return readLimited(resp.Body, loc)
	default:
		res, err := q.obs.Get(ctx, loc)
		if errors.Is(err, jetstream.ErrObjectNotFound) {
			return nil, fmt.Errorf("%w: input object %s: %w", ErrBadInput, loc, errNotFound)
		}
		if err != nil {
			return nil, fmt.Errorf("input object %s: %w", loc, err)
		}
		defer res.Close()
		return readLimited(res, loc)
	}
}

func readLimited(r io.Reader, loc string) ([]byte, error) {
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(r, MaxInputBytes+1))
	if err != nil {
		return nil, fmt.Errorf("input %s: %w", loc, err)
	}
	if n > MaxInputBytes {
		return nil, fmt.Errorf("%w: input %s: larger than %d bytes", ErrBadInput, loc, MaxInputBytes)
	}
	return buf.Bytes(), nil
}

// exists reports whether an output is stored at loc.
func (q *Queue) exists(ctx context.Context, loc string) (bool, error) {
	if isFileURL(loc) {
		p, err := filePath(loc)
		if err != nil {
			return false, err
		}
		_, err = os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		return err == nil, err
	}
	_, err := q.obs.GetInfo(ctx, loc)
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return false, nil
	}
	return err == nil, err
}

// write stores data at loc: an object, or a file written atomically
// (temporary file in the same folder, then rename).
func (q *Queue) write(ctx context.Context, loc string, data []byte) error {
	if isHTTPURL(loc) {
		return fmt.Errorf("%w: output %s: http(s) outputs are not supported; use an object name or file://", ErrBadInput, loc)
	}
	if !isFileURL(loc) {
		if _, err := q.obs.PutBytes(ctx, loc, data); err != nil {
			return fmt.Errorf("output object %s: %w", loc, err)
		}
		return nil
	}
	p, err := filePath(loc)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("output %s: %w", loc, err)
	}
	f, err := os.CreateTemp(filepath.Dir(p), "."+filepath.Base(p)+".tmp-*")
	if err != nil {
		return fmt.Errorf("output %s: %w", loc, err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), p)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("output %s: %w", loc, err)
	}
	return nil
}

// remove deletes an input object (file and http inputs are never touched).
func (q *Queue) remove(ctx context.Context, loc string) error {
	if isFileURL(loc) || isHTTPURL(loc) {
		return nil
	}
	err := q.obs.Delete(ctx, loc)
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return nil
	}
	return err
}
