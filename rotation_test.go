package secretstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/secretstore-go/secretstore/internal/awsmodel"
	"go.uber.org/goleak"
)

const testLambda = "arn:aws:lambda:us-east-1:123456789012:function:rotate"

// recorder is a Rotator that records its events, checks before
// createSecret what AWS's template checks, and can be made to fail.
type recorder struct {
	t     testing.TB
	inner Rotator
	mu    sync.Mutex
	steps []RotationEvent
	fail  func(ctx context.Context, ev RotationEvent) error // nil: never
}

func (r *recorder) Rotate(ctx context.Context, s *Store, ev RotationEvent) error {
	r.mu.Lock()
	r.steps = append(r.steps, ev)
	fail := r.fail
	r.mu.Unlock()
	if ev.Step == StepCreateSecret {
		// The version exists, labelled AWSPENDING, with no value yet.
		d, err := s.DescribeSecret(ctx, &DescribeSecretInput{SecretId: ev.SecretId})
		if err != nil || !slices.Contains(d.VersionIdsToStages[ev.ClientRequestToken], StagePending) {
			r.t.Errorf("before createSecret: %v, %v; want version %s labelled AWSPENDING", d.VersionIdsToStages, err, ev.ClientRequestToken)
		}
	}
	if fail != nil {
		if err := fail(ctx, ev); err != nil {
			return err
		}
	}
	return r.inner.Rotate(ctx, s, ev)
}

func (r *recorder) stepNames() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var names []string
	for _, ev := range r.steps {
		names = append(names, ev.Step)
	}
	return names
}

// newRotationStore opens a store with rot registered as testLambda.
func newRotationStore(t *testing.T, rot Rotator, opts ...func(*Options)) (*Store, *FakeClock) {
	return newTestStore(t, append([]func(*Options){func(o *Options) {
		o.Rotators = map[string]Rotator{testLambda: rot}
		o.RotationStepTimeout = 2 * time.Second
	}}, opts...)...)
}

func mustRotate(t testing.TB, s *Store, in *RotateSecretInput) *RotateSecretOutput {
	t.Helper()
	out, err := s.RotateSecret(context.Background(), in)
	if err != nil {
		t.Fatalf("RotateSecret: %v", err)
	}
	return out
}

