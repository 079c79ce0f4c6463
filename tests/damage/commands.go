package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The commands run on every case, each on its own fresh copy of the
// damaged folder, in this order.
var allCommands = []string{"open", "serve", "get", "list", "verify", "backup"}

// serveStopTimeout bounds serve's shutdown after SIGTERM.
const serveStopTimeout = 20 * time.Second

// caseRun is the run of one case.
type caseRun struct {
	h       *harness
	c       dcase
	st      *state
	dir     string // the case's working folder
	damaged string // the damaged data folder, the source of the copies
	// damagedSnap is the damaged folder's snapshot, and so every fresh
	// copy's (copies keep every byte and mode; the folder itself gets the
	// state's mode).
	damagedSnap snapshot
	copies      int

	// lib is the library's read of a fresh copy of the damaged folder, once
	// made (by "open", or by "verify" when open is not run).
	lib *libOutcome
}

// fresh returns a new copy of the damaged folder, and its snapshot (the
// damaged folder's: the copy is the same, byte for byte).
func (cr *caseRun) fresh(name string) (string, snapshot, error) {
	cr.copies++
	dir := filepath.Join(cr.dir, fmt.Sprintf("%s-%d", name, cr.copies))
	if err := os.Mkdir(dir, 0o700); err != nil {
		return "", nil, err
	}
	data := filepath.Join(dir, "data")
	if err := copyTree(cr.damaged, data, cr.st.rootMode); err != nil {
		return "", nil, err
	}
	return data, cr.damagedSnap, nil
}

// changes returns how the folder data differs from before.
func changes(data string, before snapshot) []string {
	after, err := takeSnapshot(data)
	if err != nil {
		return []string{"the folder cannot be read: " + err.Error()}
	}
	return before.diff(after)
}

// noteDeleted adds to a failure the files of the folder data that the run
// deleted: a run that opened a damaged folder and lost data has often
// deleted files (the tables a MANIFEST no longer lists).
func noteDeleted(v verdict, data string, before snapshot) verdict {
	if v.Outcome != failure || strings.HasPrefix(v.Category, "refusal") {
		return v // a refusal's reason lists every change already
	}
	var deleted []string
	for _, c := range changes(data, before) {
		if strings.HasPrefix(c, "-") {
			deleted = append(deleted, c[1:])
		}
	}
	if len(deleted) > 0 {
		v.Reason += "; the run deleted " + summarizeChanges(deleted)
	}
	return v
}

// run runs command name on the case.
func (cr *caseRun) run(ctx context.Context, name string) verdict {
	switch name {
	case "open":
		return cr.open(ctx)
	case "serve":
		return cr.serve(ctx)
	case "get":
		return cr.get(ctx)
	case "list":
		return cr.list(ctx)
	case "verify":
		return cr.verify(ctx)
	case "backup":
		return cr.backup(ctx)
	}
	panic("damage: unknown command " + name)
}

// cli runs the secretstore binary.
func (cr *caseRun) cli(ctx context.Context, args ...string) output {
	return runCmd(ctx, cr.h.cfg.timeout, nil, cr.h.bin, args...)
}

// cliMessage is what a CLI command said, for the refusal check.
func cliMessage(o output) string { return strings.TrimSpace(o.Stderr + "\n" + o.Stdout) }

// harnessError is a verdict for a case the harness itself could not run.
func harnessError(err error) verdict { return fail("harness error", "%v", err) }

// ---- the library ----------------------------------------------------------

// libOutcome is a run of the library reading child.
type libOutcome struct {
	out output
	res *libResult // nil when it printed none
}

func (lo libOutcome) describe() string {
	if lo.res != nil && lo.res.Err != "" {
		return lo.res.Err
	}
	if isPanic(lo.out.Stderr) {
		return "panic: " + panicLine(lo.out.Stderr)
	}
	return fmt.Sprintf("%v: %s", lo.out.exitInfo, errorLine(lo.out.Stderr))
}

