package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/secretstore-go/secretstore"
)

func TestVerifyCleanFolder(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "data")
	env := map[string]string{masterKeyEnv: testKeyB64}
	for _, name := range []string{"a", "b"} {
		mustRun(t, env, "v", "put", name, "--data", data)
	}
	mustRun(t, env, "", "replicate", "a", "--regions", "eu-west-1", "--data", data)
	if out := mustRun(t, env, "", "verify", "--data", data); out != "no problems in "+data+": every record read and every value opened\n" {
		t.Errorf("verify = %q", out)
	}
	if out := mustRun(t, env, "", "verify", "--data", data, "--json"); out != "{\n  \"Problems\": []\n}\n" {
		t.Errorf("verify --json = %q", out)
	}
	// The usual checks of a client command: a folder that exists, a key.
	if r := runCLI(t, env, "", "verify", "--data", filepath.Join(t.TempDir(), "nope")); r.code != exitError || !strings.Contains(r.stderr, "there is no data folder") {
		t.Errorf("verify of a missing folder: exit %d, %q", r.code, r.stderr)
	}
	if r := runCLI(t, nil, "", "verify", "--data", data); r.code != exitError || !strings.Contains(r.stderr, "no master key") {
		t.Errorf("verify with no key: exit %d, %q", r.code, r.stderr)
	}
}

// TestVerifyAndRecoverDamagedTable cuts the table holding the last secret
// written in half: verify, the other client commands and serve refuse the
// folder naming the table and pointing to recover; recover copies the
// other secrets to a new folder, says a file was damaged and exits 1; the
// new folder verifies clean.
func TestVerifyAndRecoverDamagedTable(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "data")
	env := map[string]string{masterKeyEnv: testKeyB64}
	for _, name := range []string{"s1", "s2", "s3"} {
		// Each command closes the store, which writes its changes to a
		// new table: s3 is alone in the last one.
		mustRun(t, env, "value of "+name, "put", name, "--data", data)
	}
	tables, _ := filepath.Glob(filepath.Join(data, "*.sst"))
	if len(tables) < 2 {
		t.Fatalf("tables %v: want one per put", tables)
	}
	slices.Sort(tables)
	victim := tables[len(tables)-1]
	b, err := os.ReadFile(victim)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(victim, b[:len(b)/2], 0o600); err != nil {
		t.Fatal(err)
	}

	hint := "secretstore recover --data " + data + " --to NEW-FOLDER"
	for _, args := range [][]string{
		{"verify", "--data", data},
		{"get", "s1", "--data", data},
		{"list", "--data", data},
		{"backup", filepath.Join(t.TempDir(), "b"), "--data", data},
		{"serve", "--data", data, "--addr", "127.0.0.1:0"},
	} {
		r := runCLI(t, env, "", args...)
		if r.code != exitError || !strings.Contains(r.stderr, "the stored data is damaged") || !strings.Contains(r.stderr, filepath.Base(victim)) ||
			!strings.Contains(r.stderr, hint) || !strings.Contains(r.stderr, "secretstore verify --data NEW-FOLDER") {
			t.Errorf("%s on a damaged folder: exit %d, %q; want ErrCorrupt naming %s and %q", args[0], r.code, r.stderr, filepath.Base(victim), hint)
		}
		if r.stdout != "" {
			t.Errorf("%s on a damaged folder printed %q", args[0], r.stdout)
		}
	}

	before := dirDigest(t, data)
	to := filepath.Join(t.TempDir(), "recovered")
	r := runCLI(t, env, "", "recover", "--data", data, "--to", to)
	if r.code != exitError || !strings.Contains(r.stderr, to+" holds what could be read, but not everything: 1 damaged or missing file") ||
		!strings.Contains(r.stderr, "losses that cannot be tied to secret names") {
		t.Errorf("recover: exit %d, %q", r.code, r.stderr)
	}
	if !regexp.MustCompile(`(?m)^`+regexp.QuoteMeta(filepath.Base(victim))+` +0 entries +damaged: table \S+ is damaged`).MatchString(r.stdout) ||
		!strings.Contains(r.stdout, "wrote 2 secret records and 2 version records to "+to) {
		t.Errorf("recover report:\n%s", r.stdout)
	}
	if dirDigest(t, data) != before {
		t.Error("recover changed the damaged folder")
	}
	if out := mustRun(t, env, "", "verify", "--data", to); !strings.HasPrefix(out, "no problems") {
		t.Errorf("verify of the recovered folder = %q", out)
	}
	if out := mustRun(t, env, "", "get", "s2", "--data", to); out != "value of s2\n" {
		t.Errorf("get s2 from the recovered folder = %q", out)
	}
	if r := runCLI(t, env, "", "get", "s3", "--data", to); r.code != exitError || !strings.Contains(r.stderr, "ResourceNotFoundException") {
		t.Errorf("get s3, which the damaged table held: exit %d, %q", r.code, r.stderr)
	}

	// Not into the damaged folder, nor into a folder with something in it;
	// --to is required.
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--to", data}, exitError, "not the damaged one"},
		{[]string{"--to", to}, exitError, "is not empty"},
		{nil, exitUsage, "give the folder to write what can be read into with --to"},
	} {
		r := runCLI(t, env, "", append([]string{"recover", "--data", data}, tc.args...)...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("recover %q: exit %d, %q; want %d and %q", tc.args, r.code, r.stderr, tc.code, tc.want)
		}
	}
	if dirDigest(t, data) != before {
		t.Error("a refused recover changed the damaged folder")
	}
}

