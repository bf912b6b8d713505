package skillett

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// ValidateName checks a key name once trimmed (SPEC §12): valid UTF-8 and
// no control or format characters (Unicode Cc and Cf: bidi overrides,
// zero-width characters, the BOM) and no line or paragraph separators, so
// that a name shows as what it is wherever it is displayed.
func ValidateName(name string) error {
	if !utf8.ValidString(name) {
		return Errorf(EINVALID, "Name must be valid UTF-8.")
	}
	if strings.IndexFunc(name, invisible) >= 0 {
		return Errorf(EINVALID, "Name must not contain control characters, format characters (such as zero-width or bidi marks) or line separators.")
	}
	if strings.TrimFunc(name, unicode.IsSpace) == "" {
		return Errorf(EINVALID, "Name is required.")
	}
	return nil
}

func invisible(r rune) bool {
	return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp)
}

// MinExpiryAhead is how far ahead an expires_at must be: stored to the
// second, anything closer could already be past (SPEC §12).
const MinExpiryAhead = time.Second

// ValidateExpiry checks that exp is at least MinExpiryAhead after now.
func ValidateExpiry(exp, now time.Time) error {
	switch ahead := exp.Sub(now); {
	case ahead <= 0:
		return Errorf(EINVALID, "expires_at must be in the future.")
	case ahead < MinExpiryAhead:
		return Errorf(EINVALID, "expires_at must be at least one second ahead: it is stored to the second.")
	}
	return nil
}

// BoundByParent is the rule of keys made by keys (SPEC §12): a key
// created, rolled or updated through another key can never outlive it, so
// that expiry contains a leaked key. exp is the expiry asked for (nil:
// never). Through a session or the CLI (parent nil), or through a key
// that never expires, exp stands. Otherwise a missing exp becomes the
// parent's expiry, and one later than the parent's is EINVALID.
func BoundByParent(parent *Key, exp *time.Time) (*time.Time, error) {
	if parent == nil || parent.ExpiresAt == nil {
		return exp, nil
	}
	limit := parent.ExpiresAt.UTC()
	if exp == nil {
		return &limit, nil
	}
	if exp.After(limit) {
		return nil, Errorf(EINVALID, "A key made with an API key cannot outlive it: expires_at must be at most %s.", limit.Format(time.RFC3339))
	}
	return exp, nil
}

// CapByParent applies the same rule to an expiry that was kept rather than
// asked for (a key updated without expires_at, a rolled key inheriting its
// predecessor's): it is cut to the parent's expiry.
func CapByParent(parent *Key, exp *time.Time) *time.Time {
	if parent == nil || parent.ExpiresAt == nil {
		return exp
	}
	if exp == nil || exp.After(*parent.ExpiresAt) {
		limit := parent.ExpiresAt.UTC()
		return &limit
	}
	return exp
}
