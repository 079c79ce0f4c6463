package main

import (
	"os/exec"
	"syscall"
)

// setDeathSignal has the kernel SIGKILL cmd's process when this program
// dies, however it dies.
func setDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
