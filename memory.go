package secretstore

// GoMemoryLimit returns the soft memory limit for the Go runtime
// (runtime/debug.SetMemoryLimit, or GOMEMLIMIT) of a process whose store on
// disk has Options.MemoryBudget budget (0: DefaultMemoryBudget): 7/4 of
// it. Without a limit the Go runtime lets its heap grow to twice what is
// live (GOGC=100) before collecting, and a busy store makes garbage fast
// (Badger's table builders among it): under 64 clients writing without a
// pause, the server's RSS reached about 7 times the budget, its own memory
// (RssAnon) 4 to 5 times; with the limit RssAnon stays within twice it
// (BENCHMARKS.md, "Bounded memory under load").
// Open does not set it, since the limit is the whole process's and the
// program's to choose; "secretstore serve" does. It is no use for an
// InMemory store, whose data is all on the heap.
//
//	debug.SetMemoryLimit(secretstore.GoMemoryLimit(o.MemoryBudget))
func GoMemoryLimit(budget int64) int64 {
	if budget <= 0 {
		budget = DefaultMemoryBudget
	}
	return budget / 4 * 7
}
