package main

// The footprint of `secretstore serve --data DIR` on a small device: the
// memory of the real binary, read from /proc by this separate process
// while it is a client, and the sizes of the files in its data folder.

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/secretstore-go/secretstore"
	"github.com/secretstore-go/secretstore/internal/proc"
	"github.com/secretstore-go/secretstore/internal/testutil"
)

// The store of a small device, as the footprint issue measures it.
const (
	footprintSecrets  = 10_000
	footprintValueLen = 1024
	// footprintRSSLimit is the most memory serve should hold with such a
	// store under a steady read load (BenchmarkServeFootprint).
	footprintRSSLimit = 64 << 20
	// footprintFileLimit bounds each file of such a store's data folder:
	// its tables are 2 to 4 MiB, and with the default budget (32 MiB) a
	// memtable's log is 8 MiB and the value log 2 MiB. (Before the budget, a
	// new folder had a 2 GiB value log and a 128 MiB memtable log.)
	footprintFileLimit = 16 << 20
	// footprintOverhead bounds the files other than tables together: two
	// memtable logs (one being flushed), the value log and Badger's
	// DISCARD file, 19 MiB, and a few small ones.
	footprintOverhead = 24 << 20
)

// fillFolder creates n secrets named fp/NNNNN with values of size bytes in
// the data folder dir, through the library (unsynced, for speed), and
// returns their names.
func fillFolder(tb testing.TB, dir string, n, size int) []string {
	tb.Helper()
	s, err := secretstore.Open(context.Background(), secretstore.Options{Dir: dir, MasterKey: testKey, SyncWrites: new(false), DisableReaper: true})
	if err != nil {
		tb.Fatal(err)
	}
	names := make([]string, n)
	value := strings.Repeat("v", size)
	var wg sync.WaitGroup
	var failed atomic.Value
	const workers = 4
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				names[i] = fmt.Sprintf("fp/%05d", i)
				if _, err := s.CreateSecret(context.Background(), &secretstore.CreateSecretInput{Name: names[i], SecretString: value}); err != nil {
					failed.Store(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := s.Close(); err != nil {
		tb.Fatal(err)
	}
	if err, ok := failed.Load().(error); ok {
		tb.Fatal(err)
	}
	return names
}

// serveProcess runs serve on the data folder dir, with args added, as the
// program bin (the real binary, or this test binary, which runs main with
// runMainEnv set), and returns its URL and process id. It is stopped with
// SIGTERM when the test ends.
func serveProcess(tb testing.TB, bin, dir string, args ...string) (url string, pid int) {
	tb.Helper()
	cmd := testutil.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0", "--data", dir, "--quiet"}, args...)...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + tb.TempDir(), masterKeyEnv + "=" + testKeyB64, runMainEnv + "=1"}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := listeningRE.FindStringSubmatch(sc.Text()); m != nil {
				addr <- "http://" + m[1]
			}
		}
		close(addr)
	}()
	select {
	case u, ok := <-addr:
		if !ok {
			tb.Fatal("serve exited before listening")
		}
		return u, cmd.Process.Pid
	case <-time.After(30 * time.Second):
		tb.Fatal("serve did not log its address")
	}
	return "", 0
}

// getValue does one GetSecretValue of name at url, unsigned (serve without
// --access-key-id accepts any request), through c.
func getValue(c *http.Client, url, name string) error {
	return unsignedCall(c, url, "GetSecretValue", `{"SecretId":"`+name+`"}`)
}