// reap runs the due work now, as the background reaper would.
func reap(t testing.TB, s *Store) ReapStats {
	t.Helper()
	st, err := s.Reap(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestRotateSecret(t *testing.T) {
	t.Parallel()
	rec := &recorder{t: t, inner: PasswordRotator(GetRandomPasswordInput{PasswordLength: 24})}
	s, clk := newRotationStore(t, rec)
	first := mustCreate(t, s, "db", "old password")
	out := mustRotate(t, s, &RotateSecretInput{
		SecretId: "db", RotationLambdaARN: testLambda, ClientRequestToken: testToken("r"),
		RotationRules: &RotationRulesType{AutomaticallyAfterDays: 7},
	})
	if out.VersionId != testToken("r") || out.ARN != first.ARN || out.Name != "db" {
		t.Errorf("RotateSecret = %+v", out)
	}
	reap(t, s) // runs what RotateSecret started, if the runner has not yet
	if got := rec.stepNames(); !slices.Equal(got, []string{StepCreateSecret, StepSetSecret, StepTestSecret, StepFinishSecret}) {
		t.Fatalf("steps = %v", got)
	}
	for _, ev := range rec.steps {
		if ev.SecretId != first.ARN || ev.ClientRequestToken != testToken("r") || ev.RotationToken == "" {
			t.Errorf("event %+v", ev)
		}
	}
	wantStages(t, s, "db", map[string][]string{testToken("r"): {StageCurrent}, first.VersionId: {StagePrevious}})
	if got := mustGet(t, s, "db"); len(got) != 24 || got == "old password" {
		t.Errorf("after the rotation the value is %q", got)
	}
	d := mustDescribe(t, s, "db")
	now := clk.Now().Truncate(time.Millisecond)
	if d.RotationEnabled == nil || !*d.RotationEnabled || d.RotationLambdaARN != testLambda || d.RotationRules == nil || d.RotationRules.AutomaticallyAfterDays != 7 ||
		!d.LastRotatedDate.Equal(now) || !d.NextRotationDate.Equal(day(now).AddDate(0, 0, 7).Add(24*time.Hour-time.Second)) {
		t.Errorf("DescribeSecret after a rotation: enabled %v, arn %q, rules %+v, last %v, next %v", d.RotationEnabled, d.RotationLambdaARN, d.RotationRules, d.LastRotatedDate, d.NextRotationDate)
	}
	// A secret never configured for rotation shows none of it.
	mustCreate(t, s, "plain", "v")
	if d := mustDescribe(t, s, "plain"); d.RotationEnabled != nil || d.RotationRules != nil || !d.NextRotationDate.IsZero() {
		t.Errorf("a secret without rotation: %+v", d)
	}
}

func TestRotationThatFails(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"error", "panic", "timeout"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			var failing atomic.Bool
			failing.Store(true)
			rec := &recorder{t: t, inner: PasswordRotator(GetRandomPasswordInput{})}
			rec.fail = func(ctx context.Context, ev RotationEvent) error {
				if !failing.Load() || ev.Step != StepTestSecret {
					return nil
				}
				switch how {
				case "panic":
					panic("the test database refused the new password")
				case "timeout":
					<-ctx.Done() // longer than the step may take
					return nil
				}
				return errors.New("the test database refused the new password")
			}
			s, clk := newRotationStore(t, rec, func(o *Options) {
				if how == "timeout" {
					o.RotationStepTimeout = 500 * time.Millisecond // the other steps take milliseconds
				}
			})
			first := mustCreate(t, s, "db", "v1")
			out := mustRotate(t, s, &RotateSecretInput{SecretId: "db", RotationLambdaARN: testLambda})
			reap(t, s)
			// AWSPENDING stays on the new version, AWSCURRENT does not move.
			wantStages(t, s, "db", map[string][]string{first.VersionId: {StageCurrent}, out.VersionId: {StagePending}})
			wantNoChange(t, s, func() {
				_, err := s.RotateSecret(context.Background(), &RotateSecretInput{SecretId: "db"})
				wantMessage(t, err, ErrInvalidRequest, awsmodel.RotationInProgress)
			})
			// Retried with backoff: nothing before a minute, then again.
			n := len(rec.stepNames())
			reap(t, s)
			if len(rec.stepNames()) != n {
				t.Error("the failed rotation was retried at once")
			}
			clk.Advance(time.Minute)
			reap(t, s)
			if len(rec.stepNames()) == n {
				t.Fatal("the failed rotation was not retried after a minute")
			}
			failing.Store(false)
			clk.Advance(2 * time.Minute)
			reap(t, s)
			wantStages(t, s, "db", map[string][]string{out.VersionId: {StageCurrent}, first.VersionId: {StagePrevious}})
		})
	}
}

func TestRotateImmediatelyFalse(t *testing.T) {
	t.Parallel()
	rec := &recorder{t: t, inner: RotatorFunc(func(ctx context.Context, s *Store, ev RotationEvent) error {
		got, err := s.GetSecretValue(ctx, &GetSecretValueInput{SecretId: ev.SecretId, VersionStage: StagePending})
		if err != nil || got.SecretString != "v1" || got.VersionId != ev.ClientRequestToken {
			return fmt.Errorf("testSecret saw %+v, %v; want a copy of the current value", got, err)
		}
		return nil
	})}
	s, _ := newRotationStore(t, rec)
	first := mustCreate(t, s, "db", "v1")
	mustRotate(t, s, &RotateSecretInput{
		SecretId: "db", RotationLambdaARN: testLambda, RotateImmediately: new(false),
		RotationRules: &RotationRulesType{ScheduleExpression: "rate(10 days)"},
	})
	reap(t, s)
	if got := rec.stepNames(); !slices.Equal(got, []string{StepTestSecret}) {
		t.Errorf("steps = %v, want only testSecret", got)
	}
	// The temporary version is gone; the schedule decides the rotation.
	wantStages(t, s, "db", map[string][]string{first.VersionId: {StageCurrent}})
	if n := len(listVersions(t, s, "db")); n != 1 {
		t.Errorf("%d versions after a test-only rotation", n)
	}
	d := mustDescribe(t, s, "db")
	if !d.LastRotatedDate.IsZero() || d.NextRotationDate.IsZero() || d.RotationRules.AutomaticallyAfterDays != 10 {
		t.Errorf("after a test-only rotation: last %v, next %v, rules %+v", d.LastRotatedDate, d.NextRotationDate, d.RotationRules)
	}
}

func TestRotateSecretErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newRotationStore(t, PasswordRotator(GetRandomPasswordInput{}))
	mustCreate(t, s, "db", "v")
	mustCreate(t, s, "gone", "v")
	mustDelete(t, s, &DeleteSecretInput{SecretId: "gone"})
	mustCreate(t, s.Region("eu-west-1"), "primary", "v")
	replicate(t, s.Region("eu-west-1"), "primary", s.RegionName())
	tests := []struct {
		name     string
		in       RotateSecretInput
		sentinel error
		msg      string
	}{
		{"an unknown function", RotateSecretInput{SecretId: "db", RotationLambdaARN: "arn:aws:lambda:us-east-1:123456789012:function:nope"}, ErrAccessDenied, awsmodel.CannotInvokeLambda},
		{"no function given or stored", RotateSecretInput{SecretId: "db"}, ErrInvalidRequest, awsmodel.NoRotationLambda},
		{"scheduled for deletion", RotateSecretInput{SecretId: "gone", RotationLambdaARN: testLambda}, ErrInvalidRequest, awsmodel.MarkedForDeletion},
		{"a replica", RotateSecretInput{SecretId: "primary", RotationLambdaARN: testLambda}, ErrInvalidParameter, awsmodel.ReplicaNotPermitted},
		{"days out of range", RotateSecretInput{SecretId: "db", RotationLambdaARN: testLambda, RotationRules: &RotationRulesType{AutomaticallyAfterDays: 1001}}, ErrValidation,
			"1 validation error detected: Value '1001' at 'rotationRules.automaticallyAfterDays' failed to satisfy constraint: Member must have value less than or equal to 1000"},
		{"days and an expression", RotateSecretInput{SecretId: "db", RotationLambdaARN: testLambda, RotationRules: &RotationRulesType{AutomaticallyAfterDays: 3, ScheduleExpression: "rate(3 days)"}}, ErrInvalidParameter, awsmodel.RotationFrequencyAndSchedule},
		{"a member's range before the secret", RotateSecretInput{SecretId: "missing", RotationLambdaARN: testLambda, RotationRules: &RotationRulesType{AutomaticallyAfterDays: 1001}}, ErrValidation, ""},
		{"the rule across members before the secret", RotateSecretInput{SecretId: "missing", RotationLambdaARN: testLambda, RotationRules: &RotationRulesType{AutomaticallyAfterDays: 3, ScheduleExpression: "rate(3 days)"}}, ErrInvalidParameter, awsmodel.RotationFrequencyAndSchedule},
		{"too often", RotateSecretInput{SecretId: "db", RotationLambdaARN: testLambda, RotationRules: &RotationRulesType{ScheduleExpression: "rate(2 hours)"}}, ErrInvalidParameter, ""},
		{"a bad token", RotateSecretInput{SecretId: "db", RotationLambdaARN: testLambda, ClientRequestToken: "short"}, ErrInvalidParameter, awsmodel.TokenLength()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantNoChange(t, s, func() {
				_, err := s.RotateSecret(ctx, &tt.in)
				if tt.msg != "" {
					wantMessage(t, err, tt.sentinel, tt.msg)
				} else {
					wantErr(t, err, tt.sentinel, "")
				}
			})
		})
	}
}

