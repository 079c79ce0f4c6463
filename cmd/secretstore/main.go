// Command secretstore serves a secretstore in the AWS Secrets Manager wire
// protocol, so the AWS SDKs and the AWS CLI work against it with
// --endpoint-url, and reads and changes a data folder directly on machines
// with no network.
//
//	secretstore serve                      # listen on 127.0.0.1:4566
//	aws --endpoint-url http://127.0.0.1:4566 secretsmanager list-secrets
//
//	echo -n hunter2 | secretstore put prod/db/password
//	secretstore get prod/db/password
//
// Run "secretstore help" for every subcommand and flag.
//
// serve listens on 127.0.0.1:4566 (LocalStack's port, already in many
// configs) and keeps the store in ./secretstore-data, or in memory with
// --memory. It binds its address before it creates anything (a port in
// use fails with a message suggesting --addr, and leaves no folder or key).
// Started on a new folder with no master key, it writes a random
// one to DATA/master.key (mode 0600) and warns that the key sits beside the
// data. While it runs it writes the URL it listens on to
// DATA/server.address, which client commands read to name it. With --access-key-id and --secret-access-key it accepts only
// requests signed with that key pair; otherwise any signature. With
// --principals FILE it also accepts the access keys of the principals FILE
// lists (a JSON file only its owner may read), each request running as its
// principal under its IAM policies and the secret's resource policy, as in
// AWS: a denial is AccessDeniedException, logged with the statement that
// decided it, or with --authz-mode log only logged. "secretstore policy
// simulate" prints what serve would decide for one request, and why. With
// --test-mode, test suites in any language control it over HTTP:
//
//	POST /_secretstore/clock  {"advance":"720h"} or {"set":"2030-01-01T00:00:00Z"}
//	                          moves the store's clock, forwards or backwards;
//	                          {"set":"now"} returns it to the real time; answers
//	                          {"now":"<RFC 3339>"} ({"advance":"0s"} only reads it)
//	POST /_secretstore/reap   runs one reaper pass now; answers its counts
//	POST /_secretstore/reset  deletes every secret of every region and returns
//	                          the clock to the real time
//
// Without --test-mode those paths are 404, with a message naming the flag. It always serves
//
//	GET  /_secretstore/backup a consistent snapshot of the store, streamed
//	                          while other requests go on (secretstore backup
//	                          --endpoint-url fetches it)
//
// With --access-key-id these four paths must be signed like any request
// (SigV4, service secretsmanager, any region), else they answer 403 and
// change nothing; without, the backup is answered only to clients on a
// loopback address.
//
// Every flag of serve has an environment variable: SECRETSTORE_ and the
// flag's name upper-cased, '-' as '_' (SECRETSTORE_ADDR, SECRETSTORE_DATA,
// SECRETSTORE_TEST_MODE, ...); a flag on the command line wins over its
// variable. Whatever the flags, serve answers health checks unsigned: GET
// /ping ("healthy"), GET /_secretstore/health (status, version, uptime,
// whether a write can be made now and why not; 503 when not) and GET
// /_localstack/health (LocalStack's shape). "secretstore health" asks the
// second and exits with status 0 when the server is ready; "secretstore
// version" (or --version) prints the build, which serve also logs. With
// --metrics-addr it serves Prometheus metrics on a listener of their own.
// --memory-budget bounds the process: the store's tables and caches, the
// request bodies read at once (an eighth), and, on disk, the Go runtime's
// soft memory limit (7/4 of the budget, unless GOMEMLIMIT is set).
//
// serve bounds what clients may hold: a request must arrive within
// --read-timeout (30s) and its answer leave within --write-timeout (30s),
// a keep-alive connection is closed after --idle-timeout (1m), headers are
// limited to --max-header-bytes (64 KiB; 431 beyond) and at most
// --max-connections (1024) connections are served at once: more wait in
// the kernel's queue until one closes. On SIGINT or SIGTERM, serve stops
// accepting connections, lets the requests in flight finish (for up to 10
// seconds), closes the store and exits with status 0.
//
// The client subcommands (get, put, delete, restore, list, versions,
// replicate, unreplicate, promote, verify, backup, recover) open the data
// folder directly, so only while no server has it open (but for backup
// --endpoint-url, which asks the server; a folder in use is reported with
// the address of the server holding it, when it can be known). With no
// master key given, put on a new folder, or any of them on an empty one,
// creates the folder and DATA/master.key, with serve's warning. put prompts
// for the value only when stdin is a terminal. They work in the region --region names
// (us-east-1 by default): the secrets' region; for replicate and
// unreplicate the primary secret's, for promote the replica's. Their plain
// output is for people: get prints the value and a newline (a binary value
// as its raw bytes, nothing added); put, delete, restore and promote print
// one sentence; list prints one secret a line (name, ARN, and when it was
// deleted if it is scheduled for deletion), every secret included; versions
// prints one version a line (id, staging labels or "-", creation time);
// replicate and unreplicate print one replica of the secret a line (region,
// status, status message), every replica it has after the change, and
// unreplicate one sentence when none is left.
//
// replicate --regions eu-west-1,ap-south-1 adds read-only replicas of a
// secret, each encrypted under --kms-key-id (default aws/secretsmanager;
// for a key per region, replicate to one region at a time); every later
// write to the primary reaches them. A region that already holds a secret
// of that name is Failed unless --force replaces that secret (never one
// that is part of another secret's replication); when a region it was
// asked for is Failed, replicate prints the status and exits with status
// 1. unreplicate --regions deletes replicas at once, with no recovery
// window. promote, run with --region set to a replica's region, stops its
// replication: the secret keeps its ARN and versions and becomes writable
// there (StopReplicationToReplica).
//
// verify reads every record and opens every value of every region and
// prints each problem a line, or a sentence when there is none; it exits
// with status 1 if there is any, or if the folder's files are damaged (the
// message names them and gives the recover command to run). On a folder a
// server holds it says to stop the server, or to verify a copy restored
// from the server's backup.
//
// backup FILE writes a consistent snapshot of the store to FILE (through
// FILE.tmp, mode 0600, synced, then renamed): of the folder, or with
// --endpoint-url of the server running there, signing the request with
// --access-key-id and --secret-access-key (or AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY) when given. A backup holds values only encrypted,
// and no master key.
//
// restore FILE, when FILE is a backup file (it starts with "secretstore
// backup "), loads it into --data, a folder that must be new or empty, with
// the master key given by --master-key-file, SECRETSTORE_MASTER_KEY or
// --passphrase-file; with the wrong key it fails and leaves the folder as
// it was. Any other argument is the name of a secret to restore.
//
// recover --to NEWDIR copies what can be read of a damaged --data folder
// (never changing it) into NEWDIR, with DATA/master.key copied beside it
// when the key came from there, and prints the files read (with their
// damage), the records written, the transactions salvaged and lost past
// damage in a log, the secrets whose last changes were lost and what verify
// finds in NEWDIR; it exits with status 1 when anything was damaged or
// lost.
//
// With --json they print the output struct of the library's operation as
// JSON, its fields named as the AWS members, in their order, leaving out
// the members with no value, as AWS does; times are RFC 3339 strings in UTC
// and SecretBinary is base64:
//
//	get          GetSecretValueOutput: ARN, Name, VersionId, SecretString or SecretBinary, VersionStages, CreatedDate
//	put          PutSecretValueOutput: ARN, Name, VersionId, VersionStages
//	delete       DeleteSecretOutput: ARN, Name, DeletionDate
//	restore      RestoreSecretOutput: ARN, Name
//	list         ListSecretsOutput: SecretList (every page, by name, those scheduled for deletion included)
//	versions     ListSecretVersionIdsOutput: ARN, Name, Versions (every page, deprecated versions included)
//	replicate    ReplicateSecretToRegionsOutput: ARN, ReplicationStatus (every replica, the new ones included:
//	             Region, KmsKeyId, Status, StatusMessage, LastAccessedDate)
//	unreplicate  RemoveRegionsFromReplicationOutput: ARN, ReplicationStatus (the replicas left; [] when none is)
//	promote      StopReplicationToReplicaOutput: ARN
//	verify       Problems (every problem: Region, Name, VersionId, Detail; [] when none)
//	backup       File, Bytes
//	restore      of a backup file: Backup, Data (the folder)
//	recover      RecoverReport: Files (Name, Entries, Damage), Secrets, Versions,
//	             SalvagedTransactions, LostTransactions, Lost, Problems
//
// copy --from URL --to URL copies secrets between two Secrets Manager
// endpoints through the AWS SDK: a URL is aws (AWS in the configured
// region), aws://REGION, or http(s)://HOST:PORT[?region=REGION]. AWS is
// reached with the SDK's standard credential chain; an http(s) endpoint is
// signed with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, else the dummy
// keys "test". It first makes one call to each side: an endpoint that
// cannot be reached is reported once, and nothing is copied. It copies each
// secret's AWSCURRENT version, or with
// --include-versions every labelled version, oldest first, with its labels;
// each version keeps its id (ClientRequestToken = the source's VersionId),
// so a second run, or one finishing an interrupted copy, writes only what is
// missing. Names, descriptions and tags are kept, and KmsKeyId when it is
// not the default key (on a secret copy creates). --filter KEY=VALUE
// selects secrets as ListSecrets' filters do; --dry-run writes nothing. It
// prints a line per secret (created, updated and how, unchanged, skipped
// when scheduled for deletion, failed with the AWS error) and the counts,
// with a progress line when stderr is a terminal, and exits with status 1
// if any secret failed or the copy was interrupted. With --json it prints
// one report: From, To, DryRun, Secrets (Name, Action, Changes, Error, by
// name), Created, Updated, Unchanged, Skipped, Failed, Deleted, NotStarted,
// Interrupted. A secret unchanged since the last copy costs nothing but
// the listing of both sides. --prune schedules for deletion (30-day
// window) the destination's secrets under the filters that the source
// lacks, and restores those it has again; --every DURATION repeats the copy
// until stopped, printing what each pass changed and a summary line, and
// retrying a failed pass sooner, with backoff.
//
// serve --agent-addr HOST:PORT (a loopback address, such as 127.0.0.1:2773)
// also serves the AWS Secrets Manager Agent's local API from the store:
// GET /secretsmanager/get?secretId=ID and /v1/ID, /ping, with the Agent's
// SSRF token (AWS_TOKEN, AWS_SESSION_TOKEN or
// AWS_CONTAINER_AUTHORIZATION_TOKEN, file://PATH read; serve refuses to
// start without one), its refusals and its answers; with --principals it
// reads as --agent-principal. serve --mirror-from URL (a URL as copy's)
// keeps the store a read-only mirror of that endpoint's secrets, a pass at
// start and every --mirror-every (5m), of the secrets --mirror-filter
// selects; each secret's new state is written in one transaction, writes
// to a mirrored secret are refused naming the source, and the store serves
// what it has while the source is down. "secretstore mirror status" prints
// the status serve keeps in DATA/mirror.status (--json: as JSON). These
// flags also read SECRETSTORE_AGENT_ADDR, SECRETSTORE_AGENT_PRINCIPAL,
// SECRETSTORE_AGENT_MAX_CONNECTIONS, SECRETSTORE_MIRROR_FROM,
// SECRETSTORE_MIRROR_EVERY and SECRETSTORE_MIRROR_FILTER.
//
// Only get prints a secret value. Errors go to stderr; an AWS error prints
// its code and message ("ResourceNotFoundException: Secrets Manager can't
// find the specified secret.") and exits with status 1, a usage error with 2.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	c := &cli{
		stdin:          os.Stdin,
		stdout:         os.Stdout,
		stderr:         os.Stderr,
		getenv:         os.Getenv,
		stopSignals:    stop,
		setMemoryLimit: debug.SetMemoryLimit,
	}
	os.Exit(c.run(ctx, os.Args[1:]))
}

