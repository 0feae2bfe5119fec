package plugin

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
)

// HostConfig configures a [Host].
type HostConfig struct {
	// Path is the plugin binary (resshift-plugin).
	Path string
	// Args are its command-line arguments, e.g. {"-config", "/etc/resshift.toml"}.
	Args []string
	// Env is added to the plugin's environment (the host's environment is
	// inherited; entries here win), e.g. {"RESSHIFT_CONFIG=/etc/resshift.toml"}.
	Env []string
	// Logger receives the host's messages and the plugin's log lines
	// (relayed by go-plugin). nil: hclog to stderr at info level.
	Logger hclog.Logger
	// StartTimeout bounds a launch: process start, engine load, handshake
	// and first Ping. 0 = 1 minute.
	StartTimeout time.Duration
	// HealthInterval, when > 0, pings the plugin in the background at this
	// interval and relaunches it when it is gone, so that a crash between
	// requests does not cost the next request the launch time.
	HealthInterval time.Duration
	// HealthTimeout bounds one health-check Ping. 0 = 5 seconds.
	HealthTimeout time.Duration
	// HealthFailures is the number of health checks in a row that a running
	// plugin process may fail (no answer within HealthTimeout: frozen,
	// stopped, deadlocked) before the host kills and relaunches it. Calls
	// in flight on it then fail at once with ErrUnavailable. 0 = 3.
	HealthFailures int
}

// Host launches the resshift plugin process and keeps it running: it
// health-checks it with Ping after every launch (and periodically with
// HealthInterval), and when the process has exited — crashed, killed,
// out of memory — the next call relaunches it. A call in flight when the
// process dies fails with ErrUnavailable; it is not retried, because the
// input may be what killed the plugin. With HealthInterval, a process that
// stops answering (frozen, SIGSTOP) for HealthFailures checks in a row is
// killed and relaunched, and the calls in flight on it fail at once with
// ErrUnavailable. On Linux the plugin gets SIGKILL when the host dies, and
// resshift-plugin exits by itself when its parent is gone.
//
// A Host is an [Upscaler] and is safe for concurrent use: calls share one
// plugin process (the plugin bounds its own ONNX Runtime concurrency), and a
// relaunch is done once for all the calls that need it.
type Host struct {
	cfg HostConfig
	log hclog.Logger

	mu     sync.Mutex // guards cur, closed; held during a launch
	cur    *instance
	closed bool

	stop chan struct{} // closes the health loop
	wg   sync.WaitGroup
}

// instance is one running plugin process.
type instance struct {
	c   *goplugin.Client
	up  *client
	pid int
	cmd *exec.Cmd
	// gone is cancelled, with the reason as its cause, when the host gives
	// up on the process (unresponsive): calls in flight on it end at once.
	gone    context.Context
	abandon context.CancelCauseFunc
}

// errUnresponsive is the cause of an instance abandoned by the health checks.
type errUnresponsive struct {
	pid, fails int
	timeout    time.Duration
}

func (e *errUnresponsive) Error() string {
	return fmt.Sprintf("plugin: the plugin process (pid %d) is unresponsive (%d health checks in a row got no answer within %v); "+
		"it was killed and is being relaunched", e.pid, e.fails, e.timeout)
}

var _ Upscaler = (*Host)(nil)

// NewHost launches the plugin and checks it with Ping. The error of a plugin
// that cannot start names the reason it logged (bad config, missing model,
// ONNX Runtime not found, ...).
func NewHost(cfg HostConfig) (*Host, error) {
	if cfg.Path == "" {
		return nil, errors.New("plugin: host: no plugin path")
	}
	if cfg.StartTimeout <= 0 {
		cfg.StartTimeout = time.Minute
	}
	if cfg.HealthTimeout <= 0 {
		cfg.HealthTimeout = 5 * time.Second
	}
	if cfg.HealthFailures <= 0 {
		cfg.HealthFailures = 3
	}
	log := cfg.Logger
	if log == nil {
		log = hclog.New(&hclog.LoggerOptions{Name: "resshift", Output: os.Stderr, Level: hclog.Info})
	}
	h := &Host{cfg: cfg, log: log, stop: make(chan struct{})}
	if _, err := h.get(); err != nil {
		return nil, err
	}
	if cfg.HealthInterval > 0 {
		h.wg.Add(1)
		go h.health()
	}
	return h, nil
}

