package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/secretstore-go/secretstore"
	"github.com/secretstore-go/secretstore/awsapi"
	"github.com/secretstore-go/secretstore/internal/arn"
	"github.com/secretstore-go/secretstore/internal/mirror"
)

// Defaults of serve.
const (
	defaultAddr = "127.0.0.1:4566" // LocalStack's port, already in users' configs
	defaultData = "./secretstore-data"
	// shutdownTimeout is how long a shutdown waits for requests in flight.
	shutdownTimeout = 10 * time.Second

	// The limits on clients, each a serve flag. A request (headers and
	// body) must arrive within the read timeout and its answer be sent
	// within the write timeout; a keep-alive connection is closed after
	// the idle timeout. Each client request is a few KiB at most (the API
	// refuses bodies over 1 MiB), so these are generous for any real client
	// and short for one that holds a connection without using it.
	defaultReadTimeout    = 30 * time.Second
	defaultWriteTimeout   = 30 * time.Second
	defaultIdleTimeout    = 60 * time.Second
	defaultMaxHeaderBytes = 64 << 10 // SigV4 headers are well under 4 KiB
	defaultMaxConnections = 1024
)

// Environment variables holding the access key pair serve accepts: those
// of --access-key-id and --secret-access-key (env.go).
var (
	accessKeyIDEnv     = envName("access-key-id")
	secretAccessKeyEnv = envName("secret-access-key")
)

// serveFlags are the flags of serve.
type serveFlags struct {
	addr            string
	data            string
	memory          bool
	region          string
	account         string
	extraRegions    string // --extra-regions: comma-separated
	keys            keyFlags
	accessKeyID     string
	secretAccessKey string
	testMode        bool
	quiet           bool
	limits          serverLimits
	memoryBudget    memoryBudget  // --memory-budget (membudget.go)
	rotators        rotatorFlags  // --rotator, --rotation-step-timeout (rotators.go)
	access          accessControl // --principals, --authz-mode (principals.go)
	device          deviceFlags   // --agent-*, --mirror-* (device.go)
	metricsAddr     string        // --metrics-addr (metrics.go)

	dataSet bool        // --data was given explicitly, or by its variable
	src     flagSources // the flags set from the environment (env.go)
}

func setupServe(fs *flag.FlagSet) runFunc {
	f := &serveFlags{}
	fs.StringVar(&f.addr, "addr", defaultAddr, "listen on `HOST:PORT` (port 0 picks a free port)")
	fs.StringVar(&f.data, "data", defaultData, "keep the store in folder `DIR`")
	fs.BoolVar(&f.memory, "memory", false, "keep the store in memory: everything is lost on exit")
	fs.StringVar(&f.region, "region", secretstore.DefaultRegion, "the default `REGION`; a request uses the one it is signed for")
	fs.StringVar(&f.account, "account", secretstore.DefaultAccountID, "the 12-digit `ACCOUNT` id in ARNs")
	fs.StringVar(&f.extraRegions, "extra-regions", "", "comma-separated `REGIONS` a replica may be in besides the AWS Regions secretstore knows (for a Region AWS opens later)")
	f.keys.register(fs)
	fs.StringVar(&f.accessKeyID, "access-key-id", "", "check signatures: accept only this access key `ID`")
	fs.StringVar(&f.secretAccessKey, "secret-access-key", "", "the secret access `KEY` of --access-key-id")
	fs.BoolVar(&f.testMode, "test-mode", false, "serve POST /_secretstore/{clock,reap,reset} for test suites (signed, with --access-key-id)")
	fs.BoolVar(&f.quiet, "quiet", false, "do not log every request")
	f.limits.register(fs)
	f.memoryBudget.register(fs)
	f.rotators.register(fs)
	f.access.register(fs)
	f.device.register(fs)
	fs.StringVar(&f.metricsAddr, "metrics-addr", "", "serve Prometheus metrics at http://`HOST:PORT`"+metricsPath+", a listener of their own (default: none)")
	return func(ctx context.Context, c *cli, args []string) error {
		src, err := applyEnv(fs, c.getenv)
		if err != nil {
			return err
		}
		if err := f.device.check(f.access.principals != ""); err != nil {
			return err
		}
		f.src = src
		f.dataSet = isSet(fs, "data")
		if err := f.limits.check(src); err != nil {
			return err
		}
		if err := f.rotators.check(src); err != nil {
			return err
		}
		if err := checkPlace(src, f.region, f.account); err != nil {
			return err
		}
		if f.memory && f.dataSet {
			return usageErrorf("%s and %s cannot be used together", src.name("memory"), src.name("data"))
		}
		return serve(ctx, c, f)
	}
}