// TestRecoverDamagedLog kills a server (its writes are then only in the
// write-ahead log), changes a byte in the middle of the log, and checks
// that recover salvages the transactions after the damage, names the
// secret whose change was lost, copies the master key file that was beside
// the data, and that the new folder serves.
func TestRecoverDamagedLog(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	data := filepath.Join(t.TempDir(), "data")
	srv := startProcess(t, nil, "--data", data, "--quiet") // generates data/master.key
	sm := sdkClient(srv.URL, "test", "test")
	for i := range 60 {
		name := fmt.Sprintf("s%02d", i)
		if _, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String("value " + name)}); err != nil {
			t.Fatal(err)
		}
	}
	srv.kill()

	logs, _ := filepath.Glob(filepath.Join(data, "*.mem"))
	var log string
	var b []byte
	for _, l := range logs {
		if lb, err := os.ReadFile(l); err == nil && len(bytes.TrimRight(lb, "\x00")) > len(bytes.TrimRight(b, "\x00")) {
			log, b = l, lb
		}
	}
	used := len(bytes.TrimRight(b, "\x00"))
	if used < 60*100 {
		t.Fatalf("the killed server's log holds %d bytes: %v", used, logs)
	}
	// Damage the end marker of a transaction in the middle: that
	// transaction is lost, and the secret it wrote can be named.
	var markers []int
	for i := 0; ; {
		j := bytes.Index(b[i:used], []byte("!badger!txn"))
		if j < 0 {
			break
		}
		markers, i = append(markers, i+j), i+j+1
	}
	if len(markers) < 60 {
		t.Fatalf("the log has %d transaction markers, want one per create", len(markers))
	}
	b[markers[len(markers)/2]+3] ^= 0x5a
	if err := os.WriteFile(log, b, 0o600); err != nil {
		t.Fatal(err)
	}

	r := runCLI(t, nil, "", "verify", "--data", data)
	if r.code != exitError || !strings.Contains(r.stderr, filepath.Base(log)+" is damaged at byte") || !strings.Contains(r.stderr, "secretstore recover --data "+data) {
		t.Fatalf("verify of a folder with a damaged log: exit %d, %q", r.code, r.stderr)
	}
	to := filepath.Join(t.TempDir(), "recovered")
	r = runCLI(t, nil, "", "recover", "--data", data, "--to", to)
	var lost []string
	for _, m := range regexp.MustCompile(`(?m)^lost: the last changes of (s\d\d) in us-east-1$`).FindAllStringSubmatch(r.stdout, -1) {
		lost = append(lost, m[1])
	}
	if r.code != exitError || len(lost) == 0 || !regexp.MustCompile(`(?m)^transactions past damage in a log: [1-9]\d* salvaged, [1-9]\d* lost$`).MatchString(r.stdout) ||
		!regexp.MustCompile(`1 damaged or missing file, [1-9]\d* lost transactions?, [1-9]\d* secrets? with lost changes`).MatchString(r.stderr) {
		t.Fatalf("recover: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// The key was beside the data: it is beside the copy too, so the new
	// folder opens as the old one did.
	if fi, err := os.Stat(filepath.Join(to, keyFileName)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the recovered folder's key file: %v", err)
	}
	if out := mustRun(t, nil, "", "verify", "--data", to); !strings.HasPrefix(out, "no problems") {
		t.Errorf("verify of the recovered folder = %q", out)
	}
	var got struct{ SecretList []struct{ Name string } }
	decode(t, mustRun(t, nil, "", "list", "--json", "--data", to), &got)
	// The secrets that are not in the new folder are those named lost.
	var missing []string
	for i := range 60 {
		name := fmt.Sprintf("s%02d", i)
		if !slices.ContainsFunc(got.SecretList, func(e struct{ Name string }) bool { return e.Name == name }) {
			missing = append(missing, name)
		}
	}
	slices.Sort(lost)
	if !slices.Equal(missing, lost) {
		t.Errorf("the recovered folder lacks %v; recover named %v lost", missing, lost)
	}
	srv = startProcess(t, nil, "--data", to, "--quiet")
	out, err := sdkClient(srv.URL, "test", "test").GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(got.SecretList[0].Name)})
	if err != nil || aws.ToString(out.SecretString) != "value "+got.SecretList[0].Name {
		t.Errorf("serving the recovered folder: %v", err)
	}
}

