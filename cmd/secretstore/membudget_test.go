package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/secretstore-go/secretstore"
)

func TestParseBytes(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		want int64
	}{
		{"67108864", 64 << 20},
		{"64MiB", 64 << 20},
		{"64mib", 64 << 20},
		{"64M", 64 << 20},
		{"64m", 64 << 20},
		{"64 MiB", 64 << 20},
		{"64MB", 64e6},
		{"512KiB", 512 << 10},
		{"1GiB", 1 << 30},
		{"1.5GiB", 3 << 29},
		{"2g", 2 << 30},
		{"1TiB", 1 << 40},
		{"100b", 100},
	} {
		got, err := parseBytes(c.in)
		if err != nil || got != c.want {
			t.Errorf("parseBytes(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
	for _, in := range []string{"", "MiB", "64XB", "-1MiB", "1.5", "64MiB5", "9999999999TiB", "1e9", "0x10"} {
		if got, err := parseBytes(in); err == nil {
			t.Errorf("parseBytes(%q) = %d, want an error", in, got)
		}
	}
	for _, n := range []int64{32 << 20, 3 << 29, 1 << 40, 1000} {
		if got, err := parseBytes(formatBytes(n)); err != nil || got != n {
			t.Errorf("parseBytes(formatBytes(%d) = %q) = %d, %v", n, formatBytes(n), got, err)
		}
	}
}

func TestServeMemoryBudgetFlag(t *testing.T) {
	t.Parallel()
	options := func(args ...string) (secretstore.Options, error) {
		f := &serveFlags{memory: true}
		fs := newFlagSet("serve")
		f.memoryBudget.register(fs)
		if err := fs.Parse(args); err != nil {
			return secretstore.Options{}, err
		}
		o, _, err := f.storeOptions(func(string) string { return "" }, slog.New(slog.NewTextHandler(io.Discard, nil)))
		return o, err
	}
	if o, err := options(); err != nil || o.MemoryBudget != secretstore.DefaultInMemoryBudget {
		t.Errorf("no --memory-budget: MemoryBudget %d, %v; want the store's default, %d", o.MemoryBudget, err, secretstore.DefaultInMemoryBudget)
	}
	if o, err := options("--memory-budget", "256MiB"); err != nil || o.MemoryBudget != 256<<20 {
		t.Errorf("--memory-budget 256MiB: MemoryBudget %d, %v", o.MemoryBudget, err)
	}
	if _, err := options("--memory-budget", "4MiB"); err == nil || !strings.Contains(err.Error(), "less than the smallest budget, 8MiB") {
		t.Errorf("--memory-budget 4MiB: %v, want the smallest budget named", err)
	}

	r := runCLI(t, nil, "", "serve", "--memory", "--memory-budget", "lots", "--addr", "127.0.0.1:0")
	if r.code != exitUsage || !strings.Contains(r.stderr, "memory-budget") || !strings.Contains(r.stderr, "64MiB") {
		t.Errorf("--memory-budget lots: exit %d, %q", r.code, r.stderr)
	}
	var usage strings.Builder
	fs := newFlagSet("serve")
	setupServe(fs)
	fs.SetOutput(&usage)
	fs.PrintDefaults()
	if !strings.Contains(usage.String(), "default 32MiB on disk, 8MiB with --memory") {
		t.Errorf("serve's usage does not give --memory-budget's defaults:\n%s", usage.String())
	}

	// A server with a budget starts and serves.
	s := startInProcess(t, nil, "--memory", "--memory-budget", "16MiB", "--quiet")
	if code, _ := post(t, s.URL, "{}"); code == 0 {
		t.Error("no answer")
	}
}

// TestBodyLimiter checks that the bodies being served at once never take
// more than the limiter's units, that requests are served in turn, and
// that requests without a body pass at once.
func TestBodyLimiter(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	done, cancel := context.WithCancel(ctx)
	cancel()                                    // a context that has ended: an acquire that would wait fails at once
	l := newBodyLimiter(4*bodyUnit, 2*bodyUnit) // 4 units; the largest body takes 2

	r1, err := l.acquire(ctx, 2*bodyUnit) // 2 units
	if err != nil {
		t.Fatal(err)
	}
	r2, err := l.acquire(ctx, 1) // 1
	if err != nil {
		t.Fatal(err)
	}
	r3, err := l.acquire(ctx, 0) // an empty body takes a unit too
	if err != nil {
		t.Fatal(err)
	}
	defer r3()
	// Every unit is taken: the next body waits (here: fails, its context
	// having ended).
	if _, err := l.acquire(done, 1); err == nil {
		t.Fatal("a body was let in with no unit free")
	}
	// A body of unknown size takes the largest body's units: it waits
	// until two are free, holding its turn, and a small body behind it
	// waits too.
	big := make(chan func())
	go func() {
		release, err := l.acquire(ctx, -1)
		if err != nil {
			t.Error(err)
		}
		big <- release
	}()
	r2()
	waitFor := func(cond func() bool) {
		for !cond() {
			runtime.Gosched()
		}
	}
	waitFor(func() bool { return len(l.units) == 0 && len(l.turn) == 1 }) // it took the freed unit and waits for a second
	if _, err := l.acquire(done, 1); err == nil {
		t.Error("a small body overtook a large one waiting for its turn")
	}
	r1()
	rb := <-big
	rb()
	r, err := l.acquire(ctx, 100*bodyUnit) // more than the largest body: capped
	if err != nil {
		t.Fatal(err)
	}
	if free := len(l.units); free != 4-1-2 {
		t.Errorf("%d units free with a capped body and one more taken, want %d", free, 4-1-2)
	}
	r()

	// Through the handler: GET passes with no unit free.
	hold, _ := l.acquire(ctx, 2*bodyUnit)
	hold2, _ := l.acquire(ctx, 1) // with r3's: every unit is taken
	served := false
	h := l.handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { served = true }))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/_secretstore/health", nil))
	if !served {
		t.Error("a GET waited for body units")
	}
	served = false
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/", strings.NewReader("{}")).WithContext(done))
	if served {
		t.Error("a POST was served with no unit free")
	}
	hold()
	hold2()
	if free := len(l.units); free != 4-1 {
		t.Errorf("%d units free at the end, want %d (r3 still held)", free, 3)
	}
}

