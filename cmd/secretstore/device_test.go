package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"
	"github.com/secretstore-go/secretstore"
	"github.com/secretstore-go/secretstore/awsapi"
)

// waitLog waits until log holds what, or fails the test.
func waitLog(t *testing.T, log *syncBuffer, what string) {
	t.Helper()
	if log.await(regexp.MustCompile(regexp.QuoteMeta(what)), nil, 60*time.Second) == nil {
		t.Fatalf("no %q in the log:\n%s", what, log)
	}
}

// TestServeMirror: serve --mirror-from (given through its environment
// variable) mirrors an upstream server at start and each period, logs a
// line per pass, refuses writes to what it mirrors over the SDK, and
// "mirror status" reports the passes while it runs and after.
func TestServeMirror(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	up := newCopyServer(t)
	for i := range 3 {
		if _, err := up.store.Put(ctx, fmt.Sprintf("edge/s%d", i), valueMark+fmt.Sprint(i)); err != nil {
			t.Fatal(err)
		}
	}
	data := filepath.Join(t.TempDir(), "data")
	env := map[string]string{"SECRETSTORE_MIRROR_FROM": up.URL, "SECRETSTORE_MIRROR_EVERY": "1s", "SECRETSTORE_MASTER_KEY": testKeyB64}
	gate := newPassGate()
	srv := startInProcessWith(t, func(c *cli) { c.wait = gate.wait }, env, "--data", data, "--mirror-filter", "name=edge/", "--quiet")
	waitLog(t, srv.log, "created=3")
	gate.next(t)
	waitLog(t, srv.log, "msg=\"mirror pass\" source=\""+up.URL+"?region=us-east-1\" created=0 updated=0 deleted=0 unchanged=3 failed=0 calls=1")

	sm := sdkClient(srv.URL, "test", "test")
	v, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("edge/s1")})
	if err != nil || aws.ToString(v.SecretString) != valueMark+"1" {
		t.Fatalf("reading a mirrored secret: %+v, %v", v, err)
	}
	_, err = sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("edge/s1"), SecretString: aws.String("x")})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidParameterException" || !strings.Contains(ae.ErrorMessage(), "mirrored secret. Call must be made at its source, "+up.URL) {
		t.Errorf("a write to a mirrored secret: %v", err)
	}

	r := runCLI(t, nil, "", "mirror", "status", "--data", data)
	for _, want := range []string{"source          " + up.URL + "?region=us-east-1, a pass every 1s\n", "last good pass  ", "secrets         3 at the source\n",
		"that pass       0 created, 0 updated, 0 deleted, 3 unchanged, 0 failed; 1 calls to the source in ", "next pass       "} {
		if r.code != exitOK || !strings.Contains(r.stdout, want) {
			t.Errorf("mirror status: exit %d, no %q in:\n%s%s", r.code, want, r.stdout, r.stderr)
		}
	}
	if strings.Contains(r.stdout, "not running") {
		t.Errorf("mirror status says serve is not running:\n%s", r.stdout)
	}
	// The health document has the mirror's section.
	resp, err := http.Get(srv.URL + "/_secretstore/health")
	if err != nil {
		t.Fatal(err)
	}
	var health struct {
		Mirror *awsapi.MirrorStatus `json:"mirror"`
	}
	err = json.NewDecoder(resp.Body).Decode(&health)
	resp.Body.Close()
	if err != nil || health.Mirror == nil || health.Mirror.From != up.URL+"?region=us-east-1" || health.Mirror.Passes < 2 ||
		health.Mirror.FailedPasses != 0 || health.Mirror.LastPassEnded.IsZero() || health.Mirror.LastPassError != "" {
		t.Errorf("the health document's mirror: %+v, %v", health.Mirror, err)
	}
	if code := srv.stop(); code != exitOK {
		t.Fatalf("serve exited %d:\n%s", code, srv.log)
	}
	r = runCLI(t, nil, "", "mirror", "status", "--data", data, "--json")
	var doc struct {
		Source         string
		Every          string
		LastGoodPassAt time.Time
		Secrets        int
		FailedPasses   int
	}
	decode(t, r.stdout, &doc)
	if r.code != exitOK || doc.Source != up.URL+"?region=us-east-1" || doc.Every != "1s" || doc.LastGoodPassAt.IsZero() || doc.Secrets != 3 {
		t.Errorf("mirror status --json: exit %d, %+v\n%s", r.code, doc, r.stderr)
	}
	if r := runCLI(t, nil, "", "mirror", "status", "--data", data); !strings.Contains(r.stdout, "not running on "+data) {
		t.Errorf("mirror status after serve stopped:\n%s", r.stdout)
	}
	if r := runCLI(t, nil, "", "mirror", "status", "--data", t.TempDir()); r.code != exitError || !strings.Contains(r.stderr, "has no mirror status") {
		t.Errorf("mirror status of a folder with none: exit %d, %s", r.code, r.stderr)
	}
	if r := runCLI(t, nil, "", "mirror", "start"); r.code != exitUsage {
		t.Errorf("mirror start: exit %d", r.code)
	}
}

