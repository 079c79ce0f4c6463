package secretstore

import (
	"context"
	"fmt"
	"testing"

	"github.com/secretstore-go/secretstore/internal/record"
)

func TestCacheReadsSeeEveryCompletedWrite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newTestStore(t)
	mustCreate(t, s, "hot", "v0")
	// Readers keep the cache full of the secret: at each round, while the
	// writer puts and reads, each reads it a few times.
	round, stop := readRounds(t, 4, func() error {
		_, err := s.GetSecretValue(ctx, &GetSecretValueInput{SecretId: "hot"})
		return err
	})
	defer stop()
	for i := 1; i <= 300; i++ {
		round()
		want := fmt.Sprint("v", i)
		put := mustPut(t, s, "hot", want)
		out, err := s.GetSecretValue(ctx, &GetSecretValueInput{SecretId: "hot"})
		if err != nil || out.SecretString != want || out.VersionId != put.VersionId {
			t.Fatalf("after put %d: GetSecretValue = %+v, %v; want %s", i, out, err, want)
		}
		if d := mustDescribe(t, s, "hot"); len(d.VersionIdsToStages[put.VersionId]) != 1 {
			t.Fatalf("after put %d: DescribeSecret shows %v", i, d.VersionIdsToStages)
		}
		if i%50 == 0 { // keep under the version quota: deprecated versions go
			trimVersions(t, s, []string{"hot"})
			s.c.cache.bump()
		}
	}
}

func TestCachedRecordsAreNotSharedWithCallers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newTestStore(t)
	mustCreate(t, s, "shared", "v")
	for range 3 {
		out, err := s.GetSecretValue(ctx, &GetSecretValueInput{SecretId: "shared"})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.VersionStages) != 1 || out.VersionStages[0] != StageCurrent {
			t.Fatalf("VersionStages = %v", out.VersionStages)
		}
		out.VersionStages[0] = "CHANGED BY THE CALLER"
		d := mustDescribe(t, s, "shared")
		for id := range d.VersionIdsToStages {
			d.VersionIdsToStages[id][0] = "CHANGED BY THE CALLER"
		}
	}
	if got := stages(t, s, "shared"); fmt.Sprint(got) == "" || fmt.Sprint(got) != fmt.Sprintf("map[%s:[AWSCURRENT]]", firstKey(got)) {
		t.Fatalf("stages = %v", got)
	}
}

func firstKey(m map[string][]string) string {
	for k := range m {
		return k
	}
	return ""
}

func TestCacheAfterResetAndDelete(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newTestStore(t)
	mustCreate(t, s, "a", "v")
	mustGet(t, s, "a")
	if err := s.reset(ctx); err != nil {
		t.Fatal(err)
	}
	_, err := s.GetSecretValue(ctx, &GetSecretValueInput{SecretId: "a"})
	wantErr(t, err, ErrResourceNotFound, "")
	mustCreate(t, s, "b", "v")
	mustGet(t, s, "b")
	mustDelete(t, s, &DeleteSecretInput{SecretId: "b", ForceDeleteWithoutRecovery: true})
	_, err = s.GetSecretValue(ctx, &GetSecretValueInput{SecretId: "b"})
	wantErr(t, err, ErrResourceNotFound, "")
}

func TestCacheStaysWithinItsBudget(t *testing.T) {
	t.Parallel()
	c := recordCache{budget: 4 << 20}
	g := c.begin()
	r := &secretRecord{}
	for i := range 1000 {
		c.put([]byte(fmt.Sprint("k", i)), r, g, c.budget/100)
		if len(c.entries) > 100 {
			t.Fatalf("%d entries of budget/100 bytes each", len(c.entries))
		}
		if c.bytes > c.budget {
			t.Fatalf("cache holds %d bytes, budget %d", c.bytes, c.budget)
		}
	}
	if c.get([]byte("k999"), g) == nil {
		t.Fatal("the last entry put is not there")
	}
	c.bump()
	g2 := c.begin()
	if c.get([]byte("k999"), g2) != nil {
		t.Fatal("a transaction that began after a write sees an entry from before it")
	}
	c.put([]byte("new"), r, g, 10) // tagged with a dead generation: refused
	if c.get([]byte("new"), g) != nil || c.get([]byte("new"), g2) != nil {
		t.Fatal("an entry from a dead generation was kept")
	}
}

// TestCacheReadsOverlappingAChangeReadThrough: a read whose snapshot may
// or may not hold a commit in progress neither uses nor adds entries, and
// no entry from before a change is used after it.
func TestCacheReadsOverlappingAChangeReadThrough(t *testing.T) {
	t.Parallel()
	c := recordCache{budget: 1 << 20}
	key := []byte("sus-east-1\x00a")
	before := c.confirm(c.begin())
	if before == readThrough {
		t.Fatal("a read with no write in progress cannot use the cache")
	}
	c.put(key, &secretRecord{Secret: record.Secret{Name: "a"}}, before, 100)
	if c.get(key, before) == nil {
		t.Fatal("the entry was not kept")
	}
	c.change(func() error {
		if g := c.confirm(c.begin()); g != readThrough {
			t.Errorf("a read beginning during a change got generation %d", g)
		}
		if g := c.confirm(before); g != readThrough {
			t.Errorf("a read that began before a change and took its snapshot during it got generation %d", g)
		}
		return nil
	})
	after := c.confirm(c.begin())
	if after == readThrough || after == before {
		t.Fatalf("after the change: generation %d (before it %d)", after, before)
	}
	if c.get(key, after) != nil {
		t.Error("an entry from before a change is used after it")
	}
}

// TestCacheDuringLabelMoves: while AWSCURRENT moves back and forth between
// two versions (each deprecated in turn, its metadata moving between the
// secret record and a record of its own), a read of either version by id
// always finds it.
func TestCacheDuringLabelMoves(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newTestStore(t)
	v1 := mustCreate(t, s, "flip", "one").VersionId
	v2 := mustPut(t, s, "flip", "two").VersionId
	mustPut(t, s, "flip", "three") // v1 is deprecated, v2 AWSPREVIOUS
	var rounds []func()
	for _, id := range []string{v1, v2} {
		round, stop := readRounds(t, 1, func() error {
			_, err := s.GetSecretValue(ctx, &GetSecretValueInput{SecretId: "flip", VersionId: id})
			return err
		})
		defer stop()
		rounds = append(rounds, round)
	}
	cur := mustDescribe(t, s, "flip")
	current := ""
	for id, st := range cur.VersionIdsToStages {
		for _, l := range st {
			if l == StageCurrent {
				current = id
			}
		}
	}
	for i := range 200 {
		for _, round := range rounds {
			round()
		}
		to := []string{v1, v2}[i%2]
		if _, err := s.UpdateSecretVersionStage(ctx, &UpdateSecretVersionStageInput{SecretId: "flip", VersionStage: StageCurrent, RemoveFromVersionId: current, MoveToVersionId: to}); err != nil {
			t.Fatal(err)
		}
		current = to
	}
}
