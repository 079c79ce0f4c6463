package main

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServeBindsBeforeCreatingAnything: serve on a busy port fails before
// it makes the data folder or a master key, and suggests --addr.
func TestServeBindsBeforeCreatingAnything(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	tests := []struct {
		name string
		args []string
	}{
		{"new folder", []string{"--data", filepath.Join(t.TempDir(), "fresh")}},
		{"new folder, test mode", []string{"--data", filepath.Join(t.TempDir(), "fresh"), "--test-mode"}},
		{"in memory", []string{"--memory"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, nil, "", append([]string{"serve", "--addr", busy.Addr().String()}, tt.args...)...)
			if r.code != exitError || !strings.Contains(r.stderr, "listening on "+busy.Addr().String()) ||
				!strings.Contains(r.stderr, "choose another address with --addr") {
				t.Errorf("exit %d, %q; want exit 1 and a message suggesting --addr", r.code, r.stderr)
			}
			if strings.Contains(r.stderr, "generated a new master key") {
				t.Errorf("a key was generated before the bind failed:\n%s", r.stderr)
			}
			if tt.args[0] == "--data" {
				if _, err := os.Stat(tt.args[1]); !os.IsNotExist(err) {
					t.Errorf("the data folder was created although the bind failed: %v", err)
				}
			}
		})
	}
}

// TestListenMessage: a busy port is named as such, once, and 4566 as
// LocalStack's; no test binds 4566 itself.
func TestListenMessage(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	inUse := &net.OpError{Op: "listen", Net: "tcp", Err: os.NewSyscallError("bind", syscall.EADDRINUSE)}
	const choose = "choose another address with --addr HOST:PORT (port 0 picks a free one)"
	for _, tt := range []struct {
		addr string
		err  error // nil: listen's own
		want string
	}{
		{busy.Addr().String(), nil, "another program listens there; stop it or " + choose},
		{"127.0.0.1:notaport", nil, choose},
		{"127.0.0.1:4566", inUse, "listening on 127.0.0.1:4566: listen tcp: bind: address already in use; another program listens there (4566 is also LocalStack's port); stop it or " + choose},
		{"127.0.0.1:8080", inUse, "listening on 127.0.0.1:8080: listen tcp: bind: address already in use; another program listens there; stop it or " + choose},
	} {
		err := tt.err
		if err == nil {
			ln, lerr := listen(tt.addr)
			if lerr == nil {
				ln.Close()
				t.Errorf("listen(%s) succeeded", tt.addr)
				continue
			}
			err = lerr
		} else {
			err = listenError(tt.addr, err)
		}
		if msg := err.Error(); !strings.HasSuffix(msg, tt.want) || strings.Count(msg, "stop it") > 1 || strings.Count(msg, "another program") > 1 {
			t.Errorf("listening on %s: %q; want it to end %q, each part once", tt.addr, msg, tt.want)
		}
		if !errors.Is(err, syscall.EADDRINUSE) && tt.err != nil {
			t.Errorf("listening on %s: %v does not match EADDRINUSE", tt.addr, err)
		}
	}
}

