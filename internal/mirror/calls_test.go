package mirror

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/secretstore-go/secretstore"
)

// unchangedSecrets is the size of the source in the call counts.
const unchangedSecrets = 1000

// fillUpstream puts n secrets, each with an AWSCURRENT and an AWSPREVIOUS
// version, a description and a tag, into s.
func fillUpstream(tb testing.TB, s *secretstore.Store, n int) {
	tb.Helper()
	ctx := context.Background()
	for i := range n {
		name := fmt.Sprintf("fleet/device-%04d", i)
		if _, err := s.CreateSecret(ctx, &secretstore.CreateSecretInput{Name: name, SecretString: "first", Description: "secret " + name,
			Tags: []secretstore.Tag{{Key: "fleet", Value: "a"}}}); err != nil {
			tb.Fatal(err)
		}
		if _, err := s.Put(ctx, name, "second"); err != nil {
			tb.Fatal(err)
		}
	}
}

// TestPassCallsForUnchangedSecrets measures what a pass over 1,000
// secrets that have not changed costs the source, and holds it to the
// floor: ListSecrets' page count (10 pages of 100), and for copy the
// destination's listing too. BENCHMARKS.md records the numbers it logs
// (go test -run TestPassCallsForUnchangedSecrets -v ./internal/mirror).
func TestPassCallsForUnchangedSecrets(t *testing.T) {
	t.Parallel()
	n := unchangedSecrets
	if raceEnabled {
		n = 300 // each request is many times slower
	}
	up := newServer(t, secretstore.Options{})
	fillUpstream(t, up.store, n)
	floor := (n + 99) / 100

	t.Run("mirror", func(t *testing.T) {
		device := newServer(t, secretstore.Options{})
		m := New(endpoint(t, up.URL), device.store, Options{})
		up.takeCalls()
		first := pass(t, m)
		firstCalls := up.takeCalls()
		start := time.Now()
		rep := pass(t, m)
		took := time.Since(start)
		calls, retries := up.takeCallsAndRetries()
		t.Logf("mirror pass over %d unchanged secrets: %v (floor: %d ListSecrets pages); %s; the first pass: %v",
			n, calls, floor, took.Round(time.Millisecond), firstCalls)
		if first.Created != n || rep.Unchanged != n || calls["ListSecrets"] != floor || len(calls) != 1 {
			t.Errorf("unchanged pass: %s, calls %v; want %d ListSecrets and nothing else", counts(rep), calls, floor)
		}
		if st := m.Status(); st.LastPass.Calls != int64(floor+retries) {
			t.Errorf("Status counts %d calls, want %d (and the SDK's %d retries)", st.LastPass.Calls, floor, retries)
		}
	})
	t.Run("copy", func(t *testing.T) {
		dst := newServer(t, secretstore.Options{})
		c := &Copy{From: endpoint(t, up.URL), To: endpoint(t, dst.URL), IncludeVersions: true}
		if rep, err := c.Run(t.Context(), nil); err != nil || rep.Created != n {
			t.Fatalf("first copy: %+v, %v", rep, err)
		}
		up.takeCalls()
		dst.takeCalls()
		start := time.Now()
		rep, err := c.Run(t.Context(), nil)
		took := time.Since(start)
		srcCalls, dstCalls := up.takeCalls(), dst.takeCalls()
		t.Logf("copy pass over %d unchanged secrets: source %v, destination %v (floor: %d + %d ListSecrets pages); %s",
			n, srcCalls, dstCalls, floor, floor, took.Round(time.Millisecond))
		if err != nil || rep.Unchanged != n || srcCalls["ListSecrets"] != floor || len(srcCalls) != 1 ||
			dstCalls["ListSecrets"] != floor || len(dstCalls) != 1 {
			t.Errorf("unchanged copy: %d unchanged, %v; calls %v and %v", rep.Unchanged, err, srcCalls, dstCalls)
		}
	})
}

// BenchmarkMirrorPassUnchanged times a mirror pass over 1,000 unchanged
// secrets, with the source's calls per pass.
func BenchmarkMirrorPassUnchanged(b *testing.B) {
	up := newServer(b, secretstore.Options{})
	fillUpstream(b, up.store, unchangedSecrets)
	device := newServer(b, secretstore.Options{})
	m := New(endpoint(b, up.URL), device.store, Options{})
	if _, err := m.Pass(context.Background()); err != nil {
		b.Fatal(err)
	}
	up.takeCalls()
	b.ResetTimer()
	for b.Loop() {
		if _, err := m.Pass(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	calls := 0
	for _, n := range up.takeCalls() {
		calls += n
	}
	b.ReportMetric(float64(calls)/float64(b.N), "calls/pass")
	b.ReportMetric(float64(runtime.GOMAXPROCS(0)), "procs")
}
