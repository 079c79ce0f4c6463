package secretstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secretstore-go/secretstore/internal/record"
	"go.uber.org/goleak"
)

func TestReaperPurgesAtTheDeletionDate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, clk := newTestStore(t)
	mustCreate(t, s, "doomed", "v")
	mustCreate(t, s, "kept", "v")
	del, err := s.DeleteSecret(ctx, &DeleteSecretInput{SecretId: "doomed", RecoveryWindowInDays: new(int64(7))})
	if err != nil {
		t.Fatal(err)
	}

	clk.Set(del.DeletionDate.Add(-time.Second))
	st, err := s.Reap(ctx)
	if err != nil || st.Purged != 0 {
		t.Fatalf("one second before: Reap = %+v, %v; want nothing purged", st, err)
	}
	if d := mustDescribe(t, s, "doomed"); d.DeletedDate.IsZero() {
		t.Fatal("DeletedDate is gone before the deletion date")
	}

	clk.Set(del.DeletionDate.Add(time.Second))
	st, err = s.Reap(ctx)
	if err != nil || st.Purged != 1 || st.Shredded != 1 || st.Failed != 0 {
		t.Fatalf("one second after: Reap = %+v, %v; want one purge", st, err)
	}
	_, err = s.DescribeSecret(ctx, &DescribeSecretInput{SecretId: "doomed"})
	wantErr(t, err, ErrResourceNotFound, "")
	if got := mustGet(t, s, "kept"); got != "v" {
		t.Fatalf("kept = %q", got)
	}
	if st, err := s.Reap(ctx); err != nil || st != (ReapStats{}) {
		t.Fatalf("a second pass = %+v, %v; want no work", st, err)
	}
	// Nothing of the purged secret is left: no index entry, no version (the
	// keyring and the commit mark are the store's own).
	for k := range dump(t, s) {
		if k[0] != record.PrefixKeyring && k[0] != record.PrefixCommit && !bytes.Contains([]byte(k), []byte("kept")) && k[0] != record.PrefixVersion {
			t.Errorf("left behind: %q", k)
		}
	}
}

func TestReaperOnDiskAcrossReopen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	key := newTestKey(t)
	clk := NewFakeClock(testEpoch)
	s := mustOpenDisk(t, dir, Options{MasterKey: key, Clock: clk})
	mustCreate(t, s, "disk/secret", "v")
	del, err := s.DeleteSecret(ctx, &DeleteSecretInput{SecretId: "disk/secret", RecoveryWindowInDays: new(int64(7))})
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, s)

	clk.Set(del.DeletionDate.Add(time.Minute))
	s = mustOpenDisk(t, dir, Options{MasterKey: key, Clock: clk})
	defer mustClose(t, s)
	st, err := s.Reap(ctx)
	if err != nil || st.Purged != 1 {
		t.Fatalf("Reap = %+v, %v", st, err)
	}
	_, err = s.DescribeSecret(ctx, &DescribeSecretInput{SecretId: "disk/secret"})
	wantErr(t, err, ErrResourceNotFound, "")
}

func TestPurgeShredsDataKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	key := newTestKey(t)
	clk := NewFakeClock(testEpoch)
	const plaintext = "plaintext-that-must-never-reach-the-disk-7f3a"
	s := mustOpenDisk(t, dir, Options{MasterKey: key, Clock: clk})
	out := mustCreate(t, s, "shred/me", plaintext)
	mustCreate(t, s, "keep/me", "other")
	_, rec := rawVersion(t, s, "shred/me", out.VersionId)
	wrapped := bytes.Clone(rec.WrappedKey)
	ciphertext := bytes.Clone(rec.Ciphertext[nonceLen:])
	mustClose(t, s)
	if len(filesContain(t, dir, wrapped)) == 0 {
		t.Fatal("the wrapped data key is not on disk before the purge: the test cannot tell anything")
	}

	s = mustOpenDisk(t, dir, Options{MasterKey: key, Clock: clk})
	mustDelete(t, s, &DeleteSecretInput{SecretId: "shred/me", RecoveryWindowInDays: new(int64(7))})
	clk.Advance(8 * day24)
	st, err := s.Reap(ctx)
	if err != nil || st.Purged != 1 || st.Shredded != 1 {
		t.Fatalf("Reap = %+v, %v", st, err)
	}
	// The database no longer holds it, in any version Badger keeps.
	for k, v := range dump(t, s) {
		if bytes.Contains([]byte(v), wrapped) || bytes.Contains([]byte(v), ciphertext) {
			t.Fatalf("record %q still holds the purged version", k)
		}
	}
	mustClose(t, s)
	if f := filesContain(t, dir, wrapped); len(f) != 0 {
		t.Fatalf("the purged version's wrapped data key is still in %v", f)
	}
	if f := filesContain(t, dir, []byte(plaintext)); len(f) != 0 {
		t.Fatalf("the plaintext is in %v", f)
	}
	s = mustOpenDisk(t, dir, Options{MasterKey: key, Clock: clk})
	defer mustClose(t, s)
	if got := mustGet(t, s, "keep/me"); got != "other" {
		t.Fatalf("keep/me = %q", got)
	}
}

func TestReaperPrunesDeprecatedVersions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, clk := newTestStore(t)
	mustCreate(t, s, "busy", "v0")
	mustPut(t, s, "busy", "custom", "KEEP") // labelled: never pruned
	const puts = 130
	for i := 1; i <= puts; i++ {
		clk.Advance(time.Hour) // at most 24 versions are younger than a day
		mustPut(t, s, "busy", fmt.Sprint("v", i))
	}
	total := puts + 2
	if n := len(listVersions(t, s, "busy")); n != total {
		t.Fatalf("%d versions before the pass, want %d", n, total)
	}
	st, err := s.Reap(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.PrunedVersions != total-MaxVersions || st.Shredded != total-MaxVersions {
		t.Fatalf("Reap = %+v; want %d versions pruned and shredded", st, total-MaxVersions)
	}
	vs := listVersions(t, s, "busy")
	if len(vs) != MaxVersions {
		t.Fatalf("%d versions after the pass, want %d", len(vs), MaxVersions)
	}
	labels := map[string]bool{}
	for _, v := range vs {
		for _, l := range v.VersionStages {
			labels[l] = true
		}
		if len(v.VersionStages) == 0 && clk.Now().Sub(v.CreatedDate) < VersionMinAge {
			continue
		}
	}
	if !labels[StageCurrent] || !labels[StagePrevious] || !labels["KEEP"] {
		t.Fatalf("a labelled version was pruned: labels left %v", labels)
	}
	// The oldest deprecated versions went first: v1 (the first after "custom") is gone.
	if vs[0].VersionStages == nil {
		t.Fatalf("oldest version left is deprecated and %v old; pruning did not go oldest first", clk.Now().Sub(vs[0].CreatedDate))
	}
	if mustGet(t, s, "busy") != fmt.Sprint("v", puts) {
		t.Fatal("current value changed")
	}
	if st, _ := s.Reap(ctx); st.PrunedVersions != 0 {
		t.Fatalf("second pass pruned %d", st.PrunedVersions)
	}
}

func TestReaperNeverPrunesYoungVersions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, clk := newTestStore(t)
	mustCreate(t, s, "young", "v0")
	for i := 1; i < MaxVersions; i++ {
		mustPut(t, s, "young", fmt.Sprint("v", i))
	}
	clk.Advance(VersionMinAge - time.Minute)
	// 100 versions, all younger than a day: the next put is refused...
	_, err := s.PutSecretValue(ctx, &PutSecretValueInput{SecretId: "young", SecretString: "one too many"})
	wantErr(t, err, ErrLimitExceeded, "")
	if st, _ := s.Reap(ctx); st.PrunedVersions != 0 {
		t.Fatalf("pruned %d young versions", st.PrunedVersions)
	}
	// ...until the deprecated ones are old enough to go.
	clk.Advance(2 * time.Minute)
	mustPut(t, s, "young", "now it fits")
	st, err := s.Reap(ctx)
	if err != nil || st.PrunedVersions != 1 {
		t.Fatalf("Reap = %+v, %v; want one version pruned", st, err)
	}
	if n := len(listVersions(t, s, "young")); n != MaxVersions {
		t.Fatalf("%d versions, want %d", n, MaxVersions)
	}
}

