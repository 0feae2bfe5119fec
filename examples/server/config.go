package main

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/resshift/resshift/internal/boundedfile"
)

// Config is the server's TOML configuration (see server.toml).
type Config struct {
	// Listen is the TCP address to serve on ("127.0.0.1:0" picks a free port;
	// the bound address is logged).
	Listen string `toml:"listen"`

	Plugin   PluginConfig   `toml:"plugin"`
	Source   SourceConfig   `toml:"source"`
	Limits   LimitsConfig   `toml:"limits"`
	Security SecurityConfig `toml:"security"`
	Queue    QueueConfig    `toml:"queue"` // async /jobs endpoints (async.go)
}

// PluginConfig locates the resshift plugin and its engine config. Relative
// paths are relative to the server's config file.
type PluginConfig struct {
	Path           string        `toml:"path"`            // resshift-plugin binary (a bare name: from $PATH)
	Config         string        `toml:"config"`          // engine TOML for the plugin ("" = its defaults)
	Model          string        `toml:"model"`           // model pack name/alias or directory ("" = the engine config's); passed as RESSHIFT_MODEL
	HealthInterval time.Duration `toml:"health_interval"` // background Ping; 0 = off
	HealthTimeout  time.Duration `toml:"health_timeout"`  // one Ping's deadline; 0 = 5 s
	HealthFailures int           `toml:"health_failures"` // Pings in a row without answer before a kill and relaunch; 0 = 3
	StartTimeout   time.Duration `toml:"start_timeout"`   // 0 = 1 minute
}

// SourceConfig says where images may come from.
type SourceConfig struct {
	// LocalRoot serves local:///path (and bare paths) from this directory;
	// nothing outside it is reachable (no "..", no absolute paths, no
	// symlinks leading out). "" disables local sources.
	LocalRoot string `toml:"local_root"`
	// AllowHTTP enables http:// and https:// sources.
	AllowHTTP bool `toml:"allow_http"`
	// AllowPrivateNetworks lets http sources resolve to loopback, private,
	// link-local or unspecified addresses (off: a guard against SSRF).
	AllowPrivateNetworks bool `toml:"allow_private_networks"`
	// DownloadTimeout bounds fetching an http source (within the request timeout).
	DownloadTimeout time.Duration `toml:"download_timeout"`
}

// LimitsConfig bounds the work per request and the load, like imgproxy.
type LimitsConfig struct {
	// MaxSrcResolution is the largest source in megapixels, checked from the
	// image header in the plugin before decoding; 0 = the plugin's limit.
	MaxSrcResolution float64 `toml:"max_src_resolution"`
	// MaxSrcFileSize is the largest source in bytes; 0 = no limit here.
	MaxSrcFileSize int64 `toml:"max_src_file_size"`
	// Workers is the number of requests processed at once.
	Workers int `toml:"workers"`
	// Queue is the number of requests that may wait for a worker; more
	// concurrent requests get 429 Too Many Requests at once.
	Queue int `toml:"queue"`
	// RequestTimeout bounds a request: waiting in the queue, fetching the
	// source and upscaling.
	RequestTimeout time.Duration `toml:"request_timeout"`
	// CacheTTL is the Cache-Control max-age of results; 0 = no-cache.
	CacheTTL time.Duration `toml:"cache_ttl"`
	// SecondsPerOutputMP is the expected upscale time per output megapixel,
	// for admission by cost (see cost.go): a request whose estimate exceeds
	// RequestTimeout gets 413 at once, one that would not finish in time
	// behind the admitted work gets 429 with Retry-After. 0 = measured: a
	// calibration job at start, then the completed jobs.
	SecondsPerOutputMP float64 `toml:"seconds_per_output_mp"`
}

// SecurityConfig enables signed URLs (imgproxy's scheme): with a key and a
// salt (hex), every URL must carry base64url(HMAC-SHA256(key, salt+path)).
// Without them, the signature segment is not checked ("insecure" by
// convention) and may be left out.
type SecurityConfig struct {
	Key  string `toml:"key"`
	Salt string `toml:"salt"`
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{
		Listen: "127.0.0.1:8080",
		Plugin: PluginConfig{Path: "resshift-plugin", HealthInterval: 10 * time.Second},
		Source: SourceConfig{DownloadTimeout: 10 * time.Second},
		Limits: LimitsConfig{MaxSrcResolution: 16.8, MaxSrcFileSize: 32 << 20, Workers: 2, Queue: 8,
			RequestTimeout: 60 * time.Second, CacheTTL: time.Hour},
	}
}