// getLoad makes calls GetSecretValue calls of names, in turn, from clients
// goroutines; while they run, it reads the memory of process pid every
// 50ms, and returns the largest VmRSS it saw.
func getLoad(tb testing.TB, url string, pid int, names []string, clients, calls int) (peak proc.Memory) {
	tb.Helper()
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	defer c.CloseIdleConnections()
	var failed atomic.Value
	var wg sync.WaitGroup
	for w := range clients {
		wg.Go(func() {
			for i := w; i < calls; i += clients {
				if err := getValue(c, url, names[i%len(names)]); err != nil {
					failed.Store(err)
					return
				}
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if m := readProcMemory(tb, pid); m.RSS > peak.RSS {
			peak = m
		}
		select {
		case <-done:
			if err, ok := failed.Load().(error); ok {
				tb.Fatal(err)
			}
			return peak
		case <-tick.C:
		}
	}
}

// readProcMemory reads the memory of process pid.
func readProcMemory(tb testing.TB, pid int) proc.Memory {
	tb.Helper()
	m, err := proc.ReadMemory(pid)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// folderFile is a file of a data folder: its size, and the bytes the file
// system holds for it (less for a sparse file).
type folderFile struct {
	name            string
	size, allocated int64
}

// folderFiles lists the files of dir.
func folderFiles(tb testing.TB, dir string) []folderFile {
	tb.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	var files []folderFile
	for _, e := range entries {
		fi, err := os.Stat(filepath.Join(dir, e.Name()))
		if err != nil || fi.IsDir() {
			continue
		}
		files = append(files, folderFile{name: e.Name(), size: fi.Size(), allocated: allocatedSize(fi)})
	}
	return files
}

// footprintTestReads is how many secrets TestServeFootprintOnDisk reads.
const footprintTestReads = 500

// TestServeFootprintOnDisk serves a data folder of 10,000 secrets of 1 KiB
// with this test binary running main (a superset of the real binary's code,
// so its RSS bounds the real one's, without linking a second binary for each
// run of the tests; the real binary under the race detector), reads 500 of
// them (the day's first read of a secret writes its LastAccessedDate, so the
// folder takes writes too), and checks that no file of the folder is much
// larger than the data it holds: Badger preallocates its logs, which are
// sized by the memory budget (a memtable's log is twice a memtable, an
// eighth of the budget), not for a data centre; and that the server's peak
// RSS stays under footprintRSSLimit (a footprint is a number a test can
// assert), where the server runs natively, not under an emulator.
// BenchmarkServeFootprint measures it under a longer load, every secret
// read.
func TestServeFootprintOnDisk(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("fills a store of 10,000 secrets and starts serve")
	}
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	dir := filepath.Join(t.TempDir(), "data")
	start := time.Now()
	names := fillFolder(t, dir, footprintSecrets, footprintValueLen)
	filled := time.Now()
	// Under the race detector the test binary's memory is the detector's
	// too: measure the real binary there (built once, for this run).
	bin := binary
	if raceEnabled {
		bin = realBinary(t)
	}
	url, pid := serveProcess(t, bin, dir)
	mem := getLoad(t, url, pid, names, 4, footprintTestReads)
	t.Logf("serve with %d secrets of %d bytes, after %d reads: %v (filled in %v, read in %v)", footprintSecrets, footprintValueLen, footprintTestReads, mem,
		filled.Sub(start).Round(time.Millisecond), time.Since(filled).Round(time.Millisecond))
	switch {
	case testutil.Emulator() != "":
		// The process is the emulator's (the tests run under qemu-user):
		// its RSS adds the emulator's own and its translated code (about
		// 15 MiB for a program that only sleeps), so it is not serve's.
		t.Logf("serve runs under %s: its peak RSS is the emulator's, not checked against %d MiB", testutil.Emulator(), footprintRSSLimit>>20)
	case mem.HWM > footprintRSSLimit:
		t.Errorf("serve's peak RSS is %.1f MiB, more than %d MiB", float64(mem.HWM)/(1<<20), footprintRSSLimit>>20)
	}
	checkFolderFiles(t, dir)
}

// checkFolderFiles fails the test if a file of the data folder dir is
// larger than footprintFileLimit, or its files other than tables (logs and
// Badger's bookkeeping) add up to more than footprintOverhead.
func checkFolderFiles(t *testing.T, dir string) {
	t.Helper()
	var tables, others int64
	for _, f := range folderFiles(t, dir) {
		t.Logf("%-16s %10d bytes, %10d allocated", f.name, f.size, f.allocated)
		if strings.HasSuffix(f.name, ".sst") {
			tables += f.size
		} else {
			others += f.size
		}
		if f.size > footprintFileLimit {
			t.Errorf("%s is %.1f MiB, more than %d MiB, for %d secrets of %d bytes", f.name, float64(f.size)/(1<<20), footprintFileLimit>>20, footprintSecrets, footprintValueLen)
		}
	}
	t.Logf("tables %.1f MiB, other files %.1f MiB", float64(tables)/(1<<20), float64(others)/(1<<20))
	if others > footprintOverhead {
		t.Errorf("the files of the data folder other than tables take %.1f MiB, more than %d MiB", float64(others)/(1<<20), footprintOverhead>>20)
	}
}
