package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-secretsmanager-caching-go/v2/secretcache"
	"github.com/secretstore-go/secretstore/internal/testutil"
)

// The examples of the AWS Secrets Manager Agent's README
// (github.com/aws/aws-secretsmanager-agent, "Step 3: Retrieve secrets with
// the Secrets Manager Agent" and "Using the refreshNow parameter"), word
// for word; the tests change only the token file's path, the port and
// <YOUR_SECRET_ID>. The second curl example lacks the ";" before echo, so
// curl takes "echo" for a second URL, which it cannot reach (exit status
// 6): the test runs it as written and checks the first answer.
const (
	readmeCurl = `curl -v -H \
    "X-Aws-Parameters-Secrets-Token: $(</var/run/awssmatoken)" \
    'http://localhost:2773/secretsmanager/get?secretId=<YOUR_SECRET_ID>'; \
    echo`
	readmeCurlRefresh = `curl -v -H \
"X-Aws-Parameters-Secrets-Token: $(</var/run/awssmatoken)" \
'http://localhost:2773/secretsmanager/get?secretId=<YOUR_SECRET_ID>&refreshNow=true' \
echo`
	readmePython = `import requests
import json

# Function that fetches the secret from Secrets Manager Agent for the provided secret id. 
def get_secret():
    # Construct the URL for the GET request
    url = f"http://localhost:2773/secretsmanager/get?secretId=<YOUR_SECRET_ID>"

    # Get the SSRF token from the token file
    with open('/var/run/awssmatoken') as fp:
        token = fp.read() 

    headers = {
        "X-Aws-Parameters-Secrets-Token": token.strip()
    }

    try:
        # Send the GET request with headers
        response = requests.get(url, headers=headers)

        # Check if the request was successful
        if response.status_code == 200:
            # Return the secret value
            return response.text
        else:
            # Handle error cases
            raise Exception(f"Status code {response.status_code} - {response.text}")

    except Exception as e:
        # Handle network errors
        raise Exception(f"Error: {e}")
`
)

// readmeExample returns example with the test's token file, port and
// secret id in place of the README's.
func readmeExample(example, tokenFile, port, secretID string) string {
	r := strings.NewReplacer("/var/run/awssmatoken", tokenFile, "localhost:2773", "localhost:"+port, "<YOUR_SECRET_ID>", secretID)
	return r.Replace(example)
}

var agentListeningRE = regexp.MustCompile(`msg="agent listening" addr=127\.0\.0\.1:(\d+)`)

// agentPort returns the port of the Agent API serve logged.
func agentPort(t *testing.T, log *syncBuffer) string {
	t.Helper()
	m := agentListeningRE.FindStringSubmatch(log.String())
	if m == nil {
		t.Fatalf("serve did not log the Agent's address:\n%s", log)
	}
	return m[1]
}

// run runs name with args (under a deadline) and returns its stdout,
// stderr and exit status.
func runTool(t *testing.T, name string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if err != nil && cmd.ProcessState == nil {
		t.Fatalf("running %s: %v", name, err)
	}
	return out.String(), errOut.String(), cmd.ProcessState.ExitCode()
}

