package postgres_test

import (
	"testing"

	"github.com/skillett/skillett/postgres/pgtest"
	"github.com/skillett/skillett/storetest"
)

func TestInsertKeys(t *testing.T) {
	storetest.RunInsertKeys(t, MustOpen(t, pgtest.NewDatabase(t)))
}
