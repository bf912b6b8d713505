package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
)

// result holds every figure of one store with one key count.
type result struct {
	store string
	keys  int
	seed  *seeded
	pairs []pair // /me against /healthz
	list  stats  // GET /api-keys of the list user
}

// pair is one interleaved measure of /me against /healthz.
type pair struct {
	cache       bool // the verification cache is on
	conns       int
	healthz, me stats
}

func (r *result) pair(cache bool, conns int) (pair, bool) {
	for _, p := range r.pairs {
		if p.cache == cache && p.conns == conns {
			return p, true
		}
	}
	return pair{}, false
}

// runOne seeds a fresh database with n keys and measures it: first a
// server with the default cache (warm: /me rotates through c.distinct keys
// it has seen, and the list), then one with --cache-size 0 (cold: /me with
// random keys among all n, each a store read).
func runOne(ctx context.Context, c *config, bin, work, store string, n int, progress func(string, ...any)) (_ *result, err error) {
	dsn := filepath.Join(work, fmt.Sprintf("sqlite-%d.db", n))
	if store == storePostgres {
		var drop func() error
		if dsn, drop, err = createDatabase(ctx, c.pgAdmin); err != nil {
			return nil, err
		}
		defer func() { err = errors.Join(err, drop()) }()
	}
	progress("%s, %d keys: seeding %d users and %d keys", store, n, min(c.users, n)+1, n+c.listKeys)
	sd, err := seedStore(ctx, store, dsn, n, c.users, c.listKeys)
	if err != nil {
		return nil, err
	}
	progress("%s, %d keys: seeded in %.1f s", store, n, sd.took.Seconds())
	r := &result{store: store, keys: n, seed: sd}
	logs := filepath.Join(work, fmt.Sprintf("%s-%d", strings.ToLower(store), n))
	healthz := endpoint{path: "/healthz"}

	bearer := make([][]string, n) // the Authorization header of each key
	for i, k := range sd.keys {
		bearer[i] = []string{"Bearer " + k}
	}
	rotation := bearer[:min(c.distinct, n)]
	var next atomic.Uint64
	warm := endpoint{path: "/me", auth: func() []string { return rotation[next.Add(1)%uint64(len(rotation))] }}
	err = withServer(ctx, bin, dsn, logs+"-warm.log", c.serveFlags, func(srv *server) error {
		url := srv.url
		// Every rotated key once, so that the measures are cache hits.
		if _, err := sequential(ctx, url, warm, len(rotation)); err != nil {
			return err
		}
		if err := r.measure(ctx, c, srv, healthz, warm, true, progress); err != nil {
			return err
		}
		listAuth := []string{"Bearer " + sd.listKey}
		list := endpoint{path: "/api-keys", auth: func() []string { return listAuth }}
		if err := checkList(ctx, url, sd.listKey, c.listKeys); err != nil {
			return err
		}
		progress("%s, %d keys: GET /api-keys × %d", store, n, c.listReqs)
		st, err := sequential(ctx, url, list, c.listReqs)
		r.list = st
		return err
	})
	if err != nil {
		return nil, err
	}

	cold := endpoint{path: "/me", auth: func() []string { return bearer[rand.IntN(n)] }}
	err = withServer(ctx, bin, dsn, logs+"-cold.log", append([]string{"--cache-size", "0"}, c.serveFlags...), func(srv *server) error {
		return r.measure(ctx, c, srv, healthz, cold, false, progress)
	})
	return r, err
}

// measure runs one unrecorded warm-up round, then /me against /healthz
// with c.conns connections and with one.
func (r *result) measure(ctx context.Context, c *config, srv *server, healthz, me endpoint, cache bool, progress func(string, ...any)) error {
	if _, _, err := compare(ctx, srv, healthz, me, c.conns, c.slice, c.slice); err != nil {
		return err
	}
	for _, conns := range []int{c.conns, 1} {
		progress("%s, %d keys: cache %s, conns %d: /me against /healthz, %v each", r.store, r.keys, onOff(cache), conns, c.duration)
		h, m, err := compare(ctx, srv, healthz, me, conns, c.duration, c.slice)
		if err != nil {
			return err
		}
		r.pairs = append(r.pairs, pair{cache: cache, conns: conns, healthz: h, me: m})
	}
	return nil
}

// withServer runs fn against a fresh `skillett serve` and stops it, which
// must exit 0.
func withServer(ctx context.Context, bin, dsn, logPath string, flags []string, fn func(*server) error) error {
	srv, err := startServer(ctx, bin, dsn, logPath, flags...)
	if err != nil {
		return err
	}
	if err := fn(srv); err != nil {
		srv.kill()
		return err
	}
	return srv.stop()
}

// checkList makes sure GET /api-keys lists all of the list user's keys.
func checkList(ctx context.Context, url, key string, want int) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/api-keys", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := newClient(1).Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	var keys []json.RawMessage
	if err := json.NewDecoder(res.Body).Decode(&keys); err != nil || res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /api-keys: %s, %v", res.Status, err)
	}
	if len(keys) != want {
		return fmt.Errorf("GET /api-keys: got %d keys, want %d", len(keys), want)
	}
	return nil
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
