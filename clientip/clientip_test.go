package clientip_test

import (
	"context"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/skillett/skillett/clientip"
)

func TestResolve(t *testing.T) {
	trusted, err := clientip.ParsePrefixes("10.0.0.0/8, 192.0.2.1, 2001:db8::/32")
	if err != nil {
		t.Fatal(err)
	}
	r := clientip.NewResolver(trusted)
	for _, c := range []struct {
		name string
		peer string
		xff  []string
		want string
	}{
		{"PeerOnly", "203.0.113.7:5555", nil, "203.0.113.7"},
		{"UntrustedPeerIgnoresXFF", "203.0.113.7:5555", []string{"198.51.100.1"}, "203.0.113.7"},
		{"TrustedPeerNoXFF", "10.1.2.3:80", nil, "10.1.2.3"},
		{"TrustedPeerOneHop", "10.1.2.3:80", []string{"198.51.100.1"}, "198.51.100.1"},
		// A client that writes its own X-Forwarded-For cannot choose its
		// address: the proxy appends the real peer, and the right-most
		// untrusted entry wins.
		{"SpoofedLeftEntries", "10.1.2.3:80", []string{"1.1.1.1, 2.2.2.2, 198.51.100.1"}, "198.51.100.1"},
		{"SkipsTrustedHops", "10.1.2.3:80", []string{"198.51.100.1, 10.9.9.9, 192.0.2.1"}, "198.51.100.1"},
		{"SeveralHeaderLines", "10.1.2.3:80", []string{"6.6.6.6, 198.51.100.1", "10.0.0.5"}, "198.51.100.1"},
		{"AllTrusted", "10.1.2.3:80", []string{"10.0.0.1, 192.0.2.1"}, "10.0.0.1"},
		{"GarbageStopsTheWalk", "10.1.2.3:80", []string{"1.1.1.1, not-an-ip, 10.0.0.7"}, "10.0.0.7"},
		{"EmptyItems", "10.1.2.3:80", []string{" , 198.51.100.1 ,, "}, "198.51.100.1"},
		{"EntryWithPort", "10.1.2.3:80", []string{"198.51.100.1:4711"}, "198.51.100.1"},
		{"MappedPeer", "[::ffff:203.0.113.7]:5555", nil, "203.0.113.7"},
		{"MappedTrustedPeer", "[::ffff:10.1.2.3]:80", []string{"::ffff:198.51.100.1"}, "198.51.100.1"},
		{"IPv6Peer", "[2001:db9::1]:443", []string{"198.51.100.1"}, "2001:db9::1"},
		{"IPv6TrustedPeer", "[2001:db8::1]:443", []string{"2001:db9::7, 2001:db8::2"}, "2001:db9::7"},
		{"IPv6Bracketed", "[2001:db8::1]:443", []string{"[2001:db9::7]:1234"}, "2001:db9::7"},
		{"ZoneDropped", "[fe80::1%eth0]:80", nil, "fe80::1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := r.Resolve(c.peer, c.xff); got.String() != c.want {
				t.Errorf("Resolve(%q, %q) = %s, want %s", c.peer, c.xff, got, c.want)
			}
		})
	}
}

func TestZeroResolverIgnoresXFF(t *testing.T) {
	req := httptest.NewRequest("GET", "/", nil)
	req.RemoteAddr = "10.1.2.3:80"
	req.Header.Set("X-Forwarded-For", "198.51.100.1")
	var r *clientip.Resolver
	if got := r.Addr(req); got.String() != "10.1.2.3" {
		t.Errorf("got %s, want the peer 10.1.2.3", got)
	}
	if got := clientip.NewResolver(nil).Addr(req); got.String() != "10.1.2.3" {
		t.Errorf("got %s, want the peer 10.1.2.3", got)
	}
}

func TestMappedTrustedPrefix(t *testing.T) {
	r := clientip.NewResolver([]netip.Prefix{netip.MustParsePrefix("::ffff:10.0.0.0/104")})
	if got := r.Resolve("10.1.2.3:80", []string{"198.51.100.1"}); got.String() != "198.51.100.1" {
		t.Errorf("a mapped trusted prefix: got %s, want 198.51.100.1", got)
	}
}

func TestParsePrefixes(t *testing.T) {
	got, err := clientip.ParsePrefixes("10.1.2.3/8,2001:db8::1,")
	if err != nil || len(got) != 2 || got[0].String() != "10.0.0.0/8" || got[1].String() != "2001:db8::1/128" {
		t.Errorf("got %v, %v", got, err)
	}
	for _, bad := range []string{"10.0.0.0/33", "example.com", "fe80::1%eth0", "1.2.3"} {
		if _, err := clientip.ParsePrefixes(bad); err == nil {
			t.Errorf("ParsePrefixes(%q): want an error", bad)
		}
	}
}

func TestContext(t *testing.T) {
	if _, ok := clientip.FromContext(context.Background()); ok {
		t.Error("empty context: want no address")
	}
	a := netip.MustParseAddr("203.0.113.7")
	if got, ok := clientip.FromContext(clientip.NewContext(context.Background(), a)); !ok || got != a {
		t.Errorf("got %s, %v", got, ok)
	}
}

// The resolved address is always the peer or one of the header's entries,
// never mapped, never with a zone; and it never panics.
func FuzzResolve(f *testing.F) {
	f.Add("10.1.2.3:80", "1.1.1.1, 198.51.100.1")
	f.Add("[::ffff:10.1.2.3]:80", "[2001:db8::1]:80,,garbage")
	f.Add("203.0.113.7:1", "")
	f.Add("", ",")
	r := clientip.NewResolver([]netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8::/32")})
	f.Fuzz(func(t *testing.T, peer, xff string) {
		got := r.Resolve(peer, []string{xff})
		if !got.IsValid() {
			return
		}
		if got.Is4In6() || got.Zone() != "" {
			t.Fatalf("Resolve(%q, %q) = %s: mapped or zoned", peer, xff, got)
		}
		if !strings.Contains(peer+","+xff, strings.SplitN(got.String(), ":", 2)[0]) && !got.Is6() {
			t.Fatalf("Resolve(%q, %q) = %s: not from the input", peer, xff, got)
		}
	})
}
