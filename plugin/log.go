package plugin

import (
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"sync"

	"github.com/hashicorp/go-hclog"
)

// NewLogger returns the plugin process's loggers, both writing hclog JSON
// lines to w (the plugin's stderr), which go-plugin parses and relays into
// the host's logger at the same level: an hclog.Logger for go-plugin itself
// and a *slog.Logger for the engine. level is "trace", "debug", "info",
// "warn" or "error" ("" = info). Writes from the two are serialised.
func NewLogger(w io.Writer, level string) (hclog.Logger, *slog.Logger) {
	lw := &lockedWriter{w: w}
	hl := hclog.New(&hclog.LoggerOptions{Name: "resshift-plugin", Output: lw, JSONFormat: true,
		Level: hclog.LevelFromString(level)})
	sl := slog.Level(0)
	switch strings.ToLower(level) {
	case "trace", "debug":
		sl = slog.LevelDebug
	case "warn":
		sl = slog.LevelWarn
	case "error":
		sl = slog.LevelError
	}
	h := slog.NewJSONHandler(lw, &slog.HandlerOptions{Level: sl, ReplaceAttr: hclogKeys})
	return hl, slog.New(h)
}

// hclogKeys renames slog's built-in keys to the ones go-plugin parses.
func hclogKeys(groups []string, a slog.Attr) slog.Attr {
	if len(groups) > 0 {
		return a
	}
	switch a.Key {
	case slog.TimeKey:
		return slog.String("@timestamp", a.Value.Time().Format("2006-01-02T15:04:05.000000Z07:00"))
	case slog.LevelKey:
		lv, _ := a.Value.Any().(slog.Level)
		name := "info"
		switch {
		case lv < slog.LevelInfo:
			name = "debug"
		case lv >= slog.LevelError:
			name = "error"
		case lv >= slog.LevelWarn:
			name = "warn"
		}
		return slog.String("@level", name)
	case slog.MessageKey:
		return slog.String("@message", a.Value.String())
	}
	return a
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// tail keeps the last bytes written to it (the plugin's recent stderr), to
// explain a plugin that fails to start.
type tail struct {
	mu  sync.Mutex
	buf []byte
	max int
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

// lastMessage returns the last logged message at error level, or the last
// non-empty line, for a launch error.
func (t *tail) lastMessage() string {
	t.mu.Lock()
	s := string(t.buf)
	t.mu.Unlock()
	lines := strings.Split(strings.TrimSpace(s), "\n")
	last := ""
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		if e, ok := parseLogLine(l); ok {
			if e.level == "error" {
				last = e.msg
			}
			continue
		}
		last = l
	}
	return last
}

type logLine struct{ level, msg string }

// parseLogLine extracts @level and @message (and an "error" value) from an
// hclog JSON line.
func parseLogLine(l string) (logLine, bool) {
	if !strings.HasPrefix(l, "{") {
		return logLine{}, false
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(l), &m); err != nil {
		return logLine{}, false
	}
	lv, _ := m["@level"].(string)
	msg, _ := m["@message"].(string)
	if e, ok := m["error"].(string); ok && e != "" {
		msg += ": " + e
	}
	return logLine{level: lv, msg: msg}, true
}
