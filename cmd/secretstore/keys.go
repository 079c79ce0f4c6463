package main

import (
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/secretstore-go/secretstore"
)

// masterKeyEnv is the environment variable holding the master key, base64.
const masterKeyEnv = "SECRETSTORE_MASTER_KEY"

// keyFileName is the master key file a first "serve" writes into the data
// folder when no key is given.
const keyFileName = "master.key"

// keyFlags are the flags naming the master key, shared by serve and the
// client subcommands.
type keyFlags struct {
	masterKeyFile  string
	passphraseFile string
}

func (k *keyFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&k.masterKeyFile, "master-key-file", "", "read the master key from `FILE` (32 raw bytes or their base64)")
	fs.StringVar(&k.passphraseFile, "passphrase-file", "", "derive the master key from the passphrase in `FILE`")
}

// keyPolicy says what to do when no master key is given and the data folder
// holds none.
type keyPolicy int

const (
	// keyRequired fails (a client subcommand on a folder that is not new).
	keyRequired keyPolicy = iota
	// keyGenerateFile writes a new key to <data>/master.key (serve, and a
	// client subcommand on a new or empty folder).
	keyGenerateFile
	// keyEphemeral makes up a key that lives in memory only (serve --memory).
	keyEphemeral
)

// keySourceThrowaway is the source setMasterKey names for a key it made up
// (keyEphemeral), which is never shown.
const keySourceThrowaway = "a throwaway key"

// given reports whether a master key is given by a flag or the environment
// (not by a key file in the data folder).
func (k keyFlags) given(getenv func(string) string) bool {
	return k.masterKeyFile != "" || getenv(masterKeyEnv) != "" || k.passphraseFile != ""
}

// setMasterKey sets o.MasterKey or o.Passphrase from the first key source
// found, in this order: --master-key-file, SECRETSTORE_MASTER_KEY,
// --passphrase-file, the key file in the data folder o.Dir; with none of
// them it acts as policy says. It returns a description of the source for
// messages; never the key.
func (k keyFlags) setMasterKey(o *secretstore.Options, getenv func(string) string, policy keyPolicy, log *slog.Logger) (source string, err error) {
	switch {
	case k.masterKeyFile != "":
		o.MasterKey, err = secretstore.ReadMasterKeyFile(k.masterKeyFile)
		return "--master-key-file " + k.masterKeyFile, err
	case getenv(masterKeyEnv) != "":
		o.MasterKey, err = decodeMasterKey(getenv(masterKeyEnv))
		return masterKeyEnv, err
	case k.passphraseFile != "":
		o.Passphrase, err = readPassphrase(k.passphraseFile)
		return "--passphrase-file " + k.passphraseFile, err
	}
	if o.InMemory {
		if policy != keyEphemeral {
			return "", errors.New("no master key given")
		}
		o.MasterKey, err = secretstore.NewMasterKey()
		return keySourceThrowaway, err
	}
	path := filepath.Join(o.Dir, keyFileName)
	switch _, err := os.Stat(path); {
	case err == nil:
		if policy == keyGenerateFile {
			log.Warn("the master key is read from the data folder it protects; move it out for real use", "key_file", absPath(path))
		}
		o.MasterKey, err = secretstore.ReadMasterKeyFile(path)
		return path, err
	case !errors.Is(err, os.ErrNotExist):
		return "", err
	case policy != keyGenerateFile:
		return "", fmt.Errorf("no master key for %s: %s does not exist; give the key with --master-key-file, %s or --passphrase-file", o.Dir, path, masterKeyEnv)
	case hasDatabase(o.Dir):
		return "", fmt.Errorf("%s holds a database but no %s: start with the key it was created with (--master-key-file, %s or --passphrase-file)", o.Dir, keyFileName, masterKeyEnv)
	}
	o.MasterKey, err = generateKeyFile(o.Dir, path)
	if err != nil {
		return "", err
	}
	log.Warn("generated a new master key beside the data it protects: anyone who can read the data folder can read every secret. "+
		"For real use, move the key out of the folder and start with --master-key-file or "+masterKeyEnv, "key_file", absPath(path))
	return path, nil
}

// decodeMasterKey decodes the base64 master key of SECRETSTORE_MASTER_KEY.
// Its messages never repeat the value.
func decodeMasterKey(s string) ([]byte, error) {
	n := secretstore.MasterKeyLen
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("%s is not valid base64; it must be the base64 of %d random bytes (openssl rand -base64 %d)", masterKeyEnv, n, n)
	}
	if len(key) != n {
		return nil, fmt.Errorf("%s decodes to %d bytes; it must be the base64 of %d random bytes (openssl rand -base64 %d)", masterKeyEnv, len(key), n, n)
	}
	return key, nil
}

// readPassphrase reads a passphrase file, without one trailing newline.
func readPassphrase(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("reading the passphrase file: %w", err)
	}
	p := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	if p == "" {
		return "", fmt.Errorf("the passphrase file %s is empty", path)
	}
	return p, nil
}

// hasDatabase reports whether dir already holds a Badger database.
func hasDatabase(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "MANIFEST"))
	return err == nil
}

// generateKeyFile creates dir (mode 0700) and writes a new random master key
// to path, base64, with mode 0600. The file and the folder entry are synced
// before it returns: a key lost to a power cut would lose every secret
// written with it.
func generateKeyFile(dir, path string) ([]byte, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating the data folder: %w", err)
	}
	key, err := secretstore.NewMasterKey()
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("writing the master key file: %w", err)
	}
	_, err = f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = syncDir(dir)
	}
	if err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("writing the master key file: %w", err)
	}
	return key, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// absPath returns path made absolute, for messages; path itself if that
// fails.
func absPath(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return path
}
