package plugin

import "syscall"

// childProcAttr makes the kernel SIGKILL the plugin when the host dies
// (PR_SET_PDEATHSIG), so a host killed with SIGKILL leaves no plugin behind.
// The signal is tied to the host thread that started the process; the
// plugin's own parent watch (see cmd/resshift-plugin) covers the rest.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