// get returns the running instance, launching one when there is none or the
// process has exited.
func (h *Host) get() (*instance, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, &Error{Kind: ErrUnavailable, Msg: "plugin: host is closed"}
	}
	if in := h.cur; in != nil {
		if !in.c.Exited() && !in.up.exited() {
			return in, nil
		}
		h.log.Warn("plugin process exited; relaunching", "pid", in.pid)
		in.abandon(in.diedErr())
		in.c.Kill()
		h.cur = nil
	}
	in, err := h.launch()
	if err != nil {
		return nil, err
	}
	h.cur = in
	return in, nil
}

// launch starts a plugin process, dispenses the client and pings it.
func (h *Host) launch() (*instance, error) {
	start := time.Now()
	cmd := exec.Command(h.cfg.Path, h.cfg.Args...)
	cmd.Env = append(os.Environ(), h.cfg.Env...)
	cmd.SysProcAttr = childProcAttr() // Linux: the plugin dies with the host
	recent := &tail{max: 8 << 10}
	c := goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig:  Handshake,
		VersionedPlugins: pluginSets(nil, nil),
		Cmd:              cmd,
		SkipHostEnv:      true, // cmd.Env already holds it, with Env winning
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		AutoMTLS:         true,
		Logger:           h.log,
		Stderr:           recent,
		StartTimeout:     h.cfg.StartTimeout,
	})
	fail := func(err error) (*instance, error) {
		c.Kill()
		msg := fmt.Sprintf("plugin: launch %s: %v", h.cfg.Path, err)
		if last := recent.lastMessage(); last != "" {
			msg += ": plugin said: " + last
		}
		return nil, &Error{Kind: ErrUnavailable, Msg: msg, Err: err}
	}
	rpc, err := c.Client()
	if err != nil {
		return fail(err)
	}
	raw, err := rpc.Dispense(Name)
	if err != nil {
		return fail(err)
	}
	up, ok := raw.(*client)
	if !ok {
		return fail(fmt.Errorf("dispensed %T, want the resshift upscaler", raw))
	}
	ctx, cancel := context.WithTimeout(context.Background(), h.cfg.StartTimeout)
	defer cancel()
	pid, err := up.Ping(ctx)
	if err != nil {
		return fail(err)
	}
	info, err := up.Info(ctx)
	if err != nil {
		return fail(err)
	}
	h.log.Info("plugin ready", "pid", pid, "model", info.Model, "provider", info.Provider,
		"version", c.NegotiatedVersion(), "elapsed", time.Since(start).Round(time.Millisecond))
	gone, abandon := context.WithCancelCause(context.Background())
	return &instance{c: c, up: up, pid: pid, cmd: cmd, gone: gone, abandon: abandon}, nil
}

// diedErr is the cause of an instance dropped because its process died.
func (in *instance) diedErr() error {
	return &Error{Kind: ErrUnavailable,
		Msg: fmt.Sprintf("plugin: the plugin process (pid %d) died during the call and will be relaunched", in.pid)}
}

// bind returns ctx, also cancelled when the host abandons in.
func (in *instance) bind(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(in.gone, cancel)
	return ctx, func() { stop(); cancel() }
}

// kill ends the process: gracefully through go-plugin (which asks the
// plugin to shut down and waits up to 2 s), or, when force is set or the
// graceful path does not return in 3 s (a frozen process never answers
// go-plugin's shutdown call), with SIGKILL.
func (in *instance) kill(force bool) {
	if force && in.cmd.Process != nil {
		in.cmd.Process.Kill()
	}
	done := make(chan struct{})
	go func() { in.c.Kill(); close(done) }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		if in.cmd.Process != nil {
			in.cmd.Process.Kill()
		}
		<-done
	}
}

// failed handles an error of a call on in: when the plugin process is gone
// (or stops answering a Ping), the instance is dropped so the next call
// relaunches, and the error becomes ErrUnavailable naming the process.
//
// ctx is the caller's context: when the host abandoned in (unresponsive,
// exited, closed) and ctx itself is not done, the call failed because of
// that, whatever error the cancelled stream reported.
func (h *Host) failed(ctx context.Context, in *instance, err error) error {
	if cause := context.Cause(in.gone); cause != nil && ctx.Err() == nil {
		return &Error{Kind: ErrUnavailable, Msg: cause.Error(), Err: cause}
	}
	var pe *Error
	if !errors.As(err, &pe) {
		return err
	}
	switch {
	case pe.Kind == ErrUnavailable:
		// go-plugin notices the exit a moment after the stream breaks;
		// a process that is still there must answer a Ping.
		deadline := time.Now().Add(time.Second)
		for !in.up.exited() && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if !in.up.exited() {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			_, perr := in.up.Ping(ctx)
			cancel()
			if perr == nil {
				return err
			}
		}
	case !isCanceled(pe) && in.up.exited():
	default:
		return err // an error from a live plugin
	}
	h.drop(in)
	cause := err
	if pe.Err != nil {
		cause = pe.Err
	}
	return &Error{Kind: ErrUnavailable, Err: err,
		Msg: fmt.Sprintf("plugin: the plugin process (pid %d) died during the call and will be relaunched: %v", in.pid, cause)}
}