// TestRecoverRefusesAFolderInUse: recover reads the files of a folder
// without Badger, so not while a server has it open.
func TestRecoverRefusesAFolderInUse(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "data")
	env := map[string]string{masterKeyEnv: testKeyB64}
	mustRun(t, env, "v", "put", "a", "--data", data)
	srv := startProcess(t, []string{masterKeyEnv + "=" + testKeyB64}, "--data", data, "--quiet")
	to := filepath.Join(t.TempDir(), "to")
	r := runCLI(t, env, "", "recover", "--data", data, "--to", to)
	if r.code != exitError || !strings.Contains(r.stderr, "is in use") {
		t.Errorf("recover of a folder in use: exit %d, %q", r.code, r.stderr)
	}
	if _, err := os.Stat(to); err == nil {
		t.Errorf("a refused recover created %s", to)
	}
	srv.stop()
	if r := runCLI(t, env, "", "recover", "--data", data, "--to", to); r.code != exitOK || !strings.Contains(r.stdout, "nothing was lost") {
		t.Errorf("recover of a whole folder: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestBackupOfflineAndRestore(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	env := map[string]string{masterKeyEnv: testKeyB64}
	for i := range 20 {
		mustRun(t, env, fmt.Sprintf("value %d", i), "put", fmt.Sprintf("app/s%02d", i), "--data", data)
	}
	mustRun(t, env, "", "delete", "app/s03", "--data", data)
	file := filepath.Join(dir, "store.backup")
	out := mustRun(t, env, "", "backup", file, "--data", data)
	fi, err := os.Stat(file)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup file: %v, %v", fi, err)
	}
	if want := fmt.Sprintf("wrote a backup of %d bytes to %s", fi.Size(), file); !strings.HasPrefix(out, want) {
		t.Errorf("backup = %q, want %q...", out, want)
	}
	if _, err := os.Stat(file + ".tmp"); err == nil {
		t.Errorf("%s.tmp is left", file)
	}
	var js backupOutput
	decode(t, mustRun(t, env, "", "backup", file, "--data", data, "--json"), &js)
	if js.File != file || js.Bytes < 100 {
		t.Errorf("backup --json = %+v", js)
	}

	// restore FILE loads it into a new folder.
	restored := filepath.Join(dir, "restored")
	if out := mustRun(t, env, "", "restore", file, "--data", restored); out != "restored the backup "+file+" into "+restored+"\n" {
		t.Errorf("restore = %q", out)
	}
	if out := mustRun(t, env, "", "get", "app/s19", "--data", restored); out != "value 19\n" {
		t.Errorf("get from the restored folder = %q", out)
	}
	if out := mustRun(t, env, "", "verify", "--data", restored); !strings.HasPrefix(out, "no problems") {
		t.Errorf("verify of the restored folder = %q", out)
	}
	// The secret scheduled for deletion is still restorable by name:
	// "restore NAME" is RestoreSecret when NAME is no backup file.
	if out := mustRun(t, env, "", "restore", "app/s03", "--data", restored); out != "app/s03 is restored\n" {
		t.Errorf("restore app/s03 = %q", out)
	}

	// A file that is not a backup (empty, or anything else) is said to be
	// one, not taken for a secret's name.
	for _, content := range []string{"", "not a backup\n"} {
		other := filepath.Join(dir, "other")
		if err := os.WriteFile(other, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		target := filepath.Join(dir, "fromother")
		r := runCLI(t, env, "", "restore", other, "--data", target)
		if r.code != exitError || !strings.Contains(r.stderr, "not a backup written by \"secretstore backup\"") {
			t.Errorf("restore of a file that is not a backup (%q): exit %d, %q", content, r.code, r.stderr)
		}
		if _, err := os.Stat(target); !os.IsNotExist(err) {
			t.Errorf("restore of a file that is not a backup made %s: %v", target, err)
		}
	}

	// Into a folder with something in it: refused, nothing changed.
	before := dirDigest(t, restored)
	r := runCLI(t, env, "", "restore", file, "--data", restored)
	if r.code != exitError || !strings.Contains(r.stderr, "is not empty: give a new folder") || dirDigest(t, restored) != before {
		t.Errorf("restore into a folder in use: exit %d, %q", r.code, r.stderr)
	}
	// With no key given: a backup holds none.
	r = runCLI(t, nil, "", "restore", file, "--data", filepath.Join(dir, "nokey"))
	if r.code != exitError || !strings.Contains(r.stderr, "a backup holds no master key") {
		t.Errorf("restore with no key: exit %d, %q", r.code, r.stderr)
	}
	// Not a backup (cut short): refused, the folder left as it was.
	b, _ := os.ReadFile(file)
	cut := filepath.Join(dir, "cut.backup")
	os.WriteFile(cut, b[:len(b)/2], 0o600)
	empty := filepath.Join(dir, "empty")
	os.Mkdir(empty, 0o700)
	if r := runCLI(t, env, "", "restore", cut, "--data", empty); r.code != exitError || !strings.Contains(r.stderr, "restoring "+cut) {
		t.Errorf("restore of a cut backup: exit %d, %q", r.code, r.stderr)
	}
	if entries, _ := os.ReadDir(empty); len(entries) != 0 {
		t.Errorf("a failed restore left %v in the empty folder", entries)
	}
}

func TestRestoreWithTheWrongKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	env := map[string]string{masterKeyEnv: testKeyB64}
	mustRun(t, env, "v", "put", "a", "--data", data)
	file := filepath.Join(dir, "b")
	mustRun(t, env, "", "backup", file, "--data", data)

	wrong := filepath.Join(dir, "wrong.key")
	os.WriteFile(wrong, bytes.Repeat([]byte{9}, 32), 0o600)
	for _, target := range []string{filepath.Join(dir, "new"), filepath.Join(dir, "empty")} {
		if strings.HasSuffix(target, "empty") {
			os.Mkdir(target, 0o700)
		}
		r := runCLI(t, nil, "", "restore", file, "--data", target, "--master-key-file", wrong)
		if r.code != exitError || !strings.Contains(r.stderr, "the master key does not match") || !strings.Contains(r.stderr, target+" was left as it was") ||
			!strings.Contains(r.stderr, "--master-key-file "+wrong) {
			t.Errorf("restore into %s with the wrong key: exit %d, %q", target, r.code, r.stderr)
		}
		if r.stdout != "" {
			t.Errorf("restore with the wrong key printed %q", r.stdout)
		}
		entries, err := os.ReadDir(target)
		switch {
		case strings.HasSuffix(target, "new") && err == nil:
			t.Errorf("restore with the wrong key left the folder %s it created", target)
		case strings.HasSuffix(target, "empty") && (err != nil || len(entries) != 0):
			t.Errorf("restore with the wrong key left %v in %s (%v)", entries, target, err)
		}
	}
}

