package main

// The maintenance subcommands: verify, backup, restore of a backup file,
// recover. Like the other client commands they work on a data folder
// directly, but for backup, which also takes a snapshot of a running
// server over HTTP (GET /_secretstore/backup), since a running server holds
// its folder.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/secretstore-go/secretstore"
)

// backupHeader starts every backup file Store.Backup writes.
const backupHeader = "secretstore backup "

// backupPath is the path of the backup endpoint of serve.
const backupPath = "/_secretstore/backup"

// emptySHA256 is the SHA-256 of an empty body, as SigV4 signs it.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// Environment variables of the key pair backup signs its request with.
const (
	awsAccessKeyIDEnv     = "AWS_ACCESS_KEY_ID"
	awsSecretAccessKeyEnv = "AWS_SECRET_ACCESS_KEY"
)

// verifyOutput is what verify --json prints.
type verifyOutput struct {
	Problems []secretstore.Problem
}

func setupVerify(fs *flag.FlagSet) runFunc {
	var f clientFlags
	f.register(fs)
	return func(ctx context.Context, c *cli, args []string) error {
		err := f.withStore(ctx, c, false, func(s *secretstore.Store) error {
			problems, err := s.Verify(ctx)
			if err != nil {
				return err
			}
			out := verifyOutput{Problems: append([]secretstore.Problem{}, problems...)}
			err = f.output(c.stdout, out, func(w io.Writer) error {
				for _, p := range problems {
					if _, err := fmt.Fprintln(w, p); err != nil {
						return err
					}
				}
				if len(problems) == 0 {
					_, err := fmt.Fprintf(w, "no problems in %s: every record read and every value opened\n", f.data)
					return err
				}
				return nil
			})
			if err == nil && len(problems) > 0 {
				err = fmt.Errorf("%s in %s. Damaged secrets can be restored from a backup; \"secretstore recover --data %s --to NEW-FOLDER\" copies what can be read into a new folder",
					plural(len(problems), "problem"), f.data, f.data)
			}
			return err
		})
		if isLocked(err) {
			return verifyLockedError(f.data, err)
		}
		return err
	}
}

// verifyLockedError explains that verify cannot check a folder a server
// holds, and what can be done: stop the server, or verify a copy of the
// store that the server's backup endpoint gives.
func verifyLockedError(dir string, err error) error {
	u := runningServerURL(dir)
	if u == "" {
		u = "http://<the server's address>"
	}
	return &explained{fmt.Sprintf("the data folder %s is in use — is `secretstore serve` running? verify reads the folder itself, so stop the server first; "+
		"or, while it runs, verify a copy: secretstore backup copy.backup --endpoint-url %s && secretstore restore copy.backup --data NEW-FOLDER (with the store's master key) && secretstore verify --data NEW-FOLDER", dir, u), err}
}

// backupOutput is what backup --json prints.
type backupOutput struct {
	File  string
	Bytes int64
}

// backupFlags are the flags of backup beyond the client flags.
type backupFlags struct {
	endpoint        string
	accessKeyID     string
	secretAccessKey string
}

func setupBackup(fs *flag.FlagSet) runFunc {
	var f clientFlags
	var b backupFlags
	f.register(fs)
	fs.StringVar(&b.endpoint, "endpoint-url", "", "take the backup from the server running at `URL` (http://127.0.0.1:4566), not from --data")
	fs.StringVar(&b.accessKeyID, "access-key-id", "", "with --endpoint-url: sign the request with this access key `ID` (env "+awsAccessKeyIDEnv+")")
	fs.StringVar(&b.secretAccessKey, "secret-access-key", "", "the secret access `KEY` of --access-key-id (env "+awsSecretAccessKeyEnv+")")
	return func(ctx context.Context, c *cli, args []string) error {
		file := args[0]
		var n int64
		var err error
		if b.endpoint != "" {
			for _, name := range []string{"data", "master-key-file", "passphrase-file"} {
				if isSet(fs, name) {
					return usageErrorf("--endpoint-url and --%s cannot be used together: the server reads its own folder with its own key", name)
				}
			}
			u, err := backupURL(b.endpoint)
			if err != nil {
				return err
			}
			n, err = writeAtomically(file, func(w io.Writer) error {
				return b.download(ctx, c, u, f.region, w)
			})
			if err != nil {
				return err
			}
		} else {
			err = f.withStore(ctx, c, false, func(s *secretstore.Store) error {
				n, err = writeAtomically(file, func(w io.Writer) error { return s.Backup(ctx, w) })
				return err
			})
			if isLocked(err) {
				u := runningServerURL(f.data)
				if u == "" {
					u = "http://<the server's address>"
				}
				return fmt.Errorf("the data folder %s is in use — is `secretstore serve` running? Take the backup from the server: secretstore backup %s --endpoint-url %s", f.data, file, u)
			}
			if err != nil {
				return err
			}
		}
		return f.output(c.stdout, backupOutput{File: file, Bytes: n}, func(w io.Writer) error {
			_, err := fmt.Fprintf(w, "wrote a backup of %d bytes to %s; it holds no master key: restore it with the key of this store\n", n, file)
			return err
		})
	}
}

