package secretstore

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/secretstore-go/secretstore/internal/awsmodel"
	"github.com/secretstore-go/secretstore/policy"
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

// conditionKeys adds secretsmanager:RotationLambdaARN (when given),
// secretsmanager:ModifyRotationRules and secretsmanager:RotateImmediately.
func (in *RotateSecretInput) conditionKeys(req *policy.Request) {
	setKey(req, policy.KeyRotationLambdaARN, in.RotationLambdaARN)
	req.Set(policy.KeyModifyRotationRules, strconv.FormatBool(in.RotationRules != nil))
	req.Set(policy.KeyRotateImmediately, strconv.FormatBool(in.RotateImmediately == nil || *in.RotateImmediately))
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
	err := s.run(ctx, &call{
		op:       awsmodel.OpRotateSecret,
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
		do: func(t *tx, r *secretRecord) (bool, error) {
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
	err := s.run(ctx, &call{
		op:       awsmodel.OpCancelRotateSecret,
		in:       in,
		secretID: in.SecretId,
		do: func(t *tx, r *secretRecord) (bool, error) {
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
		if n := r.VersionCount(); n >= MaxVersions {
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
