package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/secretstore-go/secretstore/internal/testutil"
)

// binary is the secretstore binary TestMain builds, for the tests that need
// a real process (signals, a folder locked by another process).
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "secretstore-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "secretstore")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "building the binary: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// testKey is a valid master key, and testKeyB64 its base64.
var (
	testKey    = bytes.Repeat([]byte{7}, 32)
	testKeyB64 = base64.StdEncoding.EncodeToString(testKey)
)

// result is what a command printed and its exit status.
type result struct {
	stdout, stderr string
	code           int
}

// runCLI runs a command line in-process, with env as the whole environment
// and stdin as standard input.
func runCLI(t *testing.T, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	c := &cli{
		stdin:  strings.NewReader(stdin),
		stdout: &stdout,
		stderr: &stderr,
		getenv: func(k string) string { return env[k] },
	}
	code := c.run(t.Context(), args)
	return result{stdout.String(), stderr.String(), code}
}

// mustRun runs a command line in-process and fails the test unless it
// succeeds.
func mustRun(t *testing.T, env map[string]string, stdin string, args ...string) string {
	t.Helper()
	r := runCLI(t, env, stdin, args...)
	if r.code != 0 {
		t.Fatalf("secretstore %s: exit %d\n%s", strings.Join(args, " "), r.code, r.stderr)
	}
	return r.stdout
}

// syncBuffer is a bytes.Buffer safe for one writer and concurrent readers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var listeningRE = regexp.MustCompile(`msg=listening addr=(\S+)`)

// waitListening waits until log shows the address the server listens on and
// returns its URL.
func waitListening(t *testing.T, log *syncBuffer, exited <-chan struct{}) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if m := listeningRE.FindStringSubmatch(log.String()); m != nil {
			return "http://" + m[1]
		}
		select {
		case <-exited:
			t.Fatalf("the server exited before listening:\n%s", log)
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("the server did not log its address:\n%s", log)
	return ""
}

// server is a running "secretstore serve".
type server struct {
	URL  string
	dir  string // the working folder of a server process
	log  *syncBuffer
	stop func() int // stops the server and returns its exit status
	kill func()     // kills a server process (SIGKILL) and waits for it to end
}

// startProcess runs the binary's serve in a process with env added to a
// minimal environment; the test stops it with SIGTERM through stop, or in
// cleanup.
func startProcess(t *testing.T, env []string, args ...string) *server {
	t.Helper()
	cmd := testutil.Command(binary, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
	dir := t.TempDir()
	cmd.Dir = dir // the default ./secretstore-data lands here, not in the source tree
	log := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	var once sync.Once
	stop := func() int {
		once.Do(func() {
			cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-exited:
			case <-time.After(20 * time.Second):
				cmd.Process.Kill()
				<-exited
				t.Errorf("the server did not stop within 20s of SIGTERM:\n%s", log)
			}
		})
		return cmd.ProcessState.ExitCode()
	}
	t.Cleanup(func() { stop() })
	kill := func() {
		once.Do(func() {
			cmd.Process.Kill()
			<-exited
		})
	}
	return &server{URL: waitListening(t, log, exited), dir: dir, log: log, stop: stop, kill: kill}
}

// startInProcess runs serve in-process with env as the whole environment;
// stop cancels its context, as a signal would.
func startInProcess(t *testing.T, env map[string]string, args ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	log := &syncBuffer{}
	c := &cli{
		stdin:  strings.NewReader(""),
		stdout: log,
		stderr: log,
		getenv: func(k string) string { return env[k] },
	}
	exited := make(chan struct{})
	code := 0
	go func() {
		defer close(exited)
		code = c.run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...))
	}()
	var once sync.Once
	stop := func() int {
		once.Do(func() {
			cancel()
			<-exited
		})
		return code
	}
	t.Cleanup(func() { stop() })
	return &server{URL: waitListening(t, log, exited), log: log, stop: stop}
}

// sdkClient returns an AWS SDK client for url that signs with the given
// keys, in region us-east-1, and does not retry.
func sdkClient(url, accessKeyID, secretAccessKey string) *secretsmanager.Client {
	return testutil.SDKClient(url, "us-east-1", testutil.WithCredentials(accessKeyID, secretAccessKey, ""))
}

// post sends body to url and returns the status and the response body.
func post(t *testing.T, url, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}
