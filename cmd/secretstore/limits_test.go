package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/secretstore-go/secretstore/internal/testutil"
)

// apiRequest returns a whole HTTP/1.1 request for operation with body.
func apiRequest(operation, body string) string {
	return "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.1\r\n" +
		"X-Amz-Target: secretsmanager." + operation + "\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
}

// plainClient sends each request on a new connection.
var plainClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}

// plainListSecrets sends one ListSecrets request on a new connection.
func plainListSecrets(url string) error {
	return unsignedCall(plainClient, url, "ListSecrets", `{}`)
}

// unsignedCall makes one unsigned call of operation op with body at url
// (serve without --access-key-id accepts it), through c, and fails unless
// the answer is 200 OK.
func unsignedCall(c *http.Client, url, op, body string) error {
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "secretsmanager."+op)
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s %s", op, resp.Status, answer)
	}
	return nil
}

// closedBy reads conn until the server closes it, and reports how long
// after start that happened; it fails the test if conn is still open at
// deadline. It returns the bytes read. When the test itself comes after
// deadline (a loaded machine), conn must be closed by then: a read with
// the deadline passed would fail at once without looking.
func closedBy(t *testing.T, what string, conn net.Conn, start, deadline time.Time) int64 {
	t.Helper()
	if late := time.Now().Add(100 * time.Millisecond); late.After(deadline) {
		deadline = late
	}
	conn.SetReadDeadline(deadline)
	n, err := io.Copy(io.Discard, conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Errorf("%s: still open %v after it started", what, deadline.Sub(start))
	}
	return n
}