// deviceState is one mirrored secret as a kill -9 test compares it: its
// metadata and the value of each labelled version.
type deviceState struct {
	Description string
	Tags        string
	Stages      string
	Values      string
	Changed     time.Time
}

// deviceStates reads every secret of store's region.
func deviceStates(t *testing.T, store *secretstore.Store) map[string]deviceState {
	t.Helper()
	ctx := t.Context()
	states := map[string]deviceState{}
	for e, err := range store.AllSecrets(ctx, &secretstore.ListSecretsInput{}) {
		if err != nil {
			t.Fatal(err)
		}
		d, err := store.DescribeSecret(ctx, &secretstore.DescribeSecretInput{SecretId: e.ARN})
		if err != nil {
			t.Fatal(err)
		}
		st := deviceState{Description: d.Description, Changed: d.LastChangedDate}
		var tags, stages, values []string
		for _, tag := range d.Tags {
			tags = append(tags, tag.Key+"="+tag.Value)
		}
		for id, labels := range d.VersionIdsToStages {
			slices.Sort(labels)
			stages = append(stages, id+":"+strings.Join(labels, ","))
			v, err := store.GetSecretValue(ctx, &secretstore.GetSecretValueInput{SecretId: e.ARN, VersionId: id})
			if err != nil {
				t.Fatalf("%s %s: %v", e.Name, id, err)
			}
			values = append(values, id+"="+v.SecretString)
		}
		slices.Sort(tags)
		slices.Sort(stages)
		slices.Sort(values)
		st.Tags, st.Stages, st.Values = strings.Join(tags, " "), strings.Join(stages, " "), strings.Join(values, " ")
		states[e.Name] = st
	}
	return states
}

