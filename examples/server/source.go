package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// sources fetches source images within the configured limits.
type sources struct {
	root     *os.Root // nil: local sources disabled
	http     *http.Client
	maxBytes int64 // 0 = no limit
}

func newSources(cfg SourceConfig, maxBytes int64) (*sources, error) {
	s := &sources{maxBytes: maxBytes}
	if cfg.LocalRoot != "" {
		r, err := os.OpenRoot(cfg.LocalRoot)
		if err != nil {
			return nil, fmt.Errorf("source.local_root: %w", err)
		}
		s.root = r
	}
	if cfg.AllowHTTP {
		d := &net.Dialer{Timeout: cfg.DownloadTimeout}
		if !cfg.AllowPrivateNetworks {
			d.Control = publicOnly
		}
		s.http = &http.Client{
			Timeout:   cfg.DownloadTimeout,
			Transport: &http.Transport{DialContext: d.DialContext, Proxy: nil, ResponseHeaderTimeout: cfg.DownloadTimeout},
			CheckRedirect: func(req *http.Request, via []*http.Request) error {
				if len(via) >= 5 {
					return errors.New("too many redirects")
				}
				return nil // each hop dials through the same guard
			},
		}
	}
	return s, nil
}

func (s *sources) Close() error {
	if s.root != nil {
		return s.root.Close()
	}
	return nil
}

// fetch returns the source's bytes: 403 for a source that is not allowed,
// 404 for a missing one, 413 for one over the size limit, 502 for an http
// source that failed.
func (s *sources) fetch(ctx context.Context, src string) ([]byte, error) {
	switch {
	case strings.HasPrefix(src, "http://"), strings.HasPrefix(src, "https://"):
		return s.fetchHTTP(ctx, src)
	case strings.HasPrefix(src, "local://"):
		p := strings.TrimPrefix(src, "local://")
		if !strings.HasPrefix(p, "/") {
			return nil, errorf(http.StatusBadRequest, "source %q: want local:///path", src)
		}
		return s.fetchLocal(p[1:])
	case strings.Contains(src, "://"):
		return nil, errorf(http.StatusForbidden, "source %q: scheme not allowed", src)
	}
	return s.fetchLocal(src)
}

// fetchLocal opens name inside the root: lexically local names only, and
// os.Root refuses symlinks that lead out of the root. Only regular files are
// served: the open is non-blocking and the type is checked on the opened
// descriptor, so a FIFO or device in the root cannot hang a request.
func (s *sources) fetchLocal(name string) ([]byte, error) {
	if s.root == nil {
		return nil, errorf(http.StatusForbidden, "local sources are disabled")
	}
	if !filepath.IsLocal(name) {
		return nil, errorf(http.StatusForbidden, "source path %q is outside the root", name)
	}
	f, err := s.root.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, errorf(http.StatusNotFound, "source %q not found", name)
	case err != nil:
		return nil, errorf(http.StatusForbidden, "source %q refused: %v", name, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, errorf(http.StatusInternalServerError, "source %q: %v", name, err)
	}
	if !st.Mode().IsRegular() {
		return nil, errorf(http.StatusNotFound, "source %q is not a file", name)
	}
	if s.maxBytes > 0 && st.Size() > s.maxBytes {
		return nil, s.tooLarge(st.Size())
	}
	return s.read(f)
}

func (s *sources) fetchHTTP(ctx context.Context, src string) ([]byte, error) {
	if s.http == nil {
		return nil, errorf(http.StatusForbidden, "http sources are disabled")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
	if err != nil {
		return nil, errorf(http.StatusBadRequest, "source %q: %v", src, err)
	}
	req.Header.Set("User-Agent", "resshift-server")
	resp, err := s.http.Do(req)
	if err != nil {
		var fe *forbiddenAddr
		switch {
		case errors.As(err, &fe):
			return nil, errorf(http.StatusForbidden, "source %q: %v", src, fe)
		case ctx.Err() != nil:
			return nil, ctx.Err()
		}
		return nil, errorf(http.StatusBadGateway, "source %q: %v", src, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return nil, errorf(http.StatusNotFound, "source %q: not found", src)
	case resp.StatusCode != http.StatusOK:
		return nil, errorf(http.StatusBadGateway, "source %q: %s", src, resp.Status)
	case s.maxBytes > 0 && resp.ContentLength > s.maxBytes:
		return nil, s.tooLarge(resp.ContentLength)
	}
	b, err := s.read(resp.Body)
	if err != nil && ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return b, err
}

// read reads at most maxBytes (413 beyond).
func (s *sources) read(r io.Reader) ([]byte, error) {
	if s.maxBytes > 0 {
		r = io.LimitReader(r, s.maxBytes+1)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, errorf(http.StatusBadGateway, "read source: %v", err)
	}
	if s.maxBytes > 0 && int64(len(b)) > s.maxBytes {
		return nil, s.tooLarge(int64(len(b)))
	}
	if len(b) == 0 {
		return nil, errorf(http.StatusUnprocessableEntity, "source is empty")
	}
	return b, nil
}

func (s *sources) tooLarge(n int64) error {
	return errorf(http.StatusRequestEntityTooLarge, "source is %d bytes, limit %d (limits.max_src_file_size)", n, s.maxBytes)
}

// forbiddenAddr refuses a connection to a non-public address.
type forbiddenAddr struct{ addr netip.Addr }

func (e *forbiddenAddr) Error() string {
	return fmt.Sprintf("address %s is not public (source.allow_private_networks is off)", e.addr)
}

// publicOnly is a net.Dialer Control hook: it runs after DNS resolution, on
// the address actually dialled, so a name cannot smuggle a private address.
func publicOnly(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return err
	}
	a := ap.Addr().Unmap()
	if a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsUnspecified() || a.IsMulticast() || a.IsInterfaceLocalMulticast() {
		return &forbiddenAddr{addr: a}
	}
	return nil
}
