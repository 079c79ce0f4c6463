package secretstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// Built-in rotators, for secrets that hold a password the store itself can
// generate. Each follows the four steps of AWS's rotation function
// template: createSecret puts a new value in the rotation's AWSPENDING
// version (unless it already has one), setSecret and testSecret have no
// other system to update or test, and finishSecret moves AWSCURRENT to the
// new version and takes AWSPENDING off it. Each step first checks what the
// template checks, and does nothing if the version is already AWSCURRENT,
// so a step run twice does no harm.

// PasswordRotator returns a Rotator whose new values are random passwords
// made as GetRandomPassword makes them with in.
func PasswordRotator(in GetRandomPasswordInput) Rotator {
	return templateRotator(func(ctx context.Context, s *Store, _ *GetSecretValueOutput) (string, error) {
		out, err := s.GetRandomPassword(ctx, &in)
		if err != nil {
			return "", err
		}
		return out.RandomPassword, nil
	})
}

// JSONKeyRotator returns a Rotator for secrets whose value is a JSON
// object, such as {"username":"app","password":"..."}: each new value is
// the current one with key's value replaced by a random password made as
// GetRandomPassword makes them with in; the other keys are kept.
func JSONKeyRotator(key string, in GetRandomPasswordInput) Rotator {
	return templateRotator(func(ctx context.Context, s *Store, cur *GetSecretValueOutput) (string, error) {
		var obj map[string]any
		if err := json.Unmarshal([]byte(cur.SecretString), &obj); err != nil || obj == nil {
			return "", fmt.Errorf("the current value of %s is not a JSON object", cur.Name)
		}
		out, err := s.GetRandomPassword(ctx, &in)
		if err != nil {
			return "", err
		}
		obj[key] = out.RandomPassword
		b, err := json.Marshal(obj)
		return string(b), err
	})
}

// templateRotator runs AWS's template with newValue making the new value
// from the current one.
type templateRotator func(ctx context.Context, s *Store, current *GetSecretValueOutput) (string, error)

func (newValue templateRotator) Rotate(ctx context.Context, s *Store, ev RotationEvent) error {
	d, err := s.DescribeSecret(ctx, &DescribeSecretInput{SecretId: ev.SecretId})
	if err != nil {
		return err
	}
	if d.RotationEnabled == nil || !*d.RotationEnabled {
		return fmt.Errorf("secret %s is not enabled for rotation", ev.SecretId)
	}
	stages, ok := d.VersionIdsToStages[ev.ClientRequestToken]
	switch {
	case !ok:
		return fmt.Errorf("secret version %s has no stage for rotation of secret %s", ev.ClientRequestToken, ev.SecretId)
	case slices.Contains(stages, StageCurrent):
		return nil // already rotated
	case !slices.Contains(stages, StagePending):
		return fmt.Errorf("secret version %s not set as AWSPENDING for rotation of secret %s", ev.ClientRequestToken, ev.SecretId)
	}
	switch ev.Step {
	case StepCreateSecret:
		cur, err := s.GetSecretValue(ctx, &GetSecretValueInput{SecretId: ev.SecretId, VersionStage: StageCurrent})
		if err != nil {
			return err
		}
		_, err = s.GetSecretValue(ctx, &GetSecretValueInput{SecretId: ev.SecretId, VersionId: ev.ClientRequestToken, VersionStage: StagePending})
		if !errors.Is(err, ErrResourceNotFound) {
			return err // nil: created already
		}
		v, err := newValue(ctx, s, cur)
		if err != nil {
			return err
		}
		_, err = s.PutSecretValue(ctx, &PutSecretValueInput{
			SecretId: ev.SecretId, ClientRequestToken: ev.ClientRequestToken, SecretString: v,
			VersionStages: []string{StagePending}, RotationToken: ev.RotationToken,
		})
		return err
	case StepSetSecret, StepTestSecret:
		return nil
	case StepFinishSecret:
		var current string
		for id, st := range d.VersionIdsToStages {
			if slices.Contains(st, StageCurrent) {
				current = id
			}
		}
		_, err := s.UpdateSecretVersionStage(ctx, &UpdateSecretVersionStageInput{
			SecretId: ev.SecretId, VersionStage: StageCurrent, MoveToVersionId: ev.ClientRequestToken, RemoveFromVersionId: current,
		})
		if err != nil {
			return err
		}
		_, err = s.UpdateSecretVersionStage(ctx, &UpdateSecretVersionStageInput{
			SecretId: ev.SecretId, VersionStage: StagePending, RemoveFromVersionId: ev.ClientRequestToken,
		})
		return err
	}
	return fmt.Errorf("invalid step %q", ev.Step)
}
