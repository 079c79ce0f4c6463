package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// The messages a new user met that pointed nowhere: each now says what can
// be done.

// TestVerifyFolderInUse: verify cannot check a folder a server holds (the
// AWS CLI has no verify): it says to stop the server, or how to verify a
// copy taken from the running server.
func TestVerifyFolderInUse(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "data")
	srv := startProcess(t, []string{masterKeyEnv + "=" + testKeyB64}, "--data", data, "--quiet")
	r := runCLI(t, map[string]string{masterKeyEnv: testKeyB64}, "", "verify", "--data", data)
	if r.code != exitError || strings.Contains(r.stderr, "AWS CLI") ||
		!strings.Contains(r.stderr, "stop the server first") ||
		!strings.Contains(r.stderr, "secretstore backup copy.backup --endpoint-url "+srv.URL) ||
		!strings.Contains(r.stderr, "secretstore verify --data NEW-FOLDER") {
		t.Errorf("verify of a folder in use: exit %d, %q", r.code, r.stderr)
	}
}

// TestBackupOfThrowawayKeyRefused: a server in memory under a throwaway key
// refuses a backup that could never be restored, and says how to make one
// that can; with a key of its own, it gives it.
func TestBackupOfThrowawayKeyRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv := startInProcess(t, nil, "--memory", "--quiet")
	file := filepath.Join(dir, "memory.backup")
	r := runCLI(t, nil, "", "backup", file, "--endpoint-url", srv.URL)
	if r.code != exitError || !strings.Contains(r.stderr, "throwaway master key") || !strings.Contains(r.stderr, "could never be restored") || !strings.Contains(r.stderr, "--master-key-file") {
		t.Errorf("backup of a --memory server: exit %d, %q", r.code, r.stderr)
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("a refused backup left %s (%v)", file, err)
	}

	keyed := startInProcess(t, map[string]string{masterKeyEnv: testKeyB64}, "--memory", "--quiet")
	if out := mustRun(t, nil, "", "backup", file, "--endpoint-url", keyed.URL); !strings.HasPrefix(out, "wrote a backup") {
		t.Errorf("backup of a --memory server with a master key = %q", out)
	}
}

// TestCopyToUnreachableEndpoint: a copy to an endpoint that is down says so
// once, at once, and copies nothing.
func TestCopyToUnreachableEndpoint(t *testing.T) {
	t.Parallel()
	src := startInProcess(t, nil, "--memory", "--quiet")
	sm := sdkClient(src.URL, "test", "test")
	for _, name := range []string{"a", "b", "c", "d"} {
		if _, err := sm.CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String("v")}); err != nil {
			t.Fatal(err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there now

	for _, tt := range []struct{ from, to, side string }{{src.URL, down, "destination"}, {down, src.URL, "source"}} {
		start := time.Now()
		r := runCLI(t, nil, "", "copy", "--from", tt.from, "--to", tt.to)
		if r.code != exitError || strings.Count(r.stderr, "connection refused") != 1 ||
			!strings.Contains(r.stderr, "cannot reach the "+tt.side+" "+down) || !strings.Contains(r.stderr, "Nothing was copied") {
			t.Errorf("copy --from %s --to %s: exit %d, %q", tt.from, tt.to, r.code, r.stderr)
		}
		if r.stdout != "" {
			t.Errorf("copy with the %s down printed %q", tt.side, r.stdout)
		}
		if d := time.Since(start); d > 30*time.Second {
			t.Errorf("copy with the %s down took %v", tt.side, d)
		}
	}
}
