package mirror

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/secretstore-go/secretstore"
	"github.com/secretstore-go/secretstore/internal/testutil"
	"go.uber.org/goleak"
)

// pass runs one pass of m and fails the test if it fails.
func pass(t *testing.T, m *Mirror) *Report {
	t.Helper()
	rep, err := m.Pass(t.Context())
	if err != nil {
		t.Fatalf("pass: %v", err)
	}
	return rep
}

// counts returns the report's counts as one string.
func counts(r *Report) string {
	return fmt.Sprintf("created %d, updated %d, deleted %d, unchanged %d, failed %d", r.Created, r.Updated, r.Deleted, r.Unchanged, r.Failed)
}

// TestMirrorBetweenTwoServers: a device mirrors an upstream server standing
// in for AWS: every change upstream (create, new values, label moves as a
// rotation makes them, tags, description, deletion) reaches the device at
// the next pass, as the SDK sees it on both sides; the device refuses
// writes to what it mirrors; it serves everything while the upstream is
// down, and catches up when it is back.
func TestMirrorBetweenTwoServers(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	up := newServer(t, secretstore.Options{})
	device := newServer(t, secretstore.Options{})
	uc := client(up.URL)
	for i := range 6 {
		in := &secretsmanager.CreateSecretInput{Name: aws.String(fmt.Sprintf("app/s%d", i)), SecretString: aws.String(fmt.Sprint("value ", i)),
			Description: aws.String("secret " + fmt.Sprint(i)), Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("a")}}}
		if i == 5 {
			in.SecretString, in.SecretBinary = nil, []byte{0, 1, 2, 0xff}
		}
		if _, err := uc.CreateSecret(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := uc.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("app/empty")}); err != nil {
		t.Fatal(err)
	}
	var logs strings.Builder
	m := New(endpoint(t, up.URL), device.store, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})

	rep := pass(t, m)
	if got := counts(rep); got != "created 7, updated 0, deleted 0, unchanged 0, failed 0" {
		t.Errorf("first pass: %s\n%+v", got, rep.Secrets)
	}
	sameViews(t, "after the first pass", view(t, device.URL), view(t, up.URL))
	if !strings.Contains(logs.String(), "msg=\"mirror pass\"") || !strings.Contains(logs.String(), "created=7") {
		t.Errorf("no log line for the pass:\n%s", logs.String())
	}

	// An unchanged pass lists and does nothing else, but describe the
	// secret with no value: a listing does not tell it from one whose
	// versions the source left out.
	up.takeCalls()
	rep = pass(t, m)
	if calls := up.takeCalls(); counts(rep) != "created 0, updated 0, deleted 0, unchanged 7, failed 0" || len(calls) != 2 || calls["ListSecrets"] != 1 || calls["DescribeSecret"] != 1 {
		t.Errorf("unchanged pass: %s, calls %v", counts(rep), calls)
	}

	// Changes upstream.
	if _, err := uc.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("app/s0"), SecretString: aws.String("new 0")}); err != nil {
		t.Fatal(err)
	}
	// What a rotation does: a new version as AWSPENDING, then AWSCURRENT moved to it.
	pending, err := uc.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("app/s1"), SecretString: aws.String("rotated 1"),
		VersionStages: []string{"AWSPENDING"}})
	if err != nil {
		t.Fatal(err)
	}
	up.takeCalls()
	rep = pass(t, m) // between the rotation's steps
	if calls := up.takeCalls(); counts(rep) != "created 0, updated 2, deleted 0, unchanged 5, failed 0" || calls["GetSecretValue"] != 2 || len(calls) != 3 {
		t.Errorf("pass during a rotation: %s, calls %v; want the two new values read", counts(rep), calls)
	}
	sameViews(t, "during a rotation", view(t, device.URL), view(t, up.URL))
	d, err := uc.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("app/s1")})
	if err != nil {
		t.Fatal(err)
	}
	var current string
	for id, stages := range d.VersionIdsToStages {
		if strings.Contains(strings.Join(stages, ","), "AWSCURRENT") {
			current = id
		}
	}
	if _, err := uc.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{SecretId: aws.String("app/s1"),
		VersionStage: aws.String("AWSCURRENT"), MoveToVersionId: pending.VersionId, RemoveFromVersionId: aws.String(current)}); err != nil {
		t.Fatal(err)
	}
	if _, err := uc.TagResource(ctx, &secretsmanager.TagResourceInput{SecretId: aws.String("app/s2"), Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("prod")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := uc.UntagResource(ctx, &secretsmanager.UntagResourceInput{SecretId: aws.String("app/s2"), TagKeys: []string{"team"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := uc.UpdateSecret(ctx, &secretsmanager.UpdateSecretInput{SecretId: aws.String("app/s3"), Description: aws.String("changed")}); err != nil {
		t.Fatal(err)
	}
	if _, err := uc.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("app/s4"), RecoveryWindowInDays: aws.Int64(7)}); err != nil {
		t.Fatal(err)
	}
	if _, err := uc.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("app/empty"), ForceDeleteWithoutRecovery: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	up.takeCalls()
	rep = pass(t, m)
	if got := counts(rep); got != "created 0, updated 4, deleted 1, unchanged 2, failed 0" {
		t.Errorf("pass after the changes: %s\n%+v", got, rep.Secrets)
	}
	if calls := up.takeCalls(); calls["ListSecrets"] != 1 || len(calls) != 1 {
		t.Errorf("calls of the pass after the changes: %v; want one listing (no new value)", calls)
	}
	upView, devView := view(t, up.URL), view(t, device.URL)
	if gone := devView["app/empty"]; !gone.Deleted {
		t.Errorf("app/empty, deleted upstream, is not scheduled for deletion on the device: %+v", gone)
	}
	delete(devView, "app/empty")
	sameViews(t, "after the changes", devView, upView)
	dc := client(device.URL)
	_, err = dc.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("app/s4")})
	wantAPIError(t, err, "InvalidRequestException", "marked for deletion")

	// The device refuses writes to what it mirrors, naming the source.
	_, err = dc.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("app/s0"), SecretString: aws.String("local")})
	wantAPIError(t, err, "InvalidParameterException", "Operation not permitted on a mirrored secret. Call must be made at its source, "+up.URL+"?region=us-east-1.")
	_, err = dc.RestoreSecret(ctx, &secretsmanager.RestoreSecretInput{SecretId: aws.String("app/s4")})
	wantAPIError(t, err, "InvalidParameterException", "mirrored secret")

	// The upstream goes away: the pass fails, the device serves all it has.
	before := view(t, device.URL)
	up.stop()
	if _, err := m.Pass(ctx); err == nil || !strings.Contains(err.Error(), "listing the secrets of "+up.URL) {
		t.Errorf("a pass with the upstream down: %v", err)
	}
	st := m.Status()
	if st.FailedPasses != 1 || st.LastError == "" || st.LastGoodPassAt.IsZero() || st.LastGoodPassAt.After(st.LastErrorAt) {
		t.Errorf("status with the upstream down: %+v", st)
	}
	sameViews(t, "with the upstream down", view(t, device.URL), before)

	// Back, with a change: the device catches up.
	up.start()
	if _, err := uc.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("app/s5"), SecretBinary: []byte{9}}); err != nil {
		t.Fatal(err)
	}
	if _, err := uc.RestoreSecret(ctx, &secretsmanager.RestoreSecretInput{SecretId: aws.String("app/s4")}); err != nil {
		t.Fatal(err)
	}
	rep = pass(t, m)
	if got := counts(rep); got != "created 0, updated 2, deleted 0, unchanged 4, failed 0" {
		t.Errorf("pass after the upstream came back: %s\n%+v", got, rep.Secrets)
	}
	devView = view(t, device.URL)
	delete(devView, "app/empty")
	sameViews(t, "after the upstream came back", devView, view(t, up.URL))
	if st := m.Status(); st.FailedPasses != 0 || st.LastError != "" || st.Secrets != 6 || st.LastPass.Updated != 2 || st.Passes != 6 {
		t.Errorf("status after the upstream came back: %+v", st)
	}
}

