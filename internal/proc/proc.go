// Package proc starts the processes of the harness programs (tests/crash,
// tests/damage, tests/memload) and kills them, so that none outlives the
// program that started it, and reads a process's memory (ReadMemory) for
// them and for the footprint tests.
package proc

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
)

// A Group is the processes a program started and has not yet seen end.
// The zero Group is ready to use.
type Group struct {
	mu      sync.Mutex
	running map[*os.Process]bool
	closed  bool
}

// A Proc is a process a Group started.
type Proc struct {
	Cmd  *exec.Cmd
	Done chan struct{} // closed once it has ended and been waited for
	Err  error         // Wait's error, once Done is closed
}

// Start starts cmd, where the OS can with a death signal that kills it if
// this program dies, and watches it. It fails once KillAll has run.
func (g *Group) Start(cmd *exec.Cmd) (*Proc, error) {
	SetDeathSignal(cmd)
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return nil, errors.New("shutting down")
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	if g.running == nil {
		g.running = map[*os.Process]bool{}
	}
	g.running[cmd.Process] = true
	p := &Proc{Cmd: cmd, Done: make(chan struct{})}
	go func() {
		p.Err = cmd.Wait()
		g.mu.Lock()
		delete(g.running, cmd.Process)
		g.mu.Unlock()
		close(p.Done)
	}()
	return p, nil
}

// Kill sends SIGKILL (kill -9) to p and waits for it to end. It is an
// error if p had already ended by itself.
func (p *Proc) Kill() error {
	select {
	case <-p.Done:
		return fmt.Errorf("%s ended before it was killed: %v", p.Cmd.Path, p.Err)
	default:
	}
	killErr := p.Cmd.Process.Kill()
	<-p.Done
	if st := p.Cmd.ProcessState; st != nil && st.ExitCode() != -1 {
		return fmt.Errorf("%s ended by itself (%v) before it was killed", p.Cmd.Path, st)
	}
	return killErr
}

// KillAll kills every process of g still running and stops g from
// starting new ones.
func (g *Group) KillAll() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.closed = true
	for p := range g.running {
		p.Kill()
	}
}