// TestBackupFromRunningServer takes a backup from a running server over
// HTTP while clients write, then restores it and checks it.
func TestBackupFromRunningServer(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	srv := startProcess(t, []string{masterKeyEnv + "=" + testKeyB64}, "--data", data, "--quiet")
	sm := sdkClient(srv.URL, "test", "test")
	for i := range 100 {
		if _, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(fmt.Sprintf("before/%03d", i)), SecretString: aws.String(strings.Repeat("b", 1000))}); err != nil {
			t.Fatal(err)
		}
	}
	env := map[string]string{masterKeyEnv: testKeyB64}

	// The folder is the server's: an offline backup says how to take one.
	file := filepath.Join(dir, "online.backup")
	r := runCLI(t, env, "", "backup", file, "--data", data)
	if r.code != exitError || !strings.Contains(r.stderr, "secretstore backup "+file+" --endpoint-url "+srv.URL) {
		t.Errorf("offline backup of a folder in use: exit %d, %q", r.code, r.stderr)
	}

	// Writers keep going while the backup streams.
	var wg sync.WaitGroup
	writeCtx, stopWriting := context.WithCancel(ctx)
	writes := make([]int, 4)
	started := make(chan struct{}, len(writes)) // each writer's first write, or its end
	for w := range writes {
		wg.Go(func() {
			first := true
			defer func() {
				if first {
					started <- struct{}{}
				}
			}()
			for i := 0; writeCtx.Err() == nil; i++ {
				_, err := sm.PutSecretValue(writeCtx, &secretsmanager.PutSecretValueInput{
					SecretId: aws.String(fmt.Sprintf("before/%03d", (w*25+i)%100)), SecretString: aws.String("during " + strconv.Itoa(i)),
				})
				if err != nil && writeCtx.Err() == nil {
					t.Errorf("a write during the backup: %v", err)
					return
				}
				writes[w]++
				if first {
					first = false
					started <- struct{}{}
				}
			}
		})
	}
	for range writes {
		<-started
	}
	out := mustRun(t, env, "", "backup", file, "--endpoint-url", srv.URL)
	stopWriting()
	wg.Wait()
	if !strings.HasPrefix(out, "wrote a backup of ") {
		t.Errorf("backup --endpoint-url = %q", out)
	}
	if writes[0] == 0 {
		t.Errorf("no write went on during the backup")
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup file: %v", err)
	}

	restored := filepath.Join(dir, "restored")
	mustRun(t, env, "", "restore", file, "--data", restored)
	if out := mustRun(t, env, "", "verify", "--data", restored); !strings.HasPrefix(out, "no problems") {
		t.Errorf("verify of the restored backup = %q", out)
	}
	var list struct{ SecretList []struct{ Name string } }
	decode(t, mustRun(t, env, "", "list", "--json", "--data", restored), &list)
	if len(list.SecretList) != 100 {
		t.Errorf("the restored backup has %d secrets, want 100", len(list.SecretList))
	}
	if code := srv.stop(); code != 0 {
		t.Errorf("serve exited with %d:\n%s", code, srv.log)
	}

	// Usage errors: the server has its own folder and key.
	for _, extra := range [][]string{{"--data", data}, {"--master-key-file", file}} {
		r := runCLI(t, nil, "", append([]string{"backup", file, "--endpoint-url", "http://127.0.0.1:1"}, extra...)...)
		if r.code != exitUsage || !strings.Contains(r.stderr, "cannot be used together") {
			t.Errorf("backup --endpoint-url %v: exit %d, %q", extra, r.code, r.stderr)
		}
	}
	if r := runCLI(t, nil, "", "backup", file, "--endpoint-url", "127.0.0.1:4566"); r.code != exitUsage || !strings.Contains(r.stderr, "is not a URL") {
		t.Errorf("backup --endpoint-url without a scheme: exit %d, %q", r.code, r.stderr)
	}
}

