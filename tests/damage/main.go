// Command damage is secretstore's damage-matrix test: every file of a data
// folder, damaged every way, under every command that opens a folder; each
// must open with every acknowledged secret intact, or refuse and change
// nothing; and recover must tell the truth about what it salvaged.
//
//	go run ./tests/damage -sample    # what .ci/run runs: a seeded sample, about 2 minutes on 2 cores
//	go run ./tests/damage -full -seed N -dir /var/tmp/damage   # every case
//
// # The store states
//
// Child processes (this program run again) write through the library
// (secretstore.Open with Options.MemoryBudget 8 MiB, so memtables of 1
// MiB) the writes of a recipe: 24 secrets, each created and then given about 8
// more versions of 16 to 56 KB, with custom labels, AWSPREVIOUS,
// AWSPENDING promoted as a rotation does, AWSCURRENT moved back, a binary
// secret, descriptions and tags (changed later), and a secret scheduled
// for deletion; the master key is a file DATA/master.key (base64 of 32
// random bytes, as the CLI writes it). Each acknowledged write is appended
// to a log outside the data folder and fsynced before the next write. The
// states, under DIR/states:
//
//   - closed: the recipe's writes, then Close. The run checks that it has
//     several tables (and says how many are on each level);
//   - killed: a copy of closed, opened again; ten more puts, a rollback, a
//     custom label moved, a tag and a second secret scheduled for deletion,
//     all acknowledged and logged; then SIGKILL. The run checks that it has
//     a write-ahead log (*.mem), and that without its logs it lacks
//     acknowledged writes (they are in no table); it says when the kill
//     left no LOCK file (Badger's lock leaves one; a store that locks the
//     folder another way does not);
//   - other-closed, other-killed: the same writes with other values and
//     another master key: the source of "replaced by the other store's file".
//
// From each log, a model of Secrets Manager's staging-label rules builds
// the acknowledged list (DIR/states/NAME/acknowledged.json): every secret,
// every acknowledged version with its value and the labels it must carry,
// the AWSCURRENT version and value, the description, the tags, and whether
// it is scheduled for deletion. Before any case, closed and killed are read
// through the library and must match their lists exactly. The pristine
// folders are then made read-only, and checked unchanged at the end.
//
// # The cases
//
// Every file of the closed and killed folders, whatever its name (MANIFEST,
// KEYREGISTRY, DISCARD, LOCK, master.key, *.sst, *.vlog, *.mem and any
// other), gets each damage: deleted; emptied; cut at 25, 50 and 75% of its
// length; for the MANIFEST, cut at every record boundary (after its 8-byte
// header and after each record of [length][CRC-32C][payload]) and inside
// its first and last record; one byte flipped (xor 0xff) at the first, the
// middle and the last byte and at 3 seeded random offsets, and for a table
// in two data blocks, the index, the index length, the checksum and the
// checksum length, and for a write-ahead log inside its logged entries; a
// 40-byte run overwritten with seeded random bytes at the start, the
// middle and a random offset (and inside a log's entries; a log, which is
// preallocated and zero past its entries, is also cut in the middle of
// them); replaced by the
// file of the same name of the other store. A damage that changes nothing,
// or repeats another of the same file, is not made, nor "replaced" when the
// other store has no such file: each is counted in the summary.
//
// # The commands and the verdicts
//
// For each case and each command, a fresh copy of the damaged folder
// (modes kept) is snapshotted (every name, mode, size and SHA-256) and the
// command runs in a child process with a time limit (-timeout):
//
//   - open: secretstore.Open with the folder's key file; ListSecrets,
//     DescribeSecret, ListSecretVersionIds and GetSecretValue of every
//     version of every secret (a secret scheduled for deletion is first
//     restored with RestoreSecret, on this throwaway copy, as its values
//     cannot be read otherwise); Close;
//   - serve: "secretstore serve --addr 127.0.0.1:0" (its address from its
//     log or DATA/server.address), every secret read as above through the
//     AWS SDK for Go v2, then SIGTERM, after which it must exit with 0; a
//     panic it turned into InternalServiceError (its log says so) is a
//     panic;
//   - get: "secretstore get --json" of the binary secret, one with a custom
//     label, the one scheduled for deletion (which must be refused with
//     InvalidRequestException, as AWS does) and a random one (-full: every
//     secret), one after the other on the same copy;
//   - list: "secretstore list --json";
//   - verify: "secretstore verify";
//   - backup: "secretstore backup", then "secretstore restore" of the file
//     into a new folder with the master key, read through the library.
//
// Each run is exactly one of:
//
//   - OPENED: it succeeded and every acknowledged secret reads back as
//     acknowledged: every version with its value and labels, AWSCURRENT's
//     version and value, description, tags, scheduled deletion; no secret
//     or version that was never written (get: the version, value and
//     labels printed; list: the names, labelled versions, description, tags
//     and deletion dates). For verify: exit status 0, and the library reads
//     the folder (another copy) intact;
//   - REFUSED: exit status 1 (the library: an error matching
//     secretstore.ErrCorrupt), a message naming the damaged file and
//     "secretstore recover", and the folder byte for byte as it was. For
//     damage to master.key, a refusal that names the master key (wrong or
//     missing) is accepted in its place;
//   - FAILURE, with its reason: a panic, exit status 2 or a signal, a time
//     out, contents that differ (above all an earlier version or value
//     served as AWSCURRENT, or a secret missing), verify exiting 0 on a
//     folder that lost data, a refusal that changed the folder or does not
//     name the file or the recover command, any other error.
//
// # Recover
//
// Then "secretstore recover --json" copies the damaged folder (its own
// copy, which must not change) into a new one (with --master-key-file when
// the damage is to master.key), and the new folder is read through the
// library. The check passes when every acknowledged secret is intact there
// or named in the report's Lost or Problems; every secret named is in fact
// not intact; "nothing was lost" (exit status 0, no Lost, Problems,
// Unnamed, lost transactions or damaged Files) only when every secret is
// intact; and no secret's AWSCURRENT is an earlier acknowledged version or
// value without the report naming it ("stale value recovered silently").
// When the report has losses it cannot tie to a secret (Unnamed: a table or
// a write-ahead log that is gone held the only record of which secrets its
// writes changed), a secret not intact and not named is counted as
// "covered only by an unnamed loss" instead of failing; a stale AWSCURRENT
// is counted so (and apart, "with an earlier AWSCURRENT") only when an
// unnamed loss says that secrets may be older in the new folder, and fails
// otherwise.
//
// # Output
//
// One line per case and command: "STATE/FILE | DAMAGE | COMMAND | OUTCOME
// | REASON" (the reason for failures, or always with -v), and one for
// recover; then a summary: the OPENED/REFUSED/FAILURE counts per file kind
// × damage × command, recover's passes and failures, the failures grouped
// by file kind and category with an example, and the damages not made.
// DIR/results.jsonl holds every verdict. The exit status is 1 when any run
// or recover check failed (2 for a wrong command line).
//
// The harness's view of the store is narrow: store_refusal.go tells a
// refusal, store_read.go reads everything (library and wire),
// store_recover.go runs recover and reads its report. Every child process
// has a time limit and is killed on the way out (on Linux also by the
// kernel if this program dies); the run's folder is removed at the end
// unless -dir or -keep is given, and each case's copies once the case is
// done unless -keep.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/secretstore-go/secretstore/internal/proc"
)

