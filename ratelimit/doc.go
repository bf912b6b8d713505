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
// Redis keeps a round trip off most uses of a busy key: a process leases
// 1/LeaseDivisor of a key's window at once and spends it locally, and once
// Redis has refused a use of a window it refuses the rest of that window
// without asking. Leases never let more than Max through across processes;
// unspent ones are lost when their window ends.
//
// It imports the standard library, the root package (for the
// AddressLimiter contract) and github.com/redis/go-redis/v9 only.
package ratelimit
