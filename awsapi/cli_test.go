package awsapi

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/secretstore-go/secretstore"
	"github.com/secretstore-go/secretstore/internal/testutil"
)

// TestAWSCLI drives the handler with the AWS CLI (botocore), when it is
// installed: a second client implementation that parses our timestamps,
// base64 and error bodies. Skipped with -short or without the AWS CLI.
func TestAWSCLI(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("slow: starts the AWS CLI")
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	env = append(env,
		"AWS_ACCESS_KEY_ID=AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY=secret",
		"AWS_DEFAULT_REGION=eu-central-1", "AWS_REGION=eu-central-1",
		"AWS_CONFIG_FILE="+os.DevNull, "AWS_SHARED_CREDENTIALS_FILE="+os.DevNull,
		"AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=", "AWS_MAX_ATTEMPTS=1", "AWS_RETRY_MODE=standard")
	cli := testutil.NewAWSCLI(t, env)
	store, _ := newTestStore(t, secretstore.Options{})
	srv := newTestServer(t, store, Options{})
	run := func(args ...string) (map[string]any, string, error) {
		t.Helper()
		stdout, stderr, code, err := cli.Run(nil, append([]string{"--endpoint-url", srv.URL, "--output", "json", "secretsmanager"}, args...)...)
		if err == nil && code != 0 {
			err = fmt.Errorf("exit status %d", code)
		}
		var out map[string]any
		if err == nil && stdout != "" {
			if jerr := json.Unmarshal([]byte(stdout), &out); jerr != nil {
				t.Fatalf("aws %v printed %q: %v", args, stdout, jerr)
			}
		}
		return out, stderr, err
	}

	out, stderr, err := run("create-secret", "--name", "cli/secret", "--secret-string", "from the CLI", "--tags", "Key=team,Value=core")
	if err != nil {
		t.Fatalf("create-secret: %v: %s", err, stderr)
	}
	if arn, _ := out["ARN"].(string); !strings.HasPrefix(arn, "arn:aws:secretsmanager:eu-central-1:123456789012:secret:cli/secret-") {
		t.Errorf("create-secret printed %v", out)
	}
	out, stderr, err = run("get-secret-value", "--secret-id", "cli/secret")
	if err != nil || out["SecretString"] != "from the CLI" {
		t.Fatalf("get-secret-value: %v %v: %s", out, err, stderr)
	}
	// CLI v1 prints times as the service sent them (v2 as ISO 8601).
	switch c := out["CreatedDate"].(type) {
	case float64:
		if c != 1707264618.483 {
			t.Errorf("CreatedDate %v", c)
		}
	case string:
		if !strings.HasPrefix(c, "2024-02-07T00:10:18.483") {
			t.Errorf("CreatedDate %v", c)
		}
	default:
		t.Errorf("the CLI printed CreatedDate as %T %v", c, c)
	}
	out, stderr, err = run("list-secrets")
	if err != nil {
		t.Fatalf("list-secrets: %v: %s", err, stderr)
	}
	if list, _ := out["SecretList"].([]any); len(list) != 1 {
		t.Errorf("list-secrets printed %v", out)
	}
	_, stderr, err = run("describe-secret", "--secret-id", "missing")
	if err == nil || !strings.Contains(stderr, "(ResourceNotFoundException)") || !strings.Contains(stderr, "Secrets Manager can't find the specified secret.") {
		t.Errorf("describe-secret of a missing secret: %v: %s", err, stderr)
	}
}
