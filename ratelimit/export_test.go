package ratelimit

import "time"

// Sweep runs the sweep of ended windows at now, for tests that race it
// with uses.
func (m *Memory) Sweep(now time.Time) {
	m.keys.sweepEnded(func(kw *keyWindow) bool { return kw.end(now.UnixNano()) })
}