func TestCancelRotateSecret(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rec := &recorder{t: t, inner: PasswordRotator(GetRandomPasswordInput{}), fail: func(_ context.Context, ev RotationEvent) error {
		if ev.Step == StepSetSecret {
			return errors.New("cannot reach the database")
		}
		return nil
	}}
	s, clk := newRotationStore(t, rec)
	mustCreate(t, s, "db", "v")
	_, err := s.CancelRotateSecret(ctx, &CancelRotateSecretInput{SecretId: "db"})
	wantMessage(t, err, ErrInvalidRequest, awsmodel.RotationNotConfigured)
	out := mustRotate(t, s, &RotateSecretInput{SecretId: "db", RotationLambdaARN: testLambda, RotationRules: &RotationRulesType{AutomaticallyAfterDays: 5}})
	reap(t, s)
	c, err := s.CancelRotateSecret(ctx, &CancelRotateSecretInput{SecretId: "db"})
	if err != nil || c.VersionId != out.VersionId {
		t.Fatalf("CancelRotateSecret = %+v, %v; want the pending version %s", c, err, out.VersionId)
	}
	d := mustDescribe(t, s, "db")
	if d.RotationEnabled == nil || *d.RotationEnabled || d.RotationLambdaARN != testLambda || d.RotationRules == nil || !d.NextRotationDate.IsZero() {
		t.Errorf("after CancelRotateSecret: %+v", d)
	}
	if !slices.Contains(d.VersionIdsToStages[out.VersionId], StagePending) {
		t.Error("CancelRotateSecret removed AWSPENDING")
	}
	// Nothing is retried, and a new rotation is refused until AWSPENDING
	// is cleaned up.
	n := len(rec.stepNames())
	clk.Advance(30 * 24 * time.Hour)
	reap(t, s)
	if len(rec.stepNames()) != n {
		t.Error("a cancelled rotation ran again")
	}
	_, err = s.RotateSecret(ctx, &RotateSecretInput{SecretId: "db"})
	wantMessage(t, err, ErrInvalidRequest, awsmodel.RotationInProgress)
	if _, err := s.UpdateSecretVersionStage(ctx, &UpdateSecretVersionStageInput{SecretId: "db", VersionStage: StagePending, RemoveFromVersionId: out.VersionId}); err != nil {
		t.Fatal(err)
	}
	rec.mu.Lock()
	rec.fail = nil
	rec.mu.Unlock()
	mustRotate(t, s, &RotateSecretInput{SecretId: "db"})
	reap(t, s)
	if d := mustDescribe(t, s, "db"); !*d.RotationEnabled || d.LastRotatedDate.IsZero() {
		t.Errorf("rotation after the clean-up: %+v", d)
	}
}

// TestRotationSchedules checks the schedules across simulated days: a
// secret rotated every 7 days, a cron schedule with a window, and a
// manual PutSecretValue, which counts as a rotation.
func TestRotationSchedules(t *testing.T) {
	t.Parallel()
	rec := &recorder{t: t, inner: PasswordRotator(GetRandomPasswordInput{})}
	s, clk := newRotationStore(t, rec)
	clk.Set(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)) // a Monday
	mustCreate(t, s, "weekly", "v")
	mustRotate(t, s, &RotateSecretInput{SecretId: "weekly", RotationLambdaARN: testLambda, RotateImmediately: new(false),
		RotationRules: &RotationRulesType{ScheduleExpression: "rate(7 days)"}})
	mustCreate(t, s, "weekday-mornings", "v")
	mustRotate(t, s, &RotateSecretInput{SecretId: "weekday-mornings", RotationLambdaARN: testLambda, RotateImmediately: new(false),
		RotationRules: &RotationRulesType{ScheduleExpression: "cron(0 8 ? * MON,THU *)", Duration: "2h"}})
	mustCreate(t, s, "manual", "v")
	mustRotate(t, s, &RotateSecretInput{SecretId: "manual", RotationLambdaARN: testLambda, RotateImmediately: new(false),
		RotationRules: &RotationRulesType{AutomaticallyAfterDays: 10}})
	reap(t, s) // the test-only runs

	rotatedOn := map[string][]string{}
	for h := 0; h < 30*24; h++ {
		clk.Advance(time.Hour)
		if clk.Now().Day() == 7 && clk.Now().Hour() == 12 {
			mustPut(t, s, "manual", "put by hand") // counts as a rotation
		}
		before := map[string]time.Time{}
		for _, n := range []string{"weekly", "weekday-mornings", "manual"} {
			before[n] = mustDescribe(t, s, n).LastRotatedDate
		}
		reap(t, s)
		for n, b := range before {
			if d := mustDescribe(t, s, n); !d.LastRotatedDate.Equal(b) {
				rotatedOn[n] = append(rotatedOn[n], d.LastRotatedDate.Format("Mon Jan 2 15h"))
				if d.NextRotationDate.Before(clk.Now()) {
					t.Errorf("%s: NextRotationDate %v is in the past after a rotation", n, d.NextRotationDate)
				}
			}
		}
	}
	want := map[string][]string{
		// A window opens at midnight UTC every 7 days, counted from the
		// day the previous rotation ran.
		"weekly": {"Mon Mar 9 00h", "Mon Mar 16 00h", "Mon Mar 23 00h", "Mon Mar 30 00h"},
		// Mondays and Thursdays at 08:00 UTC.
		"weekday-mornings": {"Thu Mar 5 08h", "Mon Mar 9 08h", "Thu Mar 12 08h", "Mon Mar 16 08h", "Thu Mar 19 08h", "Mon Mar 23 08h", "Thu Mar 26 08h", "Mon Mar 30 08h"},
		// 10 days from the put on March 7, not from March 2.
		"manual": {"Tue Mar 17 00h", "Fri Mar 27 00h"},
	}
	for n, w := range want {
		if !slices.Equal(rotatedOn[n], w) {
			t.Errorf("%s rotated at %v, want %v", n, rotatedOn[n], w)
		}
	}
	d := mustDescribe(t, s, "weekday-mornings")
	if d.NextRotationDate.Hour() != 9 || d.NextRotationDate.Minute() != 59 {
		t.Errorf("the cron window's NextRotationDate = %v, want the end of a 2-hour window from 08:00", d.NextRotationDate)
	}
}

