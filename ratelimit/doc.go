// Package ratelimit holds Skillett's limiters (SPEC §9, §12).
//
// Per key, a Limiter allows at most Limit.Max uses per window of
// Limit.Window. The window is fixed and starts at the first use after the
// previous one ended: a key limited to 100 per 60 s that is first used at
// 10:00:07 has 100 uses until 10:01:07, and a fresh 100 from its next use
// on. A refused use consumes nothing. Memory enforces this exactly within
// one process; Redis shares it among processes through one Redis, and falls
// back to a Memory of its own while Redis does not answer. Both pass one
// behaviour suite.
//
// It imports the standard library and github.com/redis/go-redis/v9 only.
package ratelimit
