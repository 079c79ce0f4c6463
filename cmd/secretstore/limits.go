package main

// The limits serve puts on its clients, so that slow, idle or hostile
// connections cannot hold the server's memory or its connections for ever:
// read, write and idle timeouts, a bound on the request headers, and a
// bound on the connections served at once.

import (
	"flag"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// serverLimits are the flags of serve that bound what a client may hold.
type serverLimits struct {
	readTimeout    time.Duration
	writeTimeout   time.Duration
	idleTimeout    time.Duration
	maxHeaderBytes int
	maxConnections int
}

func (l *serverLimits) register(fs *flag.FlagSet) {
	durationVar(fs, &l.readTimeout, "read-timeout", defaultReadTimeout, "close a connection whose request (headers and body) takes longer than `DURATION` to arrive")
	durationVar(fs, &l.writeTimeout, "write-timeout", defaultWriteTimeout, "close a connection whose answer takes longer than `DURATION` to send (a backup download: a minute with no progress)")
	durationVar(fs, &l.idleTimeout, "idle-timeout", defaultIdleTimeout, "close a keep-alive connection idle for `DURATION`")
	fs.IntVar(&l.maxHeaderBytes, "max-header-bytes", defaultMaxHeaderBytes, "refuse requests whose headers are larger than `N` bytes (431)")
	fs.IntVar(&l.maxConnections, "max-connections", defaultMaxConnections, "serve at most `N` connections at once; more wait to be accepted")
}

// check refuses limits that would turn a limit off or make the server
// useless; src names the flags, for a value that came from the environment.
func (l *serverLimits) check(src flagSources) error {
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"read-timeout", l.readTimeout}, {"write-timeout", l.writeTimeout}, {"idle-timeout", l.idleTimeout}} {
		if d.v <= 0 {
			return usageErrorf("%s must be a positive duration such as 30s, not %v", src.name(d.name), d.v)
		}
	}
	if l.maxHeaderBytes < 4<<10 {
		return usageErrorf("%s must be at least 4096 (signed requests have headers of 1 to 2 KiB), not %d", src.name("max-header-bytes"), l.maxHeaderBytes)
	}
	if l.maxConnections < 1 {
		return usageErrorf("%s must be at least 1, not %d", src.name("max-connections"), l.maxConnections)
	}
	return nil
}

// server returns an HTTP server for h with the limits.
func (l *serverLimits) server(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: l.readTimeout,
		ReadTimeout:       l.readTimeout,
		WriteTimeout:      l.writeTimeout,
		IdleTimeout:       l.idleTimeout,
		MaxHeaderBytes:    l.maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// limitFullLogEvery is how often a listener at its limit says so, at most.
const limitFullLogEvery = time.Minute

// limitListener accepts at most n connections at once. While n are open
// Accept waits: the next clients wait in the kernel's accept queue, costing
// the server nothing, until a connection closes (the timeouts see to it
// that one does). It is netutil.LimitListener of golang.org/x/net, with a
// log line when the limit is reached; that module is not a dependency of
// secretstore otherwise.
type limitListener struct {
	net.Listener
	sem       chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	log       *slog.Logger
	lastFull  atomic.Int64  // unix nanoseconds of the last "limit reached" line
	conns     atomic.Int64  // connections accepted and not closed
	closes    chan struct{} // receives (when it has room) as a connection closes
}

func newLimitListener(ln net.Listener, n int, log *slog.Logger) *limitListener {
	return &limitListener{Listener: ln, sem: make(chan struct{}, n), done: make(chan struct{}), log: log, closes: make(chan struct{}, 1)}
}

// Accept waits for a free slot, then for a connection.
func (l *limitListener) Accept() (net.Conn, error) {
	select {
	case l.sem <- struct{}{}:
	default:
		l.logFull()
		select {
		case l.sem <- struct{}{}:
		case <-l.done:
			return nil, net.ErrClosed
		}
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.sem
		return nil, err
	}
	l.conns.Add(1)
	return &limitConn{Conn: c, release: l.release}, nil
}

// release frees the slot of a connection that closed.
func (l *limitListener) release() {
	l.conns.Add(-1)
	<-l.sem
	select {
	case l.closes <- struct{}{}:
	default:
	}
}

func (l *limitListener) logFull() {
	now := time.Now().UnixNano()
	last := l.lastFull.Load()
	if now-last < int64(limitFullLogEvery) || !l.lastFull.CompareAndSwap(last, now) {
		return
	}
	l.log.Warn("connection limit reached: new connections wait until one closes", "max_connections", cap(l.sem))
}

// open returns how many of the connections it accepted are open.
func (l *limitListener) open() int64 { return l.conns.Load() }

// Close closes the listener and ends a waiting Accept.
func (l *limitListener) Close() error {
	err := l.Listener.Close()
	l.closeOnce.Do(func() { close(l.done) })
	return err
}

// limitConn frees its slot when it is closed, once.
type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
