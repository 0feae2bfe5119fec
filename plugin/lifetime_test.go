package plugin_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/resshift/resshift/plugin"
)

// The tests here re-run the test binary as a host process (helperMain),
// end that process the way users' hosts end, and check that the plugin it
// launched does not outlive it.

const helperEnv = "RESSHIFT_TEST_HELPER"

// helperMain is the re-run test binary. Modes:
//
//	host     NewHost with $RESSHIFT_TEST_PLUGIN and -config $RESSHIFT_TEST_CONFIG,
//	         print "plugin pid N" and wait to be killed;
//	example  run Example (the README snippet) in the current directory.
func helperMain(mode string) int {
	switch mode {
	case "host":
		h, err := plugin.NewHost(plugin.HostConfig{Path: os.Getenv("RESSHIFT_TEST_PLUGIN"),
			Args: []string{"-config", os.Getenv("RESSHIFT_TEST_CONFIG")}, Logger: quietLogger()})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Printf("plugin pid %d\n", h.PID())
		select {}
	case "example":
		Example()
		return 0
	}
	fmt.Fprintln(os.Stderr, "unknown helper mode", mode)
	return 2
}

var pidLine = regexp.MustCompile(`(?:plugin pid |plugin ready: pid=)(\d+)`)

// startHelper starts the test binary in mode and returns it with the pid of
// its plugin, read from the helper's output.
func startHelper(t *testing.T, mode, dir string) (*exec.Cmd, int, *logBuffer) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), helperEnv+"="+mode, "RESSHIFT_TEST_PLUGIN="+pluginBin(t),
		"RESSHIFT_TEST_CONFIG="+writeConfig(t, "helper-"+mode, pointwiseConfig("")))
	out := &logBuffer{}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pids := make(chan int, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			out.Write([]byte(sc.Text() + "\n"))
			if m := pidLine.FindStringSubmatch(sc.Text()); m != nil {
				n, _ := strconv.Atoi(m[1])
				select {
				case pids <- n:
				default:
				}
			}
		}
	}()
	t.Cleanup(func() { cmd.Process.Kill(); pw.Close() })
	select {
	case pid := <-pids:
		t.Cleanup(func() {
			if alive(pid) {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		})
		return cmd, pid, out
	case <-time.After(60 * time.Second):
		t.Fatalf("the helper host did not report its plugin:\n%s", out)
	}
	return nil, 0, nil
}

// A host killed with SIGKILL (no chance to clean up) takes its plugin with it.
func TestPluginDiesWithKilledHost(t *testing.T) {
	cmd, pid, out := startHelper(t, "host", tmpDir)
	if !alive(pid) {
		t.Fatalf("plugin %d not running:\n%s", pid, out)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	waitFor(t, 5*time.Second, fmt.Sprintf("the orphaned plugin %d to exit", pid), func() bool { return !alive(pid) })
}

// The plugin's own parent watch: a plugin started by a process that sets no
// parent-death signal (a shell here) exits when that process is killed.
func TestPluginExitsWhenParentGone(t *testing.T) {
	sh := exec.Command("/bin/sh", "-c", `"$0" -config "$1" >/dev/null 2>&1 & echo "plugin pid $!"; wait`,
		pluginBin(t), writeConfig(t, "orphan", pointwiseConfig("")))
	sh.Env = append(os.Environ(), plugin.Handshake.MagicCookieKey+"="+plugin.Handshake.MagicCookieValue)
	stdout, err := sh.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sh.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	m := pidLine.FindStringSubmatch(line)
	if err != nil || m == nil {
		sh.Process.Kill()
		t.Fatalf("shell said %q: %v", line, err)
	}
	pid, _ := strconv.Atoi(m[1])
	t.Cleanup(func() {
		if alive(pid) {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	time.Sleep(time.Second) // let the plugin load and start watching
	if !alive(pid) {
		t.Fatalf("plugin %d did not start", pid)
	}
	sh.Process.Signal(syscall.SIGKILL)
	sh.Wait()
	waitFor(t, 5*time.Second, fmt.Sprintf("the orphaned plugin %d to exit", pid), func() bool { return !alive(pid) })
}

// The README snippet (Example), ended with SIGTERM as service managers do,
// shuts down cleanly (exit status 0) and ends its plugin on the way out.
func TestExampleSIGTERMLeavesNoPlugin(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"build", "configs"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(pluginBin(t), filepath.Join(dir, "build", "resshift-plugin")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "configs", "cpu.toml"), []byte(pointwiseConfig("")), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd, pid, out := startHelper(t, "example", dir)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		if strings.Contains(out.String(), "address already in use") {
			t.Skipf("port 8080 is taken: %v", err)
		}
		t.Fatalf("the example exited before SIGTERM: %v\n%s", err, out)
	case <-time.After(time.Second):
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var err error
	select {
	case err = <-exited:
	case <-time.After(15 * time.Second):
		t.Fatalf("the example did not exit 15 s after SIGTERM:\n%s", out)
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) || err != nil {
		t.Errorf("after SIGTERM: %v, want a clean exit\n%s", err, out)
	}
	if alive(pid) {
		t.Errorf("plugin %d still running after its host exited", pid)
	}
}
