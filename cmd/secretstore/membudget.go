package main

// serve --memory-budget: how much memory the store's database may use for
// its tables (secretstore.Options.MemoryBudget), given as bytes with an
// optional unit.

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/secretstore-go/secretstore"
)

// minMemoryBudget is the smallest --memory-budget serve accepts: the budget
// of an in-memory store, whose memtable still holds a write of the largest
// secret value (64 KiB) with room to spare.
const minMemoryBudget = secretstore.DefaultInMemoryBudget

// memoryBudget is the value of --memory-budget: a number of bytes, or zero
// for the store's default (secretstore.DefaultMemoryBudget on disk,
// secretstore.DefaultInMemoryBudget in memory).
type memoryBudget int64

func (b *memoryBudget) register(fs *flag.FlagSet) {
	fs.Var(b, "memory-budget", fmt.Sprintf("hold the server's memory to about `BYTES` to twice it, such as 64MiB or 1GiB: the database's tables and caches, the request bodies read at once (an eighth), and on disk the Go runtime's memory limit (7/4 of it) (default %s on disk, %s with --memory); raise it for a store of hundreds of thousands of secrets",
		formatBytes(secretstore.DefaultMemoryBudget), formatBytes(secretstore.DefaultInMemoryBudget)))
}

// String returns the budget as Set accepts it; empty for the default.
func (b *memoryBudget) String() string {
	if b == nil || *b == 0 {
		return ""
	}
	return formatBytes(int64(*b))
}

// bytes returns the budget in bytes: the one given, else the store's
// default for a store in memory (memory) or on disk.
func (b memoryBudget) bytes(memory bool) int64 {
	switch {
	case b != 0:
		return int64(b)
	case memory:
		return secretstore.DefaultInMemoryBudget
	}
	return secretstore.DefaultMemoryBudget
}

// Set parses s (see parseBytes) and refuses a budget under minMemoryBudget.
func (b *memoryBudget) Set(s string) error {
	n, err := parseBytes(s)
	if err != nil {
		return err
	}
	if n < minMemoryBudget {
		return fmt.Errorf("%s is less than the smallest budget, %s", s, formatBytes(minMemoryBudget))
	}
	*b = memoryBudget(n)
	return nil
}

// byteUnits are the units parseBytes accepts, matched without regard to
// case: the binary ones (KiB, MiB, GiB, TiB, and K, M, G, T as short forms
// of them, as in `docker --memory 64m`) and the decimal ones (KB, MB, GB,
// TB).
var byteUnits = map[string]int64{
	"":  1,
	"b": 1,
	"k": 1 << 10, "kib": 1 << 10, "kb": 1e3,
	"m": 1 << 20, "mib": 1 << 20, "mb": 1e6,
	"g": 1 << 30, "gib": 1 << 30, "gb": 1e9,
	"t": 1 << 40, "tib": 1 << 40, "tb": 1e12,
}

