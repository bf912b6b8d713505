package apikey_test

import (
	"crypto/sha256"
	"hash/crc32"
	"strings"
	"testing"

	"github.com/skillett/skillett/apikey"
)

func TestGenerate(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		k := apikey.Generate()
		if len(k) != 41 || !strings.HasPrefix(k, "sk_") {
			t.Fatalf("Generate() = %q, want sk_ and 41 characters", k)
		}
		if !apikey.Valid(k) {
			t.Fatalf("Valid(%q) = false for a generated key", k)
		}
		if seen[k] {
			t.Fatalf("Generate() repeated %q", k)
		}
		seen[k] = true
		if p := apikey.DisplayPrefix(k); len(p) != 11 || !strings.HasPrefix(k, p) {
			t.Fatalf("DisplayPrefix(%q) = %q, want its first 11 characters", k, p)
		}
	}
}

// refChecksum is the checksum of body encoded independently of apikey:
// CRC-32/IEEE in six base62 digits, most significant first.
func refChecksum(body string) string {
	n := crc32.ChecksumIEEE([]byte(body))
	want := ""
	for range 6 {
		want = string(apikey.Alphabet[n%62]) + want
		n /= 62
	}
	return want
}

// The checksum is CRC-32/IEEE in base62, most significant digit first,
// padded with '0' (SPEC §5), checked here against an independent encoding.
func TestChecksum(t *testing.T) {
	for _, body := range []string{"sk_" + strings.Repeat("0", 32), "sk_" + strings.Repeat("z", 32), "sk_abcdefghijklmnopqrstuvwxyzABCDEF"} {
		if got, want := apikey.Checksum(body), refChecksum(body); got != want {
			t.Errorf("Checksum(%q) = %q, want %q", body, got, want)
		}
	}
	// crc32("") is 0: all padding.
	if got := apikey.Checksum(""); got != "000000" {
		t.Errorf(`Checksum("") = %q, want "000000"`, got)
	}
}

func TestValid(t *testing.T) {
	good := apikey.Generate()
	flip := func(s string, i int) string {
		c := byte('A')
		if s[i] == 'A' {
			c = 'B'
		}
		return s[:i] + string(c) + s[i+1:]
	}
	for name, s := range map[string]string{
		"empty":             "",
		"garbage":           "garbage",
		"too short":         good[:40],
		"too long":          good + "0",
		"wrong prefix":      "pk_" + good[3:],
		"upper prefix":      "SK_" + good[3:],
		"non-base62":        good[:10] + "-" + good[11:],
		"random part typo":  flip(good, 10),
		"checksum typo":     flip(good, 40),
		"non-ASCII":         good[:39] + "é",
		"whitespace around": " " + good[:40],
	} {
		if apikey.Valid(s) {
			t.Errorf("%s: Valid(%q) = true, want false", name, s)
		}
		// Valid is exactly WellFormed and ChecksumOK; only typos in the
		// random part or the checksum are well-formed.
		typo := strings.HasSuffix(name, "typo")
		if apikey.WellFormed(s) != typo {
			t.Errorf("%s: WellFormed(%q) = %v, want %v", name, s, !typo, typo)
		}
		if typo && apikey.ChecksumOK(s) {
			t.Errorf("%s: ChecksumOK(%q) = true, want false", name, s)
		}
	}
	if !apikey.Valid(good) || !apikey.WellFormed(good) || !apikey.ChecksumOK(good) {
		t.Errorf("a generated key %q is refused", good)
	}
}

func TestHash(t *testing.T) {
	k := apikey.Generate()
	h1, h2 := apikey.Hash(k), apikey.Hash(strings.Clone(k))
	if h1 != h2 || h1 == apikey.Hash(apikey.Generate()) {
		t.Fatal("Hash is not a deterministic function of the key")
	}
	if want := sha256.Sum256([]byte(k)); h1 != want {
		t.Fatalf("Hash(%q) is not the SHA-256 of the key", k)
	}
}

func TestRandomString(t *testing.T) {
	s := apikey.RandomString("ab", 100)
	if len(s) != 100 || strings.Trim(s, "ab") != "" {
		t.Fatalf("RandomString = %q", s)
	}
}

func FuzzValid(f *testing.F) {
	f.Add(apikey.Generate())
	f.Add("sk_" + strings.Repeat("0", 38))
	f.Add("garbage")
	f.Fuzz(func(t *testing.T, s string) {
		if !apikey.Valid(s) {
			return
		}
		// Anything accepted has the exact shape and a checksum that matches.
		if len(s) != 41 || !strings.HasPrefix(s, "sk_") || apikey.Checksum(s[:35]) != s[35:] {
			t.Fatalf("Valid(%q) = true for a key of the wrong shape", s)
		}
		if apikey.DisplayPrefix(s) != s[:11] {
			t.Fatalf("DisplayPrefix(%q) = %q", s, apikey.DisplayPrefix(s))
		}
	})
}

func BenchmarkValidAndHash(b *testing.B) {
	k := apikey.Generate()
	b.ReportAllocs()
	for b.Loop() {
		if !apikey.Valid(k) {
			b.Fatal("invalid")
		}
		_ = apikey.Hash(k)
	}
}

// FuzzChecksum checks the allocation-free CRC loop against hash/crc32.
func FuzzChecksum(f *testing.F) {
	f.Add("sk_" + strings.Repeat("a", 32))
	f.Add("")
	f.Fuzz(func(t *testing.T, body string) {
		if got, want := apikey.Checksum(body), refChecksum(body); got != want {
			t.Fatalf("Checksum(%q) = %q, want %q", body, got, want)
		}
	})
}
