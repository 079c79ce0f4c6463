package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/secretstore-go/secretstore/internal/badger"

	"github.com/secretstore-go/secretstore"
	"github.com/secretstore-go/secretstore/internal/testutil"
)

// The store states the cases damage: built once per run, by child processes
// writing through the library, and kept read-only as the sources of every
// case's copies.

// The states. "closed" and "killed" are damaged; the other store's are the
// sources of "replaced by the same file from another store".
const (
	stateClosed      = "closed"
	stateKilled      = "killed"
	stateOtherClosed = "other-closed"
	stateOtherKilled = "other-killed"
)

// buildTimeout bounds the writing of a state.
const buildTimeout = 5 * time.Minute

// state is one store state.
type state struct {
	name    string
	dir     string // states/NAME: the state's folder, outside its data folder
	data    string // the pristine data folder, read-only
	key     string // a copy of its master key, outside the data folder
	log     string // the log of acknowledged writes
	ackPath string // the acknowledged list (JSON)
	acks    *ackList
	// rootMode is the data folder's mode as the store made it (the
	// pristine folder is made read-only; its copies get this mode).
	rootMode fs.FileMode
	snap     snapshot // the pristine folder, to check that no case changed it
	other    *state   // the other store's state of the same kind
}

// buildConfig tells the build child what to write.
type buildConfig struct {
	Dir   string // the data folder
	Log   string // the log of acknowledged writes
	Seed  uint64
	Other bool   // the other store's values
	Phase string // "closed": write the closed state and close; "killed": write the rest, say so and wait to be killed
}

// buildStates builds the four states under root/states.
func (h *harness) buildStates(ctx context.Context) (map[string]*state, error) {
	states := map[string]*state{}
	for _, name := range []string{stateClosed, stateKilled, stateOtherClosed, stateOtherKilled} {
		dir := filepath.Join(h.root, "states", name)
		if err := os.RemoveAll(dir); err != nil { // a leftover of an earlier run with -dir
			return nil, err
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		states[name] = &state{name: name, dir: dir, data: filepath.Join(dir, "data"), key: filepath.Join(dir, "master.key"),
			log: filepath.Join(dir, "acknowledged.log"), ackPath: filepath.Join(dir, "acknowledged.json")}
	}
	states[stateClosed].other = states[stateOtherClosed]
	states[stateKilled].other = states[stateOtherKilled]
	for _, pair := range [][2]string{{stateClosed, stateKilled}, {stateOtherClosed, stateOtherKilled}} {
		closed, killed := states[pair[0]], states[pair[1]]
		other := strings.HasPrefix(closed.name, "other")
		t0 := time.Now()
		if err := h.buildChild(ctx, closed, other, "closed"); err != nil {
			return nil, fmt.Errorf("building the %s state: %w", closed.name, err)
		}
		if err := copyTree(closed.data, killed.data, 0o700); err != nil {
			return nil, err
		}
		if err := copyFile(closed.log, killed.log, 0o600); err != nil {
			return nil, err
		}
		if err := h.buildChild(ctx, killed, other, "killed"); err != nil {
			return nil, fmt.Errorf("building the %s state: %w", killed.name, err)
		}
		fmt.Fprintf(h.stdout, "damage: built the %s and %s states in %v\n", closed.name, killed.name, time.Since(t0).Round(time.Millisecond))
	}
	for _, st := range states {
		ws, err := readAckLog(st.log)
		if err != nil {
			return nil, err
		}
		if st.acks, err = ackListOf(st.name, ws); err != nil {
			return nil, fmt.Errorf("%s: %w", st.name, err)
		}
		b, err := json.MarshalIndent(st.acks, "", " ")
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(st.ackPath, b, 0o600); err != nil {
			return nil, err
		}
		if err := copyFile(filepath.Join(st.data, keyFileName), st.key, 0o600); err != nil {
			return nil, err
		}
		fi, err := os.Stat(st.data)
		if err != nil {
			return nil, err
		}
		st.rootMode = fi.Mode().Perm()
	}
	if err := h.checkStates(ctx, states); err != nil {
		return nil, err
	}
	for _, st := range states {
		// Read-only: no case may change a source (checked at the end too).
		if err := os.Chmod(st.data, 0o500); err != nil {
			return nil, err
		}
		var err error
		if st.snap, err = takeSnapshot(st.data); err != nil {
			return nil, err
		}
	}
	return states, nil
}

// buildChild runs the build child for st. For the "killed" phase it waits
// until the child has logged its acknowledged writes and kills it (SIGKILL).
func (h *harness) buildChild(ctx context.Context, st *state, other bool, phase string) error {
	cfgFile := filepath.Join(st.dir, "build.json")
	b, _ := json.Marshal(buildConfig{Dir: st.data, Log: st.log, Seed: h.cfg.seed, Other: other, Phase: phase})
	if err := os.WriteFile(cfgFile, b, 0o600); err != nil {
		return err
	}
	logPath := filepath.Join(st.dir, "build.log")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(h.exe, "-child", "build", "-config", cfgFile)
	cmd.Stderr = logf
	stdout, w, err := os.Pipe() // not StdoutPipe, which Wait closes
	if err != nil {
		return err
	}
	defer stdout.Close()
	cmd.Stdout = w
	p, err := procs.Start(cmd)
	w.Close()
	if err != nil {
		return err
	}
	defer p.Kill()
	said := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		said <- strings.TrimSpace(line)
		io.Copy(io.Discard, stdout)
	}()
	timeout := time.NewTimer(buildTimeout)
	defer timeout.Stop()
	select {
	case line := <-said:
		if phase == "closed" {
			<-p.Done
			if e := ended(p); e.Code != 0 {
				return fmt.Errorf("the build child ended with %v; its log: %s", e, tail(logPath))
			}
			return nil
		}
		if !strings.HasPrefix(line, "acknowledged ") {
			<-p.Done
			return fmt.Errorf("the build child ended with %v; its log: %s", ended(p), tail(logPath))
		}
		p.Kill() // SIGKILL, with every write acknowledged and logged
		if e := ended(p); e.Signal == "" {
			return fmt.Errorf("the build child ended by itself (%v) before it was killed", e)
		}
		return nil
	case <-timeout.C:
		return fmt.Errorf("the build child did not finish within %v; its log: %s", buildTimeout, tail(logPath))
	case <-ctx.Done():
		return ctx.Err()
	}
}

