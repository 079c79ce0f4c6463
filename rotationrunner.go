package secretstore

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/secretstore-go/secretstore/internal/arn"
	"github.com/secretstore-go/secretstore/internal/awsmodel"
	"github.com/secretstore-go/secretstore/internal/record"
)

// The rotation runner: the background goroutine that runs the rotations
// RotateSecret starts and the ones due on a schedule (rotation.go holds
// the operations and the schedule's rules). Open starts it, when the store
// has rotators; Close stops it. It follows the rotation index, so a pass
// costs what is due, and the state of each rotation is in its secret's
// record, so a rotation a crash cut short is taken up again.

// rotationRunner runs the rotations that are due: kicked by RotateSecret,
// and on Store.Reap (the reaper's pass) for scheduled ones.
type rotationRunner struct {
	c      *core
	ctx    context.Context
	cancel context.CancelFunc
	kicks  chan struct{}
	done   chan struct{}
	// passWaits receives (when it has room) each time a pass must wait for
	// another to end: a test's event.
	passWaits chan struct{}
}

// startRotationRunner starts the goroutine that runs rotations, when c has
// rotators, with a first pass at once unless the reaper is disabled; Close
// stops it.
func startRotationRunner(c *core) *rotationRunner {
	if len(c.opts.Rotators) == 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	rr := &rotationRunner{c: c, ctx: ctx, cancel: cancel, kicks: make(chan struct{}, 1), done: make(chan struct{}), passWaits: make(chan struct{}, 1)}
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
	if !c.rotationMu.TryLock() {
		select { // another pass runs: this one waits for it
		case c.rotator.passWaits <- struct{}{}:
		default:
		}
		c.rotationMu.Lock()
	}
	defer c.rotationMu.Unlock()
	var after []byte // the key of the last entry seen
	for {
		if err := ctx.Err(); err != nil {
			return rotated, failed, err
		}
		var due []record.IndexEntry
		err := c.live(func() (err error) {
			due, _, err = c.readIndex(rotationIndex, after, now(c.clock), 64)
			return err
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
				c.log.Error("rotation: can't run the rotation of a secret; going on with the others", "region", e.Region, "name", e.Name, "err", err)
			default:
				return rotated, failed, err // the database failed, the store closed, or ctx is done
			}
		}
		// On past the entries seen: one that stays due (a damaged record)
		// waits for the next pass rather than holding up this one.
		after = due[len(due)-1].Key
	}
}

// rotateOne runs the rotation due for the secret of index entry e: it
// starts a scheduled one (or takes up the unfinished one), runs the steps,
// and records the outcome. ok reports whether the rotation ran and
// succeeded. When the rotation cannot start (an AWS error), it is
// postponed (postponeRotation) and the error returned.
func (c *core) rotateOne(ctx context.Context, e record.IndexEntry) (ok bool, err error) {
	s := &Store{c: c, region: e.Region}
	var ev RotationEvent
	var testOnly bool
	var rotator Rotator
	err = c.liveUpdate(ctx, func(t *tx) error {
		ev, rotator = RotationEvent{}, nil
		r, err := t.getSecret(e.Region, e.Name)
		if err != nil || r == nil || r.ID != e.ID || r.indexed().rotationDue.UnixMilli() != e.Millis() {
			if err == nil {
				err = t.deleteEntry(e.Key) // a stale entry
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
		return changed(t, r)
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
		r, err := t.getSecret(e.Region, e.Name)
		if err != nil || r == nil || r.ID != e.ID {
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
		return changed(t, r)
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
func (c *core) postponeRotation(ctx context.Context, e record.IndexEntry) error {
	return c.liveUpdate(ctx, func(t *tx) error {
		r, err := t.getSecret(e.Region, e.Name)
		if err != nil || r == nil || r.ID != e.ID || r.indexed().rotationDue.UnixMilli() != e.Millis() {
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
		return changed(t, r)
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
