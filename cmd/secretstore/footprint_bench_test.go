package main

import (
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/secretstore-go/secretstore/internal/proc"
)

// BenchmarkServeFootprint measures `secretstore serve --data DIR`, the real
// binary with the default memory budget, holding 10,000 secrets of 1 KiB,
// from this separate process: it reads every secret, from 4 client
// goroutines over loopback HTTP, passes times (each pass b.N/passes calls
// and at least one read of every secret), reading the server's
// /proc/PID/status every 50ms. It reports the peak VmRSS (with its RssAnon
// and RssFile) against footprintRSSLimit; ns/op is one GetSecretValue.
//
//	go test -run '^$' -bench ServeFootprint -benchtime 60000x ./cmd/secretstore/
func BenchmarkServeFootprint(b *testing.B) {
	if runtime.GOOS != "linux" {
		b.Skip("reads /proc")
	}
	dir := filepath.Join(b.TempDir(), "data")
	names := fillFolder(b, dir, footprintSecrets, footprintValueLen)
	url, pid := serveProcess(b, realBinary(b), dir)
	start := readProcMemory(b, pid)
	const passes = 3
	calls := max(b.N/passes, len(names))
	var peak proc.Memory
	b.ResetTimer()
	began := time.Now()
	for range passes {
		if m := getLoad(b, url, pid, names, 4, calls); m.RSS > peak.RSS {
			peak = m
		}
	}
	b.ReportMetric(float64(time.Since(began).Nanoseconds())/float64(passes*calls), "ns/op")
	b.ReportMetric(float64(peak.RSS)/(1<<20), "VmRSS-MiB")
	b.ReportMetric(float64(peak.Anon)/(1<<20), "RssAnon-MiB")
	b.ReportMetric(float64(peak.File)/(1<<20), "RssFile-MiB")
	b.ReportMetric(float64(start.RSS)/(1<<20), "start-VmRSS-MiB")
	b.ReportMetric(float64(peak.RSS)/footprintRSSLimit, "of-limit")
}
