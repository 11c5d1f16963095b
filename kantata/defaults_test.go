package kantata_test

import (
	"slices"
	"testing"

	"github.com/kantata-connect/kantata-connect/kantata"
)

// Kantata's hosts come from its endpoints, and only their ASCII spelling is
// Kantata's.
func TestKantataHosts(t *testing.T) {
	if got := kantata.Hosts(); !slices.Equal(got, []string{"app.mavenlink.com", "api.mavenlink.com"}) {
		t.Errorf("Hosts() = %q", got)
	}
	for host, want := range map[string]bool{
		"app.mavenlink.com":              true,
		"API.MAVENLINK.COM:443":          true,
		"app.mavenlink.com:444":          false,
		"app.mavenlİnk.com":              false, // dialled as app.xn--mavenlink-ckf.com
		"app.mavenlink.com.evil.example": false,
		"mavenlink.com":                  false,
	} {
		t.Run(host, func(t *testing.T) {
			if got := kantata.IsKantataHost(host); got != want {
				t.Errorf("IsKantataHost(%q) = %v, want %v", host, got, want)
			}
		})
	}
}
