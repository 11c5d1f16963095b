package store

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestNormalizeNameIgnoresSavedNames(t *testing.T) {
	for raw, want := range map[string]string{"  Prod  ": "Prod", strings.Repeat("é", MaxNameRunes): strings.Repeat("é", MaxNameRunes)} {
		if got, err := NormalizeName(raw); err != nil || got != want {
			t.Errorf("NormalizeName(%q) = %q, %v", raw, got, err)
		}
	}
	for _, bad := range []string{"", "  ", "a\nb", "a\u2028b", strings.Repeat("x", MaxNameRunes+1)} {
		var v *ValidationError
		if _, err := NormalizeName(bad); !errors.As(err, &v) || v.Field != FieldName {
			t.Errorf("NormalizeName(%q) = %v, want a name ValidationError", bad, err)
		}
	}
}

func TestCheckClient(t *testing.T) {
	valid := DefaultClientSettings()
	valid.Name, valid.ClientID = "X", "id"

	t.Run("normalizes", func(t *testing.T) {
		c := valid
		c.Name, c.ClientID, c.ClientAuth, c.TokenURL = " X ", " id ", " BASIC ", " https://k.example.com/token "
		c.AuthURL, c.APIBaseURL, c.RedirectPort = "", "  ", 0
		got, problems := CheckClient(c)
		want := DefaultClientSettings()
		want.Name, want.ClientID, want.ClientAuth, want.TokenURL = "X", "id", ClientAuthBasic, "https://k.example.com/token"
		if len(problems) > 0 || got != want {
			t.Errorf("CheckClient = %+v, %v; want %+v", got, problems, want)
		}
	})
	t.Run("a stand-in Kantata on loopback", func(t *testing.T) {
		c := valid
		c.AuthURL, c.TokenURL, c.APIBaseURL = "http://127.0.0.1:8080/oauth/authorize", "http://localhost:8080/oauth/token", "http://[::1]:8080"
		if _, problems := CheckClient(c); len(problems) > 0 {
			t.Errorf("refused: %v", problems[0])
		}
	})

	for _, tc := range []struct {
		name   string
		change func(*ClientSettings)
		field  Field
	}{
		{"no name", func(c *ClientSettings) { c.Name = " " }, FieldName},
		{"no client ID", func(c *ClientSettings) { c.ClientID = "" }, FieldClientID},
		{"client ID with a space", func(c *ClientSettings) { c.ClientID = "abc def" }, FieldClientID},
		{"client ID with a tab", func(c *ClientSettings) { c.ClientID = "abc\tdef" }, FieldClientID},
		{"client ID with a no-break space", func(c *ClientSettings) { c.ClientID = "abc\u00a0def" }, FieldClientID},
		{"client ID too long", func(c *ClientSettings) { c.ClientID = strings.Repeat("a", MaxClientIDRunes+1) }, FieldClientID},
		{"client ID with a right-to-left override", func(c *ClientSettings) { c.ClientID = "abc\u202Edef" }, FieldClientID},
		{"client ID with a zero-width space", func(c *ClientSettings) { c.ClientID = "abc\u200Bdef" }, FieldClientID},
		{"client ID with a soft hyphen", func(c *ClientSettings) { c.ClientID = "abc\u00ADdef" }, FieldClientID},
		{"client ID with an escape sequence", func(c *ClientSettings) { c.ClientID = "abc\x1b[2Jdef" }, FieldClientID},
		{"auth URL not web", func(c *ClientSettings) { c.AuthURL = "javascript:alert(1)" }, FieldAuthURL},
		{"auth URL with user info", func(c *ClientSettings) { c.AuthURL = "https://u:p@app.mavenlink.com/oauth/authorize" }, FieldAuthURL},
		{"token URL over plain http", func(c *ClientSettings) { c.TokenURL = "http://app.mavenlink.com/oauth/token" }, FieldTokenURL},
		{"API URL with user info", func(c *ClientSettings) { c.APIBaseURL = "https://u:p@example.com" }, FieldAPIBaseURL},
		{"API URL over plain http", func(c *ClientSettings) { c.APIBaseURL = "http://api.mavenlink.com" }, FieldAPIBaseURL},
		{"API URL without host", func(c *ClientSettings) { c.APIBaseURL = "https://" }, FieldAPIBaseURL},
		{"port too high", func(c *ClientSettings) { c.RedirectPort = 65536 }, FieldRedirectPort},
		{"port negative", func(c *ClientSettings) { c.RedirectPort = -1 }, FieldRedirectPort},
		{"unknown client auth", func(c *ClientSettings) { c.ClientAuth = "jwt" }, FieldClientAuth},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := valid
			tc.change(&bad)
			_, problems := CheckClient(bad)
			if len(problems) != 1 || problems[0].Field != tc.field {
				t.Fatalf("problems = %v, want one for %s", problems, tc.field)
			}
			var v *ValidationError
			if _, err := NormalizeClient(bad); !errors.As(err, &v) || v.Field != tc.field || v.Message == "" {
				t.Errorf("NormalizeClient: %v", err)
			}
		})
	}

	t.Run("every problem at once, in the dialog's order", func(t *testing.T) {
		c := ClientSettings{ClientID: "a b", AuthURL: "ftp://x", TokenURL: "https://u@x", APIBaseURL: "http://x", ClientAuth: "jwt", RedirectPort: 70000}
		_, problems := CheckClient(c)
		var got []Field
		for _, p := range problems {
			got = append(got, p.Field)
		}
		want := []Field{FieldName, FieldClientID, FieldAuthURL, FieldTokenURL, FieldAPIBaseURL, FieldClientAuth, FieldRedirectPort}
		if strings.Join(fieldStrings(got), ",") != strings.Join(fieldStrings(want), ",") {
			t.Errorf("fields = %v, want %v", got, want)
		}
	})
}

