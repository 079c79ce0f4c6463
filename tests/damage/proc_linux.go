package main

import (
	"os/exec"
	"syscall"
)

// setDeathSignal has the kernel SIGKILL cmd's process when this program
// dies, however it dies.
func setDeathSignal(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}
