package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"time"

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
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return false, skillett.Errorf(skillett.EINVALID, "Field %q must be %s.", name, want)
	}
	return false, nil
}

// update turns the request into a KeyUpdate, or EINVALID.
func (req UpdateKeyRequest) update() (skillett.KeyUpdate, error) {
	var u skillett.KeyUpdate
	if req.Name != nil {
		var name string
		if null, err := field("name", "a string", req.Name, &name); err != nil {
			return u, err
		} else if null {
			return u, skillett.Errorf(skillett.EINVALID, "Name cannot be null.")
		}
		u.Name = skillett.To(name)
	}
	if req.Scopes != nil {
		var scopes []string
		if null, err := field("scopes", "an array of strings", req.Scopes, &scopes); err != nil {
			return u, err
		} else if null {
			return u, skillett.Errorf(skillett.EINVALID, `Scopes cannot be null; use ["*"] for full access.`)
		}
		if scopes == nil {
			scopes = []string{} // [] is refused as empty, not taken for null
		}
		u.Scopes = skillett.To(scopes)
	}
	if req.ExpiresAt != nil {
		var s string
		u.ExpiresAt.Set = true
		if null, err := field("expires_at", "an RFC 3339 time or null", req.ExpiresAt, &s); err != nil {
			return u, err
		} else if !null {
			t, err := skillett.ParseTime("expires_at", s)
			if err != nil {
				return u, err
			}
			u.ExpiresAt.Value = &t
		}
	}
	if req.IPAllowlist != nil {
		var list []string
		u.IPAllowlist.Set = true
		if null, err := field("ip_allowlist", "an array of IP addresses or CIDR prefixes, or null", req.IPAllowlist, &list); err != nil {
			return u, err
		} else if !null {
			if list == nil {
				list = []string{}
			}
			if u.IPAllowlist.Value, err = skillett.ParseIPAllowlist(list); err != nil {
				return u, err
			}
		}
	}
	if req.RateLimit != nil {
		var rl RateLimitRequest
		u.RateLimit.Set = true
		if null, err := field("rate_limit", `an object {"limit": n, "window_seconds": s}, or null`, req.RateLimit, &rl); err != nil {
			return u, err
		} else if !null {
			if u.RateLimit.Value, err = rl.parse(); err != nil {
				return u, err
			}
		}
	}
	return u, nil
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
		w.Header().Set("Cache-Control", "no-store")
		encode(w, http.StatusCreated, NewRollKeyResponse(old, newKey, full))
	})
}