// Exit statuses.
const (
	exitOK    = 0
	exitError = 1 // an AWS error or any failure to do what was asked
	exitUsage = 2 // the command line is wrong
)

// cli is what a subcommand may touch of the process: its standard streams and
// environment. Tests run subcommands in-process with their own.
type cli struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	// stopSignals restores the default handling of SIGINT and SIGTERM, so
	// that a second signal during a graceful shutdown kills the process.
	// Nil in tests.
	stopSignals func()
	// onListen, when set (by a test), is called with the listener serve
	// accepts connections on.
	onListen func(*limitListener)
	// setMemoryLimit sets the Go runtime's soft memory limit
	// (debug.SetMemoryLimit), for serve --memory-budget. Nil in tests,
	// whose process is not serve's.
	setMemoryLimit func(int64) int64
	// wait, when set (by a test), is the wait between the passes of copy
	// --every and of serve's mirror: it returns when the test lets the
	// next pass begin, or with ctx's error when ctx ends. Nil: a timer of
	// the period (mirror.Loop's default).
	wait func(ctx context.Context, d time.Duration) error
}

// runFunc runs a subcommand with its positional arguments, once its flags
// are parsed.
type runFunc func(ctx context.Context, c *cli, args []string) error

// command is one subcommand.
type command struct {
	name    string
	args    string // the positional arguments, as the usage line shows them
	nargs   int    // how many positional arguments it takes
	summary string
	// setup registers the subcommand's flags on fs and returns the function
	// that runs it with their values.
	setup func(fs *flag.FlagSet) runFunc
	// env says that every flag has an environment variable (env.go), which
	// the usage text lists beside it; the command applies them.
	env bool
	// more is printed after the flags by "secretstore help COMMAND".
	more string
}

