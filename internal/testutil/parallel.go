package testutil

import (
	"flag"
	"runtime"
	"strconv"
)

// WaitingParallelism is how many parallel tests a package whose tests
// mostly wait (for fsyncs, child processes, servers) runs at once per CPU.
const WaitingParallelism = 8

// SetParallel makes the package's tests run, unless -test.parallel is
// given, WaitingParallelism parallel tests per CPU at once rather than go
// test's default of one: a test that waits for an fsync or a child
// process leaves its CPU to the others. TestMain calls it before m.Run.
func SetParallel() {
	if !flag.Parsed() {
		flag.Parse()
	}
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	if !given {
		flag.Set("test.parallel", strconv.Itoa(WaitingParallelism*runtime.GOMAXPROCS(0)))
	}
}
