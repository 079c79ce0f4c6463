package secretstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestConcurrentPutsAndReads has 16 goroutines put values into one secret
// while 16 others read it. Every read must succeed with a value that was
// put, and afterwards the labels and the version count must add up.
func TestConcurrentPutsAndReads(t *testing.T) {
	t.Parallel()
	const (
		writers      = 16
		putsEach     = 5
		readers      = 16
		initialValue = "initial"
	)
	ctx := context.Background()
	// The real clock: versions get distinct dates, and a day may even turn.
	s, _ := newTestStore(t, func(o *Options) { o.Clock = nil })
	mustCreate(t, s, "shared", initialValue)

	valid := map[string]bool{initialValue: true}
	for w := range writers {
		for i := range putsEach {
			valid[fmt.Sprintf("w%02d-p%d", w, i)] = true
		}
	}
	var (
		wg, writersWG sync.WaitGroup
		puts          atomic.Int64
		reads         atomic.Int64
		mu            sync.Mutex
		putErrs       []error
		readErrs      []error
		versionIDs    = map[string]bool{}
	)
	done := make(chan struct{})
	for w := range writers {
		writersWG.Go(func() {
			for i := range putsEach {
				out, err := s.PutSecretValue(ctx, &PutSecretValueInput{SecretId: "shared", SecretString: fmt.Sprintf("w%02d-p%d", w, i)})
				mu.Lock()
				if err != nil {
					putErrs = append(putErrs, err)
				} else {
					puts.Add(1)
					if versionIDs[out.VersionId] {
						putErrs = append(putErrs, fmt.Errorf("version id %s returned twice", out.VersionId))
					}
					versionIDs[out.VersionId] = true
				}
				mu.Unlock()
			}
		})
	}
	for range readers {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				out, err := s.GetSecretValue(ctx, &GetSecretValueInput{SecretId: "shared"})
				reads.Add(1)
				if err == nil && !valid[out.SecretString] {
					err = fmt.Errorf("read %q, which no one put", out.SecretString)
				}
				if err == nil && (len(out.VersionStages) == 0 || out.VersionStages[0] != StageCurrent && !slices.Contains(out.VersionStages, StageCurrent)) {
					err = fmt.Errorf("read version %s labelled %v", out.VersionId, out.VersionStages)
				}
				if err != nil {
					mu.Lock()
					readErrs = append(readErrs, err)
					mu.Unlock()
				}
			}
		})
	}
	writersWG.Wait()
	close(done)
	wg.Wait()

	for _, err := range putErrs {
		t.Errorf("put: %v", err)
	}
	for _, err := range readErrs {
		t.Errorf("read: %v", err)
	}
	if reads.Load() < readers {
		t.Errorf("only %d reads", reads.Load())
	}
	st := checkLabelsUnique(t, s, "shared")
	if want := int(puts.Load()) + 1; len(st) != want {
		t.Errorf("%d versions, want %d (%d puts + the first)", len(st), want, puts.Load())
	}
	holders := map[string]int{}
	for _, labels := range st {
		for _, l := range labels {
			holders[l]++
		}
	}
	if holders[StageCurrent] != 1 || holders[StagePrevious] != 1 || len(holders) != 2 {
		t.Errorf("label counts %v, want one AWSCURRENT and one AWSPREVIOUS", holders)
	}
	// AWSCURRENT is on the last version created, AWSPREVIOUS on the one before.
	vs := listVersions(t, s, "shared")
	last := vs[len(vs)-1]
	if !slices.Contains(last.VersionStages, StageCurrent) {
		t.Errorf("the newest version %s has labels %v", last.VersionId, last.VersionStages)
	}
	if got := mustGet(t, s, "shared"); !valid[got] || got == initialValue {
		t.Errorf("final value %q", got)
	}
}

// TestConcurrentCreateOfOneName has 8 goroutines create the same secret:
// exactly one succeeds.
func TestConcurrentCreateOfOneName(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newTestStore(t)
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	outs := make([]*CreateSecretOutput, n)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			outs[i], errs[i] = s.CreateSecret(ctx, &CreateSecretInput{Name: "race", SecretString: fmt.Sprint("value-", i)})
		})
	}
	close(start)
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil:
			if winner >= 0 {
				t.Errorf("creates %d and %d both succeeded", winner, i)
			}
			winner = i
		case !errors.Is(err, ErrResourceExists):
			t.Errorf("create %d: %v, want ResourceExistsException", i, err)
		default:
			wantMessage(t, err, ErrResourceExists, "The operation failed because the secret race already exists.")
		}
	}
	if winner < 0 {
		t.Fatal("no create succeeded")
	}
	if got := mustGet(t, s, "race"); got != fmt.Sprint("value-", winner) {
		t.Errorf("value %q, want the winner's value-%d", got, winner)
	}
	if d := mustDescribe(t, s, "race"); d.ARN != outs[winner].ARN || len(d.VersionIdsToStages) != 1 {
		t.Errorf("DescribeSecret = %+v", d)
	}
	if names := listNames(t, s, &ListSecretsInput{}); len(names) != 1 {
		t.Errorf("listed %v", names)
	}
}

// TestConcurrentPutHelperCreates has goroutines call Put on a name that does
// not exist yet: one creates it, the others add versions.
func TestConcurrentPutHelperCreates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newTestStore(t)
	const n = 8
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if _, err := s.Put(ctx, "lazy", fmt.Sprint("v", i)); err != nil {
				t.Errorf("Put %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if got := len(stages(t, s, "lazy")); got != n {
		t.Errorf("%d versions, want %d", got, n)
	}
	checkLabelsUnique(t, s, "lazy")
}

// TestConcurrentLabelMoves moves a custom label between versions from many
// goroutines while others put: a label is never on two versions.
func TestConcurrentLabelMoves(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, clk := newTestStore(t)
	ids := []string{mustCreate(t, s, "db", "v0").VersionId}
	for i := 1; i < 4; i++ {
		ids = append(ids, mustPut(t, s, "db", fmt.Sprint("v", i)).VersionId)
	}
	if _, err := s.UpdateSecretVersionStage(ctx, &UpdateSecretVersionStageInput{SecretId: "db", VersionStage: "HOT", MoveToVersionId: ids[0]}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var moved atomic.Int64
	for g := range 8 {
		wg.Go(func() {
			for i := range 10 {
				from := ids[(g+i)%len(ids)]
				to := ids[(g+i+1)%len(ids)]
				_, err := s.UpdateSecretVersionStage(ctx, &UpdateSecretVersionStageInput{SecretId: "db", VersionStage: "HOT", RemoveFromVersionId: from, MoveToVersionId: to})
				switch {
				case err == nil:
					moved.Add(1)
				case !errors.Is(err, ErrInvalidParameter): // HOT was not on from: expected
					t.Errorf("move: %v", err)
				}
				clk.Advance(time.Millisecond)
			}
		})
	}
	wg.Wait()
	st := checkLabelsUnique(t, s, "db")
	hot := 0
	for _, labels := range st {
		if slices.Contains(labels, "HOT") {
			hot++
		}
	}
	if hot != 1 || moved.Load() == 0 {
		t.Errorf("HOT on %d versions after %d moves: %v", hot, moved.Load(), st)
	}
}