// commands returns every subcommand, in the order the usage text lists them.
func commands() []command {
	return []command{
		{name: "serve", summary: "serve the store in the AWS Secrets Manager wire protocol, and its backups (GET /_secretstore/backup)", setup: setupServe, env: true, more: serveMore},
		{name: "copy", summary: "copy secrets between two Secrets Manager endpoints (secretstore servers, AWS) over the AWS wire protocol; re-running it changes nothing", setup: setupCopy},
		{name: "mirror", args: "status", nargs: 1, summary: "print the status of serve --mirror-from on --data: its last good pass, its last error, what the last pass did", setup: setupMirror},
		{name: "get", args: "NAME", nargs: 1, summary: "print the value of a secret (AWSCURRENT unless a version is named)", setup: setupGet},
		{name: "put", args: "NAME", nargs: 1, summary: "store stdin as the new current value of a secret, creating it if needed", setup: setupPut},
		{name: "delete", args: "NAME", nargs: 1, summary: "schedule a secret for deletion, or delete it at once with --force", setup: setupDelete},
		{name: "restore", args: "NAME|BACKUP-FILE", nargs: 1, summary: "cancel the scheduled deletion of a secret; given a backup file, load it into --data, a new or empty folder", setup: setupRestore},
		{name: "list", summary: "list the secrets, including those scheduled for deletion", setup: setupList},
		{name: "versions", args: "NAME", nargs: 1, summary: "list the versions of a secret with their staging labels", setup: setupVersions},
		{name: "replicate", args: "NAME", nargs: 1, summary: "copy a secret of --region to read-only replicas in --regions, which every write to it reaches", setup: setupReplicate},
		{name: "unreplicate", args: "NAME", nargs: 1, summary: "delete the replicas of a secret of --region in --regions, at once, with no recovery window", setup: setupUnreplicate},
		{name: "promote", args: "NAME", nargs: 1, summary: "stop the replication of the replica of a secret in --region: it becomes standalone and writable", setup: setupPromote},
		{name: "verify", summary: "read every record and open every value of every region; print each problem (exit status 1 if any)", setup: setupVerify},
		{name: "backup", args: "FILE", nargs: 1, summary: "write a consistent snapshot of the store to FILE: of --data, or of a running server with --endpoint-url", setup: setupBackup},
		{name: "recover", summary: "copy what can be read of a damaged --data folder into a new folder --to, and report what was lost", setup: setupRecover},
		{name: "policy", args: "simulate", nargs: 1, summary: "print whether serve --principals would allow a principal's request, and the statement that decides it (the secret, its tags and resource policy are read from --data if it is there)", setup: setupPolicy},
		{name: "health", summary: "ask a running server whether it is ready (exit status 0) or not (1, saying why): for a container's HEALTHCHECK or a script", setup: setupHealth},
		{name: "version", summary: "print the build: module version, VCS revision, Go version and platform (also: secretstore --version)", setup: setupVersion},
	}
}

