package secretstore

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/secretstore-go/secretstore/internal/arn"
	"github.com/secretstore-go/secretstore/internal/awsmodel"
)

// Rotation, as AWS runs it. RotateSecret stores the configuration and, with
// RotateImmediately (the default), starts a rotation: it adds a version
// with the ClientRequestToken as id, no value yet and the label AWSPENDING,
// and returns. The rotator, registered in Options.Rotators under the
// RotationLambdaARN, is then called once per step — createSecret,
// setSecret, testSecret, finishSecret — in the background; like AWS's
// rotation template it puts the new value, sets it in the service that
// uses it, tests it, and moves AWSCURRENT itself: the store never moves a
// label on its behalf. A step that fails (an error, a panic, a timeout)
// fails the rotation; it is tried again, with the same token, after 1, 2,
// 4 and 8 minutes, and then at the next scheduled window. While the
// rotation's AWSPENDING version is not AWSCURRENT, a new RotateSecret
// fails. Rotations due on a schedule start when their window opens, by the
// store's clock.
//
// The state of a rotation is in the secret's record and an index ordered
// by when it is due, so a rotation interrupted by a crash is tried again
// after a restart, from its first step: the steps of a rotator written
// like AWS's template are idempotent. Open takes it up at once (with the
// reaper disabled, at the caller's next Store.Reap).

// The steps of a rotation, in the order they run.
const (
	StepCreateSecret = "createSecret"
	StepSetSecret    = "setSecret"
	StepTestSecret   = "testSecret"
	StepFinishSecret = "finishSecret"
)

// RotationEvent is what a rotator is called with for one step: the fields
// of the event AWS sends a rotation Lambda function.
type RotationEvent struct {
	// Step is createSecret, setSecret, testSecret or finishSecret.
	Step string
	// SecretId is the secret's ARN.
	SecretId string
	// ClientRequestToken is the id of the version the rotation writes.
	ClientRequestToken string
	// RotationToken identifies the rotation; a rotator passes it to
	// PutSecretValue as AWS's do.
	RotationToken string
}

// A Rotator rotates secrets: it is called with each step of a rotation, in
// order, and returns an error when the step fails. It reads and writes the
// secret through the Store it is given (a view of the secret's region):
// GetSecretValue, PutSecretValue and UpdateSecretVersionStage, as a
// rotation Lambda function calls Secrets Manager. It must return when ctx
// is done (a step has a time limit, Options.RotationStepTimeout).
type Rotator interface {
	Rotate(ctx context.Context, store *Store, event RotationEvent) error
}

// RotatorFunc makes a function a Rotator.
type RotatorFunc func(ctx context.Context, store *Store, event RotationEvent) error

// Rotate calls f.
func (f RotatorFunc) Rotate(ctx context.Context, store *Store, event RotationEvent) error {
	return f(ctx, store, event)
}

// RotationRulesType is the schedule of a secret's rotations.
type RotationRulesType struct {
	// AutomaticallyAfterDays rotates the secret every N days (1 to 1000),
	// in a window of a UTC day. DescribeSecret also reports it for a
	// ScheduleExpression: the days between the last rotation and the next.
	AutomaticallyAfterDays int64
	// ScheduleExpression is rate(N hours), rate(N days) or an AWS cron
	// expression, cron(minutes hours day-of-month month day-of-week year),
	// in UTC; no more often than every 4 hours.
	ScheduleExpression string
	// Duration is the length of the window, 1h to 24h, such as "3h". By
	// default a window lasts to the end of its UTC day for schedules a day
	// or more apart, and an hour for the others.
	Duration string
}

// RotateSecretInput is the input of RotateSecret.
type RotateSecretInput struct {
	// SecretId is the secret's name, ARN or partial ARN. Required.
	SecretId string
	// ClientRequestToken is the id of the version the rotation creates;
	// empty means a new UUID.
	ClientRequestToken string
	// RotationLambdaARN names the rotator (Options.Rotators); empty keeps
	// the one configured before.
	RotationLambdaARN string
	// RotationRules sets the schedule; nil keeps the one configured before
	// (if none, the secret is rotated now and not on a schedule).
	RotationRules *RotationRulesType
	// RotateImmediately false does not rotate now: the rotator's testSecret
	// step runs against a copy of the current value, and the schedule
	// decides the first rotation. Nil means true.
	RotateImmediately *bool
}

