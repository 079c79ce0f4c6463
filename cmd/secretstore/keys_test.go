package main

import (
	"bytes"
	"encoding/base64"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secretstore-go/secretstore"
)

func TestSetMasterKeyOrder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	fileKey := bytes.Repeat([]byte{1}, 32)
	envKey := bytes.Repeat([]byte{2}, 32)
	dirKey := bytes.Repeat([]byte{3}, 32)
	keyFile := write("file.key", base64.StdEncoding.EncodeToString(fileKey))
	passFile := write("pass", "correct horse\r\n")
	write(keyFileName, base64.StdEncoding.EncodeToString(dirKey))
	env := map[string]string{masterKeyEnv: base64.StdEncoding.EncodeToString(envKey)}
	noEnv := map[string]string{}

	for _, tc := range []struct {
		name       string
		flags      keyFlags
		env        map[string]string
		key        []byte
		passphrase string
		source     string
	}{
		{"key file first", keyFlags{keyFile, passFile}, env, fileKey, "", "--master-key-file " + keyFile},
		{"then the environment", keyFlags{"", passFile}, env, envKey, "", masterKeyEnv},
		{"then the passphrase", keyFlags{"", passFile}, noEnv, nil, "correct horse", "--passphrase-file " + passFile},
		{"then the data folder", keyFlags{}, noEnv, dirKey, "", filepath.Join(dir, keyFileName)},
	} {
		o := secretstore.Options{Dir: dir}
		source, err := tc.flags.setMasterKey(&o, func(k string) string { return tc.env[k] }, keyRequired, slog.New(slog.DiscardHandler))
		if err != nil || !bytes.Equal(o.MasterKey, tc.key) || o.Passphrase != tc.passphrase || source != tc.source {
			t.Errorf("%s: key %x, passphrase %q, source %q, %v", tc.name, o.MasterKey, o.Passphrase, source, err)
		}
	}
}

func TestSetMasterKeyGeneratesOnlyForServe(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "new", "data")
	discard := slog.New(slog.DiscardHandler)
	o := secretstore.Options{Dir: data}
	if _, err := (keyFlags{}).setMasterKey(&o, os.Getenv, keyRequired, discard); err == nil {
		t.Fatalf("a client found a key in a new folder")
	}
	if _, err := os.Stat(data); err == nil {
		t.Fatalf("a client created the data folder")
	}

	var log bytes.Buffer
	source, err := (keyFlags{}).setMasterKey(&o, func(string) string { return "" }, keyGenerateFile, slog.New(slog.NewTextHandler(&log, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if source != filepath.Join(data, keyFileName) || len(o.MasterKey) != 32 {
		t.Errorf("generated key: source %q, %d bytes", source, len(o.MasterKey))
	}
	if !strings.Contains(log.String(), "level=WARN") || !strings.Contains(log.String(), "beside the data") {
		t.Errorf("no warning: %s", log.String())
	}
	if strings.Contains(log.String(), base64.StdEncoding.EncodeToString(o.MasterKey)) {
		t.Errorf("the key was logged")
	}
	read, err := secretstore.ReadMasterKeyFile(source)
	if err != nil || !bytes.Equal(read, o.MasterKey) {
		t.Errorf("the key file holds another key: %v", err)
	}
	fi, _ := os.Stat(source)
	di, _ := os.Stat(data)
	if fi.Mode().Perm() != 0o600 || di.Mode().Perm() != 0o700 {
		t.Errorf("modes: key file %v, folder %v; want 0600, 0700", fi.Mode().Perm(), di.Mode().Perm())
	}
}

func TestSetMasterKeyErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, []byte("\n"), 0o600)
	discard := slog.New(slog.DiscardHandler)
	for _, tc := range []struct {
		name  string
		flags keyFlags
		env   string
		want  string
	}{
		{"bad base64", keyFlags{}, "%%%", "is not valid base64"},
		{"short key", keyFlags{}, base64.StdEncoding.EncodeToString([]byte("short")), "decodes to 5 bytes"},
		{"missing key file", keyFlags{masterKeyFile: filepath.Join(dir, "nope")}, "", "reading master key file"},
		{"bad key file", keyFlags{masterKeyFile: empty}, "", "must hold 32 raw bytes or their base64"},
		{"empty passphrase", keyFlags{passphraseFile: empty}, "", "is empty"},
	} {
		o := secretstore.Options{Dir: dir}
		_, err := tc.flags.setMasterKey(&o, func(string) string { return tc.env }, keyGenerateFile, discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

// TestPassphraseFileNewlineIgnored opens one store with a passphrase file
// that ends in a newline and again with one that does not.
func TestPassphraseFileNewlineIgnored(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	withNL, without := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	os.WriteFile(withNL, []byte("open sesame\n"), 0o600)
	os.WriteFile(without, []byte("open sesame"), 0o600)
	mustRun(t, nil, "v", "put", "x", "--data", data, "--passphrase-file", withNL)
	if out := mustRun(t, nil, "", "get", "x", "--data", data, "--passphrase-file", without); out != "v\n" {
		t.Errorf("get = %q", out)
	}
}
