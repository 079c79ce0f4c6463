package proc

import (
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
)

func TestGroup(t *testing.T) {
	t.Parallel()
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep program")
	}
	var g Group
	p, err := g.Start(exec.Command(sleep, "60"))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Kill(); err != nil {
		t.Errorf("Kill of a running process: %v", err)
	}
	if err := p.Kill(); err == nil || !strings.Contains(err.Error(), "ended before it was killed") {
		t.Errorf("a second Kill: %v, want an error", err)
	}

	q, err := g.Start(exec.Command(sleep, "60"))
	if err != nil {
		t.Fatal(err)
	}
	g.KillAll()
	<-q.Done // KillAll killed it
	if _, err := g.Start(exec.Command(sleep, "60")); err == nil {
		t.Error("Start after KillAll started a process")
	}
	if n := len(g.running); n != 0 {
		t.Errorf("%d processes still listed", n)
	}
}

func TestKillOfAProcessThatEndedByItself(t *testing.T) {
	t.Parallel()
	tr, err := exec.LookPath("true")
	if err != nil {
		t.Skip("no true program")
	}
	var g Group
	p, err := g.Start(exec.Command(tr))
	if err != nil {
		t.Fatal(err)
	}
	<-p.Done
	if err := p.Kill(); err == nil {
		t.Error("Kill of a process that had ended said nothing")
	}
}

func TestReadMemory(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	m, err := ReadMemory(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if m.RSS <= 0 || m.Anon <= 0 || m.HWM < m.RSS || m.Anon+m.File > m.RSS+(1<<20) {
		t.Errorf("memory of this process: %v (%+v)", m, m)
	}
	if _, err := ReadMemory(-1); err == nil {
		t.Error("ReadMemory of no process: no error")
	}
}
