// Command crash is secretstore's crash-consistency test: concurrent writers,
// kill -9 at a random moment, restart, and a check that every acknowledged
// write survived and the staging labels are consistent.
//
//	go run ./tests/crash -cycles 10 -mode both   # what .ci/run runs
//	go run ./tests/crash -cycles 1000 -mode both -seed 20261127 -dir /var/tmp/crash-1000
//
// Each cycle of the wire mode runs "secretstore serve" (built once with go
// build) on a data folder and drives it with the AWS SDK for Go v2; each
// cycle of the library mode runs this program again as a child process that
// opens the folder with secretstore.Open and writes through the library. In
// both, the cycle creates its own 50 secrets, then writers (8 goroutines)
// put values with unique ClientRequestTokens and values, some with
// VersionStages that move custom labels, AWSPENDING or AWSCURRENT, and move
// AWSCURRENT back to the AWSPREVIOUS version or custom labels with
// UpdateSecretVersionStage. Every write is appended to a log of writes on
// the normal disk, outside the data folder, and the log is fsynced before
// the write is sent ("begun") and again once it is acknowledged, before the
// writer counts it acknowledged. At a random moment of the cycle
// (-duration-per-cycle) the server or child gets SIGKILL; the store is
// restarted on the same folder (the server: start to first answer; the
// library: secretstore.Open), which is the recovery time, and checked:
//
//   - every acknowledged write's version exists, with exactly its value,
//     read back with GetSecretValue by VersionId; every version that exists
//     was sent by a logged write, with that write's value;
//   - the label invariants of every secret: each label on at most one
//     version, exactly one AWSCURRENT, at most one AWSPREVIOUS, and
//     GetSecretValue by label agrees with ListSecretVersionIds;
//   - the labels are those of some order of the logged writes that respects
//     real time (a write acknowledged before another was sent comes first),
//     in which every acknowledged write happened and each write in flight at
//     the kill happened or not (a put exactly when its version exists). So
//     AWSCURRENT is on the version of the last acknowledged write that moved
//     it, or of a write in flight that committed without its answer
//     arriving;
//   - the secrets of the previous cycle are exactly as they were verified,
//     and a random sample of acknowledged versions of all earlier cycles
//     still reads back with its value.
//
// The store accumulates across the cycles of a mode: each cycle starts on
// the folder the previous one crashed and recovered. A restart that fails
// is a failure of the test; it is tried again (3 attempts in all), to tell a
// store that comes back on a second try from one that stays down, which
// ends the mode. One line is printed per cycle, then a summary per mode:
// writes acknowledged, writes lost (must be 0), invariant violations (must
// be 0), failed restarts (must be 0), recovery time min/median/p99/max.
// The exit status is 1 if anything was lost or violated, a restart failed
// or a cycle could not run. Every loop is bounded in count and time, the only traffic is to
// 127.0.0.1, and every process started is killed on the way out (and, on
// Linux, by the kernel if this program dies). The data and logs are removed
// when everything passed, unless -dir or -keep is given.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/secretstore-go/secretstore/internal/proc"
)

// config is the command line.
type config struct {
	cycles          int
	mode            string
	dir             string
	seed            uint64
	duration        time.Duration
	writers         int
	secrets         int
	keep            bool
	recoveryTimeout time.Duration
}

const (
	maxCycles  = 1_000_000
	maxWriters = 64
	maxSecrets = 1000
)