// MaxConfigBytes bounds the size of server.toml.
const MaxConfigBytes = 1 << 20

// LoadConfig reads path (a regular file of at most MaxConfigBytes) over the defaults, resolves relative paths against
// the file's directory and validates.
func LoadConfig(path string) (Config, error) {
	cfg := DefaultConfig()
	// Bounded, and never blocking on a FIFO or device (internal/boundedfile).
	data, err := boundedfile.ReadLimit(path, MaxConfigBytes)
	if err != nil {
		return cfg, fmt.Errorf("config: %w", err)
	}
	md, err := toml.Decode(string(data), &cfg)
	if err != nil {
		return cfg, fmt.Errorf("config: %s: %w", path, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		return cfg, fmt.Errorf("config: %s: unknown keys: %s", path, strings.Join(keys, ", "))
	}
	dir := filepath.Dir(path)
	resolve := func(p *string) {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
	resolve(&cfg.Plugin.Config)
	resolve(&cfg.Source.LocalRoot)
	if strings.ContainsRune(cfg.Plugin.Path, '/') {
		resolve(&cfg.Plugin.Path) // a bare name is looked up in $PATH
	}
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("config: %s: %w", path, err)
	}
	if r := cfg.Source.LocalRoot; r != "" {
		switch st, err := os.Stat(r); {
		case errors.Is(err, fs.ErrNotExist):
			return cfg, fmt.Errorf("config: %s: source.local_root: %s does not exist: create it and put the images to serve in it, "+
				"or point source.local_root at your images", path, r)
		case err != nil:
			return cfg, fmt.Errorf("config: %s: source.local_root: %w", path, err)
		case !st.IsDir():
			return cfg, fmt.Errorf("config: %s: source.local_root: %s is not a directory", path, r)
		}
	}
	return cfg, nil
}

// Validate reports every invalid key at once.
func (c Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
	}
	if c.Listen == "" {
		bad("listen", "must be set")
	}
	if c.Plugin.Path == "" {
		bad("plugin.path", "must be set")
	}
	if c.Plugin.HealthInterval < 0 || c.Plugin.HealthTimeout < 0 || c.Plugin.StartTimeout < 0 {
		bad("plugin", "durations must be >= 0")
	}
	if c.Plugin.HealthFailures < 0 {
		bad("plugin.health_failures", "must be >= 0, got %d", c.Plugin.HealthFailures)
	}
	if c.Source.LocalRoot == "" && !c.Source.AllowHTTP {
		bad("source", "no source enabled: set local_root or allow_http")
	}
	if c.Source.DownloadTimeout <= 0 {
		bad("source.download_timeout", "must be > 0, got %v", c.Source.DownloadTimeout)
	}
	l := c.Limits
	if !(l.MaxSrcResolution >= 0) || math.IsInf(l.MaxSrcResolution, 0) {
		bad("limits.max_src_resolution", "must be a number of megapixels >= 0 (0 = the plugin's limit), got %v", l.MaxSrcResolution)
	}
	if l.MaxSrcFileSize < 0 {
		bad("limits.max_src_file_size", "must be >= 0, got %d", l.MaxSrcFileSize)
	}
	if l.Workers < 1 {
		bad("limits.workers", "must be >= 1, got %d", l.Workers)
	}
	if l.Queue < 0 {
		bad("limits.queue", "must be >= 0, got %d", l.Queue)
	}
	if l.RequestTimeout <= 0 {
		bad("limits.request_timeout", "must be > 0, got %v", l.RequestTimeout)
	}
	if l.SecondsPerOutputMP < 0 || math.IsNaN(l.SecondsPerOutputMP) || math.IsInf(l.SecondsPerOutputMP, 0) {
		bad("limits.seconds_per_output_mp", "must be >= 0 (0 = measured), got %v", l.SecondsPerOutputMP)
	}
	if l.CacheTTL < 0 {
		bad("limits.cache_ttl", "must be >= 0, got %v", l.CacheTTL)
	}
	s := c.Security
	if (s.Key == "") != (s.Salt == "") {
		bad("security", "set both key and salt, or neither")
	}
	if _, err := hex.DecodeString(s.Key); err != nil {
		bad("security.key", "not hex: %v", err)
	}
	if _, err := hex.DecodeString(s.Salt); err != nil {
		bad("security.salt", "not hex: %v", err)
	}
	errs = append(errs, c.Queue.validate()...)
	return errors.Join(errs...)
}