// backupURL returns the URL of the backup endpoint of the server at
// endpoint.
func backupURL(endpoint string) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", usageErrorf("--endpoint-url %q is not a URL such as http://127.0.0.1:4566", endpoint)
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + backupPath
	u.RawQuery, u.Fragment = "", ""
	return u.String(), nil
}

// download writes the backup the server at u streams to w. It signs the
// request when it has an access key pair; a server that checks no
// signatures ignores it.
func (b *backupFlags) download(ctx context.Context, c *cli, u, region string, w io.Writer) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	id, secret := b.accessKeyID, b.secretAccessKey
	if id == "" && secret == "" {
		id, secret = c.getenv(awsAccessKeyIDEnv), c.getenv(awsSecretAccessKeyEnv)
	}
	switch {
	case id != "" && secret != "":
		creds := aws.Credentials{AccessKeyID: id, SecretAccessKey: secret}
		if err := v4.NewSigner().SignHTTP(ctx, creds, req, emptySHA256, "secretsmanager", region, time.Now()); err != nil {
			return fmt.Errorf("signing the request: %w", err)
		}
	case id != "" || secret != "":
		return usageErrorf("give both an access key id and a secret access key (--access-key-id and --secret-access-key, or %s and %s), or neither", awsAccessKeyIDEnv, awsSecretAccessKeyEnv)
	}
	// No overall timeout: a large backup takes what it takes; Ctrl-C ends it.
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("asking %s for a backup: %w", u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		var e struct{ Error, Code string }
		msg := strings.TrimSpace(string(body))
		if json.Unmarshal(body, &e) == nil && e.Error != "" {
			msg = e.Error
		}
		if resp.StatusCode == http.StatusNotFound {
			msg = "no backup endpoint there: is it a secretstore server, of a version that serves " + backupPath + "?"
		}
		return fmt.Errorf("the server refused the backup (%s): %s", resp.Status, msg)
	}
	br := bufio.NewReader(resp.Body)
	if head, err := br.Peek(len(backupHeader)); err != nil || string(head) != backupHeader {
		return fmt.Errorf("the answer of %s is not a secretstore backup", u)
	}
	if _, err := io.Copy(w, br); err != nil {
		return fmt.Errorf("the backup stream from %s broke off: %w", u, err)
	}
	return nil
}