// TestServeClosesSlowAndIdleClients starts serve with short timeouts and
// opens clients that hold connections without using them: slow headers,
// a slow body, idle keep-alive connections, and pipelined reads of a 64 KiB
// value whose answers are never read. The server closes each within its
// timeout, and serves normal requests meanwhile.
func TestServeClosesSlowAndIdleClients(t *testing.T) {
	t.Parallel()
	// Under an emulator whose CPU the other packages' tests share, a
	// whole request written at once was not read within a second (the
	// server closed the keep-alive client's connection by its read
	// timeout before answering, in a run under qemu-aarch64-static).
	timeout := time.Second
	if testutil.Emulator() != "" {
		timeout = 3 * time.Second
	}
	var ln *limitListener
	srv := startInProcessWith(t, func(c *cli) { c.onListen = func(l *limitListener) { ln = l } }, nil, "--memory", "--quiet", "--read-timeout", timeout.String(),
		"--write-timeout", timeout.String(), "--idle-timeout", timeout.String(), "--max-connections", "100")
	addr := strings.TrimPrefix(srv.URL, "http://")
	big := strings.Repeat("x", 64<<10)
	if _, err := sdkClient(srv.URL, "test", "test").CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{Name: aws.String("big"), SecretString: aws.String(big)}); err != nil {
		t.Fatal(err)
	}

	type client struct {
		what string
		conn net.Conn
		at   time.Time // when it connected: its timeout runs from then
	}
	var clients []client
	dial := func(what, send string) net.Conn {
		t.Helper()
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		if _, err := io.WriteString(conn, send); err != nil {
			t.Fatal(err)
		}
		clients = append(clients, client{what, conn, time.Now()})
		return conn
	}
	start := time.Now()
	for i := range 20 {
		// Slow headers: a request line and one header, then nothing.
		dial(fmt.Sprintf("slow headers %d", i), "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
		// A slow body: the headers, 10 bytes of 1000, then nothing.
		req := apiRequest("ListSecrets", `{"MaxResults":1`+strings.Repeat(" ", 985))
		dial(fmt.Sprintf("slow body %d", i), req[:len(req)-990])
		// Idle keep-alive: one whole request, its answer read, then
		// nothing.
		conn := dial(fmt.Sprintf("idle keep-alive %d", i), apiRequest("ListSecrets", `{}`))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil || resp.StatusCode != http.StatusOK || resp.Close {
			t.Fatalf("the keep-alive client's request: %v %v", resp, err)
		}
		resp.Body.Close()
	}
	// Pipelined reads whose answers are never read: 200 answers of 64 KiB
	// fill the socket buffers (a few MiB), and the server's write blocks.
	const pipelined = 200
	for i := range 2 {
		dial(fmt.Sprintf("pipelining reader %d", i), strings.Repeat(apiRequest("GetSecretValue", `{"SecretId":"big"}`), pipelined))
	}

	// Normal requests are served meanwhile, each at once: one every 20 ms
	// for two timeouts.
	pace := time.NewTicker(20 * time.Millisecond)
	defer pace.Stop()
	for ; time.Since(start) < 2*timeout; <-pace.C {
		t0 := time.Now()
		if err := plainListSecrets(srv.URL); err != nil {
			t.Fatalf("a normal request among the slow clients: %v", err)
		}
		if d := time.Since(t0); d > timeout {
			t.Errorf("a normal request among the slow clients took %v", d)
		}
	}

	// Every slow or idle client is closed within its timeout (and some
	// slack for a loaded machine): none is open 5 timeouts after it
	// started, or 30 s under an emulator, whose CPU the tests of other
	// packages share (a slow body was still open after 9 s there, in a CI
	// run of every package under qemu-aarch64-static).
	slack := 5 * timeout
	if testutil.Emulator() != "" {
		slack = 30 * time.Second
	}
	var pipeliners []client
	for _, c := range clients {
		if strings.HasPrefix(c.what, "pipelining") {
			pipeliners = append(pipeliners, c)
			continue
		}
		closedBy(t, c.what, c.conn, c.at, c.at.Add(slack))
	}
	// A pipelining reader is closed once the server's write has been
	// blocked for the write timeout, after the server has filled the
	// socket buffers with answers, which takes longer on a loaded machine
	// or with the race detector. Reading its answers would unblock the
	// server: wait until the server has no connection open.
	limit := 15 * time.Second
	if testutil.Emulator() != "" {
		limit = time.Minute // each answer is sealed and encoded on an emulated CPU
	}
	deadline := time.NewTimer(time.Until(start.Add(limit)))
	defer deadline.Stop()
	for ln.open() > 0 {
		select {
		case <-ln.closes:
		case <-deadline.C:
			t.Fatalf("the server still has %d connections open %v after the slow clients started", ln.open(), time.Since(start))
		}
	}
	for _, c := range pipeliners {
		if n := closedBy(t, c.what, c.conn, start, time.Now().Add(5*time.Second)); n >= pipelined*int64(len(big)) {
			t.Errorf("%s: read %d bytes, every answer: the server was not stopped by its write timeout", c.what, n)
		}
	}
	if err := plainListSecrets(srv.URL); err != nil {
		t.Errorf("a normal request after the slow clients: %v", err)
	}
}