// TestServeMirrorKill9: a device process is killed (SIGKILL) in the middle
// of a pass that changes 500 secrets (a new version, labels, tags and the
// description of each): every secret is then either as it was or as the
// source has it, never a mix; the next run completes the pass.
func TestServeMirrorKill9(t *testing.T) {
	t.Parallel()
	n := 500
	if raceEnabled {
		n = 150
	}
	ctx := t.Context()
	upStore, err := secretstore.Open(ctx, secretstore.Options{InMemory: true, DisableReaper: true})
	if err != nil {
		t.Fatal(err)
	}
	defer upStore.Close()
	h := awsapi.New(upStore, awsapi.Options{})
	var values atomic.Int64  // GetSecretValue calls, while counting
	var onValue atomic.Value // func(n int64), called with each count
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Amz-Target") == "secretsmanager.GetSecretValue" {
			if f, ok := onValue.Load().(func(int64)); ok && f != nil {
				f(values.Add(1))
			}
		}
		h.ServeHTTP(w, r)
	}))
	defer up.Close()
	for i := range n {
		name := fmt.Sprintf("fleet/s%03d", i)
		if _, err := upStore.CreateSecret(ctx, &secretstore.CreateSecretInput{Name: name, SecretString: "old " + name, Description: "old",
			Tags: []secretstore.Tag{{Key: "generation", Value: "1"}}}); err != nil {
			t.Fatal(err)
		}
	}

	dir := t.TempDir()
	keyFile := filepath.Join(dir, "master.key")
	if err := os.WriteFile(keyFile, []byte(testKeyB64), 0o600); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	args := []string{"--data", data, "--master-key-file", keyFile, "--mirror-from", up.URL, "--mirror-every", "1h", "--quiet"}
	device := startProcess(t, nil, args...)
	waitLog(t, device.log, fmt.Sprintf("created=%d updated=0 deleted=0 unchanged=0 failed=0", n))
	if code := device.stop(); code != exitOK {
		t.Fatalf("the device exited %d:\n%s", code, device.log)
	}
	openDevice := func() *secretstore.Store {
		t.Helper()
		s, err := secretstore.Open(ctx, secretstore.Options{Dir: data, MasterKey: testKey, DisableReaper: true})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := openDevice()
	old := deviceStates(t, s)
	s.Close()

	// Each secret changes at the source: a new current value, a custom
	// label on the old one, a tag and the description.
	for i := range n {
		name := fmt.Sprintf("fleet/s%03d", i)
		prev, err := upStore.GetSecretValue(ctx, &secretstore.GetSecretValueInput{SecretId: name})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := upStore.PutSecretValue(ctx, &secretstore.PutSecretValueInput{SecretId: name, SecretString: "new " + name}); err != nil {
			t.Fatal(err)
		}
		if _, err := upStore.UpdateSecretVersionStage(ctx, &secretstore.UpdateSecretVersionStageInput{SecretId: name, VersionStage: "LAST-GOOD", MoveToVersionId: prev.VersionId}); err != nil {
			t.Fatal(err)
		}
		if _, err := upStore.TagResource(ctx, &secretstore.TagResourceInput{SecretId: name, Tags: []secretstore.Tag{{Key: "generation", Value: "2"}}}); err != nil {
			t.Fatal(err)
		}
		desc := "new"
		if _, err := upStore.UpdateSecret(ctx, &secretstore.UpdateSecretInput{SecretId: name, Description: &desc}); err != nil {
			t.Fatal(err)
		}
	}

	// The device starts again, and is killed when the pass has read the
	// new values of about half the secrets.
	var kill sync.Once
	var device2 *server
	ready, killed := make(chan struct{}), make(chan struct{})
	values.Store(0)
	onValue.Store(func(c int64) {
		if c == int64(n/2) {
			kill.Do(func() {
				<-ready
				device2.kill()
				close(killed)
			})
		}
	})
	device2 = startProcess(t, nil, args...)
	close(ready)
	select {
	case <-killed:
	case <-time.After(60 * time.Second): // the pass runs in the device
	}
	kill.Do(func() { t.Fatalf("the device's pass did not reach %d values:\n%s", n/2, device2.log) })
	onValue.Store(func(int64) {})

	s = openDevice()
	got := deviceStates(t, s)
	want := map[string]deviceState{}
	for e, err := range upStore.AllSecrets(ctx, &secretstore.ListSecretsInput{}) {
		if err != nil {
			t.Fatal(err)
		}
		want[e.Name] = deviceState{}
	}
	upStates := deviceStates(t, upStore)
	counts := map[string]int{}
	for name := range want {
		switch g := got[name]; {
		case g == old[name]:
			counts["old"]++
		case g == upStates[name]:
			counts["new"]++
		default:
			counts["mixed"]++
			if counts["mixed"] <= 3 {
				t.Errorf("%s is half-updated:\n%+v\nold %+v\nnew %+v", name, g, old[name], upStates[name])
			}
		}
	}
	t.Logf("after kill -9 mid-pass: %v", counts)
	if counts["mixed"] > 0 || counts["old"] == 0 || counts["new"] == 0 || counts["old"]+counts["new"] != n {
		t.Errorf("after kill -9 mid-pass: %v; want every secret old or new, some of each", counts)
	}
	if problems, err := s.Verify(ctx); err != nil || len(problems) > 0 {
		t.Errorf("verify after kill -9: %v, %v", problems, err)
	}
	s.Close()

	// The next run completes the pass.
	device3 := startProcess(t, nil, args...)
	waitLog(t, device3.log, fmt.Sprintf("created=0 updated=%d deleted=0 unchanged=%d failed=0", counts["old"], counts["new"]))
	if code := device3.stop(); code != exitOK {
		t.Fatalf("the device exited %d:\n%s", code, device3.log)
	}
	s = openDevice()
	defer s.Close()
	final := deviceStates(t, s)
	for name := range want {
		if final[name] != upStates[name] {
			t.Errorf("%s after the next pass: %+v, want %+v", name, final[name], upStates[name])
			break
		}
	}
}