// RotateSecretOutput is the output of RotateSecret.
type RotateSecretOutput struct {
	ARN  string
	Name string
	// VersionId is the version the rotation creates.
	VersionId string
}

// RotateSecret configures a secret's rotation and, unless
// RotateImmediately is false, starts a rotation that runs in the
// background; it returns at once. It fails with ErrAccessDenied when no
// rotator is registered for the RotationLambdaARN (and then stores
// nothing), with ErrInvalidRequest when no RotationLambdaARN is given or
// configured, or while a previous rotation is not complete.
func (s *Store) RotateSecret(ctx context.Context, in *RotateSecretInput) (*RotateSecretOutput, error) {
	var out *RotateSecretOutput
	var token string
	var sched *schedule
	err := s.write(ctx, &writeOp{
		op:       "RotateSecret",
		in:       in,
		secretID: in.SecretId,
		check: func() (err error) {
			if token, err = checkToken(in.ClientRequestToken); err != nil {
				return err
			}
			if err := checkLen("rotationLambdaARN", in.RotationLambdaARN, 0, awsmodel.MaxKmsKeyIDLen); err != nil {
				return err
			}
			if rr := in.RotationRules; rr != nil {
				sched, err = parseSchedule(rr.AutomaticallyAfterDays, rr.ScheduleExpression, rr.Duration)
			}
			return err
		},
		apply: func(t *tx, r *secretRecord) (bool, error) {
			ro := &r.Rotation
			lambda := cmp.Or(in.RotationLambdaARN, ro.LambdaARN)
			switch {
			case lambda == "":
				return false, newError(ErrInvalidRequest, awsmodel.NoRotationLambda)
			case t.c.opts.Rotators[lambda] == nil:
				return false, newError(ErrAccessDenied, awsmodel.CannotInvokeLambda)
			case r.rotationInProgress():
				return false, newError(ErrInvalidRequest, awsmodel.RotationInProgress)
			}
			ro.Configured, ro.Enabled, ro.LambdaARN = true, true, lambda
			if in.RotationRules != nil {
				ro.AfterDays, ro.Schedule, ro.Duration = in.RotationRules.AutomaticallyAfterDays, in.RotationRules.ScheduleExpression, in.RotationRules.Duration
			}
			immediately := in.RotateImmediately == nil || *in.RotateImmediately
			if err := t.startRotation(r, token, !immediately); err != nil {
				return false, err
			}
			r.scheduleRotation(cmp.Or(ro.LastDate, t.now), sched)
			out = &RotateSecretOutput{ARN: t.c.arn(r), Name: r.Name, VersionId: token}
			return true, nil
		},
	})
	if err == nil {
		s.c.rotator.kick()
	}
	return out, err
}

// CancelRotateSecretInput is the input of CancelRotateSecret.
type CancelRotateSecretInput struct {
	// SecretId is the secret's name, ARN or partial ARN. Required.
	SecretId string
}

// CancelRotateSecretOutput is the output of CancelRotateSecret.
type CancelRotateSecretOutput struct {
	ARN  string
	Name string
	// VersionId is the version labelled AWSPENDING, if one is.
	VersionId string
}

// CancelRotateSecret turns a secret's rotation off: no scheduled rotation
// starts, and a failed rotation is not tried again. The RotationLambdaARN
// and RotationRules stay, and so does the AWSPENDING label of an unfinished
// rotation: remove it (UpdateSecretVersionStage) before the next
// RotateSecret, as on AWS.
func (s *Store) CancelRotateSecret(ctx context.Context, in *CancelRotateSecretInput) (*CancelRotateSecretOutput, error) {
	var out *CancelRotateSecretOutput
	err := s.write(ctx, &writeOp{
		op:       "CancelRotateSecret",
		in:       in,
		secretID: in.SecretId,
		apply: func(t *tx, r *secretRecord) (bool, error) {
			ro := &r.Rotation
			if !ro.Configured {
				return false, newError(ErrInvalidRequest, awsmodel.RotationNotConfigured)
			}
			out = &CancelRotateSecretOutput{ARN: t.c.arn(r), Name: r.Name}
			if i := r.holder(StagePending); i >= 0 {
				out.VersionId = r.Versions[i].ID
			}
			ro.Enabled, ro.NextDate, ro.WindowAt = false, time.Time{}, time.Time{}
			ro.Token, ro.TestOnly, ro.Attempts, ro.RetryAt = "", false, 0, time.Time{}
			return true, nil
		},
	})
	return out, err
}

