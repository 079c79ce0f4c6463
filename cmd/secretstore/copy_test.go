package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/secretstore-go/secretstore"
	"github.com/secretstore-go/secretstore/awsapi"
	"github.com/secretstore-go/secretstore/internal/mirror"
)

// valueMark starts every secret value the copy tests write, so a test can
// tell that no output shows one.
const valueMark = "VALUE-"

// copyServer is an in-memory store served over HTTP, as serve --memory is,
// counting the write requests it receives.
type copyServer struct {
	store  *secretstore.Store
	URL    string
	writes atomic.Int64
	// onWrite, when set, is called with the count of each write request,
	// before it is served.
	onWrite func(n int64)
}

// writeOps are the operations a copy may write with.
var writeOps = []string{"CreateSecret", "PutSecretValue", "UpdateSecret", "UpdateSecretVersionStage", "TagResource", "UntagResource", "DeleteSecret", "RestoreSecret"}

func newCopyServer(t *testing.T) *copyServer {
	t.Helper()
	store, err := secretstore.Open(t.Context(), secretstore.Options{InMemory: true, DisableReaper: true})
	if err != nil {
		t.Fatal(err)
	}
	s := &copyServer{store: store}
	h := awsapi.New(store, awsapi.Options{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "secretsmanager.")
		if slices.Contains(writeOps, op) {
			n := s.writes.Add(1)
			if s.onWrite != nil {
				s.onWrite(n)
			}
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		srv.Close()
		store.Close()
	})
	s.URL = srv.URL
	return s
}

// runCopyCLI runs "secretstore copy" in-process with ctx.
func runCopyCLI(ctx context.Context, t *testing.T, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	c := &cli{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }}
	code := c.run(ctx, append([]string{"copy"}, args...))
	return result{stdout.String(), stderr.String(), code}
}

// populate fills s with n secrets of every shape a copy must keep: one to
// four versions, some deprecated; custom labels, AWSPENDING on a version
// newer than AWSCURRENT, AWSCURRENT rolled back to an older version; string
// and binary values; descriptions, tags and KmsKeyIds; a secret with no
// value; and some scheduled for deletion. It returns how many are
// scheduled for deletion.
func populate(t *testing.T, s *secretstore.Store, n int) (deleted int) {
	t.Helper()
	ctx := t.Context()
	for i := range n {
		name := fmt.Sprintf("app%02d/secret-%03d", i%10, i)
		in := &secretstore.CreateSecretInput{Name: name}
		if i%2 == 0 {
			in.Description = fmt.Sprintf("secret number %d", i)
		}
		if i%3 != 2 {
			in.Tags = []secretstore.Tag{{Key: "team", Value: fmt.Sprintf("t%d", i%4)}, {Key: "n", Value: fmt.Sprint(i)}}
		}
		if i%8 == 1 {
			in.KmsKeyId = "alias/app-key"
		}
		if i%97 == 5 { // a secret with no value at all
			if _, err := s.CreateSecret(ctx, in); err != nil {
				t.Fatal(err)
			}
			continue
		}
		value := func(v int) (string, []byte) {
			if i%6 == 0 {
				return "", []byte(fmt.Sprintf("%s%d-%d\x00\xff", valueMark, i, v))
			}
			return fmt.Sprintf("%s%d-%d", valueMark, i, v), nil
		}
		in.SecretString, in.SecretBinary = value(0)
		out, err := s.CreateSecret(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		ids := []string{out.VersionId}
		for v := 1; v <= i%4; v++ {
			put := &secretstore.PutSecretValueInput{SecretId: name}
			put.SecretString, put.SecretBinary = value(v)
			p, err := s.PutSecretValue(ctx, put)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, p.VersionId)
		}
		stage := func(label, to, from string) {
			t.Helper()
			if _, err := s.UpdateSecretVersionStage(ctx, &secretstore.UpdateSecretVersionStageInput{
				SecretId: name, VersionStage: label, MoveToVersionId: to, RemoveFromVersionId: from,
			}); err != nil {
				t.Fatalf("%s: moving %s: %v", name, label, err)
			}
		}
		if i%3 == 0 { // a custom label on the oldest version, often deprecated otherwise
			stage("v-first", ids[0], "")
		}
		if i%7 == 3 && len(ids) > 2 { // AWSCURRENT rolled back to the oldest version
			stage(secretstore.StageCurrent, ids[0], ids[len(ids)-1])
		}
		if i%5 == 0 { // a pending value, newer than the current one
			put := &secretstore.PutSecretValueInput{SecretId: name, VersionStages: []string{secretstore.StagePending, "next"}}
			put.SecretString, put.SecretBinary = value(9)
			if _, err := s.PutSecretValue(ctx, put); err != nil {
				t.Fatal(err)
			}
		}
		if i%50 == 49 {
			if _, err := s.Delete(ctx, name, 7); err != nil {
				t.Fatal(err)
			}
			deleted++
		}
	}
	return deleted
}

