// Command memload measures the memory of a real "secretstore serve" process
// under load from this separate process, as users run it: for each memory
// budget it starts the binary on a new data folder with --memory-budget,
// creates -secrets secrets of -value bytes, then runs -clients concurrent
// clients for -duration, each doing, at random, half GetSecretValue and half
// PutSecretValue of a new -value byte value, over loopback HTTP (unsigned:
// serve without --access-key-id accepts any request). Every 50 ms it reads
// the server's /proc/PID/status and keeps the peaks of VmRSS, RssAnon and
// RssFile; at the end it reads VmHWM. It prints one row per budget: RssAnon
// at rest (after the secrets were created, before the load: the floor), the
// peaks, RssAnon's peak against the budget, the calls made and the errors
// by code. GOMEMLIMIT in its environment reaches the server (GOMEMLIMIT=off
// measures it without the limit serve sets).
// Any error other than LimitExceededException (a secret's version quota,
// reached by a secret that got 100 writes within a day) makes the exit
// status 1.
//
//	go run ./tests/memload                                  # 32, 64 and 128 MiB, 64 clients, 60 s each
//	go run ./tests/memload -budgets 32MiB -duration 10s     # one quick run
//
// It is a measurement, not a test: BENCHMARKS.md ("Bounded memory under
// load") records its output with the machine it ran on. Linux only (it
// reads /proc).
package main

import (
	"bufio"
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/google/uuid"
	"github.com/secretstore-go/secretstore/internal/proc"
)

type config struct {
	bin      string
	budgets  []string
	clients  int
	duration time.Duration
	secrets  int
	value    int
	extra    string
	keep     bool
}

