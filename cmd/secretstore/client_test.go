package main

import (
	"encoding/base64"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestClientSubcommands walks a secret through every client subcommand, in
// plain text and in JSON.
func TestClientSubcommands(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "data")
	env := map[string]string{masterKeyEnv: testKeyB64}
	run := func(stdin string, args ...string) string {
		t.Helper()
		return mustRun(t, env, stdin, append(args, "--data", data)...)
	}
	fail := func(code int, want string, args ...string) {
		t.Helper()
		r := runCLI(t, env, "", append(args, "--data", data)...)
		if r.code != code || !strings.Contains(r.stderr, want) {
			t.Errorf("secretstore %s: exit %d, stderr %q; want exit %d and %q", strings.Join(args, " "), r.code, r.stderr, code, want)
		}
		if r.stdout != "" {
			t.Errorf("secretstore %s printed %q on a failure", strings.Join(args, " "), r.stdout)
		}
	}

	// put creates the secret, then adds versions; one trailing newline is
	// dropped.
	if out := run("first\n", "put", "app/db"); !regexp.MustCompile(`^app/db: version \S+ is AWSCURRENT\n$`).MatchString(out) {
		t.Errorf("put = %q", out)
	}
	var put struct {
		ARN, Name, VersionId string
		VersionStages        []string
	}
	decode(t, run("second\n\n", "put", "--json", "app/db"), &put)
	if put.Name != "app/db" || put.VersionId == "" || !strings.HasPrefix(put.ARN, "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db-") ||
		strings.Join(put.VersionStages, ",") != "AWSCURRENT" {
		t.Errorf("put --json = %+v", put)
	}

	// get prints the value; --json the whole output.
	if out := run("", "get", "app/db"); out != "second\n\n" {
		t.Errorf("get = %q, want the value with its own newline kept and one added", out)
	}
	if out := run("", "get", "app/db", "--version-stage", "AWSPREVIOUS"); out != "first\n" {
		t.Errorf("get --version-stage AWSPREVIOUS = %q", out)
	}
	var got struct {
		Name, VersionId, SecretString string
		SecretBinary                  []byte
		CreatedDate                   time.Time
	}
	decode(t, run("", "get", "--json", "app/db"), &got)
	if got.SecretString != "second\n" || got.VersionId != put.VersionId || got.CreatedDate.IsZero() {
		t.Errorf("get --json = %+v", got)
	}

	// versions: one line per version, deprecated ones included.
	out := run("", "versions", "app/db")
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 2 ||
		!strings.Contains(out, put.VersionId+"  AWSCURRENT") || !strings.Contains(out, "AWSPREVIOUS") {
		t.Errorf("versions =\n%s", out)
	}
	var versions struct {
		Name     string
		Versions []struct {
			VersionId     string
			VersionStages []string
		}
	}
	decode(t, run("", "versions", "app/db", "--json"), &versions)
	if versions.Name != "app/db" || len(versions.Versions) != 2 {
		t.Errorf("versions --json = %+v", versions)
	}

	// Binary values go in and out untouched.
	raw := "\x00\x01binary\n"
	run(raw, "put", "--binary", "app/blob")
	if out := run("", "get", "app/blob"); out != raw {
		t.Errorf("get of a binary secret = %q, want %q", out, raw)
	}
	var gotBinary struct {
		SecretString *string
		SecretBinary []byte
	}
	decode(t, run("", "get", "app/blob", "--json"), &gotBinary)
	if string(gotBinary.SecretBinary) != raw || gotBinary.SecretString != nil {
		t.Errorf("get --json of a binary secret = %+v", gotBinary)
	}

	// list: names and ARNs, by name.
	out = run("", "list")
	if !regexp.MustCompile(`^app/blob\s+arn:\S+:secret:app/blob-\S+\napp/db\s+arn:\S+:secret:app/db-\S+\n$`).MatchString(out) {
		t.Errorf("list =\n%s", out)
	}

	// delete with a window: get fails, list and --json show it, restore
	// brings it back.
	if out := run("", "delete", "app/db", "--recovery-window-days", "7"); !strings.Contains(out, "app/db is scheduled for deletion on ") {
		t.Errorf("delete = %q", out)
	}
	fail(exitError, "InvalidRequestException: ", "get", "app/db")
	fail(exitError, "InvalidRequestException: ", "delete", "app/db")
	if out := run("", "list"); !regexp.MustCompile(`app/db\s+arn:\S+\s+scheduled for deletion \(deleted \d{4}-`).MatchString(out) {
		t.Errorf("list with a secret scheduled for deletion =\n%s", out)
	}
	var list struct {
		SecretList []struct {
			Name        string
			DeletedDate time.Time
		}
	}
	decode(t, run("", "list", "--json"), &list)
	if len(list.SecretList) != 2 || list.SecretList[0].Name != "app/blob" || !list.SecretList[0].DeletedDate.IsZero() || list.SecretList[1].DeletedDate.IsZero() {
		t.Errorf("list --json = %+v", list)
	}
	if out := run("", "restore", "app/db"); out != "app/db is restored\n" {
		t.Errorf("restore = %q", out)
	}
	if out := run("", "get", "app/db"); out != "second\n\n" {
		t.Errorf("get after restore = %q", out)
	}
	var restored struct{ ARN, Name string }
	decode(t, run("", "restore", "app/db", "--json"), &restored)
	if restored.Name != "app/db" || restored.ARN != put.ARN {
		t.Errorf("restore --json = %+v", restored)
	}

	// The JSON of delete has the DeletionDate, 30 days on by default.
	var deleted struct {
		Name         string
		DeletionDate time.Time
	}
	decode(t, run("", "delete", "--json", "app/blob"), &deleted)
	if d := time.Until(deleted.DeletionDate); deleted.Name != "app/blob" || d < 29*24*time.Hour || d > 31*24*time.Hour {
		t.Errorf("delete --json = %+v", deleted)
	}

	// --force deletes at once; a window with it is a usage error.
	fail(exitUsage, "--recovery-window-days and --force cannot be used together", "delete", "app/db", "--force", "--recovery-window-days", "7")
	if out := run("", "delete", "--force", "app/db"); out != "app/db is deleted for good\n" {
		t.Errorf("delete --force = %q", out)
	}
	fail(exitError, "ResourceNotFoundException: Secrets Manager can't find the specified secret.", "get", "app/db")
	fail(exitError, "ResourceNotFoundException", "versions", "app/db")
	fail(exitError, "ResourceNotFoundException", "restore", "app/db")
	fail(exitError, "InvalidParameterException", "delete", "app/blob", "--recovery-window-days", "0")
	if out := run("", "list", "--json"); !strings.Contains(out, `"app/blob"`) || strings.Contains(out, `"app/db"`) {
		t.Errorf("list --json after the forced delete =\n%s", out)
	}

	// An empty store lists nothing, and --json says so with an empty list.
	empty := t.TempDir()
	if out := mustRun(t, env, "", "list", "--data", empty); out != "" {
		t.Errorf("list of an empty folder = %q", out)
	}
	if out := mustRun(t, env, "", "list", "--json", "--data", empty); out != "{\n  \"SecretList\": []\n}\n" {
		t.Errorf("list --json of an empty folder = %q", out)
	}
}

