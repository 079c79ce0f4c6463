package secretstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/secretstore-go/secretstore/internal/record"
	"go.uber.org/goleak"
)

// TestRotationsDueAtOnce makes more rotations due at once than Badger's
// iterator prefetches, each due at its own time: every one runs, and the
// rotation index stays consistent (no entry of one secret taken for
// another's and removed as stale).
//
// The rotations are counted by their events, not by Reap's stats: a
// RotateSecret kicks the rotation runner, and a kick left pending while
// the runner was busy can start its pass after the clock moved, taking
// some or all of the rotations before Reap does (seen under qemu-arm:
// Reap = {Rotated:0}). Runner and Reap take turns whole passes at a time,
// so when Reap returns every due rotation has run in one or the other.
func TestRotationsDueAtOnce(t *testing.T) {
	t.Parallel()
	const n = 60
	var succeeded, failed atomic.Int64
	s, clk := newRotationStore(t, PasswordRotator(GetRandomPasswordInput{}), func(o *Options) {
		o.OnEvent = func(ev Event) {
			switch ev.Operation {
			case "RotationSucceeded":
				succeeded.Add(1)
			case "RotationFailed":
				failed.Add(1)
			}
		}
	})
	for i := range n {
		name := fmt.Sprintf("db%02d", i)
		mustCreate(t, s, name, "v")
		// A schedule of its own, so each window opens on another day.
		mustRotate(t, s, &RotateSecretInput{SecretId: name, RotationLambdaARN: testLambda,
			RotationRules: &RotationRulesType{AutomaticallyAfterDays: int64(i + 1)}})
	}
	reap(t, s) // the first rotations, which RotateSecret started
	if got := succeeded.Load(); got != n || failed.Load() != 0 {
		t.Fatalf("the first rotations: %d succeeded, %d failed; want %d succeeded", got, failed.Load(), n)
	}
	clk.Advance((n + 2) * 24 * time.Hour)
	st := reap(t, s)
	if got := succeeded.Load() - n; got != n || failed.Load() != 0 || st.Failed != 0 || st.Rotated > n {
		t.Errorf("after the clock moved: %d rotations succeeded, %d failed, Reap = %+v; want %d succeeded", got, failed.Load(), st, n)
	}
	now := clk.Now().Truncate(time.Millisecond)
	var late []string
	for i := range n {
		name := fmt.Sprintf("db%02d", i)
		if d := mustDescribe(t, s, name); !d.LastRotatedDate.Equal(now) || !d.NextRotationDate.After(now) {
			late = append(late, name)
		}
	}
	if len(late) > 0 {
		t.Errorf("%d secrets not rotated at %v: %v", len(late), now, late)
	}
	if err := s.check(); err != nil {
		msg := err.Error()
		t.Fatalf("after the pass: %s", msg[:min(len(msg), 300)])
	}
}

// TestRotationThatCannotStart makes a rotation that cannot start due
// before a good one: the pass logs the failure (naming the secret, never
// its value) and goes on, and the failing rotation is tried again with the
// backoff of a failed step (1, 2, 4 and 8 minutes), then given up, or
// stays due when its record cannot be read.
func TestRotationThatCannotStart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		bad     func(t *testing.T, s *Store)
		retries bool // tried again with the backoff, then given up
	}{
		{"a test-only rotation of a secret with no current value", func(t *testing.T, s *Store) {
			if _, err := s.CreateSecret(context.Background(), &CreateSecretInput{Name: "bad"}); err != nil {
				t.Fatal(err)
			}
			mustRotate(t, s, &RotateSecretInput{SecretId: "bad", RotationLambdaARN: testLambda, RotateImmediately: new(false)})
		}, true},
		{"a damaged record", func(t *testing.T, s *Store) {
			mustCreate(t, s, "bad", "bad's value")
			mustRotate(t, s, &RotateSecretInput{SecretId: "bad", RotationLambdaARN: testLambda, RotateImmediately: new(false)})
			var rec []byte
			if err := s.c.read(func(t *tx) (err error) {
				rec, err = t.get(record.SecretKey(s.region, "bad"))
				return err
			}); err != nil {
				t.Fatal(err)
			}
			rec[1] = record.SchemaVersion + 7
			setRaw(t, s, record.SecretKey(s.region, "bad"), rec)
			damagedOnPurpose.Store(s, true)
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logged lockedBuffer
			rec := &recorder{t: t, inner: PasswordRotator(GetRandomPasswordInput{})}
			s, clk := newRotationStore(t, rec, func(o *Options) { o.Logger = slog.New(slog.NewTextHandler(&logged, nil)) })
			// The passes here are Reap's alone. A runner pass that
			// RotateSecret kicks waits for Reap's to end (rotationMu) and
			// reads the clock when it starts: on a slow CPU it ran after a
			// later Advance, took the retry due then, and left Reap
			// nothing to count.
			s.c.rotator.stop()
			tt.bad(t, s)
			clk.Advance(time.Second) // the good rotation is due after the bad one
			mustCreate(t, s, "good", "v")
			out := mustRotate(t, s, &RotateSecretInput{SecretId: "good", RotationLambdaARN: testLambda})
			st := reap(t, s)
			if st.Failed > 1 {
				t.Errorf("Reap = %+v; want the bad secret counted once at most", st)
			}
			if d := mustDescribe(t, s, "good"); d.LastRotatedDate.IsZero() || !equalStrings(d.VersionIdsToStages[out.VersionId], []string{StageCurrent}) {
				t.Fatalf("the good secret did not rotate: %+v", d)
			}
			if !strings.Contains(logged.String(), "name=bad") || strings.Contains(logged.String(), "bad's value") {
				t.Errorf("the log does not name the bad secret, or shows its value:\n%s", logged.String())
			}
			// No spinning: a pass at the same time does not try it again,
			// unless it stays due.
			if st := reap(t, s); tt.retries && st.Failed != 0 {
				t.Errorf("the failed start was tried again at once: %+v", st)
			}
			if !tt.retries {
				return
			}
			for _, wait := range []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute} {
				clk.Advance(wait)
				if st := reap(t, s); st.Failed != 1 {
					t.Fatalf("after %v: Reap = %+v; want the failed start tried again", wait, st)
				}
			}
			clk.Advance(time.Hour)
			if st := reap(t, s); st.Failed != 0 {
				t.Errorf("after the last retry: Reap = %+v; want the rotation given up", st)
			}
			if d := mustDescribe(t, s, "bad"); !d.NextRotationDate.IsZero() {
				t.Errorf("the given-up rotation is still scheduled: %+v", d)
			}
		})
	}
}