// rotationInProgress reports AWS's check: AWSPENDING is on a version that
// is not AWSCURRENT, so a rotation has not finished.
func (r *secretRecord) rotationInProgress() bool {
	i := r.holder(StagePending)
	return i >= 0 && !slices.Contains(r.Versions[i].Stages, StageCurrent) || r.Rotation.Token != ""
}

// startRotation makes a rotation of r with version token due now: the
// version exists, empty, labelled AWSPENDING (for a test-only rotation,
// the runner adds it when it runs).
func (t *tx) startRotation(r *secretRecord, token string, testOnly bool) error {
	ro := &r.Rotation
	ro.Token, ro.TestOnly, ro.Attempts, ro.RetryAt = token, testOnly, 0, t.now
	i, err := t.find(r, token)
	if err != nil {
		return err
	}
	if testOnly {
		if i >= 0 {
			return newError(ErrResourceExists, awsmodel.TokenInUse(token, t.c.arn(r)))
		}
		return nil
	}
	switch {
	case i < 0:
		if n := r.versionCount(); n >= MaxVersions {
			return newError(ErrLimitExceeded, awsmodel.TooManyVersions(r.Name, n))
		}
		r.Versions = append(r.Versions, r.newVersion(token, t.now, true))
		r.attach(StagePending, len(r.Versions)-1)
	case !slices.Contains(r.Versions[i].Stages, StagePending):
		return newError(ErrResourceExists, awsmodel.TokenInUse(token, t.c.arn(r)))
	}
	return r.checkStageCount()
}

// scheduleRotation sets when r's next scheduled rotation is due, after a
// rotation (or a new value, or the configuration) at from. sc is the parsed
// schedule, or nil to parse r's.
func (r *secretRecord) scheduleRotation(from time.Time, sc *schedule) {
	ro := &r.Rotation
	ro.NextDate, ro.WindowAt = time.Time{}, time.Time{}
	if !ro.Enabled || ro.AfterDays == 0 && ro.Schedule == "" {
		return
	}
	if sc == nil {
		var err error
		if sc, err = parseSchedule(ro.AfterDays, ro.Schedule, ro.Duration); err != nil {
			return // validated when it was stored
		}
	}
	if start, next, ok := sc.window(from); ok {
		ro.WindowAt, ro.NextDate = start, next
	}
}

// due returns when a rotation of the secret should run: a retry of the
// rotation in progress, or the opening of the next window; zero for none.
func (ro *rotationState) due() time.Time {
	switch {
	case ro.Token != "" && !ro.RetryAt.IsZero():
		return ro.RetryAt
	case ro.Enabled:
		return ro.WindowAt
	}
	return time.Time{}
}

// rotationEnabled returns RotationEnabled as DescribeSecret shows it: nil
// if rotation was never configured.
func (r *secretRecord) rotationEnabled() *bool {
	if !r.Rotation.Configured {
		return nil
	}
	return new(r.Rotation.Enabled)
}

// rotationRules returns r's RotationRules as DescribeSecret shows them.
func (r *secretRecord) rotationRules() *RotationRulesType {
	ro := &r.Rotation
	if !ro.Configured || ro.AfterDays == 0 && ro.Schedule == "" {
		return nil
	}
	rr := &RotationRulesType{AutomaticallyAfterDays: ro.AfterDays, ScheduleExpression: ro.Schedule, Duration: ro.Duration}
	if rr.AutomaticallyAfterDays != 0 {
		return rr
	}
	sc, err := parseSchedule(0, ro.Schedule, ro.Duration)
	switch {
	case err != nil:
	case sc.days > 0:
		rr.AutomaticallyAfterDays = sc.days
	case !ro.LastDate.IsZero() && !ro.NextDate.IsZero():
		rr.AutomaticallyAfterDays = afterDays(ro.LastDate, ro.NextDate)
	default:
		rr.AutomaticallyAfterDays = max(1, int64(sc.interval(ro.WindowAt)/(24*time.Hour)))
	}
	return rr
}

// rotationRunner runs the rotations that are due: kicked by RotateSecret,
// and on Store.Reap (the reaper's pass) for scheduled ones.
type rotationRunner struct {
	c      *core
	ctx    context.Context
	cancel context.CancelFunc
	kicks  chan struct{}
	done   chan struct{}
}

