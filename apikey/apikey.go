// Package apikey is the API key format of SPEC §5: generation, parsing,
// checksum and hashing. It is pure (no I/O beyond crypto/rand) and imports
// only the standard library.
//
// A full key is "sk_" + 32 base62 characters from crypto/rand + 6 base62
// characters of checksum: the CRC-32 (IEEE) of the 35 bytes before it,
// most significant digit first, left-padded with '0'. The checksum lets a
// mistyped or made-up key be refused without touching the database.
package apikey

import (
	"crypto/rand"
	"crypto/sha256"
	"hash/crc32"
)

const (
	// Alphabet is the base62 alphabet of keys and checksums.
	Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	// KeyPrefix starts every full key.
	KeyPrefix = "sk_"
	// RandomLen is the number of random base62 characters.
	RandomLen = 32
	// ChecksumLen is the number of checksum characters.
	ChecksumLen = 6
	// Len is the length of a full key.
	Len = len(KeyPrefix) + RandomLen + ChecksumLen
	// DisplayPrefixLen is the length of the key_prefix shown for a key.
	DisplayPrefixLen = len(KeyPrefix) + 8
)

// Generate returns a new full key.
func Generate() string {
	var b [Len]byte
	copy(b[:], KeyPrefix)
	randomBase62(b[len(KeyPrefix) : len(KeyPrefix)+RandomLen])
	putChecksum(b[Len-ChecksumLen:], b[:Len-ChecksumLen])
	return string(b[:])
}

// Valid reports whether s has the shape of a full key and a correct
// checksum. It does not allocate.
func Valid(s string) bool { return WellFormed(s) && ChecksumOK(s) }

// WellFormed reports whether s has the shape of a full key: the prefix,
// then base62 characters to the full length. It does not look at the
// checksum. A verifier that finds a key's hash among known keys needs
// neither (every stored key was made well-formed with a correct one): it
// checks Valid only before it asks the database.
func WellFormed(s string) bool {
	if len(s) != Len || s[:len(KeyPrefix)] != KeyPrefix {
		return false
	}
	for i := len(KeyPrefix); i < Len; i++ {
		if !isBase62(s[i]) {
			return false
		}
	}
	return true
}

// ChecksumOK reports whether a WellFormed s ends in the checksum of what
// comes before it.
func ChecksumOK(s string) bool {
	if len(s) != Len {
		return false
	}
	var want [ChecksumLen]byte
	putChecksumString(want[:], s[:Len-ChecksumLen])
	return string(want[:]) == s[Len-ChecksumLen:]
}

// Hash returns the SHA-256 of the full key: the only form that is stored.
func Hash(full string) [32]byte {
	if len(full) == Len { // the usual case, without allocating
		var b [Len]byte
		copy(b[:], full)
		return sha256.Sum256(b[:])
	}
	return sha256.Sum256([]byte(full))
}

// DisplayPrefix returns the key_prefix of a full key (its first 11
// characters), or "" if full is too short.
func DisplayPrefix(full string) string {
	if len(full) < DisplayPrefixLen {
		return ""
	}
	return full[:DisplayPrefixLen]
}

// Checksum returns the 6-character checksum of body (everything before the
// checksum in a full key).
func Checksum(body string) string {
	var out [ChecksumLen]byte
	putChecksumString(out[:], body)
	return string(out[:])
}

func putChecksum(dst, body []byte) { encodeChecksum(dst, crc32.ChecksumIEEE(body)) }

// putChecksumString is putChecksum for a string, without allocating: the
// byte-at-a-time loop over the standard table gives the same CRC-32 as
// crc32.ChecksumIEEE (whose argument escapes) on the 35 bytes of a key.
func putChecksumString(dst []byte, body string) {
	crc := ^uint32(0)
	for i := 0; i < len(body); i++ {
		crc = crc32.IEEETable[byte(crc)^body[i]] ^ crc>>8
	}
	encodeChecksum(dst, ^crc)
}

// encodeChecksum writes n in base62 into dst, most significant digit first,
// left-padded with '0'; 62^6 > 2^32, so six digits always suffice.
func encodeChecksum(dst []byte, n uint32) {
	for i := len(dst) - 1; i >= 0; i-- {
		dst[i] = Alphabet[n%62]
		n /= 62
	}
}

func isBase62(c byte) bool { return base62Table[c] }

// base62Table marks the bytes of Alphabet: one load per character on the
// hot path instead of three range checks.
var base62Table = func() (t [256]bool) {
	for i := range len(Alphabet) {
		t[Alphabet[i]] = true
	}
	return t
}()

// randomBase62 fills dst with uniformly random base62 characters, by
// rejection sampling so that no character is more likely than another.
func randomBase62(dst []byte) {
	const limit = 256 - 256%62 // 248: bytes at or above it are redrawn
	var buf [64]byte
	for i := 0; i < len(dst); {
		rand.Read(buf[:]) // never fails (crypto/rand documents it panics instead)
		for _, c := range buf {
			if c < limit && i < len(dst) {
				dst[i] = Alphabet[int(c)%62]
				i++
			}
		}
	}
}

// RandomString returns n uniformly random characters of alphabet (at most
// 256 characters long), for identifiers.
func RandomString(alphabet string, n int) string {
	limit := 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	var buf [32]byte
	for len(out) < n {
		rand.Read(buf[:])
		for _, c := range buf {
			if int(c) < limit && len(out) < n {
				out = append(out, alphabet[int(c)%len(alphabet)])
			}
		}
	}
	return string(out)
}
