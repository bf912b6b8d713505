package loudskip_test

import (
	"strings"
	"testing"

	"github.com/skillett/skillett/internal/loudskip"
)

func TestSkipIsReported(t *testing.T) {
	for range 2 {
		t.Run("skips", func(t *testing.T) { loudskip.Skip(t, "widget", "no widget at /dev/widget") })
	}
	lines := loudskip.Lines()
	if len(lines) != 1 {
		t.Fatalf("got %d lines, want 1 for one group: %q", len(lines), lines)
	}
	if want := "loudskip: SKIPPED 2 widget test(s): no widget at /dev/widget"; lines[0] != want {
		t.Errorf("got %q, want %q", lines[0], want)
	}
	if !strings.Contains(lines[0], "widget") {
		t.Error("the line does not name the group")
	}
}