// secretState is what a copy keeps of a secret.
type secretState struct {
	Description, KmsKeyId string
	Tags                  []string          // "key=value", sorted
	Versions              map[string]string // version id -> "labels sorted | value"
}

// snapshot returns the state of every secret of s not scheduled for
// deletion: with labelledOnly, only its labelled versions (what a copy
// copies), else every version, deprecated ones included.
func snapshot(t *testing.T, s *secretstore.Store, labelledOnly bool) map[string]secretState {
	t.Helper()
	ctx := t.Context()
	state := map[string]secretState{}
	for e, err := range s.AllSecrets(ctx, &secretstore.ListSecretsInput{}) {
		if err != nil {
			t.Fatal(err)
		}
		d, err := s.DescribeSecret(ctx, &secretstore.DescribeSecretInput{SecretId: e.ARN})
		if err != nil {
			t.Fatal(err)
		}
		st := secretState{Description: d.Description, KmsKeyId: d.KmsKeyId, Versions: map[string]string{}}
		for _, tag := range d.Tags {
			st.Tags = append(st.Tags, tag.Key+"="+tag.Value)
		}
		sort.Strings(st.Tags)
		for v, err := range s.AllSecretVersions(ctx, &secretstore.ListSecretVersionIdsInput{SecretId: e.ARN, IncludeDeprecated: true}) {
			if err != nil {
				t.Fatal(err)
			}
			if labelledOnly && len(v.VersionStages) == 0 {
				continue
			}
			val, err := s.GetSecretValue(ctx, &secretstore.GetSecretValueInput{SecretId: e.ARN, VersionId: v.VersionId})
			if err != nil {
				t.Fatal(err)
			}
			labels := slices.Sorted(slices.Values(v.VersionStages))
			st.Versions[v.VersionId] = strings.Join(labels, ",") + " | " + val.SecretString + base64.StdEncoding.EncodeToString(val.SecretBinary)
		}
		state[e.Name] = st
	}
	return state
}

// sameState fails the test where got differs from want, naming at most a
// few secrets.
func sameState(t *testing.T, what string, got, want map[string]secretState) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d secrets, want %d", what, len(got), len(want))
	}
	shown := 0
	for name, w := range want {
		if g, ok := got[name]; !reflect.DeepEqual(g, w) && shown < 3 {
			shown++
			t.Errorf("%s: %s is\n%+v (present %v), want\n%+v", what, name, g, ok, w)
		}
	}
}

