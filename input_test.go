package skillett_test

import (
	"strings"
	"testing"
	"time"

	"github.com/skillett/skillett"
)

func TestValidateName(t *testing.T) {
	for _, ok := range []string{"Production", "CI deploy", "clé de prod", "日本語", "a b"} {
		if err := skillett.ValidateName(ok); err != nil {
			t.Errorf("ValidateName(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{
		"abc\u202egnp.exe",           // right-to-left override (Cf)
		"\u200b",                     // zero-width space (Cf)
		"a\u200db",                   // zero-width joiner (Cf)
		"\ufeffname",                 // BOM (Cf)
		"a\u2028b",                   // line separator (Zl)
		"a\u2029b",                   // paragraph separator (Zp)
		"a\x07b", "a\nb", "a\u0085b", // Cc
		"a\xffb", // invalid UTF-8
		"   ", "\u3000",
	} {
		if err := skillett.ValidateName(bad); skillett.ErrorCode(err) != skillett.EINVALID {
			t.Errorf("ValidateName(%q): got %v, want invalid_request", bad, err)
		}
	}
}

func TestValidateExpiry(t *testing.T) {
	now := time.Date(2026, 4, 8, 10, 0, 0, 500_000_000, time.UTC)
	for d, ok := range map[time.Duration]bool{-time.Second: false, 0: false, 400 * time.Millisecond: false, 999 * time.Millisecond: false, time.Second: true, time.Hour: true} {
		err := skillett.ValidateExpiry(now.Add(d), now)
		if (err == nil) != ok {
			t.Errorf("expires_at now%+v: got %v, want ok=%v", d, err, ok)
		}
	}
	// Refused or not, what is accepted is still ahead once truncated.
	req := skillett.KeyRequest{Name: "x", ExpiresAt: ptr(now.Add(time.Second))}
	got, err := req.Normalize(now)
	if err != nil || !got.ExpiresAt.After(now) {
		t.Errorf("1 s ahead: got %v, %v; want an expiry after now", got.ExpiresAt, err)
	}
}

func TestBoundByParent(t *testing.T) {
	now := time.Date(2026, 4, 8, 10, 0, 0, 0, time.UTC)
	parentExp := now.Add(time.Hour)
	parent := &skillett.Key{ID: "key_parent", ExpiresAt: &parentExp}
	immortal := &skillett.Key{ID: "key_immortal"}
	earlier, later := now.Add(30*time.Minute), now.Add(2*time.Hour)
	for _, c := range []struct {
		name    string
		parent  *skillett.Key
		exp     *time.Time
		want    *time.Time
		wantErr bool
	}{
		{"SessionNever", nil, nil, nil, false},
		{"SessionLater", nil, &later, &later, false},
		{"ImmortalParent", immortal, nil, nil, false},
		{"InheritsParent", parent, nil, &parentExp, false},
		{"Earlier", parent, &earlier, &earlier, false},
		{"SameAsParent", parent, &parentExp, &parentExp, false},
		{"ErrLater", parent, &later, nil, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := skillett.BoundByParent(c.parent, c.exp)
			if c.wantErr {
				if skillett.ErrorCode(err) != skillett.EINVALID {
					t.Fatalf("got %v, %v; want invalid_request", got, err)
				}
				return
			}
			if err != nil || !equalTime(got, c.want) {
				t.Fatalf("got %v, %v; want %v", got, err, c.want)
			}
		})
	}
	// Through Normalize, the one place create (and roll/update) use.
	got, err := skillett.KeyRequest{Name: "child", Parent: parent}.Normalize(now)
	if err != nil || !equalTime(got.ExpiresAt, &parentExp) {
		t.Errorf("Normalize with a parent: got %v, %v; want the parent's expiry", got.ExpiresAt, err)
	}
}

func TestValidatePassword(t *testing.T) {
	for _, ok := range []string{"correct horse battery", "a long enough passphrase", strings.Repeat("x", 1024), "Tr0ub4dor&3xq"} {
		if err := skillett.ValidatePassword(ok); err != nil {
			t.Errorf("ValidatePassword(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"short", "password", "PASSWORD", "12345678", "qwertyuiop", "iloveyou", "        ", "\t\t\t\t\n\n\n\n", strings.Repeat("x", 1025)} {
		if err := skillett.ValidatePassword(bad); skillett.ErrorCode(err) != skillett.EINVALID {
			t.Errorf("ValidatePassword(%q): got %v, want invalid_request", bad, err)
		}
	}
	if !skillett.CommonPassword("trustno1") || skillett.CommonPassword("a long enough passphrase") {
		t.Error("CommonPassword: wrong answer for the list's own entries")
	}
}
