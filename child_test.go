package secretstore

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/secretstore-go/secretstore/internal/testutil"
)

// runChild runs the test named test in a child process of this test
// binary with env added, for at most limit. With kill it waits until the
// child prints "ready to be killed" and kills it (SIGKILL); otherwise it
// waits for the child to end, and fails if the child failed. It returns
// what the child printed.
func runChild(tb testing.TB, test string, env []string, kill bool, limit time.Duration) string {
	tb.Helper()
	cmd := testutil.Command(os.Args[0], "-test.run=^"+test+"$", "-test.v", fmt.Sprintf("-test.timeout=%s", limit))
	cmd.Env = append(os.Environ(), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	var out strings.Builder
	ready := make(chan struct{}, 1) // holds a value once the child is ready to be killed
	done := make(chan struct{})     // closed when its output has ended
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			out.WriteString(sc.Text() + "\n")
			if kill && strings.Contains(sc.Text(), "ready to be killed") {
				select {
				case ready <- struct{}{}:
				default:
				}
			}
		}
	}()
	// end kills the child unless it is to run to its end, waits for it and
	// its output, and returns its exit error.
	end := func(killIt bool) error {
		if killIt {
			cmd.Process.Kill()
		}
		<-done // Wait closes the pipe: every read must be over first
		return cmd.Wait()
	}
	timer := time.NewTimer(limit)
	defer timer.Stop()
	select {
	case <-ready:
		end(true)
	case <-done:
		err := end(false)
		switch {
		case kill && len(ready) == 0:
			tb.Fatalf("the child ended (%v) before it was ready to be killed:\n%s", err, out.String())
		case !kill && err != nil:
			tb.Fatalf("the child failed: %v\n%s", err, out.String())
		}
	case <-timer.C:
		end(true)
		tb.Fatalf("the child did not finish in %s:\n%s", limit, out.String())
	}
	return out.String()
}