// tail returns the last lines of the file name, for an error message.
func tail(name string) string {
	b, _ := os.ReadFile(name)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(0, len(lines)-6):], " | ")
}

// runBuildChild is the build child: it writes a state's writes through the
// library, logging each acknowledged write (fsynced, outside the data
// folder) before the next. The closed phase creates the master key file
// in the data folder as the CLI does (base64 of 32 random bytes), writes
// and closes the store; the killed phase opens the closed state's copy,
// writes the rest, prints "acknowledged N" and waits to be killed.
func runBuildChild(cfgFile string) error {
	b, err := os.ReadFile(cfgFile)
	if err != nil {
		return err
	}
	var cfg buildConfig
	if err := json.Unmarshal(b, &cfg); err != nil {
		return err
	}
	closed, more := recipe(cfg.Seed, cfg.Other)
	writes := closed
	keyFile := filepath.Join(cfg.Dir, keyFileName)
	switch cfg.Phase {
	case "closed":
		if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
			return err
		}
		key, err := secretstore.NewMasterKey()
		if err != nil {
			return err
		}
		if err := os.WriteFile(keyFile, []byte(base64.StdEncoding.EncodeToString(key)+"\n"), 0o600); err != nil {
			return err
		}
	case "killed":
		writes = more
	default:
		return fmt.Errorf("unknown phase %q", cfg.Phase)
	}
	ctx := context.Background()
	s, err := secretstore.Open(ctx, secretstore.Options{Dir: cfg.Dir, MasterKeyFile: keyFile, MemoryBudget: buildBudget, DisableReaper: true})
	if err != nil {
		return err
	}
	log, err := openAckLog(cfg.Log)
	if err != nil {
		return err
	}
	for _, w := range writes {
		if err := execute(ctx, s, w); err != nil {
			return err
		}
		if err := log.acknowledged(w); err != nil {
			return err
		}
	}
	if err := log.close(); err != nil {
		return err
	}
	if cfg.Phase == "closed" {
		// Let the flushes and compactions the writes started finish before
		// Close, so that the tables' layout (and the other store's, built
		// the same way) depends less on the timing of Badger's background
		// work.
		testutil.Settle()
		waitForTwoLevels(cfg.Dir, 15*time.Second)
		if err := s.Close(); err != nil {
			return err
		}
		fmt.Println("closed")
		return nil
	}
	fmt.Printf("acknowledged %d\n", len(writes))
	time.Sleep(buildTimeout)
	return errors.New("not killed")
}

// waitForTwoLevels waits, at most limit, until the MANIFEST of the open
// store in dir lists tables on two levels: Badger compacts level 0 into a
// lower level in the background, once it holds 5 tables.
func waitForTwoLevels(dir string, limit time.Duration) {
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if _, levels, err := tableLevels(dir); err == nil && len(levels) >= 2 {
			testutil.Settle() // the rest of the compaction
			return
		}
	}
}