// TestGoMemoryLimit checks the soft memory limit serve sets and logs.
func TestGoMemoryLimit(t *testing.T) {
	t.Parallel()
	if got := goMemoryLimit(32 << 20); got != 56<<20 {
		t.Errorf("goMemoryLimit(32MiB) = %d, want 56MiB", got)
	}
	var set []int64
	c := &cli{getenv: func(string) string { return "" }, setMemoryLimit: func(n int64) int64 { set = append(set, n); return 0 }}
	var log strings.Builder
	logger := slog.New(slog.NewTextHandler(&log, nil))
	(&serveFlags{}).limitMemory(c, 64<<20, logger)
	(&serveFlags{memory: true}).limitMemory(c, 8<<20, logger)
	c.getenv = func(k string) string {
		if k == "GOMEMLIMIT" {
			return "1GiB"
		}
		return ""
	}
	(&serveFlags{}).limitMemory(c, 64<<20, logger)
	if len(set) != 1 || set[0] != 112<<20 {
		t.Errorf("limits set: %v, want only 112MiB (for the store on disk without GOMEMLIMIT)", set)
	}
	for _, want := range []string{"budget=64MiB go_memory_limit=112MiB request_bodies=8MiB", `go_memory_limit="none (the store is in memory)"`, `go_memory_limit="GOMEMLIMIT=1GiB"`} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("the log does not say %q:\n%s", want, log.String())
		}
	}
}