// libChild runs the library reading child on the folder data with the key
// in keyFile, reading the secrets of the acknowledged list at acks too.
func (h *harness) libChild(ctx context.Context, data, keyFile, acks string) libOutcome {
	out := runCmd(ctx, h.cfg.timeout, nil, h.exe, "-child", "read", "-data", data, "-key", keyFile, "-acks", acks)
	lo := libOutcome{out: out}
	var res libResult
	if json.Unmarshal([]byte(out.Stdout), &res) == nil && (res.Opened || res.Err != "") {
		lo.res = &res
	}
	return lo
}

// runReadChild is the library reading child: it prints a libResult as JSON
// and exits with status 0 when Open opened the folder, 1 when it did not.
func runReadChild(data, keyFile, acks string) int {
	b, err := os.ReadFile(acks)
	if err != nil {
		fmt.Fprintln(os.Stderr, "damage child:", err)
		return 3
	}
	var l ackList
	if err := json.Unmarshal(b, &l); err != nil {
		fmt.Fprintln(os.Stderr, "damage child:", err)
		return 3
	}
	var names []string
	for _, s := range l.Secrets {
		names = append(names, s.Name)
	}
	res := libRead(context.Background(), data, keyFile, names)
	out, err := json.Marshal(res)
	if err != nil {
		fmt.Fprintln(os.Stderr, "damage child:", err)
		return 3
	}
	os.Stdout.Write(append(out, '\n'))
	if !res.Opened {
		return refusalExit
	}
	return 0
}

// judgeLib judges a library read of the copy data.
func (cr *caseRun) judgeLib(lo libOutcome, data string, before snapshot) verdict {
	if lo.res != nil && lo.res.Opened && lo.out.Code == 0 {
		if v := judgeContents(cr.st.acks, compareDump(cr.st.acks, lo.res.Dump)); v.Outcome != opened {
			return v
		}
		if lo.res.CloseErr != "" {
			return fail("close failed", "Close after reading: %s", lo.res.CloseErr)
		}
		return ok()
	}
	a := attempt{exit: lo.out.exitInfo, message: lo.out.Stderr, lib: lo.res, folder: data, changes: changes(data, before)}
	if lo.res != nil {
		a.message = lo.res.Err
	}
	return judgeRefusal(a, cr.c.File)
}

// open: secretstore.Open with the key file of the folder, read everything,
// Close.
func (cr *caseRun) open(ctx context.Context) verdict {
	data, before, err := cr.fresh("open")
	if err != nil {
		return harnessError(err)
	}
	lo := cr.h.libChild(ctx, data, filepath.Join(data, keyFileName), cr.st.ackPath)
	cr.lib = &lo
	return noteDeleted(cr.judgeLib(lo, data, before), data, before)
}

// libRead returns the library's read of a fresh copy: open's, or a new
// one.
func (cr *caseRun) libRead(ctx context.Context) (libOutcome, error) {
	if cr.lib == nil {
		data, _, err := cr.fresh("read")
		if err != nil {
			return libOutcome{}, err
		}
		lo := cr.h.libChild(ctx, data, filepath.Join(data, keyFileName), cr.st.ackPath)
		cr.lib = &lo
	}
	return *cr.lib, nil
}

// ---- serve ----------------------------------------------------------------

// listeningLine finds the address in serve's "listening" log line.
var listeningLine = regexp.MustCompile(`msg=listening addr=(\S+)`)