// TestCloseDoesNotWaitForARotationPass closes a store whose runner is in a
// step that lasts until its context is done while a reaper pass waits for
// the runner: Close cancels the step at once rather than waiting for the
// step's time limit, and leaves no goroutine behind.
func TestCloseDoesNotWaitForARotationPass(t *testing.T) {
	defer goleak.VerifyNone(t)
	blocked := make(chan struct{})
	rot := RotatorFunc(func(ctx context.Context, s *Store, ev RotationEvent) error {
		if ev.Step == StepSetSecret {
			close(blocked)
			<-ctx.Done()
			return ctx.Err()
		}
		return PasswordRotator(GetRandomPasswordInput{}).Rotate(ctx, s, ev)
	})
	s, err := Open(context.Background(), Options{InMemory: true, MasterKey: newTestKey(t),
		Rotators: map[string]Rotator{testLambda: rot}, RotationStepTimeout: 15 * time.Second, ReapInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	mustCreate(t, s, "db", "v")
	mustRotate(t, s, &RotateSecretInput{SecretId: "db", RotationLambdaARN: testLambda})
	select {
	case <-blocked:
	case <-time.After(10 * time.Second):
		t.Fatal("the rotation did not reach setSecret")
	}
	select { // a reaper pass waits for the runner's
	case <-s.c.rotator.passWaits:
	case <-time.After(10 * time.Second):
		t.Fatal("no reaper pass waited for the runner's")
	}
	start := time.Now()
	mustClose(t, s)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Close took %v, waiting for the rotator's step", d)
	}
}

// TestReapWhileClosing runs Store.Reap while Close runs: the rotations'
// part of the pass, which runs outside the operation Close waits for,
// fails with ErrClosed rather than reaching the closed database.
func TestReapWhileClosing(t *testing.T) {
	t.Parallel()
	s, _ := newRotationStore(t, PasswordRotator(GetRandomPasswordInput{}))
	mustCreate(t, s, "db", "v")
	s.c.rotationMu.Lock() // Reap waits here, after its reaper part
	done := make(chan error, 1)
	go func() {
		_, err := s.Reap(context.Background())
		done <- err
	}()
	select { // Reap waits for the rotation pass the test holds
	case <-s.c.rotator.passWaits:
	case <-time.After(10 * time.Second):
		t.Fatal("Reap did not reach the rotations")
	}
	mustClose(t, s)
	s.c.rotationMu.Unlock()
	select {
	case err := <-done:
		if !errors.Is(err, ErrClosed) {
			t.Errorf("Reap during Close: %v, want ErrClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Reap did not return")
	}
}

// TestResetDropsDeprecatedVersions resets a store whose secret has
// deprecated versions, kept in their own records: none is left behind.
func TestResetDropsDeprecatedVersions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newTestStore(t)
	mustCreate(t, s, "db", "v1")
	for i := 2; i <= 5; i++ {
		mustPut(t, s, "db", fmt.Sprint("v", i))
	}
	count := func() (n int) {
		t.Helper()
		prefix := []byte{record.PrefixMeta}
		if err := s.c.read(func(t *tx) error {
			return t.iterate(prefix, prefix, false, func(_, _ []byte) (bool, error) { n++; return true, nil })
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(); n == 0 {
		t.Fatal("no deprecated version has its own record: the test tests nothing")
	}
	if err := s.reset(ctx); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 0 {
		t.Errorf("%d deprecated versions' records left after reset", n)
	}
	if problems, err := s.Verify(ctx); err != nil || len(problems) != 0 {
		t.Errorf("Verify after reset = %v, %v", problems, err)
	}
}