// startRotationRunner starts the goroutine that runs rotations, when c has
// rotators, with a first pass at once unless the reaper is disabled; Close
// stops it.
func startRotationRunner(c *core) *rotationRunner {
	if len(c.opts.Rotators) == 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	rr := &rotationRunner{c: c, ctx: ctx, cancel: cancel, kicks: make(chan struct{}, 1), done: make(chan struct{})}
	if !c.opts.DisableReaper {
		// A rotation that a crash or Close cut short is due already: take
		// it up now rather than at the reaper's first pass. With
		// DisableReaper the caller runs due work itself (Store.Reap).
		rr.kick()
	}
	go func() {
		defer close(rr.done)
		for {
			select {
			case <-ctx.Done():
				return
			case <-rr.kicks:
			}
			if _, _, err := c.runRotations(ctx); err != nil && ctx.Err() == nil {
				c.log.Error("rotation: pass failed", "err", err)
			}
		}
	}()
	return rr
}

// kick asks the runner to run the rotations due now.
func (rr *rotationRunner) kick() {
	if rr == nil {
		return
	}
	select {
	case rr.kicks <- struct{}{}:
	default:
	}
}

// interrupt cancels the runner's context without waiting: a step in
// progress sees it cancelled, and the pass stops. Close calls it before it
// stops the reaper, whose pass may wait for the runner's (c.rotationMu).
func (rr *rotationRunner) interrupt() {
	if rr != nil {
		rr.cancel()
	}
}

// stop stops the runner and waits for it: a step in progress sees its
// context cancelled.
func (rr *rotationRunner) stop() {
	if rr == nil {
		return
	}
	rr.cancel()
	<-rr.done
}

// Rotation retries: after 1, 2, 4 and 8 minutes, then at the next window.
const (
	rotationRetries    = 4
	rotationFirstRetry = time.Minute
)

// DefaultRotationStepTimeout is how long a rotator's step may take when
// Options.RotationStepTimeout is zero (AWS's Lambda functions have at most
// 15 minutes).
const DefaultRotationStepTimeout = 5 * time.Minute

// runRotations runs every rotation due by the store's clock, one after the
// other, and returns how many succeeded and how many could not start. A
// rotation that cannot start (its record is damaged, there is no current
// value to test, a limit is reached) is logged and counted, and the pass
// goes on with the next one: see postponeRotation. It runs outside the
// operations Close waits for, since a rotator calls the store, so each of
// its transactions checks that the store is open (live): a pass that Close
// overtakes returns ErrClosed.
func (c *core) runRotations(ctx context.Context) (rotated, failed int, err error) {
	c.rotationMu.Lock()
	defer c.rotationMu.Unlock()
	prefix := []byte{prefixRotation}
	start := prefix
	for {
		if err := ctx.Err(); err != nil {
			return rotated, failed, err
		}
		var due []indexEntry
		err := c.live(func() error {
			return c.read(func(t *tx) error {
				end := rotationKey(t.now.Add(time.Millisecond), [idLen]byte{})
				return t.iterate(prefix, start, false, func(k, v []byte) (bool, error) {
					if bytes.Compare(k, end) >= 0 {
						return false, nil
					}
					e := indexEntry{key: bytes.Clone(k)} // Badger reuses k
					copy(e.id[:], k[len(k)-idLen:])
					e.region, e.name, _ = splitRegionName(v)
					due = append(due, e)
					return len(due) < 64, nil
				})
			})
		})
		if err != nil || len(due) == 0 {
			return rotated, failed, err
		}
		for _, e := range due {
			if err := ctx.Err(); err != nil {
				return rotated, failed, err
			}
			ok, err := c.rotateOne(ctx, e)
			switch {
			case err == nil:
				if ok {
					rotated++
				}
			case isAWSError(err):
				failed++
				c.log.Error("rotation: can't run the rotation of a secret; going on with the others", "region", e.region, "name", e.name, "err", err)
			default:
				return rotated, failed, err // the database failed, the store closed, or ctx is done
			}
		}
		// On past the entries seen: one that stays due (a damaged record)
		// waits for the next pass rather than holding up this one.
		start = append(due[len(due)-1].key, 0)
	}
}

