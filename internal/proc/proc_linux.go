package proc

import (
	"os/exec"
	"syscall"
)

// SetDeathSignal has the kernel SIGKILL cmd's process when this program
// dies, however it dies.
func SetDeathSignal(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}
