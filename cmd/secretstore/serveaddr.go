package main

// Where serve listens, for people: the message when it cannot bind, and the
// address file that tells a client command which server holds a folder.

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// addrFileName is the file serve writes into its data folder while it runs:
// the endpoint URL clients reach it with. A client command that finds the
// folder in use reads it to name the address in its message.
const addrFileName = "server.address"

// addrDialTimeout bounds the check that the address in the file answers.
// A server that is gone refuses the connection at once; the bound is for a
// busy machine, where 300 ms was too short for a server on an emulated CPU
// with every test running (the dial's goroutine ran after its deadline).
const addrDialTimeout = 2 * time.Second

// listen binds addr for serve. When it cannot, the error suggests --addr
// (listenError).
func listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, listenError(addr, err)
	}
	return ln, nil
}

// listenError is the error of a failure err to bind addr: it suggests
// --addr, says when another program holds the port, and when the port is
// also LocalStack's (4566, serve's default).
func listenError(addr string, err error) error {
	hint := "choose another address with --addr HOST:PORT (port 0 picks a free one)"
	if errors.Is(err, syscall.EADDRINUSE) {
		holder := "another program listens there"
		if _, port, _ := net.SplitHostPort(addr); port == "4566" {
			holder += " (4566 is also LocalStack's port)"
		}
		hint = holder + "; stop it or " + hint
	}
	return fmt.Errorf("listening on %s: %w; %s", addr, err, hint)
}

// writeServerAddress writes url to the address file in dir (none for an
// in-memory store, dir ""), and returns the function that removes it. A
// failure is only logged: the file is a courtesy to clients.
func writeServerAddress(dir, url string, log *slog.Logger) (remove func()) {
	if dir == "" {
		return func() {}
	}
	path := filepath.Join(dir, addrFileName)
	if err := os.WriteFile(path, []byte(url+"\n"), 0o600); err != nil {
		log.Warn("could not write the server's address into the data folder", "file", path, "error", err.Error())
		return func() {}
	}
	return func() { os.Remove(path) }
}

// runningServerURL returns the endpoint URL of the server running on the
// data folder dir, from its address file, if the file is there and the
// address answers; "" otherwise (a server that was killed leaves the file
// behind).
func runningServerURL(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, addrFileName))
	if err != nil {
		return ""
	}
	u, err := url.Parse(strings.TrimSpace(string(b)))
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return ""
	}
	conn, err := net.DialTimeout("tcp", u.Host, addrDialTimeout)
	if err != nil {
		return ""
	}
	conn.Close()
	return u.String()
}

// awsCLIHint returns the AWS CLI command to use against the server running
// on dir: with its address when it can be known, else naming it.
func awsCLIHint(dir string) string {
	if u := runningServerURL(dir); u != "" {
		return "aws --endpoint-url " + u + " secretsmanager ..."
	}
	return "aws --endpoint-url http://<the server's address> secretsmanager ..."
}
