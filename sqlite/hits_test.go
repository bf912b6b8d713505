package sqlite_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/storetest"
)

func TestHitCounter(t *testing.T) {
	storetest.RunHitCounter(t, func(t *testing.T) skillett.HitCounter {
		return MustOpen(t, filepath.Join(t.TempDir(), "skillett.db"))
	})
}

// The file holds password hashes: only its owner may read it (SPEC §12).
func TestFileMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "skillett.db")
	MustOpen(t, path)
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			continue // -wal/-shm may be gone after a checkpoint
		}
		if mode := fi.Mode().Perm(); mode&0o077 != 0 {
			t.Errorf("%s: mode %v, want no access for group or others", filepath.Base(p), mode)
		}
	}
}
