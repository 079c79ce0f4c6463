package secretstore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/secretstore-go/secretstore/internal/record"
)

// TestIndexesFollowEveryWrite takes a secret through every change of its
// index entries (created date, deletion date, version quota) and checks the
// store's consistency after each step: the operations only put records,
// and tx keeps the indexes in step.
func TestIndexesFollowEveryWrite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, clk := newTestStore(t)
	arnOf := func(name string) string { return mustDescribe(t, s, name).ARN }
	partial := func(name string) string { a := arnOf(name); return a[:len(a)-7] }
	days := func(n int64) *int64 { return &n }
	steps := []struct {
		name string
		do   func() error
		want func() error // an extra check, or nil
	}{
		{"create", func() error { mustCreate(t, s, "db", "v0"); return nil }, nil},
		{"put past the version quota", func() error {
			for i := range MaxVersions {
				if i == MaxVersions/2 {
					clk.Advance(VersionMinAge + time.Hour) // the first half may be pruned
				}
				mustPut(t, s, "db", fmt.Sprint("v", i+1))
			}
			return nil
		}, func() error { return s.wantEntries(record.PrefixPrune, 1) }},
		{"prune back under the quota", func() error {
			_, err := s.Reap(ctx)
			return err
		}, func() error { return s.wantEntries(record.PrefixPrune, 0) }},
		{"schedule for deletion", func() error {
			_, err := s.DeleteSecret(ctx, &DeleteSecretInput{SecretId: "db", RecoveryWindowInDays: days(7)})
			return err
		}, func() error { return s.wantEntries(record.PrefixDeletion, 1) }},
		{"restore by partial ARN", func() error { return s.Restore(ctx, partial("db")) }, func() error { return s.wantEntries(record.PrefixDeletion, 0) }},
		{"schedule again", func() error { _, err := s.Delete(ctx, "db", 10); return err }, nil},
		{"force delete a scheduled secret", func() error {
			_, err := s.DeleteSecret(ctx, &DeleteSecretInput{SecretId: "db", ForceDeleteWithoutRecovery: true})
			return err
		}, func() error { return s.wantEntries(record.PrefixCreated, 0) }},
		{"create the name again, let it expire, create it once more", func() error {
			mustCreate(t, s, "db", "v")
			if _, err := s.Delete(ctx, "db", 7); err != nil {
				return err
			}
			clk.Advance(8 * 24 * time.Hour)
			mustCreate(t, s, "db", "again") // purges the expired one in the same transaction
			return nil
		}, func() error { return s.wantEntries(record.PrefixDeletion, 0) }},
		{"tag, untag, describe, relabel", func() error {
			if _, err := s.TagResource(ctx, &TagResourceInput{SecretId: "db", Tags: []Tag{{Key: "k", Value: "v"}}}); err != nil {
				return err
			}
			_, err := s.UntagResource(ctx, &UntagResourceInput{SecretId: "db", TagKeys: []string{"k"}})
			return err
		}, func() error { return s.wantEntries(record.PrefixCreated, 1) }},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if err := s.check(); err != nil {
			t.Fatalf("after %s: %v", st.name, err)
		}
		if st.want != nil {
			if err := st.want(); err != nil {
				t.Fatalf("after %s: %v", st.name, err)
			}
		}
	}
}

// wantEntries checks that the index with prefix holds n entries.
func (s *Store) wantEntries(prefix byte, n int) error {
	got := 0
	err := s.c.read(func(t *tx) error {
		p := []byte{prefix}
		return t.iterate(p, p, false, func(_, _ []byte) (bool, error) { got++; return true, nil })
	})
	if err == nil && got != n {
		err = fmt.Errorf("index %q has %d entries, want %d", prefix, got, n)
	}
	return err
}
