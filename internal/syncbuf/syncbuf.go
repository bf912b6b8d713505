// Package syncbuf is a bytes buffer safe for concurrent writes: tests
// capture a server's log output in one and read it while it runs.
package syncbuf

import (
	"bytes"
	"sync"
)

// Buffer collects writes from any number of goroutines.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
