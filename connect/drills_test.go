package connect_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kantata-connect/kantata-connect/connect"
	"github.com/kantata-connect/kantata-connect/internal/browsertest"
	"github.com/kantata-connect/kantata-connect/internal/fakekantata"
	"github.com/kantata-connect/kantata-connect/internal/testenv"
	"github.com/kantata-connect/kantata-connect/oauth"
	"github.com/kantata-connect/kantata-connect/store"
)

// Fault drill: the stand-in Kantata dies while the app exchanges the code
// for a token (the browser has already said yes). The user is told Kantata
// could not be reached, the failure is kept with the connection, nothing
// saved before is lost, and once Kantata is back at the same address the next
// sign-in works.
func TestDrillKantataDiesDuringTokenExchange(t *testing.T) {
	testenv.Chromium(t)
	ctx := context.Background()
	first := fakekantata.New(t)
	// Kantata keeps its address across the outage: the client points at a
	// relay that forwards to whichever stand-in is up.
	relay := newRelay(t, first.URL)
	st := testenv.Store(t)
	c := store.Client{ClientSettings: store.DefaultClientSettings()}
	c.Name, c.ClientID = "Drill client", "client-"+testenv.RandomHex(t)
	c.AuthURL, c.TokenURL, c.APIBaseURL = relay.URL+"/oauth/authorize", relay.URL+"/oauth/token", relay.URL
	c.RedirectPort = testenv.FreePort(t)
	first.AddClient(c.ClientID, secret, c.RedirectURI())
	c, err := st.SaveClient(c.ID, c.ClientSettings, secret)
	if err != nil {
		t.Fatal(err)
	}
	prod, err := st.SaveConnection("", "Prod", c.ID)
	if err != nil {
		t.Fatal(err)
	}
	stage, err := st.SaveConnection("", "Stage", c.ID)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.DeleteClient(c.ID, true) })
	stageToken := first.IssueToken(t, c.ClientID, secret, c.RedirectURI())
	if err := st.SaveToken(stage.ID, store.Token{AccessToken: stageToken}); err != nil {
		t.Fatal(err)
	}
	b := browsertest.New(t)
	svc := connect.New(st, b.Opener((*browsertest.Browser).Authorize))
	if stage, err = svc.Test(ctx, stage.ID); err != nil || stage.Status != store.StatusAuthorized {
		t.Fatalf("Stage before the fault: %v, %v", stage.Status, err)
	}
	savedStage, savedClient := recordJSON(t, stage), recordJSON(t, c)

	// The token endpoint holds the request; the stand-in dies meanwhile.
	exchangesBefore := first.TokenRequests()
	first.SetSlowDelay(time.Hour)
	first.SetTokenMode(fakekantata.TokenSlow)
	type outcome struct {
		conn store.Connection
		err  error
	}
	done := make(chan outcome, 1)
	go func() {
		conn, err := svc.Authorize(ctx, prod.ID, connect.AuthorizeOptions{Timeout: 2 * time.Minute}, nil)
		done <- outcome{conn, err}
	}()
	waitFor(t, "the token request to reach the stand-in", func() bool { return first.TokenRequests() > exchangesBefore })
	first.Close()
	var res outcome
	select {
	case res = <-done:
	case <-time.After(2 * time.Minute): // hang guard
		t.Fatal("the sign-in never ended after Kantata died")
	}

	if oauth.KindOf(res.err) != oauth.KindNetwork {
		t.Fatalf("sign-in error %v (kind %q); want the network kind", res.err, oauth.KindOf(res.err))
	}
	msg, _ := connect.Explain(res.err)
	if !strings.Contains(msg, "Kantata") || !strings.Contains(strings.ToLower(msg), "reach") {
		t.Errorf("message %q does not say Kantata could not be reached", msg)
	}
	t.Logf("message: %s", msg)
	if page, _ := b.LastResult(); strings.Contains(page, "You're connected") {
		t.Errorf("the browser says the sign-in worked: %q", page)
	}
	if got, _ := st.Connection(prod.ID); got.Status != store.StatusFailed || got.LastError != msg {
		t.Errorf("Prod after the failure: status %q, last error %q; want failed with the message", got.Status, got.LastError)
	}
	if _, err := st.Token(prod.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Prod has a token after a failed sign-in (err %v)", err)
	}

	// Nothing saved before is lost: records and secrets as they were.
	if err := st.Reload(); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.Connection(stage.ID); recordJSON(t, got) != savedStage {
		t.Errorf("Stage changed:\n%s\nwas\n%s", recordJSON(t, got), savedStage)
	}
	if got, _ := st.Client(c.ID); recordJSON(t, got) != savedClient {
		t.Errorf("the client changed:\n%s\nwas\n%s", recordJSON(t, got), savedClient)
	}
	if s, err := st.ClientSecret(c.ID); err != nil || s != secret {
		t.Errorf("client secret after the fault: %v", err)
	}
	if tok, err := st.Token(stage.ID); err != nil || tok.AccessToken != stageToken {
		t.Errorf("Stage's token after the fault: %v", err)
	}

	// Kantata is back at the same address: the next sign-in works.
	second := fakekantata.New(t)
	second.AddClient(c.ClientID, secret, c.RedirectURI())
	relay.setBackend(second.URL)
	conn, err := svc.Authorize(ctx, prod.ID, connect.AuthorizeOptions{Timeout: 2 * time.Minute}, nil)
	if err != nil || conn.Status != store.StatusAuthorized || connect.StatusText(conn) != "Authorized as Jane Doe" {
		t.Fatalf("sign-in after Kantata came back: %q, %v", connect.StatusText(conn), err)
	}
}

// recordJSON is a record as JSON, to compare records whole.
func recordJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// waitFor polls cond; the bound is a hang guard, not a timing assertion.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// relay is a TCP forwarder on a fixed loopback address: Kantata's address,
// which outlives any one stand-in. A connection whose backend dies is closed,
// as the dead server's own would be.
type relay struct {
	URL string
	ln  net.Listener

	mu      sync.Mutex
	backend string // host:port
	conns   map[net.Conn]bool
}

func newRelay(t *testing.T, backendURL string) *relay {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &relay{URL: "http://" + ln.Addr().String(), ln: ln, conns: map[net.Conn]bool{}}
	r.setBackend(backendURL)
	go r.serve()
	t.Cleanup(func() {
		ln.Close()
		r.mu.Lock()
		defer r.mu.Unlock()
		for c := range r.conns {
			c.Close()
		}
	})
	return r
}

func (r *relay) setBackend(backendURL string) {
	u, err := url.Parse(backendURL)
	if err != nil {
		panic(err)
	}
	r.mu.Lock()
	r.backend = u.Host
	r.mu.Unlock()
}

func (r *relay) serve() {
	for {
		c, err := r.ln.Accept()
		if err != nil {
			return
		}
		go r.forward(c)
	}
}

func (r *relay) forward(c net.Conn) {
	r.mu.Lock()
	backend := r.backend
	r.conns[c] = true
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		delete(r.conns, c)
		r.mu.Unlock()
		c.Close()
	}()
	bc, err := net.DialTimeout("tcp4", backend, 10*time.Second)
	if err != nil {
		return // nothing listens: the client sees its connection closed
	}
	defer bc.Close()
	ended := make(chan struct{}, 2)
	go func() { io.Copy(bc, c); ended <- struct{}{} }()
	go func() { io.Copy(c, bc); ended <- struct{}{} }()
	<-ended // either side gone: close both
}