// drop forgets in (if still current) and kills its process.
func (h *Host) drop(in *instance) {
	h.mu.Lock()
	if h.cur == in {
		h.cur = nil
	}
	h.mu.Unlock()
	in.abandon(in.diedErr())
	in.kill(false)
}

// Upscale runs req in the plugin, launching it first if needed.
func (h *Host) Upscale(ctx context.Context, req Request) (Response, error) {
	in, err := h.get()
	if err != nil {
		return Response{}, err
	}
	bctx, done := in.bind(ctx)
	defer done()
	res, err := in.up.Upscale(bctx, req)
	if err != nil {
		return Response{}, h.failed(ctx, in, err)
	}
	return res, nil
}

// Info returns the running plugin's description, launching it if needed.
func (h *Host) Info(ctx context.Context) (Info, error) {
	in, err := h.get()
	if err != nil {
		return Info{}, err
	}
	bctx, done := in.bind(ctx)
	defer done()
	info, err := in.up.Info(bctx)
	if err != nil {
		return Info{}, h.failed(ctx, in, err)
	}
	return info, nil
}

// Ping checks the plugin (launching it if needed) and returns its pid.
func (h *Host) Ping(ctx context.Context) (int, error) {
	in, err := h.get()
	if err != nil {
		return 0, err
	}
	bctx, done := in.bind(ctx)
	defer done()
	pid, err := in.up.Ping(bctx)
	if err != nil {
		return 0, h.failed(ctx, in, err)
	}
	return pid, nil
}

// PID is the process id of the running plugin, 0 when none is running (for
// monitoring, and for tests that kill it).
func (h *Host) PID() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cur == nil || h.cur.c.Exited() {
		return 0
	}
	return h.cur.pid
}

// health pings the plugin every HealthInterval. A process that exited is
// relaunched (by Ping); one that is there but fails HealthFailures checks
// in a row is abandoned (calls in flight fail with the reason), killed and
// relaunched.
func (h *Host) health() {
	defer h.wg.Done()
	t := time.NewTicker(h.cfg.HealthInterval)
	defer t.Stop()
	var (
		last  *instance // the instance the failures were counted on
		fails int
	)
	for {
		select {
		case <-h.stop:
			return
		case <-t.C:
		}
		h.mu.Lock()
		in := h.cur
		h.mu.Unlock()
		if in != last {
			last, fails = in, 0
		}
		if in == nil || in.c.Exited() || in.up.exited() {
			ctx, cancel := context.WithTimeout(context.Background(), h.cfg.StartTimeout)
			if _, err := h.Ping(ctx); err != nil {
				h.log.Warn("plugin health check failed", "error", err)
			}
			cancel()
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), h.cfg.HealthTimeout)
		_, err := in.up.Ping(ctx)
		cancel()
		if err == nil {
			fails = 0
			continue
		}
		fails++
		h.log.Warn("plugin health check failed", "pid", in.pid, "failures", fails, "of", h.cfg.HealthFailures, "error", err)
		if fails < h.cfg.HealthFailures || in.up.exited() {
			continue // an exited process is relaunched on the next tick
		}
		h.restart(in, &errUnresponsive{pid: in.pid, fails: fails, timeout: h.cfg.HealthTimeout})
	}
}

// restart abandons an unresponsive instance: calls in flight on it fail
// with cause, the process is killed and a new one launched.
func (h *Host) restart(in *instance, cause error) {
	h.log.Error("plugin unresponsive; killing and relaunching it", "pid", in.pid, "reason", cause)
	in.abandon(cause)
	h.mu.Lock()
	if h.cur == in {
		h.cur = nil
	}
	h.mu.Unlock()
	in.kill(true)
	if _, err := h.get(); err != nil {
		h.log.Error("plugin relaunch failed; retrying on the next health check or call", "error", err)
	}
}

// Close stops the health checks and ends the plugin process (gracefully,
// then killed after 2 seconds). Calls after Close fail with ErrUnavailable.
func (h *Host) Close() error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	in := h.cur
	h.cur = nil
	h.mu.Unlock()
	close(h.stop)
	h.wg.Wait()
	if in != nil {
		in.abandon(&Error{Kind: ErrUnavailable, Msg: "plugin: the host was closed during the call"})
		in.kill(false)
	}
	return nil
}
