package main

import (
	"context"
	"flag"
	"net/http"
	"time"

	"github.com/skillett/skillett/secretscan"
)

// leakFlags are serve's settings for leaked keys (SPEC §11).
type leakFlags struct {
	githubKeys string
}

func addLeakFlags(fs *flag.FlagSet) *leakFlags {
	l := &leakFlags{}
	fs.StringVar(&l.githubKeys, "github-keys", "",
		"a file or https:// URL of GitHub's secret scanning public keys (https://api.github.com/meta/public_keys/secret_scanning) (env SKILLETT_GITHUB_KEYS); enables POST /secret-scanning/github")
	return l
}

// keys reads GitHub's keys document at start: a source that cannot be read
// is a configuration error, reported before serving. nil without the flag.
func (l *leakFlags) keys(ctx context.Context) (*secretscan.Keys, error) {
	if l.githubKeys == "" {
		return nil, nil
	}
	keys, err := secretscan.NewKeys(l.githubKeys, &http.Client{Timeout: 15 * time.Second}, nil)
	if err != nil {
		return nil, usagef("--github-keys: %v", err)
	}
	if err := keys.Load(ctx); err != nil {
		return nil, usagef("--github-keys: %v", err)
	}
	return keys, nil
}