// TestAgentREADMEExamples: serve --agent-addr answers the Agent README's
// own curl and Python examples (the token read from a file through
// AWS_TOKEN=file://...), with refreshNow, versionStage, the path form and
// the refusals; and the AWS caching library for Go, pointed at the SDK
// port alongside, reads the same secret.
func TestAgentREADMEExamples(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"bash", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not on PATH", tool)
		}
	}
	python := testutil.Python(t, "requests") // the README's Python example imports it
	ctx := t.Context()
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "awssmatoken")
	if err := os.WriteFile(tokenFile, []byte("the-ssrf-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := startInProcess(t, map[string]string{"AWS_TOKEN": "file://" + tokenFile}, "--memory", "--agent-addr", "127.0.0.1:0")
	port := agentPort(t, srv.log)
	sm := sdkClient(srv.URL, "test", "test")
	created, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("MyTest"), SecretString: aws.String(`{"password":"hunter2"}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("prod/db/password"), SecretString: aws.String("s3cr3t")}); err != nil {
		t.Fatal(err)
	}
	// What the SDK reads, and what the Agent must answer with.
	sdkValue := func(id string) *secretsmanager.GetSecretValueOutput {
		out, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	wantValue := func(what, body string, want *secretsmanager.GetSecretValueOutput) {
		t.Helper()
		var got struct {
			ARN, Name, VersionId, SecretString, CreatedDate string
			VersionStages                                   []string
		}
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatalf("%s: the answer is not JSON: %q", what, body)
		}
		if got.ARN != aws.ToString(want.ARN) || got.Name != aws.ToString(want.Name) || got.VersionId != aws.ToString(want.VersionId) ||
			got.SecretString != aws.ToString(want.SecretString) || strings.Join(got.VersionStages, ",") != strings.Join(want.VersionStages, ",") || got.CreatedDate == "" {
			t.Errorf("%s: %s\nthe SDK reads %+v", what, body, want)
		}
	}

	// curl, as in the README.
	stdout, stderr, code := runTool(t, "bash", "-c", readmeExample(readmeCurl, tokenFile, port, "MyTest"))
	if code != 0 || !strings.HasSuffix(stdout, "}\n") || !strings.Contains(stderr, "< HTTP/1.1 200 OK") {
		t.Errorf("curl example: exit %d, stdout %q, stderr:\n%s", code, stdout, stderr)
	}
	wantValue("curl example", strings.TrimSuffix(stdout, "\n"), sdkValue("MyTest"))
	stdout, stderr, code = runTool(t, "bash", "-c", readmeExample(readmeCurlRefresh, tokenFile, port, "MyTest"))
	if code != 6 || !strings.Contains(stderr, "Could not resolve host: echo") {
		t.Errorf("curl refreshNow example: exit %d, stderr:\n%s", code, stderr)
	}
	wantValue("curl refreshNow example", stdout, sdkValue("MyTest"))

	// Python, as in the README, and its function called.
	runPython := func(example, secretID string) string {
		t.Helper()
		stdout, stderr, code := runTool(t, python, "-c", readmeExample(example, tokenFile, port, secretID)+"\nprint(get_secret(), end='')\n")
		if code != 0 {
			t.Fatalf("python example for %s: exit %d\n%s", secretID, code, stderr)
		}
		return stdout
	}
	wantValue("python example", runPython(readmePython, "MyTest"), sdkValue("MyTest"))
	if _, err := sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("MyTest"), SecretString: aws.String("second")}); err != nil {
		t.Fatal(err)
	}
	prev, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("MyTest"), VersionStage: aws.String("AWSPREVIOUS")})
	if err != nil || aws.ToString(prev.VersionId) != aws.ToString(created.VersionId) {
		t.Fatal(err)
	}

	// The README's refreshNow example (the same code, with &refreshNow=true
	// in its URL), versionStage, the path form with a name holding
	// slashes, and the refusals as the example reports them: each example
	// run in one python3, one after the other.
	refresh := strings.Replace(readmePython, "secretId=<YOUR_SECRET_ID>", "secretId=<YOUR_SECRET_ID>&refreshNow=true", 1)
	path := strings.Replace(readmePython, "/secretsmanager/get?secretId=<YOUR_SECRET_ID>", "/v1/<YOUR_SECRET_ID>", 1)
	wrongToken := filepath.Join(dir, "wrong-token")
	if err := os.WriteFile(wrongToken, []byte("a wrong token"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		source string
		want   *secretsmanager.GetSecretValueOutput // nil: an error
		err    string
	}{
		{readmeExample(refresh, tokenFile, port, "MyTest"), sdkValue("MyTest"), ""},
		{readmeExample(readmePython, tokenFile, port, "MyTest&versionStage=AWSPREVIOUS"), prev, ""},
		{readmeExample(path, tokenFile, port, "prod/db/password"), sdkValue("prod/db/password"), ""},
		{readmeExample(readmePython, wrongToken, port, "MyTest"), nil, "Error: Status code 403 - Bad Token"},
		{readmeExample(readmePython, tokenFile, port, "nope"), nil, `Error: Status code 400 - {"__type":"ResourceNotFoundException", "message":"Secrets Manager can't find the specified secret."}`},
		{readmeExample(readmePython, tokenFile, port, "MyTest&color=red"), nil, "Error: Status code 400 - unknown parameter: color"},
		{readmeExample(path, tokenFile, port, ""), nil, "Error: Status code 400 - missing secret ID"},
	}
	var sources []string
	for _, c := range cases {
		sources = append(sources, c.source)
	}
	arg, _ := json.Marshal(sources)
	const driver = `import json, sys
results = []
for source in json.loads(sys.argv[1]):
    ns = {}
    exec(source, ns)
    try:
        results.append({"ok": True, "out": ns["get_secret"]()})
    except Exception as e:
        results.append({"ok": False, "out": str(e)})
print(json.dumps(results))
`
	stdout, stderr, code = runTool(t, python, "-c", driver, string(arg))
	var results []struct {
		OK  bool
		Out string
	}
	if err := json.Unmarshal([]byte(stdout), &results); code != 0 || err != nil || len(results) != len(cases) {
		t.Fatalf("python examples: exit %d, %v\n%s\n%s", code, err, stdout, stderr)
	}
	for i, c := range cases {
		switch r := results[i]; {
		case c.want != nil && r.OK:
			wantValue(fmt.Sprintf("python example %d", i), r.Out, c.want)
		case c.want != nil || r.OK || r.Out != c.err:
			t.Errorf("python example %d: %+v, want %q", i, r, c.err)
		}
	}
	curlFlags := []string{"-sS", "-w", " %{http_code}", "http://localhost:" + port + "/secretsmanager/get?secretId=MyTest"}
	token := []string{"-H", "X-Aws-Parameters-Secrets-Token: the-ssrf-token"}
	for _, tt := range []struct {
		extra []string
		want  string
	}{
		{append([]string{"-H", "X-Forwarded-For: 10.0.0.1"}, token...), "Forwarded 400"},
		{append([]string{"-X", "POST"}, token...), "Not allowed 405"},
		{nil, "Bad Token 403"},
		{[]string{"-H", "X-Vault-Token: the-ssrf-token"}, "200"},
	} {
		stdout, _, _ := runTool(t, "curl", append(curlFlags, tt.extra...)...)
		if !strings.HasSuffix(stdout, tt.want) || (tt.want == "200" && !strings.HasPrefix(stdout, "{")) || (tt.want != "200" && stdout != tt.want) {
			t.Errorf("curl %v: %q, want %q", tt.extra, stdout, tt.want)
		}
	}
	if stdout, _, _ := runTool(t, "curl", "-sS", "http://localhost:"+port+"/ping"); stdout != "healthy" {
		t.Errorf("ping: %q", stdout)
	}

	// The AWS caching library for Go on the SDK port reads the same value;
	// after a write, the Agent reads the new one at once, the library once
	// its cache is refreshed: a cache with the default TTL (an hour) keeps
	// the value it read, one whose items expire at once (a TTL of 2 ns)
	// refreshes at its next read. (The library's RefreshNow would do that
	// too, after sleeping 2.5 to 7.5 s on purpose.)
	cache, err := secretcache.New(func(c *secretcache.Cache) { c.Client = sm })
	if err != nil {
		t.Fatal(err)
	}
	expiring, err := secretcache.New(func(c *secretcache.Cache) { c.Client = sm; c.CacheItemTTL = 2 })
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []*secretcache.Cache{cache, expiring} {
		if cached, err := c.GetSecretStringWithContext(ctx, "MyTest"); err != nil || cached != "second" {
			t.Errorf("caching library: %q, %v", cached, err)
		}
	}
	// What the Agent answers next is its own doing, not the client's:
	// curl asks (a Python start costs a quarter of a second of CPU).
	curl := func(what string) {
		t.Helper()
		stdout, stderr, code := runTool(t, "bash", "-c", readmeExample(readmeCurl, tokenFile, port, "MyTest"))
		if code != 0 {
			t.Fatalf("%s: exit %d\n%s", what, code, stderr)
		}
		wantValue(what, strings.TrimSuffix(stdout, "\n"), sdkValue("MyTest"))
	}
	curl("curl example, beside the caching library")
	if _, err := sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("MyTest"), SecretString: aws.String("third")}); err != nil {
		t.Fatal(err)
	}
	curl("curl example, at once after a write")
	if cached, _ := cache.GetSecretStringWithContext(ctx, "MyTest"); cached != "second" {
		t.Errorf("the caching library's cache: %q, want the value it cached", cached)
	}
	if cached, err := expiring.GetSecretStringWithContext(ctx, "MyTest"); cached != "third" || err != nil {
		t.Errorf("the caching library, its item expired: %q, %v", cached, err)
	}
}

// TestServeAgentFlags: what serve refuses about --agent-addr, before it
// creates anything, and the environment variables of its flags.
func TestServeAgentFlags(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string
	}{
		{"no token", nil, []string{"--agent-addr", "127.0.0.1:0"}, exitError,
			"--agent-addr: could not read SSRF token variable(s) AWS_TOKEN, AWS_SESSION_TOKEN, AWS_CONTAINER_AUTHORIZATION_TOKEN: environment variable not found; the Agent API refuses to start without its SSRF token"},
		{"a token file that cannot be read", map[string]string{"AWS_SESSION_TOKEN": "file://" + filepath.Join(dir, "none")}, []string{"--agent-addr", "127.0.0.1:0"}, exitError,
			"AWS_SESSION_TOKEN names a file that cannot be read"},
		{"not loopback", map[string]string{"AWS_TOKEN": "t"}, []string{"--agent-addr", "0.0.0.0:2773"}, exitUsage, "listens on a loopback address only"},
		{"no host", map[string]string{"AWS_TOKEN": "t"}, []string{"--agent-addr", ":2773"}, exitUsage, "listens on a loopback address only"},
		{"from the environment, not loopback", map[string]string{"AWS_TOKEN": "t", "SECRETSTORE_AGENT_ADDR": "10.0.0.1:2773"}, nil, exitUsage, `"10.0.0.1:2773": the Agent API listens on a loopback address only`},
		{"a principal without principals", map[string]string{"AWS_TOKEN": "t"}, []string{"--agent-addr", "127.0.0.1:0", "--agent-principal", "arn:aws:iam::123456789012:user/app"}, exitUsage, "--agent-principal needs --principals"},
		{"too many connections", map[string]string{"AWS_TOKEN": "t"}, []string{"--agent-addr", "127.0.0.1:0", "--agent-max-connections", "1001"}, exitUsage, "range 1 to 1000"},
		{"a bad number in the environment", map[string]string{"SECRETSTORE_AGENT_MAX_CONNECTIONS": "many"}, nil, exitUsage, `SECRETSTORE_AGENT_MAX_CONNECTIONS="many"`},
		{"a mirror filter without a source", nil, []string{"--mirror-filter", "name=a"}, exitUsage, "--mirror-filter needs --mirror-from"},
		{"a bad mirror source", nil, []string{"--mirror-from", "ftp://x"}, exitUsage, `--mirror-from "ftp://x" is not aws, aws://REGION or http(s)://HOST:PORT`},
		{"a bad mirror period", nil, []string{"--mirror-from", "http://127.0.0.1:1", "--mirror-every", "10ms"}, exitUsage, "--mirror-every must be at least 1s"},
		{"a bad mirror filter", map[string]string{"SECRETSTORE_MIRROR_FROM": "http://127.0.0.1:1", "SECRETSTORE_MIRROR_FILTER": "colour=red"}, nil, exitUsage, `--mirror-filter "colour=red": the key must be one of`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := filepath.Join(t.TempDir(), "data")
			r := runCLI(t, tt.env, "", append([]string{"serve", "--addr", "127.0.0.1:0", "--data", data}, tt.args...)...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, want %d and %q in:\n%s", r.code, tt.code, tt.want, r.stderr)
			}
			if _, err := os.Stat(data); err == nil {
				t.Errorf("serve created %s before it refused to start", data)
			}
		})
	}
}