// checkPlace refuses a region or account id that Open would refuse, naming
// the flag (or its environment variable, as src says) rather than the
// library's option.
func checkPlace(src flagSources, region, account string) error {
	if !arn.ValidRegion(region) {
		return usageErrorf("%s %q is not a region name like us-east-1", src.name("region"), region)
	}
	if len(account) != 12 || strings.Trim(account, "0123456789") != "" {
		return usageErrorf("%s %q is not a 12-digit AWS account id like 123456789012", src.name("account"), account)
	}
	return nil
}

// credentials returns the access key pair requests must be signed with, from
// the flags (or their variables); none when they give none.
func (f *serveFlags) credentials() ([]awsapi.Credentials, error) {
	id, secret := f.accessKeyID, f.secretAccessKey
	switch {
	case id == "" && secret == "":
		return nil, nil
	case id == "" || secret == "":
		return nil, usageErrorf("give both an access key id and a secret access key (--access-key-id and --secret-access-key, or %s and %s), or neither", accessKeyIDEnv, secretAccessKeyEnv)
	}
	return []awsapi.Credentials{{AccessKeyID: id, SecretAccessKey: secret}}, nil
}

// storeOptions returns the options to open the store with, master key
// included.
func (f *serveFlags) storeOptions(getenv func(string) string, log *slog.Logger) (o secretstore.Options, keySource string, err error) {
	o = secretstore.Options{Region: f.region, AccountID: f.account, Logger: log, MemoryBudget: f.memoryBudget.bytes(f.memory)}
	for r := range strings.SplitSeq(f.extraRegions, ",") {
		if r = strings.TrimSpace(r); r != "" {
			if !arn.ValidRegion(r) {
				return o, "", usageErrorf("%s: %q is not a region name like us-east-1", f.src.name("extra-regions"), r)
			}
			o.ExtraRegions = append(o.ExtraRegions, r)
		}
	}
	policy := keyGenerateFile
	if f.memory {
		o.InMemory, policy = true, keyEphemeral
	} else {
		o.Dir = f.data
	}
	source, err := f.keys.setMasterKey(&o, getenv, policy, log)
	if err != nil {
		return o, "", err
	}
	if f.memory {
		log.Warn("the store is in memory only: every secret is lost when the server stops")
	}
	return o, source, nil
}

