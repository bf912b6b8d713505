package main

import (
	"flag"
	"strings"
)

// envVars names the environment variable behind each flag that has one.
// A variable that is set gives its flag a value before the command line is
// parsed, so the command line wins (and list flags add to the variable's
// list). The flag itself parses the value: one that does not parse is a
// usage error that names the variable, never a silent default.
var envVars = map[string]string{
	"db":                   "SKILLETT_DB",
	"pg-max-conns":         "SKILLETT_PG_MAX_CONNS",
	"pg-connect-timeout":   "SKILLETT_PG_CONNECT_TIMEOUT",
	"pg-statement-timeout": "SKILLETT_PG_STATEMENT_TIMEOUT",
	"addr":                 "SKILLETT_ADDR",
	"service-token":        "SKILLETT_SERVICE_TOKENS",
	"no-signup":            "SKILLETT_NO_SIGNUP",
	"secure-cookies":       "SKILLETT_SECURE_COOKIES",
	"plan-limits":          "SKILLETT_PLAN_LIMITS",
	"cache-size":           "SKILLETT_CACHE_SIZE",
	"integrations":         "SKILLETT_INTEGRATIONS",
	"debug-addr":           "SKILLETT_DEBUG_ADDR",
	"log-format":           "SKILLETT_LOG_FORMAT",
	"audit-retention":      "SKILLETT_AUDIT_RETENTION",
	"github-keys":          "SKILLETT_GITHUB_KEYS",
	"trusted-proxies":      "SKILLETT_TRUSTED_PROXIES",
	"hash-concurrency":     "SKILLETT_HASH_CONCURRENCY",
	"max-conns-per-ip":     "SKILLETT_MAX_CONNS_PER_IP",
	"max-conns":            "SKILLETT_MAX_CONNS",
	"metrics-addr":         "SKILLETT_METRICS_ADDR",
	"redis":                "SKILLETT_REDIS_URL",
	"usage-flush-interval": "SKILLETT_USAGE_FLUSH_INTERVAL",
	// and the per-address rate flags, from rateFlags (serve_limits.go)
}

// applyEnv sets each flag of fs whose variable in envVars is set (and not
// empty) in the environment.
func applyEnv(fs *flag.FlagSet, getenv func(string) string) error {
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		name := envVars[f.Name]
		if name == "" || err != nil {
			return
		}
		v := getenv(name)
		if v == "" {
			return
		}
		if isBoolFlag(f) {
			v = boolWord(v)
		}
		if e := fs.Set(f.Name, v); e != nil {
			err = usagef("%s: %v", name, e)
		}
	})
	return err
}

// boolWord maps the yes/on/no/off spellings that environments commonly use
// to the words strconv.ParseBool accepts; anything else is left for the
// flag to refuse.
func boolWord(v string) string {
	switch strings.ToLower(v) {
	case "yes", "on":
		return "true"
	case "no", "off":
		return "false"
	}
	return v
}

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}
