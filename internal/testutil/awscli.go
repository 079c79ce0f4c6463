package testutil

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
)

//go:embed awscli.py
var awsCLIScript string

// AWSCLI runs AWS CLI command lines for a test. Where python3 has the
// CLI's package (awscli), every command line runs in one Python process
// (awscli.py, the CLI's own driver) that every AWSCLI of the test binary
// shares, which saves the half second of CPU a Python start with the CLI's
// imports costs; otherwise each runs the aws program. Its methods may be
// called from several goroutines: the command lines run one at a time.
type AWSCLI struct {
	env    []string // the environment of every command line
	driver *cliDriver
	aws    string // the aws program, without a Python process
}

// cliDriver is the Python process running awscli.py. Each command line
// brings its whole environment, so one process serves every AWSCLI.
type cliDriver struct {
	mu  sync.Mutex // one command line at a time
	in  io.Writer
	out *bufio.Reader
}

// sharedDriver starts the test binary's cliDriver once (each command line
// brings its own environment); it ends when the test binary does, which
// closes its standard input.
var sharedDriver = sync.OnceValues(func() (*cliDriver, error) {
	python, ok := pythonHas("awscli")
	if !ok {
		return nil, nil
	}
	cmd := exec.Command(python, "-c", awsCLIScript)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") { // the command lines bring theirs
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go cmd.Wait() // reaps it if it ends first
	return &cliDriver{in: in, out: bufio.NewReader(out)}, nil
})

// NewAWSCLI returns an AWSCLI whose command lines run with env as their
// whole environment (plus what Run adds), or skips tb when the AWS CLI is
// not installed.
func NewAWSCLI(tb testing.TB, env []string) *AWSCLI {
	tb.Helper()
	d, err := sharedDriver()
	if err != nil {
		tb.Fatalf("starting the AWS CLI's driver: %v", err)
	}
	if d != nil {
		return &AWSCLI{env: env, driver: d}
	}
	path, err := exec.LookPath("aws")
	if err != nil {
		tb.Skip("the AWS CLI is not installed")
	}
	return &AWSCLI{env: env, aws: path}
}

// Run runs "aws args..." with env (KEY=VALUE) added to the environment,
// and returns what it printed and its exit status (non-zero for an error,
// as the aws program's).
func (c *AWSCLI) Run(env []string, args ...string) (stdout, stderr string, code int, err error) {
	if c.driver == nil {
		cmd := exec.Command(c.aws, args...)
		cmd.Env = append(append([]string(nil), c.env...), env...)
		var o, e bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &e
		err := cmd.Run()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return o.String(), e.String(), exit.ExitCode(), nil
		}
		return o.String(), e.String(), 0, err
	}
	req := struct {
		Args []string          `json:"args"`
		Env  map[string]string `json:"env"`
	}{Args: args, Env: map[string]string{}}
	for _, kv := range append(append([]string(nil), c.env...), env...) {
		k, v, _ := strings.Cut(kv, "=")
		req.Env[k] = v
	}
	b, err := json.Marshal(req)
	if err != nil {
		return "", "", 0, err
	}
	c.driver.mu.Lock()
	defer c.driver.mu.Unlock()
	if _, err := c.driver.in.Write(append(b, '\n')); err != nil {
		return "", "", 0, err
	}
	line, err := c.driver.out.ReadBytes('\n')
	if err != nil {
		return "", "", 0, err
	}
	var ans struct {
		Code   int    `json:"code"`
		Stdout string `json:"stdout"`
		Stderr string `json:"stderr"`
	}
	if err := json.Unmarshal(line, &ans); err != nil {
		return "", "", 0, err
	}
	return ans.Stdout, ans.Stderr, ans.Code, nil
}