// TestRotationSurvivesAKill kills a child process while its rotator is in
// the setSecret step, reopens the store and runs the due work: the
// rotation completes, with the labels where its steps leave them and no
// version lost.
func TestRotationSurvivesAKill(t *testing.T) {
	t.Parallel()
	if dir := os.Getenv("SECRETSTORE_ROTATION_CHILD"); dir != "" {
		key, _ := os.ReadFile(filepath.Join(dir, "key"))
		blocking := RotatorFunc(func(ctx context.Context, s *Store, ev RotationEvent) error {
			if ev.Step == StepSetSecret {
				fmt.Println("ready to be killed: in setSecret")
				<-ctx.Done()
			}
			return PasswordRotator(GetRandomPasswordInput{}).Rotate(ctx, s, ev)
		})
		s := mustOpenDisk(t, filepath.Join(dir, "data"), Options{MasterKey: key, DisableReaper: true,
			Rotators: map[string]Rotator{testLambda: blocking}, RotationStepTimeout: time.Hour})
		mustCreate(t, s, "db", "v1")
		mustPut(t, s, "db", "v2")
		mustRotate(t, s, &RotateSecretInput{SecretId: "db", RotationLambdaARN: testLambda, ClientRequestToken: testToken("k")})
		reap(t, s)
		select {}
	}
	dir := t.TempDir()
	key := newTestKey(t)
	os.WriteFile(filepath.Join(dir, "key"), key, 0o600)
	killedChild(t, "TestRotationSurvivesAKill", "SECRETSTORE_ROTATION_CHILD="+dir)

	rec := &recorder{t: t, inner: PasswordRotator(GetRandomPasswordInput{})}
	s := mustOpenDisk(t, filepath.Join(dir, "data"), Options{MasterKey: key, DisableReaper: true, Rotators: map[string]Rotator{testLambda: rec}})
	defer mustClose(t, s)
	before := listVersions(t, s, "db")
	if len(before) != 3 || !slices.Contains(before[2].VersionStages, StagePending) {
		t.Fatalf("after the kill: %+v; want v1, v2 and the rotation's pending version", before)
	}
	st := reap(t, s)
	if st.Rotated != 1 || !slices.Equal(rec.stepNames(), []string{StepCreateSecret, StepSetSecret, StepTestSecret, StepFinishSecret}) {
		t.Fatalf("Reap after the restart = %+v, steps %v; want the rotation taken up again", st, rec.stepNames())
	}
	after := listVersions(t, s, "db")
	if len(after) != 3 || after[2].VersionId != testToken("k") || !slices.Equal(after[2].VersionStages, []string{StageCurrent}) ||
		!slices.Equal(after[1].VersionStages, []string{StagePrevious}) {
		t.Errorf("versions after the rotation: %+v", after)
	}
	if strings.Contains(mustGet(t, s, "db"), "v2") {
		t.Error("AWSCURRENT is still the old value")
	}
}