func TestClientNeverPrintsValuesButInGet(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "data")
	env := map[string]string{masterKeyEnv: testKeyB64}
	const value = "do-not-print-me"
	mustRun(t, env, value, "put", "s", "--data", data)
	for _, args := range [][]string{
		{"put", "s", "--json"}, {"list"}, {"list", "--json"}, {"versions", "s"}, {"versions", "s", "--json"},
		{"replicate", "s", "--regions", "eu-west-1"}, {"replicate", "s", "--regions", "ap-south-1", "--json"},
		{"unreplicate", "s", "--regions", "ap-south-1"}, {"unreplicate", "s", "--regions", "eu-west-1", "--json"},
		{"replicate", "s", "--regions", "eu-west-1,ap-south-1"},
		{"promote", "s", "--region", "eu-west-1"}, {"promote", "s", "--region", "ap-south-1", "--json"},
		{"delete", "s", "--json"}, {"restore", "s", "--json"},
	} {
		r := runCLI(t, env, value, append(args, "--data", data)...)
		if strings.Contains(r.stdout+r.stderr, value) {
			t.Errorf("secretstore %s printed the value:\n%s%s", strings.Join(args, " "), r.stdout, r.stderr)
		}
	}
}

func TestClientNeedsAnExistingFolderAndAKey(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "missing")
	r := runCLI(t, map[string]string{masterKeyEnv: testKeyB64}, "", "get", "x", "--data", missing)
	if r.code != exitError || !strings.Contains(r.stderr, "there is no data folder "+missing) {
		t.Errorf("get on a missing folder: exit %d, %q", r.code, r.stderr)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Errorf("get created the missing data folder")
	}

	// A folder made with SECRETSTORE_MASTER_KEY holds no key file: without
	// the key, the client refuses, and does not make one up.
	data := filepath.Join(t.TempDir(), "data")
	mustRun(t, map[string]string{masterKeyEnv: testKeyB64}, "v", "put", "x", "--data", data)
	for _, args := range [][]string{{"get", "x"}, {"put", "x"}} {
		r = runCLI(t, nil, "v", append(args, "--data", data)...)
		if r.code != exitError || !strings.Contains(r.stderr, "no master key for "+data) || !strings.Contains(r.stderr, "--master-key-file") {
			t.Errorf("%s without a key: exit %d, %q", args[0], r.code, r.stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(data, keyFileName)); err == nil {
		t.Errorf("a client command wrote a key file")
	}
}

func TestUsage(t *testing.T) {
	t.Parallel()
	r := runCLI(t, nil, "", "help")
	if r.code != exitOK {
		t.Fatalf("help: exit %d", r.code)
	}
	for _, cmd := range commands() {
		if !strings.Contains(r.stdout, "secretstore "+cmd.name+" [flags]") {
			t.Errorf("help does not list %s", cmd.name)
		}
		fs := newFlagSet(cmd.name)
		cmd.setup(fs)
		fs.VisitAll(func(f *flag.Flag) {
			if !strings.Contains(r.stdout, "--"+f.Name+" ") {
				t.Errorf("help does not list --%s of %s", f.Name, cmd.name)
			}
		})
	}
	if r := runCLI(t, nil, "", "help", "delete"); r.code != exitOK || !strings.Contains(r.stdout, "--recovery-window-days N") || !strings.Contains(r.stdout, "--data DIR") {
		t.Errorf("help delete: exit %d\n%s", r.code, r.stdout)
	}
	if r := runCLI(t, nil, "", "get", "--help"); r.code != exitOK || !strings.Contains(r.stdout, "secretstore get [flags] NAME") {
		t.Errorf("get --help: exit %d\n%s", r.code, r.stdout)
	}
	for _, args := range [][]string{
		{}, {"frobnicate"}, {"help", "frobnicate"}, {"get"}, {"get", "a", "b"}, {"list", "extra"},
		{"get", "--no-such-flag", "x"}, {"delete", "x", "--recovery-window-days", "seven"},
	} {
		if r := runCLI(t, nil, "", args...); r.code != exitUsage || r.stderr == "" {
			t.Errorf("secretstore %s: exit %d, stderr %q; want a usage error", strings.Join(args, " "), r.code, r.stderr)
		}
	}
}

func TestParseArgs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args  []string
		force bool
		pos   []string
	}{
		{[]string{"name"}, false, []string{"name"}},
		{[]string{"--force", "name"}, true, []string{"name"}},
		{[]string{"name", "--force"}, true, []string{"name"}},
		{[]string{"a", "--force", "b"}, true, []string{"a", "b"}},
		{[]string{"--", "--force"}, false, []string{"--force"}},
		{[]string{"name", "--", "-x"}, false, []string{"name", "-x"}},
	} {
		fs := newFlagSet("t")
		force := fs.Bool("force", false, "")
		pos, err := parseArgs(fs, tc.args)
		if err != nil || *force != tc.force || strings.Join(pos, "|") != strings.Join(tc.pos, "|") {
			t.Errorf("parseArgs(%q) = %q, force %v, %v; want %q, force %v", tc.args, pos, *force, err, tc.pos, tc.force)
		}
	}
}