func fieldStrings(fs []Field) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = string(f)
	}
	return out
}

func TestParsePort(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
		ok   bool
	}{{"38917", 38917, true}, {" 1 ", 1, true}, {"65535", 65535, true}, {"0", 0, false}, {"65536", 0, false}, {"abc", 0, false}, {"", 0, false}} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParsePort(tc.in)
			var v *ValidationError
			switch {
			case tc.ok && (err != nil || got != tc.want):
				t.Errorf("ParsePort = %d, %v", got, err)
			case !tc.ok && (!errors.As(err, &v) || v.Field != FieldRedirectPort):
				t.Errorf("ParsePort = %d, %v; want a port ValidationError", got, err)
			}
		})
	}
}

// Names are unique without regard to case, the same way everywhere: the
// store, import and every lookup by name.
func TestSameName(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		same bool
	}{
		{"Prod", " prod ", true},
		{"Aς", "AΣ", true}, // final sigma folds with capital sigma…
		{"Aσ", "aΣ", true}, // …and so does the ordinary one
		{"Aς", "Aσ", true},
		{"straße", "STRASSE", false}, // simple folding only, as strings.EqualFold
		{"K", "\u212a", true},        // Kelvin sign
		{"Prod", "Prod 2", false},
	} {
		t.Run(tc.a+" vs "+tc.b, func(t *testing.T) {
			if got := SameName(tc.a, tc.b); got != tc.same {
				t.Errorf("SameName = %v, want %v", got, tc.same)
			}
			if got := strings.EqualFold(strings.TrimSpace(tc.a), strings.TrimSpace(tc.b)); got != tc.same {
				t.Errorf("strings.EqualFold disagrees: %v", got)
			}
		})
	}
}

func TestCheckSecret(t *testing.T) {
	if err := CheckSecret("s"); err != nil {
		t.Error(err)
	}
	if err := CheckSecret(" \n"); !errors.Is(err, ErrSecretRequired) {
		t.Errorf("blank secret: %v", err)
	}
	if err := CheckSecret(strings.Repeat("x", MaxSecretBytes+1)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("long secret: %v", err)
	}
}

