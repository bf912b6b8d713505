package dashboard

import (
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/skillett/skillett"
)

// limitsForm is the IP allowlist and rate limit part of the create and
// edit forms (SPEC §9), as typed.
type limitsForm struct {
	Allowlist  string // addresses or CIDR prefixes, one a line or comma-separated; empty: any address
	RateMax    string // uses per window; empty: no rate limit
	RateWindow string // window in seconds
}

const defaultRateWindow = "60"

func limitsFormOf(r *http.Request) limitsForm {
	return limitsForm{
		Allowlist:  r.PostFormValue("ip_allowlist"),
		RateMax:    strings.TrimSpace(r.PostFormValue("rate_limit")),
		RateWindow: strings.TrimSpace(r.PostFormValue("rate_window")),
	}
}

// limitsFormOfKey is the form filled in from k.
func limitsFormOfKey(k *skillett.Key) limitsForm {
	f := limitsForm{Allowlist: strings.Join(allowlistStrings(k), "\n"), RateWindow: defaultRateWindow}
	if rl := k.RateLimit; rl != nil {
		f.RateMax, f.RateWindow = strconv.Itoa(rl.Limit), strconv.Itoa(int(rl.Window/time.Second))
	}
	return f
}

// allowlistStrings is k's IP allowlist as text, nil when any address may
// use it.
func allowlistStrings(k *skillett.Key) []string {
	var list []string
	for _, p := range k.IPAllowlist {
		list = append(list, p.String())
	}
	return list
}

// parse reads the form: a nil list and a nil limit mean none. The values
// are checked by the service as an API request's would be.
func (f limitsForm) parse() ([]netip.Prefix, *skillett.RateLimit, error) {
	entries := strings.FieldsFunc(f.Allowlist, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' || r == ' ' || r == '\t' })
	if len(entries) == 0 {
		entries = nil // any address
	}
	allow, err := skillett.ParseIPAllowlist(entries)
	if err != nil {
		return nil, nil, err
	}
	if f.RateMax == "" {
		return allow, nil, nil
	}
	max, err := strconv.Atoi(f.RateMax)
	if err != nil {
		return nil, nil, skillett.Errorf(skillett.EINVALID, "Enter the rate limit as a whole number of uses, such as 100, or leave it empty for no limit.")
	}
	window, err := strconv.Atoi(f.RateWindow)
	if err != nil {
		return nil, nil, skillett.Errorf(skillett.EINVALID, "Enter the rate limit's window as a whole number of seconds, from 1 to 86400.")
	}
	rl := &skillett.RateLimit{Limit: max, Window: time.Duration(window) * time.Second}
	if err := rl.Validate(); err != nil {
		return nil, nil, err
	}
	return allow, rl, nil
}
