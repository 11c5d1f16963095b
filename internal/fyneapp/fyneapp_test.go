package fyneapp

import "testing"

func TestVersion(t *testing.T) {
	for _, tc := range []struct{ name, toml, want string }{
		{"the app's layout", "Website = \"x\"\n\n[Details]\nIcon = \"assets/icon.png\"\nName = \"Kantata Connect\"\nVersion = \"0.1.0\"\nBuild = 7\n", "0.1.0 (build 7)"},
		{"spaces and quotes", "[Details]\n  Version   =   \"1.2.3\"  \n Build= 12", "1.2.3 (build 12)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Version(tc.toml); got != tc.want {
				t.Errorf("Version = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestWebsite(t *testing.T) {
	if got := Website("Website = \"https://example.com/kc\"\n\n[Details]\nVersion = \"0.1.0\"\n"); got != "https://example.com/kc" {
		t.Errorf("Website = %q", got)
	}
}