// serveMore is what "secretstore help serve" prints after the flags.
const serveMore = `
  Every flag has an environment variable: SECRETSTORE_ and the flag's name
  upper-cased, '-' as '_' (listed beside each flag). A flag given on the
  command line wins over its variable; an empty variable is ignored; a
  repeatable flag (--rotator) takes one value a line. The master key may
  also come from SECRETSTORE_MASTER_KEY (base64 of 32 bytes).

  Health, without signing, whatever --access-key-id or --principals say:
    GET /ping                  "healthy" (as the Secrets Manager Agent answers)
    GET /_secretstore/health   JSON: status (ok, read-only, stopping), version,
                               uptime, whether a write can be made now and why not
    GET /_localstack/health    {"services":{"secretsmanager":"running"},...}
  They answer 503 when a write would be refused (a full disk, a failed fsync,
  a read-only data folder) or the server is stopping. "secretstore health"
  asks /_secretstore/health and exits with status 0 when the server is ready.

  The build (module version, VCS revision) is logged at start, shown in the
  health document, and printed by "secretstore version".

  --metrics-addr serves Prometheus metrics (requests by operation and error
  code, latency, fsyncs and their duration, writes refused and why, secrets
  and versions stored, reaper passes, rotations) on a listener of its own.
`

func lookup(name string) (command, bool) {
	for _, cmd := range commands() {
		if cmd.name == name {
			return cmd, true
		}
	}
	return command{}, false
}

