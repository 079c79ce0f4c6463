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
// (awscli.py, the CLI's own driver), which saves the second or so a Python
// start with botocore costs; otherwise each runs the aws program. Its
// methods may be called from several goroutines: the command lines run one
// at a time.
type AWSCLI struct {
	env []string // the environment of every command line

	mu    sync.Mutex
	batch *exec.Cmd // the Python process, nil without one
	in    io.WriteCloser
	out   *bufio.Reader
	aws   string // the aws program, without a Python process
}

// NewAWSCLI returns an AWSCLI whose command lines run with env as their
// whole environment (plus what Run adds), or skips tb when the AWS CLI is
// not installed. The Python process ends when tb ends.
func NewAWSCLI(tb testing.TB, env []string) *AWSCLI {
	tb.Helper()
	c := &AWSCLI{env: env}
	if python, ok := pythonHas("awscli"); ok {
		cmd := exec.Command(python, "-c", awsCLIScript)
		cmd.Env = env
		cmd.Stderr = os.Stderr
		in, err := cmd.StdinPipe()
		if err != nil {
			tb.Fatal(err)
		}
		out, err := cmd.StdoutPipe()
		if err != nil {
			tb.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			tb.Fatal(err)
		}
		c.batch, c.in, c.out = cmd, in, bufio.NewReader(out)
		tb.Cleanup(func() {
			in.Close()
			cmd.Wait()
		})
		return c
	}
	path, err := exec.LookPath("aws")
	if err != nil {
		tb.Skip("the AWS CLI is not installed")
	}
	c.aws = path
	return c
}

// Run runs "aws args..." with env (KEY=VALUE) added to the environment,
// and returns what it printed and its exit status (non-zero for an error,
// as the aws program's).
func (c *AWSCLI) Run(env []string, args ...string) (stdout, stderr string, code int, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.batch == nil {
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
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		req.Env[k] = v
	}
	b, err := json.Marshal(req)
	if err != nil {
		return "", "", 0, err
	}
	if _, err := c.in.Write(append(b, '\n')); err != nil {
		return "", "", 0, err
	}
	line, err := c.out.ReadBytes('\n')
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
