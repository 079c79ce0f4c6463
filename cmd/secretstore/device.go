package main

// serve on an edge device: --agent-addr serves the AWS Secrets Manager
// Agent's local API from the store (awsapi.Agent), and --mirror-from keeps
// the store a mirror of another Secrets Manager endpoint, AWS or another
// server (internal/mirror), with the status of its passes in
// DATA/mirror.status for "secretstore mirror status".

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/secretstore-go/secretstore"
	"github.com/secretstore-go/secretstore/awsapi"
	"github.com/secretstore-go/secretstore/internal/mirror"
)

// Defaults of the device flags.
const (
	defaultMirrorEvery = 5 * time.Minute
	minMirrorEvery     = time.Second
	// mirrorStatusFile is where serve keeps the mirror's status, in its
	// data folder.
	mirrorStatusFile = "mirror.status"
)

// deviceFlags are serve's flags for edge devices.
type deviceFlags struct {
	agentAddr      string
	agentPrincipal string
	agentMaxConns  int
	mirrorFrom     string
	mirrorEvery    time.Duration
	mirrorFilters  filterList
}

func (d *deviceFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&d.agentAddr, "agent-addr", "", "also serve the AWS Secrets Manager Agent's local API (GET /secretsmanager/get, /v1/NAME, /ping) on loopback `HOST:PORT`, such as "+awsapi.AgentDefaultAddr+"; its SSRF token comes from "+strings.Join(awsapi.AgentTokenVariables(), ", ")+" (file://PATH reads a file), as the Agent's does")
	fs.StringVar(&d.agentPrincipal, "agent-principal", "", "with --principals: the Agent API reads as this principal, by `ARN` or access key id, under its policies")
	fs.IntVar(&d.agentMaxConns, "agent-max-connections", awsapi.AgentDefaultMaxConnections, "the Agent API serves at most `N` connections at once, 1 to 1000")
	fs.StringVar(&d.mirrorFrom, "mirror-from", "", "keep the store a read-only mirror of the secrets at `URL`: aws, aws://REGION (AWS, with the standard credential chain) or http(s)://HOST:PORT[?region=REGION]")
	fs.DurationVar(&d.mirrorEvery, "mirror-every", defaultMirrorEvery, "with --mirror-from: a pass every `DURATION`; a failed pass is retried sooner, with backoff")
	fs.Var(&d.mirrorFilters, "mirror-filter", "with --mirror-from: mirror only the secrets ListSecrets finds with this `KEY=VALUE` filter, as copy --filter; repeatable")
}

// check refuses what is wrong on the command line, before anything is
// created.
func (d *deviceFlags) check(hasPrincipals bool) error {
	switch {
	case d.agentAddr == "" && d.agentPrincipal != "":
		return usageErrorf("--agent-principal needs --agent-addr")
	case d.agentAddr != "" && hasPrincipals && d.agentPrincipal == "":
		return usageErrorf("with --principals, --agent-addr needs --agent-principal ARN: the Agent API's reads run as that principal, under its policies")
	case d.agentPrincipal != "" && !hasPrincipals:
		return usageErrorf("--agent-principal needs --principals, the file that names the principal")
	case d.agentMaxConns < 1 || d.agentMaxConns > awsapi.AgentMaxConnectionsLimit:
		return usageErrorf("--agent-max-connections must be in the range 1 to %d", awsapi.AgentMaxConnectionsLimit)
	case d.mirrorFrom == "" && len(d.mirrorFilters) > 0:
		return usageErrorf("--mirror-filter needs --mirror-from")
	case d.mirrorEvery < minMirrorEvery:
		return usageErrorf("--mirror-every must be at least %s", minMirrorEvery)
	}
	if d.agentAddr != "" {
		host, _, err := net.SplitHostPort(d.agentAddr)
		if err != nil {
			return usageErrorf("--agent-addr %q: want HOST:PORT, such as %s", d.agentAddr, awsapi.AgentDefaultAddr)
		}
		if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return usageErrorf("--agent-addr %q: the Agent API listens on a loopback address only (127.0.0.1, ::1 or localhost), as the Agent does: it is for the programs on this machine", d.agentAddr)
		}
	}
	return nil
}

// deviceSetup is what serve prepares for the device features before it
// opens the store: the Agent's listener, token and principal, and the
// mirror's source.
type deviceSetup struct {
	d         *deviceFlags
	agentLn   net.Listener
	token     string
	principal *secretstore.Principal
	source    *mirror.Endpoint
	filters   mirror.Filters
	wait      func(ctx context.Context, d time.Duration) error // the mirror loop's (cli.wait)
}