// TestMirrorFilters: only the secrets the filters find are mirrored, and a
// secret that leaves the filter leaves the device.
func TestMirrorFilters(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	up := newServer(t, secretstore.Options{})
	device := newServer(t, secretstore.Options{})
	for _, name := range []string{"prod/a", "prod/b", "dev/a"} {
		if _, err := up.store.Put(ctx, name, "v"); err != nil {
			t.Fatal(err)
		}
	}
	filters, err := ParseFilters("--mirror-filter", []string{"name=prod/"})
	if err != nil {
		t.Fatal(err)
	}
	m := New(endpoint(t, up.URL), device.store, Options{Filters: filters})
	if rep := pass(t, m); counts(rep) != "created 2, updated 0, deleted 0, unchanged 0, failed 0" {
		t.Errorf("%s", counts(rep))
	}
	if _, err := up.store.TagResource(ctx, &secretstore.TagResourceInput{SecretId: "prod/b", Tags: []secretstore.Tag{{Key: "moved", Value: "yes"}}}); err != nil {
		t.Fatal(err)
	}
	filters, _ = ParseFilters("--mirror-filter", []string{"name=prod/", "tag-key=!moved"})
	m = New(endpoint(t, up.URL), device.store, Options{Filters: filters})
	if rep := pass(t, m); counts(rep) != "created 0, updated 0, deleted 1, unchanged 1, failed 0" {
		t.Errorf("%s", counts(rep))
	}
	if _, err := device.store.Get(ctx, "dev/a"); err == nil {
		t.Error("dev/a, outside the filter, is on the device")
	}
}

