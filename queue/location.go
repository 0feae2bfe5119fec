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
	"time"

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

// access says which locations besides bucket objects may be used: file://
// paths inside fileRoot (opened through os.Root: no "..", no symlinks
// leading out) and, with allowHTTP, http(s):// inputs. Both are off by
// default, because a job names them and a worker should not read or write
// wherever a publisher asks.
type access struct {
	fileRoot  string // absolute; "" = file:// refused
	allowHTTP bool
}

// file opens the file root and returns loc's path relative to it.
func (a access) file(loc string) (*os.Root, string, error) {
	if a.fileRoot == "" {
		return nil, "", fmt.Errorf("%w: %s: file:// locations are off on this worker (start it with a file root)", ErrBadInput, loc)
	}
	p, err := filePath(loc)
	if err != nil {
		return nil, "", err
	}
	rel, err := filepath.Rel(a.fileRoot, p)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return nil, "", fmt.Errorf("%w: %s: outside the worker's file root %s", ErrBadInput, loc, a.fileRoot)
	}
	r, err := os.OpenRoot(a.fileRoot)
	if err != nil {
		return nil, "", fmt.Errorf("file root: %w", err)
	}
	return r, rel, nil
}

// read returns the bytes at loc. A missing input or one too large is ErrBadInput.
func (q *Queue) read(ctx context.Context, a access, loc string) ([]byte, error) {
	switch {
	case isFileURL(loc):
		r, rel, err := a.file(loc)
		if err != nil {
			return nil, err
		}
		defer r.Close()
		f, err := r.Open(rel)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: input %s: %w", ErrBadInput, loc, errNotFound)
		}
		if err != nil {
			return nil, fmt.Errorf("input %s: %w", loc, err)
		}
		defer f.Close()
		return readLimited(f, loc)
	case isHTTPURL(loc):
		if !a.allowHTTP {
			return nil, fmt.Errorf("%w: input %s: http(s) inputs are off on this worker", ErrBadInput, loc)
		}
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
func (q *Queue) exists(ctx context.Context, a access, loc string) (bool, error) {
	switch {
	case isHTTPURL(loc):
		return false, nil // refused by write
	case isFileURL(loc):
		r, rel, err := a.file(loc)
		if err != nil {
			return false, err
		}
		defer r.Close()
		_, err = r.Stat(rel)
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		return err == nil, err
	}
	info, err := q.obs.GetInfo(ctx, loc)
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return q.complete(ctx, info)
}

// complete reports whether every chunk of an object is stored. A put that
// fails half-way (a stream leader lost mid-write) can leave the object's
// meta record behind while its chunks are purged; such an object exists by
// name but cannot be read, so a redelivered job must write it again rather
// than skip it. The check reads the bucket's stream state for the object's
// chunk subject (the layout of NATS ADR-20: stream OBJ_<bucket>, chunks on
// $O.<bucket>.C.<nuid>), not the data.
func (q *Queue) complete(ctx context.Context, info *jetstream.ObjectInfo) (bool, error) {
	if info.Chunks == 0 {
		return true, nil
	}
	st, err := q.js.Stream(ctx, "OBJ_"+q.cfg.Bucket)
	if err != nil {
		return false, err
	}
	subj := "$O." + q.cfg.Bucket + ".C." + info.NUID
	si, err := st.Info(ctx, jetstream.WithSubjectFilter(subj))
	if err != nil {
		return false, err
	}
	return si.State.Subjects[subj] == uint64(info.Chunks), nil
}

// write stores data at loc: an object, or a file written atomically
// (temporary file in the same folder, then rename).
func (q *Queue) write(ctx context.Context, a access, loc string, data []byte) error {
	if isHTTPURL(loc) {
		return fmt.Errorf("%w: output %s: http(s) outputs are not supported; use an object name or file://", ErrBadInput, loc)
	}
	if !isFileURL(loc) {
		if _, err := q.obs.PutBytes(ctx, loc, data); err != nil {
			return fmt.Errorf("output object %s: %w", loc, err)
		}
		return nil
	}
	r, rel, err := a.file(loc)
	if err != nil {
		return err
	}
	defer r.Close()
	if err := r.MkdirAll(filepath.Dir(rel), 0o755); err != nil {
		return fmt.Errorf("output %s: %w", loc, err)
	}
	tmp := filepath.Join(filepath.Dir(rel), fmt.Sprintf(".%s.tmp-%d-%d", filepath.Base(rel), os.Getpid(), time.Now().UnixNano()))
	f, err := r.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
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
		err = r.Rename(tmp, rel)
	}
	if err != nil {
		r.Remove(tmp)
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
