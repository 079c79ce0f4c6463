package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"sync"
)

// procs are the processes this program started and has not yet seen end;
// killAll kills them, so none outlives the program.
var procs struct {
	sync.Mutex
	running map[*os.Process]bool
	closed  bool
}

// proc is a process this program started.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{} // closed once it has ended and been waited for
	err  error         // Wait's error, once done is closed
}

// startProc starts cmd and watches it.
func startProc(cmd *exec.Cmd) (*proc, error) {
	setDeathSignal(cmd) // where the OS can: killed if this program dies
	procs.Lock()
	defer procs.Unlock()
	if procs.closed {
		return nil, errors.New("shutting down")
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	if procs.running == nil {
		procs.running = map[*os.Process]bool{}
	}
	procs.running[cmd.Process] = true
	p := &proc{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		procs.Lock()
		delete(procs.running, cmd.Process)
		procs.Unlock()
		close(p.done)
	}()
	return p, nil
}

// kill sends SIGKILL (kill -9) to p and waits for it to end. It is an
// error if p had already ended by itself.
func (p *proc) kill() error {
	select {
	case <-p.done:
		return fmt.Errorf("%s ended before it was killed: %v", p.cmd.Path, p.err)
	default:
	}
	killErr := p.cmd.Process.Kill() // SIGKILL
	<-p.done
	if st := p.cmd.ProcessState; st != nil && st.ExitCode() != -1 {
		return fmt.Errorf("%s ended by itself (%v) before it was killed", p.cmd.Path, st)
	}
	return killErr
}

// killAll kills every process still running and stops new ones from
// starting.
func killAll() {
	procs.Lock()
	defer procs.Unlock()
	procs.closed = true
	for p := range procs.running {
		p.Kill()
	}
}

// freePort returns a TCP port of 127.0.0.1 that is free now.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
