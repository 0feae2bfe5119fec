package plugin_test

import (
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/resshift/resshift/plugin"
)

// alive reports whether a process with this pid still exists (a zombie
// that go-plugin has not reaped yet counts as gone once it is killed:
// signal 0 to a zombie succeeds, so /proc state is checked too).
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	return !zombie(pid)
}

// unfreeze makes sure a stopped test plugin does not outlive a failed test.
func unfreeze(t *testing.T, pid int) {
	t.Cleanup(func() {
		if alive(pid) {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	})
}

// A plugin frozen (SIGSTOP) in the middle of a request is killed and
// relaunched after HealthFailures failed health checks; the request fails at
// once with ErrUnavailable saying so, instead of running to its deadline,
// and the next request is served by the new process.
func TestHostFrozenPluginRelaunched(t *testing.T) {
	h, logs := newHost(t, writeConfig(t, "frozen", pointwiseConfig("")), func(c *plugin.HostConfig) {
		c.HealthInterval = 200 * time.Millisecond
		c.HealthTimeout = time.Second
		c.HealthFailures = 3
	})
	img := encode(t, testImage(96, 96, false, 8, 4), "png")
	pid := h.PID()
	unfreeze(t, pid)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	stopped := false
	_, err := h.Upscale(ctx, plugin.Request{Image: img, Progress: func(plugin.Progress) error {
		if !stopped {
			stopped = true
			if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
				t.Errorf("stop %d: %v", pid, err)
			}
		}
		return nil
	}})
	elapsed := time.Since(start)
	if !errors.Is(err, plugin.ErrUnavailable) || errors.Is(err, plugin.ErrCanceled) ||
		!strings.Contains(err.Error(), "unresponsive") || !strings.Contains(err.Error(), "relaunched") {
		t.Fatalf("frozen mid-request after %v: %v", elapsed, err)
	}
	if elapsed > 15*time.Second {
		t.Errorf("the request took %v to fail", elapsed)
	}
	t.Logf("failed after %v: %v", elapsed.Round(time.Millisecond), err)
	waitFor(t, 10*time.Second, "the frozen process to be gone", func() bool { return !alive(pid) })
	waitFor(t, 30*time.Second, "a relaunched plugin", func() bool { p := h.PID(); return p > 0 && p != pid })
	if res, err := h.Upscale(context.Background(), plugin.Request{Image: img}); err != nil || res.Width != 384 {
		t.Fatalf("after the relaunch: %v", err)
	}
	if s := logs.String(); !strings.Contains(s, "health check failed") || !strings.Contains(s, "unresponsive") {
		t.Errorf("the host did not log the failed checks and the restart:\n%s", s)
	}
}

// Close ends a frozen plugin promptly (go-plugin's graceful shutdown would
// wait for an answer forever).
func TestHostCloseFrozenPlugin(t *testing.T) {
	h, err := plugin.NewHost(plugin.HostConfig{Path: pluginBin(t), Args: []string{"-config", writeConfig(t, "closefrozen", pointwiseConfig(""))},
		Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	pid := h.PID()
	unfreeze(t, pid)
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { h.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("Close of a frozen plugin did not return in 15 s")
	}
	waitFor(t, 5*time.Second, "the frozen process to be gone", func() bool { return !alive(pid) })
}

// Several calls in flight when the process is killed all fail with
// ErrUnavailable — none as ErrCanceled, although the host cancels the
// streams of an abandoned process.
func TestHostKillFailsAllInFlightAsUnavailable(t *testing.T) {
	h, _ := newHost(t, writeConfig(t, "killmany", pointwiseConfig("")))
	img := encode(t, testImage(96, 96, false, 8, 5), "png")
	pid := h.PID()
	const n = 4
	started := make(chan struct{}, n)
	errs := make(chan error, n)
	for range n {
		go func() {
			once := false
			_, err := h.Upscale(context.Background(), plugin.Request{Image: img, Progress: func(plugin.Progress) error {
				if !once {
					once = true
					started <- struct{}{}
				}
				time.Sleep(20 * time.Millisecond) // keep the call in flight
				return nil
			}})
			errs <- err
		}()
	}
	for range 2 { // at least two calls are running
		select {
		case <-started:
		case <-time.After(30 * time.Second):
			t.Fatal("no progress")
		}
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for range n {
		err := <-errs
		if err == nil {
			continue // finished before the kill
		}
		if !errors.Is(err, plugin.ErrUnavailable) || errors.Is(err, plugin.ErrCanceled) {
			t.Errorf("in flight at the kill: %v", err)
		}
	}
	if _, err := h.Upscale(context.Background(), plugin.Request{Image: img}); err != nil {
		t.Fatalf("after the kill: %v", err)
	}
}