// TestServeMaxConnections: beyond --max-connections, new connections wait
// unaccepted (no goroutine, no buffer) until one closes.
func TestServeMaxConnections(t *testing.T) {
	const limit = 4
	srv := startInProcess(t, nil, "--memory", "--max-connections", strconv.Itoa(limit), "--idle-timeout", "30s")
	addr := strings.TrimPrefix(srv.URL, "http://")
	var holders []net.Conn
	for range limit {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		io.WriteString(conn, apiRequest("ListSecrets", `{}`))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("a keep-alive connection: %v %v", resp, err)
		}
		resp.Body.Close()
		holders = append(holders, conn)
	}

	// A request beyond the limit waits: the server's accept loop has
	// stopped at the limit (it says so), and nothing takes the request.
	// Its client waits as long as the test needs (plainClient gives up
	// after 5 s, which the 200 connections below can take on an emulated
	// CPU).
	// Its connection is made (in the kernel's accept queue, which is
	// first in, first out) before the 200 below: under an emulator its
	// goroutine once dialled after them, and the connection served when
	// a holder closed was one of theirs.
	answered := make(chan error, 1)
	dialed := make(chan struct{})
	var dialOnce sync.Once
	patient := &http.Client{Transport: &http.Transport{
		DisableKeepAlives: true,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			dialOnce.Do(func() { close(dialed) })
			return conn, err
		},
	}, Timeout: 2 * time.Minute}
	go func() { answered <- unsignedCall(patient, srv.URL, "ListSecrets", `{}`) }()
	waitFor(t, srv.log, "connection limit reached")
	select {
	case <-dialed:
	case <-time.After(time.Minute):
		t.Fatal("the request beyond the limit did not connect")
	}
	select {
	case err := <-answered:
		t.Fatalf("a connection beyond --max-connections %d was served at once (%v)", limit, err)
	default:
	}

	// Many more wait too, without costing the server a goroutine each.
	runtime.GC()
	before := runtime.NumGoroutine()
	var waiting []net.Conn
	for range 200 {
		conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		io.WriteString(conn, apiRequest("GetSecretValue", `{"SecretId":"x"}`))
		waiting = append(waiting, conn)
	}
	// They are in the kernel's accept queue: the accept loop, stopped at
	// the limit, takes none of them.
	if grown := runtime.NumGoroutine() - before; grown > 20 {
		t.Errorf("200 connections beyond the limit added %d goroutines", grown)
	}

	// When a connection closes, the one waiting is served.
	servedWithin := 5 * time.Second
	if testutil.Emulator() != "" {
		servedWithin = time.Minute
	}
	holders[0].Close()
	select {
	case err := <-answered:
		if err != nil {
			t.Errorf("the waiting request, once a connection closed: %v", err)
		}
	case <-time.After(servedWithin):
		t.Fatal("the waiting request was not served after a connection closed")
	}
	for _, c := range waiting {
		c.Close()
	}
	if err := plainListSecrets(srv.URL); err != nil {
		t.Errorf("a request once the waiting clients left: %v", err)
	}
}

func TestServeMaxHeaderBytes(t *testing.T) {
	t.Parallel()
	srv := startInProcess(t, nil, "--memory", "--quiet", "--max-header-bytes", "8192")
	req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(`{}`))
	req.Header.Set("X-Amz-Target", "secretsmanager.ListSecrets")
	req.Header.Set("X-Padding", strings.Repeat("p", 32<<10))
	resp, err := plainClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("32 KiB of headers with --max-header-bytes 8192: %s", resp.Status)
	}
	if err := plainListSecrets(srv.URL); err != nil {
		t.Errorf("a normal request: %v", err)
	}
}

