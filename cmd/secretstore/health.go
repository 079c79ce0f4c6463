package main

// secretstore health: asks a running server whether it is ready, for what
// has no curl (a FROM scratch image's HEALTHCHECK) and for scripts. It
// exits with status 0 when the server answers that it is ready (a write can
// be made now), 1 otherwise, saying why.

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/secretstore-go/secretstore/awsapi"
)

// healthPath is where serve answers its readiness document
// (awsapi.HealthStatus).
const healthPath = "/_secretstore/health"

// defaultHealthTimeout bounds a health check: a HEALTHCHECK has its own
// timeout (30s by default), and a server that takes seconds to answer is
// not healthy.
const defaultHealthTimeout = 5 * time.Second

func setupHealth(fs *flag.FlagSet) runFunc {
	endpoint := fs.String("endpoint", "", "ask the server at `URL` (default http://127.0.0.1:PORT, with the port of "+envName("addr")+" when it is set, else 4566)")
	var timeout time.Duration
	durationVar(fs, &timeout, "timeout", defaultHealthTimeout, "give up after `DURATION`")
	asJSON := fs.Bool("json", false, "print the server's health document as JSON")
	return func(ctx context.Context, c *cli, args []string) error {
		u := *endpoint
		if u == "" {
			u = defaultHealthEndpoint(c.getenv(envName("addr")))
		}
		if timeout <= 0 {
			return usageErrorf("--timeout must be positive, not %v", timeout)
		}
		st, status, err := fetchHealth(ctx, u, timeout)
		if err != nil {
			return err
		}
		if *asJSON {
			if err := writeJSON(c.stdout, st); err != nil {
				return err
			}
		} else {
			fmt.Fprintln(c.stdout, describeHealth(st))
		}
		if status != http.StatusOK || st.Status != awsapi.HealthOK {
			return fmt.Errorf("%s is not ready: %s", u, st.Status)
		}
		return nil
	}
}

// defaultHealthEndpoint returns the URL of the server on this machine that
// listens on addr (serve's --addr, as its environment variable gives it; ""
// for the default).
func defaultHealthEndpoint(addr string) string {
	if addr == "" {
		addr = defaultAddr
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + defaultAddr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// fetchHealth asks the server at endpoint for its health document.
func fetchHealth(ctx context.Context, endpoint string, timeout time.Duration) (awsapi.HealthStatus, int, error) {
	var st awsapi.HealthStatus
	base, err := url.Parse(endpoint)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return st, 0, usageErrorf("--endpoint %q is not a URL such as http://127.0.0.1:4566", endpoint)
	}
	base.Path = strings.TrimSuffix(base.Path, "/") + healthPath
	base.RawQuery, base.Fragment = "", ""
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base.String(), nil)
	if err != nil {
		return st, 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return st, 0, fmt.Errorf("cannot reach %s: %w — is secretstore serve running there?", endpoint, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return st, 0, fmt.Errorf("reading the answer of %s: %w", base, err)
	}
	if err := json.Unmarshal(body, &st); err != nil || st.Status == "" {
		return st, 0, fmt.Errorf("%s answered %s, not a secretstore health document: is it a secretstore server, of a version that serves %s?", base, resp.Status, healthPath)
	}
	return st, resp.StatusCode, nil
}

// describeHealth returns a line saying what st says, for people.
func describeHealth(st awsapi.HealthStatus) string {
	up := time.Duration(st.UptimeSeconds * float64(time.Second)).Round(time.Second)
	s := fmt.Sprintf("%s: secretstore %s, up %v", st.Status, st.Version, up)
	if st.Writable {
		s += ", writes can be made"
	} else if st.WriteError != "" {
		s += ", writes are refused: " + st.WriteError
	}
	if m := st.Mirror; m != nil {
		s += fmt.Sprintf("; mirror of %s: %d passes, %d failed", m.From, m.Passes, m.FailedPasses)
		if m.LastPassError != "" {
			s += ", the last one: " + m.LastPassError
		}
	}
	return s
}
