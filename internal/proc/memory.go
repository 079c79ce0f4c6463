package proc

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Memory is what Linux's /proc/PID/status says of a process's memory, in
// bytes.
type Memory struct {
	RSS  int64 // VmRSS: resident now
	Anon int64 // RssAnon: of which anonymous memory (the heap, stacks)
	File int64 // RssFile: of which mapped files
	HWM  int64 // VmHWM: the largest RSS so far
}

func (m Memory) String() string {
	return fmt.Sprintf("VmRSS %.1f MiB (RssAnon %.1f, RssFile %.1f), VmHWM %.1f MiB",
		float64(m.RSS)/(1<<20), float64(m.Anon)/(1<<20), float64(m.File)/(1<<20), float64(m.HWM)/(1<<20))
}

// ReadMemory reads the memory of process pid from /proc (Linux only).
func ReadMemory(pid int) (Memory, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return Memory{}, err
	}
	var m Memory
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 || f[2] != "kB" {
			continue
		}
		kb, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			m.RSS = kb << 10
		case "RssAnon:":
			m.Anon = kb << 10
		case "RssFile:":
			m.File = kb << 10
		case "VmHWM:":
			m.HWM = kb << 10
		}
	}
	return m, nil
}