// TestBackupFromServerWithCredentials: a server that checks signatures
// serves a backup only to a signed request.
func TestBackupFromServerWithCredentials(t *testing.T) {
	t.Parallel()
	srv := startInProcess(t, map[string]string{masterKeyEnv: testKeyB64}, "--memory", "--quiet", "--access-key-id", "AKIDGOOD", "--secret-access-key", "good-secret") // a key: backups of a throwaway one are refused
	if _, err := sdkClient(srv.URL, "AKIDGOOD", "good-secret").CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{Name: aws.String("a"), SecretString: aws.String("v")}); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "b")
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{nil, nil, "MissingAuthenticationTokenException"},
		{map[string]string{awsAccessKeyIDEnv: "test", awsSecretAccessKeyEnv: "test"}, nil, "UnrecognizedClientException"},
		{nil, []string{"--access-key-id", "AKIDGOOD", "--secret-access-key", "wrong"}, "InvalidSignatureException"},
	} {
		r := runCLI(t, tc.env, "", append([]string{"backup", file, "--endpoint-url", srv.URL}, tc.args...)...)
		if r.code != exitError || !strings.Contains(r.stderr, "the server refused the backup (403 Forbidden)") {
			t.Errorf("backup %v %v: exit %d, %q", tc.env, tc.args, r.code, r.stderr)
		}
		if _, err := os.Stat(file); err == nil {
			t.Fatalf("a refused backup wrote %s", file)
		}
		if _, err := os.Stat(file + ".tmp"); err == nil {
			t.Fatalf("a refused backup left %s.tmp", file)
		}
	}
	mustRun(t, nil, "", "backup", file, "--endpoint-url", srv.URL, "--access-key-id", "AKIDGOOD", "--secret-access-key", "good-secret")
	env := map[string]string{awsAccessKeyIDEnv: "AKIDGOOD", awsSecretAccessKeyEnv: "good-secret"}
	mustRun(t, env, "", "backup", file, "--endpoint-url", srv.URL+"/")
	if !isBackupFile(file) {
		t.Errorf("%s is not a backup", file)
	}
	if r := runCLI(t, nil, "", "backup", file, "--endpoint-url", srv.URL, "--access-key-id", "AKIDGOOD"); r.code != exitUsage {
		t.Errorf("an access key id alone: exit %d, %q", r.code, r.stderr)
	}
}