// TestClientOnFreshFolder: the first client command on a new or empty
// folder creates it and its master key, with serve's warning; a folder that
// holds other files, or a database without its key, is refused.
func TestClientOnFreshFolder(t *testing.T) {
	t.Parallel()
	const warning = "generated a new master key beside the data"
	tests := []struct {
		name    string
		prepare func(dir string) // makes the folder's starting state
		args    []string
		stdin   string
		code    int
		stderr  string // what stderr must contain
		keyFile bool   // whether DATA/master.key exists afterwards
	}{
		{"put on a new folder", func(string) {}, []string{"put", "a/b"}, "v\n", exitOK, warning, true},
		{"get on an empty folder", func(d string) { os.Mkdir(d, 0o700) }, []string{"get", "a/b"}, "", exitError, warning, true},
		{"get on a new folder", func(string) {}, []string{"get", "a/b"}, "", exitError, "there is no data folder", false},
		{"put on a folder with other files", func(d string) {
			os.Mkdir(d, 0o700)
			os.WriteFile(filepath.Join(d, "notes.txt"), []byte("x"), 0o600)
		}, []string{"put", "a/b"}, "v\n", exitError, "no master key for", false},
		{"put on a database without its key", func(d string) {
			mustRun(t, map[string]string{masterKeyEnv: testKeyB64}, "v", "put", "x", "--data", d)
		}, []string{"put", "a/b"}, "v\n", exitError, "no master key for", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := filepath.Join(t.TempDir(), "data")
			tt.prepare(data)
			r := runCLI(t, nil, tt.stdin, append(tt.args, "--data", data)...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.stderr) {
				t.Fatalf("exit %d, stderr %q; want exit %d and %q", r.code, r.stderr, tt.code, tt.stderr)
			}
			if _, err := os.Stat(filepath.Join(data, keyFileName)); (err == nil) != tt.keyFile {
				t.Fatalf("master.key exists: %v, want %v", err == nil, tt.keyFile)
			}
			if !tt.keyFile {
				return
			}
			if fi, err := os.Stat(data); err != nil || fi.Mode().Perm() != 0o700 {
				t.Errorf("data folder: %v, %v; want mode 0700", fi, err)
			}
			// The key is found the next time, without a new warning.
			r = runCLI(t, nil, "w\n", "put", "a/b", "--data", data)
			if r.code != exitOK || strings.Contains(r.stderr, "master key") {
				t.Errorf("second command: exit %d, %q", r.code, r.stderr)
			}
			if out := mustRun(t, nil, "", "get", "a/b", "--data", data); out != "w\n" {
				t.Errorf("get = %q", out)
			}
		})
	}
}

