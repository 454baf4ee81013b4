package text

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestAbbrev(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"short", "short"},
		{strings.Repeat("a", 40), strings.Repeat("a", 40)},
		{strings.Repeat("a", 41), strings.Repeat("a", 37) + "..."},
		// 40 two-byte characters fit; 41 are cut after 37 characters, not
		// after 37 bytes (which would split the 19th "é").
		{strings.Repeat("é", 40), strings.Repeat("é", 40)},
		{strings.Repeat("é", 41), strings.Repeat("é", 37) + "..."},
		{"ab" + strings.Repeat("😀", 50), "ab" + strings.Repeat("😀", 35) + "..."},
	} {
		got := Abbrev(tc.in)
		if got != tc.want {
			t.Errorf("Abbrev(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if utf8.ValidString(tc.in) && !utf8.ValidString(got) {
			t.Errorf("Abbrev(%q) = %q cuts a character", tc.in, got)
		}
		if n := utf8.RuneCountInString(got); n > MaxAbbrev {
			t.Errorf("Abbrev(%q) has %d characters, want at most %d", tc.in, n, MaxAbbrev)
		}
	}
}

func TestAbbrevInvalidUTF8(t *testing.T) {
	in := strings.Repeat("\xff", 50)
	if got := Abbrev(in); got != strings.Repeat("\xff", 37)+"..." {
		t.Errorf("Abbrev(50 bad bytes) = %q", got)
	}
}

func TestQuoteAndList(t *testing.T) {
	if got, want := Quote("a\"b\\c\n<&>\u2028é\x01"), `"a\"b\\c\n<&>\u2028é\u0001"`; got != want {
		t.Errorf("Quote = %s, want %s", got, want)
	}
	names := []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"}
	if got, want := List(names[:3]), "a, b, c"; got != want {
		t.Errorf("List = %q, want %q", got, want)
	}
	if got, want := List(names), "a, b, c, d, e, f, g, h, i, j and 2 more"; got != want {
		t.Errorf("List = %q, want %q", got, want)
	}
}
