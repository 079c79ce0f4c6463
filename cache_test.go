package secretstore

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

func TestCacheReadsSeeEveryCompletedWrite(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	mustCreate(t, s, "hot", "v0")
	var stop atomic.Bool
	var wg sync.WaitGroup
	defer func() { stop.Store(true); wg.Wait() }()
	for range 4 { // readers keep the cache full of the secret
		wg.Go(func() {
			for !stop.Load() {
				if _, err := s.GetSecretValue(ctx, &GetSecretValueInput{SecretId: "hot"}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	for i := 1; i <= 300; i++ {
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
