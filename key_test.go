package skillett_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/skillett/skillett"
)

func TestNormalize(t *testing.T) {
	now := time.Date(2026, 4, 8, 10, 0, 0, 0, time.UTC)
	later := now.Add(90*time.Minute + 500*time.Millisecond)
	laterSec := now.Add(90 * time.Minute)
	past := now.Add(-time.Second)
	paris := time.FixedZone("CEST", 2*3600)
	many := make([]string, skillett.MaxScopes+1)
	for i := range many {
		many[i] = "s" + strings.Repeat("a", i%60) + string(rune('a'+i/60))
	}
	for _, c := range []struct {
		name    string
		in      skillett.KeyRequest
		want    skillett.KeyRequest
		wantErr string // a part of the message; "" for success
	}{
		{"OK", skillett.KeyRequest{Name: "Production"}, skillett.KeyRequest{Name: "Production", Scopes: []string{"*"}}, ""},
		{"trimmed", skillett.KeyRequest{Name: "  CI  ", Scopes: []string{"github", "slack"}}, skillett.KeyRequest{Name: "CI", Scopes: []string{"github", "slack"}}, ""},
		{"expiry to the second in UTC", skillett.KeyRequest{Name: "x", ExpiresAt: ptr(later.In(paris))}, skillett.KeyRequest{Name: "x", Scopes: []string{"*"}, ExpiresAt: &laterSec}, ""},
		{"100 characters", skillett.KeyRequest{Name: strings.Repeat("é", 100)}, skillett.KeyRequest{Name: strings.Repeat("é", 100), Scopes: []string{"*"}}, ""},
		{"ErrNameRequired", skillett.KeyRequest{Name: " \t"}, skillett.KeyRequest{}, "Name is required."},
		{"ErrNameTooLong", skillett.KeyRequest{Name: strings.Repeat("é", 101)}, skillett.KeyRequest{}, "at most 100 characters"},
		{"ErrNameControl", skillett.KeyRequest{Name: "a\x00b"}, skillett.KeyRequest{}, "control characters"},
		{"ErrNameInvalidUTF8", skillett.KeyRequest{Name: "a\xffb"}, skillett.KeyRequest{}, "valid UTF-8"},
		{"ErrScopesEmpty", skillett.KeyRequest{Name: "x", Scopes: []string{}}, skillett.KeyRequest{}, "must not be empty"},
		{"ErrScopesTooMany", skillett.KeyRequest{Name: "x", Scopes: many}, skillett.KeyRequest{}, "At most 100 scopes"},
		{"ErrStarNotAlone", skillett.KeyRequest{Name: "x", Scopes: []string{"*", "github"}}, skillett.KeyRequest{}, `"*" must stand alone`},
		{"ErrScopeName", skillett.KeyRequest{Name: "x", Scopes: []string{"GitHub"}}, skillett.KeyRequest{}, "not a valid integration name"},
		{"ErrScopeTwice", skillett.KeyRequest{Name: "x", Scopes: []string{"github", "github"}}, skillett.KeyRequest{}, "listed twice"},
		{"ErrExpiryNow", skillett.KeyRequest{Name: "x", ExpiresAt: &now}, skillett.KeyRequest{}, "in the future"},
		{"ErrExpiryPast", skillett.KeyRequest{Name: "x", ExpiresAt: &past}, skillett.KeyRequest{}, "in the future"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.in.Normalize(now)
			if c.wantErr != "" {
				if skillett.ErrorCode(err) != skillett.EINVALID || !strings.Contains(skillett.ErrorMessage(err), c.wantErr) {
					t.Fatalf("got %v, want invalid_request saying %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("got %v, want no error", err)
			}
			if got.Name != c.want.Name || !slices.Equal(got.Scopes, c.want.Scopes) || !equalTime(got.ExpiresAt, c.want.ExpiresAt) {
				t.Fatalf("got %+v, want %+v", got, c.want)
			}
			if got.ExpiresAt != nil && got.ExpiresAt.Location() != time.UTC {
				t.Errorf("expiry location: got %v, want UTC", got.ExpiresAt.Location())
			}
		})
	}
}

func TestNormalizeDoesNotAlias(t *testing.T) {
	scopes := []string{"github"}
	got, err := skillett.KeyRequest{Name: "x", Scopes: scopes}.Normalize(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	scopes[0] = "slack"
	if got.Scopes[0] != "github" {
		t.Errorf("got scopes %v after the caller changed its slice, want [github]", got.Scopes)
	}
}

func ptr[T any](v T) *T { return &v }

func equalTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}