// usageError is a mistake on the command line; it exits with status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// run runs the command line args (without the program name) and returns the
// exit status.
func (c *cli) run(ctx context.Context, args []string) int {
	if len(args) == 0 {
		c.usage(c.stderr)
		return exitUsage
	}
	switch args[0] {
	case "-version", "--version":
		args = []string{"version"}
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			cmd, ok := lookup(args[1])
			if !ok {
				fmt.Fprintf(c.stderr, "secretstore: unknown command %q; run \"secretstore help\" for the list\n", args[1])
				return exitUsage
			}
			commandUsage(c.stdout, cmd, nil)
			fmt.Fprint(c.stdout, cmd.more)
			return exitOK
		}
		c.usage(c.stdout)
		return exitOK
	}
	cmd, ok := lookup(args[0])
	if !ok {
		fmt.Fprintf(c.stderr, "secretstore: unknown command %q; run \"secretstore help\" for the list\n", args[0])
		return exitUsage
	}
	fs := newFlagSet(cmd.name)
	runCmd := cmd.setup(fs)
	pos, err := parseArgs(fs, args[1:])
	switch {
	case errors.Is(err, flag.ErrHelp):
		commandUsage(c.stdout, cmd, nil)
		fmt.Fprint(c.stdout, cmd.more)
		return exitOK
	case err == nil && len(pos) != cmd.nargs:
		err = usageErrorf("%s takes %s, got %d argument(s)", cmd.name, nargsText(cmd), len(pos))
	}
	if err != nil {
		fmt.Fprintf(c.stderr, "secretstore %s: %v\n\n", cmd.name, err)
		commandUsage(c.stderr, cmd, nil)
		return exitUsage
	}
	return c.report(cmd.name, runCmd(ctx, c, pos))
}

func nargsText(cmd command) string {
	if cmd.nargs == 0 {
		return "no arguments"
	}
	return cmd.args
}

// report prints err, if any, and returns the exit status it stands for.
func (c *cli) report(name string, err error) int {
	if err == nil {
		return exitOK
	}
	msg := strings.TrimPrefix(err.Error(), "secretstore: ")
	fmt.Fprintf(c.stderr, "secretstore %s: %s\n", name, msg)
	var ue *usageError
	if errors.As(err, &ue) {
		return exitUsage
	}
	return exitError
}