// live runs fn, a transaction of the rotation runner, unless the store is
// closed (ErrClosed), keeping Close waiting until it returns: the runner's
// work happens outside the operations that Store.begin guards.
func (c *core) live(fn func() error) error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.closed {
		return ErrClosed
	}
	return fn()
}

// liveUpdate is update, for the rotation runner: unless the store is
// closed (live).
func (c *core) liveUpdate(ctx context.Context, fn func(t *tx) error) error {
	return c.live(func() error { return c.update(ctx, fn) })
}

// dueMilli returns the due time, in Unix milliseconds, of rotation index
// entry e.
func (e indexEntry) dueMilli() int64 { return int64(binary.BigEndian.Uint64(e.key[1:9])) }

// rotateOne runs the rotation due for the secret of index entry e: it
// starts a scheduled one (or takes up the unfinished one), runs the steps,
// and records the outcome. ok reports whether the rotation ran and
// succeeded. When the rotation cannot start (an AWS error), it is
// postponed (postponeRotation) and the error returned.
func (c *core) rotateOne(ctx context.Context, e indexEntry) (ok bool, err error) {
	s := &Store{c: c, region: e.region}
	var ev RotationEvent
	var testOnly bool
	var rotator Rotator
	err = c.liveUpdate(ctx, func(t *tx) error {
		ev, rotator = RotationEvent{}, nil
		r, err := t.getSecret(e.region, e.name)
		if err != nil || r == nil || r.ID != e.id || r.indexed().rotationDue.UnixMilli() != e.dueMilli() {
			if err == nil {
				err = t.deleteEntry(e.key) // a stale entry
			}
			return err
		}
		ro := &r.Rotation
		if ro.Token == "" {
			// A scheduled rotation: take up the unfinished one, if any.
			token := uuid.NewString()
			if i := r.holder(StagePending); i >= 0 && !slices.Contains(r.Versions[i].Stages, StageCurrent) {
				token = r.Versions[i].ID
			}
			if err := t.startRotation(r, token, false); err != nil {
				return err
			}
		}
		if ro.TestOnly {
			if err := t.addTestVersion(r); err != nil {
				return err
			}
		}
		// The entry stays due while the steps run: c.rotationMu keeps other
		// passes off it, and after a crash the rotation is due at once.
		ev = RotationEvent{SecretId: c.arn(r), ClientRequestToken: ro.Token, RotationToken: ro.Token}
		testOnly, rotator = ro.TestOnly, c.opts.Rotators[ro.LambdaARN]
		r.LastChangedDate = t.now
		return t.putSecret(r)
	})
	if err != nil {
		if isAWSError(err) {
			// This secret's rotation cannot start: retry it later, as a
			// failed step is, so that it does not hold up every pass.
			if perr := c.postponeRotation(ctx, e); perr != nil && !isAWSError(perr) {
				return false, perr
			}
		}
		return false, err
	}
	if ev.SecretId == "" {
		return false, nil // a stale entry, removed
	}
	steps := []string{StepCreateSecret, StepSetSecret, StepTestSecret, StepFinishSecret}
	if testOnly {
		steps = []string{StepTestSecret}
	}
	var failed error
	if rotator == nil {
		failed = newError(ErrAccessDenied, awsmodel.CannotInvokeLambda)
	}
	for _, step := range steps {
		if failed != nil {
			break
		}
		ev.Step = step
		failed = c.runStep(ctx, rotator, s, ev)
	}
	if ctx.Err() != nil {
		return false, ctx.Err() // stopping: the rotation is taken up again later
	}
	err = c.liveUpdate(ctx, func(t *tx) error {
		r, err := t.getSecret(e.region, e.name)
		if err != nil || r == nil || r.ID != e.id {
			return err
		}
		ro := &r.Rotation
		if ro.Token != ev.ClientRequestToken {
			return nil // cancelled meanwhile
		}
		if testOnly {
			if err := t.removeVersion(r, ro.Token); err != nil {
				return err
			}
		}
		switch {
		case failed == nil:
			if !testOnly {
				ro.LastDate = t.now
			}
			ro.Token, ro.TestOnly, ro.Attempts = "", false, 0
			r.scheduleRotation(t.now, nil)
		case ro.Attempts < rotationRetries:
			ro.Attempts++
			ro.RetryAt = t.now.Add(rotationFirstRetry << (ro.Attempts - 1))
		default:
			// Given up until the next window, which takes it up again.
			ro.Token, ro.TestOnly, ro.Attempts = "", false, 0
			if ro.WindowAt.Before(t.now) {
				r.scheduleRotation(t.now, nil)
			}
		}
		r.LastChangedDate = t.now
		return t.putSecret(r)
	})
	c.emitRotation(s, ev, failed)
	return failed == nil && err == nil, err
}

