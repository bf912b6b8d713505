// Package netguard bounds the connections a server holds open (SPEC §12):
// at most a number per client address and a number in all, so that one
// client cannot take every file descriptor and stall the others. A
// connection over either bound is closed as soon as it is accepted.
//
// It imports only the standard library.
package netguard

import (
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
)

// Options configure Limit.
type Options struct {
	PerAddress int // open connections per client address; 0: no bound
	Total      int // open connections in all; 0: no bound
	// Exempt reports whether an address is not bound by PerAddress (a
	// trusted proxy speaks for many clients). nil: none is.
	Exempt func(netip.Addr) bool
	// OnRefuse, if set, is called for each connection closed at once.
	OnRefuse func(addr netip.Addr, perAddress bool)
}

// Limit wraps ln so that connections beyond the bounds of o are closed at
// once, before any byte is read.
func Limit(ln net.Listener, o Options) *Listener {
	return &Listener{Listener: ln, o: o, open: make(map[netip.Addr]int)}
}

// Listener is a net.Listener with bounds on open connections.
type Listener struct {
	net.Listener
	o Options

	mu    sync.Mutex
	open  map[netip.Addr]int
	total int

	refused atomic.Int64
}

// Accept returns the next connection within the bounds, closing those
// beyond them.
func (l *Listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		addr := peer(c)
		exempt := l.o.Exempt != nil && addr.IsValid() && l.o.Exempt(addr)
		l.mu.Lock()
		overTotal := l.o.Total > 0 && l.total >= l.o.Total
		overAddr := !exempt && l.o.PerAddress > 0 && l.open[addr] >= l.o.PerAddress
		if !overTotal && !overAddr {
			l.total++
			l.open[addr]++
		}
		l.mu.Unlock()
		if overTotal || overAddr {
			l.refused.Add(1)
			if tc, ok := c.(*net.TCPConn); ok {
				tc.SetLinger(0) // a reset: free the descriptor now, no TIME_WAIT
			}
			c.Close()
			if l.o.OnRefuse != nil {
				l.o.OnRefuse(addr, overAddr)
			}
			continue
		}
		return &conn{Conn: c, l: l, addr: addr}, nil
	}
}

// Open returns the number of open connections from addr, and in all.
func (l *Listener) Open(addr netip.Addr) (fromAddr, total int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open[addr.Unmap()], l.total
}

// Refused returns how many connections were closed at once.
func (l *Listener) Refused() int64 { return l.refused.Load() }

func (l *Listener) release(addr netip.Addr) {
	l.mu.Lock()
	l.total--
	if l.open[addr]--; l.open[addr] <= 0 {
		delete(l.open, addr)
	}
	l.mu.Unlock()
}

// peer is the unmapped IP address of c's remote end; the zero Addr for a
// non-IP connection (all of which then share one bound).
func peer(c net.Conn) netip.Addr {
	if ta, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		if ap := ta.AddrPort(); ap.Addr().IsValid() {
			return ap.Addr().Unmap().WithZone("")
		}
	}
	return netip.Addr{}
}

// conn releases its place once, on the first Close.
type conn struct {
	net.Conn
	l      *Listener
	addr   netip.Addr
	closed atomic.Bool
}

func (c *conn) Close() error {
	err := c.Conn.Close()
	if c.closed.CompareAndSwap(false, true) {
		c.l.release(c.addr)
	}
	return err
}