// parseArgs parses flags that may come before, between or after the
// positional arguments ("delete NAME --force"), and returns the positional
// arguments. Everything after "--" is positional.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// newFlagSet returns an empty flag set that reports errors to its caller and
// prints nothing itself.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// usage prints the usage text: every subcommand with its flags.
func (c *cli) usage(w io.Writer) {
	fmt.Fprint(w, `secretstore: AWS Secrets Manager on your own machine, encrypted in a local folder.

Usage:
  secretstore COMMAND [flags] [NAME]
  secretstore help [COMMAND]

Flags may come before or after NAME; "--" ends the flags. Exit status: 0 on
success, 1 on an error (AWS errors print their code and message), 2 when the
command line is wrong. With --json, client commands print the library's
output struct (AWS member names; RFC 3339 times; members with no value left
out); see "go doc github.com/secretstore-go/secretstore/cmd/secretstore".

`)
	common := clientFlagNames()
	clientHeader := false
	for _, cmd := range commands() {
		if cmd.name == "serve" || cmd.name == "copy" || cmd.name == "mirror" || cmd.name == "health" || cmd.name == "version" { // no client flags: no data folder, or one of its own
			commandUsage(w, cmd, nil)
			fmt.Fprintln(w)
			continue
		}
		if !clientHeader {
			fmt.Fprint(w, "Client commands: they open the data folder directly, for machines with no\nnetwork. While serve runs on the folder, use the AWS CLI instead (and\n\"backup --endpoint-url\" for a backup; verify and recover need the folder to\nthemselves: stop the server first).\n\n")
			clientHeader = true
		}
		skip := common
		if cmd.name == "policy" {
			skip = nil // its --data, optional, and its --json are its own
		}
		commandUsage(w, cmd, skip)
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "Flags of every client command:")
	fs := newFlagSet("client")
	(&clientFlags{}).register(fs)
	printFlags(w, fs, nil, false)
	fmt.Fprint(w, `
Master key, first found wins:
  --master-key-file FILE       32 raw bytes or their base64
  SECRETSTORE_MASTER_KEY       base64 of 32 random bytes (openssl rand -base64 32)
  --passphrase-file FILE       a passphrase; one trailing newline is ignored
  DATA/master.key              written by the first serve or client command on a
                               new folder when none of the above is given: move
                               it elsewhere for real use
With --memory and no key, serve uses a throwaway key.

Environment:
  SECRETSTORE_MASTER_KEY          the master key, base64
  SECRETSTORE_<FLAG>              every flag of serve: SECRETSTORE_ADDR, SECRETSTORE_DATA,
                                  SECRETSTORE_TEST_MODE, ... ("secretstore help serve")
  SECRETSTORE_ADDR                also where "secretstore health" asks by default
  AWS_ACCESS_KEY_ID               like backup --access-key-id
  AWS_SECRET_ACCESS_KEY           like backup --secret-access-key
  SECRETSTORE_AGENT_ADDR, SECRETSTORE_AGENT_PRINCIPAL, SECRETSTORE_AGENT_MAX_CONNECTIONS,
  SECRETSTORE_MIRROR_FROM, SECRETSTORE_MIRROR_EVERY, SECRETSTORE_MIRROR_FILTER
                                  like the serve flags of the same names
  AWS_TOKEN, AWS_SESSION_TOKEN, AWS_CONTAINER_AUTHORIZATION_TOKEN
                                  the Agent API's SSRF token (serve --agent-addr), first set wins
`)
}

// clientFlagNames returns the names of the flags every client subcommand
// takes.
func clientFlagNames() map[string]bool {
	fs := newFlagSet("client")
	(&clientFlags{}).register(fs)
	names := map[string]bool{}
	fs.VisitAll(func(f *flag.Flag) { names[f.Name] = true })
	return names
}

// commandUsage prints the usage line, summary and flags of cmd, but for the
// flags in skip.
func commandUsage(w io.Writer, cmd command, skip map[string]bool) {
	fs := newFlagSet(cmd.name)
	cmd.setup(fs)
	line := "secretstore " + cmd.name + " [flags]"
	if cmd.args != "" {
		line += " " + cmd.args
	}
	fmt.Fprintf(w, "%s\n    %s\n", line, cmd.summary)
	printFlags(w, fs, skip, cmd.env)
}

// printFlags prints the flags of fs but those in skip, one a line, and with
// env each one's environment variable.
func printFlags(w io.Writer, fs *flag.FlagSet, skip map[string]bool, env bool) {
	fs.VisitAll(func(f *flag.Flag) {
		if skip[f.Name] {
			return
		}
		name, usage := flag.UnquoteUsage(f)
		arg := "--" + f.Name
		if name != "" {
			arg += " " + name
		}
		if f.DefValue != "" && f.DefValue != "false" {
			usage += fmt.Sprintf(" (default %s)", f.DefValue)
		}
		fmt.Fprintf(w, "  %-27s  %s\n", arg, usage)
		if env {
			fmt.Fprintf(w, "  %-27s  (env %s)\n", "", envName(f.Name))
		}
	})
}