func TestReaperCostGrowsWithWhatExpired(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("creates 10,000 secrets")
	}
	ctx := context.Background()
	s, clk := newTestStore(t)
	const total, expired = 10000, 10
	for i := range total {
		mustCreate(t, s, fmt.Sprintf("s%05d", i), "v")
	}
	for i := range expired {
		mustDelete(t, s, &DeleteSecretInput{SecretId: fmt.Sprintf("s%05d", i*997), RecoveryWindowInDays: new(int64(7))})
	}
	// Ten more scheduled, but later: they are not read either.
	for i := range 10 {
		mustDelete(t, s, &DeleteSecretInput{SecretId: fmt.Sprintf("s%05d", i*997+1), RecoveryWindowInDays: new(int64(30))})
	}
	clk.Advance(8 * day24)
	st, err := s.Reap(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Purged != expired {
		t.Fatalf("purged %d, want %d", st.Purged, expired)
	}
	// Per expired secret: its index entry, its record, its shred entry.
	if st.RecordsRead != 3*expired {
		t.Fatalf("the pass read %d records for %d expired secrets out of %d; want %d", st.RecordsRead, expired, total, 3*expired)
	}
}

func TestCreateOverAnExpiredSecretIsSafeFromTheReaper(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, clk := newTestStore(t)
	old := mustCreate(t, s, "name", "old")
	mustDelete(t, s, &DeleteSecretInput{SecretId: "name", RecoveryWindowInDays: new(int64(7))})
	clk.Advance(8 * day24)
	fresh := mustCreate(t, s, "name", "new") // before any reaper pass
	if fresh.ARN == old.ARN {
		t.Fatal("same ARN")
	}
	st, err := s.Reap(ctx)
	if err != nil || st.Purged != 0 || st.Shredded != 1 {
		t.Fatalf("Reap = %+v, %v; want the old versions shredded, nothing purged", st, err)
	}
	if got := mustGet(t, s, "name"); got != "new" {
		t.Fatalf("value = %q", got)
	}
}

func TestReaperRacesWithRestoreAndCreate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, clk := newTestStore(t)
	const n = 40
	var deletionDate time.Time
	for i := range n {
		name := fmt.Sprint("r", i)
		mustCreate(t, s, name, "v")
		out, err := s.DeleteSecret(ctx, &DeleteSecretInput{SecretId: name, RecoveryWindowInDays: new(int64(7))})
		if err != nil {
			t.Fatal(err)
		}
		deletionDate = out.DeletionDate
	}
	// Half are restored while passes run, just before the date.
	clk.Set(deletionDate.Add(-time.Second))
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; i < n; i += 2 {
			if err := s.Restore(ctx, fmt.Sprint("r", i)); err != nil {
				t.Error(err)
			}
		}
	})
	wg.Go(func() {
		for range 10 {
			if _, err := s.Reap(ctx); err != nil {
				t.Error(err)
			}
		}
	})
	wg.Wait()
	// Past the date, the other half is purged while new secrets take
	// their names.
	clk.Set(deletionDate.Add(time.Second))
	wg.Go(func() {
		for i := 1; i < n; i += 2 {
			mustCreate(t, s, fmt.Sprint("r", i), "new")
		}
	})
	wg.Go(func() {
		for range 10 {
			if _, err := s.Reap(ctx); err != nil {
				t.Error(err)
			}
		}
	})
	wg.Wait()
	if _, err := s.Reap(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		want := map[bool]string{true: "v", false: "new"}[i%2 == 0]
		if got := mustGet(t, s, fmt.Sprint("r", i)); got != want {
			t.Fatalf("r%d = %q, want %q", i, got, want)
		}
	}
}