// procs are the processes this program started and has not yet seen end;
// every way out of main kills them (procs.KillAll), so none outlives it.
var procs proc.Group

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	var cfg config
	fs := flag.NewFlagSet("crash", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&cfg.cycles, "cycles", 10, "crash `N` times in each mode")
	fs.StringVar(&cfg.mode, "mode", "both", "`MODE`: wire (secretstore serve and the AWS SDK), library (secretstore.Open in a child process) or both")
	fs.StringVar(&cfg.dir, "dir", "", "keep the data folders and logs under `DIR` (default: a temporary folder, removed if all passes)")
	fs.Uint64Var(&cfg.seed, "seed", 0, "`SEED` of the random choices (default: from the clock; printed)")
	fs.DurationVar(&cfg.duration, "duration-per-cycle", 1500*time.Millisecond, "the kill comes at a random moment within `D` of writing (not before D/10)")
	fs.IntVar(&cfg.writers, "writers", 8, "`K` concurrent writers")
	fs.IntVar(&cfg.secrets, "secrets", 50, "`N` secrets written by each cycle")
	fs.BoolVar(&cfg.keep, "keep", false, "keep the data and every cycle's logs even when all passes")
	fs.DurationVar(&cfg.recoveryTimeout, "recovery-timeout", time.Minute, "fail when a restart takes longer than `D`")
	child := fs.String("child", "", "") // internal: run as the library mode's child, with this config file
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: go run ./tests/crash [flags]\n\nThe crash-consistency test: concurrent writers, kill -9, restart, verify.\n\n")
		fs.VisitAll(func(f *flag.Flag) {
			if f.Name == "child" {
				return
			}
			name, usage := flag.UnquoteUsage(f)
			fmt.Fprintf(stderr, "  -%s %s\n    \t%s", f.Name, name, usage)
			if f.DefValue != "" && f.DefValue != "0" && f.DefValue != "false" {
				fmt.Fprintf(stderr, " (default %s)", f.DefValue)
			}
			fmt.Fprintln(stderr)
		})
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *child != "" {
		if err := runChild(*child); err != nil {
			fmt.Fprintln(stderr, "crash child:", err)
			return 1
		}
		return 0
	}
	var modes []string
	switch cfg.mode {
	case "wire", "library":
		modes = []string{cfg.mode}
	case "both":
		modes = []string{"wire", "library"}
	default:
		fmt.Fprintf(stderr, "crash: -mode is wire, library or both, not %q\n", cfg.mode)
		return 2
	}
	switch {
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "crash: unexpected arguments %q\n", fs.Args())
		return 2
	case cfg.cycles < 1 || cfg.cycles > maxCycles:
		fmt.Fprintf(stderr, "crash: -cycles is 1 to %d\n", maxCycles)
		return 2
	case cfg.duration < 100*time.Millisecond || cfg.duration > time.Hour:
		fmt.Fprintln(stderr, "crash: -duration-per-cycle is 100ms to 1h")
		return 2
	case cfg.writers < 1 || cfg.writers > maxWriters:
		fmt.Fprintf(stderr, "crash: -writers is 1 to %d\n", maxWriters)
		return 2
	case cfg.secrets < 1 || cfg.secrets > maxSecrets:
		fmt.Fprintf(stderr, "crash: -secrets is 1 to %d\n", maxSecrets)
		return 2
	}
	if cfg.seed == 0 {
		cfg.seed = rand.Uint64()
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	defer procs.KillAll()

	root, temporary := cfg.dir, cfg.dir == ""
	if temporary {
		var err error
		if root, err = os.MkdirTemp("", "secretstore-crash-"); err != nil {
			fmt.Fprintln(stderr, "crash:", err)
			return 1
		}
	} else if err := os.MkdirAll(root, 0o700); err != nil {
		fmt.Fprintln(stderr, "crash:", err)
		return 1
	}
	fmt.Fprintf(stdout, "crash: mode %s, %d cycles per mode, %d writers, %d secrets per cycle, kill within %v, seed %d, in %s\n",
		cfg.mode, cfg.cycles, cfg.writers, cfg.secrets, cfg.duration, cfg.seed, root)

	start := time.Now()
	var all []*modeStats
	failed := false
	for _, mode := range modes {
		r, err := newRunner(cfg, mode, root, stdout, stderr)
		if err == nil {
			err = r.run(ctx)
		}
		if err != nil {
			fmt.Fprintf(stderr, "crash: %s: %v\n", mode, err)
			failed = true
		}
		if r != nil {
			all = append(all, &r.stats)
			fmt.Fprintln(stdout, r.stats.summary(mode))
		}
		if ctx.Err() != nil {
			break
		}
	}
	total := &modeStats{}
	for _, s := range all {
		total.add(s)
	}
	if len(all) > 1 {
		fmt.Fprintln(stdout, total.summary("total"))
	}
	if total.lost > 0 || total.violations > 0 || total.failedRestarts > 0 || ctx.Err() != nil {
		failed = true
	}
	verdict := "PASS"
	if failed {
		verdict = "FAIL"
	}
	fmt.Fprintf(stdout, "crash: %s in %v\n", verdict, time.Since(start).Round(time.Millisecond))
	if failed || !temporary || cfg.keep {
		fmt.Fprintf(stdout, "crash: data and logs kept in %s\n", root)
	} else {
		procs.KillAll() // nothing may still write there
		os.RemoveAll(root)
	}
	if failed {
		return 1
	}
	return 0
}
