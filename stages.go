package secretstore

import (
	"slices"

	"github.com/secretstore-go/secretstore/internal/awsmodel"
)

// The rules of staging labels, in one place: every write that moves a label
// goes through attach, detach or moveStage.

// The staging labels Secrets Manager gives meaning to.
const (
	StageCurrent  = "AWSCURRENT"
	StagePrevious = "AWSPREVIOUS"
	StagePending  = "AWSPENDING"
)

// holder returns the index of the version carrying label, or -1.
func (r *secretRecord) holder(label string) int {
	for i := range r.Versions {
		if slices.Contains(r.Versions[i].Stages, label) {
			return i
		}
	}
	return -1
}

// attach puts label on version to, taking it from the version that held it.
// This is the one place labels move: when AWSCURRENT moves, the version that
// held it gains AWSPREVIOUS, taken in turn from its holder. A version left
// with no label is deprecated.
func (r *secretRecord) attach(label string, to int) {
	from := r.holder(label)
	if from == to {
		return
	}
	if from >= 0 {
		r.detach(label, from)
	}
	r.Versions[to].Stages = append(r.Versions[to].Stages, label)
	if label == StageCurrent && from >= 0 {
		r.attach(StagePrevious, from)
	}
}

// detach removes label from version i.
func (r *secretRecord) detach(label string, i int) {
	r.Versions[i].Stages = slices.DeleteFunc(slices.Clone(r.Versions[i].Stages), func(s string) bool { return s == label })
	if len(r.Versions[i].Stages) == 0 {
		r.Versions[i].Stages = nil
	}
}

// stageCount returns how many distinct labels the secret carries.
func (r *secretRecord) stageCount() int {
	n := 0
	for i := range r.Versions {
		n += len(r.Versions[i].Stages)
	}
	return n // a label is on at most one version, so no label is counted twice
}

// labelled returns the version ids and their labels, leaving out deprecated
// versions; nil when there are none.
func (r *secretRecord) labelled() map[string][]string {
	var m map[string][]string
	for i := range r.Versions {
		v := &r.Versions[i]
		if len(v.Stages) == 0 {
			continue
		}
		if m == nil {
			m = make(map[string][]string, len(r.Versions))
		}
		m[v.ID] = slices.Clone(v.Stages)
	}
	return m
}

// checkStageCount enforces the quota of staging labels on one secret.
func (r *secretRecord) checkStageCount() error {
	if n := r.stageCount(); n > MaxStages {
		return newError(ErrLimitExceeded, awsmodel.TooManyStages(r.Name, n))
	}
	return nil
}

// moveStage applies UpdateSecretVersionStage's rules to r.
func (r *secretRecord) moveStage(label, removeFrom, moveTo string) error {
	from, to := -1, -1
	if removeFrom != "" {
		if from = r.version(removeFrom); from < 0 {
			return newError(ErrInvalidParameter, awsmodel.VersionNotFound(removeFrom, r.Name))
		}
	}
	if moveTo != "" {
		if to = r.version(moveTo); to < 0 {
			return newError(ErrInvalidParameter, awsmodel.VersionNotFound(moveTo, r.Name))
		}
	}
	holder := r.holder(label)
	switch {
	case to < 0 && from != holder: // remove only
		return newError(ErrInvalidParameter, awsmodel.StageNotOnRemoveFrom(removeFrom, r.Name, label))
	case to < 0 && label == StageCurrent:
		// A secret keeps its current version: AWSCURRENT can only move.
		return newError(ErrInvalidParameter, awsmodel.CurrentCannotBeRemoved(removeFrom))
	case to < 0:
		r.detach(label, from)
		return nil
	case holder >= 0 && from < 0 && holder != to:
		return newError(ErrInvalidParameter, awsmodel.RemoveFromEmpty(label, r.Versions[holder].ID))
	case from >= 0 && from != holder:
		return newError(ErrInvalidParameter, awsmodel.RemoveFromWrong(label))
	case holder == to:
		return nil // already there
	}
	r.attach(label, to)
	return r.checkStageCount()
}
