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
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/secretstore-go/secretstore"
	"github.com/secretstore-go/secretstore/internal/testutil"
)

// The tests that need a real process (signals, a kill -9, a folder locked
// by another process) run this test binary as the secretstore binary: with
// runMainEnv set, TestMain runs main instead of the tests, so no second
// binary is linked. (BenchmarkServeFootprint measures the real binary:
// see realBinary.)
const runMainEnv = "SECRETSTORE_TEST_RUN_MAIN"

// binary is the program those tests run: this test binary.
var binary = os.Args[0]

func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == goRotatorArg {
		os.Exit(goRotator())
	}
	if os.Getenv(runMainEnv) == "1" {
		main()
		return
	}
	testutil.SetParallel()
	code := m.Run()
	if realBuild.path != "" {
		os.RemoveAll(filepath.Dir(realBuild.path))
	}
	os.Exit(code)
}

// realBinary returns the secretstore binary itself, built once, for the
// benchmark that measures its memory, and for TestServeFootprintOnDisk
// under the race detector.
func realBinary(tb testing.TB) string {
	tb.Helper()
	realBuild.once.Do(func() {
		dir, err := os.MkdirTemp("", "secretstore-bin-")
		if err != nil {
			realBuild.err = err
			return
		}
		realBuild.path = filepath.Join(dir, "secretstore")
		if out, err := exec.Command("go", "build", "-o", realBuild.path, ".").CombinedOutput(); err != nil {
			realBuild.err = fmt.Errorf("building the binary: %v\n%s", err, out)
		}
	})
	if realBuild.err != nil {
		tb.Fatal(realBuild.err)
	}
	return realBuild.path
}

var realBuild struct {
	once sync.Once
	path string
	err  error
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
// and stdin as standard input. A serve must name its address (--addr
// 127.0.0.1:0): no test binds a fixed port.
func runCLI(t *testing.T, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	if len(args) > 0 && args[0] == "serve" && !slices.Contains(args, "--addr") {
		t.Fatalf("secretstore %s: a test gives serve --addr 127.0.0.1:0, not the default port", strings.Join(args, " "))
	}
	run := func() result {
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
	r := run()
	// Under an emulator a child another test starts may hold a data
	// folder's lock for a moment after this process closed it
	// (testutil.ForkWindow): a command that found it in use runs again.
	for deadline := time.Now().Add(testutil.ForkWindow()); r.code == exitError && inUse.MatchString(r.stderr) && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		r = run()
	}
	return r
}

// openAgain opens the data folder of o, which this process (a command run
// in-process) may have just let go of: under an emulator a child another
// test starts may hold its lock for a moment (testutil.ForkWindow).
func openAgain(o secretstore.Options) (*secretstore.Store, error) {
	return testutil.OpenAgain(func() (*secretstore.Store, error) { return secretstore.Open(context.Background(), o) }, secretstore.ErrDataFolderInUse)
}

// inUse matches the messages of a command that found its data folder in
// use (serve.go's openError, maintenance.go, and ErrDataFolderInUse itself,
// which restore reports with the folder after it).
var inUse = regexp.MustCompile(`the data folder (\S+ )?is in use( by another process|: another| —)`)

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

// syncBuffer is a bytes.Buffer safe for one writer and concurrent readers,
// which tells waiting readers when it grows.
type syncBuffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	written chan struct{} // closed at the next Write, then replaced
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.written != nil {
		close(s.written)
		s.written = nil
	}
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// next returns what the buffer holds and a channel closed at its next
// Write.
func (s *syncBuffer) next() (string, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.written == nil {
		s.written = make(chan struct{})
	}
	return s.b.String(), s.written
}

// await returns the first match of re in what the buffer holds, waiting for
// writes until it matches, exited is closed (a nil match), or limit passes
// (a nil match).
func (s *syncBuffer) await(re *regexp.Regexp, exited <-chan struct{}, limit time.Duration) []string {
	timer := time.NewTimer(limit)
	defer timer.Stop()
	for {
		text, written := s.next()
		if m := re.FindStringSubmatch(text); m != nil {
			return m
		}
		select {
		case <-written:
		case <-exited:
			if m := re.FindStringSubmatch(s.String()); m != nil {
				return m
			}
			return nil
		case <-timer.C:
			return nil
		}
	}
}

var listeningRE = regexp.MustCompile(`msg=listening addr=(\S+)`)

// waitListening waits until log shows the address the server listens on and
// returns its URL.
func waitListening(t *testing.T, log *syncBuffer, exited <-chan struct{}) string {
	t.Helper()
	m := log.await(listeningRE, exited, 30*time.Second)
	if m == nil {
		select {
		case <-exited:
			t.Fatalf("the server exited before listening:\n%s", log)
		default:
		}
		t.Fatalf("the server did not log its address:\n%s", log)
	}
	return "http://" + m[1]
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
	home, dir := t.TempDir(), t.TempDir()
	log := &syncBuffer{}
	cmd, err := testutil.Start(func() *exec.Cmd {
		cmd := testutil.Command(binary, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
		cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, runMainEnv + "=1"}, env...)
		cmd.Dir = dir // the default ./secretstore-data lands here, not in the source tree
		cmd.Stdout, cmd.Stderr = log, log
		return cmd
	})
	if err != nil {
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
	return startInProcessWith(t, nil, env, args...)
}

// startInProcessWith is startInProcess with the cli set up further by
// setup, if not nil (a test's hooks: onListen, wait).
func startInProcessWith(t *testing.T, setup func(*cli), env map[string]string, args ...string) *server {
	t.Helper()
	// Under an emulator a child another test starts may hold the data
	// folder's lock for a moment after this process closed it
	// (testutil.ForkWindow): a serve that found it in use runs again.
	deadline := time.Now().Add(testutil.ForkWindow())
	for {
		ctx, cancel := context.WithCancel(context.Background())
		log := &syncBuffer{}
		c := &cli{
			stdin:  strings.NewReader(""),
			stdout: log,
			stderr: log,
			getenv: func(k string) string { return env[k] },
		}
		if setup != nil {
			setup(c)
		}
		exited := make(chan struct{})
		code := 0
		go func() {
			defer close(exited)
			code = c.run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...))
		}()
		if m := log.await(listeningRE, exited, 30*time.Second); m == nil && inUse.MatchString(log.String()) && time.Now().Before(deadline) {
			cancel()
			<-exited
			time.Sleep(20 * time.Millisecond)
			continue
		}
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

// newAWSCLI returns the AWS CLI for a test, which ignores what the user has
// configured (us-east-1, JSON output, no retries, no instance metadata), or
// skips the test.
func newAWSCLI(t *testing.T) *testutil.AWSCLI {
	t.Helper()
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	return testutil.NewAWSCLI(t, append(env, "AWS_DEFAULT_REGION=us-east-1", "AWS_REGION=us-east-1",
		"AWS_CONFIG_FILE="+os.DevNull, "AWS_SHARED_CREDENTIALS_FILE="+os.DevNull, "AWS_EC2_METADATA_DISABLED=true",
		"AWS_PAGER=", "AWS_DEFAULT_OUTPUT=json", "AWS_MAX_ATTEMPTS=1", "AWS_RETRY_MODE=standard"))
}
