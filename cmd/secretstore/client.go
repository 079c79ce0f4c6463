package main

// The client subcommands open the data folder directly, do one operation
// through the library's public API and close it. Badger lets one process at a
// time open a folder: while "serve" runs on it, use the AWS CLI instead.
// Their output is described in the package documentation (main.go).

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/secretstore-go/secretstore"
)

// maxStdin bounds what put reads from stdin; the store refuses values above
// 64 KiB anyway, with the AWS error.
const maxStdin = 1 << 20

// clientFlags are the flags every client subcommand takes.
type clientFlags struct {
	data    string
	region  string
	account string
	json    bool
	keys    keyFlags
}

func (f *clientFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.data, "data", defaultData, "the data folder `DIR`")
	fs.StringVar(&f.region, "region", secretstore.DefaultRegion, "the `REGION` of the secrets (replicate, unreplicate: the primary's; promote: the replica's)")
	fs.StringVar(&f.account, "account", secretstore.DefaultAccountID, "the 12-digit `ACCOUNT` id in ARNs, as given to serve")
	fs.BoolVar(&f.json, "json", false, "print the output as JSON, for scripts")
	f.keys.register(fs)
}

// withStore opens the store in the data folder, runs fn on it and closes it.
// Unless create is set, the folder must exist: a mistyped --data does not
// make an empty store. On a new folder (with create) or an empty one, and
// no master key given, it writes a new key to DATA/master.key and warns, as
// serve does.
func (f *clientFlags) withStore(ctx context.Context, c *cli, create bool, fn func(*secretstore.Store) error) error {
	if err := checkPlace(nil, f.region, f.account); err != nil {
		return err
	}
	if _, err := os.Stat(f.data); errors.Is(err, os.ErrNotExist) && !create {
		return fmt.Errorf("there is no data folder %s (give it with --data)", f.data)
	}
	policy := keyRequired
	if !f.keys.given(c.getenv) && freshFolder(f.data) {
		policy = keyGenerateFile // a new key in DATA/master.key, as serve writes
	}
	o, source, err := f.options(c, policy)
	if err != nil {
		return err
	}
	store, err := secretstore.Open(ctx, o)
	if err != nil {
		return openError(err, f.data, source, true)
	}
	err = fn(store)
	if cerr := store.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("closing the store: %w", cerr)
	}
	return err
}