// TestCopy500SecretsWithVersions: a copy of 500 secrets with their labelled
// versions makes the destination identical to the source; a second run
// writes nothing; a run cut off halfway and run again ends identical too;
// no value is ever printed.
func TestCopy500SecretsWithVersions(t *testing.T) {
	t.Parallel()
	n := 500
	if raceEnabled {
		n = 100 // the race detector makes each request ~10 times slower
	}
	src := newCopyServer(t)
	deleted := populate(t, src.store, n)
	want := snapshot(t, src.store, true)
	args := func(dst *copyServer, extra ...string) []string {
		return append([]string{"--from", src.URL, "--to", dst.URL, "--include-versions"}, extra...)
	}
	noValues := func(r result) {
		t.Helper()
		if strings.Contains(r.stdout+r.stderr, valueMark) {
			t.Errorf("the output shows a secret value")
		}
	}

	dst := newCopyServer(t)
	// A dry run reads both sides and writes nothing.
	r := runCopyCLI(t.Context(), t, args(dst, "--dry-run")...)
	noValues(r)
	if r.code != exitOK || strings.Count(r.stdout, "would create ") != n-deleted || dst.writes.Load() != 0 {
		t.Fatalf("dry run: exit %d, %d writes, stderr %q, stdout:\n%.2000s", r.code, dst.writes.Load(), r.stderr, r.stdout)
	}

	r = runCopyCLI(t.Context(), t, args(dst)...)
	noValues(r)
	summary := fmt.Sprintf("%d secrets from %s?region=us-east-1 to %s?region=us-east-1: %d created, 0 updated, 0 unchanged, %d skipped, 0 failed",
		n, src.URL, dst.URL, n-deleted, deleted)
	if r.code != exitOK || !strings.Contains(r.stdout, summary) {
		t.Fatalf("copy: exit %d, stderr %q, want %q in:\n%.3000s", r.code, r.stderr, summary, r.stdout)
	}
	if !strings.Contains(r.stdout, "skipped      app09/secret-049  scheduled for deletion at the source") {
		t.Errorf("a secret scheduled for deletion is not reported as skipped:\n%.3000s", r.stdout)
	}
	sameState(t, "after the copy", snapshot(t, dst.store, false), want)

	// A second run changes nothing.
	total := dst.writes.Load() // the writes of a whole copy
	dst.writes.Store(0)
	r = runCopyCLI(t.Context(), t, args(dst)...)
	if r.code != exitOK || dst.writes.Load() != 0 || !strings.Contains(r.stdout, fmt.Sprintf(": 0 created, 0 updated, %d unchanged, %d skipped, 0 failed", n-deleted, deleted)) {
		t.Errorf("second run: exit %d, %d writes, stderr %q, stdout:\n%.3000s", r.code, dst.writes.Load(), r.stderr, r.stdout)
	}
	sameState(t, "after the second run", snapshot(t, dst.store, false), want)

	// A run interrupted halfway, then run again.
	dst2 := newCopyServer(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var once sync.Once
	dst2.onWrite = func(n int64) {
		if n == total/2 {
			once.Do(cancel)
		}
	}
	r = runCopyCLI(ctx, t, args(dst2)...)
	noValues(r)
	if r.code != exitError || !strings.Contains(r.stderr, "interrupted with") || !strings.Contains(r.stderr, "run the same command again") {
		t.Fatalf("interrupted run: exit %d, stderr %q", r.code, r.stderr)
	}
	if got := snapshot(t, dst2.store, false); len(got) == 0 || len(got) >= len(want) {
		t.Fatalf("the interrupted run copied %d of %d secrets; want some, not all", len(got), len(want))
	}
	dst2.onWrite = nil
	r = runCopyCLI(t.Context(), t, args(dst2)...)
	if r.code != exitOK || !strings.Contains(r.stdout, " 0 failed") {
		t.Fatalf("resumed run: exit %d, stderr %q, stdout:\n%.3000s", r.code, r.stderr, r.stdout)
	}
	sameState(t, "after the resumed run", snapshot(t, dst2.store, false), want)
	dst2.writes.Store(0)
	if r = runCopyCLI(t.Context(), t, args(dst2)...); r.code != exitOK || dst2.writes.Load() != 0 {
		t.Errorf("run after the resumed one: exit %d, %d writes", r.code, dst2.writes.Load())
	}
}

// TestCopyCurrentOnly: without --include-versions only AWSCURRENT is copied,
// with its version id, description, tags and KmsKeyId.
func TestCopyCurrentOnly(t *testing.T) {
	t.Parallel()
	src, dst := newCopyServer(t), newCopyServer(t)
	deleted := populate(t, src.store, 40)
	r := runCopyCLI(t.Context(), t, "--from", src.URL, "--to", dst.URL, "--workers", "1")
	if r.code != exitOK || !strings.Contains(r.stdout, fmt.Sprintf("%d created", 40-deleted)) {
		t.Fatalf("copy: exit %d, stderr %q, stdout:\n%s", r.code, r.stderr, r.stdout)
	}
	want := snapshot(t, src.store, true)
	for name, st := range want { // keep only the AWSCURRENT version, with that label alone
		cur := map[string]string{}
		for id, v := range st.Versions {
			labels, value, _ := strings.Cut(v, " | ")
			if slices.Contains(strings.Split(labels, ","), secretstore.StageCurrent) {
				cur[id] = secretstore.StageCurrent + " | " + value
			}
		}
		st.Versions = cur
		want[name] = st
	}
	sameState(t, "current only", snapshot(t, dst.store, false), want)
}

// TestCopyUpdatesAnExistingSecret: a destination's own secret of that name
// gets the source's description, tags and current value; its own tags and
// its old current version (now AWSPREVIOUS) stay.
func TestCopyUpdatesAnExistingSecret(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	src, dst := newCopyServer(t), newCopyServer(t)
	out, err := src.store.CreateSecret(ctx, &secretstore.CreateSecretInput{Name: "db", SecretString: valueMark + "new",
		Description: "from the source", Tags: []secretstore.Tag{{Key: "team", Value: "a"}}})
	if err != nil {
		t.Fatal(err)
	}
	old, err := dst.store.CreateSecret(ctx, &secretstore.CreateSecretInput{Name: "db", SecretString: valueMark + "old",
		Description: "at the destination", Tags: []secretstore.Tag{{Key: "team", Value: "b"}, {Key: "local", Value: "yes"}}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string // the report line
	}{
		{"dry run", []string{"--dry-run"}, "would update db  description set; tags set: team; 1 version written"},
		{"copy", nil, "updated      db  description set; tags set: team; 1 version written"},
		{"again", nil, "unchanged    db"},
	}
	for _, tt := range tests {
		r := runCopyCLI(ctx, t, append([]string{"--from", src.URL, "--to", dst.URL}, tt.args...)...)
		if r.code != exitOK || !strings.Contains(r.stdout, tt.want+"\n") {
			t.Errorf("%s: exit %d, stderr %q, stdout:\n%s\nwant the line %q", tt.name, r.code, r.stderr, r.stdout, tt.want)
		}
	}
	d, err := dst.store.DescribeSecret(ctx, &secretstore.DescribeSecretInput{SecretId: "db"})
	if err != nil {
		t.Fatal(err)
	}
	wantStages := map[string][]string{out.VersionId: {secretstore.StageCurrent}, old.VersionId: {secretstore.StagePrevious}}
	if d.Description != "from the source" || !reflect.DeepEqual(d.VersionIdsToStages, wantStages) ||
		!slices.Contains(d.Tags, secretstore.Tag{Key: "team", Value: "a"}) || !slices.Contains(d.Tags, secretstore.Tag{Key: "local", Value: "yes"}) {
		t.Errorf("the destination's secret: %+v", d)
	}
	if v, err := dst.store.ListSecretVersionIds(ctx, &secretstore.ListSecretVersionIdsInput{SecretId: "db", IncludeDeprecated: true}); err != nil || len(v.Versions) != 2 {
		t.Errorf("the destination's secret has versions %+v, %v; want its own and the copied one", v, err)
	}
}

// TestCopyProgress: on a terminal, a progress line below the report lines,
// erased before each of them and at the end.
func TestCopyProgress(t *testing.T) {
	t.Parallel()
	var out, progress bytes.Buffer
	p := &copyPrinter{w: &out, progress: &progress, total: 2}
	p.print(mirror.Result{Name: "a", Action: mirror.Created, Changes: []string{"1 version, labels AWSCURRENT"}})
	p.print(mirror.Result{Name: "b", Action: mirror.Failed, Error: "at the destination: CreateSecret: AccessDeniedException: no"})
	p.clearProgress()
	if want := "created      a  1 version, labels AWSCURRENT\nfailed       b  at the destination: CreateSecret: AccessDeniedException: no\n"; out.String() != want {
		t.Errorf("report lines %q, want %q", out.String(), want)
	}
	if want := "copy: 1/2 secrets\r\033[Kcopy: 2/2 secrets\r\033[K"; progress.String() != want {
		t.Errorf("progress %q, want %q", progress.String(), want)
	}
}

// TestCopyReportsWhatItCannotDo: a secret scheduled for deletion at either
// side, and filters.
func TestCopyReportsWhatItCannotDo(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	src, dst := newCopyServer(t), newCopyServer(t)
	for _, name := range []string{"a/keep", "a/gone-there", "b/other"} {
		if _, err := src.store.Put(ctx, name, valueMark); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := dst.store.Put(ctx, "a/gone-there", valueMark); err != nil {
		t.Fatal(err)
	}
	if _, err := dst.store.Delete(ctx, "a/gone-there", 7); err != nil {
		t.Fatal(err)
	}
	r := runCopyCLI(ctx, t, "--from", src.URL, "--to", dst.URL, "--filter", "name=a/", "--json")
	if r.code != exitError || !strings.Contains(r.stderr, "1 of 2 secrets failed") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
	var rep mirror.Report
	decode(t, r.stdout, &rep)
	if len(rep.Secrets) != 2 || rep.Created != 1 || rep.Failed != 1 ||
		rep.Secrets[0].Name != "a/gone-there" || !strings.Contains(rep.Secrets[0].Error, "scheduled for deletion") ||
		rep.Secrets[1].Name != "a/keep" || rep.Secrets[1].Action != mirror.Created {
		t.Errorf("report: %+v", rep)
	}
}

func TestCopyUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--to", "http://127.0.0.1:1"}, "--from is required"},
		{[]string{"--from", "http://127.0.0.1:1"}, "--to is required"},
		{[]string{"--from", "ftp://x", "--to", "http://127.0.0.1:1"}, "is not aws, aws://REGION or http(s)://HOST:PORT"},
		{[]string{"--from", "http://127.0.0.1:1/path", "--to", "http://127.0.0.1:2"}, "is not aws"},
		{[]string{"--from", "http://127.0.0.1:1?x=1", "--to", "http://127.0.0.1:2"}, "the only query parameter is region"},
		{[]string{"--from", "aws://mars", "--to", "http://127.0.0.1:1"}, `"mars" is not a region name`},
		{[]string{"--from", "http://127.0.0.1:1", "--to", "http://127.0.0.1:1/"}, "are the same endpoint and region"},
		{[]string{"--from", "http://127.0.0.1:1", "--to", "http://127.0.0.1:2", "--filter", "name"}, "want KEY=VALUE"},
		{[]string{"--from", "http://127.0.0.1:1", "--to", "http://127.0.0.1:2", "--filter", "color=red"}, "the key must be one of"},
		{[]string{"--from", "http://127.0.0.1:1", "--to", "http://127.0.0.1:2", "--workers", "0"}, "--workers must be from 1 to"},
	}
	for _, tt := range tests {
		r := runCopyCLI(t.Context(), t, tt.args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("copy %s: exit %d, %q; want exit 2 and %q", strings.Join(tt.args, " "), r.code, r.stderr, tt.want)
		}
	}
	// Two regions of one endpoint are two endpoints.
	src := newCopyServer(t)
	if _, err := src.store.Put(t.Context(), "x", valueMark); err != nil {
		t.Fatal(err)
	}
	r := runCopyCLI(t.Context(), t, "--from", src.URL, "--to", src.URL+"?region=eu-west-1")
	if v, err := src.store.Region("eu-west-1").Get(t.Context(), "x"); r.code != exitOK || v != valueMark || err != nil {
		t.Errorf("copy to another region: exit %d, %q; eu-west-1 has %q, %v", r.code, r.stderr, v, err)
	}
}

// TestCopyPrune: with --prune, the destination's secrets under the filter
// that the source does not have, or has scheduled for deletion, are
// scheduled for deletion there (after a dry run that only says so); a
// secret outside the filter stays; one the source has again is restored.
func TestCopyPrune(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	src, dst := newCopyServer(t), newCopyServer(t)
	for _, name := range []string{"app/a", "app/b"} {
		if _, err := src.store.Put(ctx, name, valueMark); err != nil {
			t.Fatal(err)
		}
	}
	args := []string{"--from", src.URL, "--to", dst.URL, "--filter", "name=app/"}
	if r := runCopyCLI(ctx, t, args...); r.code != exitOK {
		t.Fatalf("copy: exit %d, %s", r.code, r.stderr)
	}
	for _, name := range []string{"app/c", "other/d"} {
		if _, err := dst.store.Put(ctx, name, valueMark); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := src.store.Delete(ctx, "app/b", 7); err != nil {
		t.Fatal(err)
	}

	dst.writes.Store(0)
	r := runCopyCLI(ctx, t, append(args, "--prune", "--dry-run")...)
	for _, line := range []string{"would delete app/b  scheduled for deletion at the source\n", "would delete app/c  not at the source\n",
		": 0 would be created, 0 would be updated, 1 unchanged, 0 skipped, 0 failed, 2 would be deleted\n"} {
		if !strings.Contains(r.stdout, line) {
			t.Errorf("dry run: no line %q in:\n%s", line, r.stdout)
		}
	}
	if r.code != exitOK || dst.writes.Load() != 0 {
		t.Errorf("dry run: exit %d, %d writes, %s", r.code, dst.writes.Load(), r.stderr)
	}

	r = runCopyCLI(ctx, t, append(args, "--prune")...)
	if r.code != exitOK || !strings.Contains(r.stdout, "deleted      app/c  not at the source\n") || !strings.Contains(r.stdout, ", 2 deleted\n") {
		t.Errorf("prune: exit %d, %s\n%s", r.code, r.stderr, r.stdout)
	}
	for name, deleted := range map[string]bool{"app/a": false, "app/b": true, "app/c": true, "other/d": false} {
		d, err := dst.store.DescribeSecret(ctx, &secretstore.DescribeSecretInput{SecretId: name})
		if err != nil || d.DeletedDate.IsZero() == deleted {
			t.Errorf("%s at the destination: %+v, %v; want deleted %v", name, d, err, deleted)
		} else if deleted && time.Until(d.DeletedDate.AddDate(0, 0, 30)) < 29*24*time.Hour {
			t.Errorf("%s: scheduled for deletion with less than the 30-day window", name)
		}
	}

	// The source has app/b again: the next run restores it.
	if err := src.store.Restore(ctx, "app/b"); err != nil {
		t.Fatal(err)
	}
	r = runCopyCLI(ctx, t, append(args, "--prune")...)
	if r.code != exitOK || !strings.Contains(r.stdout, "updated      app/b  restored\n") {
		t.Errorf("restore: exit %d, %s\n%s", r.code, r.stderr, r.stdout)
	}
	if v, err := dst.store.Get(ctx, "app/b"); v != valueMark || err != nil {
		t.Errorf("app/b at the destination: %q, %v", v, err)
	}
}

// TestCopyEvery: copy --every runs a pass each period, printing only what
// changed and a summary line; a pass that fails (the source is down) is
// reported and retried, and the loop goes on until it is stopped, with
// exit status 0.
func TestCopyEvery(t *testing.T) {
	t.Parallel()
	src, dst := newCopyServer(t), newCopyServer(t)
	if _, err := src.store.Put(t.Context(), "a", valueMark+"1"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	out := &syncBuffer{}
	gate := newPassGate()
	c := &cli{stdin: strings.NewReader(""), stdout: out, stderr: out, getenv: func(string) string { return "" }, wait: gate.wait}
	done := make(chan int)
	go func() { done <- c.run(ctx, []string{"copy", "--from", src.URL, "--to", dst.URL, "--every", "1s"}) }()
	wait := func(what string) { t.Helper(); waitFor(t, out, what) }
	wait("pass 1 at ")
	wait(": 1 created, 0 updated, 0 unchanged, 0 skipped, 0 failed\n")
	if _, err := src.store.Put(t.Context(), "a", valueMark+"2"); err != nil {
		t.Fatal(err)
	}
	if d := gate.next(t); d < 0 || d > time.Second {
		t.Errorf("after a good pass, the loop waited %v; want the rest of the 1s period (0 if the pass took it all)", d)
	}
	wait("updated      a  1 version written\n")
	wait(": 0 created, 1 updated, 0 unchanged, 0 skipped, 0 failed\n")
	gate.next(t)
	wait(": 0 created, 0 updated, 1 unchanged, 0 skipped, 0 failed\n")
	cancel()
	if code := <-done; code != exitOK {
		t.Errorf("exit %d:\n%s", code, out.String())
	}
	if strings.Contains(out.String(), "unchanged    a") || strings.Contains(out.String(), valueMark) {
		t.Errorf("a line for an unchanged secret, or a value:\n%s", out.String())
	}

	// A source that is down: each pass fails, the loop goes on, and the
	// retry comes after the backoff (1s, never more than the period).
	ctx, cancel = context.WithCancel(t.Context())
	defer cancel()
	out = &syncBuffer{}
	c = &cli{stdin: strings.NewReader(""), stdout: out, stderr: out, getenv: func(string) string { return "" }, wait: gate.wait}
	go func() {
		done <- c.run(ctx, []string{"copy", "--from", "http://127.0.0.1:1", "--to", dst.URL, "--every", "1s"})
	}()
	wait("copy: pass 1 failed: listing the secrets of http://127.0.0.1:1?region=us-east-1")
	wait("copy: next pass at ")
	if d := gate.next(t); d != time.Second {
		t.Errorf("after a failed pass, the loop waited %v; want 1s", d)
	}
	wait("copy: pass 2 failed")
	cancel()
	if code := <-done; code != exitOK {
		t.Errorf("exit %d:\n%s", code, out.String())
	}
}

// passGate is a cli.wait for tests of a loop of passes (copy --every,
// serve's mirror): each wait lasts until the test calls next, so the next
// pass begins when the test says, not a period later.
type passGate struct {
	waits chan time.Duration // the wait the loop asked for, sent as it begins
	open  chan struct{}
}

func newPassGate() *passGate {
	return &passGate{waits: make(chan time.Duration), open: make(chan struct{})}
}

func (g *passGate) wait(ctx context.Context, d time.Duration) error {
	select {
	case g.waits <- d:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-g.open:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// next waits until the loop waits between two passes, lets the next pass
// begin, and returns the wait the loop asked for.
func (g *passGate) next(t *testing.T) time.Duration {
	t.Helper()
	var d time.Duration
	select {
	case d = <-g.waits:
	case <-time.After(time.Minute):
		t.Fatal("the loop never waited for its next pass")
	}
	g.open <- struct{}{}
	return d
}