func main() {
	var cfg config
	var budgets string
	flag.StringVar(&cfg.bin, "bin", "", "the secretstore binary; default: go build ./cmd/secretstore into a temporary folder")
	flag.StringVar(&budgets, "budgets", "32MiB,64MiB,128MiB", "comma-separated --memory-budget values, one run each")
	flag.IntVar(&cfg.clients, "clients", 64, "concurrent clients")
	flag.DurationVar(&cfg.duration, "duration", 60*time.Second, "how long the load of each run lasts")
	flag.IntVar(&cfg.secrets, "secrets", 1000, "secrets created before the load")
	flag.IntVar(&cfg.value, "value", 1024, "bytes of each value written")
	flag.StringVar(&cfg.extra, "serve-args", "", "more arguments for serve, separated by spaces")
	flag.BoolVar(&cfg.keep, "keep", false, "keep the data folders")
	flag.Parse()
	cfg.budgets = strings.Split(budgets, ",")
	if runtime.GOOS != "linux" {
		fmt.Fprintln(os.Stderr, "memload: reads /proc: Linux only")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "memload:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cfg config) error {
	tmp, err := os.MkdirTemp("", "memload-")
	if err != nil {
		return err
	}
	if !cfg.keep {
		defer os.RemoveAll(tmp)
	}
	if cfg.bin == "" {
		cfg.bin = filepath.Join(tmp, "secretstore")
		build := exec.CommandContext(ctx, "go", "build", "-o", cfg.bin, "./cmd/secretstore")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("building the binary (run from the repository's root, or give -bin): %w", err)
		}
	}
	fmt.Printf("%d clients, half GetSecretValue, half PutSecretValue of %d bytes, on %d secrets, %v a run; %s, %d CPUs\n\n",
		cfg.clients, cfg.value, cfg.secrets, cfg.duration, runtime.GOARCH, runtime.NumCPU())
	fmt.Println("| --memory-budget | RssAnon at rest | peak VmRSS | peak RssAnon | peak RssFile | VmHWM | peak RssAnon / budget | calls | calls/s | errors |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
	failed := false
	for i, b := range cfg.budgets {
		r, err := measure(ctx, cfg, filepath.Join(tmp, fmt.Sprintf("data-%d", i)), strings.TrimSpace(b))
		if err != nil {
			return err
		}
		fmt.Println(r.row())
		if r.unexpected > 0 {
			failed = true
		}
	}
	if failed {
		return errors.New("errors other than LimitExceededException")
	}
	return nil
}

// result is one run's measurements.
type result struct {
	budget          string
	budgetBytes     int64
	rest            proc.Memory // after the secrets were created, before the load: the floor
	peak            proc.Memory // the largest of each figure, each on its own
	hwm             int64
	calls           int64
	elapsed         time.Duration
	errors          map[string]int64
	unexpected      int64
	firstUnexpected string
}

func (r result) row() string {
	var codes []string
	for c := range r.errors {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	var errs []string
	for _, c := range codes {
		errs = append(errs, fmt.Sprintf("%s %d", c, r.errors[c]))
	}
	if len(errs) == 0 {
		errs = []string{"none"}
	}
	e := strings.Join(errs, ", ")
	if r.firstUnexpected != "" {
		e += " (first: " + r.firstUnexpected + ")"
	}
	return fmt.Sprintf("| %s | %s | %s | %s | %s | %s | %.2f | %d | %.0f | %s |", r.budget, mib(r.rest.Anon), mib(r.peak.RSS), mib(r.peak.Anon), mib(r.peak.File), mib(r.hwm),
		float64(r.peak.Anon)/float64(r.budgetBytes), r.calls, float64(r.calls)/r.elapsed.Seconds(), e)
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

var listeningRE = regexp.MustCompile(`msg=listening addr=(\S+)`)

// measure runs one budget.
func measure(ctx context.Context, cfg config, dir, budget string) (result, error) {
	r := result{budget: budget, errors: map[string]int64{}}
	key := make([]byte, 32)
	crand.Read(key)
	args := []string{"serve", "--addr", "127.0.0.1:0", "--data", dir, "--quiet", "--memory-budget", budget, "--max-connections", strconv.Itoa(4 * cfg.clients)}
	if cfg.extra != "" {
		args = append(args, strings.Fields(cfg.extra)...)
	}
	cmd := exec.Command(cfg.bin, args...)
	cmd.Env = append(os.Environ(), "SECRETSTORE_MASTER_KEY="+base64.StdEncoding.EncodeToString(key))
	proc.SetDeathSignal(cmd)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return r, err
	}
	if err := cmd.Start(); err != nil {
		return r, err
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	}()
	addr := make(chan string, 1)
	var logTail bytes.Buffer
	var logMu sync.Mutex
	go func() {
		sc := bufio.NewScanner(stderr)
		sent := false
		for sc.Scan() {
			line := sc.Text()
			if m := listeningRE.FindStringSubmatch(line); m != nil && !sent {
				addr <- "http://" + m[1]
				sent = true
				continue
			}
			if strings.Contains(line, "level=WARN") || strings.Contains(line, "level=ERROR") {
				logMu.Lock()
				if logTail.Len() < 4096 {
					logTail.WriteString(line + "\n")
				}
				logMu.Unlock()
			}
		}
	}()
	var url string
	select {
	case url = <-addr:
	case <-time.After(60 * time.Second):
		return r, errors.New("serve did not log its address within 60s")
	}
	budgetBytes, err := budgetOf(budget)
	if err != nil {
		return r, err
	}
	r.budgetBytes = budgetBytes

	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: cfg.clients, MaxConnsPerHost: cfg.clients}}
	defer c.CloseIdleConnections()
	names := make([]string, cfg.secrets)
	value := strings.Repeat("v", cfg.value)
	for i := range names {
		names[i] = fmt.Sprintf("load/%05d", i)
		if _, err := call(ctx, c, url, "CreateSecret", map[string]any{"Name": names[i], "SecretString": value, "ClientRequestToken": uuid.NewString()}); err != nil {
			return r, fmt.Errorf("creating %s: %w", names[i], err)
		}
	}

	if r.rest, err = proc.ReadMemory(cmd.Process.Pid); err != nil {
		return r, err
	}
	loadCtx, cancel := context.WithTimeout(ctx, cfg.duration)
	defer cancel()
	var mu sync.Mutex
	var calls atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for w := range cfg.clients {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), uint64(time.Now().UnixNano())))
			buf := make([]byte, cfg.value*3/4)
			for loadCtx.Err() == nil {
				name := names[rng.IntN(len(names))]
				var code string
				var err error
				if rng.IntN(2) == 0 {
					code, err = call(loadCtx, c, url, "GetSecretValue", map[string]any{"SecretId": name})
				} else {
					for i := range buf {
						buf[i] = byte(rng.Uint32())
					}
					v := base64.StdEncoding.EncodeToString(buf)[:cfg.value]
					code, err = call(loadCtx, c, url, "PutSecretValue", map[string]any{"SecretId": name, "SecretString": v, "ClientRequestToken": uuid.NewString()})
				}
				if loadCtx.Err() != nil {
					return
				}
				calls.Add(1)
				if err != nil {
					mu.Lock()
					r.errors[code]++
					if code != "LimitExceededException" {
						r.unexpected++
						if r.firstUnexpected == "" {
							r.firstUnexpected = err.Error()
						}
					}
					mu.Unlock()
				}
			}
		})
	}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for loop := true; loop; {
		m, err := proc.ReadMemory(cmd.Process.Pid)
		if err != nil {
			return r, err
		}
		r.peak.RSS, r.peak.Anon, r.peak.File = max(r.peak.RSS, m.RSS), max(r.peak.Anon, m.Anon), max(r.peak.File, m.File)
		r.hwm = m.HWM
		select {
		case <-done:
			loop = false
		case <-tick.C:
		}
	}
	r.elapsed = time.Since(start)
	r.calls = calls.Load()
	if r.unexpected > 0 {
		logMu.Lock()
		fmt.Fprintf(os.Stderr, "the server's warnings and errors:\n%s", logTail.String())
		logMu.Unlock()
	}
	return r, ctx.Err()
}

// call makes one unsigned Secrets Manager call and returns the error code
// of a failure.
func call(ctx context.Context, c *http.Client, url, op string, in map[string]any) (string, error) {
	body, _ := json.Marshal(in)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("X-Amz-Target", "secretsmanager."+op)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	resp, err := c.Do(req)
	if err != nil {
		return "transport", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "transport", err
	}
	if resp.StatusCode == http.StatusOK {
		return "", nil
	}
	var e struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	json.Unmarshal(b, &e)
	if e.Type == "" {
		e.Type = "HTTP " + strconv.Itoa(resp.StatusCode)
	}
	return e.Type, fmt.Errorf("%s: %s: %s", op, e.Type, e.Message)
}

// budgetOf parses a budget as serve does, for the binary units only.
func budgetOf(s string) (int64, error) {
	units := map[string]int64{"": 1, "k": 1 << 10, "kib": 1 << 10, "m": 1 << 20, "mib": 1 << 20, "g": 1 << 30, "gib": 1 << 30}
	i := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	if i < 0 {
		i = len(s)
	}
	n, err := strconv.ParseInt(s[:i], 10, 64)
	mult, ok := units[strings.ToLower(s[i:])]
	if err != nil || !ok {
		return 0, fmt.Errorf("budget %q: give it as 32MiB or 33554432", s)
	}
	return n * mult, nil
}
