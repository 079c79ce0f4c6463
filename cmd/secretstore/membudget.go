package main

// serve --memory-budget: how much memory the store's database may use for
// its tables (secretstore.Options.MemoryBudget), given as bytes with an
// optional unit.

import (
	"flag"
	"fmt"
	"math"
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
	fs.Var(b, "memory-budget", fmt.Sprintf("let the database use about `BYTES` of memory for its tables and caches, such as 64MiB or 1GiB (default %s on disk, %s with --memory); raise it for a store of hundreds of thousands of secrets",
		formatBytes(secretstore.DefaultMemoryBudget), formatBytes(secretstore.DefaultInMemoryBudget)))
}

// String returns the budget as Set accepts it; empty for the default.
func (b *memoryBudget) String() string {
	if b == nil || *b == 0 {
		return ""
	}
	return formatBytes(int64(*b))
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