// serve: "secretstore serve" on a free port, every secret read through the
// AWS SDK, then SIGTERM.
func (cr *caseRun) serve(ctx context.Context) verdict {
	data, before, err := cr.fresh("serve")
	if err != nil {
		return harnessError(err)
	}
	ctx, cancel := context.WithTimeout(ctx, cr.h.cfg.timeout)
	defer cancel()
	// Not --quiet: serve logs the panics it turns into InternalServiceError.
	cmd := exec.Command(cr.h.bin, "serve", "--data", data, "--addr", "127.0.0.1:0")
	var stdout limitedBuffer
	cmd.Stdout = &stdout
	// A pipe of our own, not StderrPipe: Wait (which procs.Start calls at
	// once) would close that before everything was read.
	pipe, w, err := os.Pipe()
	if err != nil {
		return harnessError(err)
	}
	defer pipe.Close()
	cmd.Stderr = w
	p, err := procs.Start(cmd)
	w.Close()
	if err != nil {
		return harnessError(err)
	}
	defer p.Kill()
	var mu sync.Mutex
	var stderr strings.Builder
	addrc := make(chan string, 1)
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		sc := bufio.NewScanner(pipe)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			mu.Lock()
			if stderr.Len() < maxOutput {
				stderr.WriteString(sc.Text() + "\n")
			}
			mu.Unlock()
			if m := listeningLine.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case addrc <- m[1]:
				default:
				}
			}
		}
		io.Copy(io.Discard, pipe)
	}()
	said := func() string {
		mu.Lock()
		defer mu.Unlock()
		return stderr.String()
	}
	// The address: from the log line, or from the file serve writes into
	// the folder.
	var addr string
	poll := time.NewTicker(50 * time.Millisecond)
	defer poll.Stop()
	for addr == "" {
		select {
		case addr = <-addrc:
		case <-poll.C:
			if b, err := os.ReadFile(filepath.Join(data, "server.address")); err == nil && strings.HasSuffix(string(b), "\n") {
				addr = strings.TrimPrefix(strings.TrimSpace(string(b)), "http://")
			}
		case <-p.Done:
			<-copied
			return judgeRefusal(attempt{exit: ended(p), message: said(), folder: data, changes: changes(data, before)}, cr.c.File)
		case <-ctx.Done():
			p.Kill()
			return fail("timeout", "serve neither listened nor exited within %v: %s", cr.h.cfg.timeout, errorLine(said()))
		}
	}
	api, closeConns := newWireAPI("http://" + addr)
	d := readAll(ctx, api, ackNames(cr.st.acks))
	closeConns()
	if ctx.Err() != nil {
		return fail("timeout", "reading every secret from serve took more than %v", cr.h.cfg.timeout)
	}
	select {
	case <-p.Done:
		<-copied
		if isPanic(said()) {
			return fail("panic", "serve panicked while it was read: %s", panicLine(said()))
		}
		return fail("serve exited while it was read", "serve ended with %v while it was read: %s", ended(p), lastLine(said()))
	default:
	}
	p.Cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.Done:
	case <-time.After(serveStopTimeout):
		p.Kill()
		return fail("serve did not stop", "serve did not stop within %v of SIGTERM", serveStopTimeout)
	}
	<-copied
	if line := servedPanic(said()); line != "" {
		return fail("panic", "serve answered InternalServiceError for a panic: %s", line)
	}
	if v := judgeContents(cr.st.acks, compareDump(cr.st.acks, d)); v.Outcome != opened {
		return noteDeleted(v, data, before)
	}
	if e := ended(p); e.Code != 0 {
		return fail("serve failed to stop cleanly", "serve ended with %v after SIGTERM: %s", e, lastLine(said()))
	}
	return ok()
}

// lastLine returns the last line of msg that is not empty.
func lastLine(msg string) string {
	lines := strings.Split(strings.TrimSpace(msg), "\n")
	return oneLine(lines[len(lines)-1])
}

func ackNames(l *ackList) []string {
	var names []string
	for _, s := range l.Secrets {
		names = append(names, s.Name)
	}
	return names
}

// ---- get, list, verify ----------------------------------------------------

// getNames returns the secrets "get" reads: every one with -full; else the
// binary secret, the one with a custom label, one scheduled for deletion
// and one drawn at random.
func (cr *caseRun) getNames() []string {
	names := ackNames(cr.st.acks)
	if cr.h.cfg.full {
		return names
	}
	pick := []string{secretName(roleBinary), secretName(roleBlue), secretName(roleDeleted)}
	rng := rand.New(rand.NewPCG(cr.h.cfg.seed, uint64(len(cr.dir))))
	for {
		if n := names[rng.IntN(len(names))]; !slices.Contains(pick, n) {
			return append(pick, n)
		}
	}
}

