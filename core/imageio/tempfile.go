package imageio

import (
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Temporary files of WriteFileAtomic are named
//
//	.NAME.resshift-tmp-HOST-PID-RANDOM
//
// NAME the target's base name (cut to 100 bytes), HOST 8 hex digits of a
// hash of the host name, PID the writing process. A process killed while it
// writes (SIGKILL, power loss) leaves such a file; RemoveStaleTemps deletes
// it later, and only when it is provably abandoned.

// StaleTempAge is the age (by modification time) after which a temporary
// file of WriteFileAtomic is removed even when its owner cannot be checked
// (another host, or a PID that was reused).
const StaleTempAge = 24 * time.Hour

var (
	tempName = regexp.MustCompile(`^\..*\.resshift-tmp-([0-9a-f]{8})-([0-9]+)-[0-9]+$`)

	hostTagOnce sync.Once
	hostTagVal  string

	// cleanedDirs: folders WriteFileAtomic already swept in this process.
	cleanedDirs sync.Map
)

// hostTag is 8 hex digits identifying this host in temporary file names.
func hostTag() string {
	hostTagOnce.Do(func() {
		h := fnv.New32a()
		name, _ := os.Hostname()
		h.Write([]byte(name))
		hostTagVal = fmt.Sprintf("%08x", h.Sum32())
	})
	return hostTagVal
}

// createTemp creates a new temporary file for target base name base in dir.
func createTemp(dir, base string) (*os.File, error) {
	if len(base) > 100 {
		base = base[:100]
	}
	return os.CreateTemp(dir, "."+base+".resshift-tmp-"+hostTag()+"-"+strconv.Itoa(os.Getpid())+"-*")
}

// RemoveStaleTemps deletes, in dir (not below it), temporary files that
// WriteFileAtomic left behind when its process died. A file is removed only
// when its name has WriteFileAtomic's pattern, it is a regular file (not a
// symlink), and either it was written on this host by a process that no
// longer exists, or it is older than StaleTempAge. It returns the paths
// removed; errors reading dir are returned, a file that cannot be removed is
// logged and skipped. Safe for concurrent use (with WriteFileAtomic too: a
// live writer's file is never removed unless it is a day old).
func RemoveStaleTemps(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, e := range entries {
		m := tempName.FindStringSubmatch(e.Name())
		if m == nil || !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // gone already
		}
		pid, _ := strconv.Atoi(m[2])
		abandoned := time.Since(info.ModTime()) > StaleTempAge || (m[1] == hostTag() && !processExists(pid))
		if !abandoned {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			slog.Warn("imageio: cannot remove stale temporary file", "path", p, "err", err)
			continue
		}
		removed = append(removed, p)
	}
	return removed, nil
}

// processExists reports whether a process with this PID exists (signal 0:
// EPERM means it exists but belongs to someone else).
func processExists(pid int) bool {
	if pid <= 0 {
		return true // not ours to judge
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// sweepOnce runs RemoveStaleTemps on dir the first time this process writes
// there.
func sweepOnce(dir string) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	if _, done := cleanedDirs.LoadOrStore(abs, true); done {
		return
	}
	removed, err := RemoveStaleTemps(dir)
	if err != nil {
		slog.Debug("imageio: cannot sweep stale temporary files", "dir", dir, "err", err)
	}
	for _, p := range removed {
		slog.Info("imageio: removed a temporary file left by a process that died", "path", p)
	}
}