// options returns the Options with which a command opens the data folder
// itself: its region and account, no reaper, warnings on standard error,
// and the master key that policy finds; source says where it was found.
func (f *clientFlags) options(c *cli, policy keyPolicy) (o secretstore.Options, source string, err error) {
	o = secretstore.Options{
		Dir:           f.data, // also where a master.key beside the data is looked for
		Region:        f.region,
		AccountID:     f.account,
		DisableReaper: true,
		Logger:        slog.New(slog.NewTextHandler(c.stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
	source, err = f.keys.setMasterKey(&o, c.getenv, policy, o.Logger)
	return o, source, err
}

// freshFolder reports whether dir does not exist yet or is empty: a folder a
// client command may make a new store in, master key included. A folder
// with other files (a mistyped --data) is left alone.
func freshFolder(dir string) bool {
	entries, err := os.ReadDir(dir)
	return errors.Is(err, os.ErrNotExist) || (err == nil && len(entries) == 0)
}

// output prints v as JSON with --json, else calls plain.
func (f *clientFlags) output(w io.Writer, v any, plain func(w io.Writer) error) error {
	if f.json {
		return writeJSON(w, v)
	}
	return plain(w)
}

func setupGet(fs *flag.FlagSet) runFunc {
	var f clientFlags
	f.register(fs)
	versionID := fs.String("version-id", "", "print the version with this `ID`")
	versionStage := fs.String("version-stage", "", "print the version carrying this staging `LABEL`")
	return func(ctx context.Context, c *cli, args []string) error {
		in := &secretstore.GetSecretValueInput{SecretId: args[0], VersionId: *versionID, VersionStage: *versionStage}
		return f.withStore(ctx, c, false, func(s *secretstore.Store) error {
			out, err := s.GetSecretValue(ctx, in)
			if err != nil {
				return err
			}
			return f.output(c.stdout, out, func(w io.Writer) error {
				if out.SecretBinary != nil {
					_, err := w.Write(out.SecretBinary) // raw bytes, as stored
					return err
				}
				_, err := fmt.Fprintln(w, out.SecretString)
				return err
			})
		})
	}
}

func setupPut(fs *flag.FlagSet) runFunc {
	var f clientFlags
	f.register(fs)
	binary := fs.Bool("binary", false, "store stdin as is, as SecretBinary (default: SecretString, one trailing newline removed)")
	return func(ctx context.Context, c *cli, args []string) error {
		value, err := readValue(c)
		if err != nil {
			return err
		}
		in := &secretstore.PutSecretValueInput{SecretId: args[0]}
		if *binary {
			in.SecretBinary = value
		} else {
			in.SecretString = strings.TrimSuffix(string(value), "\n")
		}
		return f.withStore(ctx, c, true, func(s *secretstore.Store) error {
			out, err := s.PutOrCreate(ctx, in)
			if err != nil {
				return err
			}
			return f.output(c.stdout, out, func(w io.Writer) error {
				_, err := fmt.Fprintf(w, "%s: version %s is AWSCURRENT\n", out.Name, out.VersionId)
				return err
			})
		})
	}
}

// readValue reads the value to put from stdin, telling a person at a
// terminal how to end it (not a file, a pipe or /dev/null).
func readValue(c *cli) ([]byte, error) {
	if isTerminal(c.stdin) {
		fmt.Fprintln(c.stderr, "Type the value, then press Ctrl-D:")
	}
	b, err := io.ReadAll(io.LimitReader(c.stdin, maxStdin+1))
	if err != nil {
		return nil, fmt.Errorf("reading the value from stdin: %w", err)
	}
	if len(b) > maxStdin {
		return nil, fmt.Errorf("the value on stdin is larger than %d bytes", maxStdin)
	}
	return b, nil
}

func setupDelete(fs *flag.FlagSet) runFunc {
	var f clientFlags
	f.register(fs)
	days := fs.Int64("recovery-window-days", secretstore.DefaultRecoveryWindowInDays, "the secret can be restored for `N` days, 7 to 30")
	force := fs.Bool("force", false, "delete at once, with no recovery window and no way back")
	return func(ctx context.Context, c *cli, args []string) error {
		in := &secretstore.DeleteSecretInput{SecretId: args[0], ForceDeleteWithoutRecovery: *force}
		if isSet(fs, "recovery-window-days") {
			if *force {
				return usageErrorf("--recovery-window-days and --force cannot be used together")
			}
			in.RecoveryWindowInDays = days
		}
		return f.withStore(ctx, c, false, func(s *secretstore.Store) error {
			out, err := s.DeleteSecret(ctx, in)
			if err != nil {
				return err
			}
			return f.output(c.stdout, out, func(w io.Writer) error {
				if *force {
					_, err := fmt.Fprintf(w, "%s is deleted for good\n", out.Name)
					return err
				}
				_, err := fmt.Fprintf(w, "%s is scheduled for deletion on %s; until then \"secretstore restore %s\" brings it back\n",
					out.Name, formatTime(out.DeletionDate), out.Name)
				return err
			})
		})
	}
}

func setupRestore(fs *flag.FlagSet) runFunc {
	var f clientFlags
	f.register(fs)
	return func(ctx context.Context, c *cli, args []string) error {
		if isBackupFile(args[0]) {
			return restoreBackup(ctx, c, &f, args[0])
		}
		if fi, err := os.Stat(args[0]); err == nil && fi.Mode().IsRegular() {
			what := "it does not start as a backup does"
			if fi.Size() == 0 {
				what = "it is empty"
			}
			return fmt.Errorf("%s is a file, but not a backup written by \"secretstore backup\" (%s): give a backup file; to restore a deleted secret of that name, run restore where no file has its name", args[0], what)
		}
		return f.withStore(ctx, c, false, func(s *secretstore.Store) error {
			out, err := s.RestoreSecret(ctx, &secretstore.RestoreSecretInput{SecretId: args[0]})
			if err != nil {
				return err
			}
			return f.output(c.stdout, out, func(w io.Writer) error {
				_, err := fmt.Fprintf(w, "%s is restored\n", out.Name)
				return err
			})
		})
	}
}

func setupList(fs *flag.FlagSet) runFunc {
	var f clientFlags
	f.register(fs)
	return func(ctx context.Context, c *cli, args []string) error {
		return f.withStore(ctx, c, false, func(s *secretstore.Store) error {
			out, err := listSecrets(ctx, s)
			if err != nil {
				return err
			}
			return f.output(c.stdout, out, func(w io.Writer) error {
				tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
				for _, e := range out.SecretList {
					fmt.Fprintf(tw, "%s\t%s", e.Name, e.ARN)
					if !e.DeletedDate.IsZero() {
						fmt.Fprintf(tw, "\tscheduled for deletion (deleted %s)", formatTime(e.DeletedDate))
					}
					fmt.Fprintln(tw)
				}
				return tw.Flush()
			})
		})
	}
}

// listSecrets lists every secret of s's region by name, those scheduled for
// deletion included, all pages in one output.
func listSecrets(ctx context.Context, s *secretstore.Store) (*secretstore.ListSecretsOutput, error) {
	all := &secretstore.ListSecretsOutput{SecretList: []secretstore.SecretListEntry{}}
	in := &secretstore.ListSecretsInput{IncludePlannedDeletion: true, SortBy: secretstore.SortByName}
	for {
		out, err := s.ListSecrets(ctx, in)
		if err != nil {
			return nil, err
		}
		all.SecretList = append(all.SecretList, out.SecretList...)
		if out.NextToken == "" {
			return all, nil
		}
		in.NextToken = out.NextToken
	}
}

func setupVersions(fs *flag.FlagSet) runFunc {
	var f clientFlags
	f.register(fs)
	return func(ctx context.Context, c *cli, args []string) error {
		return f.withStore(ctx, c, false, func(s *secretstore.Store) error {
			out, err := listVersions(ctx, s, args[0])
			if err != nil {
				return err
			}
			return f.output(c.stdout, out, func(w io.Writer) error {
				tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
				for _, v := range out.Versions {
					stages := strings.Join(v.VersionStages, ",")
					if stages == "" {
						stages = "-" // deprecated
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\n", v.VersionId, stages, formatTime(v.CreatedDate))
				}
				return tw.Flush()
			})
		})
	}
}

// listVersions lists every version of secret id, deprecated ones included,
// all pages in one output.
func listVersions(ctx context.Context, s *secretstore.Store, id string) (*secretstore.ListSecretVersionIdsOutput, error) {
	in := &secretstore.ListSecretVersionIdsInput{SecretId: id, IncludeDeprecated: true}
	var all *secretstore.ListSecretVersionIdsOutput
	for {
		out, err := s.ListSecretVersionIds(ctx, in)
		if err != nil {
			return nil, err
		}
		if all == nil {
			all = &secretstore.ListSecretVersionIdsOutput{ARN: out.ARN, Name: out.Name, Versions: []secretstore.SecretVersionsListEntry{}}
		}
		all.Versions = append(all.Versions, out.Versions...)
		if out.NextToken == "" {
			return all, nil
		}
		in.NextToken = out.NextToken
	}
}

// isSet reports whether flag name was given on the command line.
func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// formatTime formats t for people: RFC 3339 in UTC.
func formatTime(t time.Time) string {
	return t.UTC().Format(time.RFC3339)
}
