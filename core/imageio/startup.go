package imageio

import (
	"context"
	"log/slog"
	"sync"

	"github.com/davidbyttow/govips/v2/vips"
)

// Config tunes the process-wide libvips runtime. The zero value is the
// recommended default.
type Config struct {
	// Concurrency is the number of libvips worker threads per image
	// pipeline; 0 lets libvips choose (VIPS_CONCURRENCY or the core count).
	Concurrency int
	// LogLevel is the lowest slog level that libvips/govips messages are
	// forwarded at (they are mapped: error/critical → Error, warning → Warn,
	// message → Info, info/debug → Debug). The zero value is slog.LevelInfo.
	LogLevel slog.Level
}

var (
	startOnce sync.Once
	startCfg  Config
)

// Startup starts libvips once per process with cfg: logging routed to
// slog.Default() (govips would otherwise print to stderr), the operation
// cache disabled, cfg.Concurrency worker threads, and every loader outside
// the accepted formats blocked inside libvips (process-wide, so govips loads
// in the same process are restricted too: untrusted loaders such as svg,
// pdf and ImageMagick never see the data). It is idempotent and
// safe to call from many goroutines; only the first call's cfg takes effect
// (later differing configs are logged at debug level and ignored). Every
// other function of the package calls it with the zero Config if it has not
// run yet. If another package started govips first, its concurrency and
// cache settings stay, but logging is still routed to slog.
func Startup(cfg Config) {
	first := false
	startOnce.Do(func() {
		first = true
		startCfg = cfg
		vips.LoggingSettings(slogHandler, govipsVerbosity(cfg.LogLevel))
		vips.Startup(&vips.Config{
			ConcurrencyLevel: cfg.Concurrency,
			MaxCacheFiles:    0,
			MaxCacheMem:      0,
			MaxCacheSize:     0,
		})
		blockLoaders()
	})
	if !first && cfg != startCfg {
		slog.Debug("imageio: Startup already done; config ignored", "want", cfg, "have", startCfg)
	}
}

// ensureStarted starts libvips with defaults unless Startup already ran.
func ensureStarted() { Startup(Config{}) }

// govipsVerbosity maps a slog threshold to govips' glib level filter so that
// messages below the threshold are not even formatted into slog records.
func govipsVerbosity(l slog.Level) vips.LogLevel {
	switch {
	case l <= slog.LevelDebug:
		return vips.LogLevelDebug
	case l <= slog.LevelInfo:
		return vips.LogLevelMessage
	case l <= slog.LevelWarn:
		return vips.LogLevelWarning
	default:
		return vips.LogLevelCritical
	}
}

// slogHandler forwards a govips/glib log message to slog.Default().
func slogHandler(domain string, level vips.LogLevel, msg string) {
	var l slog.Level
	switch level {
	case vips.LogLevelError, vips.LogLevelCritical:
		l = slog.LevelError
	case vips.LogLevelWarning:
		l = slog.LevelWarn
	case vips.LogLevelMessage:
		l = slog.LevelInfo
	default:
		l = slog.LevelDebug
	}
	slog.Default().Log(context.Background(), l, "libvips: "+msg, "domain", domain)
}