// parseBytes parses a whole number of bytes with an optional unit (see
// byteUnits), such as 67108864, 64MiB, 64m or 1.5GiB; a fraction is allowed
// with a unit, and the result is rounded down to a whole byte.
func parseBytes(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := strings.IndexFunc(t, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if i < 0 {
		i = len(t)
	}
	num, unit := t[:i], strings.ToLower(strings.TrimSpace(t[i:]))
	mult, ok := byteUnits[unit]
	if num == "" || !ok {
		return 0, fmt.Errorf("%q is not a size in bytes such as 64MiB, 1GiB or 67108864", s)
	}
	if !strings.Contains(num, ".") {
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil || n > math.MaxInt64/mult {
			return 0, fmt.Errorf("%q is not a size in bytes such as 64MiB (too large?)", s)
		}
		return n * mult, nil
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || mult == 1 || f*float64(mult) >= math.MaxInt64 {
		return 0, fmt.Errorf("%q is not a size in bytes such as 64MiB or 1.5GiB", s)
	}
	return int64(f * float64(mult)), nil
}

// formatBytes writes n in the largest binary unit that divides it.
func formatBytes(n int64) string {
	for _, u := range []struct {
		name string
		size int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n != 0 && n%u.size == 0 {
			return strconv.FormatInt(n/u.size, 10) + u.name
		}
	}
	return strconv.FormatInt(n, 10)
}

// The budget bounds the process, not only the store's tables and caches:
//
//   - the Go runtime's soft memory limit (runtime/debug.SetMemoryLimit) is
//     set to 7/4 of the budget for a store on disk, so that the garbage the
//     server makes under load (Badger's table builders among it) is
//     collected before the heap grows to twice what is live, which Go's
//     default (GOGC=100) allows; GOMEMLIMIT, when set, wins. A store in
//     memory holds all its data on the heap, which no budget bounds: there
//     the runtime is left as it is.
//   - the request bodies read at once take at most an eighth of the budget
//     (bodyLimiter): under many clients with large values the next requests
//     wait, holding only their connection's small buffers, instead of
//     each holding up to 1 MiB.
//
// Badger's memory-mapped tables are the kernel's pages, counted in RSS as
// RssFile: the kernel evicts them under pressure. BENCHMARKS.md ("Bounded
// memory under load") measures RssAnon and RssFile apart.

// maxRequestBody is the largest request body the API reads (awsapi's
// default Options.MaxBodyBytes).
const maxRequestBody = 1 << 20

// limitMemory sets the Go runtime's soft memory limit for a store on disk
// with budget bytes (unless GOMEMLIMIT is set, or the store is in memory),
// and logs the limits.
func (f *serveFlags) limitMemory(c *cli, budget int64, log *slog.Logger) {
	limit := "none (the store is in memory)"
	switch {
	case c.getenv("GOMEMLIMIT") != "":
		limit = "GOMEMLIMIT=" + c.getenv("GOMEMLIMIT")
	case !f.memory:
		limit = formatBytes(goMemoryLimit(budget))
		if c.setMemoryLimit != nil { // nil in tests: the process is theirs
			c.setMemoryLimit(goMemoryLimit(budget))
		}
	}
	log.Info("memory", "budget", formatBytes(budget), "go_memory_limit", limit, "request_bodies", formatBytes(bodyBudget(budget)))
}

// goMemoryLimit returns the Go runtime's soft memory limit serve sets for a
// store on disk with budget bytes: the library's advice.
func goMemoryLimit(budget int64) int64 { return secretstore.GoMemoryLimit(budget) }

// bodyUnit is the unit in which bodyLimiter counts request bodies: a
// request takes one for each started 4 KiB of its body, and at least one.
const bodyUnit = 4 << 10

// bodyBudget returns the bytes of request bodies serve reads at once with
// memory budget bytes: an eighth of it, and room for at least two of the
// largest bodies (1 MiB).
func bodyBudget(budget int64) int64 { return max(budget/8, 2<<20) }

// bodyLimiter bounds the bytes of request bodies being read and answered
// at once: a request takes units for its body's size (its Content-Length,
// or the largest body the API reads when it does not say) before the
// handler reads it, and gives them back with its answer. Requests wait in
// turn, the first to arrive served first, so a large body is not starved
// by small ones.
type bodyLimiter struct {
	units chan struct{} // one token per free unit
	turn  chan struct{} // held by the request taking its units
	max   int           // the units of the largest body
}

func newBodyLimiter(budget, maxBody int64) *bodyLimiter {
	n := int(budget / bodyUnit)
	l := &bodyLimiter{units: make(chan struct{}, n), turn: make(chan struct{}, 1), max: int(min((maxBody+bodyUnit-1)/bodyUnit, int64(n)))}
	for range n {
		l.units <- struct{}{}
	}
	return l
}

// acquire takes the units of a body of size bytes (-1: unknown), waiting
// for them unless ctx ends first, and returns the function that gives them
// back.
func (l *bodyLimiter) acquire(ctx context.Context, size int64) (release func(), err error) {
	n := l.max
	if size >= 0 {
		n = int(min(max((size+bodyUnit-1)/bodyUnit, 1), int64(l.max)))
	}
	select {
	case l.turn <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-l.turn }()
	for i := range n {
		select {
		case <-l.units:
		case <-ctx.Done():
			l.give(i)
			return nil, ctx.Err()
		}
	}
	return func() { l.give(n) }, nil
}

func (l *bodyLimiter) give(n int) {
	for range n {
		l.units <- struct{}{}
	}
}

// handler runs h for each request once the request's body has its units;
// requests without a body (GET, HEAD: health checks, metrics, backups)
// pass at once.
func (l *bodyLimiter) handler(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			h.ServeHTTP(w, r)
			return
		}
		release, err := l.acquire(r.Context(), r.ContentLength)
		if err != nil {
			return // the client is gone, or the server is shutting down
		}
		defer release()
		h.ServeHTTP(w, r)
	})
}
