package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
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

// kill sends SIGKILL to p, if it still runs, and waits for it to end.
func (p *proc) kill() {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Kill()
	<-p.done
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

// exitInfo is how a process ended, as the judge sees it.
type exitInfo struct {
	// Code is the exit status; -1 when a signal ended the process or it
	// did not end (TimedOut).
	Code int
	// Signal names the signal that ended the process, if one did.
	Signal string `json:",omitempty"`
	// TimedOut is set when the process ran past its time limit and was
	// killed.
	TimedOut bool `json:",omitempty"`
	// Interrupted is set when this program was interrupted (Ctrl-C) and
	// killed the process.
	Interrupted bool `json:",omitempty"`
	// StartErr is set when the process could not be started.
	StartErr string `json:",omitempty"`
}

func (e exitInfo) String() string {
	switch {
	case e.StartErr != "":
		return "not started: " + e.StartErr
	case e.TimedOut:
		return "timed out"
	case e.Interrupted:
		return "interrupted"
	case e.Signal != "":
		return "killed by " + e.Signal
	}
	return fmt.Sprintf("exit status %d", e.Code)
}

// ended returns how p ended; p must have ended.
func (p *proc) ended() exitInfo {
	st := p.cmd.ProcessState
	if st == nil {
		return exitInfo{Code: -1, StartErr: fmt.Sprint(p.err)}
	}
	if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return exitInfo{Code: -1, Signal: ws.Signal().String()}
	}
	return exitInfo{Code: st.ExitCode()}
}

// output is what a finished command printed and how it ended.
type output struct {
	exitInfo
	Stdout, Stderr string
}

// maxOutput bounds what is kept of a command's output.
const maxOutput = 64 << 20

// limitedBuffer keeps the first maxOutput bytes written to it.
type limitedBuffer struct{ bytes.Buffer }

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := maxOutput - b.Len(); room > 0 {
		b.Buffer.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// runCmd runs name with args, stdin empty, and waits at most timeout for it
// to end; past that it is killed (SIGKILL) and the output says TimedOut.
func runCmd(ctx context.Context, timeout time.Duration, env []string, name string, args ...string) output {
	cmd := exec.Command(name, args...)
	var stdout, stderr limitedBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	p, err := startProc(cmd)
	if err != nil {
		return output{exitInfo: exitInfo{Code: -1, StartErr: err.Error()}}
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	var out output
	select {
	case <-p.done:
		out.exitInfo = p.ended()
	case <-t.C:
		p.kill()
		out.exitInfo = exitInfo{Code: -1, TimedOut: true}
	case <-ctx.Done():
		p.kill()
		out.exitInfo = exitInfo{Code: -1, Interrupted: true}
	}
	out.Stdout, out.Stderr = stdout.String(), stderr.String()
	return out
}