// dirDigest returns the names, sizes and contents of the files of dir.
func dirDigest(t *testing.T, dir string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range entries {
		c, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s %d %x\n", e.Name(), len(c), sha256.Sum256(c))
	}
	return b.String()
}

// TestRecoverLossesAgreeWithNothingLost: recover's summary (and its exit
// status) counts every kind of loss the report holds, and says nothing was
// lost exactly when the report does.
func TestRecoverLossesAgreeWithNothingLost(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		rep  secretstore.RecoverReport
	}{
		{"nothing", secretstore.RecoverReport{Files: []secretstore.RecoveredFile{{Name: "000001.sst", Entries: 3}}}},
		{"a leftover of a kill", secretstore.RecoverReport{Files: []secretstore.RecoveredFile{{Name: "000009.sst", Damage: "cut", Leftover: true}}}},
		{"a damaged file", secretstore.RecoverReport{Files: []secretstore.RecoveredFile{{Name: "000001.sst", Damage: "cut"}}}},
		{"a lost transaction", secretstore.RecoverReport{LostTransactions: 1}},
		{"a named secret", secretstore.RecoverReport{Lost: []string{"a in us-east-1"}}},
		{"an unnamed loss", secretstore.RecoverReport{Unnamed: []string{"table 000002.sst is missing"}}},
		{"a problem", secretstore.RecoverReport{Problems: []secretstore.Problem{{Name: "a", Detail: "x"}}}},
	}
	for _, tt := range tests {
		lost := recoverLosses(&tt.rep)
		if (len(lost) == 0) != tt.rep.NothingLost() {
			t.Errorf("%s: recoverLosses = %q, NothingLost = %v", tt.name, lost, tt.rep.NothingLost())
		}
		var b strings.Builder
		if err := printRecoverReport(&b, &tt.rep, "new"); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(b.String(), "nothing was lost") != tt.rep.NothingLost() {
			t.Errorf("%s: the printed report %q; NothingLost = %v", tt.name, b.String(), tt.rep.NothingLost())
		}
	}
}
