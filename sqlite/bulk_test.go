package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/skillett/skillett/storetest"
)

func TestInsertKeys(t *testing.T) {
	storetest.RunInsertKeys(t, MustOpen(t, filepath.Join(t.TempDir(), "skillett.db")))
}
