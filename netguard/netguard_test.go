package netguard_test

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"syscall"
	"testing"
	"time"

	"github.com/skillett/skillett/netguard"
)

// serve accepts on l, greets each connection with "hi" and closes it when
// the client does.
func serve(t *testing.T, l net.Listener) {
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.Write([]byte("hi"))
				io.Copy(io.Discard, c)
			}()
		}
	}()
}

func listen(t *testing.T, o netguard.Options) *netguard.Listener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := netguard.Limit(ln, o)
	t.Cleanup(func() { l.Close() })
	serve(t, l)
	return l
}

// dial connects from the loopback address from and reports whether the
// server kept the connection (it greets kept connections with "hi"). A
// refused connection is reset (linger 0); on a loaded machine the reset can
// arrive before connect returns, so a reset at dial also means "closed".
func dial(t *testing.T, l net.Listener, from string) (net.Conn, bool) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", l.Addr().String())
	if errors.Is(err, syscall.ECONNRESET) {
		return nil, false
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 2)
	_, err = io.ReadFull(c, buf)
	return c, err == nil && string(buf) == "hi"
}

func TestPerAddress(t *testing.T) {
	l := listen(t, netguard.Options{PerAddress: 3})
	var kept []net.Conn
	for i := range 3 {
		c, ok := dial(t, l, "127.0.0.2")
		if !ok {
			t.Fatalf("connection %d from 127.0.0.2: closed, want kept", i+1)
		}
		kept = append(kept, c)
	}
	if _, ok := dial(t, l, "127.0.0.2"); ok {
		t.Fatal("4th connection from 127.0.0.2: kept, want closed at once")
	}
	if _, ok := dial(t, l, "127.0.0.3"); !ok {
		t.Fatal("a connection from another address: closed, want kept")
	}
	if n := l.Refused(); n != 1 {
		t.Errorf("Refused() = %d, want 1", n)
	}
	// Closing one frees its place once the server closes its end.
	kept[0].Close()
	waitOpen(t, l, "127.0.0.2", 2)
	if _, ok := dial(t, l, "127.0.0.2"); !ok {
		t.Fatal("after a close: closed, want kept")
	}
}

func TestTotalAndExempt(t *testing.T) {
	proxy := netip.MustParseAddr("127.0.0.4")
	l := listen(t, netguard.Options{PerAddress: 1, Total: 3, Exempt: func(a netip.Addr) bool { return a == proxy }})
	for i := range 2 {
		if _, ok := dial(t, l, "127.0.0.4"); !ok {
			t.Fatalf("connection %d from the exempt address: closed, want kept", i+1)
		}
	}
	if _, ok := dial(t, l, "127.0.0.5"); !ok {
		t.Fatal("3rd connection in all: closed, want kept")
	}
	if _, ok := dial(t, l, "127.0.0.6"); ok {
		t.Fatal("4th connection in all: kept, want closed (Total 3)")
	}
}

// waitOpen waits until the server has released connections so that from
// holds want.
func waitOpen(t *testing.T, l *netguard.Listener, from string, want int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if n, _ := l.Open(netip.MustParseAddr(from)); n == want {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	n, _ := l.Open(netip.MustParseAddr(from))
	t.Fatalf("%s holds %d connections, want %d", from, n, want)
}