// config is the command line.
type config struct {
	sample, full bool
	seed         uint64
	dir          string
	keep         bool
	cases        int
	workers      int
	timeout      time.Duration
	commands     []string
	match        *regexp.Regexp
	noRecover    bool
	verbose      bool
}

// defaultSampleCases is how many cases -sample runs: about 2 minutes on 2
// cores.
const defaultSampleCases = 48

// procs are the processes this program started and has not yet seen end;
// every way out of main kills them (procs.KillAll), so none outlives it.
var procs proc.Group

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	var cfg config
	fs := flag.NewFlagSet("damage", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.BoolVar(&cfg.sample, "sample", false, "run a seeded sample of the cases (what CI runs; see -cases)")
	fs.BoolVar(&cfg.full, "full", false, "run every case, and get every secret")
	fs.Uint64Var(&cfg.seed, "seed", 0, "`SEED` of the recipe and of every random choice (default: from the clock; printed)")
	fs.StringVar(&cfg.dir, "dir", "", "keep the states, the results and the summary under `DIR` (default: a temporary folder, removed at the end)")
	fs.BoolVar(&cfg.keep, "keep", false, "keep everything, each case's damaged folder and copies too (large)")
	fs.IntVar(&cfg.cases, "cases", defaultSampleCases, "with -sample, run `N` cases: every file kind × damage group once before any twice")
	fs.IntVar(&cfg.workers, "workers", min(runtime.NumCPU(), 4), "run `K` cases at once")
	fs.DurationVar(&cfg.timeout, "timeout", time.Minute, "kill a command (a child process) that runs longer than `D`")
	commands := fs.String("commands", strings.Join(allCommands, ","), "the `COMMANDS` to run on each case, comma-separated")
	match := fs.String("match", "", "run only the cases whose \"STATE/FILE: DAMAGE\" matches `REGEXP`")
	fs.BoolVar(&cfg.noRecover, "no-recover", false, "do not run recover on the cases")
	fs.BoolVar(&cfg.verbose, "v", false, "print the reason of every verdict, not only of failures")
	child := fs.String("child", "", "")        // internal: run as a child process: build or read
	childConfig := fs.String("config", "", "") // build: its configuration file
	childData := fs.String("data", "", "")     // read: the data folder
	childKey := fs.String("key", "", "")       // read: the master key file
	childAcks := fs.String("acks", "", "")     // read: the acknowledged list
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: go run ./tests/damage -sample|-full [flags]\n\nThe damage-matrix test: every file damaged every way, under every command. See go doc ./tests/damage.\n\n")
		fs.VisitAll(func(f *flag.Flag) {
			if f.Usage == "" {
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
	switch *child {
	case "":
	case "build":
		if err := runBuildChild(*childConfig); err != nil {
			fmt.Fprintln(stderr, "damage build child:", err)
			return 1
		}
		return 0
	case "read":
		return runReadChild(*childData, *childKey, *childAcks)
	default:
		fmt.Fprintf(stderr, "damage: unknown child %q\n", *child)
		return 2
	}
	cfg.commands = strings.Split(*commands, ",")
	for _, c := range cfg.commands {
		if !slices.Contains(allCommands, c) {
			fmt.Fprintf(stderr, "damage: -commands: %q is not one of %s\n", c, strings.Join(allCommands, ", "))
			return 2
		}
	}
	var err error
	if cfg.match, err = regexp.Compile(*match); err != nil {
		fmt.Fprintln(stderr, "damage: -match:", err)
		return 2
	}
	switch {
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "damage: unexpected arguments %q\n", fs.Args())
		return 2
	case cfg.sample == cfg.full:
		fmt.Fprintln(stderr, "damage: give -sample or -full")
		return 2
	case cfg.cases < 1:
		fmt.Fprintln(stderr, "damage: -cases is at least 1")
		return 2
	case cfg.workers < 1 || cfg.workers > 64:
		fmt.Fprintln(stderr, "damage: -workers is 1 to 64")
		return 2
	case cfg.timeout < time.Second:
		fmt.Fprintln(stderr, "damage: -timeout is at least 1s")
		return 2
	}
	if cfg.seed == 0 {
		cfg.seed = rand.Uint64()
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	defer procs.KillAll()
	code, root, err := runHarness(ctx, cfg, stdout)
	if err != nil {
		fmt.Fprintln(stderr, "damage:", err)
		code = 1
	}
	if cfg.dir == "" && !cfg.keep && root != "" {
		procs.KillAll() // nothing may still write there
		os.RemoveAll(root)
	} else if root != "" {
		fmt.Fprintf(stdout, "damage: states, results and summary kept in %s\n", root)
	}
	return code
}

// runHarness runs the test and returns its exit status and the run's
// folder.
func runHarness(ctx context.Context, cfg config, stdout io.Writer) (int, string, error) {
	start := time.Now()
	root := cfg.dir
	if root == "" {
		var err error
		if root, err = os.MkdirTemp("", "secretstore-damage-"); err != nil {
			return 1, "", err
		}
	} else if err := os.MkdirAll(root, 0o700); err != nil {
		return 1, "", err
	}
	os.RemoveAll(root + "/cases") // a leftover of an earlier run with -dir
	mode := "sample"
	if cfg.full {
		mode = "full"
	}
	fmt.Fprintf(stdout, "damage: %s run, seed %d, %d workers, commands %s, in %s\n", mode, cfg.seed, cfg.workers, strings.Join(cfg.commands, ","), root)
	exe, err := os.Executable()
	if err != nil {
		return 1, root, err
	}
	h := &harness{cfg: cfg, exe: exe, root: root, stdout: stdout}
	if err := h.buildBinary(ctx); err != nil {
		return 1, root, err
	}
	if h.states, err = h.buildStates(ctx); err != nil {
		return 1, root, err
	}
	all, skips, err := h.enumerate()
	if err != nil {
		return 1, root, err
	}
	var cases []dcase
	for _, c := range all {
		if cfg.match.MatchString(c.String()) {
			cases = append(cases, c)
		}
	}
	if cfg.sample {
		cases = sampleCases(cases, cfg.cases, rand.New(rand.NewPCG(cfg.seed, 0x73616d706c65)))
	}
	fmt.Fprintf(stdout, "damage: %d cases enumerated (%d damages not made), running %d\n", len(all), len(skips), len(cases))
	h.results, err = os.Create(root + "/results.jsonl")
	if err != nil {
		return 1, root, err
	}
	defer h.results.Close()
	h.sum = newSummary(cfg.commands, skips)
	t0 := time.Now()
	h.runCases(ctx, cases)
	elapsed := time.Since(t0)

	var out strings.Builder
	h.sum.print(&out)
	fmt.Fprint(stdout, out.String())
	os.WriteFile(root+"/summary.txt", []byte(out.String()), 0o600)
	if err := h.checkSources(); err != nil {
		return 1, root, err
	}
	verdict := "PASS"
	code := 0
	switch {
	case ctx.Err() != nil:
		verdict, code = "INTERRUPTED", 1
	case h.sum.anyFailed:
		verdict, code = "FAIL", 1
	}
	fmt.Fprintf(stdout, "damage: %s: %d cases in %v (states built in %v), seed %d\n", verdict, h.sum.cases,
		elapsed.Round(time.Second), t0.Sub(start).Round(time.Second), cfg.seed)
	return code, root, nil
}