// TestServeAgentAsPrincipal: with --principals, the Agent API reads as
// the principal --agent-principal names, under its policies.
func TestServeAgentAsPrincipal(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	principals := writePrincipals(t, testPrincipals)
	env := map[string]string{"AWS_TOKEN": "t0ken", "SECRETSTORE_ACCESS_KEY_ID": adminKey, "SECRETSTORE_SECRET_ACCESS_KEY": adminSecret}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--agent-addr", "127.0.0.1:0"}, "with --principals, --agent-addr needs --agent-principal ARN"},
		{[]string{"--agent-addr", "127.0.0.1:0", "--agent-principal", "arn:aws:iam::123456789012:user/nobody"}, `--agent-principal "arn:aws:iam::123456789012:user/nobody" is not the Arn or AccessKeyId of a principal`},
	} {
		r := runCLI(t, env, "", append([]string{"serve", "--memory", "--addr", "127.0.0.1:0", "--principals", principals}, tt.args...)...)
		if r.code != exitUsage || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("serve %v: exit %d, want %q in:\n%s", tt.args, r.code, tt.want, r.stderr)
		}
	}
	srv := startInProcess(t, env, "--memory", "--principals", principals, "--agent-addr", "127.0.0.1:0", "--agent-principal", appKey)
	port := agentPort(t, srv.log)
	admin := sdkClient(srv.URL, adminKey, adminSecret)
	for _, name := range []string{"prod/app/db", "prod/other/db"} {
		if _, err := admin.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String("v")}); err != nil {
			t.Fatal(err)
		}
	}
	get := func(name string) string {
		stdout, _, _ := runTool(t, "curl", "-sS", "-w", " %{http_code}", "-H", "X-Aws-Parameters-Secrets-Token: t0ken", "http://127.0.0.1:"+port+"/v1/"+name)
		return stdout
	}
	if got := get("prod/app/db"); !strings.HasSuffix(got, `"SecretString":"v","VersionStages":["AWSCURRENT"],`+got[strings.Index(got, `"CreatedDate"`):]) || !strings.HasSuffix(got, " 200") {
		t.Errorf("an allowed read: %s", got)
	}
	want := `{"__type":"AccessDeniedException", "message":"User: ` + appArn + ` is not authorized to perform: secretsmanager:GetSecretValue on resource: prod/other/db because no identity-based policy allows the secretsmanager:GetSecretValue action"} 400`
	if got := get("prod/other/db"); got != want {
		t.Errorf("a denied read: %s\nwant %s", got, want)
	}
	if !strings.Contains(srv.log.String(), `principal=`+appArn) {
		t.Errorf("the log does not name the Agent's principal:\n%s", srv.log)
	}
}