func TestServeLimitFlags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--read-timeout", "0s"}, "--read-timeout must be a positive duration"},
		{[]string{"--write-timeout", "-1s"}, "--write-timeout must be a positive duration"},
		{[]string{"--idle-timeout", "0"}, "--idle-timeout must be a positive duration"},
		{[]string{"--max-header-bytes", "100"}, "--max-header-bytes must be at least 4096"},
		{[]string{"--max-connections", "0"}, "--max-connections must be at least 1"},
		{[]string{"--read-timeout", "soon"}, "invalid value"},
	} {
		r := runCLI(t, nil, "", append([]string{"serve", "--memory", "--addr", "127.0.0.1:0"}, tc.args...)...)
		if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("serve %v: exit %d, %q; want %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
	// The defaults, logged at the start.
	srv := startInProcess(t, nil, "--memory", "--quiet")
	for _, want := range []string{"read_timeout=30s", "write_timeout=30s", "idle_timeout=1m0s", "max_header_bytes=65536", "max_connections=1024"} {
		if !strings.Contains(srv.log.String(), want) {
			t.Errorf("the start log lacks %s:\n%s", want, srv.log)
		}
	}
}

// TestServeTestModeSignedWithCredentials: with --access-key-id, the
// test-control endpoints refuse an unsigned request (nothing changes) and
// accept a signed one; the curl command the README shows works.
func TestServeTestModeSignedWithCredentials(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv := startInProcess(t, map[string]string{masterKeyEnv: testKeyB64}, "--memory", "--quiet", "--test-mode", "--access-key-id", "AKIDGOOD", "--secret-access-key", "good-secret") // a key: backups of a throwaway one are refused
	sm := sdkClient(srv.URL, "AKIDGOOD", "good-secret")
	if _, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("kept"), SecretString: aws.String("v")}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"reset", "clock", "reap"} {
		status, body := post(t, srv.URL+"/_secretstore/"+p, `{"advance":"8760h"}`)
		if status != http.StatusForbidden || !strings.Contains(body, "MissingAuthenticationTokenException") {
			t.Errorf("unsigned POST /_secretstore/%s: %d %s", p, status, body)
		}
	}
	if _, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("kept")}); err != nil {
		t.Errorf("after the unsigned reset: %v", err)
	}

	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("no curl to run the README's signed command with")
	}
	// As in the README.
	out, err := exec.Command(curl, "-sS", "--fail-with-body", "-X", "POST", "--aws-sigv4", "aws:amz:us-east-1:secretsmanager", "--user", "AKIDGOOD:good-secret",
		srv.URL+"/_secretstore/reset").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "{}" {
		t.Fatalf("curl --aws-sigv4 reset: %v\n%s", err, out)
	}
	out, err = exec.Command(curl, "-sS", "--fail-with-body", "--aws-sigv4", "aws:amz:us-east-1:secretsmanager", "--user", "AKIDGOOD:good-secret",
		"-d", `{"advance":"720h"}`, srv.URL+"/_secretstore/clock").CombinedOutput()
	if err != nil || !strings.Contains(string(out), `"now"`) {
		t.Errorf("curl --aws-sigv4 clock: %v\n%s", err, out)
	}
	out, err = exec.Command(curl, "-sS", "--fail-with-body", "--aws-sigv4", "aws:amz:us-east-1:secretsmanager", "--user", "AKIDGOOD:good-secret",
		"-o", os.DevNull, srv.URL+"/_secretstore/backup").CombinedOutput()
	if err != nil {
		t.Errorf("curl --aws-sigv4 backup: %v\n%s", err, out)
	}
	if _, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("kept")}); err == nil {
		t.Errorf("the secret is still there after the signed reset")
	}
}

// TestServeBackupOutlastsTheTimeouts: a backup download that a slow client
// takes longer than the read and write timeouts to read is not cut: the
// stream has its own stall timeout.
func TestServeBackupOutlastsTheTimeouts(t *testing.T) {
	t.Parallel()
	timeout := 200 * time.Millisecond
	if testutil.Emulator() != "" {
		// The timeouts run from the start of the request's read: under an
		// emulator the tests of other packages share, the handler (which
		// lifts them for the stream) once began 200 ms after that, and the
		// server cut the request before it answered.
		timeout = 2 * time.Second
	}
	env := map[string]string{masterKeyEnv: testKeyB64}
	// 100 secrets of 60 KiB, put in the folder through the library: the
	// server's timeouts are for the download, not for filling it.
	data := filepath.Join(t.TempDir(), "data")
	names := fillFolder(t, data, 100, 60<<10)
	srv := startInProcess(t, env, "--data", data, "--quiet", "--read-timeout", timeout.String(), "--write-timeout", timeout.String())
	resp, err := http.Get(srv.URL + "/_secretstore/backup")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	start := time.Now()
	var backup []byte
	buf := make([]byte, 64<<10)
	pace := time.NewTicker(5 * time.Millisecond) // a slow client: 64 KiB each 5 ms at most
	defer pace.Stop()
	for ; ; <-pace.C {
		n, err := resp.Body.Read(buf)
		backup = append(backup, buf[:n]...)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the slow download broke off after %v, %d bytes: %v", time.Since(start), len(backup), err)
		}
	}
	if d := time.Since(start); d < 2*timeout {
		t.Logf("the download took only %v; the test shows nothing about the timeouts", d)
	}
	file := filepath.Join(t.TempDir(), "b")
	os.WriteFile(file, backup, 0o600)
	restored := filepath.Join(t.TempDir(), "restored")
	mustRun(t, env, "", "restore", file, "--data", restored)
	if out := mustRun(t, env, "", "get", names[99], "--data", restored); out != strings.Repeat("v", 60<<10)+"\n" {
		t.Errorf("%s in the restored backup: %d bytes", names[99], len(out))
	}
}
