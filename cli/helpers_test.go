package cli_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kantata-connect/kantata-connect/cli"
	"github.com/kantata-connect/kantata-connect/internal/fakekantata"
	"github.com/kantata-connect/kantata-connect/internal/testenv"
	"github.com/kantata-connect/kantata-connect/oauth"
	"github.com/kantata-connect/kantata-connect/store"
)

// hangGuard bounds waits for output that should come; no test asserts on it.
const hangGuard = 90 * time.Second

// harness is one records folder, one keychain service and one stand-in
// Kantata. It remembers every output of the test so that, at the end, it can
// check that no secret or token was ever shown.
type harness struct {
	t       *testing.T
	dir     string
	kc      store.Keychain
	kantata *fakekantata.Server
	opener  oauth.Opener

	mu      sync.Mutex
	outputs []string
	secrets []string
}

type result struct {
	code        int
	out, errOut string
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout:\n%s--- stderr:\n%s", r.code, r.out, r.errOut)
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{t: t, dir: t.TempDir(), kc: testKeychain(t), kantata: fakekantata.New(t)}
	// A guard: nothing here may reach the real records folder.
	t.Setenv(store.EnvConfigDir, t.TempDir())
	t.Cleanup(h.cleanup)
	return h
}

// testKeychain is testenv.Keychain: in memory under -short, else the real
// system keychain under a service name of its own.
func testKeychain(t *testing.T) store.Keychain {
	t.Helper()
	return testenv.Keychain(t)
}

// cleanup removes what the test left in the keychain, then checks that no
// output held a secret.
func (h *harness) cleanup() {
	if st, err := store.Open(h.dir, h.kc); err == nil {
		for _, c := range st.Clients() {
			_ = st.DeleteClient(c.ID, true)
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	records, _ := os.ReadFile(h.dir + "/records.json")
	for _, s := range h.secrets {
		for i, out := range h.outputs {
			if strings.Contains(out, s) {
				// Masked: the test log must not carry it either.
				h.t.Errorf("output %d of the test shows a secret or token:\n%s", i, strings.ReplaceAll(out, s, "[SECRET]"))
			}
		}
		if bytes.Contains(records, []byte(s)) {
			h.t.Errorf("the records file holds a secret or token")
		}
	}
}

// secret remembers s as a value no output may show.
func (h *harness) secret(s string) {
	h.mu.Lock()
	h.secrets = append(h.secrets, s)
	h.mu.Unlock()
}

func (h *harness) record(s ...string) {
	h.mu.Lock()
	h.outputs = append(h.outputs, s...)
	h.mu.Unlock()
}

func (h *harness) env(stdin string, out, errOut *watched) cli.Env {
	return cli.Env{
		Stdin:           strings.NewReader(stdin),
		Stdout:          out,
		Stderr:          errOut,
		Keychain:        h.kc,
		Opener:          h.opener,
		StdinIsTerminal: func() bool { return false },
		ReadPassword: func() (string, error) {
			h.t.Error("prompted for a secret although standard input is not a terminal")
			return "", nil
		},
		Version: "9.8.7 (build 6)",
	}
}

// run runs one command to its end with stdin as standard input.
func (h *harness) run(stdin string, args ...string) result {
	h.t.Helper()
	return h.runEnv(context.Background(), h.env(stdin, &watched{}, &watched{}), args...)
}

func (h *harness) runEnv(ctx context.Context, env cli.Env, args ...string) result {
	h.t.Helper()
	code := cli.Run(ctx, cli.Global{ConfigDir: h.dir}, args, env)
	res := result{code: code, out: env.Stdout.(*watched).String(), errOut: env.Stderr.(*watched).String()}
	h.record(res.out, res.errOut)
	return res
}

// running is a command running in the background, for tests that act on its
// output while it waits (visit the printed address, press Ctrl-C).
type running struct {
	out, errOut *watched
	done        chan result
}

func (h *harness) start(ctx context.Context, args ...string) *running {
	return h.startWith(ctx, strings.NewReader(""), false, args...)
}

// startWith is start with stdin as standard input, a terminal or not.
func (h *harness) startWith(ctx context.Context, stdin io.Reader, terminal bool, args ...string) *running {
	r := &running{out: &watched{}, errOut: &watched{}, done: make(chan result, 1)}
	env := h.env("", r.out, r.errOut)
	env.Stdin = stdin
	env.StdinIsTerminal = func() bool { return terminal }
	go func() { r.done <- h.runEnv(ctx, env, args...) }()
	return r
}

func (r *running) wait(t *testing.T) result {
	t.Helper()
	select {
	case res := <-r.done:
		return res
	case <-time.After(hangGuard):
		t.Fatalf("the command did not end within %v; output so far:\n%s\n%s", hangGuard, r.out, r.errOut)
	}
	return result{}
}

// signInURL waits for the address authorize prints.
func (r *running) signInURL(t *testing.T) string {
	t.Helper()
	const intro = "Open this address in your browser to sign in to Kantata:\n  "
	text := r.out.waitFor(t, intro)
	rest := text[strings.Index(text, intro)+len(intro):]
	line, _, ok := strings.Cut(rest, "\n")
	if !ok || !strings.HasPrefix(line, "http") {
		t.Fatalf("no address after %q in:\n%s", intro, text)
	}
	return line
}

// watched is an output that tests can wait on while a command still writes.
type watched struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{}
}

func (w *watched) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.changed != nil {
		close(w.changed)
		w.changed = nil
	}
	return w.buf.Write(p)
}

func (w *watched) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// waitFor returns the output once it contains s.
func (w *watched) waitFor(t *testing.T, s string) string {
	t.Helper()
	deadline := time.NewTimer(hangGuard)
	defer deadline.Stop()
	for {
		w.mu.Lock()
		text := w.buf.String()
		if strings.Contains(text, s) {
			w.mu.Unlock()
			return text
		}
		if w.changed == nil {
			w.changed = make(chan struct{})
		}
		ch := w.changed
		w.mu.Unlock()
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("output never showed %q; it was:\n%s", s, text)
		}
	}
}

// addClient saves a client pointing at the stand-in Kantata, registered
// there with a fresh secret and a free callback port, through the CLI.
func (h *harness) addClient(name string) (clientID, secret string, port int) {
	h.t.Helper()
	clientID, secret, port = "client-"+testenv.RandomHex(h.t), "s3cr3t-"+testenv.RandomHex(h.t)+testenv.RandomHex(h.t), testenv.FreePort(h.t)
	h.secret(secret)
	h.kantata.AddClient(clientID, secret, oauth.RedirectURI(port))
	res := h.run(secret+"\n", "client", "add", name, "--client-id", clientID,
		"--auth-url", h.kantata.AuthURL(), "--token-url", h.kantata.TokenURL(), "--api-url", h.kantata.APIBaseURL(),
		"--redirect-port", strconv.Itoa(port))
	if res.code != 0 {
		h.t.Fatalf("client add: %v", res)
	}
	return clientID, secret, port
}

// store opens the records the CLI writes, to check them.
func (h *harness) store() *store.Store {
	h.t.Helper()
	st, err := store.Open(h.dir, h.kc)
	if err != nil {
		h.t.Fatal(err)
	}
	return st
}

func mustContain(t *testing.T, what, text string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(text, s) {
			t.Errorf("%s does not say %q:\n%s", what, s, text)
		}
	}
}