// prepare checks the token, finds the principal, parses the source and
// binds the Agent's address, so that a mistake stops serve before it
// creates anything. principals are serve's keys bound to principals.
func (d *deviceFlags) prepare(ctx context.Context, getenv func(string) string, principals []awsapi.Credentials) (*deviceSetup, error) {
	s := &deviceSetup{d: d}
	if d.mirrorFrom != "" {
		filters, err := mirror.ParseFilters("--mirror-filter", d.mirrorFilters)
		if err != nil {
			return nil, configError(err)
		}
		if s.source, err = mirror.ParseEndpoint(ctx, "--mirror-from", d.mirrorFrom, getenv); err != nil {
			return nil, configError(err)
		}
		s.filters = filters
	}
	if d.agentAddr == "" {
		return s, nil
	}
	token, err := awsapi.AgentToken(getenv)
	if err != nil {
		return nil, fmt.Errorf("--agent-addr: %w; the Agent API refuses to start without its SSRF token", err)
	}
	s.token = token
	if d.agentPrincipal != "" {
		for _, c := range principals {
			if c.Principal != nil && (c.Principal.Arn == d.agentPrincipal || c.AccessKeyID == d.agentPrincipal) {
				s.principal = c.Principal
			}
		}
		if s.principal == nil {
			return nil, usageErrorf("--agent-principal %q is not the Arn or AccessKeyId of a principal of --principals", d.agentPrincipal)
		}
	}
	ln, err := net.Listen("tcp", d.agentAddr)
	if err != nil {
		return nil, fmt.Errorf("--agent-addr: listening on %s: %w", d.agentAddr, err)
	}
	s.agentLn = ln
	return s, nil
}

// close releases what prepare took, when serve stops before start.
func (s *deviceSetup) close() {
	if s.agentLn != nil {
		s.agentLn.Close()
	}
}