// TestMirrorLeavesTheDevicesOwnSecrets: a secret of the device's own with
// a name the upstream has too is reported and left alone; the device's
// other secrets are never pruned.
func TestMirrorLeavesTheDevicesOwnSecrets(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	up := newServer(t, secretstore.Options{})
	device := newServer(t, secretstore.Options{})
	for _, name := range []string{"shared", "upstream-only"} {
		if _, err := up.store.Put(ctx, name, "upstream"); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"shared", "device-only"} {
		if _, err := device.store.Put(ctx, name, "device"); err != nil {
			t.Fatal(err)
		}
	}
	m := New(endpoint(t, up.URL), device.store, Options{})
	rep := pass(t, m)
	if counts(rep) != "created 1, updated 0, deleted 0, unchanged 0, failed 1" || rep.Secrets[0].Name != "shared" ||
		!strings.Contains(rep.Secrets[0].Error, "is this store's own") {
		t.Errorf("%s: %+v", counts(rep), rep.Secrets)
	}
	if st := m.Status(); !strings.HasPrefix(st.LastError, "shared: ") || st.LastGoodPassAt.IsZero() {
		t.Errorf("status: %+v", st)
	}
	for name, want := range map[string]string{"shared": "device", "device-only": "device", "upstream-only": "upstream"} {
		if v, err := device.store.Get(ctx, name); v != want || err != nil {
			t.Errorf("%s on the device: %q, %v; want %q", name, v, err, want)
		}
	}
}