// TestIsTerminal: only a terminal counts; /dev/null, a file and a pipe do not.
func TestIsTerminal(t *testing.T) {
	t.Parallel()
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	file, err := os.Create(filepath.Join(t.TempDir(), "f"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	tests := []struct {
		name string
		v    any
		want bool
	}{
		{"/dev/null", devNull, false},
		{"a regular file", file, false},
		{"a pipe", pr, false},
		{"a reader that is no file", strings.NewReader(""), false},
		{"nil", nil, false},
	}
	if ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0); err == nil {
		defer ptmx.Close()
		tests = append(tests, struct {
			name string
			v    any
			want bool
		}{"a pseudo-terminal", ptmx, true})
	}
	for _, tt := range tests {
		if got := isTerminal(tt.v); got != tt.want {
			t.Errorf("isTerminal(%s) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestPutFromDevNullDoesNotPrompt is `secretstore put x < /dev/null`.
func TestPutFromDevNullDoesNotPrompt(t *testing.T) {
	t.Parallel()
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	var stdout, stderr syncBuffer
	c := &cli{stdin: devNull, stdout: &stdout, stderr: &stderr, getenv: func(k string) string { return map[string]string{masterKeyEnv: testKeyB64}[k] }}
	code := c.run(t.Context(), []string{"put", "x", "--data", filepath.Join(t.TempDir(), "d")})
	if strings.Contains(stderr.String(), "Type the value") {
		t.Errorf("put from /dev/null prompted: %q", stderr.String())
	}
	if code != exitOK && code != exitError {
		t.Errorf("exit %d: %s", code, stderr.String())
	}
}

// TestFolderInUseNamesTheServersAddress: a client command on a folder a
// server holds names the address that server listens on.
func TestFolderInUseNamesTheServersAddress(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "data")
	srv := startProcess(t, []string{masterKeyEnv + "=" + testKeyB64}, "--data", data, "--quiet")
	env := map[string]string{masterKeyEnv: testKeyB64}
	r := runCLI(t, env, "", "list", "--data", data)
	if want := "aws --endpoint-url " + srv.URL + " secretsmanager"; r.code != exitError || !strings.Contains(r.stderr, want) {
		t.Errorf("list on a folder in use: exit %d, %q; want %q", r.code, r.stderr, want)
	}
	r = runCLI(t, env, "", "backup", filepath.Join(t.TempDir(), "b"), "--data", data)
	if want := "--endpoint-url " + srv.URL; r.code != exitError || !strings.Contains(r.stderr, want) {
		t.Errorf("backup of a folder in use: exit %d, %q; want %q", r.code, r.stderr, want)
	}
	if code := srv.stop(); code != 0 {
		t.Fatalf("exit %d:\n%s", code, srv.log)
	}
	if _, err := os.Stat(filepath.Join(data, addrFileName)); !os.IsNotExist(err) {
		t.Errorf("the address file is still there after the server stopped: %v", err)
	}
	mustRun(t, env, "", "list", "--data", data) // and the folder is usable
}

// TestRunningServerURL reads the address file, and only trusts an address
// that answers.
func TestRunningServerURL(t *testing.T) {
	t.Parallel()
	live, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadURL := "http://" + dead.Addr().String()
	dead.Close()
	liveURL := "http://" + live.Addr().String()
	tests := []struct {
		name    string
		content string // "" for no file
		want    string
		hint    string
	}{
		{"no file", "", "", "http://<the server's address>"},
		{"a live address", liveURL + "\n", liveURL, liveURL},
		{"a server that is gone", deadURL + "\n", "", "<the server's address>"},
		{"garbage", "::not a url", "", "<the server's address>"},
	}
	for _, tt := range tests {
		dir := t.TempDir()
		if tt.content != "" {
			os.WriteFile(filepath.Join(dir, addrFileName), []byte(tt.content), 0o600)
		}
		if got := runningServerURL(dir); got != tt.want {
			t.Errorf("%s: runningServerURL = %q, want %q", tt.name, got, tt.want)
		}
		if got := awsCLIHint(dir); !strings.Contains(got, tt.hint) {
			t.Errorf("%s: awsCLIHint = %q, want it to contain %q", tt.name, got, tt.hint)
		}
	}
}

// TestServeTestModeFlagNamedAndRealTime: without --test-mode the control
// endpoints name the flag; with it, {"set":"now"} and reset return a moved
// clock to the real time, and the clock may go backwards.
func TestServeTestModeFlagNamedAndRealTime(t *testing.T) {
	t.Parallel()
	plain := startInProcess(t, nil, "--memory", "--quiet")
	if status, body := post(t, plain.URL+"/_secretstore/clock", `{}`); status != http.StatusNotFound || !strings.Contains(body, "serve --test-mode") {
		t.Errorf("without --test-mode: %d %s; want 404 naming --test-mode", status, body)
	}

	srv := startInProcess(t, nil, "--memory", "--quiet", "--test-mode")
	clock := func(body string) time.Time {
		t.Helper()
		status, resp := post(t, srv.URL+"/_secretstore/clock", body)
		var out struct{ Now time.Time }
		if err := json.Unmarshal([]byte(resp), &out); status != http.StatusOK || err != nil {
			t.Fatalf("clock %s: %d %s", body, status, resp)
		}
		return out.Now
	}
	near := func(what string, got, want time.Time) {
		t.Helper()
		if d := got.Sub(want); d < -time.Minute || d > time.Minute {
			t.Errorf("%s: the clock reads %v, want about %v", what, got, want)
		}
	}
	tests := []struct {
		name string
		do   func() time.Time // returns the clock afterwards
		want func() time.Time
	}{
		{"advance a month", func() time.Time { return clock(`{"advance":"720h"}`) }, func() time.Time { return time.Now().Add(720 * time.Hour) }},
		{"set now", func() time.Time { return clock(`{"set":"now"}`) }, time.Now},
		{"backwards", func() time.Time { return clock(`{"advance":"-48h"}`) }, func() time.Time { return time.Now().Add(-48 * time.Hour) }},
		{"set in the past", func() time.Time { return clock(`{"set":"2001-01-01T00:00:00Z"}`) }, func() time.Time { return time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC) }},
		{"reset", func() time.Time {
			if status, body := post(t, srv.URL+"/_secretstore/reset", ``); status != http.StatusOK {
				t.Fatalf("reset: %d %s", status, body)
			}
			return clock(`{}`)
		}, time.Now},
	}
	for _, tt := range tests {
		near(tt.name, tt.do(), tt.want())
	}
}