// device is the running device features; stop ends them.
type device struct {
	agent  *awsapi.Agent
	mirror *mirror.Mirror
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// start starts the Agent API and the mirror's loop on store (its data
// folder dir, "" in memory).
func (s *deviceSetup) start(store *secretstore.Store, dir string, log *slog.Logger, quiet bool) (*device, error) {
	dev := &device{}
	ctx, cancel := context.WithCancel(context.Background())
	dev.cancel = cancel
	if s.agentLn != nil {
		o := awsapi.AgentOptions{Token: s.token, MaxConnections: s.d.agentMaxConns, Principal: s.principal}
		if !quiet {
			o.Logger = log
		}
		agent, err := awsapi.NewAgent(store, o)
		if err != nil {
			cancel()
			return nil, err
		}
		dev.agent = agent
		principal := "none (every secret)"
		if s.principal != nil {
			principal = s.principal.Arn
		}
		log.Info("agent listening", "addr", s.agentLn.Addr().String(), "max_connections", s.d.agentMaxConns, "principal", principal)
		dev.wg.Add(1)
		go func() {
			defer dev.wg.Done()
			if err := agent.Serve(s.agentLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("the Agent API stopped", "error", err.Error())
			}
		}()
	}
	if s.source != nil {
		m := mirror.New(s.source, store, mirror.Options{Filters: s.filters, Logger: log})
		dev.mirror = m
		log.Info("mirroring", "source", s.source.Desc, "every", s.d.mirrorEvery.String(), "filters", strings.Join(s.d.mirrorFilters, " "))
		if dev.agent != nil && s.source.Region != store.RegionName() {
			log.Warn("the mirror writes the secrets into region "+s.source.Region+", the source's, but the Agent API reads --region "+store.RegionName()+": give serve --region "+s.source.Region+" for the Agent to read them",
				"mirror_region", s.source.Region, "region", store.RegionName())
		}
		loop := &mirror.Loop{
			Every: s.d.mirrorEvery,
			Wait:  s.wait,
			Pass: func(ctx context.Context) error {
				_, err := m.Pass(ctx)
				return err
			},
			Next: func(at time.Time) {
				m.SetNextPass(at)
				writeMirrorStatus(dir, s.d.mirrorEvery, m.Status(), log)
			},
		}
		dev.wg.Add(1)
		go func() {
			defer dev.wg.Done()
			loop.Run(ctx)
		}()
	}
	return dev, nil
}

// stop ends the mirror's pass, if one runs, and the Agent API (its
// requests in flight finish, for up to shutdownTimeout), and waits for
// them.
func (dev *device) stop() {
	if dev == nil {
		return
	}
	dev.cancel()
	if dev.agent != nil {
		ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		if dev.agent.Shutdown(ctx) != nil {
			dev.agent.Close()
		}
		cancel()
	}
	dev.wg.Wait()
}

// mirrorHealth is what the health document and the metrics say of the
// mirror with status st.
func mirrorHealth(st mirror.Status) *awsapi.MirrorStatus {
	h := &awsapi.MirrorStatus{From: st.Source, Passes: uint64(st.Passes), FailedPasses: uint64(st.Failures),
		LastPassEnded: st.LastPassAt, NextPass: st.NextPassAt}
	if st.LastErrorAt.Equal(st.LastPassAt) {
		h.LastPassError = st.LastError
	}
	if !st.LastPassAt.IsZero() && st.LastGoodPassAt.Equal(st.LastPassAt) {
		h.LastPassStarted = st.LastPassAt.Add(-st.LastPass.Duration)
	}
	return h
}

// mirrorStatusDoc is the mirror's status as serve writes it and "mirror
// status --json" prints it: mirror.Status's members (LastPass.Duration in
// nanoseconds) and Every, the period.
type mirrorStatusDoc struct {
	mirror.Status
	Every string
}

// writeMirrorStatus writes st into dir's status file, through a temporary
// file renamed over it, so a reader never sees half of it. A failure is
// only logged: the log has each pass too.
func writeMirrorStatus(dir string, every time.Duration, st mirror.Status, log *slog.Logger) {
	if dir == "" {
		return
	}
	b, err := json.MarshalIndent(mirrorStatusDoc{Status: st, Every: every.String()}, "", "  ")
	if err == nil {
		path := filepath.Join(dir, mirrorStatusFile)
		tmp := path + ".tmp"
		if err = os.WriteFile(tmp, append(b, '\n'), 0o600); err == nil {
			err = os.Rename(tmp, path)
		}
	}
	if err != nil {
		log.Warn("could not write the mirror's status into the data folder", "error", err.Error())
	}
}

// setupMirror is "secretstore mirror status".
func setupMirror(fs *flag.FlagSet) runFunc {
	var data string
	var asJSON bool
	fs.StringVar(&data, "data", defaultData, "the data folder `DIR` of the serve --mirror-from")
	fs.BoolVar(&asJSON, "json", false, "print the status as JSON, for scripts")
	return func(ctx context.Context, c *cli, args []string) error {
		if args[0] != "status" {
			return usageErrorf("unknown mirror command %q: the mirror command is \"mirror status\"", args[0])
		}
		return mirrorStatus(c, data, asJSON)
	}
}

// mirrorStatus prints the status serve --mirror-from keeps in data.
func mirrorStatus(c *cli, data string, asJSON bool) error {
	b, err := os.ReadFile(filepath.Join(data, mirrorStatusFile))
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%s has no mirror status: serve --mirror-from has not run a pass on it (an in-memory serve keeps its status in its log)", data)
	}
	if err != nil {
		return err
	}
	var doc mirrorStatusDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("the mirror status file %s is damaged: %w", filepath.Join(data, mirrorStatusFile), err)
	}
	if asJSON { // the file as serve wrote it: the status, with Every
		_, err := c.stdout.Write(b)
		return err
	}
	running := runningServerURL(data) != ""
	w := c.stdout
	when := func(t time.Time) string {
		if t.IsZero() {
			return "never"
		}
		return formatTime(t) + " (" + time.Since(t).Round(time.Second).String() + " ago)"
	}
	fmt.Fprintf(w, "source          %s, a pass every %s\n", doc.Source, doc.Every)
	if !running {
		fmt.Fprintf(w, "serve           not running on %s: this is the status its last run left\n", data)
	}
	fmt.Fprintf(w, "last good pass  %s\n", when(doc.LastGoodPassAt))
	fmt.Fprintf(w, "last pass       %s\n", when(doc.LastPassAt))
	if doc.LastError != "" {
		fmt.Fprintf(w, "last error      %s: %s\n", formatTime(doc.LastErrorAt), doc.LastError)
	}
	if doc.FailedPasses > 0 {
		fmt.Fprintf(w, "failed passes   %d in a row; the store serves what the last good pass left\n", doc.FailedPasses)
	}
	fmt.Fprintf(w, "secrets         %d at the source\n", doc.Secrets)
	if !doc.LastGoodPassAt.IsZero() {
		fmt.Fprintf(w, "that pass       %s\n", doc.LastPass)
	}
	if running && !doc.NextPassAt.IsZero() {
		fmt.Fprintf(w, "next pass       %s\n", formatTime(doc.NextPassAt))
	}
	return nil
}