func TestWriteJSONLeavesOutZeroMembers(t *testing.T) {
	t.Parallel()
	type inner struct {
		A string
		B []string
	}
	v := &struct {
		Name    string
		Empty   string
		When    time.Time
		Never   time.Time
		Bytes   []byte
		List    []inner
		NilList []inner
		Map     map[string][]string
		hidden  string
	}{
		Name:   "n",
		When:   time.Date(2030, 1, 2, 3, 4, 5, 6e6, time.UTC),
		Bytes:  []byte{0, 1},
		List:   []inner{{A: "a"}, {}},
		Map:    map[string][]string{"v1": {"AWSCURRENT"}},
		hidden: "h",
	}
	var b strings.Builder
	if err := writeJSON(&b, v); err != nil {
		t.Fatal(err)
	}
	want := `{
  "Name": "n",
  "When": "2030-01-02T03:04:05.006Z",
  "Bytes": "` + base64.StdEncoding.EncodeToString([]byte{0, 1}) + `",
  "List": [
    {
      "A": "a"
    },
    {}
  ],
  "Map": {
    "v1": [
      "AWSCURRENT"
    ]
  }
}
`
	if b.String() != want {
		t.Errorf("writeJSON =\n%s\nwant\n%s", b.String(), want)
	}
}

// decode decodes the JSON output s into v, failing the test if it is not
// JSON.
func decode(t *testing.T, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, s)
	}
}