// checkStates checks that the states are what the cases need: the closed
// state has several tables (on two levels, ideally), the killed one
// write-ahead logs holding acknowledged writes that are in no table (and,
// with Badger's own lock, a LOCK file: it says when there is none); and
// each main state reads back exactly as acknowledged.
func (h *harness) checkStates(ctx context.Context, states map[string]*state) error {
	closed, killed := states[stateClosed], states[stateKilled]
	tables, levels, err := tableLevels(closed.data)
	if err != nil {
		return fmt.Errorf("reading the closed state's MANIFEST: %w", err)
	}
	if tables < 3 {
		return fmt.Errorf("the closed state has %d tables; the recipe must make several", tables)
	}
	fmt.Fprintf(h.stdout, "damage: the closed state has %d tables, by level %s\n", tables, levelString(levels))
	if len(levels) < 2 {
		fmt.Fprintln(h.stdout, "damage: warning: the closed state's tables are all on one level")
	}
	mems, _ := filepath.Glob(filepath.Join(killed.data, "*.mem"))
	if len(mems) == 0 {
		return errors.New("the killed state has no write-ahead log (*.mem)")
	}
	if _, err := os.Stat(filepath.Join(killed.data, "LOCK")); err != nil {
		// Badger leaves its LOCK behind a kill; a store that locks the folder
		// another way has none.
		fmt.Fprintln(h.stdout, "damage: the killed state has no LOCK file: the store leaves none behind a kill")
	}
	tmp, err := os.MkdirTemp(h.root, "check-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	for _, st := range []*state{closed, killed} {
		copy := filepath.Join(tmp, st.name)
		if err := copyTree(st.data, copy, st.rootMode); err != nil {
			return err
		}
		lo := h.libChild(ctx, copy, st.key, st.ackPath)
		if lo.res == nil || !lo.res.Opened {
			return fmt.Errorf("the pristine %s state does not open: %s", st.name, lo.describe())
		}
		if ps := compareDump(st.acks, lo.res.Dump); len(ps) > 0 {
			_, reason := summarizeProblems(st.acks, ps)
			return fmt.Errorf("the pristine %s state does not read back as acknowledged (a bug of the recipe's model, or of the store): %s", st.name, reason)
		}
		fmt.Fprintf(h.stdout, "damage: the %s state reads back as acknowledged: %d secrets, %d versions; files: %s\n",
			st.name, len(st.acks.Secrets), versionCount(st.acks), fileList(st.data))
	}
	// The killed state's writes after the closed state's must be in no
	// table: its tables are the closed state's, or, without its logs, it
	// lacks writes.
	if sameTables(closed.data, killed.data) {
		fmt.Fprintln(h.stdout, "damage: the killed state's tables are the closed state's: the writes acknowledged since are in its write-ahead logs only")
		return nil
	}
	copy := filepath.Join(tmp, "killed-without-logs")
	if err := copyTree(killed.data, copy, killed.rootMode); err != nil {
		return err
	}
	for _, m := range mems {
		os.Remove(filepath.Join(copy, filepath.Base(m)))
	}
	lo := h.libChild(ctx, copy, killed.key, killed.ackPath)
	switch {
	case lo.res == nil || !lo.res.Opened:
		fmt.Fprintf(h.stdout, "damage: warning: could not tell whether the killed state's logs hold writes in no table (without them it does not open: %s)\n", lo.describe())
	case len(compareDump(killed.acks, lo.res.Dump)) == 0:
		return errors.New("the killed state's write-ahead logs hold no acknowledged write that is not in a table")
	default:
		n := notIntact(compareDump(killed.acks, lo.res.Dump))
		fmt.Fprintf(h.stdout, "damage: the killed state's write-ahead logs hold acknowledged writes of %d secrets that are in no table\n", len(n))
	}
	return nil
}

// sameTables reports whether the folders a and b hold the same table files,
// byte for byte.
func sameTables(a, b string) bool {
	tables := func(dir string) map[string]string {
		m := map[string]string{}
		paths, _ := filepath.Glob(filepath.Join(dir, "*.sst"))
		for _, p := range paths {
			m[filepath.Base(p)], _ = fileSHA256(p)
		}
		return m
	}
	ta, tb := tables(a), tables(b)
	return len(ta) > 0 && maps.Equal(ta, tb)
}

// tableLevels returns how many tables the MANIFEST of dir lists, and how
// many on each level.
func tableLevels(dir string) (int, map[int]int, error) {
	f, err := os.Open(filepath.Join(dir, badger.ManifestFilename))
	if err != nil {
		return 0, nil, err
	}
	defer f.Close()
	m, _, err := badger.ReplayManifestFile(f, 0, badger.DefaultOptions(dir))
	if err != nil {
		return 0, nil, err
	}
	levels := map[int]int{}
	for _, t := range m.Tables {
		levels[int(t.Level)]++
	}
	return len(m.Tables), levels, nil
}

func levelString(levels map[int]int) string {
	var parts []string
	for l := range 10 {
		if n := levels[l]; n > 0 {
			parts = append(parts, fmt.Sprintf("L%d: %d", l, n))
		}
	}
	return strings.Join(parts, ", ")
}

func versionCount(l *ackList) int {
	n := 0
	for _, s := range l.Secrets {
		n += len(s.Versions)
	}
	return n
}

// fileList lists the files of dir with their sizes.
func fileList(dir string) string {
	entries, _ := os.ReadDir(dir)
	var parts []string
	for _, e := range entries {
		if fi, err := e.Info(); err == nil {
			parts = append(parts, fmt.Sprintf("%s (%d)", e.Name(), fi.Size()))
		}
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}
