package connect_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kantata-connect/kantata-connect/connect"
	"github.com/kantata-connect/kantata-connect/internal/fakekantata"
	"github.com/kantata-connect/kantata-connect/internal/testenv"
	"github.com/kantata-connect/kantata-connect/store"
)

const keychainDrillRole = "CONNECT_DRILL_KEYCHAIN"

// Fault drill: the keychain disappears mid-session (the Secret Service
// daemon stops). Every operation that needs a secret fails at once with a
// message that says the keychain is missing, nothing is written meanwhile,
// and when the daemon is back the same session carries on with every secret
// still there.
//
// The drill needs a keyring it may stop, so it runs in a child process with
// a D-Bus session of its own (the D-Bus library keeps one connection per
// process) and a GNOME Keyring on it. That bus has no service files, so a
// stopped keyring stays stopped rather than being started again on demand.
func TestDrillKeychainDisappears(t *testing.T) {
	testenv.RealPartsOnly(t, "dbus-daemon and a GNOME Keyring of its own")
	if os.Getenv(keychainDrillRole) == "child" {
		keychainDrillChild(t)
		return
	}
	for _, tool := range []string{"dbus-daemon", "gnome-keyring-daemon"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the keychain drill needs %s: apt-get install -y dbus-x11 gnome-keyring", tool)
		}
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestDrillKeychainDisappears$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), keychainDrillRole+"=child")
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("--- PASS")) {
		t.Fatalf("the drill's child process failed (%v):\n%s", err, out)
	}
	t.Logf("child process:\n%s", out)
}

func keychainDrillChild(t *testing.T) {
	ctx := context.Background()
	tmp := t.TempDir()
	kr := startPrivateKeyring(t, tmp)

	// A session as the app has one: a client, an authorized connection, a
	// second one not authorized yet.
	k := fakekantata.New(t)
	kc := store.NewSystemKeychain("com.kantataconnect.test.drill." + testenv.RandomHex(t))
	kc.Timeout = 5 * time.Second // a hang guard: a stopped daemon answers "not there" at once
	st, err := store.Open(filepath.Join(tmp, "records"), kc)
	if err != nil {
		t.Fatal(err)
	}
	c := store.Client{ClientSettings: store.DefaultClientSettings()}
	c.Name, c.ClientID = "Drill client", "client-"+testenv.RandomHex(t)
	c.AuthURL, c.TokenURL, c.APIBaseURL = k.AuthURL(), k.TokenURL(), k.APIBaseURL()
	c.RedirectPort = testenv.FreePort(t)
	k.AddClient(c.ClientID, secret, c.RedirectURI())
	if c, err = st.SaveClient(c.ID, c.ClientSettings, secret); err != nil {
		t.Fatalf("save the client with the keyring up: %v", err)
	}
	prod, err := st.SaveConnection("", "Prod", c.ID)
	if err != nil {
		t.Fatal(err)
	}
	stage, err := st.SaveConnection("", "Stage", c.ID)
	if err != nil {
		t.Fatal(err)
	}
	token := k.IssueToken(t, c.ClientID, secret, c.RedirectURI())
	if err := st.SaveToken(prod.ID, store.Token{AccessToken: token}); err != nil {
		t.Fatal(err)
	}
	svc := connect.New(st, nil)
	if prod, err = svc.Test(ctx, prod.ID); err != nil {
		t.Fatalf("test before the fault: %v", err)
	}
	records, err := os.ReadFile(st.Path())
	if err != nil {
		t.Fatal(err)
	}

	kr.stop(t)

	// Every operation that needs the keychain says so in plain words.
	const want = "No keychain is available"
	check := func(what string, err error) {
		t.Helper()
		if err == nil {
			t.Fatalf("%s worked with the keychain gone", what)
		}
		if !errors.Is(err, store.ErrNoKeychain) {
			t.Errorf("%s: %v; want the no-keychain kind", what, err)
		}
		msg, detail := connect.Explain(err)
		if !strings.Contains(msg, want) || strings.Contains(msg+detail, secret) || strings.Contains(msg+detail, token) {
			t.Errorf("%s: message %q does not say %q (or shows a secret)", what, msg, want)
		}
		t.Logf("%s: %s", what, msg)
	}
	_, err = svc.Test(ctx, prod.ID)
	check("testing Prod", err)
	_, err = svc.StartAuthorize(ctx, stage.ID, connect.AuthorizeOptions{NoBrowser: true})
	check("signing in Stage", err)
	edited := c
	edited.ClientID = "changed"
	_, err = st.SaveClient(edited.ID, edited.ClientSettings, "another-secret")
	check("editing the client", err)
	check("deleting Prod", st.DeleteConnection(prod.ID))
	if n := len(st.Connections()); n != 2 {
		t.Errorf("the list shows %d connections during the fault, want 2", n)
	}
	if now, err := os.ReadFile(st.Path()); err != nil || !bytes.Equal(now, records) {
		t.Errorf("the records changed while the keychain was gone (err %v)", err)
	}

	kr.start(t)

	// Back: the same session goes on, every secret where it was.
	if s, err := st.ClientSecret(c.ID); err != nil || s != secret {
		t.Errorf("client secret after the keyring came back: %v (same: %v)", err, s == secret)
	}
	if tok, err := st.Token(prod.ID); err != nil || tok.AccessToken != token {
		t.Errorf("Prod's token after the keyring came back: %v", err)
	}
	conn, err := svc.Test(ctx, prod.ID)
	if err != nil || connect.StatusText(conn) != "Authorized as Jane Doe" {
		t.Errorf("test after the keyring came back: %q, %v", connect.StatusText(conn), err)
	}
	if _, err := st.SaveClient(edited.ID, edited.ClientSettings, secret); err != nil {
		t.Errorf("editing the client after the keyring came back: %v", err)
	}
}

