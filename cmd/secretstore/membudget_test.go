package main

import (
	"io"
	"log/slog"
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
	if o, err := options(); err != nil || o.MemoryBudget != 0 {
		t.Errorf("no --memory-budget: MemoryBudget %d, %v; want 0 (the store's default)", o.MemoryBudget, err)
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
