package main

import (
	"os"
	"time"

	"github.com/hashicorp/go-hclog"
)

// parentPoll is how often the plugin checks that its host is still there.
const parentPoll = 500 * time.Millisecond

// watchParent exits the process when its parent (the host) is gone: the
// parent pid changes when the process is re-parented to init or a
// subreaper. On Linux the host also asks the kernel for a SIGKILL on its
// death (PR_SET_PDEATHSIG); this watch covers other systems and the case
// where the host thread that started the plugin is not the one that dies.
func watchParent(log hclog.Logger) {
	ppid := os.Getppid()
	if ppid <= 1 {
		return // started by init, or already orphaned: nothing to watch
	}
	go func() {
		for {
			time.Sleep(parentPoll)
			if os.Getppid() != ppid {
				log.Error("the host process is gone; exiting", "host_pid", ppid)
				os.Exit(1)
			}
		}
	}()
}