// privateKeyring is a D-Bus session bus and a GNOME Keyring on it, for one
// process. The keyring's files persist in home across stop and start, as a
// real login keyring's do.
type privateKeyring struct {
	env    []string
	daemon *exec.Cmd
}

const keyringPassword = "drill-keyring-password"

func startPrivateKeyring(t *testing.T, tmp string) *privateKeyring {
	t.Helper()
	home := filepath.Join(tmp, "home")
	run := filepath.Join(tmp, "run")
	for _, d := range []string{home, run} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	conf := filepath.Join(tmp, "bus.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(`<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`, filepath.Join(run, "bus"))), 0o600); err != nil {
		t.Fatal(err)
	}
	bus := exec.Command("dbus-daemon", "--config-file="+conf, "--nofork", "--print-address")
	stdout, err := bus.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := bus.Start(); err != nil {
		t.Fatalf("start dbus-daemon: %v", err)
	}
	t.Cleanup(func() { bus.Process.Kill(); bus.Wait() })
	addr, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("dbus-daemon printed no address: %v", err)
	}
	addr = strings.TrimSpace(addr)
	// The keychain library reads the address when it first connects,
	// which in this process is after this.
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)

	kr := &privateKeyring{env: append(os.Environ(), "DBUS_SESSION_BUS_ADDRESS="+addr, "HOME="+home,
		"XDG_DATA_HOME="+filepath.Join(home, ".local", "share"), "XDG_RUNTIME_DIR="+run)}
	kr.start(t)
	t.Cleanup(func() {
		if kr.daemon != nil {
			kr.daemon.Process.Kill()
			kr.daemon.Wait()
		}
	})
	return kr
}

// start runs the keyring daemon, unlocking (or, the first time, creating)
// the login keyring, and waits until the Secret Service answers.
func (kr *privateKeyring) start(t *testing.T) {
	t.Helper()
	d := exec.Command("gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets")
	d.Env = kr.env
	d.Stdin = strings.NewReader(keyringPassword)
	var out bytes.Buffer
	d.Stdout, d.Stderr = &out, &out
	if err := d.Start(); err != nil {
		t.Fatalf("start gnome-keyring-daemon: %v", err)
	}
	kr.daemon = d
	probe := store.NewSystemKeychain("com.kantataconnect.test.drill.probe")
	probe.Timeout = 5 * time.Second
	deadline := time.Now().Add(60 * time.Second) // hang guard
	for {
		err := probe.Set("probe", "x")
		if err == nil {
			_ = probe.Delete("probe")
			return
		}
		if time.Now().After(deadline) {
			d.Process.Kill()
			d.Wait()
			kr.daemon = nil
			t.Fatalf("the private keyring never answered: %v\n%s", err, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop ends the daemon as a session ending or a crash would, and waits
// until it is gone.
func (kr *privateKeyring) stop(t *testing.T) {
	t.Helper()
	if err := kr.daemon.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	_ = kr.daemon.Wait()
	kr.daemon = nil
}
