package ratelimit_test

import (
	"testing"

	"github.com/skillett/skillett/internal/loudskip"
)

func TestMain(m *testing.M) { loudskip.Main(m) }
