//go:build !linux

package plugin

import "syscall"

// childProcAttr is nil outside Linux: the plugin's parent watch (see
// cmd/resshift-plugin) ends it when the host dies.
func childProcAttr() *syscall.SysProcAttr { return nil }