// get: "secretstore get --json NAME" for each of getNames, one after the
// other on the same copy. A secret scheduled for deletion must be refused
// with InvalidRequestException, as in AWS.
func (cr *caseRun) get(ctx context.Context) verdict {
	data, before, err := cr.fresh("get")
	if err != nil {
		return harnessError(err)
	}
	var read []string // the secrets read so far: the folder opened
	for _, name := range cr.getNames() {
		a := cr.st.acks.secret(name)
		out := cr.cli(ctx, "get", "--data", data, "--json", name)
		switch {
		case out.Code == 0 && a.Deleted:
			return fail("mismatch: "+pDeletion, "get %s prints a value of a secret scheduled for deletion", name)
		case out.Code == 0:
			if ps := judgeGet(a, out.Stdout); len(ps) > 0 {
				return noteDeleted(judgeContents(cr.st.acks, ps), data, before)
			}
		case a.Deleted && out.Code == refusalExit && isMarkedForDeletion(out.Stderr):
		case awsErrorCode(out.Stderr) != "":
			// The store opened the folder, and answered with an error.
			kind := pReadErr
			if awsErrorCode(out.Stderr) == "ResourceNotFoundException" {
				kind = pMissing
			}
			return noteDeleted(judgeContents(cr.st.acks, []problem{{name, kind, "get: " + errorLine(out.Stderr)}}), data, before)
		case len(read) > 0:
			// An earlier get opened this folder (and may have changed it).
			v := judgeRefusal(attempt{exit: out.exitInfo, message: cliMessage(out)}, cr.c.File)
			if v.Outcome == failure && !strings.HasPrefix(v.Category, "refusal") {
				v.Reason = fmt.Sprintf("get %s (after get of %s opened the same folder): %s", name, strings.Join(read, ", "), v.Reason)
				return v // a panic, a time out
			}
			return fail("refused after it opened", "get %s: %v after get of %s opened the same folder: %s",
				name, out.exitInfo, strings.Join(read, ", "), errorLine(cliMessage(out)))
		default:
			return judgeRefusal(attempt{exit: out.exitInfo, message: cliMessage(out), folder: data, changes: changes(data, before)}, cr.c.File)
		}
		read = append(read, name)
	}
	return ok()
}

// list: "secretstore list --json".
func (cr *caseRun) list(ctx context.Context) verdict {
	data, before, err := cr.fresh("list")
	if err != nil {
		return harnessError(err)
	}
	out := cr.cli(ctx, "list", "--data", data, "--json")
	if out.Code == 0 {
		return noteDeleted(judgeContents(cr.st.acks, judgeList(cr.st.acks, out.Stdout)), data, before)
	}
	if code := awsErrorCode(out.Stderr); code != "" {
		return fail("opened, then failed with "+code, "list: %s", errorLine(out.Stderr))
	}
	return judgeRefusal(attempt{exit: out.exitInfo, message: cliMessage(out), folder: data, changes: changes(data, before)}, cr.c.File)
}

// verify: "secretstore verify"; exit status 0 must mean the data is intact,
// as the library reads it on another copy.
func (cr *caseRun) verify(ctx context.Context) verdict {
	data, before, err := cr.fresh("verify")
	if err != nil {
		return harnessError(err)
	}
	out := cr.cli(ctx, "verify", "--data", data)
	if out.Code != 0 {
		v := judgeRefusal(attempt{exit: out.exitInfo, message: cliMessage(out), folder: data, changes: changes(data, before)}, cr.c.File)
		if v.Outcome == failure && out.Code == refusalExit && verifyFoundProblems(cliMessage(out)) {
			// It opened the folder and listed damaged secrets: not the
			// refusal at open that damage calls for.
			v.Category = "verify: lists problems, not a refusal (" + strings.TrimPrefix(v.Category, "refusal: ") + ")"
		}
		return v
	}
	lo, err := cr.libRead(ctx)
	if err != nil {
		return harnessError(err)
	}
	if lo.res == nil || !lo.res.Opened {
		return noteDeleted(fail("verify 0 on a damaged folder", "verify exits 0 (no problems), but the library does not open the folder: %s", lo.describe()), data, before)
	}
	if ps := compareDump(cr.st.acks, lo.res.Dump); len(ps) > 0 {
		_, reason := summarizeProblems(cr.st.acks, ps)
		return noteDeleted(fail("verify 0 on a damaged folder", "verify exits 0 (no problems), but %s", reason), data, before)
	}
	return ok()
}