// writeAtomically writes path through write: into path.tmp (mode 0600),
// synced, then renamed over path, and the folder synced; a failure
// removes path.tmp and leaves path as it was. It returns the bytes written.
func writeAtomically(path string, write func(io.Writer) error) (n int64, err error) {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return 0, fmt.Errorf("writing the backup: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(0o600); err != nil { // a stale path.tmp may have had another mode
		return 0, fmt.Errorf("writing the backup: %w", err)
	}
	cw := &countingWriter{w: f}
	if err := write(cw); err != nil {
		return 0, err
	}
	if err := f.Sync(); err != nil {
		return 0, fmt.Errorf("writing the backup: %w", err)
	}
	if err := f.Close(); err != nil {
		return 0, fmt.Errorf("writing the backup: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return 0, fmt.Errorf("writing the backup: %w", err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return 0, fmt.Errorf("writing the backup: %w", err)
	}
	return cw.n, nil
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// isBackupFile reports whether path names a file that starts as a backup
// does.
func isBackupFile(path string) bool {
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() {
		return false
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, len(backupHeader))
	_, err = io.ReadFull(f, head)
	return err == nil && string(head) == backupHeader
}

// restoreOutput is what restore --json prints for a backup file.
type restoreOutput struct {
	Backup string
	Data   string
}

// restoreBackup loads the backup file into the data folder, which must be
// new or empty, and checks the master key against it; on any failure the
// folder is left as it was.
func restoreBackup(ctx context.Context, c *cli, f *clientFlags, file string) error {
	if !f.keys.given(c.getenv) {
		return fmt.Errorf("a backup holds no master key: give the key of the store it was taken from with --master-key-file, %s or --passphrase-file", masterKeyEnv)
	}
	o, source, err := f.options(c, keyRequired)
	if err != nil {
		return err
	}
	in, err := os.Open(file)
	if err != nil {
		return err
	}
	defer in.Close()
	err = secretstore.LoadBackup(ctx, in, o)
	switch {
	case errors.Is(err, secretstore.ErrWrongMasterKey):
		return fmt.Errorf("%w: the backup %s was taken of a store with another key (key from %s); %s was left as it was", err, file, source, f.data)
	case err != nil:
		return fmt.Errorf("restoring %s into %s: %w", file, f.data, err)
	}
	return f.output(c.stdout, restoreOutput{Backup: file, Data: f.data}, func(w io.Writer) error {
		_, err := fmt.Fprintf(w, "restored the backup %s into %s\n", file, f.data)
		return err
	})
}

func setupRecover(fs *flag.FlagSet) runFunc {
	var f clientFlags
	f.register(fs)
	to := fs.String("to", "", "write what can be read into the new or empty folder `DIR` (required)")
	return func(ctx context.Context, c *cli, args []string) error {
		if *to == "" {
			return usageErrorf("give the folder to write what can be read into with --to (a new folder, never the damaged one)")
		}
		if _, err := os.Stat(f.data); err != nil {
			return fmt.Errorf("there is no data folder %s (give it with --data)", f.data)
		}
		o, source, err := f.options(c, keyRequired)
		if err != nil {
			return err
		}
		keyFile := filepath.Join(f.data, keyFileName)
		unlock, err := lockShared(f.data)
		if isLocked(err) {
			return fmt.Errorf("the data folder %s is in use by another process: stop `secretstore serve` (or the client command) first; recover reads its files directly", f.data)
		}
		if err != nil {
			return err
		}
		defer unlock()
		o.Dir = *to
		rep, err := secretstore.Recover(ctx, f.data, o)
		if err != nil {
			return openError(err, *to, source, true)
		}
		if source == keyFile {
			// The damaged folder kept its key beside the data: so does the
			// new one, so that it opens as the old one did.
			if err := copyKeyFile(keyFile, filepath.Join(*to, keyFileName)); err != nil {
				return err
			}
		}
		err = f.output(c.stdout, rep, func(w io.Writer) error { return printRecoverReport(w, rep, *to) })
		if err != nil {
			return err
		}
		if lost := recoverLosses(rep); len(lost) > 0 {
			return fmt.Errorf("%s holds what could be read, but not everything: %s. Check it with \"secretstore verify --data %s\"", *to, strings.Join(lost, ", "), *to)
		}
		return nil
	}
}

// recoverLosses lists what rep says was damaged or lost, for the summary:
// empty exactly when rep.NothingLost.
func recoverLosses(rep *secretstore.RecoverReport) []string {
	var lost []string
	damaged := 0
	for _, f := range rep.Files {
		if f.Damage != "" && !f.Leftover {
			damaged++
		}
	}
	if damaged > 0 {
		lost = append(lost, plural(damaged, "damaged or missing file"))
	}
	if rep.LostTransactions > 0 {
		lost = append(lost, plural(rep.LostTransactions, "lost transaction"))
	}
	if len(rep.Lost) > 0 {
		lost = append(lost, plural(len(rep.Lost), "secret")+" with lost changes")
	}
	if len(rep.Unnamed) > 0 {
		lost = append(lost, plural(len(rep.Unnamed), "loss")+" that cannot be tied to secret names")
	}
	if len(rep.Problems) > 0 {
		lost = append(lost, plural(len(rep.Problems), "problem"))
	}
	return lost
}

// printRecoverReport prints rep for people.
func printRecoverReport(w io.Writer, rep *secretstore.RecoverReport, to string) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	for _, f := range rep.Files {
		fmt.Fprintf(tw, "%s\t%s", f.Name, plural(f.Entries, "entry"))
		switch {
		case f.Damage != "" && f.Leftover:
			fmt.Fprintf(tw, "\tholds nothing of the store's: %s", strings.Join(strings.Fields(f.Damage), " "))
		case f.Damage != "":
			fmt.Fprintf(tw, "\tdamaged: %s", strings.Join(strings.Fields(f.Damage), " ")) // one line
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "wrote %s and %s to %s\n", plural(rep.Secrets, "secret record"), plural(rep.Versions, "version record"), to)
	if rep.SalvagedTransactions > 0 || rep.LostTransactions > 0 {
		fmt.Fprintf(w, "transactions past damage in a log: %d salvaged, %d lost\n", rep.SalvagedTransactions, rep.LostTransactions)
	}
	for _, note := range rep.Notes {
		fmt.Fprintf(w, "note: %s\n", note)
	}
	for _, name := range rep.Lost {
		fmt.Fprintf(w, "lost: the last changes of %s\n", name)
	}
	for _, u := range rep.Unnamed {
		fmt.Fprintf(w, "lost: %s\n", u)
	}
	for _, p := range rep.Problems {
		fmt.Fprintf(w, "problem: %s\n", p)
	}
	var err error
	if rep.NothingLost() {
		_, err = fmt.Fprintln(w, "nothing was lost")
	}
	return err
}

// copyKeyFile copies the master key file from to to (mode 0600, synced).
func copyKeyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return fmt.Errorf("copying the master key file: %w", err)
	}
	f, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("copying the master key file: %w", err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = syncDir(filepath.Dir(to))
	}
	if err != nil {
		return fmt.Errorf("copying the master key file: %w", err)
	}
	return nil
}

// plural returns "1 thing" or "n things" (an "y" ending becomes "ies", an
// "s" ending "ses").
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	if strings.HasSuffix(thing, "s") {
		return fmt.Sprintf("%d %ses", n, thing)
	}
	if s, ok := strings.CutSuffix(thing, "y"); ok {
		return fmt.Sprintf("%d %sies", n, s)
	}
	return fmt.Sprintf("%d %ss", n, thing)
}
