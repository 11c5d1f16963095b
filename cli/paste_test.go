package cli_test

import (
	"context"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/kantata-connect/kantata-connect/internal/browsertest"
	"github.com/kantata-connect/kantata-connect/internal/testenv"
	"github.com/kantata-connect/kantata-connect/oauth"
)

const pastePrompt = "Browser on another computer, or it couldn't reach this one? Paste the address it ended on here and press Enter."

// Lines on standard input that are not this sign-in's address each get a
// plain message and the wait goes on; the end of input changes nothing,
// and the sign-in ends as it would have, here by timing out. No browser is
// needed, so it runs in the fast loop too.
func TestAuthorizeRefusesPastedLinesAndKeepsWaiting(t *testing.T) {
	h := newHarness(t)
	_, _, port := h.addClient("Acme")
	h.run("", "connection", "add", "Prod", "--client", "Acme")
	callback := oauth.RedirectURI(port)
	const code = "pasted-code-never-shown-0123456789"
	h.secret(code)
	stdin := strings.Join([]string{
		"I clicked Authorize",
		"",
		callback + "?code=" + code + "&state=state-of-an-earlier-sign-in",
		"http://127.0.0.1:1/callback?code=" + code + "&state=x",
	}, "\n") + "\n"

	r := h.startWith(context.Background(), strings.NewReader(stdin), false,
		"authorize", "Prod", "--no-browser", "--timeout", "2s")
	res := r.wait(t)
	if res.code != 1 || !strings.Contains(res.errOut, "No answer came from your browser within 2 seconds") {
		t.Fatalf("authorize with refused lines, then the end of input: %v; want the wait to go on until the timeout", res)
	}
	mustContain(t, "the refusals", res.errOut,
		"That is not the address the browser ended on.", callback+"?",
		"That address belongs to another sign-in", "nothing was sent to Kantata",
		"That address is for 127.0.0.1:1, but this sign-in waits on "+callback,
		"Still waiting for the browser.")
	if n := strings.Count(res.errOut, "Still waiting for the browser."); n != 3 {
		t.Errorf("%d refusals; want 3 (the empty line is skipped):\n%s", n, res.errOut)
	}
	if strings.Contains(res.out+res.errOut, "Paste the address it ended on here") {
		t.Errorf("a prompt was shown although standard input is not a terminal: %v", res)
	}
	if n := h.kantata.TokenRequests(); n != 0 {
		t.Errorf("%d token requests; want none", n)
	}
}