// serve runs the server until ctx is done, then shuts it down gracefully:
// requests in flight finish (for up to shutdownTimeout) and the store is
// closed.
func serve(ctx context.Context, c *cli, f *serveFlags) error {
	log := slog.New(slog.NewTextHandler(c.stderr, nil))
	build := readBuildInfo()
	log.Info("secretstore", "version", build.Version, "revision", build.Revision, "go", build.GoVersion, "platform", build.Platform)
	creds, err := f.credentials()
	if err != nil {
		return err
	}
	principals, err := f.access.credentials(creds, f.account, log)
	if err != nil {
		return err
	}
	// Bind before creating anything: a busy port must not leave a new data
	// folder and master key behind.
	ln, err := listen(f.addr)
	if err != nil {
		return err
	}
	defer ln.Close() // on the early returns; Shutdown closes it otherwise
	// Bind --agent-addr, check its token and the mirror's source, as early.
	setup, err := f.device.prepare(ctx, c.getenv, principals)
	if err != nil {
		return err
	}
	defer setup.close()
	var mln net.Listener
	if f.metricsAddr != "" {
		if mln, err = listenMetrics(f.metricsAddr); err != nil {
			return err
		}
		defer mln.Close()
	}
	o, keySource, err := f.storeOptions(c.getenv, log)
	if err != nil {
		return err
	}
	f.limitMemory(c, o.MemoryBudget, log)
	rotatorCreds := creds
	if len(creds) == 0 && len(principals) > 0 && f.rotators.execs() {
		// Only principals: rotation functions get a key of their own, as a
		// Lambda function has its execution role.
		rc, err := rotationCredentials(f.account)
		if err != nil {
			return err
		}
		principals, rotatorCreds = append(principals, rc), []awsapi.Credentials{rc}
	}
	rotators, rotatorEndpoint := f.rotators.rotators(rotatorCreds, log)
	o.Rotators, o.RotationStepTimeout = rotators, f.rotators.stepTimeout
	creds = append(creds, principals...)
	// The mirror, once it runs (before the server serves), for the health
	// document and the metrics.
	var mirrored *mirror.Mirror
	mirrorStatus := func() *awsapi.MirrorStatus {
		if mirrored == nil {
			return nil
		}
		return mirrorHealth(mirrored.Status())
	}
	ho := awsapi.Options{Credentials: creds, Backup: true, TestModeName: "secretstore serve --test-mode",
		Version: build.short(), Started: time.Now(), Mirror: mirrorStatus}
	if keySource == keySourceThrowaway {
		ho.BackupRefusal = "this server keeps its store in memory under a throwaway master key that is never shown (serve --memory with no master key), so a backup of it could never be restored: start it with --master-key-file or " + masterKeyEnv + " to take backups"
	}
	var m *metrics
	if mln != nil {
		m = newMetrics(build, mirrorStatus)
		ho.OnRequest = m.onRequest
	}
	o.OnEvent = chainEvents(f.access.onEvent(log), m.eventHook())
	if !f.quiet {
		ho.Logger = log
	}
	if f.testMode {
		clock := newOffsetClock(time.Now)
		o.Clock, ho.Clock, ho.TestMode = clock, clock, true
	}
	store, err := secretstore.Open(ctx, o)
	if err != nil {
		return openError(err, o.Dir, keySource, false)
	}
	rotatorEndpoint.listening(endpointURL(ln.Addr())) // exec rotators wait for it
	setup.wait = c.wait
	dev, err := setup.start(store, o.Dir, log, f.quiet)
	if err != nil {
		store.Close()
		return err
	}
	if dev.mirror != nil {
		mirrored = dev.mirror
	}
	bodies := newBodyLimiter(bodyBudget(o.MemoryBudget), maxRequestBody)
	srv := f.limits.server(bodies.handler(awsapi.New(store, ho)), log)
	limited := newLimitListener(ln, f.limits.maxConnections, log)
	var msrv *http.Server
	if m != nil {
		m.setStore(store, limited.open)
		msrv = f.limits.server(m.handler(log), log)
		go msrv.Serve(mln) // ends with ErrServerClosed at shutdown, or with the listener
		log.Info("serving metrics", "url", "http://"+mln.Addr().String()+metricsPath)
	}
	if c.onListen != nil {
		c.onListen(limited) // before the "listening" line a test waits for
	}
	// The address file first: whoever sees the "listening" line (a person,
	// a script, a test) finds it when a client command meets the folder in
	// use.
	removeAddr := writeServerAddress(o.Dir, endpointURL(ln.Addr()), log) // for the clients' folder-in-use message
	logStart(log, c, f, ln.Addr(), len(creds) > 0)
	ln = limited
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	select {
	case err := <-served: // Serve fails only if the listener does
		removeAddr()
		dev.stop()
		if msrv != nil {
			msrv.Close()
		}
		store.Close()
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	if c.stopSignals != nil {
		c.stopSignals() // a second Ctrl-C kills at once
	}
	log.Info("shutting down: waiting for requests in flight")
	removeAddr() // before the folder is unlocked: a new server may write its own
	dev.stop()   // the mirror's pass and the Agent API, before the store closes
	return shutdown(srv, msrv, store, log)
}

// shutdown stops srv (and msrv, the metrics server, if any) gracefully,
// then closes the store.
func shutdown(srv, msrv *http.Server, store *secretstore.Store, log *slog.Logger) error {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if msrv != nil {
		msrv.Close() // a scrape is cut: it reads nothing that needs finishing
	}
	if err := srv.Shutdown(ctx); err != nil {
		log.Warn("requests still running after the shutdown timeout were cut off", "timeout", shutdownTimeout)
		srv.Close()
	}
	if err := store.Close(); err != nil {
		return fmt.Errorf("closing the store: %w", err)
	}
	log.Info("stopped")
	return nil
}

// logStart logs where the server listens and how it is set up, and prints a
// command a person can copy to try it.
func logStart(log *slog.Logger, c *cli, f *serveFlags, addr net.Addr, signed bool) {
	data := "memory"
	if !f.memory {
		data = absPath(f.data)
	}
	checks := "off (any signature is accepted)"
	if signed {
		checks = "on"
	}
	log.Info("listening", "addr", addr.String(), "data", data, "region", f.region,
		"signature_checks", checks, "test_mode", f.testMode,
		"read_timeout", f.limits.readTimeout, "write_timeout", f.limits.writeTimeout, "idle_timeout", f.limits.idleTimeout,
		"max_header_bytes", f.limits.maxHeaderBytes, "max_connections", f.limits.maxConnections)
	if f.quiet {
		return
	}
	id, secret := "test", "test"
	if signed {
		id, secret = f.credentialID(), "<your secret access key>"
	}
	fmt.Fprintf(c.stderr, "\nReady. Try:\n  AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s AWS_DEFAULT_REGION=%s aws --endpoint-url %s secretsmanager list-secrets\n\n",
		id, secret, f.region, endpointURL(addr))
}

// credentialID returns the access key id serve accepts.
func (f *serveFlags) credentialID() string {
	if f.accessKeyID != "" || f.access.principals == "" {
		return f.accessKeyID
	}
	return "<an AccessKeyId of " + f.access.principals + ">"
}

// endpointURL returns the URL a client on this machine reaches addr with.
func endpointURL(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return "http://" + addr.String()
	}
	host := tcp.IP.String()
	switch {
	case tcp.IP.IsUnspecified():
		host = "127.0.0.1"
	case strings.Contains(host, ":"):
		host = "[" + host + "]"
	}
	return fmt.Sprintf("http://%s:%d", host, tcp.Port)
}