// postponeRotation records that the rotation due for the secret of index
// entry e could not start. As after a failed step, a rotation in progress
// (started by RotateSecret, or a retry) is tried again after 1, 2, 4 and 8
// minutes and then given up until the next window; a scheduled one that
// could not start waits for the next window. A secret whose record cannot
// be read (it is damaged) cannot be postponed: its entry stays due and each
// pass tries it once, and goes on with the others.
func (c *core) postponeRotation(ctx context.Context, e indexEntry) error {
	return c.liveUpdate(ctx, func(t *tx) error {
		r, err := t.getSecret(e.region, e.name)
		if err != nil || r == nil || r.ID != e.id || r.indexed().rotationDue.UnixMilli() != e.dueMilli() {
			return err // changed meanwhile: the next pass sees it
		}
		ro := &r.Rotation
		if ro.Token != "" && ro.Attempts < rotationRetries {
			ro.Attempts++
			ro.RetryAt = t.now.Add(rotationFirstRetry << (ro.Attempts - 1))
		} else {
			ro.Token, ro.TestOnly, ro.Attempts = "", false, 0
			if !ro.WindowAt.After(t.now) {
				r.scheduleRotation(t.now, nil)
			}
		}
		r.LastChangedDate = t.now
		return t.putSecret(r)
	})
}

// runStep calls the rotator for one step, with the step's time limit, and
// turns a panic into an error.
func (c *core) runStep(ctx context.Context, rotator Rotator, s *Store, ev RotationEvent) (err error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.RotationStepTimeout)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				done <- fmt.Errorf("the rotator panicked in %s: %v", ev.Step, v)
			}
		}()
		done <- rotator.Rotate(ctx, s, ev)
	}()
	select {
	case err = <-done:
	case <-ctx.Done():
		err = fmt.Errorf("the %s step took longer than %v", ev.Step, c.opts.RotationStepTimeout)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", ev.Step, err)
	}
	return nil
}

// emitRotation reports a rotation's outcome to the log and to OnEvent, as
// the events RotationSucceeded and RotationFailed (AWS's CloudTrail names).
func (c *core) emitRotation(s *Store, ev RotationEvent, failed error) {
	name := ""
	if a, ok := arn.ParseSecret(ev.SecretId); ok {
		name = a.Name
	}
	op := "RotationSucceeded"
	if failed != nil {
		op = "RotationFailed"
		c.log.Error("rotation failed", "secret", ev.SecretId, "version", ev.ClientRequestToken, "err", failed)
	} else {
		c.log.Info("rotation succeeded", "secret", ev.SecretId, "version", ev.ClientRequestToken)
	}
	if c.onEvent != nil {
		e := Event{Time: now(c.clock), Operation: op, Region: s.region, SecretId: ev.SecretId, ARN: ev.SecretId, Name: name}
		if failed != nil {
			e.ErrorCode, e.Message = ErrorCode(failed), failed.Error()
		}
		c.onEvent(e)
	}
}

// addTestVersion adds the version a test-only rotation tests: a copy of the
// current value, labelled AWSPENDING.
func (t *tx) addTestVersion(r *secretRecord) error {
	token := r.Rotation.Token
	if i, err := t.find(r, token); i >= 0 || err != nil {
		return err
	}
	cur := r.holder(StageCurrent)
	if cur < 0 {
		return newError(ErrResourceNotFound, awsmodel.NoValueForStage(StageCurrent))
	}
	pt, binary, err := t.c.readValue(t, r, r.Versions[cur].ID)
	if err != nil {
		return err
	}
	val := value{str: string(pt)}
	if binary {
		val = value{bin: pt, binary: true}
	}
	_, _, err = t.c.writeVersion(t, r, token, val, []string{StagePending})
	clear(pt)
	return err
}

// removeVersion removes version id of r, and queues its value for
// shredding.
func (t *tx) removeVersion(r *secretRecord, id string) error {
	i, err := t.find(r, id)
	if i < 0 || err != nil {
		return err
	}
	return t.dropVersion(r, i)
}