func TestDepartures(t *testing.T) {
	kantata := DefaultClientSettings()
	for _, tc := range []struct {
		name   string
		change func(*ClientSettings)
		hosts  []string
		noPKCE bool
		says   string
	}{
		{"Kantata's own", func(*ClientSettings) {}, nil, false, ""},
		{"explicit https port", func(c *ClientSettings) { c.TokenURL = "https://app.mavenlink.com:443/oauth/token" }, nil, false, ""},
		{"upper case host", func(c *ClientSettings) { c.APIBaseURL = "https://API.Mavenlink.com" }, nil, false, ""},
		{"token and API elsewhere", func(c *ClientSettings) {
			c.TokenURL, c.APIBaseURL = "https://collector.example/token", "https://collector.example"
		}, []string{"collector.example"}, false, "sends to hosts that are not Kantata's: collector.example (access token URL, API base URL)"},
		{"a look-alike host", func(c *ClientSettings) { c.AuthURL = "https://app.mavenlink.com.evil.example/oauth/authorize" },
			[]string{"app.mavenlink.com.evil.example"}, false, "app.mavenlink.com.evil.example (authorization URL)"},
		{"another port", func(c *ClientSettings) { c.APIBaseURL = "https://api.mavenlink.com:8443" }, []string{"api.mavenlink.com:8443"}, false, ""},
		{"PKCE off", func(c *ClientSettings) { c.PKCE = false }, nil, true, "turns PKCE off"},
		// issue 19: judged by the bytes that will be dialled, never by
		// Unicode's case folding, and shown as dialled.
		{"Turkish dotted capital I", func(c *ClientSettings) {
			c.AuthURL, c.APIBaseURL = "https://app.mavenl\u0130nk.com/oauth/authorize", "https://api.mavenl\u0130nk.com"
		}, []string{"app.xn--mavenlink-ckf.com", "api.xn--mavenlink-ckf.com"}, false, "app.xn--mavenlink-ckf.com (authorization URL)"},
		{"percent-encoded dotted capital I", func(c *ClientSettings) { c.TokenURL = "https://app.mavenl%C4%B0nk.com/oauth/token" },
			[]string{"app.xn--mavenlink-ckf.com"}, false, "app.xn--mavenlink-ckf.com (access token URL)"},
		{"Cyrillic a", func(c *ClientSettings) { c.TokenURL = "https://\u0430pp.mavenlink.com/oauth/token" },
			[]string{"xn--pp-6kc.mavenlink.com"}, false, "xn--pp-6kc.mavenlink.com (access token URL)"},
		{"Cyrillic a on another port", func(c *ClientSettings) { c.TokenURL = "https://\u0430pp.mavenlink.com:8443/oauth/token" },
			[]string{"xn--pp-6kc.mavenlink.com:8443"}, false, "xn--pp-6kc.mavenlink.com:8443 (access token URL)"},
		// Names that IDNA maps onto Kantata's are dialled there: not a
		// departure (CheckEndpoint refuses them all the same).
		{"Kelvin sign for k", func(c *ClientSettings) { c.APIBaseURL = "https://api.mavenlin\u212A.com" }, nil, false, ""},
		{"fullwidth letters", func(c *ClientSettings) { c.APIBaseURL = "https://\uFF41pi.mavenlink.com" }, nil, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := kantata
			tc.change(&c)
			d := c.Departures()
			if !slices.Equal(d.Hosts(), tc.hosts) || d.NoPKCE != tc.noPKCE || d.Any() != (len(tc.hosts) > 0 || tc.noPKCE) {
				t.Errorf("Departures = %+v (hosts %q)", d, d.Hosts())
			}
			if !strings.Contains(d.String(), tc.says) || (tc.says == "" && len(tc.hosts) == 0 && d.String() != "") {
				t.Errorf("String = %q, want it to say %q", d.String(), tc.says)
			}
		})
	}
}

// Risk names the hosts, and says what PKCE off risks without pointing at
// hosts that aren't there (issue 19: "would go there" with no host named).
func TestDeparturesRisk(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*ClientSettings)
		want   string
	}{
		{"Kantata's own", func(*ClientSettings) {}, ""},
		{"foreign hosts", func(c *ClientSettings) {
			c.TokenURL, c.APIBaseURL = "https://collector.example/token", "https://api.collector.example"
		}, "Its client secret, sign-in codes and tokens would go to collector.example and api.collector.example, not only to Kantata."},
		{"PKCE off only", func(c *ClientSettings) { c.PKCE = false },
			"Without PKCE, a sign-in code caught on its way back to this computer could be used by whoever caught it."},
		{"both", func(c *ClientSettings) { c.TokenURL, c.PKCE = "https://collector.example/token", false },
			"would go to collector.example, not only to Kantata. Without PKCE,"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultClientSettings()
			tc.change(&c)
			got := c.Departures().Risk()
			if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
				t.Errorf("Risk = %q; want %q", got, tc.want)
			}
			if strings.Contains(got, "there") {
				t.Errorf("Risk = %q points at a place it doesn't name", got)
			}
		})
	}
}

