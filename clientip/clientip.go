// Package clientip finds the client address of an HTTP request by SPEC §9's
// rules: the TCP peer, or, when the peer is a trusted proxy, the right-most
// X-Forwarded-For entry that is not a trusted proxy. IPv4-mapped IPv6
// addresses are unmapped, so that 203.0.113.7 is one client however it
// arrives.
//
// It is pure (no I/O) and imports only the standard library. httpapi puts
// each request's address into its context (NewContext); the service, the
// limiters and the audit log read it back (FromContext).
package clientip

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
)

// Resolver resolves client addresses. The zero value trusts no proxy: the
// address is always the TCP peer and X-Forwarded-For is ignored.
type Resolver struct {
	trusted []netip.Prefix
}

// NewResolver returns a resolver that trusts the proxies in these prefixes.
func NewResolver(trusted []netip.Prefix) *Resolver {
	r := &Resolver{}
	for _, p := range trusted {
		r.trusted = append(r.trusted, unmapPrefix(p).Masked())
	}
	return r
}

// ParsePrefixes parses a comma-separated list of CIDR prefixes or single
// addresses ("10.0.0.0/8, 192.0.2.1"), as given to --trusted-proxies.
func ParsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if p, err := netip.ParsePrefix(item); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(item)
		if err != nil || a.Zone() != "" {
			return nil, fmt.Errorf("%q is neither an IP address nor a CIDR prefix", item)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// Trusted reports whether a is a trusted proxy.
func (r *Resolver) Trusted(a netip.Addr) bool {
	if r == nil {
		return false
	}
	a = a.Unmap()
	for _, p := range r.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Addr returns the client address of req; the zero Addr when even the
// peer's address cannot be parsed (never the case for a real listener).
func (r *Resolver) Addr(req *http.Request) netip.Addr {
	return r.Resolve(req.RemoteAddr, req.Header.Values("X-Forwarded-For"))
}

// Resolve applies the rules to a peer address ("host:port" or a bare
// address) and the X-Forwarded-For header lines, in order. With the peer
// trusted, the chain is read right to left, skipping trusted proxies; the
// first untrusted entry is the client. An entry that is not an address ends
// the walk there: what lies left of it was written by someone we cannot
// vouch for, so the last trusted hop stands as the client.
func (r *Resolver) Resolve(peer string, xff []string) netip.Addr {
	client := parseHost(peer)
	if !client.IsValid() || !r.Trusted(client) || len(xff) == 0 {
		return client
	}
	for i := len(xff) - 1; i >= 0; i-- {
		line := xff[i]
		for line != "" {
			var item string
			if j := strings.LastIndexByte(line, ','); j >= 0 {
				item, line = line[j+1:], line[:j]
			} else {
				item, line = line, ""
			}
			item = strings.TrimSpace(item)
			if item == "" {
				continue
			}
			a := parseHost(item)
			if !a.IsValid() {
				return client
			}
			client = a
			if !r.Trusted(a) {
				return client
			}
		}
	}
	return client
}

// parseHost parses "1.2.3.4", "1.2.3.4:80", "::1", "[::1]:80" or
// "[::1]", unmapped and without zone; the zero Addr if it is none of these.
func parseHost(s string) netip.Addr {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone("")
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap().WithZone("")
}

func unmapPrefix(p netip.Prefix) netip.Prefix {
	if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
		return netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p
}

type ctxKey struct{}

// ContextKey is the context key of the client address. NewContext uses
// it; a context type of one's own may answer it from its Value method with
// a netip.Addr, to carry the address without another allocation.
var ContextKey any = ctxKey{}

// NewContext returns ctx carrying the client address a.
func NewContext(ctx context.Context, a netip.Addr) context.Context {
	return context.WithValue(ctx, ContextKey, a)
}

// FromContext returns the client address carried by ctx, and false when
// there is none (a call that did not come through the HTTP API).
func FromContext(ctx context.Context) (netip.Addr, bool) {
	a, ok := ctx.Value(ContextKey).(netip.Addr)
	return a, ok && a.IsValid()
}