// openError explains an error of secretstore.Open: a folder locked by
// another process, the wrong master key (from keySource), or damaged files.
// The error it returns still matches err's sentinels (errors.Is).
func openError(err error, dir, keySource string, client bool) error {
	switch {
	case isLocked(err) && client:
		return &explained{fmt.Sprintf("the data folder %s is in use — is `secretstore serve` running? Use the AWS CLI against it instead (%s), or stop the server first", dir, awsCLIHint(dir)), err}
	case isLocked(err):
		return &explained{fmt.Sprintf("the data folder %s is in use by another process: another `secretstore serve`, or a client command still running", dir), err}
	case errors.Is(err, secretstore.ErrWrongMasterKey):
		return fmt.Errorf("%w (data folder %s, key from %s)", err, dir, keySource)
	case errors.Is(err, secretstore.ErrCorrupt):
		return fmt.Errorf("%w\nTo salvage what can be read into a new folder and see what was lost:\n  secretstore recover --data %s --to NEW-FOLDER\nthen check it with \"secretstore verify --data NEW-FOLDER\" and serve that folder", err, dir)
	}
	return err
}

// explained is an error with a message for people in place of its cause's.
type explained struct {
	msg   string
	cause error
}

func (e *explained) Error() string { return e.msg }
func (e *explained) Unwrap() error { return e.cause }

// isLocked reports whether err is Open refusing a folder another process
// holds.
func isLocked(err error) bool {
	return errors.Is(err, secretstore.ErrDataFolderInUse)
}

// chainEvents returns an OnEvent hook calling each of hooks that is not
// nil, or nil when none is.
func chainEvents(hooks ...func(secretstore.Event)) func(secretstore.Event) {
	var live []func(secretstore.Event)
	for _, h := range hooks {
		if h != nil {
			live = append(live, h)
		}
	}
	switch len(live) {
	case 0:
		return nil
	case 1:
		return live[0]
	}
	return func(ev secretstore.Event) {
		for _, h := range live {
			h(ev)
		}
	}
}