// Names are shown in lists, the terminal and messages: characters that are
// invisible yet reorder or hide the text around them (bidi controls,
// zero-width characters) are refused like control characters, with a
// message that says which one. Every way a name is saved checks it.
func TestNamesRefuseInvisibleCharacters(t *testing.T) {
	const control = "Names can't contain line breaks or control characters."
	invisible := func(what string) string { return "Names can't contain the invisible character " + what + "." }
	for _, tc := range []struct {
		name, in, want string
	}{
		{"right-to-left override", "Prod\u202Egpj.exe", invisible("U+202E (right-to-left override)")},
		{"override closed by a pop", "\u202Dtest\u202C", invisible("U+202D (left-to-right override)")},
		{"right-to-left embedding", "a\u202Bb", invisible("U+202B (right-to-left embedding)")},
		{"first strong isolate", "a\u2068b\u2069", invisible("U+2068 (first strong isolate)")},
		{"left-to-right mark", "Prod\u200E", invisible("U+200E (left-to-right mark)")},
		{"Arabic letter mark", "\u061Ca", invisible("U+061C (Arabic letter mark)")},
		{"zero-width space", "Jane\u200BDoe", invisible("U+200B (zero-width space)")},
		{"zero-width joiner", "a\u200Db", invisible("U+200D (zero-width joiner)")},
		{"word joiner", "a\u2060b", invisible("U+2060 (word joiner)")},
		{"byte order mark first", "\uFEFFProd", invisible("U+FEFF (zero-width no-break space)")},
		{"only an invisible character", "\u200B", invisible("U+200B (zero-width space)")},
		{"title change", "\x1b]0;pwned\x07", control},
		{"screen clear", "Prod\x1b[2J", control},
		{"8-bit CSI", "\u009b31mProd", control},
		{"invalid UTF-8", "Pr\xffod", control},
		{"line separator", "a\u2028b", control},
		{"accents stay allowed", "Zoë Ångström", ""},
		{"Arabic letters stay allowed", "مريم الإنتاج", ""},
		{"Hebrew letters stay allowed", "ייצור", ""},
		{"CJK stays allowed", "本番 山田", ""},
		{"emoji stay allowed", "🚀 Prod", ""},
		// issue 19: invisible by Unicode property, not by list
		{"soft hyphen", "Produc\u00ADtion", invisible("U+00AD (soft hyphen)")},
		{"tag character", "Production\U000E0020", invisible("U+E0020 (tag character)")},
		{"combining grapheme joiner", "Pro\u034Fd", invisible("U+034F (combining grapheme joiner)")},
		{"invisible times", "a\u2062b", invisible("U+2062 (invisible times)")},
		{"Mongolian vowel separator", "a\u180Eb", invisible("U+180E (Mongolian vowel separator)")},
		{"Hangul filler", "\u3164", invisible("U+3164 (Hangul filler)")},
		{"halfwidth Hangul filler", "Prod\uFFA0", invisible("U+FFA0 (halfwidth Hangul filler)")},
		{"interlinear annotation", "\uFFF9a\uFFFBb", invisible("U+FFF9 (interlinear annotation mark)")},
		{"deprecated format character", "a\u206Bb", invisible("U+206B (deprecated format character)")},
		{"Arabic number mark", "\u0601١", invisible("U+0601 (Arabic number mark)")},
		{"braille blank", "Jane\u2800Doe", invisible("U+2800 (braille pattern blank)")},
		{"variation selector after a letter", "Pro\uFE0Fd", invisible("U+FE0F (variation selector)")},
		{"zero-width non-joiner between Latin letters", "Produc\u200Ction", invisible("U+200C (zero-width non-joiner)")},
		{"emoji ZWJ sequence stays allowed", "👩\u200D💻 Dev", ""},
		{"emoji with its presentation selector stays allowed", "\u2764\uFE0F Team", ""},
		{"Persian zero-width non-joiner stays allowed", "می\u200Cخواهم", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			check := func(how string, err error) {
				t.Helper()
				if tc.want == "" {
					if err != nil {
						t.Errorf("%s: %v", how, err)
					}
					return
				}
				var ve *ValidationError
				if !errors.As(err, &ve) || ve.Field != FieldName || ve.UserMessage() != tc.want {
					t.Errorf("%s: err = %v; want the name message %q", how, err, tc.want)
				}
			}
			_, err := NormalizeName(tc.in)
			check("NormalizeName", err)
			s := openTemp(t, newMemKeychain())
			check("CheckClientName", s.CheckClientName(tc.in, ""))
			check("CheckConnectionName", s.CheckConnectionName(tc.in, ""))
			c := DefaultClientSettings()
			c.Name, c.ClientID = tc.in, "id"
			_, problems := CheckClient(c)
			var first error
			if len(problems) > 0 {
				first = problems[0]
			}
			check("CheckClient", first)
			client, err := s.SaveClient("", c, "secret")
			check("SaveClient", err)
			if err != nil {
				client = addClient(t, s, "Acme", "secret")
			}
			_, err = s.SaveConnection("", tc.in, client.ID)
			check("SaveConnection", err)
			s = openTemp(t, newMemKeychain())
			client = addClient(t, s, "Acme", "secret")
			conn := addConnection(t, s, "Plain", client.ID)
			_, err = s.SaveConnection(conn.ID, tc.in, client.ID)
			check("SaveConnection (rename)", err)
		})
	}
}
