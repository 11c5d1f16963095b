// Package connecttest is the fixture the tests of connect and diagnose share:
// a saved client and connection pointing at a stand-in Kantata, with
// testenv's keychain, and optionally a headless Chromium as the browser.
package connecttest

import (
	"testing"

	"github.com/kantata-connect/kantata-connect/connect"
	"github.com/kantata-connect/kantata-connect/internal/browsertest"
	"github.com/kantata-connect/kantata-connect/internal/fakekantata"
	"github.com/kantata-connect/kantata-connect/internal/testenv"
	"github.com/kantata-connect/kantata-connect/oauth"
	"github.com/kantata-connect/kantata-connect/store"
)

// Secret is the fixture client's secret, registered with the stand-in.
const Secret = "s3cr3t-client-value-0123456789"

// Fixture is one client and one connection ("Production") and the parts
// around them.
type Fixture struct {
	Kantata *fakekantata.Server
	Browser *browsertest.Browser // nil: no browser opens
	Store   *store.Store
	Svc     *connect.Service
	Conn    store.Connection
}

// New saves a client and a connection pointing at a stand-in Kantata, with
// testenv's keychain, and b, a headless Chromium, as the user's browser. A
// nil b is no browser, for tests that never open one.
func New(t *testing.T, b *browsertest.Browser) *Fixture {
	t.Helper()
	return NewWith(t, b, store.CallbackLoopback)
}

// NewWith is New with a client of the callback kind given. For
// store.CallbackCode the stand-in behaves as Kantata's Doorkeeper does by
// default: it takes only https callbacks, so the client is registered with
// the out-of-band URI alone; so too for store.CallbackAppLink, with the
// app's own link.
func NewWith(t *testing.T, b *browsertest.Browser, callback string) *Fixture {
	t.Helper()
	k := fakekantata.New(t)
	st := testenv.Store(t)
	c := store.DefaultClientSettings()
	c.Name, c.ClientID = "Test client", "client-"+testenv.RandomHex(t)
	c.AuthURL, c.TokenURL, c.APIBaseURL = k.AuthURL(), k.TokenURL(), k.APIBaseURL()
	c.RedirectPort = testenv.FreePort(t)
	c.Callback = callback
	if callback == store.CallbackCode || callback == store.CallbackAppLink {
		k.SetHTTPSOnlyCallbacks(true)
	}
	k.AddClient(c.ClientID, Secret, c.RedirectURI())
	client, err := st.SaveClient("", c, Secret)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := st.SaveConnection("", "Production", client.ID)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = st.DeleteConnection(conn.ID)
		_ = st.DeleteClient(client.ID, true)
	})
	var open oauth.Opener
	if b != nil {
		open = b.Opener((*browsertest.Browser).Authorize)
	}
	return &Fixture{Kantata: k, Browser: b, Store: st, Svc: connect.New(st, open), Conn: conn}
}