func TestBackgroundReaper(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := context.Background()
	clk := NewFakeClock(testEpoch)
	purged := make(chan Event, 1)
	s, err := Open(ctx, Options{
		Dir:          t.TempDir(),
		MasterKey:    newTestKey(t),
		Clock:        clk,
		ReapInterval: 10 * time.Millisecond,
		OnEvent: func(ev Event) {
			if ev.Operation == "EndSecretVersionDelete" {
				purged <- ev
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	out := mustCreate(t, s, "bg", "v")
	mustDelete(t, s, &DeleteSecretInput{SecretId: "bg", RecoveryWindowInDays: new(int64(7))})
	clk.Advance(8 * day24)
	select {
	case ev := <-purged:
		if ev.ARN != out.ARN || ev.Name != "bg" || ev.Region != "us-east-1" || ev.DeletedDate.IsZero() {
			t.Fatalf("purge event = %+v", ev)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the background reaper did not purge the secret")
	}
	mustClose(t, s)
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := s.Reap(ctx); !errors.Is(err, ErrClosed) {
		t.Fatalf("Reap after Close: %v", err)
	}
}

func TestCloseStopsEveryGoroutine(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, o := range []Options{
		{InMemory: true},
		{Dir: t.TempDir()},
		{InMemory: true, DisableReaper: true},
	} {
		clk := NewFakeClock(testEpoch)
		purged := make(chan struct{}, 1)
		o.MasterKey, o.Clock, o.ReapInterval = newTestKey(t), clk, time.Millisecond
		o.OnEvent = func(ev Event) {
			if ev.Operation == "EndSecretVersionDelete" {
				purged <- struct{}{}
			}
		}
		s, err := Open(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		mustCreate(t, s, "x", "y")
		if !o.DisableReaper {
			// The reaper has run a pass, which purged x, before Close.
			mustDelete(t, s, &DeleteSecretInput{SecretId: "x", RecoveryWindowInDays: new(int64(7))})
			clk.Advance(8 * day24)
			select {
			case <-purged:
			case <-time.After(10 * time.Second):
				t.Fatal("the reaper ran no pass")
			}
		}
		mustClose(t, s)
	}
}

func TestReapHonoursContext(t *testing.T) {
	t.Parallel()
	s, clk := newTestStore(t)
	mustCreate(t, s, "c", "v")
	if _, err := s.Delete(context.Background(), "c", 7); err != nil {
		t.Fatal(err)
	}
	clk.Advance(8 * day24)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Reap(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Reap with a cancelled context: %v", err)
	}
	if _, err := s.DescribeSecret(context.Background(), &DescribeSecretInput{SecretId: "c"}); !errors.Is(err, ErrResourceNotFound) {
		t.Fatalf("the secret is visible past its date: %v", err)
	}
	if st, err := s.Reap(context.Background()); err != nil || st.Purged != 1 {
		t.Fatalf("Reap = %+v, %v", st, err)
	}
}

func TestEvents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var events []Event
	s, clk := newTestStore(t, func(o *Options) { o.OnEvent = func(ev Event) { events = append(events, ev) } })
	const value = "event-secret-value-9c1d"
	out := mustCreate(t, s, "audited", value)
	mustGet(t, s, "audited")
	if _, err := s.Delete(ctx, "audited", 7); err != nil {
		t.Fatal(err)
	}
	_, err := s.GetSecretValue(ctx, &GetSecretValueInput{SecretId: "audited"})
	wantErr(t, err, ErrInvalidRequest, "")
	_, err = s.GetSecretValue(ctx, &GetSecretValueInput{SecretId: "nope"})
	wantErr(t, err, ErrResourceNotFound, "")
	clk.Advance(8 * day24)
	if _, err := s.Reap(ctx); err != nil {
		t.Fatal(err)
	}

	want := []struct {
		op, code string
		found    bool
		deleted  bool
	}{
		{"CreateSecret", "", true, false},
		{"GetSecretValue", "", true, false},
		{"DeleteSecret", "", true, true},
		{"GetSecretValue", "InvalidRequestException", true, true}, // the one to alert on
		{"GetSecretValue", "ResourceNotFoundException", false, false},
		{"EndSecretVersionDelete", "", true, true},
	}
	if len(events) != len(want) {
		t.Fatalf("got %d events, want %d: %+v", len(events), len(want), events)
	}
	for i, w := range want {
		ev := events[i]
		if ev.Operation != w.op || ev.ErrorCode != w.code || (ev.ARN != "") != w.found || !ev.DeletedDate.IsZero() != w.deleted || ev.Region != "us-east-1" {
			t.Errorf("event %d = %+v; want %+v", i, ev, w)
		}
		if w.found && (ev.ARN != out.ARN || ev.Name != "audited") {
			t.Errorf("event %d names %s %s", i, ev.ARN, ev.Name)
		}
		if (w.code == "") != (ev.Message == "") {
			t.Errorf("event %d message %q with code %q", i, ev.Message, ev.ErrorCode)
		}
		if s := fmt.Sprintf("%+v", ev); bytes.Contains([]byte(s), []byte(value)) {
			t.Fatalf("event %d carries the secret value: %s", i, s)
		}
	}
}

func TestLargePurgeIsShreddedOverSeveralPasses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, clk := newTestStore(t)
	n := shredBatch + 44
	for i := range n {
		mustCreate(t, s, fmt.Sprint("bulk", i), "v")
		if _, err := s.Delete(ctx, fmt.Sprint("bulk", i), 7); err != nil {
			t.Fatal(err)
		}
	}
	clk.Advance(8 * day24)
	st, err := s.Reap(ctx)
	if err != nil || st.Purged != n || st.Shredded != shredBatch {
		t.Fatalf("first pass = %+v, %v; want %d purged and %d shredded", st, err, n, shredBatch)
	}
	st, err = s.Reap(ctx)
	if err != nil || st.Purged != 0 || st.Shredded != n-shredBatch {
		t.Fatalf("second pass = %+v, %v; want the other %d shredded", st, err, n-shredBatch)
	}
	for k := range dump(t, s) {
		if k[0] == record.PrefixVersion || k[0] == record.PrefixShred {
			t.Fatalf("left behind after shredding: %q", k)
		}
	}
}

func TestReaperGoesOnAfterAFailure(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var logged lockedBuffer
	s, clk := newTestStore(t, func(o *Options) { o.Logger = slog.New(slog.NewTextHandler(&logged, nil)) })
	for _, name := range []string{"broken", "fine"} {
		mustCreate(t, s, name, "v")
		if _, err := s.Delete(ctx, name, 7); err != nil {
			t.Fatal(err)
		}
	}
	setRaw(t, s, record.SecretKey(s.region, "broken"), []byte{record.KindSecret, record.SchemaVersion + 1})
	clk.Advance(8 * day24)
	st, err := s.Reap(ctx)
	if err != nil || st.Purged != 1 || st.Failed != 1 {
		t.Fatalf("Reap = %+v, %v; want one purged and one failure", st, err)
	}
	if !strings.Contains(logged.String(), "can't purge secret") || !strings.Contains(logged.String(), "name=broken") {
		t.Fatalf("the failure was not logged: %s", logged.String())
	}
	if st, err := s.Reap(ctx); err != nil || st.Failed != 1 {
		t.Fatalf("the next pass = %+v, %v; want the failure again, not a silent skip", st, err)
	}
}