// ---- backup -----------------------------------------------------------------

// backup: "secretstore backup", then "secretstore restore" of the backup
// into a new folder (with the master key kept outside the folder), read
// back through the library.
func (cr *caseRun) backup(ctx context.Context) verdict {
	data, before, err := cr.fresh("backup")
	if err != nil {
		return harnessError(err)
	}
	dir := filepath.Dir(data)
	file := filepath.Join(dir, "backup.ssb")
	out := cr.cli(ctx, "backup", "--data", data, file)
	if code := awsErrorCode(out.Stderr); out.Code != 0 && code != "" {
		return fail("opened, then failed with "+code, "backup: %s", errorLine(out.Stderr))
	}
	if out.Code != 0 {
		return judgeRefusal(attempt{exit: out.exitInfo, message: cliMessage(out), folder: data, changes: changes(data, before)}, cr.c.File)
	}
	restored := filepath.Join(dir, "restored")
	if out := cr.cli(ctx, "restore", file, "--data", restored, "--master-key-file", cr.st.key); out.Code != 0 {
		return fail("backup: restore failed", "backup exits 0, but restoring the backup fails (%v): %s", out.exitInfo, errorLine(cliMessage(out)))
	}
	lo := cr.h.libChild(ctx, restored, cr.st.key, cr.st.ackPath)
	if lo.res == nil || !lo.res.Opened {
		return fail("backup: restored folder does not open", "the folder restored from the backup does not open: %s", lo.describe())
	}
	return noteDeleted(judgeContents(cr.st.acks, compareDump(cr.st.acks, lo.res.Dump)), data, before)
}

// ---- recover ----------------------------------------------------------------

// recover: "secretstore recover --json" into a new folder, whose contents
// (read through the library) are checked against the report.
func (cr *caseRun) recover(ctx context.Context) recoverVerdict {
	data, before, err := cr.fresh("recover")
	if err != nil {
		return recoverVerdict{Reason: "harness error: " + err.Error()}
	}
	to := filepath.Join(filepath.Dir(data), "new")
	keyFile := ""
	if path.Base(cr.c.File) == keyFileName {
		keyFile = cr.st.key
	}
	out := cr.cli(ctx, recoverArgs(data, to, keyFile)...)
	if ch := changes(data, before); len(ch) > 0 {
		return recoverVerdict{Reason: "recover changed the damaged folder: " + summarizeChanges(ch)}
	}
	switch {
	case isPanic(out.Stderr):
		return recoverVerdict{Reason: "recover panics: " + panicLine(out.Stderr)}
	case out.Code != 0 && out.Code != refusalExit:
		return recoverVerdict{Reason: fmt.Sprintf("recover ended with %v: %s", out.exitInfo, errorLine(out.Stderr))}
	}
	rep, err := parseRecoverReport(out.Stdout)
	if err != nil {
		return recoverVerdict{Reason: fmt.Sprintf("recover failed (%v): %s", out.exitInfo, errorLine(out.Stderr))}
	}
	lo := cr.h.libChild(ctx, to, cr.st.key, cr.st.ackPath)
	if lo.res == nil || !lo.res.Opened {
		return recoverVerdict{Reason: "the recovered folder does not open: " + lo.describe()}
	}
	return judgeRecover(cr.st.acks, rep, out.Code, compareDump(cr.st.acks, lo.res.Dump))
}