// TestPasteWithBrowser: real Chromium at the stand-in Kantata, unable to
// reach the callback listener (the request fails in the browser); the
// address it ended on, on standard input, finishes the sign-in.
func TestPasteWithBrowser(t *testing.T) {
	testenv.Chromium(t)
	b := browsertest.New(t)

	t.Run("PipedAfterRefusals", func(t *testing.T) {
		h := newHarness(t)
		h.opener = b.Opener((*browsertest.Browser).AuthorizeBlocked)
		_, _, port := h.addClient("Acme")
		h.run("", "connection", "add", "Prod", "--client", "Acme")
		stdin, paste := io.Pipe()
		defer paste.Close()
		r := h.startWith(context.Background(), stdin, false, "authorize", "Prod")
		r.out.waitFor(t, "Waiting for Kantata")
		addr := endedOn(t, h, b)

		type line struct{ text, answer string }
		for _, l := range []line{
			{"not an address", "That is not the address the browser ended on."},
			{withState(addr, "state-of-an-earlier-sign-in"), "That address belongs to another sign-in"},
			{strings.Replace(addr, "127.0.0.1:"+strconv.Itoa(port), "127.0.0.1:1", 1),
				"That address is for 127.0.0.1:1, but this sign-in waits on " + oauth.RedirectURI(port)},
		} {
			io.WriteString(paste, l.text+"\n")
			r.errOut.waitFor(t, l.answer)
		}
		if n := h.kantata.TokenRequests(); n != 0 {
			t.Fatalf("%d token requests for refused addresses; want none", n)
		}
		io.WriteString(paste, addr+"\n")
		res := r.wait(t)
		if res.code != 0 {
			t.Fatalf("authorize with the pasted address: %v", res)
		}
		mustContain(t, "authorize", res.out, "Finishing the sign-in with the address you pasted...\n",
			"Authorized as Jane Doe <jane@example.com>\n")
		if n := h.kantata.TokenRequests(); n != 1 {
			t.Errorf("%d token requests; want 1", n)
		}
		keepTokenSecret(t, h)
	})

	t.Run("NoBrowserInTerminal", func(t *testing.T) {
		// Over SSH: the address to open goes to a browser elsewhere, and
		// the address it ended on comes back typed into this terminal.
		h := newHarness(t)
		h.opener = func(string) error { t.Error("--no-browser opened the browser"); return nil }
		h.addClient("Acme")
		h.run("", "connection", "add", "Prod", "--client", "Acme")
		stdin, paste := io.Pipe()
		defer paste.Close()
		r := h.startWith(context.Background(), stdin, true, "authorize", "Prod", "--no-browser", "--hint-after", "300ms")
		signIn := r.signInURL(t)
		r.errOut.waitFor(t, pastePrompt)
		if out := r.out.String(); !strings.Contains(out, signIn) {
			t.Errorf("the prompt came before the address to open:\n%s", out)
		}
		addr, err := b.AuthorizeBlocked(signIn)
		if err != nil {
			t.Fatal(err)
		}
		secretCode(h, addr)
		// The hint, while it still waits, points at pasting too.
		r.errOut.waitFor(t, "paste that page's address here and press Enter.")
		io.WriteString(paste, "  "+addr+"  \n")
		res := r.wait(t)
		if res.code != 0 || !strings.Contains(res.out, "Authorized as Jane Doe <jane@example.com>") {
			t.Fatalf("authorize --no-browser with the pasted address: %v", res)
		}
		keepTokenSecret(t, h)
	})

	t.Run("PastedDenial", func(t *testing.T) {
		h := newHarness(t)
		h.opener = b.Opener((*browsertest.Browser).DenyBlocked)
		h.addClient("Acme")
		h.run("", "connection", "add", "Prod", "--client", "Acme")
		stdin, paste := io.Pipe()
		defer paste.Close()
		r := h.startWith(context.Background(), stdin, true, "authorize", "Prod")
		r.errOut.waitFor(t, pastePrompt)
		addr := endedOn(t, h, b)
		io.WriteString(paste, addr+"\n")
		res := r.wait(t)
		if res.code != 1 {
			t.Errorf("authorize with a pasted denial: %v; want exit 1", res)
		}
		mustContain(t, "a pasted denial", res.errOut,
			"You chose not to authorize Kantata Connect in Kantata.\nRun: kantata-connect authorize Prod\n")
		if n := h.kantata.TokenRequests(); n != 0 {
			t.Errorf("%d token requests after a denial", n)
		}
	})

	t.Run("NothingOnStandardInput", func(t *testing.T) {
		// </dev/null, as in a script: the callback finishes the sign-in.
		h := newHarness(t)
		h.opener = b.Opener((*browsertest.Browser).Authorize)
		h.addClient("Acme")
		h.run("", "connection", "add", "Prod", "--client", "Acme")
		devNull, err := os.Open(os.DevNull)
		if err != nil {
			t.Fatal(err)
		}
		defer devNull.Close()
		res := h.startWith(context.Background(), devNull, false, "authorize", "Prod").wait(t)
		if res.code != 0 || !strings.Contains(res.out, "Authorized as Jane Doe") || strings.Contains(res.out+res.errOut, "paste") {
			t.Errorf("authorize </dev/null: %v; want the callback to finish it, with no word of pasting", res)
		}
		keepTokenSecret(t, h)
	})
}

// endedOn is the address the blocked browser ended on; its code joins the
// values no output may show.
func endedOn(t *testing.T, h *harness, b *browsertest.Browser) string {
	t.Helper()
	addr, err := b.LastResult()
	if err != nil {
		t.Fatalf("the browser: %v", err)
	}
	secretCode(h, addr)
	return addr
}

func secretCode(h *harness, addr string) {
	u, _ := url.Parse(addr)
	if code := u.Query().Get("code"); code != "" {
		h.secret(code)
	}
}

// withState is addr with another state.
func withState(addr, state string) string {
	u, _ := url.Parse(addr)
	q := u.Query()
	q.Set("state", state)
	u.RawQuery = q.Encode()
	return u.String()
}

// keepTokenSecret adds the token the sign-in kept to the values no output
// may show.
func keepTokenSecret(t *testing.T, h *harness) {
	t.Helper()
	st := h.store()
	conn, _ := st.ConnectionByName("Prod")
	tok, err := st.Token(conn.ID)
	if err != nil {
		t.Fatalf("no token after authorize: %v", err)
	}
	h.secret(tok.AccessToken)
}