// TestMirrorFromMoto: moto_server, a second implementation of the API, as
// the upstream: the device gets its secrets and each change to them.
func TestMirrorFromMoto(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	motoURL := testutil.Moto(t)
	device := newServer(t, secretstore.Options{})
	mc := client(motoURL)
	for i := range 3 {
		_, err := mc.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(fmt.Sprintf("moto/s%d", i)), SecretString: aws.String(fmt.Sprint("v", i)),
			Description: aws.String("from moto"), Tags: []types.Tag{{Key: aws.String("n"), Value: aws.String(fmt.Sprint(i))}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	m := New(endpoint(t, motoURL), device.store, Options{})
	if rep := pass(t, m); counts(rep) != "created 3, updated 0, deleted 0, unchanged 0, failed 0" {
		t.Fatalf("first pass: %s %+v", counts(rep), rep.Secrets)
	}
	sameViews(t, "from moto", view(t, device.URL), view(t, motoURL))
	if rep := pass(t, m); rep.Unchanged != 3 {
		t.Errorf("second pass: %s", counts(rep))
	}

	if _, err := mc.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("moto/s0"), SecretString: aws.String("new")}); err != nil {
		t.Fatal(err)
	}
	if _, err := mc.TagResource(ctx, &secretsmanager.TagResourceInput{SecretId: aws.String("moto/s1"), Tags: []types.Tag{{Key: aws.String("extra"), Value: aws.String("x")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := mc.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("moto/s2"), ForceDeleteWithoutRecovery: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	rep := pass(t, m)
	if counts(rep) != "created 0, updated 2, deleted 1, unchanged 0, failed 0" {
		t.Errorf("after changes at moto: %s %+v", counts(rep), rep.Secrets)
	}
	devView := view(t, device.URL)
	if !devView["moto/s2"].Deleted {
		t.Errorf("moto/s2 is not scheduled for deletion on the device")
	}
	delete(devView, "moto/s2")
	sameViews(t, "after changes at moto", devView, view(t, motoURL))
}

// TestLoopRetriesWithBackoff: a pass that fails is retried sooner, with
// a doubling wait up to the period; a good pass brings the period back;
// the loop ends only with its context.
func TestLoopRetriesWithBackoff(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	outcomes := []error{nil, errDown, errDown, errDown, errDown, nil, errDown}
	var waits []time.Duration
	var nexts int
	n := 0
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := &Loop{
		Every: 10 * time.Second,
		Now:   func() time.Time { return now },
		Pass: func(context.Context) error {
			err := outcomes[n]
			n++
			return err
		},
		Wait: func(ctx context.Context, d time.Duration) error {
			waits = append(waits, d)
			if len(waits) == len(outcomes) {
				cancel()
				return ctx.Err()
			}
			return nil
		},
		Next: func(time.Time) { nexts++ },
	}
	if err := l.Run(ctx); err != nil {
		t.Fatal(err)
	}
	want := []time.Duration{10 * time.Second, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second, time.Second}
	if fmt.Sprint(waits) != fmt.Sprint(want) || nexts != len(want) {
		t.Errorf("waits %v (%d told), want %v", waits, nexts, want)
	}
}

var errDown = fmt.Errorf("the source is down")

func TestBackoff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n     int
		every time.Duration
		want  time.Duration
	}{
		{1, time.Hour, time.Second},
		{2, time.Hour, 2 * time.Second},
		{9, time.Hour, 256 * time.Second},
		{10, time.Hour, 5 * time.Minute},
		{1000, time.Hour, 5 * time.Minute},
		{3, 3 * time.Second, 3 * time.Second},
	}
	for _, tt := range tests {
		if got := Backoff(tt.n, tt.every); got != tt.want {
			t.Errorf("Backoff(%d, %s) = %s, want %s", tt.n, tt.every, got, tt.want)
		}
	}
}

// TestCopyWithoutTheDestinationsListing: a destination key that may not
// ListSecrets still copies, reading each secret there (as copies did
// before they listed the destination); --prune, which needs the listing,
// fails, having changed nothing.
func TestCopyWithoutTheDestinationsListing(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	up, dst := newServer(t, secretstore.Options{}), newServer(t, secretstore.Options{})
	for _, name := range []string{"a", "b"} {
		if _, err := up.store.Put(ctx, name, "v"); err != nil {
			t.Fatal(err)
		}
	}
	dst.refuse = "ListSecrets"
	c := &Copy{From: endpoint(t, up.URL), To: endpoint(t, dst.URL)}
	for i, want := range []string{"created 2", "unchanged 2"} {
		rep, err := c.Run(ctx, nil)
		if err != nil || !strings.Contains(counts(rep), want) {
			t.Fatalf("run %d: %v, %v; want %s", i, rep, err, want)
		}
	}
	if calls := dst.takeCalls(); calls["DescribeSecret"] != 4 {
		t.Errorf("destination calls %v: want each secret described in each run", calls)
	}
	c.Prune = true
	if _, err := c.Run(ctx, nil); err == nil || !strings.Contains(err.Error(), "AccessDeniedException") {
		t.Errorf("--prune without the listing: %v", err)
	}
}

// TestMirrorPassInterrupted: a pass whose context ends stops, says so, and
// is not counted as the source's failure.
func TestMirrorPassInterrupted(t *testing.T) {
	t.Parallel()
	up := newServer(t, secretstore.Options{})
	device := newServer(t, secretstore.Options{})
	fillUpstream(t, up.store, 20)
	var logs strings.Builder
	m := New(endpoint(t, up.URL), device.store, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil)), Workers: 1})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := m.Pass(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled pass: %v", err)
	}
	if st := m.Status(); st.FailedPasses != 0 || st.LastError != "" || !strings.Contains(logs.String(), "mirror pass interrupted") {
		t.Errorf("status %+v, log:\n%s", st, logs.String())
	}
}

// TestLoopStopsItsGoroutines: a loop of mirror passes, and each pass's
// workers, end with the loop's context.
func TestLoopStopsItsGoroutines(t *testing.T) {
	up := newServer(t, secretstore.Options{})
	device := newServer(t, secretstore.Options{})
	fillUpstream(t, up.store, 10)
	opts := []goleak.Option{
		goleak.IgnoreCurrent(),
		// Keep-alive connections of the SDK's client and of the servers.
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
	}
	m := New(endpoint(t, up.URL), device.store, Options{})
	ctx, cancel := context.WithCancel(t.Context())
	passes := 0
	l := &Loop{Every: time.Hour, Pass: func(ctx context.Context) error {
		passes++
		_, err := m.Pass(ctx)
		return err
	}, Wait: func(ctx context.Context, d time.Duration) error {
		cancel()
		<-ctx.Done()
		return ctx.Err()
	}}
	done := make(chan error)
	go func() { done <- l.Run(ctx) }()
	if err := <-done; err != nil || passes != 1 {
		t.Fatalf("Run: %v after %d passes", err, passes)
	}
	goleak.VerifyNone(t, opts...)
}