// TestRotationRunnerStopsOnClose starts rotations in the background (one
// of them blocked in a step) and checks that Close stops the goroutines
// that run them, and that the runner reports to OnEvent.
func TestRotationRunnerStopsOnClose(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := context.Background()
	events := make(chan Event, 10)
	blocked := make(chan struct{})
	rot := RotatorFunc(func(ctx context.Context, s *Store, ev RotationEvent) error {
		if strings.HasPrefix(ev.SecretId, "arn:aws:secretsmanager:us-east-1:123456789012:secret:blocked-") && ev.Step == StepSetSecret {
			close(blocked)
			<-ctx.Done()
			return ctx.Err()
		}
		return PasswordRotator(GetRandomPasswordInput{}).Rotate(ctx, s, ev)
	})
	s, err := Open(ctx, Options{InMemory: true, MasterKey: newTestKey(t), Rotators: map[string]Rotator{testLambda: rot},
		OnEvent: func(ev Event) {
			if strings.HasPrefix(ev.Operation, "Rotation") {
				events <- ev
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	mustCreate(t, s, "quick", "v")
	mustRotate(t, s, &RotateSecretInput{SecretId: "quick", RotationLambdaARN: testLambda})
	select {
	case ev := <-events:
		if ev.Operation != "RotationSucceeded" || ev.Name != "quick" {
			t.Errorf("event %+v", ev)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the background rotation did not run")
	}
	mustCreate(t, s, "blocked", "v")
	mustRotate(t, s, &RotateSecretInput{SecretId: "blocked", RotationLambdaARN: testLambda})
	<-blocked
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestRotationTakenUpAtOpen closes a store while its rotator is in the
// setSecret step, then reopens it: with the reaper on, Open takes the
// rotation up at once; with DisableReaper, the caller's next Reap does.
// Either way the rotation completes and no version is lost.
func TestRotationTakenUpAtOpen(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name          string
		disableReaper bool
	}{
		{"the reaper on: at Open", false},
		{"DisableReaper: at the next Reap", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			dir, key := t.TempDir(), newTestKey(t)
			blocked := make(chan struct{})
			blocking := RotatorFunc(func(ctx context.Context, s *Store, ev RotationEvent) error {
				if ev.Step == StepSetSecret {
					close(blocked)
					<-ctx.Done()
					return ctx.Err()
				}
				return PasswordRotator(GetRandomPasswordInput{}).Rotate(ctx, s, ev)
			})
			s := mustOpenDisk(t, dir, Options{MasterKey: key, Rotators: map[string]Rotator{testLambda: blocking}, RotationStepTimeout: time.Hour})
			first := mustCreate(t, s, "db", "v1")
			mustRotate(t, s, &RotateSecretInput{SecretId: "db", RotationLambdaARN: testLambda, ClientRequestToken: testToken("o")})
			select {
			case <-blocked:
			case <-time.After(10 * time.Second):
				t.Fatal("the rotation did not reach setSecret")
			}
			mustClose(t, s) // cancels the step: the rotation stays due

			rec := &recorder{t: t, inner: PasswordRotator(GetRandomPasswordInput{})}
			events := make(chan Event, 10)
			s, err := Open(ctx, Options{Dir: dir, MasterKey: key, Clock: NewFakeClock(testEpoch),
				DisableReaper: tc.disableReaper, ReapInterval: time.Hour,
				Rotators: map[string]Rotator{testLambda: rec},
				OnEvent: func(ev Event) {
					if strings.HasPrefix(ev.Operation, "Rotation") {
						events <- ev
					}
				}})
			if err != nil {
				t.Fatal(err)
			}
			defer mustClose(t, s)
			if tc.disableReaper {
				if got := rec.stepNames(); len(got) != 0 {
					t.Fatalf("steps %v ran before Reap with DisableReaper", got)
				}
				if st := reap(t, s); st.Rotated != 1 {
					t.Fatalf("Reap after reopening: %+v; want the rotation taken up", st)
				}
			}
			select {
			case ev := <-events:
				if ev.Operation != "RotationSucceeded" {
					t.Fatalf("event %+v", ev)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the rotation was not taken up after reopening")
			}
			if got := rec.stepNames(); !slices.Equal(got, []string{StepCreateSecret, StepSetSecret, StepTestSecret, StepFinishSecret}) {
				t.Errorf("steps after reopening = %v", got)
			}
			wantStages(t, s, "db", map[string][]string{testToken("o"): {StageCurrent}, first.VersionId: {StagePrevious}})
		})
	}
}
