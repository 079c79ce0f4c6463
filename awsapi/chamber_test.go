package awsapi

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secretstore-go/secretstore"
	"github.com/secretstore-go/secretstore/policy"
)

// chamberModule is the release of segmentio/chamber the test runs: a tool
// that asks STS GetCallerIdentity before every write, on the endpoint it
// was given for Secrets Manager.
const chamberModule = "github.com/segmentio/chamber/v2@v2.14.1"

// chamberBinary returns the chamber program: $SECRETSTORE_CHAMBER when
// set (.ci/run builds it there), else built from the module cache without
// the network; the test is skipped when the module is not in the cache
// (go mod download github.com/segmentio/chamber/v2@v2.14.1 puts it there).
func chamberBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("SECRETSTORE_CHAMBER"); p != "" {
		return p
	}
	if testing.Short() {
		t.Skip("-short: chamber is not built")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command on PATH to build chamber with: %v", err)
	}
	offline := append(os.Environ(), "GOPROXY=off", "GOFLAGS=-buildvcs=false")
	dl := exec.Command(goBin, "mod", "download", "-json", chamberModule)
	dl.Dir, dl.Env = t.TempDir(), offline
	out, err := dl.Output()
	var mod struct{ Dir string }
	if err != nil || json.Unmarshal(out, &mod) != nil || mod.Dir == "" {
		t.Skipf("%s is not in the module cache (go mod download %s, or set SECRETSTORE_CHAMBER): %v", chamberModule, chamberModule, err)
	}
	bin := filepath.Join(t.TempDir(), "chamber")
	// go run keeps the program it links in the build cache (Go 1.24 and
	// later), so only the first run of the tests links chamber: with cp as
	// its -exec program, go run copies that program to bin instead of
	// running it. go build would link it at every run.
	build := exec.Command(goBin, "build", "-o", bin, ".")
	if cp, err := exec.LookPath("cp"); err == nil {
		build = exec.Command(goBin, "run", "-exec", cp, ".", bin)
	}
	build.Dir, build.Env = mod.Dir, offline
	if out, err := build.CombinedOutput(); err != nil {
		t.Skipf("building chamber from the module cache needs its dependencies there too (cd %s && go mod download): %v\n%s", mod.Dir, err, out)
	}
	return bin
}

// TestChamberWriteAndRead: segmentio/chamber's secretsmanager backend
// writes and reads a secret through the server, asking STS who it is on
// the same port: with no credentials configured (the account root), and
// signed by a principal's key (its ARN lands in chamber's metadata).
func TestChamberWriteAndRead(t *testing.T) {
	t.Parallel()
	bin := chamberBinary(t)
	ctx := context.Background()
	allowAll, err := policy.ParseIdentity([]byte(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"secretsmanager:*","Resource":"*"}}`))
	if err != nil {
		t.Fatal(err)
	}
	const appArn = "arn:aws:iam::123456789012:user/chamber-app"
	for _, tc := range []struct {
		name  string
		creds []Credentials
		user  string // the ARN chamber records as the writer
	}{
		{"no credentials", nil, "arn:aws:iam::123456789012:root"},
		{"a principal's key", []Credentials{{AccessKeyID: "AKIDCHAMBER", SecretAccessKey: "chambersecretchambersecret",
			Principal: &secretstore.Principal{Arn: appArn, Policies: []*policy.Policy{allowAll}}}}, appArn},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			store, _ := newTestStore(t, secretstore.Options{})
			srv := newTestServer(t, store, Options{Credentials: tc.creds})
			env := []string{
				"HOME=" + t.TempDir(),
				"PATH=" + os.Getenv("PATH"),
				"CHAMBER_SECRET_BACKEND=secretsmanager",
				"CHAMBER_AWS_SSM_ENDPOINT=" + srv.URL,
				"AWS_REGION=us-east-1",
				"AWS_ACCESS_KEY_ID=AKIDCHAMBER",
				"AWS_SECRET_ACCESS_KEY=chambersecretchambersecret",
				"AWS_EC2_METADATA_DISABLED=true",
				"CHAMBER_NO_ANALYTICS=1",
			}
			run := func(args ...string) string {
				t.Helper()
				cmd := exec.CommandContext(ctx, bin, args...)
				cmd.Env = env
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("chamber %s: %v\n%s", strings.Join(args, " "), err, out)
				}
				return string(out)
			}
			run("write", "myapp", "db_password", "hunter2")
			if got := strings.TrimSpace(run("read", "-q", "myapp", "db_password")); got != "hunter2" {
				t.Errorf("chamber read = %q, want hunter2", got)
			}
			run("write", "myapp", "db_user", "admin") // a second write: a new version of the same secret
			v, err := store.Get(ctx, "myapp")
			if err != nil {
				t.Fatal(err)
			}
			var doc map[string]any
			if err := json.Unmarshal([]byte(v), &doc); err != nil {
				t.Fatalf("chamber's secret is not JSON: %v", err)
			}
			if doc["db_password"] != "hunter2" || doc["db_user"] != "admin" {
				t.Errorf("the secret holds %v keys; want db_password and db_user", len(doc))
			}
			meta, _ := json.Marshal(doc["_chamber_metadata"])
			if !strings.Contains(string(meta), tc.user) {
				t.Errorf("chamber's metadata %s does not name the writer %s", meta, tc.user)
			}
		})
	}
}
