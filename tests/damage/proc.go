package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/secretstore-go/secretstore/internal/proc"
)

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
func ended(p *proc.Proc) exitInfo {
	st := p.Cmd.ProcessState
	if st == nil {
		return exitInfo{Code: -1, StartErr: fmt.Sprint(p.Err)}
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
	p, err := procs.Start(cmd)
	if err != nil {
		return output{exitInfo: exitInfo{Code: -1, StartErr: err.Error()}}
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	var out output
	select {
	case <-p.Done:
		out.exitInfo = ended(p)
	case <-t.C:
		p.Kill()
		out.exitInfo = exitInfo{Code: -1, TimedOut: true}
	case <-ctx.Done():
		p.Kill()
		out.exitInfo = exitInfo{Code: -1, Interrupted: true}
	}
	out.Stdout, out.Stderr = stdout.String(), stderr.String()
	return out
}
