package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/netip"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/keyauth"
	"github.com/skillett/skillett/service"
)

// Key detail, update and roll (SPEC §8).

// parse returns the rate limit asked for (nil for none), or EINVALID.
func (r *RateLimitRequest) parse() (*skillett.RateLimit, error) {
	if r == nil {
		return nil, nil
	}
	if r.Limit == nil || r.WindowSeconds == nil {
		return nil, skillett.Errorf(skillett.EINVALID, "rate_limit needs both limit and window_seconds.")
	}
	rl := &skillett.RateLimit{Limit: *r.Limit, Window: time.Duration(*r.WindowSeconds) * time.Second}
	if *r.WindowSeconds < 1 || *r.WindowSeconds > int(skillett.MaxRateLimitWindow/time.Second) {
		rl.Window = -1 // out of range; also guards the multiplication's overflow
	}
	return rl, rl.Validate()
}

// field decodes one raw field into dst, which should be a want; isNull
// reports a JSON null.
func field(name, want string, raw json.RawMessage, dst any) (isNull bool, err error) {
	if bytes.Equal(raw, []byte("null")) {
		return true, nil
	}
	// As strict as the body around it (decodeBody, SPEC §12): encoding/json
	// would take "LIMIT" for "limit" and a repeated member.
	if err := jsonv2.Unmarshal(raw, dst, jsonv2.RejectUnknownMembers(true)); err != nil {
		if errors.Is(err, jsonv2.ErrUnknownName) || errors.Is(err, jsontext.ErrDuplicateName) {
			return false, skillett.Errorf(skillett.EINVALID, "Field %q: %s", name, describeJSONError(err))
		}
		return false, skillett.Errorf(skillett.EINVALID, "Field %q must be %s.", name, want)
	}
	return false, nil
}

// update turns the request into a KeyUpdate, or EINVALID. A member left
// out changes nothing; the first member that does not parse is the error.
func (req UpdateKeyRequest) update() (u skillett.KeyUpdate, err error) {
	if u.Name, err = patch(req.Name, parseName); err != nil {
		return u, err
	}
	if u.Scopes, err = patch(req.Scopes, parseScopes); err != nil {
		return u, err
	}
	if u.ExpiresAt, err = patch(req.ExpiresAt, parseExpiresAt); err != nil {
		return u, err
	}
	if u.IPAllowlist, err = patch(req.IPAllowlist, parseIPAllowlist); err != nil {
		return u, err
	}
	if u.RateLimit, err = patch(req.RateLimit, parseRateLimit); err != nil {
		return u, err
	}
	return u, nil
}

// patch is the change that a member of the request asks for: none when it
// is left out (raw is nil), else the value parse makes of it.
func patch[T any](raw json.RawMessage, parse func(json.RawMessage) (T, error)) (skillett.Patch[T], error) {
	if raw == nil {
		return skillett.Patch[T]{}, nil
	}
	v, err := parse(raw)
	if err != nil {
		return skillett.Patch[T]{}, err
	}
	return skillett.To(v), nil
}

func parseName(raw json.RawMessage) (string, error) {
	var name string
	if null, err := field("name", "a string", raw, &name); err != nil {
		return "", err
	} else if null {
		return "", skillett.Errorf(skillett.EINVALID, "Name cannot be null.")
	}
	return name, nil
}

func parseScopes(raw json.RawMessage) ([]string, error) {
	var scopes []string
	if null, err := field("scopes", "an array of strings", raw, &scopes); err != nil {
		return nil, err
	} else if null {
		return nil, skillett.Errorf(skillett.EINVALID, `Scopes cannot be null; use ["*"] for full access.`)
	}
	if scopes == nil {
		scopes = []string{} // [] is refused as empty, not taken for null
	}
	return scopes, nil
}

// parseExpiresAt returns nil for null: the key no longer expires.
func parseExpiresAt(raw json.RawMessage) (*time.Time, error) {
	var s string
	if null, err := field("expires_at", "an RFC 3339 time or null", raw, &s); err != nil || null {
		return nil, err
	}
	t, err := skillett.ParseTime("expires_at", s)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// parseIPAllowlist returns nil for null: the key is usable from anywhere.
func parseIPAllowlist(raw json.RawMessage) ([]netip.Prefix, error) {
	var list []string
	if null, err := field("ip_allowlist", "an array of IP addresses or CIDR prefixes, or null", raw, &list); err != nil || null {
		return nil, err
	}
	if list == nil {
		list = []string{}
	}
	return skillett.ParseIPAllowlist(list)
}

// parseRateLimit returns nil for null: the key has no rate limit of its own.
func parseRateLimit(raw json.RawMessage) (*skillett.RateLimit, error) {
	var rl RateLimitRequest
	if null, err := field("rate_limit", `an object {"limit": n, "window_seconds": s}, or null`, raw, &rl); err != nil || null {
		return nil, err
	}
	return rl.parse()
}

func handleKeyDetail(svc *service.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := keyauth.PrincipalFrom(r.Context())
		k, err := svc.KeyByID(r.Context(), p.User.ID, r.PathValue("id"))
		if err != nil {
			fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, NewKeyDetail(k))
	})
}

func handleUpdateKey(svc *service.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := keyauth.PrincipalFrom(r.Context())
		var req UpdateKeyRequest
		if err := decode(w, r, &req); err != nil {
			fail(w, r, err)
			return
		}
		upd, err := req.update()
		if err != nil {
			fail(w, r, err)
			return
		}
		k, err := svc.UpdateKey(r.Context(), p.User.ID, r.PathValue("id"), upd)
		if err != nil {
			fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, NewKeyDetail(k))
	})
}

func handleRollKey(svc *service.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := keyauth.PrincipalFrom(r.Context())
		var req RollKeyRequest
		if err := decodeOptional(w, r, &req); err != nil {
			fail(w, r, err)
			return
		}
		var grace time.Duration
		if g := req.GracePeriodSeconds; g != nil {
			if *g < 0 || *g > int(skillett.MaxGracePeriod/time.Second) {
				fail(w, r, skillett.Errorf(skillett.EINVALID, "grace_period_seconds must be between 0 and %d.", int(skillett.MaxGracePeriod/time.Second)))
				return
			}
			grace = time.Duration(*g) * time.Second
		}
		old, newKey, full, err := svc.RollKey(r.Context(), p.User.ID, r.PathValue("id"), grace)
		if err != nil {
			fail(w, r, err)
			return
		}
		encode(w, http.StatusCreated, NewRollKeyResponse(old, newKey, full))
	})
}
